"""Crashes and full disks lose nothing and leave nothing behind (dashboard.leftovers).

An import is killed (SIGKILL, from inside, by the fault-injection hook of
dashboard/importers/faults.py) at each named stage, in a separate process; then the app
starts again. The old dataset must be served intact, no temporary may be left, and the log
must say what was recovered.
"""
from __future__ import annotations

import errno
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from app import create_app
from datasets import GEODATA, ROOT
from dashboard.config import Config
from dashboard.importers import faults, import_file
from dashboard.importers import writer as writer_module
from dashboard.importers.pipeline import RejectLog
from dashboard.jobs import Jobs
from dashboard.leftovers import tidy
from test_importing import ACLED_FILE, acled_with

LOGGER = "dashboard.leftovers"


@pytest.fixture
def system_temp(tmp_path, monkeypatch):
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def kill_import_at(stage: str, source: Path, datasets: Path, temp: Path) -> None:
    """Re-import dataset 'keep' in another process, which kills itself at `stage`."""
    env = {**os.environ, faults.ENV: stage, "TMPDIR": str(temp)}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", str(source), "--dataset", "keep",
         "--datasets-dir", str(datasets), "--skip-invalid"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stderr[-2000:])


def strays(temp: Path) -> list[str]:
    """What is in the temp folder."""
    return sorted(p.name for p in temp.iterdir())


def served_events(client) -> dict:
    body = client.get("/api/events?dataset=keep").get_json()
    return {f["properties"]["id"]: f["properties"]["place"] for f in body["features"]}


@pytest.mark.parametrize("stage", faults.STAGES)
def test_an_import_killed_at_any_stage_loses_nothing_and_leaves_nothing(
        tmp_path, system_temp, caplog, stage):
    datasets = tmp_path / "datasets"
    assert import_file(ACLED_FILE, dataset="keep", datasets_dir=datasets).ok
    before = {p.name: p.read_bytes() for p in (datasets / "keep").iterdir()}
    # a new version: other places, one bad row (so a rejects file is being written)
    newer = acled_with(tmp_path, {"location": "Elsewhere"}, {"latitude": "95"})

    kill_import_at(stage, newer, datasets, system_temp)

    hidden = sorted(p.name for p in datasets.iterdir() if p.name.startswith("."))
    assert any(".keep.importing-" in n for n in hidden), hidden  # the crash left its mess
    assert any(p.name.startswith("frontlines-read-") for p in system_temp.iterdir())
    if stage == "between-renames":
        assert not (datasets / "keep").exists()
        assert any(".keep.replaced-" in n for n in hidden)

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        client = create_app(Config(data_dir=GEODATA, datasets_dir=datasets)).server \
            .test_client()

    assert {p.name: p.read_bytes() for p in (datasets / "keep").iterdir()} == before
    assert served_events(client)["LBY9001"] == "Derna"
    # the rejects file is complete once the whole file was read: it is kept, not a temporary
    # besides the app's own shared folder (its export jobs), nothing but the dataset
    assert sorted(p.name for p in datasets.iterdir()) == \
        [".shared", "keep"] + (["keep.rejects.csv"] if stage != "reading" else [])
    assert strays(system_temp) == []
    said = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert "deleted an unfinished import of dataset 'keep', left by a stopped import" in said
    assert any(m.startswith("deleted the temporary folder frontlines-read-") for m in said)
    if stage == "between-renames":
        assert ("restored dataset 'keep' from its previous copy (an import was stopped while "
                "replacing it)") in said


def test_the_next_import_recovers_first_then_replaces(tmp_path, system_temp, caplog):
    datasets = tmp_path / "datasets"
    assert import_file(ACLED_FILE, dataset="keep", datasets_dir=datasets).ok
    newer = acled_with(tmp_path, {"location": "Elsewhere"})
    kill_import_at("between-renames", newer, datasets, system_temp)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        report = import_file(newer, dataset="keep", datasets_dir=datasets)
    assert report.ok, report.as_text()
    assert sorted(p.name for p in datasets.iterdir()) == ["keep", "keep.rejects.csv"]
    assert strays(system_temp) == []
    assert any(m.startswith("restored dataset 'keep'") for m in caplog.messages)
    client = create_app(Config(data_dir=GEODATA, datasets_dir=datasets)).server.test_client()
    assert served_events(client)["LBY9001"] == "Elsewhere"


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its id names no process now
    return child.pid


