"""The import's events are sorted by an external merge sort (dashboard.importers.runs): sorted
runs spilled to disk, merged a chunk at a time. Whatever the size of the runs the events file
is the same as when everything fits in one; ties keep the rows' order; nothing is left behind
when an import fails or is killed while merging."""
from __future__ import annotations

import datetime as dt
import errno
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datasets import ROOT
from dashboard import eventtable
from dashboard.importers import faults, import_file, pipeline, runs
from dashboard.leftovers import tidy
from dashboard.records import load_record
from test_importing import ACLED_FILE, FIXTURES, read_csv, write_csv

ROWS = 120
RUN_ROWS, FAN_IN = runs.RUN_ROWS, runs.FAN_IN  # the defaults: 120 rows fit in one run


def many_events(tmp_path: Path, rows: int = ROWS) -> Path:
    """An ACLED export of `rows` events over five days (many share a day) whose ids do not
    come in sorting order ("LBY10" sorts before "LBY9")."""
    header, template = read_csv(ACLED_FILE)
    out = []
    for i in range(rows):
        row = dict(template[i % len(template)])
        row["event_id_cnty"] = f"LBY{(i * 7919) % 1000}"
        row["event_date"] = (dt.date(2016, 4, 20) + dt.timedelta(days=(i * 13) % 5)).isoformat()
        out.append(row)
    return write_csv(tmp_path / "many.csv", header, out)


def spilled_runs(datasets: Path) -> list[Path]:
    return sorted(datasets.glob(".*.importing-*/.runs/run-*.parquet"))


def imported(tmp_path: Path, source: Path, name: str, monkeypatch, run_rows: int = RUN_ROWS,
             fan_in: int = FAN_IN) -> tuple[Path, int]:
    """Import `source` as dataset `name` with runs of `run_rows` rows merged `fan_in` at a
    time; return the events file and the most run files seen on disk while reading."""
    monkeypatch.setattr(runs, "RUN_ROWS", run_rows)
    monkeypatch.setattr(runs, "FAN_IN", fan_in)
    monkeypatch.setattr(runs, "RUN_GROUP", 2)  # each run read a few rows at a time
    monkeypatch.setattr(runs, "MERGE_ROWS", 8)
    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 20)
    datasets = tmp_path / name
    seen = [0]

    def progress(step):
        seen[0] = max(seen[0], len(spilled_runs(datasets)))

    report = import_file(source, dataset=name, datasets_dir=datasets, progress=progress)
    assert report.ok, report.as_text()
    return datasets / name / "events.parquet", seen[0]


@pytest.mark.parametrize("run_rows, fan_in", [(7, 3), (1, 2), (50, 64)])
def test_an_import_in_many_small_runs_writes_the_same_file_as_in_one(tmp_path, monkeypatch,
                                                                     run_rows, fan_in):
    source = many_events(tmp_path)
    monkeypatch.setattr(eventtable, "ROW_GROUP", 25)  # row groups cut across merged pieces
    one, spilled = imported(tmp_path, source, "one", monkeypatch)
    assert spilled == 0  # everything fitted in one run, sorted in memory
    many, spilled = imported(tmp_path, source, "many", monkeypatch, run_rows, fan_in)
    assert spilled >= (ROWS - 20) // run_rows  # the runs were on disk while the file was read

    assert many.read_bytes() == one.read_bytes()
    assert sorted(p.name for p in many.parent.iterdir()) == \
        sorted(p.name for p in one.parent.iterdir())  # no run left in the dataset
    meta = pq.ParquetFile(many).metadata
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [25] * 4 + [20]
    table = pq.read_table(many)
    assert b"geo" in table.schema.metadata
    assert table.schema.remove_metadata() == eventtable.SCHEMA.append(
        pa.field("geometry", pa.binary()))
    _, rows = read_csv(source)
    expected = sorted((r["event_date"], r["event_id_cnty"]) for r in rows)
    assert [(d.isoformat(), i) for d, i in zip(table["date"].to_pylist(),
                                               table["id"].to_pylist())] == expected
    assert len(load_record(many.parent).events) == ROWS


