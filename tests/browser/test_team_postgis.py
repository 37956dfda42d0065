"""A team on PostGIS, through the page: two gunicorn servers share one PostGIS store, one
Redis (background callbacks on a Celery worker) and one shared folder. A file uploaded in
server A's page is imported into the store and served by server B at once."""
from __future__ import annotations

import json

import pytest

import team
from conftest import ROOT, Page

ACLED = ROOT / "tests" / "fixtures" / "imports" / "acled_libya.csv"


@pytest.fixture(scope="module")
def pair(postgis_cluster, tmp_path_factory):
    folder = tmp_path_factory.mktemp("team-postgis")
    url = team.store(postgis_cluster, "teampage")
    with team.redis(folder) as redis_url:
        env = {"FRONTLINES_STORE": url, "FRONTLINES_REDIS": redis_url,
               "FRONTLINES_SHARED_DIR": str(folder / "shared")}
        with team.servers(folder, ["a", "b"], env) as (a, b), \
                team.celery_worker(folder, {**env, "FRONTLINES_DATASETS_DIR": str(a.datasets)}):
            yield a, b


def test_a_file_uploaded_on_a_is_served_by_b(browser, pair):
    a, b = pair
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = Page(context.new_page(), a.base)
    try:
        page.open()
        report = page.import_file(ACLED, "uploaded")
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
