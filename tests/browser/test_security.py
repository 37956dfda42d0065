"""The page under its Content-Security-Policy, in a real Chromium: everything works (map,
steps, report view, PNG and CSV downloads) with no violation, and the policy is really
enforced (an injected inline script is blocked and reported)."""
from __future__ import annotations

import urllib.request

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
    page.page.click("#step-forward")
    page.settle()
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