def test_temporaries_are_judged_by_their_process_or_their_age(tmp_path, system_temp):
    old = time.time() - 3600
    made = {}
    for name in (f"frontlines-check-{dead_pid()}-abc", f"frontlines-upload-{os.getpid()}-abc",
                 f"frontlines-read-{10 ** 30}-abc",
                 "frontlines-frames-old123", "frontlines-frames-new123", "frontlines-other-x",
                 "unrelated"):
        made[name] = system_temp / name
        made[name].mkdir()
    os.utime(made["frontlines-frames-old123"], (old, old))
    datasets = tmp_path / "datasets"
    (datasets / f".gone.importing-{dead_pid()}-x").mkdir(parents=True)
    (datasets / f".mine.importing-{os.getpid()}-x").mkdir()  # this process: maybe in use
    (datasets / f".part.rejects.csv.writing-{dead_pid()}-x").write_text("layer\n")

    said = tidy(datasets)

    assert sorted(p.name for p in system_temp.iterdir()) == [
        "frontlines-frames-new123", "frontlines-other-x", f"frontlines-upload-{os.getpid()}-abc",
        "unrelated"]
    assert sorted(p.name for p in datasets.iterdir()) == [f".mine.importing-{os.getpid()}-x"]
    assert len(said) == 5 and "deleted an unfinished rejects file of dataset 'part', left by " \
                              "a stopped import" in said


def test_a_swap_that_finished_only_leaves_its_old_copy_which_is_deleted(tmp_path):
    datasets = tmp_path / "datasets"
    assert import_file(ACLED_FILE, dataset="keep", datasets_dir=datasets).ok
    old_copy = datasets / f".keep.replaced-{dead_pid()}-x"
    old_copy.mkdir()
    (old_copy / "events.geojson").write_text("{}")
    said = tidy(datasets)
    assert said == ["deleted the previous copy of dataset 'keep', left by an import stopped "
                    "after replacing it"]
    assert sorted(p.name for p in datasets.iterdir()) == ["keep"]


@pytest.mark.parametrize("room", [0, 2], ids=["full-from-the-start", "full-after-headers"])
def test_a_full_disk_fails_the_import_cleanly_and_leaves_nothing(tmp_path, monkeypatch, room):
    datasets = tmp_path / "datasets"
    assert import_file(ACLED_FILE, dataset="keep", datasets_dir=datasets).ok
    before = {p.name: p.read_bytes() for p in (datasets / "keep").iterdir()}
    writes = []

    class FullDisk:
        """A dataset file on a disk with room for `room` writes: then writes fail, and so
        does the final flush when the file is closed."""
        def __init__(self, *args, **kwargs):
            self.closed = False

        def write(self, text):
            writes.append(text)
            if len(writes) > room:
                raise OSError(errno.ENOSPC, "No space left on device",
                              str(datasets / ".keep.importing-x" / "events.geojson"))

        def close(self):
            self.closed = True
            self.write("")

    monkeypatch.setattr(writer_module, "open", FullDisk, raising=False)
    report = import_file(acled_with(tmp_path, {"location": "Elsewhere"}), dataset="keep",
                         datasets_dir=datasets)
    assert not report.ok and len(writes) > room
    assert "cannot write to the datasets folder: no space left on device" in report.problems
    assert sorted(p.name for p in datasets.iterdir()) == ["keep"]
    assert {p.name: p.read_bytes() for p in (datasets / "keep").iterdir()} == before


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_rejects_file_that_cannot_be_finished_leaves_no_temporary(tmp_path):
    """Its final flush goes to /dev/full, a device that is always full."""
    path = tmp_path / "x.rejects.csv"
    with pytest.raises(OSError, match="No space"), RejectLog(path) as log:
        log.file.close()
        log.file = open("/dev/full", "w", newline="", encoding="utf-8")
        log.file.write("layer,line,field,reason,row\r\n")
        log.keep()
    assert list(tmp_path.iterdir()) == []


def test_an_export_that_cannot_be_stored_says_why_and_leaves_no_partial_file(tmp_path,
                                                                          monkeypatch):
    jobs = Jobs(Config(datasets_dir=tmp_path / "datasets"), launch=lambda job_id: None)
    real_write = os.fdopen

    def full_disk(handle, mode="r", *args, **kwargs):
        f = real_write(handle, mode, *args, **kwargs)
        if "w" in mode:
            f.write(b"GIF")
            f.close()
            raise OSError(errno.ENOSPC, "No space left on device")
        return f

    monkeypatch.setattr(os, "fdopen", full_disk)
    try:
        job_id = jobs.submit({"format": "gif"}, "a.gif", "image/gif", "client")
        jobs.execute(job_id, lambda progress: b"GIF89a...")
        job = jobs.get(job_id)
        assert job.state == "failed"
        assert job.error == "the export could not be written on the server (no space left on " \
                            "device)"
        assert list(jobs.state.files.iterdir()) == []
    finally:
        jobs.close()
