"""Control over time, computed once per dataset: who held how much ground on every day, and
what each faction gained and lost between two days.

The record changes only on the days an area starts or ends, so the days fall into a few
dozen spans that each have one set of areas. Each span's per-faction ground (a union, in an
equal-area projection for km²) is computed when the History is built; every later question
("area on this day", "changes from A to B", "the series by week") is a lookup plus, for
changes, one polygon difference per faction.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from collections.abc import Mapping

from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from dashboard.geometry import projection_of
from dashboard.records import Record
from dashboard.steps import step_days

# Slivers thinner than this (about 100 m) are edges of redrawn areas, not ground that moved.
SLIVER_M = 100  # slivers narrower than this along redrawn edges are not changes
MIN_CHANGE_KM2 = 0.5


@dataclass(frozen=True)
class Change:
    faction: str
    change: str  # "gained" | "lost"
    geometry: BaseGeometry
    km2: float


@dataclass(frozen=True)
class Span:
    start: dt.date
    held: Mapping[str, BaseGeometry]  # faction -> union of its held areas
    held_km2: Mapping[str, float]


class History:
    """Per-span ground for one Record; immutable once built."""

    def __init__(self, record: Record):
        self.record = record
        self.projection = projection_of(record)
        days = {record.first_day}
        for area in record.areas:
            days.add(area.valid_from)
            if area.valid_to:
                days.add(area.valid_to)
        self.starts = sorted(days)
        self.spans = tuple(self._span(day) for day in self.starts)
        # Pure results of immutable data, so one memo serves every user; keyed by span, not
        # day, since every day of a span gives the same answer.
        self._changes_between = lru_cache(maxsize=1024)(self._changes_between_spans)

    def _span(self, day: dt.date) -> Span:
        held: dict[str, list] = {}
        for area in self.record.areas:
            if area.valid_on(day) and area.status == "held":
                held.setdefault(area.faction, []).append(area.geometry)
        unions = {f: unary_union(geometries) for f, geometries in held.items()}
        return Span(day, MappingProxyType(unions),
                    MappingProxyType({f: round(self.projection.km2(g), 1)
                                     for f, g in unions.items()}))

    def span_at(self, day: dt.date) -> Span:
        index = self._index(day)
        if index < 0:
            return Span(day, MappingProxyType({}), MappingProxyType({}))
        return self.spans[index]

    def changes(self, first: dt.date, second: dt.date) -> list[Change]:
        """Ground each faction held on `second` but not on `first` (gained) and the reverse
        (lost). Contested ground is held by nobody, so a held area that becomes contested
        counts as lost."""
        return list(self._changes_between(self._index(first), self._index(second)))

    def _minus(self, a: BaseGeometry | None, b: BaseGeometry | None) -> BaseGeometry | None:
        """a without b, less the slivers along shared edges of redrawn areas."""
        if a is None:
            return None
        rest = a if b is None else a.difference(b)
        if rest.is_empty:
            return rest
        flat = self.projection.forward(rest).buffer(-SLIVER_M / 2).buffer(SLIVER_M / 2)
        return self.projection.inverse(flat)

    def _index(self, day: dt.date) -> int:
        return bisect.bisect_right(self.starts, day) - 1

    def _changes_between_spans(self, first: int, second: int) -> tuple[Change, ...]:
        if first == second:
            return ()
        before = self.spans[first].held if first >= 0 else {}
        after = self.spans[second].held if second >= 0 else {}
        out = []
        for faction in self.record.factions:
            a, b = before.get(faction), after.get(faction)
            for change, geometry in (("gained", self._minus(b, a)),
                                     ("lost", self._minus(a, b))):
                if geometry is None or geometry.is_empty:
                    continue
                size = self.projection.km2(geometry)
                if size >= MIN_CHANGE_KM2:
                    out.append(Change(faction, change, geometry, round(size, 1)))
        return tuple(out)

    def series(self, start: dt.date, end: dt.date, step: str) -> tuple[list[dt.date], dict]:
        """km² held per faction on each step from start to end (inclusive)."""
        days = step_days(start, end, step)
        factions = [f for f in self.record.factions
                    if any(f in span.held_km2 for span in self.spans)]
        return days, {f: [self.span_at(d).held_km2.get(f, 0.0) for d in days] for f in factions}


def turning_points(history: History, count: int = 5) -> list[tuple[dt.date, str, float]]:
    """The days when the most ground changed hands: (day, faction id, signed km² of its
    largest change). Drawn from the data, so they suit any dataset, not only this record."""
    moves = []
    for before, after in zip(history.spans, history.spans[1:]):
        deltas = {f: after.held_km2.get(f, 0.0) - before.held_km2.get(f, 0.0)
                  for f in set(before.held_km2) | set(after.held_km2)}
        if not deltas:
            continue
        total = sum(abs(d) for d in deltas.values())
        faction = max(deltas, key=lambda f: abs(deltas[f]))
        if total > 0:
            moves.append((total, after.start, faction, round(deltas[faction], 1)))
    top = sorted(moves, reverse=True)[:count]
    return sorted((day, faction, delta) for _, day, faction, delta in top)