@pytest.mark.parametrize("run_rows", [1, 2, 5, 1000])
@pytest.mark.parametrize("fan_in", [2, 64])
def test_sorted_runs_are_a_stable_sort_with_ties_in_arrival_order(tmp_path, monkeypatch,
                                                                  run_rows, fan_in):
    monkeypatch.setattr(runs, "FAN_IN", fan_in)
    monkeypatch.setattr(runs, "RUN_GROUP", 2)  # runs read a few rows at a time
    monkeypatch.setattr(runs, "MERGE_ROWS", 8)
    rng = random.Random(run_rows * 100 + fan_in)
    schema = pa.schema([("date", pa.date32()), ("id", pa.string()), ("n", pa.int64())])
    rows = [{"date": dt.date(2016, 1, rng.randint(1, 3)), "id": rng.choice("abcd"), "n": n}
            for n in range(200)]  # three days, four ids: ties on both keys
    sorter = runs.SortedRuns(tmp_path / "runs", schema, ["date", "id"], run_rows=run_rows)
    for row in rows:
        sorter.add(row)
    if run_rows < len(rows):
        assert len(list((tmp_path / "runs").iterdir())) == len(rows) // run_rows

    parts = list(sorter.sorted())

    assert all(part.schema == schema for part in parts)
    got = [r["n"] for part in parts for r in part.to_pylist()]
    assert got == [r["n"] for r in sorted(rows, key=lambda r: (r["date"], r["id"]))]
    assert not (tmp_path / "runs").exists()


def test_no_rows_sort_to_nothing_and_an_import_without_events_writes_an_empty_file(
        tmp_path, monkeypatch):
    schema = pa.schema([("date", pa.date32()), ("id", pa.string())])
    assert list(runs.SortedRuns(tmp_path / "runs", schema, ["date", "id"], 1).sorted()) == []
    monkeypatch.setattr(runs, "RUN_ROWS", 1)
    report = import_file(FIXTURES / "areas.geojson", dataset="ar", datasets_dir=tmp_path)
    assert report.ok and report.counts["events"] == 0, report.as_text()
    events = pq.ParquetFile(tmp_path / "ar" / "events.parquet")
    assert events.metadata.num_rows == 0 and b"geo" in events.schema_arrow.metadata
    record = load_record(tmp_path / "ar")
    assert len(record.events) == 0 and record.areas
    assert not list(tmp_path.glob("ar/.runs"))


def test_a_failure_at_any_write_leaves_the_old_dataset_and_no_runs(tmp_path, monkeypatch):
    """A full disk at the first, a middle or the last Parquet write (runs spilled while
    reading, merge passes, the events file) fails the import: the old dataset stays as it
    was and nothing else is left in the datasets folder."""
    datasets = tmp_path / "datasets"
    assert import_file(ACLED_FILE, dataset="keep", datasets_dir=datasets).ok
    before = {p.name: p.read_bytes() for p in (datasets / "keep").iterdir()}
    source = many_events(tmp_path)
    monkeypatch.setattr(runs, "RUN_ROWS", 7)
    monkeypatch.setattr(runs, "FAN_IN", 3)
    monkeypatch.setattr(runs, "RUN_GROUP", 2)
    monkeypatch.setattr(runs, "MERGE_ROWS", 8)
    real_write = pq.ParquetWriter.write_table
    calls = []

    def counted(self, table, *args, **kwargs):
        calls.append(self.where)
        if len(calls) == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.where))
        return real_write(self, table, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", counted)
    fail_at = 0
    assert import_file(source, dataset="probe", datasets_dir=tmp_path / "probe").ok
    total = len(calls)
    assert sum("run-" in str(w) for w in calls) > 17  # spilled runs and merge passes
    for fail_at in (1, total // 2, total):
        calls.clear()
        report = import_file(source, dataset="keep", datasets_dir=datasets)
        assert not report.ok and len(calls) == fail_at
        assert report.problems == ["cannot write to the datasets folder: no space left on "
                                   "device"]
        assert sorted(p.name for p in datasets.iterdir()) == ["keep"]
        assert {p.name: p.read_bytes() for p in (datasets / "keep").iterdir()} == before


def test_an_import_killed_while_merging_leaves_its_runs_to_the_next_tidy(tmp_path):
    datasets = tmp_path / "datasets"
    assert import_file(ACLED_FILE, dataset="keep", datasets_dir=datasets).ok
    before = {p.name: p.read_bytes() for p in (datasets / "keep").iterdir()}
    script = ("import sys; from dashboard.importers import runs; runs.RUN_ROWS = 7; "
              "from dashboard.__main__ import main; main(sys.argv[1:])")
    done = subprocess.run(
        [sys.executable, "-c", script, "import", str(many_events(tmp_path)), "--dataset", "keep",
         "--datasets-dir", str(datasets)], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, faults.ENV: "merging", "TMPDIR": str(tmp_path)}, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    assert len(spilled_runs(datasets)) == -(-ROWS // 7)  # every run on disk, none merged yet

    said = tidy(datasets)

    assert any("deleted an unfinished import of dataset 'keep'" in s for s in said)
    assert sorted(p.name for p in datasets.iterdir()) == ["keep"]
    assert {p.name: p.read_bytes() for p in (datasets / "keep").iterdir()} == before
