"""What a team runs beside the app, for the tests that serve as one: Redis, a Celery worker,
a PostGIS database with the app's schema and gunicorn servers, each started on loopback
with its data in a temporary folder and stopped when its `with` ends."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from datasets import ROOT
from gunicorn_server import Server
from redis_server import start_redis


@contextmanager
def redis(folder: Path) -> Iterator[str]:
    """A redis-server; its URL."""
    (folder / "redis").mkdir()
    process, url = start_redis(folder / "redis")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(30)


@contextmanager
def celery_worker(folder: Path, env: dict) -> Iterator[subprocess.Popen]:
    """The page's background callbacks' worker (`celery -A app:celery_app worker`)."""
    with open(folder / "celery.log", "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app:celery_app", "worker", "--pool",
             "solo", "--loglevel", "warning"], cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT, env={**os.environ, **env, "TMPDIR": str(folder)})
        try:
            yield worker
        finally:
            worker.terminate()
            worker.wait(60)


def store(postgis_cluster, database: str) -> str:
    """A new database of the test cluster with the app's schema (`dashboard db init`)."""
    url = postgis_cluster.create_database(database)
    init = subprocess.run([sys.executable, "-m", "dashboard", "db", "init", "--store", url],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    return url


@contextmanager
def servers(folder: Path, names: list[str], env: dict) -> Iterator[list[Server]]:
    """gunicorn servers of two workers each, one folder each, ready to answer."""
    started = []
    try:
        for name in names:
            (folder / name).mkdir()
            started.append(Server(folder / name, workers=2, env=env))
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()
