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

from shapely.geometry import Point
from shapely.ops import unary_union

from dashboard import timeline
from dashboard.dataset import Dataset
from dashboard.estimate import EstimatedArea
from dashboard.history import Change
from dashboard.records import ControlArea, Event, Movement
from dashboard.state import ViewState

NEAR_CHANGE_M = 10_000  # compare mode shows events within 10 km of changed ground
# A browser without a GPU draws some tens of thousands of markers before it stalls: a view
# with more events in its window draws the latest MAX_MARKERS (the summary says so), and a
# dataset with more events than that is drawn a day at a time by the server.
MAX_MARKERS = 20_000


@dataclass(frozen=True)
class Candidates:
    """The filtered record, every day at once (for the browser to step through)."""

    areas: tuple[ControlArea, ...]
    events: tuple[Event, ...]
    movements: tuple[Movement, ...]


@dataclass(frozen=True)
class Shown:
    """What one view state draws on its day."""

    areas: tuple[ControlArea, ...]
    events: tuple[Event, ...]
    movements: tuple[Movement, ...]
    changes: tuple[Change, ...]  # compare mode: ground gained and lost from A to B
    estimated: tuple[EstimatedArea, ...]  # the opt-in estimated layer

    def sources(self):
        """Every source behind what is drawn (areas, events, movements, estimates)."""
        for item in (*self.areas, *self.events, *self.movements, *self.estimated):
            yield from item.sources


def drawn_events(shown: Shown) -> tuple[Event, ...]:
    """The events the map draws: the latest MAX_MARKERS of those shown."""
    return shown.events[-MAX_MARKERS:]


def steps_on_server(data: Dataset, state: ViewState) -> bool:
    """Whether each day's map is computed by the server (compare mode, the estimated layer,
    a dataset too big to send whole) rather than picked from the bundle by the browser."""
    return state.mode == "compare" or "estimated" in state.layers \
        or len(data.record.events) > MAX_MARKERS


def area_matches(area: ControlArea, factions) -> bool:
    return area.faction in factions or any(f in factions for f in area.contested_with)


def candidates(data: Dataset, state: ViewState) -> Candidates:
    record, wanted = data.record, set(state.factions)
    explore = state.mode == "explore"
    confirmed_only = "unconfirmed" not in state.layers
    areas = tuple(a for a in record.areas if area_matches(a, wanted) and not (
        confirmed_only and a.assessment in ("claimed", "assumed"))) \
        if explore and "control" in state.layers else ()
    events = timeline.events_between(record, None, None, wanted, state.types) \
        if explore and "events" in state.layers else ()
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
    found = candidates(data, state)
    start, end = event_window(state)
    areas = tuple(a for a in found.areas if a.valid_on(state.day))
    events = tuple(e for e in found.events if timeline.touches(e.date, e.last_day, start, end))
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
    events: tuple[Event, ...] = ()
    if "events" in state.layers and changes:
        near = data.history.projection.buffer(
            unary_union([c.geometry for c in data.history.changes(first, second)]), NEAR_CHANGE_M)
        events = tuple(e for e in timeline.events_between(record, first, second,
                                                          state.factions, state.types)
                       if near.contains(Point(e.lon, e.lat)))
    movements = timeline.movements_between(record, first, second, state.factions) \
        if "movements" in state.layers else ()
    return Shown((), events, movements, changes, ())
