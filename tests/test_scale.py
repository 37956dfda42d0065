"""Any size: the columnar event table, the catalog that lists without loading, the paged
API and the density layer beyond the marker budget."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from app import create_app
from datasets import GEODATA, SOURCE, event, write_dataset
from dashboard import store as store_module
from dashboard import view as views
from dashboard.config import Config
from dashboard.dataset import load_dataset
from dashboard.eventtable import EventTable
from dashboard.figures.map import map_bundle
from dashboard.importing import import_file
from dashboard.records import DataError, load_events, load_factions
from dashboard.registry import Registry
from dashboard.state import parse_state
from dashboard.summary import day_summary

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
TYPES = [("Battles", "Armed clash"), ("Riots", "Mob violence"),
         ("Protests", "Peaceful protest"), ("Explosions/Remote violence", "Air/drone strike")]
FACTIONS = ["is", "lna", "gna", "dmsc", "pfg"]


def random_features(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        day = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(120))
        end = day + dt.timedelta(days=rng.randrange(1, 9)) if rng.random() < 0.2 else None
        etype, sub = rng.choice(TYPES)
        f = event(f"r{i:04d}", day.isoformat(), rng.sample(FACTIONS, rng.choice((1, 1, 2, 3))),
                  etype, sub, lon=round(rng.uniform(15, 25), 4), lat=round(rng.uniform(28, 33), 4),
                  fatalities=rng.choice((None, 0, 1, 4, 12)),
                  date_end=end.isoformat() if end else None)
        f["properties"]["sources"] = [dict(SOURCE, publisher=rng.choice(("A", "B", "C")))
                                      for _ in range(rng.choice((1, 2)))]
        out.append(f)
    return out


@pytest.fixture(scope="module")
def rows_and_table(tmp_path_factory):
    features = random_features(600)
    folder = write_dataset(tmp_path_factory.mktemp("t") / "d", events=features)
    factions = load_factions(folder / "factions.json")
    table = EventTable.from_events(load_events(folder / "events.geojson", factions), factions)
    return [f["properties"] for f in features], table


def reference(rows, start, end, factions, types) -> set[str]:
    """The rule, written out plainly over the input rows (not the code under test)."""
    out = set()
    for p in rows:
        first = dt.date.fromisoformat(p["date"])
        last = dt.date.fromisoformat(p["date_end"]) if p["date_end"] else first
        if start and last < start or end and first > end:
            continue
        if factions is not None and not set(p["actors"]) & set(factions):
            continue
        if types is not None and p["event_type"] not in types:
            continue
        out.add(p["id"])
    return out


@pytest.mark.parametrize("start,end,factions,types", [
    (None, None, None, None),
    (dt.date(2016, 2, 1), dt.date(2016, 2, 10), None, None),
    (dt.date(2016, 2, 1), dt.date(2016, 2, 1), None, None),  # one day: multi-day events count
    (None, dt.date(2016, 1, 15), ["is"], None),
    (dt.date(2016, 3, 1), None, ["lna", "pfg"], ["Battles", "Riots"]),
    (dt.date(2016, 1, 20), dt.date(2016, 3, 20), [], None),  # an empty filter matches nothing
    (dt.date(2016, 1, 20), dt.date(2016, 3, 20), None, []),
    (dt.date(2017, 1, 1), None, None, None),
])
def test_table_queries_match_the_rule_over_the_input_rows(rows_and_table, start, end, factions,
                                                           types):
    rows, table = rows_and_table
    found = table.select(start, end, factions, types)
    assert set(found.ids()) == reference(rows, start, end, factions, types)
    days = [e.date for e in found.events()]
    assert days == sorted(days), "in date order"


def test_selection_counts_and_sums_match_the_rows(rows_and_table):
    rows, table = rows_and_table
    start, end = dt.date(2016, 2, 1), dt.date(2016, 3, 1)
    found = table.select(start, end, ["is", "gna"], None)
    wanted = [p for p in rows if p["id"] in reference(rows, start, end, ["is", "gna"], None)]
    assert found.type_counts() == Counter(p["event_type"] for p in wanted)
    assert found.deaths() == sum(p["fatalities"] or 0 for p in wanted)
    assert found.publisher_counts() == Counter(s["publisher"] for p in wanted
                                               for s in p["sources"])
    some = wanted[3]
    assert table.get(some["id"]).place == some["place"] and some["id"] in table
    assert table.get("nope") is None and "nope" not in table


# --- the catalog ---------------------------------------------------------------------

@pytest.fixture
def imported(tmp_path):
    datasets = tmp_path / "datasets"
    assert import_file(FIXTURES / "acled_libya.csv", dataset="acled", datasets_dir=datasets).ok
    assert import_file(FIXTURES / "ucdp_ged.csv", dataset="broken", datasets_dir=datasets).ok
    parquet = datasets / "broken" / "events.parquet"
    parquet.write_bytes(parquet.read_bytes()[:200])  # truncated, as by a full disk
    return datasets


def test_listing_reads_the_catalog_and_loads_nothing(imported, monkeypatch):
    registry = Registry(GEODATA, imported)  # the bundled record loads here, at start
    loads = []
    real = store_module.load_dataset
    monkeypatch.setattr(store_module, "load_dataset",
                        lambda *a, **k: loads.append(a[0]) or real(*a, **k))
    listing = {d["name"]: d for d in registry.describe()}
    assert loads == [], "listing loads no dataset"
    assert listing["acled"]["events"] == 5 and listing["acled"]["first_day"]
    assert listing["broken"]["events"] == 7, "the catalog lists it until it is used"
    with pytest.raises(DataError, match="events.parquet: cannot be read"):
        registry.get("broken")
    with pytest.raises(DataError):
        registry.get("broken")
    assert [p.name for p in loads] == ["broken"], "a broken dataset is not retried"
    assert "cannot be read" in {d["name"]: d for d in registry.describe()}["broken"]["error"]
    client = create_app(Config(data_dir=GEODATA, datasets_dir=imported)).server.test_client()
    names = {d["name"]: d for d in client.get("/api/datasets").get_json()["datasets"]}
    assert names["acled"]["events"] == 5 and "broken" in names
    # its files change (a re-import): tried again, and now it loads
    shutil.rmtree(imported / "broken")
    assert import_file(FIXTURES / "ucdp_ged.csv", dataset="broken", datasets_dir=imported).ok
    assert len(registry.get("broken").record.events) == 7


def test_a_reimport_reaches_every_worker_through_the_files(imported):
    first, second = Registry(GEODATA, imported), Registry(GEODATA, imported)  # two workers
    assert len(first.get("acled").record.events) == 5
    assert len(second.get("acled").record.events) == 5
    version = {d["name"]: d for d in first.describe()}["acled"]["version"]
    assert import_file(FIXTURES / "ucdp_ged.csv", dataset="acled", datasets_dir=imported).ok
    for worker in (first, second):
        assert len(worker.get("acled").record.events) == 7
        assert {d["name"]: d for d in worker.describe()}["acled"]["version"] != version


def test_the_cache_is_bounded_by_size(imported):
    registry = Registry(GEODATA, imported, cache_bytes=1)
    a = registry.get("acled")
    assert registry.get("acled") is a, "kept while it is the only one"
    shutil.copytree(imported / "acled", imported / "other")
    registry.get("other")
    assert registry.get("acled") is not a, "the least recently used went out"


# --- the paged API --------------------------------------------------------------------

@pytest.fixture(scope="module")
def client():
    return create_app(Config(data_dir=GEODATA)).server.test_client()


def test_events_are_paged_with_a_total_and_next_links(client, record):
    everything = [e.id for e in record.events]
    seen, url, pages = [], "/api/events?limit=40", 0
    while url:
        response = client.get(url)
        body = response.get_json()
        assert body["total"] == len(everything) == int(response.headers["X-Total-Count"])
        assert len(body["features"]) <= 40
        seen += [f["properties"]["id"] for f in body["features"]]
        url, pages = body["next"], pages + 1
        if url:
            assert response.headers["Link"] == f'<{url}>; rel="next"' and "limit=40" in url
    assert seen == everything and pages == -(-len(everything) // 40)
    last = client.get(f"/api/events?offset={len(everything)}").get_json()
    assert last["features"] == [] and last["next"] is None


@pytest.mark.parametrize("query,parameter", [("limit=0", "limit"), ("limit=100001", "limit"),
                                             ("limit=ten", "limit"), ("offset=-1", "offset")])
def test_page_bounds_are_checked(client, query, parameter):
    response = client.get(f"/api/events?{query}")
    assert response.status_code == 400 and response.get_json()["parameter"] == parameter


def test_csv_is_streamed_a_page_at_a_time(client, record):
    response = client.get("/api/events?format=csv&limit=25&offset=10")
    assert response.is_streamed and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["id"] for r in rows] == [e.id for e in record.events][10:35]
    assert "offset=35" in response.headers["Link"]


# --- beyond the marker budget -------------------------------------------------------------

@pytest.fixture
def crowded(tmp_path):
    """90 events: 60 around Benghazi, 30 around Tripoli, all in the view's window."""
    features = [event(f"b{i}", "2016-03-01", ["lna"], lon=20.0 + i * 0.001, lat=32.1)
                for i in range(60)]
    features += [event(f"t{i}", "2016-03-02", ["gna"], lon=13.2 + i * 0.001, lat=32.9)
                 for i in range(30)]
    return load_dataset(write_dataset(tmp_path / "crowded", events=features), GEODATA)


