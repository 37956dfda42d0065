"""Export jobs, shared by every worker of every server: any worker answers any poll.

A job's state lives in a shared store, one of two behind one small interface (`JobState`):
- without Redis, `DiskJobState`: a diskcache store in the shared folder (Config.shared:
  SQLite, safe between the processes of one machine) and the finished files in `exports/`
  beside it, written atomically;
- with Config.redis (`--redis`, FRONTLINES_REDIS), `RedisJobState`: each job a Redis key
  that expires with it, and its finished file a Redis key with the same expiry, so servers
  on different machines, each with a shared folder of its own, share the jobs and their
  files. A file over MAX_REDIS_FILE_MB fails its job with the reason (Redis holds it in
  memory until it expires).
A job is admitted atomically (the diskcache transaction; Redis WATCH/MULTI on the jobs'
index, retried if another admission came between), so the limits hold across workers and
servers: at most Config.export_jobs_per_client queued or running per client and
Config.export_jobs_total in all; the rest are refused with the reason.

Each job is rendered by a process of its own (`python -m dashboard.jobs ID`), so a
render's memory (Chromium, ffmpeg) is given back when it ends and no worker is held up.
It waits for one of Config.export_workers slots (file locks in the shared folder: renders
at once per machine, released by the system even if the process is killed), beats a
heartbeat while it works, and checks between frames whether its job was cancelled or has
expired: then it stops. A job whose heartbeat stops (a killed render) is reported failed. A
job expires Config.export_keep_minutes after it was asked for: its id is then unknown and
its file deleted.
"""
from __future__ import annotations

import fcntl
import io
import json
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
from typing import BinaryIO, Protocol

import diskcache

from dashboard.config import ROOT, Config
from dashboard.store import StoreError

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
HEARTBEAT_SECONDS = 5
STALE_SECONDS = 60  # no heartbeat for this long: the render process is gone
SLOT_POLL_SECONDS = 0.5
MAX_REDIS_FILE_MB = 256  # a finished file kept in Redis (with --redis) is at most this big
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
        (self.folder / "slots").mkdir(parents=True, exist_ok=True)
        self.state: JobState = RedisJobState(config.redis) if config.redis \
            else DiskJobState(self.folder)
        self._launch = launch or self._spawn
        self._keep = config.export_keep_minutes * 60

    # --- what the page and the API do --------------------------------------------------
    def submit(self, request: dict, filename: str, mimetype: str, client: str) -> str:
        """Admit a job (or raise JobRefused) and start its render process."""
        self.sweep()
        job = Job(uuid.uuid4().hex, filename, mimetype, client, request, time.time())

        def check(jobs: list[Job]) -> None:
            active = [j for j in jobs if j.state in ACTIVE]
            mine = sum(1 for j in active if j.client == client)
            if mine >= self.config.export_jobs_per_client:
                raise JobRefused(f"you already have {mine} export(s) queued or running (at "
                                 f"most {self.config.export_jobs_per_client} per client); "
                                 "wait for one to finish or cancel one")
            if len(active) >= self.config.export_jobs_total:
                raise JobRefused(f"the server already has {len(active)} exports queued or "
                                 f"running (at most {self.config.export_jobs_total}); "
                                 "try again in a few minutes")
        self.state.admit(job, check, self._keep)
        self._launch(job.id)
        return job.id

    def get(self, job_id: str) -> Job | None:
        """The job, or None if it never existed or has expired."""
        job = self.state.get(job_id) if isinstance(job_id, str) and job_id.isalnum() else None
        if job is None:
            return None
        if job.state in ACTIVE and time.time() - max(job.beat, job.created) > STALE_SECONDS:
            return replace(job, state="failed", error="the export stopped unexpectedly on "
                                                      "the server; please try again")
        return job

    def open(self, job: Job) -> BinaryIO:
        """A done job's file, to read (FileNotFoundError once it has expired)."""
        return self.state.open_file(job)

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
        """Forget expired jobs and delete their files."""
        self.state.sweep()

    # --- what the render process does ----------------------------------------------------
    def execute(self, job_id: str, work: Work) -> None:
        """Wait for a slot, then run work(progress) and store its result; progress raises
        Stopped once the job is cancelled or expired. Never raises: the job says how it went."""
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
                self.state.put_file(job, name, content, self._left(job))
                if not self._set(job_id, state="done", file=name):
                    self.state.delete_file(name)
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
    def _left(self, job: Job) -> float:
        """Seconds until the job expires."""
        return self._keep - (time.time() - job.created)

    def _update(self, job_id: str, change: Callable[[Job], Job]) -> Job | None:
        return self.state.update(job_id, change, self._left)

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
        self.state.close()


class JobState(Protocol):
    """Where the jobs and their files are kept, shared by every process that serves them."""

    def admit(self, job: Job, check: Callable[[list[Job]], None], keep: float) -> None:
        """Store a new job for `keep` seconds if check(every job stored) does not raise:
        atomically, so two admissions at once cannot both pass a limit."""

    def get(self, job_id: str) -> Job | None: ...

    def jobs(self) -> list[Job]:
        """Every job not expired (for counting, as the load test does)."""

    def update(self, job_id: str, change: Callable[[Job], Job],
               left: Callable[[Job], float]) -> Job | None:
        """Replace the job by change(job) atomically, kept left(job) more seconds (deleted
        if none are left); the new job, or None if there is none."""

    def put_file(self, job: Job, name: str, content: bytes, left: float) -> None:
        """Keep a finished file under `name` for `left` seconds."""

    def open_file(self, job: Job) -> BinaryIO: ...

    def delete_file(self, name: str) -> None: ...

    def sweep(self) -> None:
        """Forget expired jobs and their files."""

    def close(self) -> None: ...


