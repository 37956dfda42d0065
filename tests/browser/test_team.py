"""The page served as a team serves it: gunicorn with several workers, background callbacks
on Celery with a real Redis (Debian's redis-server, started here on loopback with its data
in a temporary folder; tests/run.sh installs it). The page's polls reach any worker."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, Page
from gunicorn_server import Server
from redis_server import start_redis

ACLED = (ROOT / "tests" / "fixtures" / "imports" / "acled_libya.csv")


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    folder = tmp_path_factory.mktemp("team")
    (folder / "redis").mkdir()
    redis_server, url = start_redis(folder / "redis")
    server = Server(folder, workers=2, env={"FRONTLINES_REDIS": url})
    log = open(folder / "celery.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "app:celery_app", "worker", "--pool", "solo",
         "--loglevel", "warning"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "FRONTLINES_DATASETS_DIR": str(server.datasets),
             "FRONTLINES_REDIS": url, "TMPDIR": str(folder)})
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
        worker.terminate()
        worker.wait(60)
        redis_server.terminate()
        redis_server.wait(30)
        log.close()


def test_an_upload_runs_on_celery_and_every_worker_serves_it(browser, team):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = Page(context.new_page(), team.base)
    try:
        page.open()
        page.page.locator("#import-name").scroll_into_view_if_needed()
        page.page.fill("#import-name", "teamwork")
        page.page.set_input_files("#upload input[type=file]", str(ACLED))
        page.page.wait_for_function(
            "() => { const t = document.getElementById('import-report').textContent;"
            " return t.length > 0 && !t.startsWith('Importing…'); }", timeout=120000)
        report = page.page.inner_text("#import-report")
        assert "teamwork" in report and "Import refused" not in report, report
        page.page.wait_for_function("() => location.search.includes('dataset=teamwork')",
                                    timeout=60000)
        page.settle()
        page.page.wait_for_function(  # the page switched to the new dataset: its title
            "() => document.querySelector('h1').textContent.includes('teamwork')",
            timeout=60000)
        page.shot("20-team-upload")
        # the page's background callback was answered through Redis by the Celery worker,
        # and its polls by whichever gunicorn worker took them
        assert len(team.pids_serving("/_dash-update-component")) >= 2
        for _ in range(10):
            status, body, _ = team.get("/api/datasets")
            assert status == 200 and b'"teamwork"' in body
        assert page.errors == [] and page.external == []
    finally:
        context.close()


def test_the_page_animation_export_is_polled_across_workers(browser, team):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = Page(context.new_page(), team.base)
    try:
        page.open("?date=2016-06-01")
        link = page.export_animation("2016-05-01", "2016-05-22")
        assert "frontlines-2016-05-01-to-2016-05-22.gif" in link.inner_text()
        status, gif, _ = team.get(link.get_attribute("href"))
        assert status == 200 and gif[:6] == b"GIF89a"
        assert page.errors == [] and page.external == []
    finally:
        context.close()
