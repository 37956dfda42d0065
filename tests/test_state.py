"""The URL is the view: parsing, writing and stepping, without a browser."""
from __future__ import annotations

import datetime as dt

import pytest

from dashboard.state import (controls_from_state, default_state, parse_state,
                             state_from_controls, state_to_search)

D = dt.date


def test_round_trip_of_a_full_state(record):
    search = ("?date=2015-06-14&window=range&from=2015-06-01&to=2015-06-30&factions=is,dmsc"
              "&types=battles,explosions&layers=control,events&lang=fr&basemap=offline"
              "&view=report&event=" + record.events[3].id)
    state = parse_state(search, record)
    assert not state.problems
    assert state.day == D(2015, 6, 14) and state.factions == ("is", "dmsc")
    assert state.types == ("Battles", "Explosions/Remote violence")
    assert state.layers == ("control", "events") and state.lang == "fr" and state.report
    assert state.event_window() == (D(2015, 6, 1), D(2015, 6, 30))
    assert parse_state(state_to_search(state, record), record) == state


def test_defaults_are_left_out_of_the_url(record):
    assert state_to_search(default_state(record), record) == "?date=2016-04-21"


@pytest.mark.parametrize("search,words", [
    ("?date=2016-02-31", "parameter 'date'"),
    ("?date=1999-01-01", "outside the record"),
    ("?factions=is,aliens", "unknown faction id 'aliens'"),
    ("?types=fishing", "unknown event type"),
    ("?lang=xx", "parameter 'lang'"),
    ("?layers=control,rain", "unknown layer 'rain'"),
    ("?window=7", "parameter 'window'"),
    ("?from=2016-05-01&to=2016-04-01", "before 'from'"),
    ("?view=<b>", "parameter 'view'"),
    ("?event=nope", "no event with id"),
    ("?highlight=sirte_city-2015-05-28-is,nope", "no area or movement with id 'nope'"),
])
def test_a_bad_parameter_is_reported_and_replaced_by_its_default(record, search, words):
    state = parse_state(search, record)
    assert any(words in p for p in state.problems)
    assert state == default_state(record)
    # beside a good parameter, only the bad one falls back: the good one is kept
    good = "lang=fr" if "date=" in search else "date=2015-06-01"
    both = parse_state(f"{search}&{good}", record)
    assert any(words in p for p in both.problems)
    assert both == parse_state("?" + good, record) != default_state(record)


def test_highlights_round_trip_and_a_control_change_drops_them(record):
    area, movement = record.areas[0].id, record.movements[0].id
    state = parse_state(f"?date=2016-04-21&highlight={movement},{area},{movement}", record)
    assert not state.problems and state.highlight == (movement, area)
    assert parse_state(state_to_search(state, record), record) == state
    controls = controls_from_state(state, record)
    assert state_from_controls(record, controls, None).highlight == ()


def test_window_keeps_the_selected_day_and_counts_back(record):
    state = parse_state("?date=2016-04-21&window=30", record)
    assert state.event_window() == (D(2016, 3, 23), D(2016, 4, 21))
    assert parse_state("?date=2016-04-21&window=all", record).event_window() == (None, D(2016, 4, 21))


def test_controls_and_state_are_inverse(record):
    state = parse_state("?date=2017-02-03&factions=lna&layers=events&lang=fr", record)
    assert state_from_controls(record, controls_from_state(state, record), None) == state


def test_compare_mode_round_trips_through_the_url(record):
    state = parse_state("?date=2017-01-01&mode=compare&a=2016-01-01", record)
    assert state.mode == "compare" and state.compare_dates() == (D(2016, 1, 1), D(2017, 1, 1))
    assert parse_state(state_to_search(state, record), record) == state
    assert any("parameter 'mode'" in p for p in parse_state("?mode=diff", record).problems)
    assert any("parameter 'a'" in p for p in parse_state("?a=2016-99-01", record).problems)
