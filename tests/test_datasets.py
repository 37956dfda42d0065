"""Several datasets side by side: the registry, dataset= on the API, and the URL."""
from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from app import create_app
from datasets import GEODATA, event, write_dataset
from layouts import laid_out
from dashboard import ids
from dashboard.config import Config
from dashboard.layout import slider_marks
from dashboard.registry import Registry, UnknownDataset
from dashboard.state import dataset_param, day_offset, parse_state, state_to_search
from dashboard.uploads import import_uploaded


@pytest.fixture
def datasets_dir(tmp_path):
    folder = write_dataset(tmp_path / "datasets" / "syria-test", events=[
        event("s1", "2017-03-01", ["is"], lon=38.99, lat=35.95),
        event("s2", "2017-06-01", ["gna"], lon=37.16, lat=36.20)])
    (folder / "dataset.json").write_text(json.dumps(
        {"name": "syria-test", "title": {"en": "Syria test", "fr": "Test Syrie"},
         "region": [-180, -90, 180, 90]}))
    return tmp_path / "datasets"


def test_registry_lists_and_loads_each_dataset_once(datasets_dir):
    registry = Registry(GEODATA, datasets_dir)
    assert registry.names() == ["libya-2014-2018", "syria-test"]
    syria = registry.get("syria-test")
    assert registry.get("syria-test") is syria
    assert len(syria.record.events) == 2
    lon0, lat0, lon1, lat1 = syria.record.extent
    assert lon0 < 37.16 and lon1 > 38.99 and lat0 < 35.95 and lat1 > 36.2, "fits its own data"
    with pytest.raises(UnknownDataset, match="no dataset named 'nope'"):
        registry.get("nope")
    with pytest.raises(UnknownDataset):
        registry.get("../geodata")


def test_a_link_to_an_imported_dataset_is_laid_out_for_that_dataset(datasets_dir):
    """The page is laid out for its address's dataset (its title, the slider's span and
    marks, its factions), not the bundled one's until the server answers: the slider
    showed the bundled record's years under the imported record's day."""
    client = create_app(Config(data_dir=GEODATA, datasets_dir=datasets_dir)).server.test_client()
    syria = Registry(GEODATA, datasets_dir).get("syria-test")

    wanted = (ids.TITLE, ids.SLIDER, ids.FIRST, ids.FACTIONS, ids.DATASET)
    props = laid_out(client, "?dataset=syria-test&date=2017-03-01&factions=is", wanted)
    record = syria.record
    assert "Syria test" in json.dumps(props[ids.TITLE]["children"])
    assert props[ids.SLIDER]["max"] == day_offset(record, record.last_day)
    assert props[ids.SLIDER]["value"] == props[ids.FIRST]["data"]["day"] == \
        day_offset(record, dt.date(2017, 3, 1))
    assert props[ids.SLIDER]["marks"] == json.loads(json.dumps(slider_marks(syria)))
    assert props[ids.FACTIONS]["value"] == ["is"]
    assert props[ids.DATASET]["value"] == "syria-test"
    # the bundled dataset's page is still its own
    bundled = laid_out(client, "?date=2016-04-21", wanted)
    assert bundled[ids.DATASET]["value"] == "libya-2014-2018"
    assert bundled[ids.SLIDER]["marks"] != props[ids.SLIDER]["marks"]


