"""Property tests of the importer: whatever it is given (arbitrary bytes, or a valid file
with cells dropped, duplicated or garbled, columns shuffled, the end cut off), an import ends
either in a dataset folder that load_record accepts or in a report saying why not. Never an
exception escaping import_file, never a partial or temporary folder left on disk."""
from __future__ import annotations

import csv
import io
import json
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.importers import FORMATS, import_file
from dashboard.records import load_record

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
CSV_FILES = {"acled": FIXTURES / "acled_libya.csv", "ucdp": FIXTURES / "ucdp_ged.csv",
             "csv": FIXTURES / "generic_events.csv"}
GENERIC_COLUMNS = FIXTURES / "generic_columns.json"
FAST = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

cell_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12) \
    | st.sampled_from(["", "95", "-181", "nan", "many", "2016-02-30", "20 April 2016",
                       "1", "4", "Battles", "IS", "https://x.org/", "0.5", " ", '"', "\n"])


def import_bytes(content: bytes, suffix: str, **options):
    """Import `content` into a fresh datasets folder and check the outcome's invariant."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(content)
        datasets = Path(tmp) / "datasets"
        report = import_file(path, dataset="x", datasets_dir=datasets, **options)
        entries = sorted(p.name for p in datasets.iterdir()) if datasets.exists() else []
        assert not [e for e in entries if e.startswith(".")], entries  # no temporary leftovers
        if report.ok:
            load_record(datasets / "x")
            assert report.counts["imported"] > 0
        else:
            assert report.problems and "x" not in entries, (report.problems, entries)
            assert report.as_text()
        return report


def options_for(fmt: str) -> dict:
    return {"fmt": fmt, "columns": GENERIC_COLUMNS if fmt == "csv" else None}


@FAST
@given(content=st.binary(max_size=3000), fmt=st.sampled_from([None, *FORMATS]),
       suffix=st.sampled_from([".csv", ".geojson", ".gpkg", ".zip", ""]))
def test_arbitrary_bytes_never_escape_as_exceptions(content, fmt, suffix):
    import_bytes(content, suffix, fmt=fmt)


@FAST
@given(fmt=st.sampled_from(sorted(CSV_FILES)),
       rows=st.lists(st.lists(cell_text, max_size=40), max_size=6),
       skip=st.booleans())
def test_arbitrary_rows_under_a_real_header(fmt, rows, skip):
    header = CSV_FILES[fmt].read_text().splitlines()[0]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    import_bytes((header + "\n" + out.getvalue()).encode(), ".csv", skip_invalid=skip,
                 **options_for(fmt))


@st.composite
def mutated_table(draw, rows: list[list[str]]) -> tuple[bytes, bool]:
    """A valid table with random damage; also says whether only harmless damage (column
    order) was done."""
    rows = [list(r) for r in rows]
    harmless = True
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["drop", "duplicate", "garble", "blank", "shuffle"]))
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(rows[r]) - 1)) if rows[r] else 0
        if op == "shuffle":
            order = draw(st.permutations(range(len(rows[0]))))
            rows = [[row[i] for i in order] if len(row) == len(order) else row for row in rows]
            continue
        harmless = False
        if not rows[r]:
            continue
        if op == "drop":
            del rows[r][c]
        elif op == "duplicate":
            rows[r].insert(c, rows[r][c])
        else:
            rows[r][c] = "" if op == "blank" else draw(cell_text)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    data = out.getvalue().encode("utf-8")
    if draw(st.booleans()):
        data, harmless = data[:draw(st.integers(0, len(data)))], False
    return data, harmless


def fixture_rows(fmt: str) -> list[list[str]]:
    with open(CSV_FILES[fmt], newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@FAST
@given(data=st.data(), fmt=st.sampled_from(sorted(CSV_FILES)), skip=st.booleans())
def test_mutated_csv_files_import_or_are_refused_cleanly(data, fmt, skip):
    content, harmless = data.draw(mutated_table(fixture_rows(fmt)))
    report = import_bytes(content, ".csv", skip_invalid=skip, **options_for(fmt))
    if harmless:  # columns are found by name, so their order never matters
        assert report.ok, report.as_text()


json_value = st.none() | st.booleans() | st.integers(-10**6, 10**6) \
    | st.floats(allow_nan=True, allow_infinity=True) | cell_text \
    | st.lists(cell_text, max_size=3)


@FAST
@given(data=st.data(), name=st.sampled_from(["events.geojson", "areas.geojson"]))
def test_mutated_geojson_imports_or_is_refused_cleanly(data, name):
    collection = json.loads((FIXTURES / name).read_text())
    for feature in collection["features"]:
        props = feature["properties"]
        for key in data.draw(st.lists(st.sampled_from(sorted(props)), max_size=3, unique=True)):
            if data.draw(st.booleans()):
                del props[key]
            else:
                props[key] = data.draw(json_value)
        if data.draw(st.integers(0, 5)) == 0:
            feature["geometry"] = data.draw(st.sampled_from([
                None, {"type": "Point", "coordinates": [200, 95]},
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
                {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}]))
    content = json.dumps(collection).encode()
    if data.draw(st.booleans()):
        content = content[:data.draw(st.integers(0, len(content)))]
    import_bytes(content, ".geojson", skip_invalid=data.draw(st.booleans()))


def binary_fixture(fmt: str) -> bytes:
    """A small valid GeoPackage or zipped Shapefile of the fixture's events, as bytes."""
    frame = gpd.read_file(FIXTURES / "events.geojson")
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL cutting column names for the Shapefile
        if fmt == "gpkg":
            frame.to_file(Path(tmp) / "e.gpkg", driver="GPKG")
            return (Path(tmp) / "e.gpkg").read_bytes()
        frame.to_file(Path(tmp) / "e.shp")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in Path(tmp).glob("e.*"):
                zf.write(part, part.name)
        return buffer.getvalue()


BINARY = {fmt: binary_fixture(fmt) for fmt in ("gpkg", "shapefile")}


@settings(max_examples=50, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), fmt=st.sampled_from(sorted(BINARY)))
def test_damaged_geopackages_and_archives_are_refused_cleanly(data, fmt):
    content = bytearray(BINARY[fmt])
    for _ in range(data.draw(st.integers(0, 8))):
        content[data.draw(st.integers(0, len(content) - 1))] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        content = content[:data.draw(st.integers(0, len(content)))]
    import_bytes(bytes(content), ".gpkg" if fmt == "gpkg" else ".zip",
                 skip_invalid=data.draw(st.booleans()))
