"""Distances and areas are measured on the ground, in metres, in a projection centred on
each dataset: the same numbers for data from Libya, Mali, Syria or Norway."""
from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from pyproj import Geod
from shapely.geometry import Point, box

from datasets import geodesic_km2
from dashboard.geometry import EqualArea, projection_of

GEOD = Geod(ellps="WGS84")
PLACES = {"Derna": (22.64, 32.76), "Timbuktu": (-3.0, 16.77), "Raqqa": (39.0, 35.95),
          "Tromsø": (18.96, 69.65)}


def record_around(lon, lat):
    return SimpleNamespace(extent=(lon - 2, lat - 1.5, lon + 2, lat + 1.5))


@pytest.mark.parametrize("place", PLACES)
def test_a_buffer_of_10_km_is_10_km_on_the_ground(place):
    lon, lat = PLACES[place]
    projection = projection_of(record_around(lon, lat))
    near = projection.buffer(Point(lon, lat), 10_000)
    assert geodesic_km2(near) == pytest.approx(math.pi * 100, rel=0.01)
    # its edge, east and north, is 10 km away
    for x, y in ((near.bounds[2], lat), (lon, near.bounds[3])):
        assert GEOD.inv(lon, lat, x, y)[2] == pytest.approx(10_000, rel=0.01)


@pytest.mark.parametrize("place", PLACES)
def test_areas_are_true_wherever_the_dataset_is(place):
    lon, lat = PLACES[place]
    square = box(lon, lat, lon + 0.3, lat + 0.2)
    assert projection_of(record_around(lon, lat)).km2(square) == \
        pytest.approx(geodesic_km2(square), rel=0.002)


@pytest.mark.parametrize("place", PLACES)
def test_hatching_is_spaced_in_metres(place):
    lon, lat = PLACES[place]
    lines = projection_of(record_around(lon, lat)).hatch(box(lon, lat, lon + 0.4, lat + 0.3),
                                                          2_000, angle_deg=0)
    # horizontal lines: neighbours are 2 km apart going north
    ys = sorted({round(line[0][1], 6) for line in lines})
    gaps = [GEOD.inv(lon, a, lon, b)[2] for a, b in zip(ys, ys[1:])]
    assert len(gaps) > 5 and all(g == pytest.approx(2_000, rel=0.02) for g in gaps)


def test_offset_and_direction_are_on_the_ground():
    projection = EqualArea.centred_on((17.0, 68.0, 21.0, 71.0))
    lon, lat = PLACES["Tromsø"]
    east = projection.offset(lon, lat, 5_000, 0.0)
    assert GEOD.inv(lon, lat, *east)[2] == pytest.approx(5_000, rel=0.01)
    assert projection.direction((lon, lat), east) == pytest.approx(0.0, abs=0.01)
