"""Bring your own data: every supported layout imports into a folder that load_record
accepts; bad rows and bad files are refused with a report naming line, field and reason;
datasets are replaced atomically; archives cannot escape or explode."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pyarrow as pa
import pytest
from shapely.geometry import Point, box

from datasets import GEODATA, ROOT
from dashboard import importing
from dashboard.dataset import load_dataset
from dashboard.importers import (FileError, UsageError, detect_format, import_file,
                                 list_datasets, pipeline)
from dashboard.importers import report as report_module
from dashboard.importers.cells import parse_day
from dashboard.importers.factions import FactionResolver, load_registry
from dashboard.records import load_record

# Writing the Shapefile fixtures, GDAL says how it cuts column names and stores dates.
pytestmark = [pytest.mark.filterwarnings("ignore:Column names longer than 10"),
              pytest.mark.filterwarnings("ignore:Normalized/laundered field name"),
              pytest.mark.filterwarnings("ignore:Field .* created as String field")]

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
ACLED_FILE = FIXTURES / "acled_libya.csv"
UCDP_FILE = FIXTURES / "ucdp_ged.csv"


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict], encoding="utf-8",
              delimiter=",") -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.DictWriter(f, header, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def acled_with(tmp_path: Path, *changes: dict, name="acled.csv") -> Path:
    """The ACLED fixture with row i updated by changes[i] (rows beyond the changes kept)."""
    header, rows = read_csv(ACLED_FILE)
    for row, change in zip(rows, changes):
        row.update(change)
    return write_csv(tmp_path / name, header, rows)


def events_by_id(folder: Path) -> dict:
    return {e.id: e for e in load_record(folder).events}


def leftovers(datasets: Path) -> list[str]:
    """Hidden temporary folders or files an import left behind."""
    return sorted(p.name for p in datasets.iterdir() if p.name.startswith(".")) \
        if datasets.exists() else []


# --- ACLED -----------------------------------------------------------------------------

def test_acled_export_imports_with_each_date_format_and_precision_code(tmp_path):
    report = import_file(ACLED_FILE, dataset="libya", datasets_dir=tmp_path)
    assert report.ok, report.as_text()
    assert report.format == "acled" and report.encoding == "utf-8"
    assert report.counts["rows_read"] == report.counts["events"] == 5
    events = events_by_id(tmp_path / "libya")
    assert [events[i].date for i in ("LBY9001", "LBY9002", "LBY9003", "LBY9005")] == [
        dt.date(2016, 4, 20), dt.date(2016, 4, 21), dt.date(2016, 4, 22), dt.date(2016, 5, 3)]
    assert [events[i].date_precision for i in ("LBY9001", "LBY9002", "LBY9003")] == [
        "day", "week", "month"]
    assert [events[i].location_precision for i in ("LBY9001", "LBY9002", "LBY9003")] == [
        "exact", "town", "region"]
    first = events["LBY9001"]
    assert first.event_type == "Battles" and first.sub_event_type == "Armed clash"
    assert first.actors == ("is", "lna") and first.fatalities == 4
    assert first.actor_names[1] == "Military Forces of Libya (2014-) Libyan National Army"
    assert first.summary["en"].startswith("Synthetic test row: clashes")
    assert first.summary["fr"] == "[non traduit] " + first.summary["en"]
    source = first.sources[0]
    assert source.url == "https://acleddata.com/"
    assert source.publisher == "Libya Herald; Libya Observer (via ACLED)"
    assert events["LBY9004"].fatalities is None  # empty: not reported, not zero
    assert events["LBY9003"].fatalities == 0
    assert "Abu Salim Martyrs Brigade" in events["LBY9003"].notes
    assert any("dataset-level link" in n for n in report.notes)


def test_acled_import_loads_as_a_dataset_with_a_gazetteer_of_its_places(tmp_path):
    import_file(ACLED_FILE, dataset="libya", datasets_dir=tmp_path)
    data = load_dataset(tmp_path / "libya", basemap_folder=GEODATA)
    places = {p.name["en"]: p for p in data.record.places}
    assert set(places) == {"Derna", "Al-Maheili", "Sirte", "Benghazi"}
    assert places["Derna"].lon == pytest.approx((22.6367 + 22.64) / 2, abs=1e-5)
    assert places["Derna"].rank == 3
    meta = json.loads((tmp_path / "libya" / "dataset.json").read_text())
    assert meta["region"] == [-180, -90, 180, 90] and meta["import"]["format"] == "acled"
    with open(tmp_path / "libya" / "places.csv", newline="") as f:
        row = next(csv.DictReader(f))
    assert (row["source"], row["licence"]) == ("import", "as the imported file")


@pytest.mark.parametrize("text, day", [
    ("2016-04-20", dt.date(2016, 4, 20)), ("20 April 2016", dt.date(2016, 4, 20)),
    ("20-April-2016", dt.date(2016, 4, 20)), ("3-Sep-2016", dt.date(2016, 9, 3)),
    ("2016-04-20 00:00:00.000", dt.date(2016, 4, 20)), ("2016-04-20T10:00:00Z", dt.date(2016, 4, 20)),
])
def test_dates_are_read_in_every_export_vintage(text, day):
    assert parse_day(text) == day


@pytest.mark.parametrize("text", ["04/05/2016", "31 February 2016", "20 Avril 2016", "2016",
                                  "yesterday"])
def test_ambiguous_or_impossible_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_day(text)


def test_broken_rows_are_reported_by_line_field_and_reason_and_nothing_is_written(tmp_path):
    path = acled_with(tmp_path, {"event_date": "2016-13-45"}, {"latitude": "95"},
                      {"actor1": ""}, {"fatalities": "many"},
                      {"fatalities": "9223372036854775808"})  # (2**63: no count holds it)
    datasets = tmp_path / "datasets"
    report = import_file(path, dataset="broken", datasets_dir=datasets)
    assert not report.ok and report.path is None
    found = {(r.line, r.field) for r in report.rejects}
    assert found == {(2, "event_date"), (3, "latitude"), (4, "actor1"), (5, "fatalities"),
                     (6, "fatalities")}
    reasons = {(r.line, r.field): r.reason for r in report.rejects}
    assert "not a real day" in reasons[2, "event_date"]
    assert "outside -90…90" in reasons[3, "latitude"]
    assert reasons[4, "actor1"] == "is empty"
    assert "'many' is not a whole number" in reasons[5, "fatalities"]
    assert "'9223372036854775808' is too large a number" in reasons[6, "fatalities"]
    assert report.counts["rejected"] == 5
    text = report.as_text()
    assert "line 3: field 'latitude'" in text and "--skip-invalid" in text
    assert not (datasets / "broken").exists() and leftovers(datasets) == []


def test_every_problem_of_a_row_is_reported_not_only_the_first(tmp_path):
    path = acled_with(tmp_path, {"event_date": "soon", "longitude": "east", "geo_precision": "9",
                                 "sub_event_type": "Skirmish"})
    report = import_file(path, dataset="x", datasets_dir=tmp_path / "d")
    assert {r.field for r in report.rejects} == {"event_date", "longitude", "geo_precision",
                                                 "sub_event_type"}
    assert all(r.line == 2 for r in report.rejects)


def test_a_file_wrong_on_every_line_keeps_a_bounded_report(tmp_path, monkeypatch):
    monkeypatch.setattr(report_module, "MAX_REPORTED_REJECTS", 2)
    path = acled_with(tmp_path, *[{"latitude": "95"}] * 5)
    report = import_file(path, dataset="x", datasets_dir=tmp_path / "d")
    assert report.counts["rejected"] == 5 and len(report.rejects) == 2
    assert "… and 3 more rejected rows (use --rejects FILE" in report.as_text()


def test_skip_invalid_imports_the_rest_and_writes_the_rejects(tmp_path):
    path = acled_with(tmp_path, {"event_date": "bad"}, {}, {"event_type": "Remote violence"})
    datasets = tmp_path / "datasets"
    report = import_file(path, dataset="part", datasets_dir=datasets, skip_invalid=True)
    assert report.ok, report.as_text()
    assert report.counts["events"] == 3 and report.counts["rejected"] == 2
    assert set(events_by_id(datasets / "part")) == {"LBY9002", "LBY9004", "LBY9005"}
    assert report.rejects_file == datasets / "part.rejects.csv"
    _, rejects = read_csv(report.rejects_file)
    assert [(r["line"], r["field"]) for r in rejects] == [("2", "event_date"), ("4", "event_type")]
    assert json.loads(rejects[0]["row"])["event_id_cnty"] == "LBY9001"
    assert "is not an ACLED event type" in rejects[1]["reason"]
    assert leftovers(datasets) == []


def test_duplicate_ids_are_rejected(tmp_path):
    path = acled_with(tmp_path, {}, {"event_id_cnty": "LBY9001"})
    report = import_file(path, dataset="dup", datasets_dir=tmp_path / "d")
    assert [(r.line, r.field) for r in report.rejects] == [(3, "event_id_cnty")]


def test_rows_with_missing_or_extra_cells_are_rejected(tmp_path):
    text = ACLED_FILE.read_text().splitlines()
    text[2] = text[2] + ",extra"
    text[3] = ",".join(text[3].split(",")[:10])
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(text) + "\n")
    report = import_file(path, dataset="r", datasets_dir=tmp_path / "d", skip_invalid=True)
    assert [(r.line, r.field) for r in report.rejects] == [(3, "(row)"), (4, "(row)")]
    assert "the header has 31" in report.rejects[0].reason


def test_latin1_bom_and_semicolon_files_are_read_and_the_encoding_is_said(tmp_path):
    header, rows = read_csv(ACLED_FILE)
    rows[0]["location"] = "Darnah (Derna, Dérna)"
    latin = write_csv(tmp_path / "latin.csv", header, rows, encoding="latin-1")
    report = import_file(latin, dataset="latin", datasets_dir=tmp_path / "d")
    assert report.ok and report.encoding == "latin-1"
    assert any("latin-1" in n for n in report.notes)
    assert events_by_id(tmp_path / "d" / "latin")["LBY9001"].place == "Darnah (Derna, Dérna)"
    bom = write_csv(tmp_path / "bom.csv", header, rows, encoding="utf-8-sig", delimiter=";")
    report = import_file(bom, dataset="bom", datasets_dir=tmp_path / "d")
    assert report.ok and report.encoding == "utf-8-sig", report.as_text()


@pytest.mark.parametrize("encoding,said", [("utf-16", "utf-16"), ("utf-16-be", "utf-16"),
                                           ("utf-32", "utf-32")])
@pytest.mark.parametrize("fmt", [None, "acled"])
def test_utf16_and_utf32_files_with_a_byte_order_mark_are_read(tmp_path, encoding, said, fmt):
    header, rows = read_csv(ACLED_FILE)
    rows[0]["location"] = "Darnah (درنة)"
    path = tmp_path / "wide.csv"
    text = io.StringIO()
    csv.DictWriter(text, header).writeheader()
    csv.DictWriter(text, header).writerows(rows)
    bom = "\ufeff" if encoding == "utf-16-be" else ""  # Python's utf-16/32 write one
    path.write_bytes((bom + text.getvalue()).encode(encoding))
    report = import_file(path, dataset="wide", datasets_dir=tmp_path / "d", fmt=fmt)
    assert report.ok and report.encoding == said and report.format == "acled", report.as_text()
    assert events_by_id(tmp_path / "d" / "wide")["LBY9001"].place == "Darnah (درنة)"


def test_utf16_geojson_is_refused_saying_so(tmp_path):
    path = tmp_path / "events.txt"
    path.write_bytes('{"type": "FeatureCollection", "features": []}'.encode("utf-16"))
    report = import_file(path, dataset="g", datasets_dir=tmp_path / "d")
    assert not report.ok and "GeoJSON saved as UTF-16" in report.problems[0]


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\x00\x01\x02garbage\xff\xfe" * 50, "binary"),
    (b"\n\n  \n", "no header"),
    (b"\xff\xfee\x00v\x00\x00\xd8e\x00", "not valid UTF-16"),  # a lone surrogate
    (b"event_id_cnty,event_date\nLBY1,2016-01-01\n", "missing required columns"),
])
def test_malformed_files_get_a_clear_message(tmp_path, content, message):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    report = import_file(path, dataset="bad", datasets_dir=tmp_path / "d", fmt="acled")
    assert not report.ok and message in " ".join(report.problems), report.problems
    assert not (tmp_path / "d" / "bad").exists() and leftovers(tmp_path / "d") == []


def test_missing_columns_are_named_in_the_file_s_terms(tmp_path):
    header, rows = read_csv(ACLED_FILE)
    header = [c for c in header if c not in ("latitude", "sub_event_type")]
    path = write_csv(tmp_path / "a.csv", header, [{k: r[k] for k in header} for r in rows])
    report = import_file(path, dataset="a", datasets_dir=tmp_path / "d")
    (problem,) = report.problems
    assert "latitude (for lat)" in problem and "sub_event_type" in problem


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path):
    report = import_file(ACLED_FILE, dataset="big", datasets_dir=tmp_path, max_bytes=100)
    assert not report.ok and "over the limit" in report.problems[0]


# --- UCDP GED ----------------------------------------------------------------------------

def test_ucdp_ged_imports_with_both_date_formats_and_precision_codes(tmp_path):
    report = import_file(UCDP_FILE, dataset="ucdp", datasets_dir=tmp_path)
    assert report.ok, report.as_text()
    assert report.format == "ucdp" and report.counts["events"] == 7
    events = events_by_id(tmp_path / "ucdp")
    first, second, third = events["900001"], events["900002"], events["900003"]
    assert first.event_type == "Battles" and first.sub_event_type == "Armed clash"
    assert third.event_type == "Violence against civilians" and third.sub_event_type == "Attack"
    assert first.date_end is None  # same day as date_start
    assert (second.date, second.date_end) == (dt.date(2016, 4, 20), dt.date(2016, 4, 24))
    assert [events[str(i)].date_precision for i in range(900001, 900006)] == [
        "day", "week", "month", "month", "month"]
    assert [events[str(i)].location_precision for i in range(900001, 900008)] == [
        "exact", "town", "town", "region", "region", "region", "region"]
    assert first.fatalities == 4 and "low 3, high 6" in first.notes
    assert "date_prec 4" in events["900004"].notes and "date_prec 5" in events["900005"].notes
    assert first.sources[0].url == "https://ucdp.uu.se/"
    assert first.sources[0].publisher == "Agence France Presse (via UCDP GED)"
    assert second.sources[0].date == dt.date(2016, 4, 25)  # first of "2016-04-25;2016-04-26"
    assert events["900005"].sources[0].publisher == "UCDP GED"
    assert third.actors == ("is", "civilians")
    assert first.summary["en"] and first.summary["fr"].startswith("[non traduit] ")
    assert any("month precision" in n for n in report.notes)


# --- generic CSV ---------------------------------------------------------------------------

def test_generic_csv_with_a_column_mapping_file_and_an_actor_mapping(tmp_path):
    report = import_file(FIXTURES / "generic_events.csv", dataset="gen", datasets_dir=tmp_path,
                         columns=FIXTURES / "generic_columns.json",
                         mapping=FIXTURES / "actor_mapping.csv")
    assert report.ok, report.as_text()
    events = load_record(tmp_path / "gen").events
    assert [e.actors for e in events] == [("is", "lna"), ("is",), ("brsc", "lna")]
    assert events[0].event_type == "Battles"  # given as the slug "battles"
    assert events[2].sources[0].publisher == "example.org"  # no outlet: the link's host
    assert report.mapped_actors["Benghazi Revolutionaries Shura Council"] == ("brsc",
                                                                              "mapping file")
    factions = json.loads((tmp_path / "gen" / "factions.json").read_text())["factions"]
    brsc = next(f for f in factions if f["id"] == "brsc")
    assert brsc["name"]["en"] == "Benghazi Revolutionaries Shura Council"


def test_generic_csv_columns_as_a_string_and_a_source_url_for_all_rows(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("Day,Lon,Lat,Who,Kind,Sub\n2016-04-20,22.6,32.7,ISIS,Battles,Armed clash\n")
    columns = "date=Day,lon=Lon,lat=Lat,actor1=Who,event_type=Kind,sub_event_type=Sub"
    refused = import_file(path, dataset="m", datasets_dir=tmp_path / "d", columns=columns)
    assert not refused.ok and "url" in refused.problems[0]
    report = import_file(path, dataset="m", datasets_dir=tmp_path / "d", columns=columns,
                         source_url="https://example.org/my-notes")
    assert report.ok, report.as_text()
    (event,) = load_record(tmp_path / "d" / "m").events
    assert event.sources[0].url == "https://example.org/my-notes"
    assert event.place == "32.7000, 22.6000"  # no place column: the point stands in


# --- spatial files -----------------------------------------------------------------------

def test_geojson_events_and_areas_import(tmp_path):
    events = import_file(FIXTURES / "events.geojson", dataset="ev", datasets_dir=tmp_path)
    areas = import_file(FIXTURES / "areas.geojson", dataset="ar", datasets_dir=tmp_path)
    assert events.ok and areas.ok, events.as_text() + areas.as_text()
    record = load_record(tmp_path / "ev")
    assert [e.actors for e in record.events] == [("is", "dmsc"), ("gna", "is")]
    assert record.events[0].summary["fr"] == "Événement de test synthétique à Derna."
    assert record.events[1].date_precision == "week"
    record = load_record(tmp_path / "ar")
    sirte = next(a for a in record.areas if a.id == "sirte-2016")
    assert (sirte.faction, sirte.status, sirte.contested_with) == ("is", "contested", ("gna",))
    assert sirte.valid_to is None and sirte.name["en"] == "Sirte (synthetic)"


def frames():
    events = gpd.read_file(FIXTURES / "events.geojson")
    areas = gpd.read_file(FIXTURES / "areas.geojson")
    return events, areas


def test_geopackage_with_an_event_layer_and_an_area_layer(tmp_path):
    events, areas = frames()
    path = tmp_path / "mine.gpkg"
    events.to_file(path, layer="events", driver="GPKG")
    areas.to_file(path, layer="areas", driver="GPKG")
    assert detect_format(path) == "gpkg"
    report = import_file(path, dataset="gpkg", datasets_dir=tmp_path / "d")
    assert report.ok, report.as_text()
    record = load_record(tmp_path / "d" / "gpkg")
    assert len(record.events) == 2 and len(record.areas) == 2
    assert record.areas[0].valid_from == dt.date(2016, 4, 20)


def zip_shapefile(frame, folder: Path, name: str, extra: dict | None = None,
                  compression=zipfile.ZIP_STORED) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_file(folder / f"{name}.shp")
    archive = folder / f"{name}.zip"
    with zipfile.ZipFile(archive, "w", compression) as zf:
        for part in folder.glob(f"{name}.*"):
            if part.suffix != ".zip":
                zf.write(part, f"data/{part.name}")
        for member, data in (extra or {}).items():
            zf.writestr(member, data)
    return archive


def test_zipped_shapefiles_of_events_and_of_projected_areas(tmp_path):
    events, areas = frames()
    archive = zip_shapefile(events, tmp_path / "ev", "events")
    report = import_file(archive, dataset="shp-events", datasets_dir=tmp_path / "d")
    assert report.ok, report.as_text()
    assert len(load_record(tmp_path / "d" / "shp-events").events) == 2
    # shapefile columns are cut to 10 characters (contested_, source_dat): still found
    archive = zip_shapefile(areas.to_crs(3857), tmp_path / "ar", "areas")
    report = import_file(archive, dataset="shp-areas", datasets_dir=tmp_path / "d")
    assert report.ok, report.as_text()
    record = load_record(tmp_path / "d" / "shp-areas")
    lon0, lat0, lon1, lat1 = next(a for a in record.areas if a.id == "derna-2016").geometry.bounds
    assert (lon0, lat0, lon1, lat1) == pytest.approx((22.55, 32.70, 22.70, 32.80), abs=1e-6)


def test_area_rows_are_checked(tmp_path):
    features = [
        {"geometry": box(20, 30, 21, 31), "faction": "LNA", "valid_from": "2016-01-01",
         "valid_to": "2015-01-01", "status": "held", "url": "https://example.org/a"},
        {"geometry": box(22, 30, 23, 31), "faction": "LNA", "valid_from": "2016-01-01",
         "valid_to": None, "status": "contested", "url": "https://example.org/a"},
        {"geometry": Point(20, 30), "faction": "LNA", "valid_from": "2016-01-01",
         "valid_to": None, "status": "held", "url": "https://example.org/a"},
    ]
    path = tmp_path / "areas.geojson"
    gpd.GeoDataFrame(features, crs=4326).to_file(path)
    report = import_file(path, dataset="a", datasets_dir=tmp_path / "d")
    problems = {(r.line, r.field) for r in report.rejects}
    assert (1, "valid_to") in problems and (2, "contested_with") in problems
    assert (3, "geometry") in problems  # a point in an area layer without event columns
    assert "missing required columns: date" in str(report.rejects[-1])


def test_points_outside_the_world_are_rejected_naming_the_geometry(tmp_path):
    collection = json.loads((FIXTURES / "events.geojson").read_text())
    collection["features"][1]["geometry"]["coordinates"] = [16.5, 95.0]
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps(collection))
    report = import_file(path, dataset="e", datasets_dir=tmp_path / "d", skip_invalid=True)
    assert report.ok and report.counts["events"] == 1
    assert [(r.unit, r.line, r.field) for r in report.rejects] == [("feature", 2, "geometry y")]


def test_overlapping_held_areas_fail_the_import_with_load_record_s_message(tmp_path):
    features = [{"geometry": box(20, 30, 21, 31), "faction": f, "valid_from": "2016-01-01",
                 "url": "https://example.org/a"} for f in ("LNA", "IS")]
    path = tmp_path / "areas.geojson"
    gpd.GeoDataFrame(features, crs=4326).to_file(path)
    report = import_file(path, dataset="a", datasets_dir=tmp_path / "d")
    assert not report.ok and "overlap" in report.problems[0]
    assert not (tmp_path / "d" / "a").exists() and leftovers(tmp_path / "d") == []


# --- archives ------------------------------------------------------------------------------

@pytest.mark.parametrize("member", ["../evil.shp", "/etc/evil.shp", "C:\\evil.shp",
                                    "data/../../evil.dbf", "..\\..\\evil.shx"])
def test_zip_slip_names_are_refused(tmp_path, member):
    events, _ = frames()
    archive = zip_shapefile(events, tmp_path / "z", "events", {member: b"x"})
    report = import_file(archive, dataset="z", datasets_dir=tmp_path / "d")
    assert not report.ok and "unsafe path" in report.problems[0]
    assert not (tmp_path / "evil.shp").exists() and not (tmp_path / "d" / "z").exists()


def test_zip_bombs_and_crowded_archives_are_refused(tmp_path):
    events, _ = frames()
    crowded = zip_shapefile(events, tmp_path / "c", "events",
                            {f"junk/{i}.txt": b"" for i in range(150)})
    report = import_file(crowded, dataset="c", datasets_dir=tmp_path / "d")
    assert "refusing to unpack" in report.problems[0]
    bomb = zip_shapefile(events, tmp_path / "b", "events", {"data/padding.txt": b"0" * 2**20},
                         compression=zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 100_000
    report = import_file(bomb, dataset="b", datasets_dir=tmp_path / "d", max_bytes=500_000)
    assert "would unpack to" in report.problems[0]
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    report = import_file(junk, dataset="j", datasets_dir=tmp_path / "d")
    assert "cannot be read" in report.problems[0]
    assert leftovers(tmp_path / "d") == []


# --- factions ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, faction", [
    ("Military Forces of Libya (2014-) Libyan National Army", "lna"),
    ("Islamic State (Syria)", "is"),
    ("Civilians (International)", "civilians"),
    ("Police Forces of Libya (2014-) Government of National Accord", "gna"),
    ("unidentified armed group (Libya)", "unidentified"),
    ("LIBYAN NATIONAL ARMY", "lna"),
])
def test_actor_names_map_through_registry_aliases(name, faction):
    assert FactionResolver(load_registry(), {}).resolve(name) == faction


def test_short_aliases_must_match_in_case_and_unmapped_actors_become_factions():
    resolver = FactionResolver(load_registry(), {})
    assert resolver.resolve("What is left of us") == "what-is-left-of-us"
    assert resolver.resolve("Protesters (Libya)") == "protesters-libya"
    assert resolver.resolve("Protesters - Libya") == "protesters-libya-2"
    assert resolver.resolve("  ") == "faction" and resolver.resolve("123 Brigade") == "f-123-brigade"
    colours = [f["colour"] for f in resolver.created.values()]
    assert len(set(colours)) == len(colours)
    assert {"is", "lna"}.isdisjoint(resolver.created)


def test_unmapped_actor_becomes_a_faction_listed_in_the_report(tmp_path):
    path = acled_with(tmp_path, {"actor2": "Zawiya Revolutionaries Brigade"})
    report = import_file(path, dataset="new", datasets_dir=tmp_path / "d")
    assert report.ok
    created = {f["id"]: f for f in report.created_factions}
    assert created["zawiya-revolutionaries-brigade"]["actor"] == "Zawiya Revolutionaries Brigade"
    assert report.counts["factions_created"] == 2  # and "Protesters (Libya)"
    assert "zawiya-revolutionaries-brigade" in report.as_text()
    record = load_record(tmp_path / "d" / "new")
    assert record.factions["zawiya-revolutionaries-brigade"].colour.startswith("#")
    assert set(record.factions) == {"is", "dmsc", "gna", "civilians", "protesters-libya",
                                    "zawiya-revolutionaries-brigade"}  # lna was row 1's actor2


def test_a_json_mapping_file_overrides_the_registry(tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"islamic state (libya)": "isis-libya",
                                   "Protesters (Libya)": "civilians"}))
    report = import_file(ACLED_FILE, dataset="m", datasets_dir=tmp_path / "d", mapping=mapping)
    assert report.ok
    events = events_by_id(tmp_path / "d" / "m")
    assert events["LBY9001"].actors == ("isis-libya", "lna")
    assert events["LBY9005"].actors == ("civilians",)


@pytest.mark.parametrize("content", ['["not", "an", "object"]', '{"IS": "Not An Id"}', "{oops"])
def test_a_bad_mapping_file_is_a_usage_error(tmp_path, content):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(content)
    with pytest.raises(UsageError, match="mapping file"):
        import_file(ACLED_FILE, dataset="m", datasets_dir=tmp_path, mapping=mapping)


# --- datasets on disk --------------------------------------------------------------------

def test_a_failed_reimport_leaves_the_old_dataset_untouched(tmp_path):
    datasets = tmp_path / "datasets"
    assert import_file(ACLED_FILE, dataset="libya", datasets_dir=datasets).ok
    before = {p.name: p.read_bytes() for p in (datasets / "libya").iterdir()}
    broken = acled_with(tmp_path, {"latitude": "95"})
    assert not import_file(broken, dataset="libya", datasets_dir=datasets).ok
    assert {p.name: p.read_bytes() for p in (datasets / "libya").iterdir()} == before
    assert leftovers(datasets) == []
    report = import_file(UCDP_FILE, dataset="libya", datasets_dir=datasets)
    assert report.ok and len(load_record(datasets / "libya").events) == 7
    assert leftovers(datasets) == []


def test_a_failed_validation_never_leaves_a_partial_folder(tmp_path, monkeypatch):
    def refuse(folder):
        assert (Path(folder) / "events.parquet").exists()
        raise pipeline.DataError(["events.parquet: refused for the test"])
    monkeypatch.setattr(pipeline, "load_record", refuse)
    report = import_file(ACLED_FILE, dataset="v", datasets_dir=tmp_path)
    assert not report.ok and "refused for the test" in report.problems[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "Libya", "../x", "a b", "-x", "x" * 65, ".hidden"])
def test_bad_dataset_names_are_refused(tmp_path, name):
    with pytest.raises(UsageError, match="dataset name"):
        import_file(ACLED_FILE, dataset=name, datasets_dir=tmp_path)


def test_the_bundled_record_and_folders_not_made_by_imports_are_never_replaced(tmp_path):
    with pytest.raises(UsageError, match="bundled record"):
        import_file(ACLED_FILE, dataset="geodata", datasets_dir=ROOT)
    with pytest.raises(UsageError, match="bundled record"):
        import_file(ACLED_FILE, dataset="x", datasets_dir=GEODATA)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="not made by an import"):
        import_file(ACLED_FILE, dataset="notes", datasets_dir=tmp_path)
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"


def test_list_datasets_and_detect_format(tmp_path):
    import_file(ACLED_FILE, dataset="b-acled", datasets_dir=tmp_path, title="Libya, ACLED")
    import_file(UCDP_FILE, dataset="a-ucdp", datasets_dir=tmp_path)
    (tmp_path / ".a-ucdp.importing-x").mkdir()  # a crashed import's leftover is not listed
    listed = list_datasets(tmp_path)
    assert [(d["name"], d["events"]) for d in listed] == [("a-ucdp", 7), ("b-acled", 5)]
    assert listed[1]["title"] == {"en": "Libya, ACLED", "fr": "Libya, ACLED"}
    assert listed[1]["path"] == tmp_path / "b-acled"
    assert list_datasets(tmp_path / "nowhere") == []
    assert [detect_format(FIXTURES / n) for n in (
        "acled_libya.csv", "ucdp_ged.csv", "generic_events.csv", "areas.geojson")] == [
        "acled", "ucdp", "csv", "geojson"]
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01\x02" * 10)
    with pytest.raises(FileError, match="binary"):
        detect_format(junk)


def test_progress_is_reported_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 2)
    steps = []
    import_file(ACLED_FILE, dataset="p", datasets_dir=tmp_path, progress=steps.append)
    assert [(s.stage, s.rows) for s in steps] == [("reading", 2), ("reading", 4),
                                                  ("writing", 5), ("validating", 5)]
    assert 0 < steps[0].fraction <= 1


# --- the command line ------------------------------------------------------------------------

def test_cli_imports_and_reports(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 2)
    code = importing.main([str(ACLED_FILE), "--dataset", "libya", "--datasets-dir",
                           str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0 and "dataset written to" in out and "rows read: 5" in out
    assert "read 2 rows" in err and "checking the dataset" in err
    assert err.index("read 4 rows") < err.index("writing the dataset (5 rows), sorted by date") \
        < err.index("checking the dataset")
    assert load_record(tmp_path / "libya").events


def test_cli_exit_codes(tmp_path, capsys):
    broken = acled_with(tmp_path, {"latitude": "95"})
    args = ["--datasets-dir", str(tmp_path / "d")]
    assert importing.main([str(broken), "--dataset", "x", *args]) == 1
    assert "line 2: field 'latitude'" in capsys.readouterr().out
    assert importing.main([str(broken), "--dataset", "x", "--skip-invalid", *args]) == 0
    assert (tmp_path / "d" / "x.rejects.csv").exists()
    assert importing.main([str(broken), "--dataset", "Bad Name", *args]) == 2
    assert importing.main([str(tmp_path / "missing.csv"), "--dataset", "x", *args]) == 2
    assert importing.main([str(broken), "--dataset", "x", "--format", "xls", *args]) == 2
    assert importing.main([str(broken), *args]) == 2  # no --dataset
    assert importing.main([str(broken), "--dataset", "x", "--columns", "date", *args]) == 2
    assert importing.main([str(broken), "--dataset", "x", "--columns", "when=Date", *args]) == 2
    assert "dataset name" in capsys.readouterr().err
    assert importing.main(["--help"]) == 0


def test_cli_rejects_path_and_environment_datasets_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FRONTLINES_DATASETS_DIR", str(tmp_path / "env"))
    broken = acled_with(tmp_path, {"latitude": "95"})
    rejects = tmp_path / "out" / "rejects.csv"
    assert importing.main([str(broken), "--dataset", "x", "--rejects", str(rejects)]) == 1
    _, rows = read_csv(rejects)
    assert [(r["line"], r["field"]) for r in rows] == [("2", "latitude")]
    assert not (tmp_path / "env" / "x").exists()
    assert importing.main([str(ACLED_FILE), "--dataset", "x"]) == 0
    assert (tmp_path / "env" / "x" / "events.parquet").exists()


def test_the_dashboard_entry_point_dispatches_import(tmp_path):
    from dashboard.__main__ import main
    assert main(["import", str(ACLED_FILE), "--dataset", "e", "--datasets-dir",
                 str(tmp_path)]) == 0


def test_imported_events_are_geoparquet_checked_as_columns_with_the_event_rules(tmp_path):
    """An import writes events.parquet (GeoParquet, readable by GeoPandas) and catalog.json;
    a damaged events file is refused with the event id and field, by the event shape's
    rules (dashboard.rows) that load_events and the importer apply too."""
    import geopandas as gpd
    import pyarrow.parquet as pq

    from dashboard.records import DataError as _DataError

    assert import_file(ACLED_FILE, dataset="p", datasets_dir=tmp_path).ok
    folder = tmp_path / "p"
    assert not (folder / "events.geojson").exists()
    points = gpd.read_parquet(folder / "events.parquet")
    assert len(points) == 5 and set(points.geom_type) == {"Point"}
    assert json.loads((folder / "catalog.json").read_text())["events"] == 5
    table = pq.read_table(folder / "events.parquet")
    rows = table.to_pylist()
    first = rows[0]["id"]
    rows[1]["id"] = first  # a doubled id
    rows[2]["actors"] = ["martians"]  # an unknown faction
    rows[3]["lat"] = 95.0  # off the globe
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), folder / "events.parquet")
    with pytest.raises(_DataError) as info:
        load_record(folder)
    text = str(info.value)
    assert f"{first}: field 'id': is used twice" in text
    assert "field 'actors': unknown faction id 'martians'" in text
    assert f"{rows[3]['id']}: field 'lat': latitude 95 is outside -90…90" in text
