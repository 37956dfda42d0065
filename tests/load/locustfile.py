"""Simulated analysts for locust (tests/load/run_load.py starts the servers and runs it).

Each analyst works on one dataset (FRONTLINES_LOAD_DATASET, default: the bundled record)
against one of the servers in FRONTLINES_LOAD_HOSTS (comma-separated; users are spread over
them in turn, as a load balancer would). It first does each of these once, then goes on
picking them at random (weights 1, 6, 2, 2), with pauses of 1-3 s:
- opens the page: the HTML, Dash's layout and its callback graph;
- steps through 2016 a week at a time (its own place in the year, four steps a go): the
  control areas on that day and the week's events, as the page's map and summary show them;
- filters: one faction's battles over a month, and the movements then;
- calls the API: the datasets, the factions on a day, the ground changed over a quarter;
- one analyst in five (FRONTLINES_LOAD_EXPORTERS, a share) exports a PNG of the view once
  in its session, after its first 1-4 tasks: POST /api/exports, polled every second until
  done, downloaded.

A request counts as failed if its status is not the expected one, or an export does not
finish within EXPORT_TIMEOUT seconds. Run by hand:
    FRONTLINES_LOAD_HOSTS=http://127.0.0.1:8050 locust -f tests/load/locustfile.py
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import time

from locust import HttpUser, between, task

HOSTS = [h.strip().rstrip("/") for h in
         os.environ.get("FRONTLINES_LOAD_HOSTS", "http://127.0.0.1:8050").split(",") if h.strip()]
DATASET = os.environ.get("FRONTLINES_LOAD_DATASET", "")
# the share of analysts who export a PNG once in their session (each render is a Chromium)
EXPORTERS = float(os.environ.get("FRONTLINES_LOAD_EXPORTERS", "0.2"))
EXPORT_TIMEOUT = 180
_NEXT_USER = itertools.count()
WEEKS_2016 = [dt.date(2016, 1, 7) + dt.timedelta(weeks=k) for k in range(52)]


class Analyst(HttpUser):
    wait_time = between(1, 3)
    host = HOSTS[0]

    def on_start(self):
        number = next(_NEXT_USER)
        self.base = HOSTS[number % len(HOSTS)]
        self.week = random.randrange(len(WEEKS_2016))
        exports = int((number + 1) * EXPORTERS) > int(number * EXPORTERS)  # the share, evenly
        self.tasks_done, self.export_after = 0, random.randint(1, 4) if exports else -1
        self.factions = [f["id"] for f in self.get("/api/factions", "/api/factions").json()]
        # a first look does each thing once (the session's export among them), then the
        # analyst goes on at random
        self.open_page()
        self.step_through_2016()
        self.filter()
        self.call_the_api()

    def get(self, path: str, name: str, scoped: bool = True, **params):
        """GET path on this analyst's server (with its dataset when scoped)."""
        if DATASET and scoped:
            params["dataset"] = DATASET
        with self.client.get(self.base + path, params=params, name=name,
                             catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
            return answer

    @task(1)
    def open_page(self):
        query = f"?dataset={DATASET}" if DATASET else ""
        for path, name in (("/" + query, "page /"), ("/_dash-layout", "page /_dash-layout"),
                           ("/_dash-dependencies", "page /_dash-dependencies")):
            with self.client.get(self.base + path, name=name, catch_response=True) as answer:
                if answer.status_code != 200:
                    answer.failure(f"{answer.status_code}")
        self._done()

    @task(6)
    def step_through_2016(self):
        for _ in range(4):
            day = WEEKS_2016[self.week % len(WEEKS_2016)]
            self.week += 1
            self.get("/api/control", "/api/control", date=day.isoformat())
            self.get("/api/events", "/api/events (a week)", limit=500,
                     start=(day - dt.timedelta(days=6)).isoformat(), end=day.isoformat())
        self._done()

    @task(2)
    def filter(self):
        start = dt.date(2016, random.randrange(1, 12), 1)
        end = start + dt.timedelta(days=30)
        faction = random.choice(self.factions) if self.factions else None
        params = {"start": start.isoformat(), "end": end.isoformat(), "type": "Battles",
                  "limit": 500}
        if faction:
            params["faction"] = faction
        self.get("/api/events", "/api/events (filtered)", **params)
        self.get("/api/movements", "/api/movements", start=params["start"], end=params["end"])
        self._done()

    @task(2)
    def call_the_api(self):
        self.get("/api/datasets", "/api/datasets", scoped=False)
        self.get("/api/factions", "/api/factions", date="2016-04-21")
        self.get("/api/changes", "/api/changes", **{"from": "2016-01-01", "to": "2016-04-01"})
        self._done()

    def _done(self):
        """After each task: the session's one export comes after its first few tasks."""
        self.tasks_done += 1
        if self.tasks_done == self.export_after:
            self.export_png()

    def export_png(self):
        day = random.choice(WEEKS_2016).isoformat()
        query = f"date={day}" + (f"&dataset={DATASET}" if DATASET else "")
        with self.client.post(self.base + "/api/exports", name="/api/exports (start)",
                              json={"query": query, "format": "png", "size": "small"},
                              catch_response=True) as answer:
            if answer.status_code != 202:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                return
            job = answer.json()["id"]
        deadline = time.monotonic() + EXPORT_TIMEOUT
        while True:
            with self.client.get(f"{self.base}/api/exports/{job}", name="/api/exports/<id>",
                                 catch_response=True) as answer:
                if answer.status_code == 200:
                    if answer.content[:8] != b"\x89PNG\r\n\x1a\n":
                        answer.failure("the export is not a PNG")
                    return
                if answer.status_code != 202:
                    answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                    return
                if time.monotonic() > deadline:
                    answer.failure(f"the export did not finish in {EXPORT_TIMEOUT} s")
                    return
            time.sleep(1)  # a script's polling interval (gevent yields to other users)
