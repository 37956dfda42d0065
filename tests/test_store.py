"""The two stores answer the same queries with identical results (dashboard/store.py).

The same datasets go into both: the bundled record (hand-made areas, movements, multi-day
events) and a generated 3,000-row ACLED export (through the import pipeline), into the file
store's folders and into a throwaway PostGIS (tests/postgis_server.py). One suite of queries,
a table of windows, factions, types, bounding boxes, days and grid cells, runs against both
and the answers must be equal; a dataset loaded from either is the same too.
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys

import pytest

from datasets import GEODATA, ROOT
from dashboard.catalog import write_catalog
from dashboard.records import load_record
from dashboard.postgis import PostgisStore, migrate
from dashboard.registry import Registry
from dashboard.store import FileStore
from dashboard.importers import import_file

sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
from bench_import import generate  # noqa: E402  (the benchmarks' ACLED generator)

BUNDLED = "libya-2014-2018"
D = dt.date


@pytest.fixture(scope="module")
def stores(postgis_cluster, tmp_path_factory):
    """(file store, PostGIS store), each holding "record" (a copy of the bundled record)
    and "acled" (3,000 generated ACLED rows, imported)."""
    folder = tmp_path_factory.mktemp("stores")
    acled = folder / "acled.csv"
    generate(acled, 3_000, seed=7)
    datasets = folder / "datasets"
    datasets.mkdir()
    shutil.copytree(GEODATA, datasets / "record",
                    ignore=shutil.ignore_patterns("basemap", "build", "stories", "README.md"))
    write_catalog(datasets / "record", load_record(datasets / "record"))
    report = import_file(acled, dataset="acled", datasets_dir=datasets)
    assert report.ok, report.as_text()
    url = postgis_cluster.create_database("suite")
    migrate(url)
    pg = PostgisStore(url, folder / "shared", BUNDLED)
    pg.import_folder(GEODATA, "record")
    report = pg.import_file(acled, dataset="acled")
    assert report.ok, report.as_text()
    return FileStore(datasets, BUNDLED), pg


WINDOWS = [(None, None), (D(2016, 1, 1), D(2016, 3, 31)), (D(2016, 4, 21), D(2016, 4, 21)),
           (None, D(2015, 6, 1)), (D(2018, 1, 1), None), (D(2030, 1, 1), None)]
FILTERS = [
    {},
    {"types": ["Battles"]},
    {"types": ["Battles", "Explosions/Remote violence"]},
    {"types": []},  # an empty collection matches nothing
    {"bbox": (19.0, 30.0, 21.0, 32.5)},
    {"bbox": (22.0, 32.0, 23.5, 33.0), "types": ["Battles", "Protests", "Riots"]},
]


@pytest.mark.parametrize("name", ["record", "acled"])
def test_catalog_entries_are_the_same(stores, name):
    files, pg = stores
    assert files.names() == pg.names() == ["acled", "record"]
    a, b = files.entry(name), pg.entry(name)
    assert a["events"] > 0 and a.pop("version") and b.pop("version")
    a.pop("checked", None)
    assert a == b


@pytest.mark.parametrize("name", ["record", "acled"])
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("filters", FILTERS)
def test_events_in_a_window_are_the_same(stores, name, window, filters):
    files, pg = stores
    found = files.event_ids(name, *window, **filters)
    assert found == pg.event_ids(name, *window, **filters)
    if window == (None, None) and not filters:
        assert len(found) == files.entry(name)["events"]


@pytest.mark.parametrize("window", WINDOWS[:3])
def test_events_of_some_factions_are_the_same(stores, window):
    files, pg = stores
    factions = list(files.load("record", GEODATA).record.factions)
    for chosen in ([factions[0]], factions[1:3], [], ["no-such-faction"]):
        found = files.event_ids("record", *window, factions=chosen)
        assert found == pg.event_ids("record", *window, factions=chosen)
    acled = list(files.load("acled", GEODATA).record.factions)
    assert files.event_ids("acled", *window, factions=acled[:2]) == \
        pg.event_ids("acled", *window, factions=acled[:2])


def test_control_at_every_quarter_is_the_same(stores):
    files, pg = stores
    day, seen = D(2014, 1, 1), 0
    while day < D(2019, 6, 1):
        found = files.area_ids("record", day)
        assert found == pg.area_ids("record", day), day
        seen += len(found)
        day += dt.timedelta(days=91)
    assert seen > 50, "the days chosen show areas"


@pytest.mark.parametrize("window", WINDOWS)
def test_movements_in_a_window_are_the_same(stores, window):
    files, pg = stores
    assert files.movement_ids("record", *window) == pg.movement_ids("record", *window)


@pytest.mark.parametrize("cell", [0.25, 1.0])
@pytest.mark.parametrize("window", WINDOWS[:3])
def test_grid_counts_are_the_same(stores, cell, window):
    files, pg = stores
    for name in ("record", "acled"):
        counts = files.grid(name, *window, cell)
        assert counts == pg.grid(name, *window, cell)
        assert sum(counts.values()) == len(files.event_ids(name, *window))


def test_a_dataset_loads_the_same_from_either_store(stores, tmp_path):
    files, pg = stores
    for name in ("record", "acled"):
        a, b = files.load(name, GEODATA).record, pg.load(name, GEODATA).record
        assert [e.id for e in a.events] == [e.id for e in b.events]
        assert list(a.events) == list(b.events)  # every field of every event
        assert [(x.id, x.km2, x.geometry.wkb) for x in a.areas] == \
            [(x.id, x.km2, x.geometry.wkb) for x in b.areas]
        assert a.movements == b.movements and a.extent == b.extent
        assert list(a.factions.values()) == list(b.factions.values())


def test_the_registry_serves_a_postgis_dataset_and_sees_a_reimport(stores, tmp_path):
    files, pg = stores
    registry = Registry(GEODATA, None, store=pg)
    assert registry.names() == [BUNDLED, "acled", "record"]
    listed = {d["name"]: d for d in registry.describe()}
    assert listed["acled"]["events"] == 3_000 and not listed["acled"]["bundled"]
    first = registry.get("acled")
    assert registry.get("acled") is first, "cached under its version"
    pg.import_folder(GEODATA, "acled")  # replaced by another server: a new version
    assert len(registry.get("acled").record.events) == len(files.load("record", GEODATA)
                                                            .record.events)
