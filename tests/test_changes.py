"""Control over time: gained/lost ground between two days, and km² series; first on tiny
geometries with known answers, then on the record."""
from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import Point, box

from datasets import area, geodesic_km2 as km2, square
from dashboard.history import History, turning_points
from dashboard.records import load_record

D = dt.date


@pytest.fixture
def half_moves(dataset):
    """A 0.2° square held by IS; from 1 Feb 2016 its eastern half is the GNA's."""
    west = {"type": "Polygon", "coordinates": [[[20.0, 30.0], [20.1, 30.0], [20.1, 30.2],
                                                [20.0, 30.2], [20.0, 30.0]]]}
    east = {"type": "Polygon", "coordinates": [[[20.1, 30.0], [20.2, 30.0], [20.2, 30.2],
                                                [20.1, 30.2], [20.1, 30.0]]]}
    return History(load_record(dataset(areas=[
        area("whole", "is", square(20.0, 30.0, 0.2), "2016-01-01", "2016-02-01"),
        area("west", "is", west, "2016-02-01"),
        area("east", "gna", east, "2016-02-01")])))


def test_a_square_that_moves_half_its_area(half_moves):
    changes = {(c.faction, c.change): c for c in half_moves.changes(D(2016, 1, 15), D(2016, 2, 15))}
    assert set(changes) == {("is", "lost"), ("gna", "gained")}
    whole = km2(box(20.0, 30.0, 20.2, 30.2))
    assert changes[("is", "lost")].km2 == pytest.approx(whole / 2, rel=0.01)
    assert changes[("gna", "gained")].km2 == pytest.approx(whole / 2, rel=0.01)
    assert changes[("gna", "gained")].geometry.symmetric_difference(
        box(20.1, 30.0, 20.2, 30.2)).area < 1e-5


def test_nothing_changes_within_one_span_and_reversed_dates_swap_gain_and_loss(half_moves):
    assert half_moves.changes(D(2016, 1, 2), D(2016, 1, 30)) == []
    back = {(c.faction, c.change) for c in half_moves.changes(D(2016, 2, 15), D(2016, 1, 15))}
    assert back == {("is", "gained"), ("gna", "lost")}


def test_series_by_week_and_month(half_moves):
    days, series = half_moves.series(D(2016, 1, 1), D(2016, 3, 1), "month")
    assert days == [D(2016, 1, 1), D(2016, 2, 1), D(2016, 3, 1)]
    whole = km2(box(20.0, 30.0, 20.2, 30.2))
    assert series["is"][0] == pytest.approx(whole, rel=0.01)
    assert series["is"][1] == pytest.approx(whole / 2, rel=0.01)
    assert series["gna"] == [0.0, pytest.approx(whole / 2, rel=0.01),
                             pytest.approx(whole / 2, rel=0.01)]
    weeks, _ = half_moves.series(D(2016, 1, 1), D(2016, 1, 29), "week")
    assert len(weeks) == 5


def test_turning_points_find_the_day_ground_moved(half_moves):
    assert [day for day, _, _ in turning_points(half_moves)][-1] == D(2016, 2, 1)


SIRTE = Point(16.589, 31.209)


def test_in_2016_is_loses_all_its_ground_around_sirte_and_the_gna_gains_most_of_it(data):
    history = data.history
    near = SIRTE.buffer(0.5)  # about 50 km
    is_before = history.span_at(D(2016, 1, 1)).held["is"].intersection(near)
    assert km2(is_before) > 1000
    after = history.span_at(D(2017, 1, 1)).held
    assert "is" not in after or km2(after["is"].intersection(SIRTE.buffer(1.5))) == 0
    changes = {(c.faction, c.change): c for c in history.changes(D(2016, 1, 1), D(2017, 1, 1))}
    lost = changes[("is", "lost")].geometry.intersection(near)
    assert km2(lost) == pytest.approx(km2(is_before), rel=0.02)
    gna_share = km2(lost.intersection(changes[("gna", "gained")].geometry)) / km2(lost)
    assert gna_share > 0.8


def test_every_day_of_a_span_shares_its_computed_ground(data):
    """Ground is computed once per span of unchanged areas, not once per day asked for."""
    history = data.history
    starts = history.starts
    i = next(i for i in range(len(starts) - 1) if (starts[i + 1] - starts[i]).days > 2)
    first = history.span_at(starts[i])
    assert history.span_at(starts[i + 1] - dt.timedelta(days=1)) is first
    later = history.span_at(starts[i + 1])
    assert later is not first and later.start == starts[i + 1]
    assert history.span_at(starts[i + 1]) is later
