"""Benchmark: the dashboard at scale, side by side with a plain pandas approach.

For each size (100,000 and 1,000,000 events; --quick: 2,000 and 20,000) it generates an
ACLED-format CSV (bench_import's generator), then, each step in a fresh child process so
that memory figures are its own:
- import: `import_file` (reading, checking, GeoParquet, catalog), seconds;
- app start: `create_app` with the dataset in the datasets folder, then /api/datasets;
- first use: the dataset loaded by the registry (seconds, resident memory after it);
- a one-year /api/events page (the default 10,000 events): seconds and bytes;
- a slider step: the view query and the map bundle for a day (the server's work when a
  dataset is drawn a day at a time), median over 20 days;
- the same filter (a 90-day window and three event types) as `EventTable.select` and as a
  pandas boolean mask over the CSV read with `pandas.read_csv` (load time and memory too).
Targets for 1,000,000 events: loaded ≤ 5 s, ≤ 1 GiB resident, step ≤ 150 ms, the filter
≤ 2× pandas. Run:

    .venv/bin/python tests/benchmarks/bench_scale.py [--quick] [--keep DIR]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_import import generate  # noqa: E402  (one generator for every benchmark)
from common import ROOT, header  # noqa: E402,F401

TYPES = ["Battles", "Explosions/Remote violence", "Riots"]
WINDOW = (dt.date(2016, 3, 1), dt.date(2016, 5, 29))  # 90 days


def rss_mib() -> float:
    """Resident memory now (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def best(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def child_import(csv_path: str, datasets: str) -> dict:
    from dashboard.importers import import_file

    started = time.perf_counter()
    report = import_file(csv_path, dataset="big", datasets_dir=datasets, max_bytes=2**33)
    assert report.ok, report.as_text()[:2000]
    return {"seconds": time.perf_counter() - started, "events": report.counts["events"]}


def child_app(datasets: str) -> dict:
    from app import create_app
    from dashboard.config import Config
    from dashboard.figures.map import map_bundle
    from dashboard.state import parse_state
    from dashboard import view as views

    out = {"rss_before_mib": rss_mib()}
    started = time.perf_counter()
    app = create_app(Config(data_dir=ROOT / "geodata", datasets_dir=Path(datasets)))
    client = app.server.test_client()
    out["start_s"] = time.perf_counter() - started
    started = time.perf_counter()
    listing = client.get("/api/datasets").get_json()
    out["datasets_s"] = time.perf_counter() - started
    assert [d["events"] for d in listing["datasets"] if d["name"] == "big"]
    registry = app.server.config["FRONTLINES_REGISTRY"]
    base = rss_mib()
    started = time.perf_counter()
    data = registry.get("big")
    out["load_s"] = time.perf_counter() - started
    out["rss_loaded_mib"] = rss_mib()
    out["rss_dataset_mib"] = out["rss_loaded_mib"] - base
    started = time.perf_counter()
    response = client.get("/api/events?dataset=big&start=2016-01-01&end=2016-12-31")
    body = response.get_data()
    out["page_s"] = time.perf_counter() - started
    out["page_mib"] = len(body) / 2**20
    out["page_events"] = len(json.loads(body)["features"])
    out["page_total"] = json.loads(body)["total"]
    record = data.record
    steps = []
    for k in range(20):
        day = dt.date(2015, 1, 1) + dt.timedelta(days=37 * k)
        state = parse_state(f"?dataset=big&date={day.isoformat()}", record)
        started = time.perf_counter()
        bundle = map_bundle(data, state)
        steps.append(time.perf_counter() - started)
    out["step_on_server"] = views.steps_on_server(data, state)
    out["step_ms"] = statistics.median(steps) * 1000
    out["step_p95_ms"] = sorted(steps)[18] * 1000
    out["step_markers"] = len(bundle["events"]["items"])
    state = parse_state("?dataset=big&date=2019-06-01&window=all", record)
    started = time.perf_counter()
    bundle = map_bundle(data, state)
    out["step_all_ms"] = (time.perf_counter() - started) * 1000
    out["step_all_aggregated"] = bundle["aggregated"]
    out["step_all_on_server"] = views.steps_on_server(data, state)
    table = record.events
    out["filter_ms"] = best(lambda: table.select(*WINDOW, None, TYPES)) * 1000
    out["filter_n"] = len(table.select(*WINDOW, None, TYPES))
    return out


def child_pandas(csv_path: str) -> dict:
    import pandas as pd

    base = rss_mib()
    started = time.perf_counter()
    frame = pd.read_csv(csv_path, usecols=["event_id_cnty", "event_date", "event_type",
                                            "actor1", "actor2", "latitude", "longitude",
                                            "fatalities", "notes", "source", "location"])
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    frame = frame.sort_values("event_date", kind="stable").reset_index(drop=True)
    out = {"load_s": time.perf_counter() - started, "rss_dataset_mib": rss_mib() - base}
    start, end = (pd.Timestamp(d) for d in WINDOW)

    def query():
        return frame[(frame["event_date"] >= start) & (frame["event_date"] <= end)
                     & frame["event_type"].isin(TYPES)]
    out["filter_ms"] = best(query) * 1000
    out["filter_n"] = len(query())
    return out


def in_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True,
                         stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(rows: int, work: Path) -> None:
    csv_path = work / f"acled-{rows}.csv"
    datasets = work / f"datasets-{rows}"
    started = time.perf_counter()
    generate(csv_path, rows)
    print(f"\n== {rows:,} events ({csv_path.stat().st_size / 2**20:.0f} MiB of CSV, generated "
          f"in {time.perf_counter() - started:.0f} s)")
    imported = in_child("import", str(csv_path), str(datasets))
    app = in_child("app", str(datasets))
    pandas = in_child("pandas", str(csv_path))
    parquet = datasets / "big" / "events.parquet"
    assert app["filter_n"] == pandas["filter_n"], (app["filter_n"], pandas["filter_n"])
    print(f"{'':34}{'Frontlines':>18}{'pandas':>14}")
    print(f"{'import (CSV → checked GeoParquet)':34}{imported['seconds']:>16.1f} s"
          f"{'—':>14}   events.parquet {parquet.stat().st_size / 2**20:.0f} MiB")
    print(f"{'app start + /api/datasets':34}{app['start_s'] + app['datasets_s']:>16.2f} s"
          f"{'—':>14}   (/api/datasets {app['datasets_s'] * 1000:.0f} ms)")
    print(f"{'load on first use':34}{app['load_s']:>16.2f} s{pandas['load_s']:>12.2f} s"
          f"   (pandas: read_csv + dates + sort)")
    print(f"{'resident memory of the data':34}{app['rss_dataset_mib']:>14.0f} MiB"
          f"{pandas['rss_dataset_mib']:>10.0f} MiB   (process: {app['rss_loaded_mib']:.0f} MiB)")
    print(f"{'same filter (90 days, 3 types)':34}{app['filter_ms']:>15.2f} ms"
          f"{pandas['filter_ms']:>11.2f} ms   ({app['filter_n']:,} events; "
          f"{app['filter_ms'] / pandas['filter_ms']:.2f}× pandas)")
    print(f"{'/api/events, one year, one page':34}{app['page_s']:>16.2f} s{'—':>14}   "
          f"({app['page_events']:,} of {app['page_total']:,} events, "
          f"{app['page_mib']:.1f} MiB)")
    what = "slider step (query + bundle)" if app["step_on_server"] \
        else "whole bundle (the browser steps)"
    print(f"{what:34}{app['step_ms']:>15.1f} ms{'—':>14}   "
          f"(p95 {app['step_p95_ms']:.0f} ms, {app['step_markers']:,} markers, "
          f"90-day window)")
    print(f"{'step, window = all':34}{app['step_all_ms']:>15.1f} ms{'—':>14}   "
          f"({app['step_all_aggregated']:,} events as density cells)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true",
                        help="2,000 and 20,000 events (CI runs every benchmark so)")
    parser.add_argument("--keep", help="folder to keep the CSVs and datasets in")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *paths = args.child
        fn = {"import": child_import, "app": child_app, "pandas": child_pandas}[kind]
        print(json.dumps(fn(*paths)))
        return
    sizes = (2_000, 20_000) if args.quick else (100_000, 1_000_000)
    header("Scale benchmark: generated ACLED CSVs, Frontlines beside plain pandas", args.quick)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        for rows in sizes:
            run(rows, work)


if __name__ == "__main__":
    main()
