"""Two app servers, as behind a load balancer on two machines: two gunicorns on different
ports sharing one PostGIS store (FRONTLINES_STORE) and one Redis (FRONTLINES_REDIS: export
jobs and their files), each with a shared folder of its own (its datasets folder's
`.shared`), as if on different machines. What one does, the other serves at once: a
dataset imported into the store while both run, a re-import, and an export started on A,
polled and downloaded on B through Redis. (tests/browser/test_team_postgis.py imports
through A's page.)"""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from PIL import Image

from datasets import ROOT
import team
from gunicorn_server import Server
from test_importing import ACLED_FILE, acled_with
from waiting import until


@pytest.fixture(scope="module")
def servers(postgis_cluster, tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-servers")
    url = team.store(postgis_cluster, "team")
    with team.redis(folder) as redis_url, team.servers(folder, ["a", "b"], {
            "FRONTLINES_STORE": url, "FRONTLINES_REDIS": redis_url}) as (a, b):
        yield a, b, url


def import_into(url: str, path, name: str) -> None:
    done = subprocess.run([sys.executable, "-m", "dashboard", "import", str(path), "--dataset",
                           name, "--store", url], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def places(server: Server, name: str) -> dict:
    status, body, _ = server.get(f"/api/events?dataset={name}")
    assert status == 200, body[:500]
    return {f["properties"]["id"]: f["properties"]["place"] for f in json.loads(body)["features"]}


def test_a_dataset_imported_while_both_serve_is_served_by_both_at_once(servers, tmp_path):
    a, b, url = servers
    for server in (a, b):
        assert "shared" not in server.get("/api/datasets")[1].decode()
    import_into(url, ACLED_FILE, "shared")
    for server in (a, b):  # the very next request: no restart, no message
        listed = json.loads(server.get("/api/datasets")[1])["datasets"]
        assert "shared" in [d["name"] for d in listed]
    assert places(a, "shared") == places(b, "shared")
    assert "LBY9001" in places(b, "shared")

    import_into(url, acled_with(tmp_path, {"location": "Elsewhere"}), "shared")
    assert places(a, "shared")["LBY9001"] == places(b, "shared")["LBY9001"] == "Elsewhere"


def test_an_export_started_on_a_is_polled_and_downloaded_on_b(servers):
    a, b, url = servers
    import_into(url, ACLED_FILE, "exported")
    status, body, _ = a.request("/api/exports", {
        "query": "dataset=exported&date=2016-04-21&map=9/32.5/22.4", "format": "png",
        "size": "small"})
    assert status == 202, body
    job = json.loads(body)["id"]
    def done():
        status, body, headers = b.get(f"/api/exports/{job}")
        assert status in (200, 202), (status, body[:300])
        return (body, headers) if status == 200 else None
    answer = until(done, 300, every=0.2)
    assert answer, "the export did not finish"
    body, headers = answer
    assert headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG" and image.size[0] >= 600
    assert b.pids_serving(f"/api/exports/{job}") and not a.pids_serving(f"/api/exports/{job}")
    # nothing went through a folder: each server's shared folder holds no export file
    for server in (a, b):
        shared = server.datasets / ".shared"
        assert shared.is_dir() and not list(shared.rglob(f"{job}*"))
