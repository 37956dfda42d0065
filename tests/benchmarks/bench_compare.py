"""Benchmark: compare mode and the area series on the bundled record.

Times, through HTTP on the real app: the map callback in compare mode (full figure and the
usual Patch), GET /api/changes and GET /api/areas, over 40 pairs of dates; and the one-off
cost of building the per-span history at start-up. Run:

    .venv/bin/python tests/benchmarks/bench_compare.py
"""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from bench_slider import call  # noqa: E402
from app import create_app  # noqa: E402
from dashboard import ids  # noqa: E402
from dashboard.config import Config  # noqa: E402
from dashboard.history import History  # noqa: E402
from dashboard.records import load_record  # noqa: E402
from dashboard.state import default_state, state_to_store  # noqa: E402


def timed(fn, repeat=1):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    record = load_record(ROOT / "geodata")
    build = timed(lambda: History(record), repeat=5)
    client = create_app(Config()).server.test_client()
    pairs = [(dt.date(2014, 11, 1) + dt.timedelta(days=37 * k),
              dt.date(2015, 11, 1) + dt.timedelta(days=37 * k)) for k in range(40)]
    full, patch, changes, sizes = [], [], [], []
    for first, second in pairs:
        state = replace(default_state(record), day=second, mode="compare", compare_from=first)
        store = state_to_store(state)
        t, size, _ = call(client, [(ids.MAP, "figure"), (ids.MAP_KEY, "data")],
                          [(ids.STATE, "data", store)], [(ids.MAP_KEY, "data", None)])
        full.append(t)
        t, size, _ = call(client, [(ids.MAP, "figure"), (ids.MAP_KEY, "data")],
                          [(ids.STATE, "data", store)], [(ids.MAP_KEY, "data", ["en", "offline"])])
        patch.append(t)
        sizes.append(size)
        start = time.perf_counter()
        response = client.get(f"/api/changes?from={first}&to={second}")
        changes.append(time.perf_counter() - start)
        assert response.status_code == 200
    series = timed(lambda: client.get("/api/areas?step=week"), repeat=20)

    def ms(values):
        return f"median {statistics.median(values) * 1000:6.1f} ms, max {max(values) * 1000:6.1f} ms"

    print(f"Compare benchmark: {len(pairs)} date pairs, {len(record.areas)} control areas")
    print(f"history built once at start-up: {ms(build)} ({len(History(record).spans)} spans)")
    print(f"compare map, full figure:       {ms(full)}")
    print(f"compare map, Patch (per step):  {ms(patch)}, {statistics.median(sizes) / 1024:.0f} KiB")
    print(f"GET /api/changes:               {ms(changes)}")
    print(f"GET /api/areas?step=week:       {ms(series)}")


if __name__ == "__main__":
    main()
