"""The record's historian's fields: dated faction names, assessment levels, toll ranges and
maintainers' provenance. Each rule is checked on tiny hand-built datasets through the public
loader (and the API), and on the bundled record where the issue names a fact."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json

import pytest

from app import create_app
from datasets import GEODATA, area, event, square
from dashboard.config import Config
from dashboard.data_export import events_csv
from dashboard.records import DataError, load_record
from dashboard.rows import ASSESSMENTS
from dashboard.timeline import control_at

DAY = dt.date


def _bundled_factions() -> dict:
    return json.loads((GEODATA / "factions.json").read_text(encoding="utf-8"))


def _with_names(names: list) -> dict:
    """The bundled registry with `names` on a test copy of dmsc."""
    data = copy.deepcopy(_bundled_factions())
    dmsc = next(f for f in data["factions"] if f["id"] == "dmsc")
    dmsc["names"] = names
    return data


def _name(start, end, en):
    return {"from": start, "to": end, "name": {"en": en, "fr": en + " (fr)"},
            "short": {"en": en[:3], "fr": en[:3]}}


def _problems(folder) -> str:
    with pytest.raises(DataError) as info:
        load_record(folder)
    return str(info.value)


# Dated names ---------------------------------------------------------------------------------

def test_a_faction_is_named_as_it_was_on_the_day(dataset):
    names = [_name(None, "2014-12-12", "Brigade"), _name("2014-12-12", "2018-05-11", "Council"),
             _name("2018-05-11", None, "Force")]
    record = load_record(dataset(events=[event("e1", "2016-01-10", ["dmsc"])],
                                 factions=_with_names(names)))
    dmsc = record.factions["dmsc"]
    assert dmsc.name_on(DAY(2014, 12, 11), "en") == "Brigade"
    assert dmsc.name_on(DAY(2014, 12, 12), "en") == "Council"  # `from` is inclusive
    assert dmsc.name_on(DAY(2018, 5, 11), "fr") == "Force (fr)"  # `to` is exclusive
    assert dmsc.short_on(DAY(2015, 1, 1), "en") == "Cou"
    assert dmsc.name_on(None, "en") == dmsc.name["en"]  # no day: the default name


def test_outside_its_dated_names_a_faction_keeps_its_default_name(dataset):
    record = load_record(dataset(events=[event("e1", "2016-01-10", ["dmsc"])],
                                 factions=_with_names([_name("2015-01-01", "2016-01-01", "X")])))
    dmsc = record.factions["dmsc"]
    assert dmsc.name_on(DAY(2014, 6, 1), "en") == dmsc.name["en"] != "X"
    assert dmsc.name_on(DAY(2015, 6, 1), "en") == "X"
    assert dmsc.name_on(DAY(2016, 1, 1), "en") == dmsc.name["en"]


@pytest.mark.parametrize("names,message", [
    ([_name(None, "2015-01-01", "A"), _name("2014-06-01", None, "B")], "overlaps"),
    ([_name(None, "2015-01-01", "A"), _name("2015-03-01", None, "B")], "leaves a gap"),
    ([_name(None, None, "A"), _name("2015-03-01", None, "B")], "only the last name may have no end"),
    ([_name("2015-01-01", "2015-01-01", "A")], "is not after"),
    ([_name("2015-02-30", None, "A")], "is not a date"),
    ([{"from": None, "to": None, "name": {"en": "A", "fr": "A"}}], "needs both 'name' and 'short'"),
])
def test_bad_dated_names_are_refused_naming_file_faction_and_field(dataset, names, message):
    text = _problems(dataset(events=[event("e1", "2016-01-10", ["dmsc"])],
                             factions=_with_names(names)))
    assert "factions.json: dmsc: field 'names[" in text and message in text


def test_the_api_gives_the_names_valid_on_the_requested_day():
    client = create_app(Config(data_dir=GEODATA)).server.test_client()
    before = {f["id"]: f for f in client.get("/api/factions?date=2014-11-01").get_json()}
    after = {f["id"]: f for f in client.get("/api/factions?date=2015-06-01").get_json()}
    assert before["dmsc"]["name"]["en"] != after["dmsc"]["name"]["en"]
    assert before["dmsc"]["names"] == after["dmsc"]["names"] and len(before["dmsc"]["names"]) >= 3
    assert client.get("/api/factions?date=2014-13-01").status_code == 400


# Done-when checks of issue 11 on the bundled record -------------------------------------------

def test_on_1_november_2014_no_sirte_area_is_coded_is_and_derna_is_not_named_dmsc(record):
    day = DAY(2014, 11, 1)
    sirte = [a for a in control_at(record, day) if "Sirte" in a.name["en"]]
    assert sirte and all(a.faction != "is" and "is" not in a.contested_with for a in sirte)
    derna = [a for a in control_at(record, day) if a.name["en"] == "Derna city"]
    holders = {f for a in derna for f in (a.faction,) + a.contested_with}
    assert "dmsc" in holders
    assert record.factions["dmsc"].name_on(day, "en") != "Derna Mujahideen Shura Council"
    assert record.factions["dmsc"].name_on(DAY(2015, 1, 1), "en") == \
        "Derna Mujahideen Shura Council"


def test_control_features_carry_the_holders_name_of_the_day():
    client = create_app(Config(data_dir=GEODATA)).server.test_client()
    features = client.get("/api/control?date=2014-11-01").get_json()["features"]
    derna = next(f["properties"] for f in features if f["properties"]["name"] == "Derna city")
    assert "Derna Mujahideen Shura Council" not in [derna["faction_name"]] + \
        derna["contested_with_names"]
    assert all(f["properties"]["assessment"] in ASSESSMENTS for f in features)


# Assessment ----------------------------------------------------------------------------------

ASSESSED = {"assessed": True}


def test_every_bundled_control_period_is_assessed(record):
    assert record.meta.get("assessed") is True
    for a in record.areas:
        assert a.assessment in ASSESSMENTS, a.id
        if a.assessment == "reported":
            assert a.sources, a.id
        else:
            assert a.assessment_note and a.assessment_note.strip(), a.id


@pytest.mark.parametrize("change,message", [
    ({"assessment": None}, "field 'assessment': is missing"),
    ({"assessment": "likely"}, "'likely' is not one of reported, claimed, assumed"),
    ({"assessment": "reported", "sources": []}, "field 'sources'"),
    ({"assessment": "assumed"}, "an assumed period needs a note saying why it is drawn"),
    ({"assessment": "claimed", "assessment_note": " "}, "a claimed period needs a note"),
])
def test_bad_assessments_are_refused(dataset, change, message):
    bad = area("a1", "is", square(20.0, 30.0), "2016-01-01")
    bad["properties"].update(change)
    text = _problems(dataset(areas=[bad], meta=ASSESSED))
    assert "control_areas.geojson: a1: field '" in text and message in text


def test_a_reported_period_without_a_source_is_refused(dataset):
    bad = area("a1", "is", square(20.0, 30.0), "2016-01-01")
    bad["properties"]["sources"] = []
    assert "a1: field 'sources'" in _problems(dataset(areas=[bad], meta=ASSESSED))


def test_assumed_and_claimed_periods_with_notes_load_and_reach_the_api(dataset):
    assumed = area("a1", "is", square(20.0, 30.0), "2016-01-01", assessment="assumed")
    assumed["properties"]["assessment_note"] = "rear area of the front"
    record = load_record(dataset(areas=[assumed], meta=ASSESSED))
    assert (record.areas[0].assessment, record.areas[0].assessment_note) == \
        ("assumed", "rear area of the front")


def test_datasets_that_do_not_assess_their_areas_still_load(dataset):
    plain = area("a1", "is", square(20.0, 30.0), "2016-01-01", assessment=None)
    record = load_record(dataset(areas=[plain], meta={"assessed": False}))
    assert record.areas[0].assessment is None


# Toll ranges and claims ----------------------------------------------------------------------

def _tolled(**props):
    e = event("e1", "2016-01-10", ["is"], fatalities=props.pop("fatalities", None))
    e["properties"].update(props)
    return e


def test_a_toll_range_with_its_claimants_loads(dataset):
    e = _tolled(fatalities=7, fatalities_low=7, fatalities_high=30, fatality_claims=[
        {"claimant": "Air force chief", "low": 30, "high": 50, "killed": "militants",
         "source": 0},
        {"claimant": "HRW", "low": 7, "high": None, "killed": "civilians", "source": 0}])
    loaded = load_record(dataset(events=[e])).events[0]
    assert (loaded.fatalities_low, loaded.fatalities, loaded.fatalities_high) == (7, 7, 30)
    assert [c.claimant for c in loaded.fatality_claims] == ["Air force chief", "HRW"]
    assert loaded.fatality_claims[1].high is None


@pytest.mark.parametrize("props,field,message", [
    ({"fatalities": 40, "fatalities_low": 7, "fatalities_high": 30}, "fatalities",
     "outside the range"),
    ({"fatalities": 5, "fatalities_low": 7, "fatalities_high": 30}, "fatalities",
     "outside the range"),
    ({"fatalities": 10, "fatalities_low": 7}, "fatalities_high", "needs both"),
    ({"fatalities": None, "fatalities_low": 7, "fatalities_high": 30}, "fatalities",
     "needs a best estimate"),
    ({"fatalities": 10, "fatalities_low": 30, "fatalities_high": 7}, "fatalities_high",
     "is below"),
    ({"fatalities": 10, "fatalities_low": -1, "fatalities_high": 30}, "fatalities_low",
     "whole number"),
    ({"fatalities": 2**63}, "fatalities", "too large a number"),  # no count column holds it
    ({"fatality_claims": [{"claimant": "X", "low": 3, "source": 4}]},
     "fatality_claims[0].source", "not the index"),
    ({"fatality_claims": [{"claimant": "", "low": 3, "source": 0}]},
     "fatality_claims[0].claimant", "non-empty"),
    ({"fatality_claims": [{"claimant": "X", "low": 9, "high": 3, "source": 0}]},
     "fatality_claims[0].high", "≥ low"),
])
def test_bad_toll_ranges_and_claims_are_named(dataset, props, field, message):
    text = _problems(dataset(events=[_tolled(**props)]))
    assert f"events.geojson: e1: field '{field}'" in text and message in text


def test_toll_ranges_reach_the_csv_and_the_api_features(dataset):
    e = _tolled(fatalities=7, fatalities_low=7, fatalities_high=30)
    plain = event("e2", "2016-01-11", ["is"], fatalities=3)
    record = load_record(dataset(events=[e, plain]))
    rows = list(csv.DictReader(io.StringIO(events_csv(record.events))))
    assert [(r["fatalities_low"], r["fatalities_high"]) for r in rows] == [("7", "30"), ("", "")]


def test_the_egyptian_strikes_keep_both_claims(record):
    strike = next(e for e in record.events if e.id == "2015-02-16-derna")
    assert strike.fatalities_low is not None and strike.fatalities_high is not None
    assert strike.fatalities_low <= strike.fatalities <= strike.fatalities_high
    claimants = " ".join(c.claimant for c in strike.fatality_claims)
    assert "Human Rights Watch" in claimants and len(strike.fatality_claims) >= 2


def test_event_features_carry_toll_ranges_and_names_of_the_day():
    client = create_app(Config(data_dir=GEODATA)).server.test_client()
    features = client.get("/api/events?start=2015-02-16&end=2015-02-16").get_json()["features"]
    strike = next(f["properties"] for f in features if f["id"] == "2015-02-16-derna")
    assert strike["fatalities_low"] <= strike["fatalities"] <= strike["fatalities_high"]
    assert strike["fatality_claims"] and len(strike["faction_names"]) == len(strike["actors"])
    assert "provenance" not in strike


# Maintainers' provenance ---------------------------------------------------------------------

def test_notes_shown_to_users_carry_no_maintainers_shorthand(record):
    for item in record.events:
        assert not (item.notes or "").lower().startswith("seed"), item.id
    for item in tuple(record.events) + record.areas:
        for source in item.sources:
            assert "not shown in stored copy" not in source.title, (item.id, source.url)
    seeded = [e for e in record.events if e.provenance and "seed" in e.provenance.lower()]
    assert len(seeded) >= 4


def test_feature_names_follow_the_day_of_the_feature(record):
    """An event is labelled with its actors' names on its own day, an area with the names on
    the day asked for; maintainers' provenance never leaves the server."""
    client = create_app(Config(data_dir=GEODATA)).server.test_client()
    founding = client.get("/api/events?start=2014-12-12&end=2014-12-12").get_json()["features"]
    props = next(f["properties"] for f in founding if f["properties"]["actors"] == ["dmsc"])
    assert props["faction_names"] == [record.factions["dmsc"].name_on(DAY(2014, 12, 12), "en")]
    for day in ("2014-11-01", "2018-06-01"):
        for f in client.get(f"/api/control?date={day}&lang=fr").get_json()["features"]:
            p = f["properties"]
            on = DAY.fromisoformat(day)
            assert p["faction_name"] == record.factions[p["faction"]].name_on(on, "fr")
            assert p["contested_with_names"] == [record.factions[c].name_on(on, "fr")
                                                 for c in p["contested_with"]]
            assert "provenance" not in p


def test_the_corrections_of_issue_11_stay_made(record):
    """The areas the issue names: no inferred Al-Maheili control, early town periods that no
    source dates are only assumed, and no IS hold west of Sirte before the events date it."""
    assert not [a for a in record.areas if a.name["en"] == "Al-Maheili"]
    early = [a for a in record.areas if a.valid_from == DAY(2014, 10, 1)
             and a.name["en"] in ("Nofaliya", "Bin Jawad", "Harawa", "Ghardabiya air base")]
    assert len(early) == 4 and all(a.assessment == "assumed" for a in early)
    west = [a for a in record.areas if a.name["en"].startswith("Coast road, Buwairat")
            and a.faction == "is" and a.status == "held"]
    assert west and min(a.valid_from for a in west) >= DAY(2015, 6, 9)
