"""The PostGIS store's commands and guarantees (dashboard/postgis.py, dashboard/db_cli.py):
migrations, one command for the bundled record, imports with the file import's checks and
report, an import killed mid-way (SIGKILL, from the fault-injection hook) leaving the old
dataset served intact, and a dataset read in place from an existing ACLED table by a role
that may only SELECT there."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import psycopg
import pytest

from app import create_app
from datasets import GEODATA, ROOT
from dashboard import postgis as postgis_module
from dashboard.config import Config
from dashboard.importers import faults
from test_importing import ACLED_FILE, acled_with, read_csv, write_csv


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def store(postgis_url):
    done = cli("db", "init", "--store", postgis_url)
    assert done.returncode == 0, done.stderr
    assert "applied: 001_init.sql" in done.stdout
    return postgis_url


def client_for(url, tmp_path):
    app = create_app(Config(store=url, datasets_dir=tmp_path / "datasets",
                            shared_dir=str(tmp_path / "shared")))
    return app.server.test_client()


def served(client, name: str) -> dict:
    body = client.get(f"/api/events?dataset={name}").get_json()
    return {f["properties"]["id"]: f["properties"]["place"] for f in body["features"]}


def rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def test_init_is_versioned_and_applies_each_migration_once(store):
    again = cli("db", "init", "--store", store)
    assert again.returncode == 0 and "nothing new" in again.stdout
    assert rows(store, "SELECT version, name FROM frontlines.schema_version") == \
        [(1, "001_init.sql")]
    indexes = {name for (name,) in rows(store, "SELECT indexname FROM pg_indexes WHERE "
                                               "schemaname = 'frontlines'")}
    assert {"events_version_date", "events_geom", "control_areas_geom"} <= indexes


def test_the_bundled_record_loads_with_one_command_and_is_served(store, tmp_path, record):
    done = cli("db", "load", str(GEODATA), "--dataset", "record", "--store", store)
    assert done.returncode == 0, done.stderr
    assert f"{len(record.events)} events, {len(record.areas)} areas" in done.stdout
    client = client_for(store, tmp_path)
    listed = {d["name"]: d for d in client.get("/api/datasets").get_json()["datasets"]}
    assert listed["record"]["events"] == len(record.events)
    assert served(client, "record") == served(client, "libya-2014-2018")
    for query in ("/api/control?date=2016-04-21", "/api/movements?start=2016-01-01",
                  "/api/changes?from=2015-06-01&to=2016-06-01",
                  "/api/areas?start=2015-01-01&end=2016-12-31&step=month",
                  "/api/events?start=2016-01-01&end=2016-12-31&type=Battles"):
        from_postgis = client.get(query + "&dataset=record").get_json()
        from_files = client.get(query).get_json()
        assert from_postgis == from_files and from_files, query


def test_an_import_into_postgis_reports_like_the_file_import(store, tmp_path):
    done = cli("import", str(ACLED_FILE), "--dataset", "acled", "--store", store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dataset written to the PostGIS store (dataset acled)" in done.stdout
    assert "LBY9001" in served(client_for(store, tmp_path), "acled")

    bad = acled_with(tmp_path, {"latitude": "95"})  # a row outside the world: refused
    refused = cli("import", str(bad), "--dataset", "acled", "--store", store)
    assert refused.returncode == 1 and "latitude" in refused.stdout, refused.stdout
    assert "FAILED, nothing was written" in refused.stdout
    assert len(rows(store, "SELECT DISTINCT version FROM frontlines.events")) == 1


@pytest.mark.parametrize("stage", faults.POSTGIS_STAGES)
def test_an_import_killed_mid_way_leaves_the_old_dataset_served(store, tmp_path, stage):
    first = cli("import", str(ACLED_FILE), "--dataset", "keep", "--store", store)
    assert first.returncode == 0, first.stdout + first.stderr
    client = client_for(store, tmp_path)
    before = served(client, "keep")
    version = rows(store, "SELECT version FROM frontlines.datasets")
    # a newer version, big enough that the copy is killed between two batches of rows
    header, lines = read_csv(ACLED_FILE)
    bigger = [{**lines[i % len(lines)], "event_id_cnty": f"LBY{20000 + i}",
               "location": "Elsewhere"} for i in range(2_500)]
    newer = write_csv(tmp_path / "newer.csv", header, bigger)

    killed = cli("import", str(newer), "--dataset", "keep", "--store", store,
                 env={faults.ENV: stage})
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])

    assert rows(store, "SELECT version FROM frontlines.datasets") == version
    assert served(client, "keep") == before
    assert served(client_for(store, tmp_path / "fresh"), "keep") == before  # a new server
    counts = rows(store, "SELECT version, count(*) FROM frontlines.events GROUP BY version")
    assert counts == [(version[0][0], len(before))], "the killed import left rows behind"
    again = cli("import", str(newer), "--dataset", "keep", "--store", store)
    assert again.returncode == 0, again.stdout
    assert set(served(client, "keep").values()) == {"Elsewhere"}


def test_an_existing_acled_table_is_served_to_a_role_that_may_only_select_it(
        store, postgis_cluster, tmp_path, monkeypatch):
    header, lines = read_csv(ACLED_FILE)
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA team")
        conn.execute("CREATE TABLE team.acled (" + ", ".join(
            f'"{c}" {"date" if c == "event_date" else "text"}' for c in header) + ")")
        with conn.cursor().copy("COPY team.acled FROM STDIN") as copy:
            for line in lines:
                if line["event_date"][:1].isdigit() and "-" in line["event_date"]:
                    copy.write_row([line[c] or None for c in header])
        conn.execute("CREATE VIEW team.acled_view AS SELECT * FROM team.acled")
        conn.execute("CREATE ROLE analyst LOGIN")
        conn.execute("GRANT USAGE ON SCHEMA team, frontlines TO analyst")
        conn.execute("GRANT SELECT ON team.acled_view TO analyst")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA frontlines TO analyst")
    shown = sum(1 for line in lines if line["event_date"][:1].isdigit()
                and "-" in line["event_date"])
    linked = cli("db", "link", "team.acled_view", "--dataset", "team-acled", "--title",
                 "Team ACLED", "--store", store)
    assert linked.returncode == 0, linked.stderr
    assert f"dataset 'team-acled': {shown} events" in linked.stdout

    reader = store.replace("postgres@", "analyst@")
    client = client_for(reader, tmp_path)
    listed = {d["name"]: d for d in client.get("/api/datasets").get_json()["datasets"]}
    assert listed["team-acled"]["title"]["en"] == "Team ACLED"
    events = served(client, "team-acled")
    assert len(events) == shown and "LBY9001" in events
    assert rows(store, "SELECT count(*) FROM frontlines.events")[0][0] == 0, "not copied"
    with psycopg.connect(reader) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM team.acled")  # only the view was granted

    # the team adds a row: served once the table's count is read again (at most a minute)
    monkeypatch.setattr(postgis_module, "SOURCE_RECHECK_SECONDS", 0)
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("INSERT INTO team.acled SELECT * FROM team.acled WHERE "
                     "event_id_cnty = 'LBY9001'")
        conn.execute("UPDATE team.acled SET event_id_cnty = 'LBY9100' WHERE ctid = "
                     "(SELECT max(ctid) FROM team.acled)")
    assert set(served(client, "team-acled")) == set(events) | {"LBY9100"}


def test_a_table_that_would_not_load_is_refused_and_nothing_changes(store):
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("CREATE TABLE not_acled (a text, b text)")
        conn.execute("INSERT INTO not_acled VALUES ('x', 'y')")
    done = cli("db", "link", "not_acled", "--dataset", "broken", "--store", store)
    assert done.returncode == 1 and "nothing changed" in done.stderr, done.stderr
    assert rows(store, "SELECT count(*) FROM frontlines.datasets") == [(0,)]


def test_a_store_that_cannot_be_reached_leaves_the_bundled_record_served(tmp_path):
    from gunicorn_server import free_port

    client = client_for(f"postgresql://postgres@127.0.0.1:{free_port()}/gone", tmp_path)
    listed = client.get("/api/datasets").get_json()["datasets"]
    assert [d["name"] for d in listed] == ["libya-2014-2018"]
    assert client.get("/api/events?limit=1").status_code == 200
    answer = client.get("/api/events?dataset=elsewhere")
    assert answer.status_code == 503
    assert "cannot connect to the PostGIS store" in answer.get_json()["error"]
    assert client.get("/").status_code == 200


def test_a_role_that_may_only_read_cannot_import_and_changes_nothing(store, tmp_path):
    assert cli("import", str(ACLED_FILE), "--dataset", "kept", "--store", store).returncode == 0
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("CREATE ROLE viewer LOGIN")
        conn.execute("GRANT USAGE ON SCHEMA frontlines TO viewer")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA frontlines TO viewer")
    viewer = store.replace("postgres@", "viewer@")
    done = cli("import", str(acled_with(tmp_path, {"location": "Elsewhere"})), "--dataset",
               "kept", "--store", viewer)
    assert done.returncode == 1 and "refused the import, nothing changed" in done.stderr
    assert "Elsewhere" not in served(client_for(viewer, tmp_path), "kept").values()


def test_a_table_with_other_column_names_is_mapped_as_the_csv_import_maps_them(store, tmp_path):
    """The generic CSV fixture as a table, linked with the CSV import's --columns file:
    the same events as importing the CSV file with them."""
    from dashboard.importers import import_file

    source = ROOT / "tests" / "fixtures" / "imports" / "generic_events.csv"
    columns = ROOT / "tests" / "fixtures" / "imports" / "generic_columns.json"
    header, _ = read_csv(source)
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("CREATE TABLE generic (" + ", ".join(f'"{c}" text' for c in header) + ")")
        with conn.cursor().copy("COPY generic FROM STDIN WITH (FORMAT csv, HEADER true)") \
                as copy:
            copy.write(source.read_bytes())
    done = cli("db", "link", "generic", "--dataset", "generic", "--columns", str(columns),
               "--store", store)
    assert done.returncode == 0, done.stderr
    report = import_file(source, dataset="generic", datasets_dir=tmp_path / "files",
                         columns=str(columns))
    assert report.ok, report.as_text()
    client = client_for(store, tmp_path)
    files = create_app(Config(datasets_dir=tmp_path / "files",
                              shared_dir=str(tmp_path / "shared2"))).server.test_client()
    assert served(client, "generic") == served(files, "generic") and served(files, "generic")
