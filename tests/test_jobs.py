"""The shared export job store (dashboard.jobs): two Jobs objects stand for two gunicorn
workers; what one admits, updates or cancels, the other sees. Every test runs on both
stores: diskcache in one shared folder (two workers of one machine), and Redis
(tests/redis_server.py) with a shared folder each (two servers on different machines).
The render is stood in for by a work function run by Jobs.execute, as the job's process
runs it."""
from __future__ import annotations

import threading

import pytest
import redis

from dashboard import jobs as jobs_module
from dashboard.config import Config
from dashboard.export import ExportError
from dashboard.jobs import JobRefused, Jobs, RedisJobState
import team
from waiting import until

GIF = {"format": "gif"}


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with team.redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["diskcache", "redis"])
def workers(request, tmp_path):
    """Two workers' views of one job store; jobs are started by the test itself."""
    made = []
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()

    def make(**settings):
        pair = []
        for name in ("one", "other"):
            if request.param == "redis":  # servers on two machines: a folder each
                config = Config(datasets_dir=tmp_path / name, redis=url, **settings)
            else:
                config = Config(datasets_dir=tmp_path / "datasets", **settings)
            pair.append(Jobs(config, launch=lambda job_id: None))
        made.extend(pair)
        return pair
    yield make
    for jobs in made:
        jobs.close()


def files_left(jobs: Jobs) -> list:
    """The finished files the job store still keeps."""
    if isinstance(jobs.state, RedisJobState):
        return jobs.state._redis.keys(RedisJobState.PREFIX + "file:*")
    return list(jobs.state.files.iterdir())


def run(jobs: Jobs, job_id: str, work) -> threading.Thread:
    thread = threading.Thread(target=jobs.execute, args=(job_id, work), daemon=True)
    thread.start()
    return thread


def test_progress_and_the_file_are_seen_by_another_worker(workers):
    one, other = workers()
    job_id = one.submit(GIF, "a.gif", "image/gif", "client")
    assert other.get(job_id).state == "queued"
    halfway, release = threading.Event(), threading.Event()

    def work(progress):
        for i in range(3):
            progress(i + 1, 3)
            if i == 1:
                halfway.set()
                release.wait(30)
        return b"GIF89a-frames"
    thread = run(one, job_id, work)
    assert halfway.wait(30)
    seen = other.get(job_id)
    assert (seen.state, seen.done, seen.total) == ("running", 2, 3)
    release.set()
    thread.join(30)
    done = other.get(job_id)
    assert (done.state, done.done, done.total) == ("done", 3, 3)
    with other.open(done) as content:
        assert content.read() == b"GIF89a-frames"


def test_a_failed_render_says_why(workers):
    one, other = workers()
    job_id = one.submit(GIF, "b.gif", "image/gif", "client")
    run(one, job_id, lambda progress: (_ for _ in ()).throw(ExportError("no frames"))).join(30)
    assert (other.get(job_id).state, other.get(job_id).error) == ("failed", "no frames")


def test_limits_per_client_and_in_total_hold_across_workers(workers):
    one, other = workers(export_jobs_per_client=2, export_jobs_total=3)
    first = one.submit(GIF, "a.gif", "image/gif", "alice")
    other.submit(GIF, "a.gif", "image/gif", "alice")
    with pytest.raises(JobRefused, match=r"you already have 2 export\(s\) queued or running "
                                         r"\(at most 2 per client\)"):
        one.submit(GIF, "a.gif", "image/gif", "alice")
    one.submit(GIF, "a.gif", "image/gif", "bob")
    with pytest.raises(JobRefused, match=r"the server already has 3 exports queued or running "
                                         r"\(at most 3\)"):
        other.submit(GIF, "a.gif", "image/gif", "carol")
    run(other, first, lambda progress: b"x").join(30)  # a finished job no longer counts
    assert one.get(first).state == "done"
    assert one.submit(GIF, "a.gif", "image/gif", "alice")


def test_cancelling_from_another_worker_stops_the_work_between_frames(workers):
    one, other = workers()
    job_id = one.submit(GIF, "c.gif", "image/gif", "client")
    taken, started, cancelled = [], threading.Event(), threading.Event()

    def work(progress):
        for i in range(1000):
            progress(i, 1000)
            taken.append(i)
            started.set()
            cancelled.wait(30)  # the next frame comes once the other worker has cancelled
        return b"never"
    thread = run(one, job_id, work)
    assert started.wait(30)
    assert other.cancel(job_id)
    cancelled.set()
    thread.join(30)
    assert not thread.is_alive() and len(taken) < 1000
    job = one.get(job_id)
    assert job.state == "cancelled" and not job.file
    assert files_left(one) == []


