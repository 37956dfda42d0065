"""Export jobs, shared by every worker of the server: any worker answers any poll.

A job's state lives in a diskcache store in the shared folder (Config.shared: SQLite, safe
between processes and workers) and its file in `exports/` beside it, written atomically.
A job is admitted under the store's transaction, so the limits hold across workers: at
most Config.export_jobs_per_client queued or running per client and
Config.export_jobs_total in all; the rest are refused with the reason.

Each job is rendered by a process of its own (`python -m dashboard.jobs FOLDER ID`), so a
render's memory (Chromium, ffmpeg) is given back when it ends and no worker is held up.
It waits for one of Config.export_workers slots (file locks, released by the system even
if the process is killed), beats a heartbeat while it works, and checks between frames
whether its job was cancelled or has expired: then it stops. A job whose heartbeat stops
(a killed render) is reported failed. A job expires Config.export_keep_minutes after it
was asked for: its id is then unknown and its file deleted.
"""
from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from collections.abc import Callable, Iterator

import diskcache

from dashboard.config import ROOT, Config

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
HEARTBEAT_SECONDS = 5
STALE_SECONDS = 60  # no heartbeat for this long: the render process is gone
SLOT_POLL_SECONDS = 0.5
Work = Callable[[Callable[[int, int], None]], bytes]


class JobRefused(ValueError):
    """Too many jobs: the message says whose limit and what it is."""


class Stopped(Exception):
    """The job was cancelled or expired while it ran."""


@dataclass(frozen=True)
class Job:
    id: str
    filename: str
    mimetype: str
    client: str
    request: dict  # what to render: see dashboard.exports_api.run_request
    created: float
    state: str = "queued"  # queued | running | done | failed | cancelled
    done: int = 0
    total: int = 0
    error: str = ""
    beat: float = 0.0
    file: str = ""  # name in the exports folder, once done

    def as_json(self) -> dict:
        return {"id": self.id, "state": self.state, "done": self.done, "total": self.total,
                "error": self.error, "filename": self.filename}


