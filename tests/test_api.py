"""The read-only API, through HTTP (Flask's test client on the real app)."""
from __future__ import annotations

import pytest

from app import create_app
from datasets import GEODATA
from dashboard.config import Config


@pytest.fixture(scope="module")
def client():
    return create_app(Config(data_dir=GEODATA)).server.test_client()


def test_factions_list_names_aliases_and_colours(client):
    body = client.get("/api/factions").get_json()
    ids = [f["id"] for f in body]
    assert {"is", "dmsc", "lna", "gna", "gnc", "pfg"} <= set(ids)
    daesh = next(f for f in body if f["id"] == "is")
    assert "Daesh" in daesh["aliases"] and daesh["name"]["fr"] and daesh["colour"].startswith("#")


def test_control_on_a_day_is_a_feature_collection_with_sources(client):
    body = client.get("/api/control?date=2016-03-01").get_json()
    assert body["type"] == "FeatureCollection" and body["date"] == "2016-03-01"
    factions = {f["properties"]["faction"] for f in body["features"]}
    assert {"is", "dmsc"} <= factions
    for feature in body["features"]:
        props = feature["properties"]
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert props["status"] in ("held", "contested")
        assert isinstance(props["contested_with"], list)
        assert props["valid_from"] <= "2016-03-01" and (props["valid_to"] is None
                                                        or props["valid_to"] > "2016-03-01")
        assert props["sources"] and all(s["url"].startswith("http") for s in props["sources"])


def test_control_valid_to_is_exclusive_over_http(client):
    before = client.get("/api/control?date=2016-12-05").get_json()["features"]
    after = client.get("/api/control?date=2016-12-06").get_json()["features"]
    assert any(f["properties"]["faction"] == "is" for f in before)
    assert not any(f["properties"]["faction"] == "is" for f in after)


def test_events_filtered_by_window_faction_and_type(client):
    body = client.get("/api/events?start=2016-04-01&end=2016-06-30&faction=is,pfg"
                      "&type=battles").get_json()
    assert body["features"]
    for feature in body["features"]:
        p = feature["properties"]
        assert "2016-04-01" <= p["date"] <= "2016-06-30" or (p["date_end"] or "") >= "2016-04-01"
        assert set(p["actors"]) & {"is", "pfg"} and p["event_type"] == "Battles"
        assert p["sources"] and p["summary"] and p["place"]
        assert feature["geometry"]["type"] == "Point"


def test_events_in_french_and_open_ranges(client):
    everything = client.get("/api/events").get_json()["features"]
    upto = client.get("/api/events?end=2015-01-01").get_json()["features"]
    assert 0 < len(upto) < len(everything)
    fr = client.get("/api/events?start=2016-04-20&end=2016-04-20&lang=fr").get_json()["features"]
    assert fr and all(f["properties"]["summary"] == f["properties"]["summary_fr"] for f in fr)


def test_empty_result_is_an_empty_collection_not_an_error(client):
    response = client.get("/api/events?start=2030-01-01")
    assert response.status_code == 200 and response.get_json()["features"] == []


def test_movements_between_dates(client):
    body = client.get("/api/movements?start=2016-04-01&end=2016-04-30").get_json()
    assert [f["properties"]["faction"] for f in body["features"]] == ["is"]
    props = body["features"][0]["properties"]
    assert props["start"] == "2016-04-20" and props["sources"] and props["approximate"] is True


@pytest.mark.parametrize("url,parameter,words", [
    ("/api/control", "date", "is required"),
    ("/api/control?date=2016-02-30", "date", "not a date"),
    ("/api/control?date=yesterday", "date", "not a date"),
    ("/api/control?day=2016-01-01", "day", "not understood"),
    ("/api/events?start=2016-05-01&end=2016-04-01", "end", "before start"),
    ("/api/events?faction=is,martians", "faction", "unknown faction id 'martians'"),
    ("/api/events?type=picnics", "type", "unknown event type"),
    ("/api/events?lang=de", "lang", "is not one of"),
    ("/api/movements?start=2016-1-1", "start", "not a date"),
    ("/api/factions?x=1", "x", "not understood"),
])
def test_bad_parameters_are_400_with_a_json_message(client, url, parameter, words):
    response = client.get(url)
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == parameter and words in body["error"]


def test_hostile_parameter_text_comes_back_only_as_json_data(client):
    response = client.get("/api/events?faction=<script>alert(1)</script>")
    assert response.status_code == 400
    assert response.mimetype == "application/json"  # never rendered as HTML by a browser
    assert response.get_json()["parameter"] == "faction"


def test_changes_between_two_days(client):
    body = client.get("/api/changes?from=2016-01-01&to=2017-01-01").get_json()
    assert body["type"] == "FeatureCollection"
    found = {(f["properties"]["faction"], f["properties"]["change"]): f["properties"]["km2"]
             for f in body["features"]}
    assert found[("is", "lost")] > 5000 and found[("gna", "gained")] > 2000
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in body["features"])
    only = client.get("/api/changes?from=2016-01-01&to=2017-01-01&faction=is").get_json()
    assert {f["properties"]["faction"] for f in only["features"]} == {"is"}


def test_area_series_by_week_and_month(client):
    body = client.get("/api/areas?start=2016-01-01&end=2016-12-31&step=month").get_json()
    assert body["dates"][0] == "2016-01-01" and len(body["dates"]) == 12
    assert body["held"]["is"][0] > 5000 and body["held"]["is"][-1] == 0
    assert body["held"]["gna"][-1] > body["held"]["gna"][0]
    weeks = client.get("/api/areas?start=2016-01-01&end=2016-01-29&step=week").get_json()
    assert len(weeks["dates"]) == 5


@pytest.mark.parametrize("url,parameter", [
    ("/api/changes?from=2016-01-01", "to"),
    ("/api/changes?from=2017-01-01&to=2016-01-01", "to"),
    ("/api/changes?from=2016-01-01&to=2016-13-01", "to"),
    ("/api/areas?step=year", "step"),
    ("/api/areas?start=1000-01-01&end=9000-01-01&step=day", "end"),
])
def test_bad_compare_parameters_are_400(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400 and response.get_json()["parameter"] == parameter


def test_events_in_a_bounding_box_edges_included(client):
    everything = client.get("/api/events").get_json()["features"]
    derna = [f for f in everything if f["properties"]["place"].startswith("Derna")]
    assert derna and len(derna) < len(everything)
    lons = [f["geometry"]["coordinates"][0] for f in derna]
    lats = [f["geometry"]["coordinates"][1] for f in derna]
    box = f"{min(lons)},{min(lats)},{max(lons)},{max(lats)}"  # edges on Derna's events
    body = client.get(f"/api/events?bbox={box}").get_json()
    inside = [f for f in everything
              if min(lons) <= f["geometry"]["coordinates"][0] <= max(lons)
              and min(lats) <= f["geometry"]["coordinates"][1] <= max(lats)]
    assert body["total"] == len(inside) and body["features"] == inside
    for bad in ("1,2,3", "a,b,c,d", "20,30,19,31", "0,-91,1,1", "nan,1,2,3"):
        answer = client.get(f"/api/events?bbox={bad}")
        assert answer.status_code == 400 and answer.get_json()["parameter"] == "bbox", bad