def test_over_budget_the_map_draws_counts_and_says_so(crowded, monkeypatch):
    monkeypatch.setattr(views, "MAX_MARKERS", 40)  # drawn a day at a time by the server
    monkeypatch.setattr(views, "STEP_MARKERS", 40)
    state = parse_state("?date=2016-03-05&window=30", crowded.record)
    bundle = map_bundle(crowded, state)
    density = [t for i, t in bundle["traces"].items()
               if bundle["figure"]["data"][int(i)]["uid"].startswith("density")]
    counts = [int(text) for t in density for item in t["items"] for text in item[2]["text"]]
    assert sorted(counts) == [30, 60] and bundle["aggregated"] == 90
    assert bundle["events"]["items"] == [], "nothing dropped, nothing drawn twice"
    found = views.shown(crowded, state)
    text = day_summary(crowded.record, state, found, views.aggregates(crowded, state, found))
    assert "90 events" in text and "per grid cell" in text


def test_zoomed_in_the_events_in_the_frame_come_back_as_markers(crowded, monkeypatch):
    monkeypatch.setattr(views, "MAX_MARKERS", 40)
    monkeypatch.setattr(views, "STEP_MARKERS", 40)
    state = parse_state("?date=2016-03-05&window=30&map=11/32.9/13.21", crowded.record)
    bundle = map_bundle(crowded, state)
    ids = {item[4] for item in bundle["events"]["items"]}
    assert ids == {f"t{i}" for i in range(30)}
    assert bundle["aggregated"] == 60, "the rest are still counted"


def test_under_budget_every_event_is_a_marker(crowded, monkeypatch):
    monkeypatch.setattr(views, "MAX_MARKERS", 40)  # a day at a time, but few enough
    state = parse_state("?date=2016-03-05&window=30", crowded.record)
    bundle = map_bundle(crowded, state)
    assert len(bundle["events"]["items"]) == 90 and bundle["aggregated"] == 0
    assert json.dumps(bundle)  # the bundle is plain JSON


def test_the_checks_are_skipped_only_for_the_very_file_the_import_checked(imported):
    from dashboard.eventtable import already_checked

    events = imported / "acled" / "events.parquet"
    assert already_checked(events)
    events.write_bytes(events.read_bytes())  # the same bytes, written again: a new mtime
    assert not already_checked(events)