class Jobs:
    def __init__(self, config: Config, launch: Callable[[str], None] | None = None):
        self.config = config
        self.folder = config.shared
        self.files = self.folder / "exports"
        self.files.mkdir(parents=True, exist_ok=True)
        (self.folder / "slots").mkdir(exist_ok=True)
        self._store = diskcache.Cache(str(self.folder / "jobs"), timeout=30)
        self._launch = launch or self._spawn
        self._keep = config.export_keep_minutes * 60

    # --- what the page and the API do --------------------------------------------------
    def submit(self, request: dict, filename: str, mimetype: str, client: str) -> str:
        """Admit a job (or raise JobRefused) and start its render process."""
        self.sweep()
        job = Job(uuid.uuid4().hex, filename, mimetype, client, request, time.time())
        with self._store.transact():
            active = [j for j in self._all() if j.state in ACTIVE]
            mine = sum(1 for j in active if j.client == client)
            if mine >= self.config.export_jobs_per_client:
                raise JobRefused(f"you already have {mine} export(s) queued or running (at "
                                 f"most {self.config.export_jobs_per_client} per client); "
                                 "wait for one to finish or cancel one")
            if len(active) >= self.config.export_jobs_total:
                raise JobRefused(f"the server already has {len(active)} exports queued or "
                                 f"running (at most {self.config.export_jobs_total}); "
                                 "try again in a few minutes")
            self._store.set(job.id, asdict(job), expire=self._keep)
        self._launch(job.id)
        return job.id

    def get(self, job_id: str) -> Job | None:
        """The job, or None if it never existed or has expired."""
        raw = self._store.get(job_id) if isinstance(job_id, str) and job_id.isalnum() else None
        if raw is None:
            return None
        job = Job(**raw)
        if job.state in ACTIVE and time.time() - max(job.beat, job.created) > STALE_SECONDS:
            return replace(job, state="failed", error="the export stopped unexpectedly on "
                                                      "the server; please try again")
        return job

    def path(self, job: Job) -> Path:
        return self.files / job.file

    def cancel(self, job_id: str) -> bool:
        """Stop a queued or running job (its process checks between frames)."""
        return self._update(job_id, lambda j: replace(j, state="cancelled", error="cancelled")
                            if j.state in ACTIVE else j) is not None

    def wait(self, job_id: str, timeout: float = 600) -> Job | None:
        """Until the job has left the queue and finished, for callers with nothing else to do."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job is None or job.state not in ACTIVE or time.monotonic() > deadline:
                return job
            time.sleep(0.2)

    def sweep(self) -> None:
        """Delete the files of jobs that have expired (the store forgets them itself)."""
        self._store.expire()
        known = {job.id for job in self._all()}
        for path in self.files.iterdir():  # ID.gif; .ID.gif.… while write_atomic writes it
            if path.name.lstrip(".").split(".")[0] not in known:
                path.unlink(missing_ok=True)

    # --- what the render process does ----------------------------------------------------
    def execute(self, job_id: str, work: Work) -> None:
        """Wait for a slot, then run work(progress) and store its result; progress raises
        Stopped once the job is cancelled or expired. Never raises: the job says how it went."""
        from dashboard.export import write_atomic

        job = self.get(job_id)
        if job is None:
            return
        with self._slot(job_id) as slot:
            if slot is None:
                return
            if not self._set(job_id, state="running", beat=time.time()):
                return
            beating = threading.Event()
            threading.Thread(target=self._heartbeat, args=(job_id, beating), daemon=True).start()
            try:
                content = work(lambda done, total: self._progress(job_id, done, total))
                name = job_id + Path(job.filename).suffix
                write_atomic(self.files / name, content)
                if not self._set(job_id, state="done", file=name):
                    (self.files / name).unlink(missing_ok=True)
            except Stopped:
                return
            except OSError as exc:  # e.g. a full disk: the page hears why, not where
                reason = (exc.strerror or type(exc).__name__).lower()
                self._set(job_id, state="failed", error=f"the export could not be written "
                                                        f"on the server ({reason})")
            except Exception as exc:  # a failed export is reported to its page, never raised
                self._set(job_id, state="failed", error=str(exc)[:500])
            finally:
                beating.set()

    def _progress(self, job_id: str, done: int, total: int) -> None:
        if not self._set(job_id, done=done, total=total, beat=time.time()):
            raise Stopped(job_id)

    def _heartbeat(self, job_id: str, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            self._set(job_id, beat=time.time())

    @contextmanager
    def _slot(self, job_id: str) -> Iterator[int | None]:
        """The lock of one of the export_workers slots, waited for while the job is
        queued; None if the job was cancelled or expired meanwhile."""
        while True:
            for k in range(max(1, self.config.export_workers)):
                handle = open(self.folder / "slots" / f"{k}.lock", "a+")
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    continue
                try:
                    yield k
                finally:
                    handle.close()  # releases the lock
                return
            if not self._set(job_id, beat=time.time()):  # still queued, and alive
                yield None
                return
            time.sleep(SLOT_POLL_SECONDS)

    # --- the store ----------------------------------------------------------------------
    def _all(self) -> list[Job]:
        found = []
        for key in list(self._store.iterkeys()):
            raw = self._store.get(key)
            if raw is not None:
                found.append(Job(**raw))
        return found

    def _update(self, job_id: str, change: Callable[[Job], Job]) -> Job | None:
        with self._store.transact():
            raw = self._store.get(job_id)
            if raw is None:
                return None
            job = change(Job(**raw))
            left = self._keep - (time.time() - job.created)
            if left <= 0:
                self._store.delete(job_id)
                return None
            self._store.set(job_id, asdict(job), expire=left)
            return job

    def _set(self, job_id: str, **changes) -> bool:
        """Change an active job; False if it is no longer active (cancelled, expired)."""
        job = self._update(job_id, lambda j: replace(j, **changes) if j.state in ACTIVE else j)
        return job is not None and (job.state in ACTIVE or changes.get("state") == job.state)

    def _spawn(self, job_id: str) -> None:
        env = {**os.environ, **self.config.as_environment()}
        process = subprocess.Popen([sys.executable, "-m", "dashboard.jobs", job_id], cwd=ROOT,
                                   env=env, stdin=subprocess.DEVNULL, start_new_session=True)
        threading.Thread(target=process.wait, daemon=True).start()  # reaped when it ends

    def close(self) -> None:
        self._store.close()


def main(argv: list[str]) -> int:
    """The render process of one job, started by Jobs.submit with the server's settings."""
    from dashboard.config import from_environment
    from dashboard.exports_api import run_request

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                                                   "%(message)s")
    config = from_environment([])
    jobs = Jobs(config)
    job_id = argv[0]
    job = jobs.get(job_id)
    if job is None:
        return 1
    jobs.execute(job_id, lambda progress: run_request(config, job.request, progress))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
