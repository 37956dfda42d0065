"""A dataset bigger than the browser can draw: counts per cell, markers when zoomed in."""
from __future__ import annotations

import json
import random

import pytest

from conftest import Page, start_server
from datasets import event, write_dataset

CLUSTER = 3_000  # events within 0.01° of Benghazi's centre, in one 13-zoom frame
SPREAD = 22_000  # events over north-western Libya


@pytest.fixture(scope="module")
def crowded_server(tmp_path_factory):
    rng = random.Random(3)
    events = [event(f"b{i}", f"2016-03-{1 + i % 28:02d}", ["lna"],
                    lon=round(20.06 + rng.uniform(0, 0.01), 5),
                    lat=round(32.11 + rng.uniform(0, 0.01), 5)) for i in range(CLUSTER)]
    events += [event(f"t{i}", f"2016-03-{1 + i % 28:02d}", ["gna"],
                     lon=round(rng.uniform(11, 15), 5), lat=round(rng.uniform(30, 33), 5))
               for i in range(SPREAD)]
    datasets = tmp_path_factory.mktemp("crowded")
    folder = write_dataset(datasets / "crowd", events=events)
    (folder / "dataset.json").write_text(json.dumps(
        {"name": "crowd", "title": {"en": "Crowd", "fr": "Foule"},
         "region": [-180, -90, 180, 90]}))
    process, url = start_server("--datasets-dir", str(datasets))
    yield url
    process.terminate()
    process.wait(timeout=10)


def aggregated(page: Page) -> int:
    """How many events the drawn bundle counts in cells rather than as markers."""
    return page.page.evaluate("() => window.frontlines.bundle.aggregated")


def test_over_budget_the_map_shows_counts_and_zoomed_in_markers(browser, crowded_server):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = Page(context.new_page(), crowded_server)
    try:
        page.open("?dataset=crowd&date=2016-03-28&window=30")
        assert page.trace("events")["lon"] == [], "no marker beyond the budget"
        texts = [t for k in range(4) for t in page.trace(f"density {k}")["text"]]
        assert texts and all(t.rstrip("k").replace(".", "").isdigit() for t in texts)
        assert aggregated(page) == CLUSTER + SPREAD, "every event is in a cell's count"
        assert "per grid cell" in page.page.inner_text("#summary")
        assert "Events per cell" in page.page.inner_text("#map")
        page.shot("scale-density")
        page.open("?dataset=crowd&date=2016-03-28&window=30&map=13/32.115/20.065")
        drawn = page.trace("events")  # events at one point share a marker (a stack)
        sent = page.page.evaluate("() => window.frontlines.bundle.events.items.length")
        assert sent == CLUSTER, "the frame's events are markers again"
        assert len(drawn["lon"]) > CLUSTER * 0.9 and all(20.05 <= x <= 20.08 for x in drawn["lon"])
        assert aggregated(page) == SPREAD, "the others are still counted"
        page.shot("scale-zoomed")
        assert not page.errors, page.errors
    finally:
        context.close()
