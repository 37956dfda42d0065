"""POST /api/exports refuses what it cannot do with a 400 that says why, before any job is
queued (Flask's test client on the real app). Jobs that run are tested under gunicorn in
test_workers.py."""
from __future__ import annotations

import pytest

from app import create_app
from datasets import GEODATA
from dashboard.config import Config


@pytest.fixture
def client(tmp_path):
    def make(**settings):
        config = Config(data_dir=GEODATA, datasets_dir=tmp_path / "datasets", **settings)
        return create_app(config).server.test_client()
    return make


ANIMATION = {"query": "date=2016-04-21&map=10/32.76/22.64", "format": "gif", "size": "print",
             "start": "2015-03-19", "end": "2016-04-21", "step": "day"}


@pytest.mark.parametrize("body,parameter,words", [
    ("not json", "body", "expected a JSON object"),
    ([1, 2], "body", "expected a JSON object"),
    ({"format": "png", "colour": "red"}, "colour", "unknown field"),
    ({"format": "tiff"}, "request", "format 'tiff' is not one of png, pdf, svg, gif, mp4"),
    ({"format": "png", "size": "poster"}, "request", "size 'poster'"),
    ({"format": 3}, "format", "expected a string"),
    ({"format": "png", "query": "date=1990-01-01"}, "query", "outside the record"),
    ({"format": "png", "query": "dataset=nope"}, "query", "no dataset named 'nope'"),
    ({**ANIMATION, "start": "yesterday"}, "start", "yesterday"),
    ({**ANIMATION, "step": "year"}, "request", "step 'year'"),
    ({**ANIMATION, "step": "week"}, "request",
     "58 frames at print size (3508×2480 px) is 505 megapixels, over the limit of 100 "
     "megapixels"),
])
def test_bad_requests_are_refused_with_the_reason(client, body, parameter, words):
    api = client(export_megapixels=100)
    answer = api.post("/api/exports", **({"data": body, "content_type": "application/json"}
                                          if isinstance(body, str) else {"json": body}))
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["parameter"] == parameter
    assert words in answer.get_json()["error"]


def test_a_400_frame_print_animation_is_over_the_default_budget(client):
    answer = client().post("/api/exports", json=ANIMATION)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == (
        "parameter 'request': 400 frames at print size (3508×2480 px) is 3,480 megapixels, "
        "over the limit of 1,000 megapixels; choose a longer step, a shorter period or a "
        "smaller size")


def test_too_many_jobs_are_refused_with_the_limit(client):
    answer = client(export_jobs_per_client=0).post("/api/exports", json={"format": "png"})
    assert answer.status_code == 400
    assert "(at most 0 per client)" in answer.get_json()["error"]
    answer = client(export_jobs_total=0).post("/api/exports", json={"format": "png"})
    assert "(at most 0)" in answer.get_json()["error"]


def test_unknown_jobs_are_404_to_get_and_delete(client):
    api = client()
    for method in (api.get, api.delete):
        answer = method("/api/exports/" + "0" * 32)
        assert answer.status_code == 404 and answer.get_json()["parameter"] == "job_id"


def test_an_unreachable_redis_job_store_is_a_503_with_the_reason(client):
    from gunicorn_server import free_port

    api = client(redis=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    answer = api.post("/api/exports", json={"query": "date=2016-04-21", "format": "png"})
    assert answer.status_code == 503
    assert "the Redis export job store failed" in answer.get_json()["error"]
    answer = api.get("/api/exports/" + "0" * 32)
    assert answer.status_code == 503 and "Redis" in answer.get_json()["error"]
