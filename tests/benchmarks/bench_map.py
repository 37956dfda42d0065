"""Benchmark: what a user of the map feels, in headless Chromium, side by side with a plain
baseline in the same run.

- first map drawn: from navigation to the map drawn (the page marks `frontlines-map-drawn`),
  the median of several first visits (each with an empty cache);
- a step: from pressing ▶ (a day on) to the map drawn, median and p95;
- Play at 4 steps a second, weekly: drawn steps per second achieved;
- bytes on first load, cold (empty cache) and warm (a second visit);
- the server's share of a step (the callbacks' functions), as a breakdown.

The baseline is a plain Dash app on the same record that rebuilds the whole figure (an SVG
Scattergeo of the day's areas and events over the same land) on the server at every step.

    .venv/bin/python tests/benchmarks/bench_map.py [--quick]
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import ROOT, arguments, header, ms  # noqa: E402

CHROMIUM = os.environ.get("FRONTLINES_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START = "2016-03-03"


def baseline_app():
    """The plain way: one graph, one slider, the whole figure rebuilt on every step."""
    import plotly.graph_objects as go
    from dash import Dash, Input, Output, dcc, html

    from dashboard.basemap import rings_for_plotly
    from dashboard.dataset import load_dataset
    from dashboard.state import day_offset, offset_day, parse_state
    from dashboard.view import shown

    data = load_dataset(ROOT / "geodata")
    record = data.record
    app = Dash(__name__, serve_locally=True, update_title=None)
    first = parse_state(f"?date={START}", record)
    from flask import send_from_directory

    @app.server.get("/topojson/<name>")
    def topojson(name):  # plotly's geo needs its topojson: served locally, as offline
        return send_from_directory(Path(__file__).parent / "topojson", name)

    app.layout = html.Div([
        dcc.Graph(id="map", style={"height": "560px"}, config={"topojsonURL": "/topojson/"}),
        html.Button("▶", id="step-forward")])

    @app.callback(Output("map", "figure"), Input("step-forward", "n_clicks"))
    def draw(clicks):
        from dataclasses import replace
        day = offset_day(record, day_offset(record, first.day) + (clicks or 0))
        found = shown(data, replace(first, day=day))
        traces = [go.Scattergeo(lon=data.basemap.land_lon, lat=data.basemap.land_lat,
                                mode="lines", fill="toself", fillcolor="#f4f1ea",
                                line={"color": "#8f9aa3"}, hoverinfo="skip")]
        for area in found.areas:
            lon, lat = rings_for_plotly(area.geometry)
            traces.append(go.Scattergeo(lon=lon, lat=lat, mode="lines", fill="toself",
                                        line={"color": record.factions[area.faction].colour}))
        traces.append(go.Scattergeo(lon=[e.lon for e in found.events],
                                    lat=[e.lat for e in found.events], mode="markers",
                                    marker={"color": [record.factions[e.actors[0]].colour
                                                      for e in found.events]}))
        lon0, lat0, lon1, lat1 = record.extent
        return go.Figure(traces, layout={
            "title": {"text": day.isoformat()},  # a map of its day, like ours
            "showlegend": False, "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
            "geo": {"projection": {"type": "mercator"}, "showland": False,
                    "showcountries": False, "showcoastlines": False, "bgcolor": "#d7e6f2",
                    "lonaxis": {"range": [lon0, lon1]}, "lataxis": {"range": [lat0, lat1]}}})
    return app


def serve(args: list[str]) -> tuple[subprocess.Popen, str]:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, *args, "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            urllib.request.urlopen(url + "/", timeout=1)
            return process, url
        except OSError:
            try:
                process.wait(timeout=0.25)
                raise RuntimeError(f"{args} did not start")
            except subprocess.TimeoutExpired:
                pass
    raise RuntimeError(f"{args} did not start")


# Marks the first time the baseline's graph holds data and has been drawn.
# The clock of a step starts when the ▶ button is pressed: the press's own time (the
# event's timeStamp, taken as the browser receives it), so that a page still busy with
# what came before, which would hear the press late, is charged for the wait.
CLICK_CLOCK = """
document.addEventListener('mousedown', (e) => { window.__t0 = e.timeStamp; }, true);
window.__pending = 0; window.__quietSince = 0;
const fetch0 = window.fetch.bind(window);
window.fetch = (...args) => {
  window.__pending++;
  return fetch0(...args).finally(() => {
    if (!--window.__pending) { window.__quietSince = performance.now(); }
  });
};
"""
AT_REST = ("() => window.__pending === 0 && window.__quietSince > 0"
           " && performance.now() - window.__quietSince > 500")
BASELINE_MARK = """
const poll = setInterval(() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  if (gd && gd.data && gd.data.length > 1 && document.querySelector('#map .gtitle')) {
    window.__first = performance.now(); clearInterval(poll);
  }
}, 5);
""" + CLICK_CLOCK


def opened(browser, url: str, ours: bool):
    """A page opened in a fresh context (an empty cache), and the seconds from navigation
    to its first map drawn."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.add_init_script(CLICK_CLOCK if ours else BASELINE_MARK)
    page.goto(url + f"/?date={START}&step=day")
    if ours:
        page.wait_for_function("() => performance.getEntriesByName('frontlines-map-drawn').length",
                               timeout=120000)
        first = page.evaluate("() => performance.getEntriesByName('frontlines-map-drawn')[0]"
                              ".startTime") / 1000
    else:
        page.wait_for_function("() => window.__first", timeout=120000)
        first = page.evaluate("() => window.__first") / 1000
    return context, page, first


