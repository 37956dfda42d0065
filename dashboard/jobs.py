"""Long exports (animations) run here, in one background worker, so a request that starts
one returns at once and other users' requests are never held up behind it.

The page asks for progress by job id and downloads the file when it is done. This is the
one piece of mutable server state in the app; it holds only export jobs (never a user's
view), is created by create_app and guarded by a lock. Finished files live in a private
temporary folder; only the newest MAX_KEPT jobs are kept.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from dashboard.leftovers import tagged

MAX_KEPT = 20
Work = Callable[[Callable[[int, int], None]], bytes]


@dataclass(frozen=True)
class Job:
    id: str
    filename: str
    mimetype: str
    state: str = "queued"  # queued | running | done | failed
    done: int = 0
    total: int = 0
    error: str = ""
    path: Path | None = None

    def as_json(self) -> dict:
        return {"id": self.id, "state": self.state, "done": self.done, "total": self.total,
                "error": self.error, "filename": self.filename}


class Jobs:
    def __init__(self):
        self._folder = Path(tempfile.mkdtemp(prefix=tagged("frontlines-exports-")))
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._futures: dict[str, object] = {}

    def submit(self, work: Work, filename: str, mimetype: str) -> str:
        job = Job(uuid.uuid4().hex, filename, mimetype)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        future = self._pool.submit(self._run, job.id, work)
        with self._lock:
            self._futures[job.id] = future
        return job.id

    def wait(self, job_id: str, timeout: float | None = None) -> Job | None:
        """Until the job has finished (done or failed), for callers with nothing else to do."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout)
        return self.get(job_id)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _update(self, job_id: str, **changes) -> None:
        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def _run(self, job_id: str, work: Work) -> None:
        self._update(job_id, state="running")
        path = self._folder / f"{job_id}.bin"
        try:
            content = work(lambda done, total: self._update(job_id, done=done, total=total))
            path.write_bytes(content)
            self._update(job_id, state="done", path=path)
        except OSError as exc:  # e.g. a full disk: the page hears why, not where; no partial file
            path.unlink(missing_ok=True)
            reason = (exc.strerror or type(exc).__name__).lower()
            self._update(job_id, state="failed", error=f"the export could not be written "
                                                       f"on the server ({reason})")
        except Exception as exc:  # a failed export is reported to its page, never raised
            self._update(job_id, state="failed", error=str(exc)[:500])

    def _forget_old(self) -> None:
        for job_id in list(self._jobs)[:-MAX_KEPT]:
            old = self._jobs.pop(job_id)
            self._futures.pop(job_id, None)
            if old.path:
                old.path.unlink(missing_ok=True)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self._folder, ignore_errors=True)
