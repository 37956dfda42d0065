"""Shared fixtures: the bundled record, and tiny hand-built datasets written to a folder."""
from __future__ import annotations

import tempfile
import uuid

import pytest

from datasets import GEODATA, write_dataset
from dashboard.dataset import load_dataset
from dashboard.records import load_record


@pytest.fixture(scope="session", autouse=True)
def private_temp_folder(tmp_path_factory):
    """The app deletes abandoned frontlines-* folders from the system temp folder when it
    starts: in tests it only ever sees its own."""
    tempfile.tempdir = str(tmp_path_factory.mktemp("system-temp"))
    yield
    tempfile.tempdir = None


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


@pytest.fixture(scope="session")
def postgis_cluster():
    """A throwaway PostgreSQL+PostGIS cluster on loopback (tests/postgis_server.py); the
    tests that use it fail, never skip, when it cannot start."""
    from postgis_server import PostgisCluster

    cluster = PostgisCluster()
    try:
        cluster.start()
    except (RuntimeError, OSError, KeyError) as exc:  # KeyError: no postgres user
        cluster.stop()
        pytest.fail(f"PostgreSQL with PostGIS could not start: {exc}", pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture
def postgis_url(postgis_cluster):
    """A new, empty database with the postgis extension: its postgresql:// URL."""
    return postgis_cluster.create_database(f"t{uuid.uuid4().hex[:12]}")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: runs the app in a real headless Chromium "
                                       "(every test under tests/browser/)")


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
