"""Control estimated from place observations: Voronoi cells, distance caps, contested rule."""
from __future__ import annotations

import datetime as dt
import math

import pytest
from shapely.geometry import Point, box

from dashboard.estimate import Estimator, Observation, load_observations
from datasets import geodesic_km2
from dashboard.records import DataError, Source

D = dt.date
SRC = Source("Test", "https://example.org/o", D(2016, 1, 1))


def obs(place, lon, faction, day, lat=30.0):
    return Observation(place, lon, lat, faction, day, SRC)


THREE = [obs("west", 20.0, "is", D(2016, 1, 1)), obs("middle", 20.5, "gna", D(2016, 1, 1)),
         obs("east", 21.0, "lna", D(2016, 1, 1))]


def test_a_voronoi_split_of_three_places():
    cells = {a.place: a for a in Estimator(THREE).at(D(2016, 2, 1), max_km=1000)}
    assert set(cells) == {"west", "middle", "east"}
    for o in THREE:
        assert cells[o.place].geometry.contains(Point(o.lon, o.lat))
    middle = cells["middle"].geometry
    # the middle cell lies between the perpendicular bisectors at 20.25° and 20.75°
    assert middle.bounds[0] == pytest.approx(20.25, abs=0.01)
    assert middle.bounds[2] == pytest.approx(20.75, abs=0.01)
    assert cells["west"].geometry.intersection(middle).area < 1e-6 * middle.area
    assert cells["middle"].faction == "gna" and cells["middle"].status == "held"


def test_cells_stop_at_the_maximum_distance_and_at_land():
    cells = {a.place: a for a in Estimator(THREE).at(D(2016, 2, 1), max_km=10)}
    assert cells["middle"].km2 == pytest.approx(math.pi * 10 ** 2, rel=0.02)
    land = box(19.0, 29.0, 20.5, 31.0)  # the sea begins at 20.5°E
    clipped = {a.place: a for a in Estimator(THREE, land).at(D(2016, 2, 1), max_km=1000)}
    assert "east" not in clipped  # its cell is all sea
    assert clipped["middle"].geometry.bounds[2] <= 20.5 + 1e-6


def test_disagreeing_observations_within_the_window_make_a_place_contested():
    seen = [obs("town", 20.0, "is", D(2016, 1, 1)), obs("town", 20.0, "gna", D(2016, 1, 20))]
    estimator = Estimator(seen)
    [area] = estimator.at(D(2016, 1, 25), window_days=30)
    assert (area.faction, area.status, area.contested_with) == ("gna", "contested", ("is",))
    [area] = estimator.at(D(2016, 1, 25), window_days=10)
    assert (area.faction, area.status) == ("gna", "held")
    [area] = estimator.at(D(2016, 1, 10))
    assert (area.faction, area.status) == ("is", "held")  # later observations are not used


def test_stale_or_future_observations_draw_nothing():
    estimator = Estimator([obs("town", 20.0, "is", D(2016, 1, 1))])
    assert estimator.at(D(2015, 12, 31)) == []
    assert estimator.at(D(2019, 1, 1), max_age_days=365) == []


def test_estimated_areas_are_in_true_km2():
    [area] = Estimator([obs("town", 20.0, "is", D(2016, 1, 1))]).at(D(2016, 1, 2), max_km=25)
    assert area.km2 == pytest.approx(geodesic_km2(area.geometry), rel=0.01)
    assert geodesic_km2(area.geometry) == pytest.approx(math.pi * 625, rel=0.02)


def test_the_bundled_observations_load_and_estimate(data, record):
    areas = data.estimator.at(D(2016, 3, 1))
    assert {a.place: a.faction for a in areas}["Sirte"] == "is"
    assert all(a.sources for a in areas)


def test_bad_observation_rows_are_named(tmp_path, record):
    path = tmp_path / "observations.csv"
    path.write_text("place,lon,lat,faction,date,publisher,url,source_date\n"
                    "A,20,30,is,2016-01-01,P,https://x.org,2016-01-02\n"
                    "B,20,30,martians,2016-01-01,P,https://x.org,2016-01-02\n"
                    "C,abc,30,is,2016-01-01,P,https://x.org,2016-01-02\n")
    with pytest.raises(DataError) as info:
        load_observations(path, record.factions)
    assert "line 3: unknown faction id 'martians'" in str(info.value)
    assert "line 4" in str(info.value)
