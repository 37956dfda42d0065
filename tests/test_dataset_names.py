"""One rule for dataset names (dashboard.dataset_names), the same in the importer, the
registry and uploads."""
from __future__ import annotations

import json
import shutil

import pytest

from datasets import GEODATA, write_dataset
from dashboard.dataset_names import is_dataset_name, name_problem
from dashboard.importers import UsageError, import_file
from dashboard.registry import Registry
from test_importing import ACLED_FILE


@pytest.mark.parametrize("name,words", [
    ("abc\n", "use 1-64"), ("abc\r\n", "use 1-64"), ("\nabc", "use 1-64"), ("", "use 1-64"),
    ("Abc", "use 1-64"), ("a.b", "use 1-64"), ("x" * 65, "use 1-64"), (None, "use 1-64"),
    ("con", "reserved on Windows"), ("nul", "reserved on Windows"),
    ("com1", "reserved on Windows"), ("lpt9", "reserved on Windows"),
    ("aux", "reserved on Windows"), ("prn", "reserved on Windows"),
    ("libya-2014-2018", "the bundled record's"),
])
def test_names_refused_with_the_reason(name, words):
    assert words in name_problem(name, GEODATA)


@pytest.mark.parametrize("name", ["x", "com10", "console", "lpt", "con-2", "a_b-9", "x" * 64,
                                  "libya-2014-2018-b"])
def test_names_accepted(name):
    assert name_problem(name, GEODATA) is None


@pytest.mark.parametrize("name", ["abc\n", "con", "com3", "libya-2014-2018"])
def test_the_importer_refuses_them_and_writes_nothing(tmp_path, name):
    with pytest.raises(UsageError, match="dataset name"):
        import_file(ACLED_FILE, dataset=name, datasets_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_registry_lists_and_serves_no_folder_with_a_refused_name(tmp_path):
    datasets = tmp_path / "datasets"
    good = write_dataset(datasets / "good")
    (good / "dataset.json").write_text(json.dumps({"name": "good", "region": [-180, -90, 180, 90]}))
    for bad in ("con", "lpt1"):
        shutil.copytree(good, datasets / bad)
    registry = Registry(GEODATA, datasets)
    assert registry.names() == ["libya-2014-2018", "good"]
    assert not is_dataset_name("con") and is_dataset_name("good")
