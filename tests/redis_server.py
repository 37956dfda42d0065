"""Debian's redis-server for the team tests, started on loopback with its data in a
temporary folder (tests/run.sh installs it); they fail, never skip, without it."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from gunicorn_server import free_port
from waiting import until

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def start_redis(folder) -> tuple[subprocess.Popen, str]:
    import redis

    if not os.path.exists(REDIS):
        pytest.fail("redis-server is missing: bash tests/run.sh installs it")
    port = free_port()
    process = subprocess.Popen([REDIS, "--bind", "127.0.0.1", "--port", str(port), "--dir",
                                str(folder), "--save", "", "--appendonly", "no",
                                "--protected-mode", "yes"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)

    def answers() -> bool:
        assert process.poll() is None, "redis-server stopped"
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
    assert until(answers, 30), "redis-server did not answer"
    return process, url
