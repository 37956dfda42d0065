"""The load test: two gunicorn servers on one PostGIS store, Redis and a shared folder, and
locust's simulated analysts (tests/load/locustfile.py) spread over both.

It starts everything itself on loopback (a throwaway PostgreSQL+PostGIS cluster unless
--store is given, redis-server, the servers), loads the bundled record into PostGIS as
dataset "record" (and, with --acled-rows, a generated ACLED export as "acled"), runs locust
headless, samples each server's memory (the proportional set size of gunicorn's master,
workers and the export renders they started) every second, and prints the figures:
requests, requests per second, p50/p95/p99 latency, failures, each server's peak memory.

    .venv/bin/python tests/load/run_load.py --users 50 --seconds 120 [--acled-rows 100000]

tests/test_load.py runs a bounded variant (a few users, 20 s) in the normal test run.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
ROOT = TESTS.parent
sys.path[:0] = [str(TESTS), str(ROOT)]

from gunicorn_server import Server  # noqa: E402
from postgis_server import PostgisCluster  # noqa: E402
from redis_server import start_redis  # noqa: E402

MIB = 2**20


def dashboard(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)
    if done.returncode:
        raise RuntimeError(f"python -m dashboard {args[0]} failed: {done.stdout[-1500:]} "
                           f"{done.stderr[-1500:]}")


def run(users: int, seconds: int, folder: Path, store: str = "", acled_rows: int = 0,
        dataset: str = "record", exporters: float = 0.2) -> dict:
    """Start the stack, load it, run locust; the figures (see print_figures)."""
    cluster = None
    if not store:
        cluster = PostgisCluster()
        cluster.start()
        store = cluster.create_database("load")
    redis_server = servers = None
    try:
        dashboard("db", "init", "--store", store)
        dashboard("db", "load", str(ROOT / "geodata"), "--dataset", "record", "--store", store)
        if acled_rows:
            sys.path.insert(0, str(TESTS / "benchmarks"))
            from bench_import import generate

            generate(folder / "acled.csv", acled_rows)
            dashboard("import", str(folder / "acled.csv"), "--dataset", "acled", "--store",
                      store)
        (folder / "redis").mkdir(exist_ok=True)
        redis_server, redis_url = start_redis(folder / "redis")
        env = {"FRONTLINES_STORE": store, "FRONTLINES_REDIS": redis_url,
               "FRONTLINES_SHARED_DIR": str(folder / "shared"),
               # every analyst comes from 127.0.0.1 here: one "client" for the job limits
               "FRONTLINES_EXPORT_JOBS_PER_CLIENT": str(users),
               "FRONTLINES_EXPORT_JOBS_TOTAL": str(users)}
        servers = []
        for name in ("a", "b"):
            (folder / name).mkdir(exist_ok=True)
            servers.append(Server(folder / name, workers=3, env=env))
        for server in servers:
            server.wait_ready()
        peaks = [0, 0]
        stop = threading.Event()

        def sample():
            while not stop.wait(1.0):
                for i, server in enumerate(servers):
                    peaks[i] = max(peaks[i], server.memory())
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        prefix = folder / "locust"
        done = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
             "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{seconds}s",
             "--csv", str(prefix), "--only-summary", "--stop-timeout", "5"],
            cwd=ROOT, capture_output=True, text=True, timeout=seconds + 300,
            env={**os.environ, "FRONTLINES_LOAD_HOSTS": ",".join(s.base for s in servers),
                 "FRONTLINES_LOAD_DATASET": dataset,
                 "FRONTLINES_LOAD_EXPORTERS": str(exporters)})
        stop.set()
        sampler.join()
        figures = read_stats(prefix)
        figures.update(users=users, seconds=seconds, dataset=dataset,
                       memory_mib=[round(p / MIB) for p in peaks],
                       locust_output=done.stderr[-3000:])
        figures["exports"] = export_states(redis_url)
        for server in servers:  # renders still queued when the users stopped: ours, ended
            if not server.renders_end(timeout=30):
                for render in server.renders():
                    render.kill()
        return figures
    finally:
        for server in servers or []:
            server.stop()
        if redis_server is not None:
            redis_server.terminate()
            redis_server.wait(30)
        if cluster is not None:
            cluster.stop()


def export_states(redis_url: str) -> dict:
    """How many export jobs ended in each state (done, failed, or still queued/running
    when the users stopped), from the job store (dashboard.jobs: in Redis)."""
    from dashboard.jobs import RedisJobState

    store = RedisJobState(redis_url)
    try:
        return dict(Counter(job.state for job in store.jobs()))
    finally:
        store.close()


def read_stats(prefix: Path) -> dict:
    """locust's CSV: the aggregated row, each request's, and the failures."""
    with open(f"{prefix}_stats.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(f"{prefix}_failures.csv", newline="") as f:
        failures = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")

    def figures(row: dict) -> dict:
        return {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50": _ms(row["50%"]), "p95": _ms(row["95%"]), "p99": _ms(row["99%"])}
    return {**figures(total),
            "by_request": {r["Name"]: figures(r) for r in rows if r["Name"] != "Aggregated"},
            "failure_messages": [f"{r['Occurrences']}× {r['Method']} {r['Name']}: {r['Error']}"
                                 for r in failures]}


def _ms(value: str) -> int | None:
    return None if value in ("", "N/A") else int(float(value))


def print_figures(figures: dict) -> None:
    print(f"{figures['users']} users for {figures['seconds']} s on dataset "
          f"{figures['dataset']!r}, two servers (gunicorn -w 3 each):")
    print(f"requests {figures['requests']:,}, {figures['rps']} req/s, p50 {figures['p50']} ms, "
          f"p95 {figures['p95']} ms, p99 {figures['p99']} ms, failures {figures['failures']}")
    print("export jobs: " + ", ".join(f"{n} {state}" for state, n in
                                      sorted(figures["exports"].items())))
    print("peak memory: " + ", ".join(f"server {n} {m:,} MiB" for n, m in
                                      zip("AB", figures["memory_mib"])))
    print("| request | count | failures | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, row in sorted(figures["by_request"].items()):
        print(f"| {name} | {row['requests']:,} | {row['failures']} | {row['p50']} | "
              f"{row['p95']} | {row['p99']} |")
    for message in figures["failure_messages"]:
        print("failure:", message)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--store", default="", help="an existing postgresql:// database "
                                                    "(default: a throwaway cluster)")
    parser.add_argument("--acled-rows", type=int, default=0,
                        help="also import a generated ACLED export of this many rows")
    parser.add_argument("--dataset", default="record", help="the dataset the analysts use")
    parser.add_argument("--exporters", type=float, default=0.2,
                        help="share of the analysts who export a PNG once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="frontlines-load-") as folder:
        figures = run(args.users, args.seconds, Path(folder), args.store, args.acled_rows,
                      args.dataset, args.exporters)
    print_figures(figures)
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
