"""Loading and validation: the bundled record passes every rule; broken files are refused
with a message naming file, record and field."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from datasets import GEODATA, area, event, movement, square
from dashboard.records import DataError, load_record, overlapping_held
from dashboard.taxonomy import EVENT_TYPES
from dashboard.timeline import control_at


def test_bundled_record_is_large_and_spans_2014_to_2018(record):
    assert len(record.events) >= 80
    assert min(e.date for e in record.events) <= dt.date(2014, 10, 31)
    assert max(e.date for e in record.events) >= dt.date(2018, 6, 28)
    places = {e.place for e in record.events}
    assert {"Derna", "Al-Maheili", "Sirte", "Bin Jawad", "Nofaliya", "Harawa", "Abu Grein"} <= places


def test_every_record_has_sources_with_publisher_url_and_date(record):
    for item in tuple(record.events) + record.areas + record.movements:
        assert item.sources, item.id
        for source in item.sources:
            assert source.publisher.strip() and source.url.startswith(("http://", "https://"))
            assert dt.date(2010, 1, 1) <= source.date <= dt.date(2026, 12, 31), (item.id, source)


def test_events_use_acled_taxonomy_known_factions_and_precisions(record):
    for e in record.events:
        assert e.sub_event_type in EVENT_TYPES[e.event_type].subtypes
        assert e.actors and all(a in record.factions for a in e.actors)
        assert e.fatalities is None or e.fatalities >= 0
        assert e.summary["en"] and e.summary["fr"] and e.summary["en"] != e.summary["fr"]


def test_geometries_are_valid_and_inside_the_region(record):
    lon0, lat0, lon1, lat1 = record.meta["region"]
    for item in record.areas + record.movements:
        assert item.geometry.is_valid and not item.geometry.is_empty
        bounds = item.geometry.bounds
        assert lon0 <= bounds[0] and bounds[2] <= lon1 and lat0 <= bounds[1] and bounds[3] <= lat1
    for e in record.events:
        assert lon0 <= e.lon <= lon1 and lat0 <= e.lat <= lat1


def test_no_two_factions_hold_the_same_ground_on_any_day(record):
    assert overlapping_held(record.areas) == []
    # and checked directly on every day an area starts, not only by the loader's rule
    for day in sorted({a.valid_from for a in record.areas}):
        held = [a for a in control_at(record, day) if a.status == "held"]
        for i, a in enumerate(held):
            for b in held[i + 1:]:
                if a.faction != b.faction:
                    assert a.geometry.intersection(b.geometry).area < 1e-6, (day, a.id, b.id)


def test_contested_areas_name_the_other_side_and_held_areas_do_not(record):
    for a in record.areas:
        assert (a.status == "contested") == bool(a.contested_with), a.id
        assert a.faction not in a.contested_with
        assert a.precision.startswith("Approximate")


def test_required_factions_have_bilingual_names_aliases_and_colours(record):
    for fid in ("is", "dmsc", "lna", "gna", "gnc", "pfg"):
        faction = record.factions[fid]
        assert faction.name["en"] and faction.name["fr"] and faction.aliases
    aliases = {a for f in record.factions.values() for a in f.aliases}
    assert {"ISIL", "ISIS", "Daesh", "Daech", "EI", "MSC", "Operation Dignity"} <= aliases
    colours = [f.colour for f in record.factions.values()]
    assert len(set(colours)) == len(colours)


def test_the_seed_report_is_in_the_record_with_its_date_conflict(record):
    withdrawal = [e for e in record.events if e.date == dt.date(2016, 4, 20)
                  and e.place == "Derna" and "21" in (e.notes or "")]
    assert withdrawal, "IS withdrawal from Derna's outskirts with the 20/21 April conflict"
    assert "Thursday" in withdrawal[0].notes or "jeudi" in withdrawal[0].notes
    maheili = [e for e in record.events if e.place == "Al-Maheili"]
    assert any("32" in e.summary["en"] for e in maheili), "the convoy of about 32 vehicles"
    assert any(e.event_type == "Explosions/Remote violence" or "bomb" in e.summary["en"]
               for e in maheili)
    assert any(m.faction == "is" and m.start == dt.date(2016, 4, 20) for m in record.movements)


def _problems(folder) -> str:
    with pytest.raises(DataError) as info:
        load_record(folder)
    return str(info.value)


BAD_EVENTS = [
    ("date", "2016-02-30", "events.geojson: e1: field 'date'"),
    ("date", "21/04/2016", "is not a date"),
    ("actors", ["nobody"], "unknown faction id 'nobody'"),
    ("event_type", "Skirmish", "not an ACLED event type"),
    ("sub_event_type", "Suicide bomb", "is not a sub-type of 'Battles'"),
    ("fatalities", -3, "field 'fatalities'"),
    ("fatalities", "many", "field 'fatalities'"),
    ("sources", [], "needs at least one source"),
    ("sources", [{"publisher": "X", "url": "javascript:alert(1)", "date": "2016-01-01"}],
     "is not an http(s) address"),
    ("date_precision", "decade", "field 'date_precision'"),
    ("summary", {"en": "only English"}, "field 'summary.fr'"),
    ("date_end", "2015-01-01", "is before the start date"),
]


@pytest.mark.parametrize("field,value,message", BAD_EVENTS)
def test_a_bad_event_field_is_named_in_the_error(dataset, field, value, message):
    bad = event("e1", "2016-01-10", ["is"])
    bad["properties"][field] = value
    assert message in _problems(dataset(events=[bad]))


def test_every_problem_of_a_file_is_reported_at_once(dataset):
    first, second = event("e1", "2016-13-01", ["is"]), event("e2", "2016-01-01", ["xx"])
    text = _problems(dataset(events=[first, second]))
    assert "e1: field 'date'" in text and "e2: field 'actors'" in text


@pytest.mark.parametrize("mutate,message", [
    (lambda a: a["properties"].update(valid_to="2015-01-01"), "is not after valid_from"),
    (lambda a: a["properties"].update(status="claimed"), "field 'status'"),
    (lambda a: a["properties"].update(status="contested"), "must name the other side(s)"),
    (lambda a: a.update(geometry={"type": "Polygon", "coordinates": [[[20, 30], [21, 31],
                                                                       [21, 30], [20, 31],
                                                                       [20, 30]]]}),
     "invalid"),
    (lambda a: a.update(geometry=square(-40.0, 10.0)), "outside the dataset's region"),
    (lambda a: a.update(geometry={"type": "Point", "coordinates": [20, 30]}), "GeoJSON Polygon"),
])
def test_a_bad_control_area_is_named_in_the_error(dataset, mutate, message):
    bad = area("a1", "is", square(20.0, 30.0), "2016-01-01")
    mutate(bad)
    text = _problems(dataset(areas=[bad]))
    assert "control_areas.geojson: a1: field" in text and message in text


def test_overlapping_held_areas_of_two_factions_are_refused(dataset):
    areas = [area("a", "is", square(20.0, 30.0), "2016-01-01", "2016-06-01"),
             area("b", "gna", square(20.05, 30.0), "2016-05-01")]
    assert "held areas of is and gna overlap from 2016-05-01" in _problems(dataset(areas=areas))


def test_held_areas_that_touch_in_time_only_are_accepted(dataset):
    areas = [area("a", "is", square(20.0, 30.0), "2016-01-01", "2016-06-01"),
             area("b", "gna", square(20.0, 30.0), "2016-06-01")]
    assert len(load_record(dataset(areas=areas)).areas) == 2


def test_a_bad_movement_is_named(dataset):
    bad = movement("m1", "pfg", "2016-06-01", "2016-05-01", [[18, 30.8], [17.8, 30.8]])
    assert "movements.geojson: m1: field 'end'" in _problems(dataset(movements=[bad]))


def test_malformed_json_and_missing_files_name_the_file(dataset):
    folder = dataset(events=[event("e1", "2016-01-01", ["is"])])
    (folder / "events.geojson").write_text("{not json")
    assert "events.geojson: not valid JSON" in _problems(folder)
    (folder / "events.geojson").unlink()
    assert "events.geojson: file is missing" in _problems(folder)


def test_duplicate_ids_are_refused(dataset):
    text = _problems(dataset(events=[event("e1", "2016-01-01", ["is"]),
                                     event("e1", "2016-01-02", ["is"])]))
    assert "e1: field 'id': is used twice" in text


def test_loading_never_writes_to_the_data_folder(dataset):
    folder = dataset(events=[event("e1", "2016-01-01", ["is"])],
                     areas=[area("a", "is", square(20, 30), "2016-01-01")])
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    load_record(folder)
    (folder / "events.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                       "features": [{"properties": {}}]}))
    before["events.geojson"] = (folder / "events.geojson").read_bytes()
    with pytest.raises(DataError):
        load_record(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_bundled_geodata_files_are_utf8_geojson():
    for name in ("events.geojson", "control_areas.geojson", "movements.geojson"):
        data = json.loads((GEODATA / name).read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection" and data["features"]


def test_events_lie_near_the_gazetteer_point_of_their_place(record):
    """Catches a place geocoded to a namesake elsewhere (Libya has two Al Sidrahs)."""
    import math
    places = {p.name["en"]: p for p in record.places}
    limit = {"exact": 30, "town": 15, "region": 60}  # an exact site may lie outside its town
    checked = 0
    for e in record.events:
        place = places.get(e.place)
        if place is None:
            continue
        km = 111.2 * math.hypot(e.lat - place.lat,
                                (e.lon - place.lon) * math.cos(math.radians(e.lat)))
        assert km < limit[e.location_precision], (e.id, e.place, round(km))
        checked += 1
    assert checked > 80


def test_town_areas_contain_their_town(record):
    from shapely.geometry import Point
    places = {p.name["en"]: p for p in record.places}
    for a in record.areas:
        for name in ("Harawa", "Nofaliya", "Bin Jawad", "Abu Grein", "Al-Maheili", "Ras Lanuf",
                     "Es Sider"):
            if a.name["en"] in (name, "Es Sider and Ras Lanuf") and name in a.name["en"]:
                assert a.geometry.distance(Point(places[name].lon, places[name].lat)) < 0.01, \
                    (a.id, name)
