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
from app import create_app
from dashboard.catalog import write_catalog
from dashboard import postgis as postgis_module
from dashboard import queries as queries_module
from dashboard import view as views
from dashboard.config import Config
from dashboard.figures.map import map_bundle
from dashboard.records import load_record
from dashboard.postgis import PostgisStore, SqlQueries, migrate
from dashboard.queries import EventQuery, RecordQueries
from dashboard.registry import Registry
from dashboard.state import parse_state
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


def ids(queries, query) -> list[str]:
    """The ids of the events a query finds, in the store's order."""
    return [e.id for e in queries.events(query)[1]]


def queries(stores, name):
    """Each store's queries for the dataset (Dataset.queries, as the API asks them)."""
    files, pg = stores
    a, b = files.load(name, GEODATA).queries, pg.load(name, GEODATA).queries
    assert isinstance(a, RecordQueries) and isinstance(b, SqlQueries)
    return a, b


@pytest.mark.parametrize("name", ["record", "acled"])
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("filters", FILTERS)
def test_events_in_a_window_are_the_same(stores, name, window, filters):
    files, pg = queries(stores, name)
    query = EventQuery.of(*window, **filters)
    found = ids(files, query)
    assert found == ids(pg, query)
    if window == (None, None) and not filters:
        assert len(found) == stores[0].entry(name)["events"]
    total, page = pg.events(query)
    assert total == len(found) and [e.id for e in page] == found


@pytest.mark.parametrize("window", WINDOWS[:3])
def test_events_of_some_factions_are_the_same(stores, window):
    files, pg = queries(stores, "record")
    factions = list(files.record.factions)
    for chosen in ([factions[0]], factions[1:3], [], ["no-such-faction"]):
        query = EventQuery.of(*window, factions=chosen)
        assert ids(files, query) == ids(pg, query)
    files, pg = queries(stores, "acled")
    query = EventQuery.of(*window, factions=list(files.record.factions)[:2])
    assert ids(files, query) == ids(pg, query)


def test_events_outside_a_box_and_on_its_edges_are_the_same(stores):
    """Boxes whose edges run through events: an edge is inside, both ways."""
    files, pg = queries(stores, "acled")
    events = list(files.record.events)[:40]
    for a, b in zip(events[::2], events[1::2]):
        box = (min(a.lon, b.lon), min(a.lat, b.lat), max(a.lon, b.lon), max(a.lat, b.lat))
        for query in (EventQuery.of(bbox=box), EventQuery.of(outside=box)):
            found = ids(files, query)
            assert found == ids(pg, query)
        inside = ids(files, EventQuery.of(bbox=box))
        assert a.id in inside and b.id in inside
        assert len(inside) + len(ids(files, EventQuery.of(outside=box))) == \
            len(files.record.events)


@pytest.mark.parametrize("offset,limit", [(0, 1), (0, 2_500), (1_999, 2_002), (2_990, 50),
                                          (5_000, 10), (0, None)])
def test_pages_of_events_are_the_same_event_by_event(stores, offset, limit):
    """Pages cross the SQL store's chunks (MATERIALISE_CHUNK rows, then keyset): every
    field of every event is the same."""
    files, pg = queries(stores, "acled")
    query = EventQuery.of(dt.date(2014, 1, 1), None)
    total, page = files.events(query, offset, limit)
    total_pg, page_pg = pg.events(query, offset, limit)
    page, page_pg = list(page), list(page_pg)
    assert total == total_pg == 3_000
    assert len(page) == max(0, min(limit or 3_000, 3_000 - offset))
    assert page == page_pg


def test_control_at_every_quarter_is_the_same(stores):
    files, pg = queries(stores, "record")
    day, seen = D(2014, 1, 1), 0
    while day < D(2019, 6, 1):
        found = files.areas(day)
        assert found == pg.areas(day), day
        seen += len(found)
        day += dt.timedelta(days=91)
    assert seen > 50, "the days chosen show areas"


@pytest.mark.parametrize("window", WINDOWS)
def test_movements_in_a_window_are_the_same(stores, window):
    files, pg = queries(stores, "record")
    assert files.movements(*window) == pg.movements(*window)
    factions = sorted({m.faction for m in files.record.movements})
    for chosen in ([factions[0]], factions[:3], []):
        assert files.movements(*window, chosen) == pg.movements(*window, chosen)


@pytest.mark.parametrize("zoom", [3.0, 6.5, 9.0, 12.0])
@pytest.mark.parametrize("filters", [{}, {"types": ["Battles", "Protests"]},
                                     {"outside": (20.0, 31.0, 22.0, 32.5)}])
