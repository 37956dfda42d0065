"""What a view state shows: the one query behind the map, legend, summary, area list,
downloads and exports, so that none of them can disagree with another.

Two questions, one rule set:
- `candidates(data, state)`: everything the state's filters let through (factions, event
  types, layers, mode), whatever the day. The page sends these once, with their dates, and
  the browser picks a day's share on every step without asking the server.
- `shown(data, state)`: the candidates that hold on the state's day. It is
  `candidates(...)` with the time rule applied, the same rule the browser applies
  (assets/map.js, `frontlines.select`): an area holds on days `valid_from <= day <
  valid_to`; an event or movement is shown when any of its days falls in the event window.

A faction filter keeps a control area when its holder or any faction contesting it is
ticked: contested ground matters to each side of the contest.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import shapely
from shapely.ops import unary_union

from dashboard import timeline
from dashboard.dataset import Dataset
from dashboard.estimate import EstimatedArea
from dashboard.eventtable import Selection
from dashboard.geometry import fit_view, view_frame
from dashboard.history import Change
from dashboard.queries import EventQuery, density_cells
from dashboard.records import ControlArea, Movement
from dashboard.state import ViewState

NEAR_CHANGE_M = 10_000  # compare mode shows events within 10 km of changed ground
# A browser without a GPU draws some tens of thousands of markers before it stalls: a
# dataset with more events than that is drawn a day at a time by the server, and a view with
# more events in its window than that draws them as counts per grid cell (`drawing`).
MAX_MARKERS = 20_000
# A day drawn by the server draws at most this many markers, so that a step stays a fraction
# of a second (building and sending a marker costs about 10 µs and 150 bytes).
STEP_MARKERS = 5_000


@dataclass(frozen=True)
class Candidates:
    """The filtered record, every day at once (for the browser to step through)."""

    areas: tuple[ControlArea, ...]
    events: Selection
    movements: tuple[Movement, ...]


@dataclass(frozen=True)
class Shown:
    """What one view state draws on its day."""

    areas: tuple[ControlArea, ...]
    events: Selection
    movements: tuple[Movement, ...]
    changes: tuple[Change, ...]  # compare mode: ground gained and lost from A to B
    estimated: tuple[EstimatedArea, ...]  # the opt-in estimated layer

    def publisher_counts(self) -> dict[str, int]:
        """How often each publisher is cited by what is drawn (areas, events, movements,
        estimates); the events' counts come from the table, without materialising them."""
        counts = self.events.publisher_counts()
        for item in (*self.areas, *self.movements, *self.estimated):
            for source in item.sources:
                counts[source.publisher] += 1
        return counts


@dataclass(frozen=True)
class Drawing:
    """How the map draws a view's events: one marker each where the browser can, and
    beyond that counts per grid cell (nothing is dropped: every shown event is in one)."""

    markers: Selection
    cells: tuple[tuple[float, float, int], ...]  # (lon, lat, events) per cell

    @property
    def aggregated(self) -> int:
        return sum(c[2] for c in self.cells)


def drawing(data: Dataset, state: ViewState, shown: Shown) -> Drawing:
    """A day the server draws (steps_on_server) draws up to STEP_MARKERS events one by one.
    With more, the events inside the map's frame (the state's map view, else the dataset's
    extent) are drawn one by one when they are few enough (zoomed in far enough), and every
    other event is counted in the cell of a screen-sized grid (dashboard.queries.density_cells)
    drawn at its events' mean position: counted by the dataset's store (in SQL on PostGIS)."""
    events = shown.events
    if not aggregates(data, state, shown):
        return Drawing(events, ())
    view = state.map_view or fit_view(data.record.extent)
    lon0, lat0, lon1, lat1 = view_frame(view)
    lon, lat = events.lon, events.lat
    inside = (lon >= lon0) & (lon <= lon1) & (lat >= lat0) & (lat <= lat1)
    frame = (lon0, lat0, lon1, lat1)
    if inside.sum() <= STEP_MARKERS:
        markers, outside = events.where(inside), frame
    else:
        markers, outside = events[:0], None
    if state.mode == "compare":  # events near changed ground: no store query describes them
        rest = events if outside is None else events.where(~inside)
        return Drawing(markers, density_cells(rest.lon, rest.lat, view[0]))
    start, end = event_window(state)  # the events shown(): the same filters, asked of the store
    query = EventQuery.of(start, end, state.factions, state.types, outside=outside)
    return Drawing(markers, data.queries.density(query, view[0]))


def steps_on_server(data: Dataset, state: ViewState) -> bool:
    """Whether each day's map is computed by the server (compare mode, the estimated layer,
    a dataset too big to send whole) rather than picked from the bundle by the browser."""
    return state.mode == "compare" or "estimated" in state.layers \
        or len(data.record.events) > MAX_MARKERS


def aggregates(data: Dataset, state: ViewState, shown: Shown) -> bool:
    """Whether the map counts events per cell (see `drawing`) rather than drawing each."""
    return steps_on_server(data, state) and len(shown.events) > STEP_MARKERS


def area_matches(area: ControlArea, factions) -> bool:
    return area.faction in factions or any(f in factions for f in area.contested_with)


def candidates(data: Dataset, state: ViewState, start: dt.date | None = None,
               end: dt.date | None = None) -> Candidates:
    """With start/end, only the events of that window (shown() asks so: the table answers
    a window without looking at the other events)."""
    record, wanted = data.record, set(state.factions)
    explore = state.mode == "explore"
    confirmed_only = "unconfirmed" not in state.layers
    areas = tuple(a for a in record.areas if area_matches(a, wanted) and not (
        confirmed_only and a.assessment in ("claimed", "assumed"))) \
        if explore and "control" in state.layers else ()
    events = timeline.events_between(record, start, end, wanted, state.types) \
        if explore and "events" in state.layers else record.events.select(types=())
    movements = timeline.movements_between(record, None, None, wanted) \
        if explore and "movements" in state.layers else ()
    return Candidates(areas, events, movements)


def event_window(state: ViewState) -> tuple[dt.date | None, dt.date]:
    """The days whose events are shown: compare mode's A to B, the explicit range, or the
    last N days up to the selected day."""
    if state.mode == "compare":
        return state.compare_dates()
    return state.event_window()


def shown(data: Dataset, state: ViewState) -> Shown:
    if state.mode == "compare":
        return _compare(data, state)
    start, end = event_window(state)
    found = candidates(data, state, start, end)
    areas = tuple(a for a in found.areas if a.valid_on(state.day))
    events = found.events
    movements = tuple(m for m in found.movements if timeline.touches(m.start, m.end, start, end))
    estimated = tuple(a for a in data.estimator.at(state.day)
                      if a.faction in state.factions) if "estimated" in state.layers else ()
    return Shown(areas, events, movements, (), estimated)


def _compare(data: Dataset, state: ViewState) -> Shown:
    """Compare mode: ground gained and lost from A to B, the events between A and B in or
    near it, and the movements between A and B."""
    first, second = state.compare_dates()
    record = data.record
    changes = tuple(c for c in data.history.changes(first, second)
                    if c.faction in state.factions)
    events = record.events.select(types=())
    if "events" in state.layers and changes:
        near = data.history.projection.buffer(
            unary_union([c.geometry for c in data.history.changes(first, second)]), NEAR_CHANGE_M)
        between = timeline.events_between(record, first, second, state.factions, state.types)
        events = between.where(shapely.contains_xy(near, between.lon, between.lat))
    movements = timeline.movements_between(record, first, second, state.factions) \
        if "movements" in state.layers else ()
    return Shown((), events, movements, changes, ())
