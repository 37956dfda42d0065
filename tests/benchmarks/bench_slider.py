"""Benchmark: what one slider step costs on the bundled record.

Drives the real Dash callbacks through HTTP (Flask's test client, no browser) the way the
page does on each step (URL sync, map, chart, text panels) for 60 weekly steps across the
record, and prints the server time and the bytes sent per step. Run:

    .venv/bin/python tests/benchmarks/bench_slider.py
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from dashboard import ids  # noqa: E402
from dashboard.callbacks import CONTROLS  # noqa: E402
from dashboard.config import Config  # noqa: E402
from dashboard.state import controls_from_state, default_state, state_to_store  # noqa: E402
from dashboard.records import load_record  # noqa: E402
from dataclasses import replace  # noqa: E402


def output_key(outputs):
    return ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".." if len(outputs) > 1 \
        else f"{outputs[0][0]}.{outputs[0][1]}"


def call(client, outputs, inputs, state=(), changed=None):
    payload = {
        "output": output_key(outputs),
        "outputs": [{"id": i, "property": p} for i, p in outputs] if len(outputs) > 1
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": changed or [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    start = time.perf_counter()
    response = client.post("/_dash-update-component", data=json.dumps(payload),
                           content_type="application/json")
    elapsed = time.perf_counter() - start
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:500]
    body = response.get_data()
    return elapsed, len(body), (json.loads(body) if response.status_code == 200 else {})


def main() -> None:
    record = load_record(ROOT / "geodata")
    client = create_app(Config()).server.test_client()
    state = default_state(record)
    days = [dt.date(2014, 10, 6) + dt.timedelta(weeks=k) for k in range(0, 60 * 3, 3)]
    rows = []
    first_full = None
    areas_key = chart_key = None
    for n, day in enumerate(days):
        state = replace(state, day=day)
        store = state_to_store(state)
        controls = controls_from_state(state, record)
        times, sizes = {}, {}
        times["sync"], sizes["sync"], _ = call(
            client, [(ids.URL, "search"), (ids.STATE, "data"), (ids.NOTICE, "children")]
            + [(c, p) for _, c, p in CONTROLS],
            [(ids.URL, "search", "?date=2016-04-21"), (ids.MAP, "clickData", None)]
            + [(c, p, controls[name]) for name, c, p in CONTROLS],
            [(ids.STATE, "data", store)], changed=[f"{ids.SLIDER}.value"])
        map_key = None if n == 0 else ["en", "offline"]
        times["map"], sizes["map"], _ = call(
            client, [(ids.MAP, "figure"), (ids.MAP_KEY, "data")], [(ids.STATE, "data", store)],
            [(ids.MAP_KEY, "data", map_key)])
        if n == 0:
            first_full = (times["map"], sizes["map"])
            continue
        times["chart"], sizes["chart"], reply = call(
            client, [(ids.ACTIVITY, "figure"), (ids.ACTIVITY_KEY, "data")],
            [(ids.STATE, "data", store)], [(ids.ACTIVITY_KEY, "data", chart_key)])
        chart_key = reply.get("response", {}).get(ids.ACTIVITY_KEY, {}).get("data", chart_key)
        times["text"], sizes["text"], _ = call(
            client, [(ids.SUMMARY, "children"), (ids.DATE_WORDS, "children"),
                     (ids.DETAILS, "children"), (ids.ROOT, "className")],
            [(ids.STATE, "data", store)])
        times["areas"], sizes["areas"], reply = call(
            client, [(ids.AREAS, "children"), (ids.AREAS_KEY, "data")],
            [(ids.STATE, "data", store)], [(ids.AREAS_KEY, "data", areas_key)])
        areas_key = reply.get("response", {}).get(ids.AREAS_KEY, {}).get("data", areas_key)
        rows.append((times, sizes))

    def stat(key, what):
        values = [r[0 if what == "t" else 1][key] for r in rows]
        return statistics.median(values), max(values)

    print(f"Slider step benchmark: {len(rows)} weekly steps, {len(record.events)} events, "
          f"{len(record.areas)} control areas")
    print(f"first full map figure: {first_full[0] * 1000:.0f} ms, {first_full[1] / 1024:.0f} KiB")
    print(f"{'callback':<8} {'median ms':>10} {'max ms':>8} {'median KiB':>11} {'max KiB':>8}")
    for key in ("sync", "map", "chart", "text", "areas"):
        t_med, t_max = stat(key, "t")
        s_med, s_max = stat(key, "s")
        print(f"{key:<8} {t_med * 1000:>10.1f} {t_max * 1000:>8.1f} {s_med / 1024:>11.1f} "
              f"{s_max / 1024:>8.1f}")
    total_t = [sum(r[0].values()) for r in rows]
    total_s = [sum(r[1].values()) for r in rows]
    print(f"{'per step':<8} {statistics.median(total_t) * 1000:>10.1f} {max(total_t) * 1000:>8.1f} "
          f"{statistics.median(total_s) / 1024:>11.1f} {max(total_s) / 1024:>8.1f}")


if __name__ == "__main__":
    main()