@pytest.mark.parametrize("max_cells", [4_000, 40])
def test_the_maps_density_cells_are_the_same(stores, zoom, filters, max_cells, monkeypatch):
    """The page's density grid (view.drawing) as each store counts it: the same cells, the
    same counts, each at its events' mean position; with few cells allowed, the cells are
    doubled alike until they fit."""
    for module in (queries_module, postgis_module):
        monkeypatch.setattr(module, "MAX_CELLS", max_cells)
    files, pg = queries(stores, "acled")
    query = EventQuery.of(D(2015, 1, 1), D(2017, 12, 31), **filters)
    cells = files.density(query, zoom)
    assert cells and sum(n for _, _, n in cells) == len(ids(files, query))
    assert len(cells) <= max_cells
    assert [n for _, _, n in cells] == [n for _, _, n in pg.density(query, zoom)]
    for (lon, lat, _), (lon_pg, lat_pg, _) in zip(cells, pg.density(query, zoom)):
        # both rounded to 4 places from sums added in another order: one step apart at most
        assert abs(lon - lon_pg) < 1.5e-4 and abs(lat - lat_pg) < 1.5e-4


def test_the_api_answers_the_same_from_either_store(stores, tmp_path):
    """The public routes, on an app over each store: events (windows, filters, bounding
    boxes, pages in both formats), control areas and movements, byte for byte."""
    files, pg = stores
    apps = [create_app(Config(data_dir=GEODATA, datasets_dir=files.datasets_dir)),
            create_app(Config(data_dir=GEODATA, store=pg.url, shared_dir=str(tmp_path / "s")))]
    clients = [app.server.test_client() for app in apps]
    routes = [
        "/api/events?dataset=acled&limit=700&offset=1300",
        "/api/events?dataset=acled&start=2016-01-01&end=2016-06-30&type=battles,riots",
        "/api/events?dataset=acled&bbox=19.5,30.0,21.0,32.0&limit=100&format=csv",
        "/api/events?dataset=record&faction=is,dmsc&lang=fr",
        "/api/events?dataset=record&end=2016-12-31&limit=5&offset=10",
        "/api/control?dataset=record&date=2016-03-01",
        "/api/movements?dataset=record&start=2016-01-01&end=2016-12-31",
        "/api/movements?dataset=record&faction=lna",
    ]
    for route in routes:
        a, b = [], []
        for client, answer in zip(clients, (a, b)):  # each streamed answer read whole
            response = client.get(route)
            answer += [response.status_code, response.get_data(), response.headers]
        assert a[0] == b[0] == 200, (route, b[1][:300])
        assert a[1] == b[1], route
        a, b = a[2], b[2]
        assert a.get("Link") == b.get("Link") and a.get("X-Total-Count") == \
            b.get("X-Total-Count") and a["Content-Type"] == b["Content-Type"]
    body = clients[1].get(routes[0]).get_json()
    assert (body["total"], len(body["features"])) == (3_000, 700)
    assert "offset=2000" in body["next"]
    with_box = clients[1].get("/api/events?dataset=acled&bbox=19.5,30.0,21.0,32.0").get_json()
    assert 0 < with_box["total"] < 3_000
    assert all(19.5 <= f["geometry"]["coordinates"][0] <= 21.0 for f in with_box["features"])
    bad = clients[1].get("/api/events?dataset=acled&bbox=21,30,19,32")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "bbox"


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


@pytest.mark.parametrize("query", ["date=2020-01-01&window=all",
                                   "date=2024-12-01&window=all&types=battles,protests",
                                   "date=2020-01-01&window=all&map=9/32.1/20.1"])
def test_the_pages_map_over_its_marker_budget_is_the_same_from_either_store(
        stores, monkeypatch, query):
    """Over the marker budget the page draws density cells (view.drawing): on PostGIS
    they are counted in SQL (SqlQueries.density), and the map's bundle is the same."""
    monkeypatch.setattr(views, "MAX_MARKERS", 500)  # a day at a time, drawn by the server
    monkeypatch.setattr(views, "STEP_MARKERS", 200)
    files, pg = stores
    bundles = []
    for store in (files, pg):
        data = store.load("acled", GEODATA)
        state = parse_state("?dataset=acled&" + query, data.record)
        assert not state.problems
        bundles.append(map_bundle(data, state))
    a, b = bundles
    assert a["aggregated"] > 200 and a["aggregated"] == b["aggregated"]
    assert a["events"] == b["events"]
    cells = [[(t, item[2]["text"]) for t, spec in bundle["traces"].items()
              for item in spec["items"] if bundle["figure"]["data"][int(t)]["uid"]
              .startswith("density")] for bundle in bundles]
    assert cells[0] and cells[0] == cells[1]


def test_the_registry_serves_a_postgis_dataset_and_sees_a_reimport(stores, tmp_path):
    """(Last: it replaces "acled" in the PostGIS store.)"""
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
