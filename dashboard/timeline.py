"""Pure queries over a loaded Record: what holds on a day, what happened in a window.

One rule for time everywhere: a control area is valid on days valid_from <= day < valid_to
(valid_to exclusive, None = open-ended); an event or movement is in a window [start, end]
(both inclusive, either open) when its own span of days touches the window.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from dashboard.eventtable import Selection
from dashboard.records import ControlArea, Movement, Record


def control_at(record: Record, day: dt.date) -> tuple[ControlArea, ...]:
    return tuple(a for a in record.areas if a.valid_on(day))


def touches(first: dt.date, last: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or last >= start) and (end is None or first <= end)


def events_between(record: Record, start: dt.date | None = None, end: dt.date | None = None,
                   factions: Iterable[str] | None = None,
                   types: Iterable[str] | None = None) -> Selection:
    """Events touching [start, end]; factions match any actor; types are ACLED type names.
    None means no filter; an empty collection matches nothing. A Selection of the record's
    EventTable (array operations, whatever the number of events)."""
    return record.events.select(start, end, factions, types)


def movements_between(record: Record, start: dt.date | None = None, end: dt.date | None = None,
                      factions: Iterable[str] | None = None) -> tuple[Movement, ...]:
    factions = None if factions is None else set(factions)
    return tuple(m for m in record.movements
                 if touches(m.start, m.end, start, end)
                 and (factions is None or m.faction in factions))