def first_maps(browser, url: str, ours: bool, loads: int) -> list[float]:
    """The first map drawn (seconds) on each of `loads` first visits."""
    times = []
    for _ in range(loads):
        context, _, first = opened(browser, url, ours)
        context.close()
        times.append(first)
    return times


def measure(browser, url: str, ours: bool, steps: int) -> dict:
    """First map drawn, then, once the page is at rest (no request for half a second: a
    step is timed on a page at rest, not while the first load's answers arrive), `steps`
    presses of ▶, each timed to the map drawn for its day."""
    context, page, first = opened(browser, url, ours)
    page.wait_for_function(AT_REST, timeout=120000)
    latencies = []
    for k in range(steps):
        day = (dt.date.fromisoformat(START) + dt.timedelta(days=k + 1)).isoformat()
        page.click("#step-forward")  # a day on
        if ours:  # drawn: the map marks the day it has drawn, after the press
            t1 = page.wait_for_function(
                "day => document.getElementById('map-frame').getAttribute('data-drawn-day')"
                " === day && performance.getEntriesByName('frontlines-map-drawn').at(-1)"
                ".startTime", arg=day, timeout=60000).json_value()
        else:  # drawn: the SVG title shows the new day (checked on every frame)
            t1 = page.wait_for_function(
                "day => { const t = document.querySelector('#map .gtitle');"
                " return t && t.textContent === day && performance.now(); }",
                arg=day, polling="raf", timeout=60000).json_value()
        latencies.append((t1 - page.evaluate("() => window.__t0")) / 1000)
    context.close()
    return {"first": first, "steps": latencies}


def play_rate(browser, url: str, seconds: float) -> tuple[float, int]:
    """Drawn steps per second while playing weekly at 4 steps a second, from a page at rest."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.add_init_script(CLICK_CLOCK)
    page.goto(url + f"/?date={START}&step=week&speed=4")
    page.wait_for_function("() => document.getElementById('map-frame')?.getAttribute("
                           "'data-drawn-day')", timeout=120000)
    page.wait_for_function(AT_REST, timeout=120000)
    page.evaluate("() => { window.__drawn = []; new MutationObserver(() => window.__drawn.push("
                  "[document.getElementById('map-frame').getAttribute('data-drawn-day'),"
                  " performance.now()])).observe(document.getElementById('map-frame'),"
                  " {attributes: true, attributeFilter: ['data-drawn-count']}); }")
    page.click("#play")
    page.wait_for_function(f"() => window.__drawn.length && performance.now() - "
                           f"window.__drawn[0][1] > {seconds * 1000}", timeout=120000)
    page.click("#play")
    drawn = page.evaluate("() => window.__drawn")
    context.close()
    days = [dt.date.fromisoformat(d) for d, _ in drawn]
    skipped = sum(1 for a, b in zip(days, days[1:]) if (b - a).days != 7)
    return (len(drawn) - 1) / ((drawn[-1][1] - drawn[0][1]) / 1000), skipped


OURS_DRAWN = "() => document.getElementById('map-frame')?.getAttribute('data-drawn-day')"


def first_load_bytes(browser, url: str, ready: str = OURS_DRAWN,
                     mark: str = CLICK_CLOCK) -> tuple[int, int]:
    """Bytes over the wire (compressed) for a first visit, then for a second visit."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.add_init_script(mark)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    total = [0]
    cdp.on("Network.loadingFinished", lambda e: total.__setitem__(0, total[0] + e["encodedDataLength"]))
    sizes = []
    for _ in range(2):
        total[0] = 0
        page.goto(url + "/")
        page.wait_for_function(ready, timeout=120000)
        page.wait_for_function(AT_REST, timeout=120000)  # the first load's answers too
        sizes.append(total[0])
    context.close()
    return sizes[0], sizes[1]


