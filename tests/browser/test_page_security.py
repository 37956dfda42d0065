"""The page under its Content-Security-Policy, in a real Chromium: everything works (map,
steps, report view, PNG and CSV downloads) with no violation, and the policy is really
enforced (an injected inline script is blocked and reported)."""
from __future__ import annotations

import urllib.request

from conftest import Page, start_server

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def violations(page) -> list[str]:
    return page.page.evaluate("() => window.__cspViolations")


def test_the_server_sends_the_policy_and_names_no_versions(server):
    with urllib.request.urlopen(server + "/") as response:
        assert "script-src 'self' 'sha256-" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert response.headers["Server"] == "Frontlines"


def test_the_page_works_under_its_content_security_policy(page):
    page.page.add_init_script(COLLECT_VIOLATIONS)
    page.open("?date=2016-04-21")
    before = page.drawn_count()
    page.page.click("#step-forward")
    page.wait_for_map(before)
    assert page.page.inner_text("#date-words") != "Thursday 21 April 2016"
    page.page.get_by_label("Report view").check()
    page.settle()
    with page.page.expect_download() as info:
        page.page.click("#download-png")
    assert open(info.value.path(), "rb").read()[:4] == b"\x89PNG"
    page.page.get_by_label("Report view").uncheck()
    page.settle()
    page.page.locator("#export-csv").scroll_into_view_if_needed()
    with page.page.expect_download() as info:
        page.page.click("#export-csv")
    assert open(info.value.path(), encoding="utf-8").read().startswith("id,event_date")
    page.shot("csp-page")
    assert violations(page) == [] and page.errors == [] and page.external == []

    # the policy is enforced, and a violation would be seen by this test
    page.page.evaluate("() => { const s = document.createElement('script');"
                       " s.textContent = 'window.__injected = 1'; document.body.append(s); }")
    page.page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.page.evaluate("() => window.__injected") is None
    assert violations(page)[0].startswith("script-src")
    assert any("Content Security Policy" in e for e in page.errors)


def test_the_maplibre_map_starts_its_workers_under_the_policy(browser, tmp_path):
    """The online-tiles basemap (offered with --tile-url) draws with MapLibre (plotly's map
    traces), which starts web workers from blob: URLs; the tiles themselves are blocked by
    this harness (offline)."""
    process, url = start_server("--datasets-dir", str(tmp_path), "--tile-url",
                                "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        _tiles_under_the_policy(Page(context.new_page(), url))
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)


def _tiles_under_the_policy(page):
    page.page.add_init_script(COLLECT_VIOLATIONS)
    page.page.goto(page.base_url + "/?date=2016-04-21&basemap=tiles")
    # the traces' GeoJSON sources are parsed in the workers: loaded means the workers ran
    page.page.wait_for_function(
        "() => { const gd = document.querySelector('#map .js-plotly-plot');"
        " const map = gd && gd._fullLayout && gd._fullLayout.map"
        "   && gd._fullLayout.map._subplot && gd._fullLayout.map._subplot.map;"
        " if (!map || !map.getStyle()) return false;"
        " const ids = Object.keys(map.getStyle().sources)"
        "   .filter(id => map.getSource(id).type === 'geojson');"
        " return ids.length > 3 && ids.every(id => map.isSourceLoaded(id)) }", timeout=60000)
    page.settle()
    page.shot("csp-maplibre")
    assert violations(page) == []
    offline = ("ERR_FAILED", "tile.openstreetmap.org", "Map error.")  # the blocked tiles
    assert [e for e in page.errors if not any(o in e for o in offline)] == []
    assert page.external and all("tile.openstreetmap.org" in u for u in page.external)


def test_debug_mode_works_under_the_policy_and_stays_offline(browser, tmp_path):
    """--debug adds Dash's dev tools, whose version check would call plotly.com."""
    process, url = start_server("--datasets-dir", str(tmp_path), "--debug")
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        page = Page(context.new_page(), url)
        page.page.add_init_script(COLLECT_VIOLATIONS)
        page.open("?date=2016-04-21")
        assert page.page.locator(".dash-debug-menu, .dash-debug-menu__outer").count() > 0
        assert violations(page) == [] and page.errors == [] and page.external == []
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)
