"""A real server and a real headless Chromium (Debian's, via Playwright; never a download).

Every request that does not go to 127.0.0.1 is blocked and recorded, and every console
error is recorded, so each test can assert the page is offline and clean.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("FRONTLINES_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(*args: str, env: dict | None = None):
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / f"server-{port}.log", "w")  # a file, never a pipe nobody reads
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), *args],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               # the tests' own temp folder (tests/conftest.py): the app
                               # cleans abandoned frontlines-* folders there when it starts
                               env={**os.environ, "TMPDIR": tempfile.gettempdir(), **(env or {})})
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url + "/api/factions", timeout=1)
            return process, url
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((ARTIFACTS / f"server-{port}.log").read_text())
            time.sleep(0.25)
    process.kill()
    raise RuntimeError("the app did not start")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app on the bundled record, importing into a private datasets folder."""
    process, url = start_server("--datasets-dir", str(tmp_path_factory.mktemp("datasets")))
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


class Page:
    """A Playwright page plus what it tried to fetch from outside and what it logged."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url
        self.external: list[str] = []
        self.errors: list[str] = []
        self.inflight = 0
        page.route("**/*", self._route)
        page.on("request", lambda r: self._count(+1))
        page.on("requestfinished", lambda r: self._count(-1))
        page.on("requestfailed", lambda r: self._count(-1))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _count(self, delta: int):
        self.inflight += delta

    def _route(self, route):
        if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def open(self, query: str = ""):
        self.page.goto(self.base_url + "/" + query)
        self.wait_for_map()
        return self

    def wait_for_map(self):
        self.page.wait_for_function(
            "() => { const gd = document.querySelector('#map .js-plotly-plot');"
            " return gd && gd._fullLayout && gd._fullLayout.geo &&"
            " document.querySelectorAll('#map .scatterlayer .trace').length > 3 }", timeout=30000)
        self.settle()

    def settle(self):
        """Wait until every callback request has answered (Dash talks to the server only
        through requests, so a quiet network means the page is up to date) and plotly drew."""
        quiet, deadline = 0, time.monotonic() + 30
        while quiet < 3 and time.monotonic() < deadline:  # three quiet 100 ms polls in a row
            self.page.wait_for_timeout(100)
            quiet = quiet + 1 if self.inflight == 0 else 0
        self.page.wait_for_function(
            "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30000)
        self.page.wait_for_timeout(200)

    def trace(self, name: str) -> dict:
        return self.page.evaluate(
            "name => { const gd = document.querySelector('#map .js-plotly-plot');"
            " const t = gd.data.find(t => t.name === name);"
            " return t ? {lon: Array.from(t.lon || []), lat: Array.from(t.lat || []),"
            " customdata: Array.from(t.customdata || [])} : null }", name)

    def shot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    wrapped = Page(context.new_page(), server)
    yield wrapped
    context.close()
