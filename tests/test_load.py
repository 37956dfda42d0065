"""The load test's bounded variant (tests/load/run_load.py, tests/load/locustfile.py): a
few simulated analysts for 20 s against two gunicorn servers on one PostGIS store, Redis
and a shared folder. Every request must succeed; every kind of request must have been made.
The 50-user, 2-minute figures are in the README (run_load.py prints them)."""
from __future__ import annotations

import sys

from datasets import ROOT

sys.path.insert(0, str(ROOT / "tests" / "load"))
from run_load import print_figures, run  # noqa: E402


def test_a_few_analysts_for_twenty_seconds_meet_no_error(postgis_url, tmp_path_factory):
    # a short folder: Chromium's sockets under TMPDIR must fit in 108 characters
    figures = run(users=4, seconds=20, folder=tmp_path_factory.mktemp("load"),
                  store=postgis_url, exporters=0.5)  # two of the four export once
    print_figures(figures)
    assert figures["failures"] == 0, figures["failure_messages"]
    assert figures["requests"] > 50, figures["locust_output"]
    assert {"page /", "/api/control", "/api/events (a week)", "/api/events (filtered)",
            "/api/datasets", "/api/exports (start)", "/api/exports/<id>"} \
        <= set(figures["by_request"]), figures["by_request"]
