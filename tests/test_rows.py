"""One rule set per row shape (dashboard.rows): the same bad row, given to the bundled
record's loader (a GeoJSON feature in a dataset folder), to the importer (a CSV row, or a
GeoJSON feature for control areas) and to the check of an imported events.parquet, is
refused by each with the same reason, on the same field as that format names it."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datasets import area, event, square
from dashboard.importers import import_file
from dashboard.records import DataError, load_record

WORLD_META = {"region": [-180, -90, 180, 90]}  # the importer's region, so bounds agree
CSV_ROW = {"id": "e1", "date": "2016-01-10", "date_end": "", "date_precision": "day",
           "lon": "20.0", "lat": "30.0", "location_precision": "town", "place": "Testville",
           "event_type": "Battles", "sub_event_type": "Armed clash", "actor1": "IS",
           "actor2": "", "fatalities": "", "summary": "Something happened.",
           "url": "https://example.org/a", "source": "Test Wire", "source_date": "2016-01-01"}
DATES = ("date", "date_end")

# (a field of the event shape, the bad value, the loader's name for the field (None: the
# same), whether events.parquet holds the field in memory, the reason every reader gives)
BAD_EVENTS = [
    ("date_end", "2016-01-01", None, True, "2016-01-01 is before the start date 2016-01-10"),
    ("date_precision", "decade", None, True, "'decade' is not one of day, week, month"),
    ("location_precision", "street", None, True,
     "'street' is not one of exact, town, region"),
    ("event_type", "Skirmish", None, True, "'Skirmish' is not an ACLED event type"),
    ("sub_event_type", "Suicide bomb", None, True,
     "'Suicide bomb' is not a sub-type of 'Battles'"),
    ("lat", 95.0, "geometry", True, "latitude 95 is outside -90…90, the dataset's region"),
    ("lon", -181.5, "geometry", True,
     "longitude -181.5 is outside -180…180, the dataset's region"),
    ("fatalities", -3, None, True, "-3 is below 0"),
    ("url", "javascript:alert(1)", "sources[0].url", False,
     "'javascript:alert(1)' is not an http(s) address"),
]


def _said(problems: list[str], file: str, record: str) -> list[tuple[str, str]]:
    """(field, reason) of each problem "file: record: field 'f': reason"."""
    out = []
    for p in problems:
        head = f"{file}: {record}: field '"
        assert p.startswith(head), p
        field, reason = p[len(head):].split("': ", 1)
        out.append((field, reason))
    return out


def _loader(folder_maker, field, value) -> list[tuple[str, str]]:
    feature = event("e1", "2016-01-10", ["is"])
    if field in ("lon", "lat"):
        feature["geometry"]["coordinates"][field == "lat"] = value
    elif field == "url":
        feature["properties"]["sources"][0] = {**feature["properties"]["sources"][0],
                                               "url": value}
    else:
        feature["properties"][field] = value
    with pytest.raises(DataError) as info:
        load_record(folder_maker(events=[feature], meta=WORLD_META))
    return _said(info.value.problems, "events.geojson", "e1")


def _write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(CSV_ROW))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _importer(tmp_path, rows: list[dict]) -> list[tuple[int, str, str]]:
    report = import_file(_write_csv(tmp_path / "bad.csv", rows), dataset="bad",
                         datasets_dir=tmp_path / "imported", fmt="csv")
    assert not report.ok
    return [(r.line, r.field, r.reason) for r in report.rejects]


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    """A good one-event import whose events.parquet each case damages in a copy."""
    where = tmp_path_factory.mktemp("good")
    report = import_file(_write_csv(where / "good.csv", [CSV_ROW]), dataset="good",
                         datasets_dir=where / "datasets", fmt="csv")
    assert report.ok, report.as_text()
    return where / "datasets" / "good"


def _parquet(imported: Path, tmp_path: Path, change) -> list[str]:
    folder = tmp_path / "damaged"
    shutil.copytree(imported, folder)
    table = pq.read_table(folder / "events.parquet")
    rows = table.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), folder / "events.parquet")
    with pytest.raises(DataError) as info:
        load_record(folder)
    return info.value.problems


@pytest.mark.parametrize("field,value,loader_name,in_parquet,reason", BAD_EVENTS,
                         ids=[f"{c[0]}={c[1]}" for c in BAD_EVENTS])
def test_a_bad_event_is_refused_alike_by_the_loader_the_importer_and_the_parquet_check(
        dataset, tmp_path, imported, field, value, loader_name, in_parquet, reason):
    by_loader = _loader(dataset, field, value)
    assert len(by_loader) == 1 and by_loader[0][1].startswith(reason), by_loader
    assert by_loader[0][0] == (loader_name or field)

    by_importer = _importer(tmp_path, [{**CSV_ROW, field: str(value)}])
    assert by_importer == [(2, field, by_loader[0][1])]

    if in_parquet:
        def damage(rows):
            rows[0][field] = dt.date.fromisoformat(value) if field in DATES else value
        problems = _parquet(imported, tmp_path, damage)
        assert _said(problems, "events.parquet", "e1") == [(field, by_loader[0][1])]


def test_an_id_used_twice_is_refused_alike_by_all_three(dataset, tmp_path, imported):
    with pytest.raises(DataError) as info:
        load_record(dataset(events=[event("e1", "2016-01-10", ["is"])] * 2, meta=WORLD_META))
    assert _said(info.value.problems, "events.geojson", "e1") == [("id", "is used twice")]
    assert _importer(tmp_path, [CSV_ROW, CSV_ROW]) == [(3, "id", "is used twice")]
    problems = _parquet(imported, tmp_path, lambda rows: rows.append(copy.deepcopy(rows[0])))
    assert _said(problems, "events.parquet", "e1") == [("id", "is used twice")]


def test_a_row_wrong_in_its_format_and_by_the_rules_is_reported_for_both(tmp_path):
    """A cell the format cannot read is said in the format's words; the rest of the row is
    still judged by the shape's rules (every problem of a row, not only the first)."""
    rejects = _importer(tmp_path, [{**CSV_ROW, "date": "soon", "event_type": "Skirmish"}])
    fields = {f: reason for _, f, reason in rejects}
    assert set(fields) == {"date", "event_type"}
    assert "'soon' is not a date" in fields["date"]
    assert fields["event_type"].startswith("'Skirmish' is not an ACLED event type")