def test_a_queued_job_waits_for_a_free_slot_and_can_be_cancelled_there(workers):
    one, other = workers(export_workers=1)
    busy_id = one.submit(GIF, "a.gif", "image/gif", "alice")
    queued_id = other.submit(GIF, "b.gif", "image/gif", "bob")
    inside, release = threading.Event(), threading.Event()
    busy = run(one, busy_id, lambda progress: (inside.set(), release.wait(30), b"a")[-1])
    assert inside.wait(30)
    ran = []
    waiting = run(one, queued_id, lambda progress: ran.append(1) or b"b")  # same machine
    assert other.get(queued_id).state == "queued"
    other.cancel(queued_id)
    waiting.join(30)
    assert not waiting.is_alive() and ran == []  # left the queue without rendering
    release.set()
    busy.join(30)
    assert one.get(busy_id).state == "done" and one.get(queued_id).state == "cancelled"


def test_an_expired_job_stops_and_is_forgotten_with_its_file(workers):
    one, other = workers(export_keep_minutes=1.5 / 60)  # 1.5 s
    job_id = one.submit(GIF, "d.gif", "image/gif", "client")
    frames = []

    def work(progress):
        for i in range(10_000):
            progress(i, 10_000)
            frames.append(i)
            until(lambda: other.get(job_id) is None, timeout=30)  # the next frame: expired
        return b"never"
    run(one, job_id, work).join(30)
    assert 0 < len(frames) < 10_000
    assert other.get(job_id) is None
    done_id = one.submit(GIF, "e.gif", "image/gif", "client")
    run(one, done_id, lambda progress: b"GIF").join(30)
    with other.open(other.get(done_id)) as content:
        assert content.read() == b"GIF"
    assert files_left(one) != []
    assert until(lambda: other.get(done_id) is None, 30)
    one.sweep()  # as every submit does
    assert files_left(one) == []


def test_a_job_whose_process_died_is_reported_failed(workers, monkeypatch):
    one, other = workers()
    job_id = one.submit(GIF, "f.gif", "image/gif", "client")  # never started: no heartbeat
    assert other.get(job_id).state == "queued"
    monkeypatch.setattr(jobs_module, "STALE_SECONDS", 0)
    job = other.get(job_id)
    assert job.state == "failed" and "stopped unexpectedly" in job.error


def test_an_unknown_or_malformed_id_is_none(workers):
    one, _ = workers()
    assert one.get("0" * 32) is None and one.get("../../etc/passwd") is None
    assert not one.cancel("nope")


def test_admission_is_atomic_when_many_ask_at_once(workers):
    """12 submissions at once from both workers, at most 3 in all: exactly 3 admitted."""
    one, other = workers(export_jobs_per_client=12, export_jobs_total=3)
    admitted, refused = [], []

    def ask(jobs):
        try:
            admitted.append(jobs.submit(GIF, "a.gif", "image/gif", "alice"))
        except JobRefused:
            refused.append(1)
    threads = [threading.Thread(target=ask, args=(one if i % 2 else other,))
               for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(admitted) == 3 and len(refused) == 9
    assert all(other.get(job_id).state == "queued" for job_id in admitted)


def test_a_file_too_big_for_redis_fails_its_job_with_the_reason(redis_url, tmp_path,
                                                              monkeypatch):
    redis.Redis.from_url(redis_url).flushdb()
    one, other = (Jobs(Config(datasets_dir=tmp_path / name, redis=redis_url),
                       launch=lambda job_id: None) for name in ("one", "other"))
    monkeypatch.setattr(jobs_module, "MAX_REDIS_FILE_MB", 1)
    job_id = one.submit(GIF, "big.gif", "image/gif", "client")
    run(one, job_id, lambda progress: b"x" * (2 * 2**20)).join(30)
    job = other.get(job_id)
    assert job.state == "failed" and "over the 1 MB the server keeps" in job.error
    assert files_left(one) == []
    small = one.submit(GIF, "small.gif", "image/gif", "client")
    run(one, small, lambda progress: b"x" * 2**19).join(30)
    with other.open(other.get(small)) as content:
        assert len(content.read()) == 2**19
