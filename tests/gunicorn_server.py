"""gunicorn serving the app as a team does (`gunicorn -w N 'app:server'`, settings from
FRONTLINES_* variables, a temporary datasets folder with the shared folder inside it), for
the tests that need several workers. gunicorn's access log names the worker (pid) that
answered each request, so tests can check that several workers answered."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from datasets import ROOT
from waiting import until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, folder: Path, workers: int = 3, env: dict | None = None):
        self.datasets = folder / "datasets"
        self.log = folder / "access.log"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        env = {**os.environ, "FRONTLINES_DATASETS_DIR": str(self.datasets),
               "TMPDIR": str(folder), **(env or {})}
        # gunicorn's own log to a file: a pipe nobody reads would block the server once full
        self.errors = folder / "gunicorn.log"
        with open(self.errors, "wb") as errors:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b",
                 f"127.0.0.1:{self.port}", "--access-logfile", str(self.log),
                 "--access-logformat", "%(p)s %(r)s %(s)s", "app:server"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)

    def wait_ready(self, timeout: float = 180) -> None:
        """Until every worker has started (gunicorn's master has that many children) and the
        API answers."""
        def ready() -> bool:
            assert self.process.poll() is None, self.errors.read_text()[-3000:]
            try:
                return self.get("/api/datasets")[0] == 200 and \
                    len(psutil.Process(self.process.pid).children()) >= self.workers
            except OSError:
                return False
        assert until(ready, timeout, every=0.2), "gunicorn did not answer in time"

    def request(self, path: str, body: dict | None = None, method: str | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as answer:
                return answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), exc.headers

    def get(self, path: str):
        return self.request(path)

    def pids_serving(self, fragment: str) -> set[str]:
        """The workers that answered requests whose line contains `fragment`."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return {line.split()[0] for line in lines if fragment in line}

    def memory(self) -> int:
        """Memory of gunicorn's master, its workers and every process they started
        (background callbacks, export renders, Chromium, ffmpeg): the sum of their
        proportional set sizes, in which memory shared by several processes (Chromium's
        share a lot) is counted once, not once per process as a sum of RSS would."""
        root = psutil.Process(self.process.pid)
        procs = {p.pid: p for p in [root] + root.children(recursive=True)}
        for render in self.renders():
            procs.update({p.pid: p for p in [render] + render.children(recursive=True)})
        total = 0
        for proc in procs.values():
            with contextlib.suppress(psutil.Error):
                total += proc.memory_full_info().pss
        return total

    def renders(self) -> list[psutil.Process]:
        """Export render processes (started detached, so found by their command line)."""
        found = []
        for proc in psutil.process_iter(["cmdline", "environ"]):
            try:
                if "dashboard.jobs" in (proc.info["cmdline"] or []) and \
                        (proc.info["environ"] or {}).get("FRONTLINES_DATASETS_DIR") == \
                        str(self.datasets):
                    found.append(proc)
            except psutil.Error:
                pass
        return found

    def renders_end(self, timeout: float = 120) -> bool:
        """Whether every export render process has ended within timeout."""
        return until(lambda: not self.renders(), timeout, every=0.2)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