# Control areas: the loader's GeoJSON feature and an imported GeoJSON polygon ----------------

BOWTIE = {"type": "Polygon", "coordinates": [[[20, 30], [21, 31], [21, 30], [20, 31], [20, 30]]]}
BAD_AREAS = [
    ("valid_to", "2015-01-01",
     "2015-01-01 is not after valid_from 2016-01-01 (valid_to is exclusive)"),
    ("status", "claimed", "'claimed' is not one of held, contested"),
    ("status", "contested", "a contested area must name the other side(s)"),
    ("geometry", BOWTIE, "is invalid (Self-intersection"),
    ("url", "ftp://example.org/a", "'ftp://example.org/a' is not an http(s) address"),
]


def _area_said_by_loader(dataset, field, value) -> list[tuple[str, str]]:
    feature = area("a1", "is", square(20.0, 30.0), "2016-01-01")
    if field == "geometry":
        feature["geometry"] = value
    elif field == "url":
        feature["properties"]["sources"] = [{**feature["properties"]["sources"][0], "url": value}]
    else:
        feature["properties"][field] = value
    with pytest.raises(DataError) as info:
        load_record(dataset(areas=[feature], meta=WORLD_META))
    return _said(info.value.problems, "control_areas.geojson", "a1")


def _area_said_by_importer(tmp_path, field, value) -> list[tuple[int, str, str]]:
    props = {"id": "a1", "faction": "IS", "status": "held", "valid_from": "2016-01-01",
             "valid_to": None, "url": "https://example.org/a"}
    feature = {"type": "Feature", "geometry": square(20.0, 30.0), "properties": props}
    if field == "geometry":
        feature["geometry"] = value
    else:
        props[field] = value
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    report = import_file(path, dataset="areas", datasets_dir=tmp_path / "imported")
    assert not report.ok
    return [(r.line, r.field, r.reason) for r in report.rejects]


@pytest.mark.parametrize("field,value,reason", BAD_AREAS,
                         ids=[f"{c[0]}={str(c[1])[:12]}" for c in BAD_AREAS])
def test_a_bad_control_area_is_refused_alike_by_the_loader_and_the_importer(
        dataset, tmp_path, field, value, reason):
    by_loader = _area_said_by_loader(dataset, field, value)
    named = {"status": "contested_with"}.get(field, field) if value == "contested" else field
    loader_field = "sources[0].url" if field == "url" else named
    assert len(by_loader) == 1 and by_loader[0][0] == loader_field, by_loader
    assert by_loader[0][1].startswith(reason)
    assert _area_said_by_importer(tmp_path, field, value) == [(1, named, by_loader[0][1])]


def test_a_part_the_format_cannot_read_is_reported_once_not_again_by_the_rules(dataset):
    """A source that is no JSON object is said so; its missing publisher, address and date
    are not listed as three more problems."""
    feature = event("e1", "2016-01-10", ["is"])
    feature["properties"]["sources"] = ["Reuters, 10 January"]
    with pytest.raises(DataError) as info:
        load_record(dataset(events=[feature], meta=WORLD_META))
    assert _said(info.value.problems, "events.geojson", "e1") == [
        ("sources[0]", "should be an object")]


def test_a_code_the_format_cannot_read_is_not_reported_again_under_the_shape_s_name(tmp_path):
    """UCDP's type_of_violence gives the event type: an unknown code is one problem, on
    that column, not also an event type 'missing'."""
    source = Path(__file__).parent / "fixtures" / "imports" / "ucdp_ged.csv"
    with open(source, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)
    rows[0]["type_of_violence"] = "9"
    path = tmp_path / "ged.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)
    report = import_file(path, dataset="ged", datasets_dir=tmp_path / "imported")
    assert [(r.line, r.field) for r in report.rejects] == [(2, "type_of_violence")]
    assert report.rejects[0].reason.startswith("'9' is not one of 1, 2, 3")