class DiskJobState:
    """diskcache in the shared folder (`jobs/`), files in `exports/`: one machine."""

    def __init__(self, folder: Path):
        self.files = folder / "exports"
        self.files.mkdir(parents=True, exist_ok=True)
        self._cache = diskcache.Cache(str(folder / "jobs"), timeout=30)

    def admit(self, job, check, keep):
        with self._cache.transact():
            check(self.jobs())
            self._cache.set(job.id, asdict(job), expire=keep)

    def get(self, job_id):
        raw = self._cache.get(job_id)
        return None if raw is None else Job(**raw)

    def update(self, job_id, change, left):
        with self._cache.transact():
            raw = self._cache.get(job_id)
            if raw is None:
                return None
            job = change(Job(**raw))
            seconds = left(job)
            if seconds <= 0:
                self._cache.delete(job_id)
                return None
            self._cache.set(job_id, asdict(job), expire=seconds)
            return job

    def put_file(self, job, name, content, left):
        from dashboard.export import write_atomic

        write_atomic(self.files / name, content)

    def open_file(self, job):
        return open(self.files / job.file, "rb")

    def delete_file(self, name):
        (self.files / name).unlink(missing_ok=True)

    def sweep(self):
        self._cache.expire()
        known = {job.id for job in self.jobs()}
        for path in self.files.iterdir():  # ID.gif; .ID.gif.… while write_atomic writes it
            if path.name.lstrip(".").split(".")[0] not in known:
                path.unlink(missing_ok=True)

    def jobs(self):
        found = []
        for key in list(self._cache.iterkeys()):
            raw = self._cache.get(key)
            if raw is not None:
                found.append(Job(**raw))
        return found

    def close(self):
        self._cache.close()


class RedisJobState:
    """Jobs and their files in Redis, shared by servers on any number of machines: each
    job a JSON string and each finished file a string under PREFIX, expiring with the job,
    and the set of job ids (pruned of expired ones) for the admission's count."""

    PREFIX = "frontlines:export:"
    INDEX = PREFIX + "ids"

    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
        self._watch_error, self._redis_error = redis.WatchError, redis.RedisError

    @contextmanager
    def _reached(self) -> Iterator[None]:
        """Redis's failures as StoreError: the API answers 503 with the reason."""
        try:
            yield
        except self._redis_error as exc:
            raise StoreError(f"the Redis export job store failed: {str(exc)[:300]}") from None

    def _key(self, job_id: str) -> str:
        return f"{self.PREFIX}job:{job_id}"

    def admit(self, job, check, keep):
        with self._reached(), self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(self.INDEX)  # another admission changes it: start again
                    ids = sorted(i.decode() for i in pipe.smembers(self.INDEX))
                    raws = pipe.mget([self._key(i) for i in ids]) if ids else []
                    check([Job(**json.loads(r)) for r in raws if r is not None])
                    gone = [i for i, r in zip(ids, raws) if r is None]
                    pipe.multi()
                    pipe.set(self._key(job.id), json.dumps(asdict(job)), px=_ms(keep))
                    pipe.sadd(self.INDEX, job.id)
                    if gone:
                        pipe.srem(self.INDEX, *gone)
                    pipe.execute()
                    return
                except self._watch_error:
                    continue

    def get(self, job_id):
        with self._reached():
            raw = self._redis.get(self._key(job_id))
            return None if raw is None else Job(**json.loads(raw))

    def jobs(self):
        with self._reached():
            ids = sorted(i.decode() for i in self._redis.smembers(self.INDEX))
            raws = self._redis.mget([self._key(i) for i in ids]) if ids else []
            return [Job(**json.loads(r)) for r in raws if r is not None]

    def update(self, job_id, change, left):
        with self._reached():
            key = self._key(job_id)
            with self._redis.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(key)  # changed meanwhile (a cancel, a beat): start again
                        raw = pipe.get(key)
                        if raw is None:
                            return None
                        job = change(Job(**json.loads(raw)))
                        seconds = left(job)
                        pipe.multi()
                        if seconds <= 0:
                            pipe.delete(key)
                        else:
                            pipe.set(key, json.dumps(asdict(job)), px=_ms(seconds))
                        pipe.execute()
                        return job if seconds > 0 else None
                    except self._watch_error:
                        continue

    def put_file(self, job, name, content, left):
        with self._reached():
            size = len(content) / 2**20
            if size > MAX_REDIS_FILE_MB:
                raise ValueError(f"the export is {size:,.0f} MB, over the {MAX_REDIS_FILE_MB} MB "
                                 "the server keeps; choose a smaller size, a shorter period or a "
                                 "longer step")
            if left > 0:
                self._redis.set(self.PREFIX + "file:" + name, content, px=_ms(left))

    def open_file(self, job):
        with self._reached():
            content = self._redis.get(self.PREFIX + "file:" + job.file)
            if content is None:
                raise FileNotFoundError(job.file)
            return io.BytesIO(content)

    def delete_file(self, name):
        with self._reached():
            self._redis.delete(self.PREFIX + "file:" + name)

    def sweep(self):
        """Redis forgets expired jobs and files itself; only the index is pruned."""
        with self._reached():
            ids = [i.decode() for i in self._redis.smembers(self.INDEX)]
            if ids:
                gone = [i for i, r in zip(ids, self._redis.mget([self._key(i) for i in ids]))
                        if r is None]
                if gone:
                    self._redis.srem(self.INDEX, *gone)

    def close(self):
        self._redis.close()


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


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
