"""What a failed import says when the disk, not the data, is the problem: the system's
reason and which folder, never the server's paths (the page shows these messages)."""
from __future__ import annotations

import base64
import errno
import tempfile
from pathlib import Path

import pytest

from dashboard.config import Config
from dashboard.importers import import_file
from dashboard.importers.pipeline import disk_problem
from dashboard.uploads import import_uploaded
from test_importing import ACLED_FILE


@pytest.mark.parametrize("code,reason,filename,said", [
    (errno.EACCES, "Permission denied", "/srv/data/.x.importing-1",
     "cannot write to the datasets folder: permission denied"),
    (errno.ENOSPC, "No space left on device", "/srv/data/.x.importing-1/events.geojson",
     "cannot write to the datasets folder: no space left on device"),
    (errno.ENOSPC, "No space left on device", "/tmp/frontlines-check-1/events.geojson",
     "cannot write to the temporary folder: no space left on device"),
    (errno.EACCES, "Permission denied", "/home/u/in.csv",
     "cannot read the file: permission denied"),
    (errno.EIO, "Input/output error", None, "cannot read the file or write the dataset: "
                                            "input/output error"),
])
def test_disk_problems_name_the_folder_and_the_reason_not_the_path(code, reason, filename, said):
    problem = disk_problem(OSError(code, reason, filename), Path("/home/u/in.csv"),
                           Path("/srv/data"))
    assert problem == said


def upload(config: Config, content: bytes | None = None) -> tuple[str, bool]:
    data = base64.b64encode(content or ACLED_FILE.read_bytes()).decode()
    return import_uploaded(f"data:text/csv;base64,{data}", "acled.csv", "mine", config)


def test_an_upload_into_a_read_only_datasets_folder_says_why(tmp_path, monkeypatch):
    datasets = tmp_path / "datasets"
    real_mkdtemp = tempfile.mkdtemp

    def read_only(suffix=None, prefix=None, dir=None):  # what a read-only mount answers
        if dir is not None and str(dir).startswith(str(datasets)):
            raise PermissionError(errno.EACCES, "Permission denied", f"{dir}/.mine.importing-x")
        return real_mkdtemp(suffix, prefix, dir)

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    text, ok = upload(Config(datasets_dir=datasets))
    assert not ok and "FAILED" in text
    assert "problem: cannot write to the datasets folder: permission denied" in text
    assert str(tmp_path) not in text


def test_an_upload_whose_datasets_folder_is_a_file_says_why(tmp_path):
    (tmp_path / "taken").write_text("not a folder")
    text, ok = upload(Config(datasets_dir=tmp_path / "taken"))
    assert not ok and "cannot write to the datasets folder: " in text
    assert str(tmp_path) not in text


def test_a_successful_upload_names_no_server_path(tmp_path):
    text, ok = upload(Config(datasets_dir=tmp_path / "datasets"))
    assert ok and "dataset written to the datasets folder" in text
    assert str(tmp_path) not in text and (tmp_path / "datasets" / "mine").is_dir()


def test_the_command_line_report_still_gives_the_path(tmp_path):
    report = import_file(ACLED_FILE, dataset="mine", datasets_dir=tmp_path)
    assert f"dataset written to {tmp_path / 'mine'}" in report.as_text()


def test_a_utf16_upload_is_read_and_said_to_be_utf16(tmp_path):
    wide = ACLED_FILE.read_text(encoding="utf-8").encode("utf-16")
    text, ok = upload(Config(datasets_dir=tmp_path / "datasets"), wide)
    assert ok and "(acled, read as utf-16)" in text, text


def test_an_upload_tells_its_progress_as_it_goes(tmp_path):
    """The page shows these while the import runs in the background."""
    said = []
    data = base64.b64encode(ACLED_FILE.read_bytes()).decode()
    report, ok = import_uploaded(f"data:text/csv;base64,{data}", "acled.csv", "mine",
                                 Config(datasets_dir=tmp_path / "datasets"), said.append)
    assert ok, report
    rows = sum(1 for _ in ACLED_FILE.open(encoding="utf-8")) - 1
    assert said[0] == "Importing… reading the file."
    assert said[-2:] == [f"Importing… writing the dataset ({rows:,} rows), sorted by date.",
                         f"Importing… checking the dataset ({rows:,} rows) as the app will "
                         "load it."]
