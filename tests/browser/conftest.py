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
    for _ in range(240):
        try:
            urllib.request.urlopen(url + "/api/factions", timeout=1)
            return process, url
        except OSError:
            try:  # waits on the process: returns at once if it died, else after 0.25 s
                process.wait(timeout=0.25)
                raise RuntimeError((ARTIFACTS / f"server-{port}.log").read_text())
            except subprocess.TimeoutExpired:
                pass
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


# Counts the page's requests in flight, so tests wait for a quiet network (state), never
# for a fixed time: Dash talks to the server only through fetch.
QUIET = """
(() => {
  window.__pending = 0; window.__quietSince = performance.now();
  const fetch0 = window.fetch.bind(window);
  window.fetch = (...args) => {
    window.__pending++;
    return fetch0(...args).finally(() => {
      window.__pending--; if (!window.__pending) { window.__quietSince = performance.now(); }
    });
  };
})();
"""


CALLBACKS = "**/_dash-update-component*"  # the page's callback requests

class Page:
    """A Playwright page plus what it tried to fetch from outside and what it logged."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url
        self.external: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(QUIET)
        page.route("**/*", self._route)
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

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

    def open_unanswered(self, query: str, day: str):
        """Open `query` with the page's callbacks held unanswered, and wait for its map of
        `day` (the page sends its callbacks as that map is drawn: the first is waited for,
        so a test that says they are unanswered can fail)."""
        self.hold_callbacks()
        with self.page.expect_request(CALLBACKS, timeout=60000):
            self.page.goto(self.base_url + "/" + query)
        self.page.wait_for_function("day => document.getElementById('map-frame')?.getAttribute("
                                    "'data-drawn-day') === day", arg=day, timeout=60000)
        return self

    def hold_callbacks(self) -> None:
        """From now on the page's callback requests wait unanswered, in self.held."""
        self.held = []
        self.page.route(CALLBACKS, lambda route: self.held.append(route))

    def answer_callbacks(self) -> None:
        """The callbacks held since hold_callbacks are answered, and the page settles."""
        self.page.unroute(CALLBACKS)
        for route in self.held:
            route.continue_()
        self.settle()

    def drawn_count(self) -> int:
        return int(self.page.get_attribute("#map-frame", "data-drawn-count") or 0)

    def record_drawn(self) -> None:
        """From now on, window.__drawn lists each day the map finishes drawing, in order."""
        self.page.evaluate("""() => { window.__drawn = [];
            new MutationObserver(() => window.__drawn.push(document.getElementById('map-frame')
                .getAttribute('data-drawn-day'))).observe(document.getElementById('map-frame'),
                {attributes: true, attributeFilter: ['data-drawn-count']}); }""")

    def wait_for_map(self, after: int = 0):
        """Until the map has drawn (more than `after` times) and the page is quiet."""
        self.page.wait_for_function(
            "n => Number(document.getElementById('map-frame')?.getAttribute('data-drawn-count')"
            " || 0) > n", arg=after, timeout=60000)
        self.settle()

    def settle(self):
        """Until no callback request has been in flight for 300 ms, nothing is loading, and
        the map shows the day the date element says (its last draw is done)."""
        self.page.wait_for_function(
            "() => window.__pending === 0 && performance.now() - window.__quietSince > 300"
            " && !document.querySelector('[data-dash-is-loading=\"true\"]')"
            " && document.getElementById('map-frame')?.getAttribute('data-drawn-day') === "
            "document.getElementById('date-words')?.getAttribute('datetime')", timeout=60000)

    def trace(self, key: str) -> dict:
        """A map trace by its key (its uid), with the ids of what it draws; a view with
        nothing for that trace to draw has no such trace: it reads as empty."""
        return self.page.evaluate(
            "key => { const gd = document.querySelector('#map .js-plotly-plot');"
            " const t = gd.data.find(t => t.uid === key);"
            " return t ? {lon: Array.from(t.lon || []), lat: Array.from(t.lat || []),"
            " text: Array.from(t.text || []), customdata: Array.from(t.customdata || []),"
            " ids: (t.meta && t.meta.ids) || [], name: t.name, showlegend: t.showlegend}"
            " : {lon: [], lat: [], text: [], customdata: [], ids: [], name: null,"
            " showlegend: false} }", key)

    def drawn_ids(self) -> set[str]:
        """The ids of every area, movement and event the map draws."""
        return set(self.page.evaluate(
            "() => document.querySelector('#map .js-plotly-plot').data"
            ".flatMap(t => (t.meta && t.meta.ids) || [])"))

    def map_call(self, script: str, arg=None):
        """Run `script` (a function of the MapLibre map and arg) in the page."""
        return self.page.evaluate(
            "arg => { const map = document.querySelector('#map .js-plotly-plot')"
            f"._fullLayout.map._subplot.map; return ({script})(map, arg); }}", arg)

    def import_file(self, path, name: str) -> str:
        """Name a dataset and give the page's upload box a file, as a user does; the import's
        report once the import (run in the background, "Importing…" meanwhile) has ended."""
        self.page.locator("#import-name").scroll_into_view_if_needed()
        self.page.fill("#import-name", name)
        self.page.set_input_files("#upload input[type=file]", str(path))
        self.page.wait_for_function(
            "() => { const t = document.getElementById('import-report').textContent;"
            " return t.length > 0 && !t.startsWith('Importing…'); }", timeout=120000)
        return self.page.inner_text("#import-report")

    def export_animation(self, start: str, end: str):
        """Ask for a small GIF from start to end as a user does, and wait for its link."""
        self.page.locator("#animation-start").scroll_into_view_if_needed()
        self.page.fill("#animation-range", start)
        self.page.keyboard.press("Enter")
        self.page.fill("#animation-range-end-date", end)
        self.page.keyboard.press("Enter")
        self.page.keyboard.press("Escape")
        # the picker hands its dates to Dash a moment later: the request reads them then
        self.page.wait_for_function(
            "([start, end]) => { const p = window.dash_component_api.getLayout('animation-range')"
            ".props; return p.start_date === start && p.end_date === end; }",
            arg=[start, end], timeout=30000)
        self.page.click("#export-size label:has-text('Small')")
        self.page.click("#animation-start")
        self.page.wait_for_selector("#animation-status a.download-link", timeout=180000)
        return self.page.locator("#animation-status a.download-link")

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


LOG_SIZES = pytest.StashKey[dict]()  # each server log's size as a test starts


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report carries what the servers logged while it ran, so that
    a 500 seen by the page comes with the server's traceback, even in a CI run whose
    artifacts are gone."""
    if call.when == "setup":
        item.stash[LOG_SIZES] = {p: p.stat().st_size for p in ARTIFACTS.glob("server-*.log")}
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.failed:
        return
    before = item.stash.get(LOG_SIZES, {})
    for path in sorted(ARTIFACTS.glob("server-*.log")):
        with open(path, encoding="utf-8", errors="replace") as log:
            log.seek(before.get(path, 0))
            logged = log.read()
        if "Traceback" in logged:
            report.sections.append((f"server log {path.name}", logged[-6000:]))

