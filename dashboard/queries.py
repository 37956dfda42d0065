"""The questions the API and the map's density grid ask of one loaded dataset, answered by
the store it came from (dashboard.store): `Dataset.queries`.

- `RecordQueries`, for the bundled record and file-store datasets: array operations on
  the loaded columns (dashboard.eventtable);
- `dashboard.postgis.SqlQueries`, for a dataset with PostGIS tables: SQL on the indexed
  date columns and the GiST index, pages fetched with LIMIT and keyset (no request holds
  more than a chunk of rows), the density grid with GROUP BY.

Both give identical answers (tests/test_store.py runs one suite against both, through
this interface and through the API). Each answers for the version it was loaded with, so
an answer never mixes two versions of a dataset.

Rules, as everywhere (dashboard.timeline): an event touches [start, end] when any of its
days is in it (both inclusive, either open); `factions` match any actor; `types` are ACLED
type names; None is no filter and an empty collection matches nothing; a bounding box
(lon_min, lat_min, lon_max, lat_max) is inclusive. Events come in (date, id) order, ids
compared bytewise.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from dashboard import timeline
from dashboard.eventtable import Selection
from dashboard.geometry import world_px
from dashboard.records import ControlArea, Event, Movement, Record

BBox = tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max (inclusive)
CELL_PX = 48  # a density cell's side on the screen
MAX_CELLS = 4_000  # cells grow until there are no more than this
Cells = tuple[tuple[float, float, int], ...]  # (mean lon, mean lat, events) per cell


@dataclass(frozen=True)
class EventQuery:
    """Which events: a window, factions, types and a bounding box (`outside`: only those
    outside that box, as the map's density grid counts what it does not draw)."""

    start: dt.date | None = None
    end: dt.date | None = None
    factions: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None
    bbox: BBox | None = None
    outside: BBox | None = None

    @classmethod
    def of(cls, start=None, end=None, factions: Iterable[str] | None = None,
           types: Iterable[str] | None = None, bbox=None, outside=None) -> EventQuery:
        return cls(start, end, None if factions is None else tuple(sorted(set(factions))),
                   None if types is None else tuple(sorted(set(types))),
                   None if bbox is None else tuple(float(v) for v in bbox),
                   None if outside is None else tuple(float(v) for v in outside))


class Queries(Protocol):
    def events(self, query: EventQuery, offset: int = 0,
               limit: int | None = None) -> tuple[int, Iterator[Event]]:
        """How many events match, and those of the page [offset, offset + limit), in
        order, materialised a chunk at a time as they are iterated."""

    def areas(self, day: dt.date) -> tuple[ControlArea, ...]:
        """The control areas valid on `day` (valid_from <= day < valid_to)."""

    def movements(self, start: dt.date | None = None, end: dt.date | None = None,
                  factions: Iterable[str] | None = None) -> tuple[Movement, ...]: ...

    def density(self, query: EventQuery, zoom: float) -> Cells:
        """The map's density cells (see `density_cells`) of the matching events."""


class RecordQueries:
    """The queries on a loaded record's columns (the bundled record, a file-store dataset,
    or a PostGIS dataset read from a linked table)."""

    def __init__(self, record: Record):
        self.record = record

    def selection(self, query: EventQuery) -> Selection:
        found = self.record.events.select(query.start, query.end, query.factions, query.types)
        if query.bbox is not None:
            found = found.where(in_box(found.lon, found.lat, query.bbox))
        if query.outside is not None:
            found = found.where(~in_box(found.lon, found.lat, query.outside))
        return found

    def events(self, query, offset=0, limit=None):
        found = self.selection(query)
        return len(found), iter(found[offset:None if limit is None else offset + limit])

    def areas(self, day):
        return timeline.control_at(self.record, day)

    def movements(self, start=None, end=None, factions=None):
        return timeline.movements_between(self.record, start, end, factions)

    def density(self, query, zoom):
        found = self.selection(query)
        return density_cells(found.lon, found.lat, zoom)


def in_box(lon: np.ndarray, lat: np.ndarray, box: BBox) -> np.ndarray:
    return (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])


def density_cells(lon: np.ndarray, lat: np.ndarray, zoom: float) -> Cells:
    """Points counted per square cell of CELL_PX screen pixels at `zoom` (Web Mercator), the
    cell doubled until there are at most MAX_CELLS; each cell at its points' mean, in
    (column, row) order. (dashboard.postgis.SqlQueries.density is the same in SQL.)"""
    if not len(lon):
        return ()
    x, y = world_px(lon, lat, zoom)
    cell = CELL_PX
    while True:
        key = np.floor(x / cell).astype(np.int64) * (1 << 32) + np.floor(y / cell).astype(np.int64)
        keys, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        if len(keys) <= MAX_CELLS:
            break
        cell *= 2
    mean_lon = np.bincount(inverse, weights=lon) / counts
    mean_lat = np.bincount(inverse, weights=lat) / counts
    return tuple((round(float(a), 4), round(float(b), 4), int(n))
                 for a, b, n in zip(mean_lon, mean_lat, counts))
