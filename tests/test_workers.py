"""The app as a team serves it: `gunicorn -w 3 'app:server'`, settings from FRONTLINES_*
variables, a temporary datasets folder (and the shared folder inside it). Requests are
spread over the workers by the kernel; gunicorn's access log names the worker (pid) that
answered each, so the tests can check several workers answered."""
from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from datasets import ROOT
from dashboard.history import step_days
from gunicorn_server import Server
from test_importing import ACLED_FILE
from waiting import until

WORKERS = 3
GIB = 2**30


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("gunicorn"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def many(server: Server, path: str, count: int = 60):
    """count GETs of path, six at a time, so that busy workers leave the next to others."""
    with ThreadPoolExecutor(6) as pool:
        return list(pool.map(lambda _: server.get(path), range(count)))


def test_a_dataset_imported_while_serving_is_served_by_every_worker(server):
    many(server, "/api/datasets", 30)  # every worker has loaded the app and its datasets
    imported = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", str(ACLED_FILE), "--dataset", "fresh",
         "--datasets-dir", str(server.datasets)], cwd=ROOT, capture_output=True, text=True,
        timeout=300)
    assert imported.returncode == 0, imported.stdout + imported.stderr

    listed = many(server, "/api/datasets")
    assert all(status == 200 and "fresh" in [d["name"] for d in json.loads(body)["datasets"]]
               for status, body, _ in listed)
    served = many(server, "/api/events?dataset=fresh")
    assert all(status == 200 for status, _, _ in served)
    ids = {tuple(sorted(f["properties"]["id"] for f in json.loads(body)["features"]))
           for _, body, _ in served}
    assert len(ids) == 1 and "LBY9001" in next(iter(ids))  # every answer the same, and whole
    assert len(server.pids_serving("/api/events?dataset=fresh")) >= 2, \
        "the requests all reached one worker"


def test_an_export_job_is_known_to_every_worker_and_its_gif_downloads(server):
    start, end = dt.date(2016, 4, 1), dt.date(2016, 4, 29)
    status, body, _ = server.request("/api/exports", {
        "query": "date=2016-04-21&map=10/32.76/22.64", "format": "gif", "size": "small",
        "start": start.isoformat(), "end": end.isoformat(), "step": "week"})
    assert status == 202, body
    job = json.loads(body)["id"]
    answers, peaks = [], [0]

    def finished() -> bool:  # polled 30 times at least, and until the job is done
        answers.append(server.get(f"/api/exports/{job}"))
        peaks.append(server.memory())
        assert answers[-1][0] in (200, 202), answers[-1]
        return len(answers) >= 30 and answers[-1][0] == 200
    assert until(finished, 300), "the export did not finish"
    peak = max(peaks)
    assert len(server.pids_serving(f"/api/exports/{job}")) >= 2
    progress = [json.loads(body) for status, body, _ in answers if status == 202]
    assert {p["state"] for p in progress} <= {"queued", "running"}
    status, gif, headers = answers[-1]
    assert headers["Content-Type"] == "image/gif" and gif[:6] == b"GIF89a"
    assert "frontlines-2016-04-01-to-2016-04-29" in headers["Content-Disposition"]
    image = Image.open(io.BytesIO(gif))
    assert image.n_frames == len(step_days(start, end, "week")) == 5
    assert image.size == (1280, 720)
    print(f"memory while rendering: at most {peak / GIB:.2f} GiB")
    assert peak < 1.5 * GIB, f"{peak / GIB:.2f} GiB while rendering"


def test_huge_exports_are_refused_and_memory_stays_bounded(server):
    """Two 400-frame print-size GIFs (3,480 megapixels each) are refused; the server keeps
    serving the API, under 1.5 GiB with everything it started."""
    assert server.renders_end(), "an earlier job's render process did not end"
    huge = {"query": "date=2016-04-21", "format": "gif", "size": "print",
            "start": "2015-03-19", "end": "2016-04-21", "step": "day"}
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: server.request("/api/exports", huge), range(2)))
    for status, body, _ in answers:
        assert status == 400
        assert "400 frames at print size (3508×2480 px) is 3,480 megapixels, over the " \
               "limit of 1,000 megapixels" in json.loads(body)["error"]
    assert server.renders() == []  # nothing was started
    with ThreadPoolExecutor(1) as pool:  # memory measured while the API is busy
        traffic = pool.submit(many, server, "/api/control?date=2016-04-21", 90)
        used = server.memory()
        while not traffic.done():
            used = max(used, server.memory())
        served = traffic.result()
    assert all(status == 200 for status, _, _ in served)
    assert used < 1.5 * GIB, f"{used / GIB:.2f} GiB"


def test_a_cancelled_job_stops_its_render(server):
    status, body, _ = server.request("/api/exports", {
        "query": "date=2016-04-21", "format": "gif", "size": "small",
        "start": "2015-06-01", "end": "2016-04-21", "step": "day"})
    assert status == 202, body
    job = json.loads(body)["id"]
    def rendering():  # the job's state once the render has taken a frame
        state = json.loads(server.get(f"/api/exports/{job}")[1])
        return state if state["done"] > 0 else None
    state = until(rendering, 300)
    assert state and state["state"] == "running" and state["done"] > 0
    assert server.request(f"/api/exports/{job}", method="DELETE")[0] == 200
    status, body, _ = server.get(f"/api/exports/{job}")
    assert status == 409 and json.loads(body)["state"] == "cancelled"
    assert server.renders_end(), "the render went on after its job was cancelled"
