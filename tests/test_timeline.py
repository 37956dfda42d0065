"""Query semantics on tiny datasets with known answers: one rule for boundaries everywhere."""
from __future__ import annotations

import datetime as dt

import pytest

from datasets import area, event, movement, square
from dashboard import timeline
from dashboard.records import load_record

D = dt.date


@pytest.fixture
def small(dataset):
    return load_record(dataset(
        events=[event("a", "2016-01-10", ["is", "gna"]),
                event("b", "2016-02-01", ["pfg"], etype="Strategic developments",
                      subtype="Non-violent transfer of territory"),
                event("c", "2016-03-01", ["gna"], date_end="2016-03-05", fatalities=4)],
        areas=[area("old", "is", square(20, 30), "2016-01-01", "2016-02-01"),
               area("new", "gna", square(20, 30), "2016-02-01"),
               area("fight", "is", square(21, 30), "2016-01-15", "2016-01-20",
                    status="contested", contested_with=["gna"])],
        movements=[movement("m", "gna", "2016-01-05", "2016-01-12", [[20, 30], [20.5, 30.1]])]))


def test_valid_to_is_exclusive(small):
    assert [a.id for a in timeline.control_at(small, D(2016, 1, 31))] == ["old"]
    assert [a.id for a in timeline.control_at(small, D(2016, 2, 1))] == ["new"]


def test_open_ended_areas_hold_for_ever_after(small):
    assert [a.id for a in timeline.control_at(small, D(2030, 1, 1))] == ["new"]


def test_before_anything_nothing_holds(small):
    assert timeline.control_at(small, D(2015, 12, 31)) == ()


def test_events_window_is_inclusive_and_open_ends_mean_unbounded(small):
    ids = lambda found: [e.id for e in found]  # noqa: E731
    assert ids(timeline.events_between(small, D(2016, 1, 10), D(2016, 2, 1))) == ["a", "b"]
    assert ids(timeline.events_between(small, None, D(2016, 1, 31))) == ["a"]
    assert ids(timeline.events_between(small, D(2016, 2, 2), None)) == ["c"]
    assert ids(timeline.events_between(small)) == ["a", "b", "c"]


def test_a_multi_day_event_is_found_by_any_of_its_days(small):
    assert [e.id for e in timeline.events_between(small, D(2016, 3, 4), D(2016, 3, 4))] == ["c"]


def test_filters_by_any_actor_and_by_type(small):
    assert [e.id for e in timeline.events_between(small, factions=["gna"])] == ["a", "c"]
    assert [e.id for e in timeline.events_between(
        small, types=["Strategic developments"])] == ["b"]
    assert timeline.events_between(small, factions=[]) == ()
    assert timeline.events_between(small, D(2017, 1, 1), D(2017, 2, 1)) == ()


def test_movements_overlapping_the_window(small):
    assert [m.id for m in timeline.movements_between(small, D(2016, 1, 12), D(2016, 1, 12))] == ["m"]
    assert timeline.movements_between(small, D(2016, 1, 13), None) == ()
    assert timeline.movements_between(small, factions=["is"]) == ()
