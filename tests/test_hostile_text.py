"""Text from imported files is data everywhere it goes: arbitrary actor names, places,
summaries, notes, source names and titles (formulas, markup, scripts, quotes, line breaks,
any script) go through the real importer, then out of the API. The JSON gives back exactly
the text (trimmed, as the importer trims cells); the CSV gives it back with the spreadsheet
formula neutralised (dashboard.csvsafe) and no cell that a spreadsheet would run.

The page, the map and the image exports are not checked here; tests/hostile.py has the
texts and the file writer for their tests."""
from __future__ import annotations

import csv
import io
import itertools

import pytest
from hypothesis import HealthCheck, given, settings

from app import create_app
from datasets import GEODATA
from dashboard.config import Config
from dashboard.csvsafe import FORMULA_START, PLAIN_NUMBER, safe_cell
from dashboard.importing import import_file
from hostile import hostile_csv, hostile_rows

names = (f"hostile-{n}" for n in itertools.count())


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    datasets, files = tmp_path_factory.mktemp("datasets"), tmp_path_factory.mktemp("files")
    return create_app(Config(data_dir=GEODATA, datasets_dir=datasets)), datasets, files


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(table=hostile_rows)
def test_hostile_text_is_kept_as_data_in_json_and_neutralised_in_csv(app, table):
    dash_app, datasets, files = app
    name = next(names)
    report = import_file(hostile_csv(files / f"{name}.csv", table), dataset=name,
                         datasets_dir=datasets)
    assert report.ok, report.as_text()
    client = dash_app.server.test_client()

    features = client.get(f"/api/events?dataset={name}").get_json()["features"]
    assert len(features) == len(table)
    for feature, row in zip(sorted(features, key=lambda f: f["geometry"]["coordinates"][0]),
                            table):
        p = feature["properties"]
        assert p["actor_names"] == [row["actor1"], row["actor2"]]
        assert p["place"] == row["place"] and p["notes"] == row["notes"]
        assert p["summary"] == row["summary"] and p["summary_fr"] == row["summary_fr"]
        assert p["sources"][0]["publisher"] == row["source"]
        assert p["sources"][0]["title"] == row["source_title"]

    response = client.get(f"/api/events?dataset={name}&format=csv")
    assert response.status_code == 200
    exported = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    for cell in (c for r in exported for c in r.values()):
        assert not cell.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(cell), cell
    for out, row in zip(sorted(exported, key=lambda r: float(r["longitude"])), table):
        assert out["actor_names"] == safe_cell(f"{row['actor1']} | {row['actor2']}")
        assert out["location"] == safe_cell(row["place"])
        assert out["notes"] == safe_cell(row["notes"])
        assert out["summary"] == safe_cell(row["summary"])
        assert out["summary_fr"] == safe_cell(row["summary_fr"])
        assert out["source_publishers"] == safe_cell(row["source"])
        assert out["source_titles"] == safe_cell(row["source_title"])
