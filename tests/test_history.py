"""Spot checks a historian would make: who held Sirte, Derna and Bin Jawad, and when.

Each expectation is the public record as cited in the areas' sources, e.g. IS's capture of
Sirte (May–June 2015), the DMSC's expulsion of IS from Derna (June 2015), Bunyan al-Marsus'
recapture of Sirte (Dec 2016), the PFG at Bin Jawad (30 May 2016), the LNA's oil crescent
offensive (Sept 2016) and its capture of Derna (28 June 2018).
"""
from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import Point

from dashboard.timeline import control_at

PLACES = {"Sirte": (16.589, 31.209), "Derna": (22.637, 32.763), "Bin Jawad": (18.077, 30.804),
          "Al Fatayah": (22.680, 32.700), "Nofaliya": (17.836, 30.779)}


def holders(record, place, day):
    point = Point(PLACES[place])
    return sorted({(a.faction, a.status) for a in control_at(record, dt.date.fromisoformat(day))
                   if a.geometry.contains(point)})


@pytest.mark.parametrize("place,day,expected", [
    ("Sirte", "2015-03-01", [("is", "contested")]),
    ("Sirte", "2015-09-01", [("is", "held")]),
    ("Sirte", "2016-03-01", [("is", "held")]),
    ("Sirte", "2016-07-01", [("is", "contested")]),
    ("Sirte", "2017-01-01", [("gna", "held")]),
    ("Derna", "2015-01-01", [("is", "contested")]),
    ("Derna", "2015-09-01", [("dmsc", "held")]),
    ("Derna", "2017-06-01", [("dmsc", "held")]),
    ("Derna", "2018-06-01", [("lna", "contested")]),
    ("Al Fatayah", "2015-12-01", [("is", "held")]),
    ("Al Fatayah", "2016-06-01", [("dmsc", "contested")]),
    ("Bin Jawad", "2016-03-01", [("is", "held")]),
    ("Bin Jawad", "2016-06-15", [("pfg", "held")]),
    ("Bin Jawad", "2016-10-01", [("lna", "held")]),
    ("Nofaliya", "2015-09-01", [("is", "held")]),
])
def test_who_held_what(record, place, day, expected):
    assert holders(record, place, day) == expected


def test_derna_in_july_2018_is_lna_held_with_old_city_pockets_contested(record):
    day = dt.date(2018, 7, 15)
    found = {(a.faction, a.status) for a in control_at(record, day)
             if a.name["en"].startswith("Derna")}
    assert ("lna", "held") in found and ("lna", "contested") in found


def test_is_has_no_ground_around_derna_once_it_left(record):
    derna = Point(PLACES["Derna"]).buffer(0.4)
    for day in ("2016-04-21", "2016-06-01", "2017-01-01"):
        assert not [a for a in control_at(record, dt.date.fromisoformat(day))
                    if a.faction == "is" and a.geometry.intersects(derna)], day
