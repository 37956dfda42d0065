"""deploy/'s systemd units, run as systemd would run them: each unit's ExecStart, in its
WorkingDirectory, with the variables of its EnvironmentFile (deploy/frontlines.env, which
README says to copy to /etc/frontlines/) and its Environment= lines. Only what a test
machine must change is changed: /opt/frontlines is this checkout (its virtual
environment's commands: this Python's), /srv/frontlines/ a temporary folder, the
postgresql:// and redis:// URLs those of a throwaway PostGIS and Redis, %i a free port and
0.0.0.0 loopback. Two app servers (frontlines@PORT) and the Celery worker then answer."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

import team
from datasets import ROOT
from gunicorn_server import free_port
from test_importing import ACLED_FILE
from waiting import until

DEPLOY = ROOT / "deploy"
APP_HOME = "/opt/frontlines"
DATA_HOME = "/srv/frontlines/"


def read_unit(path: Path) -> dict[tuple[str, str], list[str]]:
    """(section, key) → its values, in order (a key may repeat)."""
    found: dict[tuple[str, str], list[str]] = {}
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault((section, key.strip()), []).append(value.strip())
    return found


def read_environment(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip().strip('"')
    return out


def service(path: Path, instance: str, folder: Path, urls: dict[str, str]):
    """The unit's command, working directory and environment, for this machine."""
    unit = read_unit(path)
    env = {}
    for file in unit.get(("Service", "EnvironmentFile"), []):
        assert file == "/etc/frontlines/frontlines.env", file  # README: copy it there
        env.update(read_environment((DEPLOY / "frontlines.env").read_text().splitlines()))
    for line in unit.get(("Service", "Environment"), []):
        env.update(read_environment(shlex.split(line)))
    for key, value in env.items():
        if value.startswith(DATA_HOME):
            env[key] = str(folder / value[len(DATA_HOME):])
        for scheme, url in urls.items():
            if value.startswith(scheme):
                env[key] = url
    assert unit[("Service", "WorkingDirectory")] == [APP_HOME]
    (start,) = unit[("Service", "ExecStart")]
    argv = shlex.split(start.replace("%i", instance))
    assert argv[0].startswith(f"{APP_HOME}/.venv/bin/"), argv[0]
    argv[0] = str(Path(sys.executable).parent / Path(argv[0]).name)
    argv = [a.replace("0.0.0.0:", "127.0.0.1:") for a in argv]
    return argv, env


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as answer:
            return answer.status, answer.read()
    except OSError:
        return 0, b""


@pytest.fixture(scope="module")
def deployed(postgis_cluster, tmp_path_factory):
    folder = tmp_path_factory.mktemp("deploy")
    store = team.store(postgis_cluster, "deployed")
    processes, logs = [], []
    with team.redis(folder) as redis_url:
        urls = {"postgresql://": store, "redis://": redis_url}
        ports = [free_port(), free_port()]
        try:
            for port in ports:
                argv, env = service(DEPLOY / "frontlines@.service", str(port), folder, urls)
                logs.append(log := open(folder / f"server-{port}.log", "wb"))
                processes.append(subprocess.Popen(
                    argv, cwd=ROOT, env={**os.environ, **env, "TMPDIR": str(folder)},
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            argv, celery_env = service(DEPLOY / "frontlines-celery.service", "", folder, urls)
            logs.append(log := open(folder / "celery.log", "wb"))
            processes.append(subprocess.Popen(
                argv, cwd=ROOT, env={**os.environ, **celery_env, "TMPDIR": str(folder)},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            for port in ports:
                def up(port=port):
                    assert all(p.poll() is None for p in processes), \
                        (folder / f"server-{port}.log").read_text()[-3000:]
                    return get(port, "/api/datasets")[0] == 200
                assert until(up, 240, every=0.5), f"frontlines@{port} did not answer"
            yield ports, env, celery_env
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    process.kill()
            for log in logs:
                log.close()


def test_the_app_server_units_serve_the_page_and_the_api(deployed):
    ports, env, _ = deployed
    for port in ports:
        status, page = get(port, "/")
        assert status == 200 and b"Frontlines" in page
        status, body = get(port, "/api/factions")
        assert status == 200 and json.loads(body)
    assert Path(env["FRONTLINES_SHARED_DIR"]).is_dir(), "the server made its shared folder"


def test_a_dataset_imported_with_the_units_environment_is_served_by_both(deployed):
    ports, env, _ = deployed
    done = subprocess.run([sys.executable, "-m", "dashboard", "import", str(ACLED_FILE),
                           "--dataset", "deployed"], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for port in ports:
        status, body = get(port, "/api/events?dataset=deployed")
        assert status == 200 and json.loads(body)["total"] > 0


def test_the_celery_unit_runs_a_worker_on_the_units_redis(deployed):
    _, _, celery_env = deployed

    def pong() -> str:
        ping = subprocess.run([sys.executable, "-m", "celery", "-A", "app:celery_app",
                               "inspect", "ping", "--timeout", "5"], cwd=ROOT,
                              env={**os.environ, **celery_env}, capture_output=True,
                              text=True, timeout=120)
        return ping.stdout if ping.returncode == 0 and "pong" in ping.stdout else ""
    assert until(pong, 180, every=1), "the Celery worker did not answer"
