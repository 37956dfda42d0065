"""Shared fixtures: the bundled record, and tiny hand-built datasets written to a folder."""
from __future__ import annotations

import pytest

from datasets import GEODATA, write_dataset
from dashboard.dataset import load_dataset
from dashboard.records import load_record


@pytest.fixture(scope="session")
def record():
    return load_record(GEODATA)


@pytest.fixture(scope="session")
def data():
    """The bundled dataset with everything derived from it (history, estimator, basemap)."""
    return load_dataset(GEODATA)


@pytest.fixture
def dataset(tmp_path):
    def make(**kwargs):
        return write_dataset(tmp_path / "data", **kwargs)
    return make