def test_a_dataset_beyond_the_bundled_region_is_drawn_on_the_world_s_basemap(datasets_dir):
    """The detailed basemap covers the bundled region only: a dataset beyond it (here in
    Syria) was drawn on bare sea. It gets the world's land, coast and borders (Natural Earth
    1:50m, geodata/basemap/world-*.geojson); the bundled record keeps its detailed one."""
    from shapely.geometry import Point, shape

    from dashboard.figures.map import map_style
    registry = Registry(GEODATA, datasets_dir)
    client = create_app(Config(data_dir=GEODATA, datasets_dir=datasets_dir)).server.test_client()

    def urls(dataset):
        style = map_style(registry.get(dataset), "en", True, None)
        return [style["sources"][name]["data"].split("?")[0] for name in ("land", "borders")]
    assert urls("syria-test") == ["/basemap/world-land.geojson", "/basemap/world-borders.geojson"]
    assert urls(None) == ["/basemap/land.geojson", "/basemap/borders.geojson"]

    layers = {}
    for name in ("world-land", "world-borders"):
        response = client.get(f"/basemap/{name}.geojson", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
        layers[name] = shape(json.loads(gzip.decompress(response.data))["features"][0]["geometry"])
    land, borders = layers["world-land"].buffer(0), layers["world-borders"]
    raqqa, paris = Point(39.01, 35.95), Point(2.35, 48.86)
    off_libya, atlantic = Point(18.0, 34.0), Point(-30.0, 30.0)
    assert land.contains(raqqa) and land.contains(paris)
    assert not land.intersects(off_libya) and not land.intersects(atlantic)
    # borders are land borders: Syria-Turkey is one, the coast at Benghazi is not
    assert borders.distance(Point(36.9, 36.65)) < 0.15
    assert borders.distance(Point(20.07, 32.12)) > 1


def test_every_api_route_takes_a_dataset(datasets_dir):
    client = create_app(Config(data_dir=GEODATA, datasets_dir=datasets_dir)).server.test_client()
    listing = client.get("/api/datasets").get_json()
    assert listing["default"] == "libya-2014-2018"
    assert [d["name"] for d in listing["datasets"]] == ["libya-2014-2018", "syria-test"]
    events = client.get("/api/events?dataset=syria-test").get_json()["features"]
    assert [f["properties"]["id"] for f in events] == ["s1", "s2"]
    assert len(client.get("/api/events").get_json()["features"]) > 80
    for route in ("/api/factions", "/api/control?date=2017-03-01", "/api/movements",
                  "/api/changes?from=2017-01-01&to=2017-12-01", "/api/areas"):
        assert client.get(route + ("&" if "?" in route else "?") + "dataset=syria-test") \
            .status_code == 200, route
    bad = client.get("/api/events?dataset=../../etc")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "dataset"


def test_the_dataset_is_part_of_the_url(datasets_dir):
    record = Registry(GEODATA, datasets_dir).get("syria-test").record
    state = parse_state("?dataset=syria-test&date=2017-04-01", record)
    assert state.dataset == "syria-test" and not state.problems
    search = state_to_search(state, record)
    assert search.startswith("?dataset=syria-test&") and dataset_param(search) == "syria-test"


@pytest.mark.parametrize("contents,filename,name,words", [
    ("data:text/csv;base64,YQ==", "a.csv", "Bad Name", "dataset name 'Bad Name': use 1-64"),
    ("data:text/csv;base64,YQ==", "a.csv", "libya-2014-2018", "the bundled record's"),
    ("data:text/csv;base64,YQ==", "a.csv", "nul", "reserved on Windows"),
    ("data:text/csv;base64,YQ==", "a.csv", "abc\n", "use 1-64"),
    ("data:text/csv;base64,YQ==", "a.exe", "ok", "is not a .csv"),
    (None, "a.csv", "ok", "was empty"),
    ("data:text/csv;base64,@@@@", "a.csv", "ok", "could not be decoded"),
    ("data:text/csv;base64," + "A" * (2 * 1024 * 1024), "a.csv", "ok", "larger than 1 MB"),
])
def test_uploads_that_are_refused_before_import_write_nothing(tmp_path, contents, filename,
                                                                 name, words):
    config = Config(datasets_dir=tmp_path / "datasets", upload_mb=1)
    report, ok = import_uploaded(contents, filename, name, config)
    assert not ok and words in report
    assert not (tmp_path / "datasets").exists()
