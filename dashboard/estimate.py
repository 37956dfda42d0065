"""Control estimated from place observations ("town X held by faction F on day D").

Many users have such observations (ACLED's territorial events, the tables behind
Wikipedia's war maps) and no polygons. This turns them into areas with a rule anyone can
check, and labels the result "estimated" everywhere it appears:

1. for each place, its latest observation on or before the day says who holds it; if other
   factions were also observed there within `window_days` before that observation, the
   place is contested between them; places last seen more than `max_age_days` ago are
   left out (unknown, not assumed);
2. the places are tessellated (Voronoi, in an equal-area projection, so distances are
   true), and each cell is clipped to land and to `max_km` around its place.

Limits: a cell says nothing about the ground between two places held by different factions
beyond "nearer to one than to the other"; a front line is never where a cell edge is; a
place with no observation leaves a hole; everything depends on which places were observed.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable, Mapping

import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from dashboard.geometry import EqualArea
from dashboard.records import DataError, Faction, Source, parse_date

OBSERVATION_COLUMNS = ("place", "lon", "lat", "faction", "date", "publisher", "url", "source_date")


@dataclass(frozen=True)
class Observation:
    place: str
    lon: float
    lat: float
    faction: str
    date: dt.date
    source: Source


@dataclass(frozen=True)
class EstimatedArea:
    place: str
    faction: str
    status: str  # "held" | "contested"
    contested_with: tuple[str, ...]
    observed: dt.date  # the latest observation used
    geometry: BaseGeometry
    km2: float
    sources: tuple[Source, ...]


def load_observations(path: Path, factions: Mapping[str, Faction]) -> tuple[Observation, ...]:
    """Read observations.csv; a missing file is an empty list (the layer is optional)."""
    if not path.exists():
        return ()
    problems, out = [], []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in OBSERVATION_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError([f"{path.name}: missing columns {', '.join(missing)}"])
        for line, row in enumerate(reader, start=2):
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ValueError("lon/lat out of range")
                if row["faction"] not in factions:
                    raise ValueError(f"unknown faction id {row['faction']!r}")
                if not row["url"].startswith(("http://", "https://")):
                    raise ValueError(f"url {row['url']!r} is not http(s)")
                out.append(Observation(
                    row["place"], lon, lat, row["faction"], parse_date(row["date"], "date"),
                    Source(row["publisher"], row["url"],
                           parse_date(row["source_date"], "source_date"))))
            except (ValueError, TypeError) as exc:
                problems.append(f"{path.name}: line {line}: {exc}")
    if problems:
        raise DataError(problems)
    return tuple(sorted(out, key=lambda o: (o.date, o.place)))


class Estimator:
    """Observations and land prepared once (projected); `at(day)` is cheap."""

    def __init__(self, observations: Iterable[Observation], land: BaseGeometry | None = None):
        self.observations = tuple(observations)
        lons = [o.lon for o in self.observations] or [0.0]
        lats = [o.lat for o in self.observations] or [0.0]
        self.projection = EqualArea((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
        self.land = self.projection.forward(land) if land is not None else None
        self._points = {}
        for o in self.observations:
            self._points.setdefault((o.place, o.lon, o.lat),
                                    self.projection.forward(Point(o.lon, o.lat)))

    def at(self, day: dt.date, window_days: int = 30, max_km: float = 25.0,
           max_age_days: int | None = 730) -> list[EstimatedArea]:
        verdicts = {}
        for key in self._points:
            seen = [o for o in self.observations if (o.place, o.lon, o.lat) == key and o.date <= day]
            if not seen:
                continue
            latest = max(seen, key=lambda o: o.date)
            if max_age_days is not None and (day - latest.date).days > max_age_days:
                continue
            since = latest.date - dt.timedelta(days=window_days)
            recent = [o for o in seen if o.date >= since and o.date <= day]
            others = tuple(dict.fromkeys(o.faction for o in sorted(recent, key=lambda o: o.date,
                                                                    reverse=True)
                                         if o.faction != latest.faction))
            verdicts[key] = (latest, others, tuple(o.source for o in recent))
        if not verdicts:
            return []
        cells = voronoi_cells([self._points[k] for k in verdicts], max_km * 1000.0, self.land)
        out = []
        for (key, (latest, others, sources)), cell in zip(verdicts.items(), cells):
            if cell.is_empty:
                continue
            out.append(EstimatedArea(
                key[0], latest.faction, "contested" if others else "held", others, latest.date,
                self.projection.inverse(cell.segmentize(5000)), round(cell.area / 1e6, 1),
                tuple(dict.fromkeys(sources))))
        return out


def voronoi_cells(points: list[BaseGeometry], max_m: float,
                  land: BaseGeometry | None) -> list[BaseGeometry]:
    """One cell per point (same order), clipped to `max_m` around it and to land."""
    if len(points) == 1:
        cells = [points[0].buffer(max_m, 32)]
    else:
        diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=MultiPoint(points)
                                           .buffer(max_m * 4).envelope)
        polygons = list(diagram.geoms)
        tree = shapely.STRtree(polygons)
        cells = []
        for point in points:
            hits = [polygons[i] for i in tree.query(point, predicate="intersects")]
            cell = hits[0] if hits else point.buffer(max_m)
            cells.append(cell.intersection(point.buffer(max_m, 32)))
    if land is not None:
        cells = [c.intersection(land) for c in cells]
    return [shapely.make_valid(c) if not c.is_valid else c for c in cells]

