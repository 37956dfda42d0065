"""A team on PostGIS, through the page: two gunicorn servers share one PostGIS store, one
Redis (background callbacks on a Celery worker) and one shared folder. A file uploaded in
server A's page is imported into the store and served by server B at once."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, Page
from gunicorn_server import Server
from redis_server import start_redis

ACLED = ROOT / "tests" / "fixtures" / "imports" / "acled_libya.csv"


@pytest.fixture(scope="module")
def pair(postgis_cluster, tmp_path_factory):
    folder = tmp_path_factory.mktemp("team-postgis")
    url = postgis_cluster.create_database("teampage")
    init = subprocess.run([sys.executable, "-m", "dashboard", "db", "init", "--store", url],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    (folder / "redis").mkdir()
    redis_server, redis_url = start_redis(folder / "redis")
    env = {"FRONTLINES_STORE": url, "FRONTLINES_REDIS": redis_url,
           "FRONTLINES_SHARED_DIR": str(folder / "shared")}
    (folder / "a").mkdir()
    (folder / "b").mkdir()
    a = Server(folder / "a", workers=2, env=env)
    b = Server(folder / "b", workers=2, env=env)
    log = open(folder / "celery.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "app:celery_app", "worker", "--pool", "solo",
         "--loglevel", "warning"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, **env, "FRONTLINES_DATASETS_DIR": str(a.datasets),
             "TMPDIR": str(folder)})
    try:
        a.wait_ready()
        b.wait_ready()
        yield a, b
    finally:
        a.stop()
        b.stop()
        worker.terminate()
        worker.wait(60)
        redis_server.terminate()
        redis_server.wait(30)
        log.close()


def test_a_file_uploaded_on_a_is_served_by_b(browser, pair):
    a, b = pair
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = Page(context.new_page(), a.base)
    try:
        page.open()
        page.page.locator("#import-name").scroll_into_view_if_needed()
        page.page.fill("#import-name", "uploaded")
        page.page.set_input_files("#upload input[type=file]", str(ACLED))
        page.page.wait_for_function(
            "() => { const t = document.getElementById('import-report').textContent;"
            " return t.length > 0 && !t.startsWith('Importing…'); }", timeout=120000)
        report = page.page.inner_text("#import-report")
        assert "uploaded" in report and "FAILED" not in report and "refused" not in report, \
            report
        status, body, _ = b.get("/api/datasets")
        listed = {d["name"]: d for d in json.loads(body)["datasets"]}
        assert listed["uploaded"]["events"] == 5
        status, body, _ = b.get("/api/events?dataset=uploaded")
        ids = [f["properties"]["id"] for f in json.loads(body)["features"]]
        assert status == 200 and "LBY9001" in ids
        assert not list(a.datasets.glob("uploaded")), "imported into the store, not a folder"
        assert page.errors == [] and page.external == []
    finally:
        context.close()
