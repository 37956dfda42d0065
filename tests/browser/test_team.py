"""The page served as a team serves it: gunicorn with several workers, background callbacks
on Celery with a real Redis (Debian's redis-server, started here on loopback with its data
in a temporary folder; tests/run.sh installs it). The page's polls reach any worker."""
from __future__ import annotations


import pytest

import team
from conftest import ROOT, Page

ACLED = (ROOT / "tests" / "fixtures" / "imports" / "acled_libya.csv")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("team")
    with team.redis(folder) as url, \
            team.servers(folder, ["a"], {"FRONTLINES_REDIS": url}) as (server,), \
            team.celery_worker(folder, {"FRONTLINES_DATASETS_DIR": str(server.datasets),
                                        "FRONTLINES_REDIS": url}):
        yield server


def test_an_upload_runs_on_celery_and_every_worker_serves_it(browser, served):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = Page(context.new_page(), served.base)
    try:
        page.open()
        report = page.import_file(ACLED, "teamwork")
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
        assert len(served.pids_serving("/_dash-update-component")) >= 2
        for _ in range(10):
            status, body, _ = served.get("/api/datasets")
            assert status == 200 and b'"teamwork"' in body
        assert page.errors == [] and page.external == []
    finally:
        context.close()


def test_the_page_animation_export_is_polled_across_workers(browser, served):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = Page(context.new_page(), served.base)
    try:
        page.open("?date=2016-06-01")
        link = page.export_animation("2016-05-01", "2016-05-22")
        assert "frontlines-2016-05-01-to-2016-05-22.gif" in link.inner_text()
        status, gif, _ = served.get(link.get_attribute("href"))
        assert status == 200 and gif[:6] == b"GIF89a"
        assert page.errors == [] and page.external == []
    finally:
        context.close()
