"""Benchmark: compare mode and the area series on the bundled record.

Times the server's work for compare mode over pairs of dates: the map's one-day bundle (the
ground gained and lost from A to B, computed by the server at each step), GET /api/changes
and GET /api/areas; and the one-off cost of the per-span history at start-up.

    .venv/bin/python tests/benchmarks/bench_compare.py [--quick]
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import arguments, header, ms  # noqa: E402


def timed(fn, repeat=1) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    header("Compare benchmark: the bundled record, server side", args.quick)
    from app import create_app
    from dashboard.callbacks import build_bundle, bundle_key
    from dashboard.config import Config
    from dashboard.history import History
    from dashboard.state import parse_state

    app = create_app(Config(datasets_dir=Path(tempfile.mkdtemp())))
    registry = app.server.config["FRONTLINES_REGISTRY"]
    data = registry.get(None)
    record = data.record
    build = timed(lambda: History(record), repeat=2 if args.quick else 5)
    client = app.server.test_client()
    count = 4 if args.quick else 40
    pairs = [(dt.date(2014, 11, 1) + dt.timedelta(days=37 * k),
              dt.date(2015, 11, 1) + dt.timedelta(days=37 * k)) for k in range(count)]
    bundles, sizes, changes = [], [], []
    for first, second in pairs:
        state = parse_state(f"?date={second}&mode=compare&a={first}", record)
        start = time.perf_counter()
        bundle = build_bundle(registry, bundle_key(data, state), None)
        bundles.append(time.perf_counter() - start)
        sizes.append(len(json.dumps(bundle)))
        start = time.perf_counter()
        response = client.get(f"/api/changes?from={first}&to={second}")
        changes.append(time.perf_counter() - start)
        assert response.status_code == 200
    series = timed(lambda: client.get("/api/areas?step=week"), repeat=3 if args.quick else 20)
    print(f"{len(pairs)} date pairs, {len(record.areas)} control areas, "
          f"{len(History(record).spans)} spans")
    print(f"history, built once at start-up:           {ms(build)}")
    print(f"compare map, one-day bundle (per step):    {ms(bundles)}, "
          f"{sorted(sizes)[len(sizes) // 2] / 1024:.0f} KiB")
    print(f"GET /api/changes:                          {ms(changes)}")
    print(f"GET /api/areas?step=week:                  {ms(series)}")


if __name__ == "__main__":
    main()
