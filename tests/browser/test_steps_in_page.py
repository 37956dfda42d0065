"""A step of time is drawn by the page itself: it does not wait for the server, and it
redraws only the map layers whose data changed (issue 9's step and Play targets rest on
both; their figures are in tests/benchmarks/bench_map.py, not here)."""
from __future__ import annotations

DRAWN_DAY = "() => document.getElementById('map-frame').getAttribute('data-drawn-day')"


def test_a_step_is_drawn_while_the_server_has_not_answered(page):
    page.open("?date=2016-03-03&step=week")
    held = []
    page.page.route("**/_dash-update-component*", lambda route: held.append(route))  # unanswered
    page.page.click("#step-forward")
    page.page.wait_for_function(DRAWN_DAY + " === '2016-03-10'", timeout=30000)
    assert page.page.get_attribute("#date-words", "datetime") == "2016-03-10"
    assert held, "the step did ask the server (for the address and the text panels)"
    page.shot("24-step-drawn-before-the-server-answered")
    page.page.unroute("**/_dash-update-component*")
    for route in held:
        route.continue_()
    page.settle()
    assert "date=2016-03-10" in page.page.evaluate("() => location.search")
    assert page.page.inner_text("#summary").startswith("On 10 March 2016")


def test_a_step_keeps_the_map_layers_of_the_traces_it_keeps(page):
    """Plotly removes and re-adds every layer of traces that share a `below` on each update,
    and MapLibre then rebuilds them all; each trace has its own."""
    page.open("?date=2016-03-03&step=week")
    page.map_call("""map => { window.__removed = [];
        const remove = map.removeLayer;
        map.removeLayer = function (id) { window.__removed.push(id); return remove.apply(this, arguments); };
    }""")
    uids = "() => document.querySelector('#map .js-plotly-plot').data.map(t => t.uid)"
    for day in ("2016-03-10", "2016-03-17", "2016-03-24", "2016-03-31"):
        before = set(page.page.evaluate(uids))
        page.page.evaluate("() => { window.__removed = []; }")
        page.page.click("#step-forward")
        page.page.wait_for_function(DRAWN_DAY + f" === '{day}'", timeout=30000)
        after = set(page.page.evaluate(uids))
        removed = page.page.evaluate("() => window.__removed")
        kept = before & after
        assert kept, "the check can fail: traces are kept from one day to the next"
        relaid = [layer for layer in removed
                  if any(layer.startswith(f"plotly-trace-layer-{uid}-") for uid in kept)]
        assert relaid == [], f"{day}: layers of kept traces were removed: {relaid}"
        assert all(any(layer.startswith(f"plotly-trace-layer-{uid}-") for uid in before - after)
                   for layer in removed), f"{day}: only gone traces lose their layers: {removed}"