def server_share(quick: bool) -> dict:
    """The server's work for one step, by function (what the callbacks call)."""
    from dashboard import callbacks
    from dashboard.config import Config
    from dashboard.registry import Registry
    from dashboard.state import controls_from_state, parse_state
    config = Config(datasets_dir=Path(tempfile.mkdtemp()))
    registry = Registry(config.data_dir, config.datasets_dir)
    record = registry.get(None).record
    loaded = callbacks.sync(registry, None, f"?date={START}", None, {}, None, None)
    state = loaded["state"]
    times = {"sync (URL and state)": [], "describe (summary, details, areas)": []}
    bundle = []
    for k in range(5 if quick else 40):
        day = dt.date(2015, 1, 5) + dt.timedelta(weeks=k)
        controls = controls_from_state(parse_state(f"?date={day}", record), record)
        start = time.perf_counter()
        out = callbacks.sync(registry, "date-slider", "", None, controls, state, None)
        times["sync (URL and state)"].append(time.perf_counter() - start)
        state = out["state"]
        start = time.perf_counter()
        callbacks.describe(registry, state, None)
        times["describe (summary, details, areas)"].append(time.perf_counter() - start)
    for _ in range(2 if quick else 5):
        start = time.perf_counter()
        callbacks.build_bundle(registry, loaded["filters"], None)
        bundle.append(time.perf_counter() - start)
    times["bundle (once per filter change, not per step)"] = bundle
    return times


def main() -> None:
    if "--baseline-server" in sys.argv:  # this file, run as the baseline's server
        port = int(sys.argv[sys.argv.index("--port") + 1])
        baseline_app().run(port=port)
        return
    args = arguments(__doc__.splitlines()[0])
    header("Map benchmark: the bundled record in headless Chromium, ours vs a plain Dash "
           "baseline", args.quick)
    steps = 5 if args.quick else 30
    from playwright.sync_api import sync_playwright
    ours, ours_url = serve([str(ROOT / "app.py"), "--datasets-dir", tempfile.mkdtemp()])
    base, base_url = serve([__file__, "--baseline-server"])
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            a = measure(browser, ours_url, True, steps)
            b = measure(browser, base_url, False, steps)
            loads = 2 if args.quick else 9
            firsts = {True: [a["first"]], False: [b["first"]]}
            for _ in range(loads - 1):  # ours and the baseline in turn, so load hits both
                for ours_, url_ in ((True, ours_url), (False, base_url)):
                    firsts[ours_] += first_maps(browser, url_, ours_, 1)
            rate, skipped = play_rate(browser, ours_url, 2 if args.quick else 6)
            cold, warm = first_load_bytes(browser, ours_url)
            base_cold, _ = first_load_bytes(browser, base_url, "() => window.__first",
                                            BASELINE_MARK)
            browser.close()
    finally:
        for process in (ours, base):
            process.terminate()
            process.wait(timeout=10)
    print(f"{'':34} {'Frontlines (MapLibre, steps in the page)':>44} | baseline (SVG, server)")
    def spread(values: list[float]) -> str:
        values = sorted(values)
        return (f"median {values[len(values) // 2]:.2f} s ({values[0]:.2f}–{values[-1]:.2f}, "
                f"{len(values)} loads)")
    print(f"{'first map drawn':34} {spread(firsts[True]):>44} | {spread(firsts[False])}")
    print(f"{'step: ▶ pressed to map drawn':34} {ms(a['steps']):>44} | {ms(b['steps'])}")
    print(f"{'  ratio of medians (ours/baseline)':34} "
          f"{sorted(a['steps'])[len(a['steps']) // 2] / sorted(b['steps'])[len(b['steps']) // 2]:>44.2f}")
    print(f"Play, weekly at 4 steps/s: {rate:.2f} drawn steps per second, {skipped} weeks skipped")
    print(f"first load, bytes transferred: {cold / 1e6:.2f} MB cold, {warm / 1e3:.0f} kB warm "
          f"(baseline cold: {base_cold / 1e6:.2f} MB)")
    print("server's share of a step (called directly):")
    for name, values in server_share(args.quick).items():
        print(f"  {name:48} {ms(values)}")


if __name__ == "__main__":
    main()
