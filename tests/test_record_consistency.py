"""The record must not contradict itself: where an event says a faction took ground, the
control periods drawn at that point must agree from that day on.

Rule. For every event of sub-type "Non-state actor overtakes territory" or "Government
regains territory" (ACLED), take each control period whose area contains the event's point
and that is valid on the event's last day (the day the ground is taken; a new period may
begin that very day, since valid_from is inclusive). The event's initiator (actors[0]) must
be that period's holder, or, where the area is drawn as contested, one of the contesting
factions. Periods that begin after the event are not its business (later changes of hand),
and points where nothing is drawn are gaps in the record, not contradictions.
"""
from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import Point

from datasets import area, event, square
from dashboard.records import Record, load_record

TAKING = ("Non-state actor overtakes territory", "Government regains territory")


def contradictions(record: Record) -> list[str]:
    """Every event whose territorial claim the drawn control periods contradict."""
    found = []
    for e in record.events:
        if e.sub_event_type not in TAKING:
            continue
        point, day, actor = Point(e.lon, e.lat), e.last_day, e.actors[0]
        for a in record.areas:
            if a.valid_on(day) and a.geometry.covers(point) \
                    and actor not in (a.faction,) + a.contested_with:
                found.append(f"{e.id}: {actor} takes ground on {day}, but {a.id} "
                             f"({a.status} by {a.faction}) is drawn there that day")
    return found


def test_the_bundled_record_does_not_contradict_itself(record):
    assert contradictions(record) == []


def test_the_check_finds_a_capture_drawn_under_the_wrong_holder(dataset):
    taken = event("e1", "2016-06-01", ["gna", "is"], etype="Battles",
                  subtype="Government regains territory", lon=20.05, lat=30.05)
    still_is = area("a1", "is", square(20.0, 30.0), "2016-01-01")
    found = contradictions(load_record(dataset(events=[taken], areas=[still_is])))
    assert len(found) == 1 and found[0].startswith("e1: gna takes ground on 2016-06-01")


@pytest.mark.parametrize("periods", [
    # the new period starts on the event's day
    [("a1", "is", "2016-01-01", "2016-06-01", "held", ()),
     ("a2", "gna", "2016-06-01", None, "held", ())],
    # the ground is still disputed, with the taker one of the parties
    [("a1", "is", "2016-01-01", None, "contested", ("gna",))],
    # nothing is drawn at the point on that day
    [("a1", "is", "2016-01-01", "2016-05-01", "held", ())],
])
def test_the_check_accepts_consistent_records(dataset, periods):
    taken = event("e1", "2016-06-01", ["gna", "is"], etype="Battles",
                  subtype="Non-state actor overtakes territory", lon=20.05, lat=30.05)
    areas = [area(pid, f, square(20.0, 30.0), start, end, status, contested)
             for pid, f, start, end, status, contested in periods]
    assert contradictions(load_record(dataset(events=[taken], areas=areas))) == []


def test_a_multi_day_capture_is_judged_on_its_last_day(dataset):
    taken = event("e1", "2016-05-28", ["gna", "is"], etype="Battles",
                  subtype="Government regains territory", lon=20.05, lat=30.05,
                  date_end="2016-06-01")
    areas = [area("a1", "is", square(20.0, 30.0), "2016-01-01", "2016-06-01"),
             area("a2", "gna", square(20.0, 30.0), "2016-06-01")]
    record = load_record(dataset(events=[taken], areas=areas))
    assert record.events[0].last_day == dt.date(2016, 6, 1) and contradictions(record) == []
