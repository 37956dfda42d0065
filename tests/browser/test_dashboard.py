"""The dashboard in a real headless Chromium, used as an analyst would use it.

Every request that leaves 127.0.0.1 is blocked and recorded. Tests wait on state (the map's
drawn day, the <time> element, a quiet network), never on a fixed time. Each saves a
screenshot under tests/artifacts/: look at them, a test passing on a blank map is a bug.
"""
from __future__ import annotations

import json
import math
import struct

import pytest
from conftest import Page

DERNA = (22.4, 22.9, 32.6, 32.9)  # lon, lon, lat, lat box around Derna and its outskirts
LABELS = "map => map.getStyle().layers.filter(l => l.type === 'symbol').map(l => l.id)"
# Every label MapLibre placed, with its box on the screen, from its own collision index;
# and the text of each placed label (queryRenderedFeatures returns placed symbols only).
PLACED = """map => {
  const grid = map.style.placement.collisionIndex.grid;
  const boxes = [];
  for (let i = 0; i < grid.boxKeys.length; i++) {
    const b = grid.bboxes.slice(4 * i, 4 * i + 4);
    boxes.push(b);
  }
  const layers = map.getStyle().layers.filter(l => l.type === 'symbol' &&
      (l.id === 'places' || l.id.indexOf('area labels') >= 0
       || l.id.indexOf('key places') >= 0)).map(l => l.id);
  const texts = map.queryRenderedFeatures({layers}).map(f =>
      [f.layer.id.indexOf('area labels') >= 0 ? 'area' : 'place',
       f.properties.name || f.properties.text || '',
       map.project(f.geometry.coordinates).x, map.project(f.geometry.coordinates).y]);
  return {boxes, texts};
}"""


def points_in(trace: dict, box=DERNA) -> int:
    lon0, lon1, lat0, lat1 = box
    return sum(1 for lon, lat in zip(trace["lon"], trace["lat"])
               if lon is not None and lon0 < lon < lon1 and lat0 < lat < lat1)


def location(page) -> str:
    return page.page.evaluate("() => location.search")


def date_words(page) -> str:
    return page.page.inner_text("#date-words")


def drawn_day(page) -> str:
    return page.page.get_attribute("#map-frame", "data-drawn-day")


def no_overlaps(boxes) -> list:
    """Pairs of label boxes that intersect by more than a pixel."""
    bad = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1:
                bad.append((a, b))
    return bad


def test_page_loads_offline_without_console_errors(page):
    page.open()
    assert drawn_day(page) == "2016-04-21"
    assert page.page.get_attribute("#date-words", "datetime") == "2016-04-21"
    assert date_words(page) == "Thursday 21 April 2016"
    assert points_in(page.trace("area dmsc held")) > 0
    assert len(page.trace("events")["ids"]) > 5
    assert "IS held" in page.page.inner_text("#summary")
    assert page.page.title() == "Frontlines – 21 April 2016"
    page.shot("01-initial-view")
    assert page.errors == []
    assert page.external == [], f"requests left 127.0.0.1: {page.external[:3]}"


def test_labels_never_overlap_and_derna_and_its_holder_are_readable(page):
    for name, query in (("default", "?date=2016-04-21"),
                        ("derna", "?date=2016-04-21&map=10/32.76/22.64")):
        page.open(query)
        # MapLibre places labels over a few frames after the data is drawn: wait for Derna's
        page.page.wait_for_function(
            "() => document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map"
            ".queryRenderedFeatures().some(f => (f.properties.text || '') === 'Derna (DMSC)')",
            polling="raf", timeout=30000)
        placed = page.map_call(PLACED)
        assert placed["boxes"], "labels are placed"
        assert no_overlaps(placed["boxes"]) == []
        texts = [t[1] for t in placed["texts"]]
        assert "Derna (DMSC)" in texts, f"Derna is named with its holder ({name}): {texts}"
        if name == "derna":  # up close, the city's own area is labelled too
            assert "DMSC" in texts and "Al Fatayah" in texts
        page.shot(f"02-labels-{name}")
    assert page.errors == [] and page.external == []


def test_focus_buttons_and_a_shared_map_view(page):
    page.open("?date=2016-04-21")
    page.page.get_by_role("button", name="Derna", exact=True).click()
    page.page.wait_for_function("() => location.search.includes('map=10/')")
    view = page.map_call("map => [map.getZoom(), map.getCenter().lat, map.getCenter().lng]")
    assert abs(view[0] - 10) < 0.01 and abs(view[1] - 32.76) < 0.01
    page.open("?date=2016-04-21&map=9/32.2/22.3")
    view = page.map_call("map => [map.getZoom(), map.getCenter().lat, map.getCenter().lng]")
    assert [round(v, 2) for v in view] == [9, 32.2, 22.3], "a map= URL opens on that view"
    assert "map=9/32.2" in location(page)
    page.shot("03-map-view-from-url")


def test_stepping_from_2015_to_mid_2016_removes_is_around_derna_and_keeps_the_zoom(page):
    page.open("?date=2015-01-01&step=month&map=9.5/32.7/22.6")
    assert points_in(page.trace("area is contested")) > 0, "IS contests Derna in January 2015"
    page.shot("04a-derna-2015-01-01")
    for _ in range(17):  # 1 January 2015 + 17 months = 1 June 2016
        before = page.drawn_count()
        page.page.click("#step-forward")
        page.wait_for_map(before)
    assert date_words(page) == "Wednesday 1 June 2016" and drawn_day(page) == "2016-06-01"
    assert "date=2016-06-01" in location(page)
    assert points_in(page.trace("area is contested")) == 0
    assert points_in(page.trace("area is held")) == 0
    assert points_in(page.trace("area dmsc held")) > 0
    assert page.map_call("map => map.getZoom()") == 9.5, "moving through time kept the zoom"
    page.shot("04b-derna-2016-06-01-zoomed")
    assert page.errors == [] and page.external == []


def test_keyboard_moves_the_slider_and_focus_is_visible(page):
    page.open("?date=2016-04-21")
    thumb = page.page.locator("#date-slider [role=slider]")
    thumb.focus()
    page.page.keyboard.press("ArrowRight")
    page.page.wait_for_function("() => document.getElementById('map-frame')"
                                ".getAttribute('data-drawn-day') === '2016-04-22'")
    page.settle()
    assert date_words(page) == "Friday 22 April 2016"
    assert thumb.get_attribute("aria-valuetext") == "Friday 22 April 2016"
    assert thumb.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.shot("05-keyboard-focus")


def test_play_at_4_steps_a_second_draws_every_week_in_order_and_pause_stops(page):
    page.open("?date=2016-03-03&step=week&speed=4")
    page.record_drawn()
    page.page.click("#play")
    assert page.page.inner_text("#play") == "Pause" or page.page.wait_for_function(
        "() => document.getElementById('play').textContent === 'Pause'")
    page.page.wait_for_function("() => window.__drawn.length >= 12", timeout=60000)
    page.page.click("#play")
    at_pause = page.page.evaluate("() => window.__drawn.length")
    page.page.wait_for_function("() => document.getElementById('play').textContent === 'Play'")
    page.settle()
    drawn = page.page.evaluate("() => window.__drawn")
    import datetime as dt
    days = [dt.date.fromisoformat(d) for d in drawn]
    assert days[0] == dt.date(2016, 3, 10)
    assert all((b - a).days == 7 for a, b in zip(days, days[1:])), f"no week skipped: {drawn}"
    assert dt.date(2016, 4, 21) in days, "the weeks when IS left Derna are drawn"
    assert len(drawn) <= at_pause + 1, "Pause stops within one step"
    assert page.page.evaluate("() => window.frontlines.playing()") is False
    assert drawn_day(page) == drawn[-1] and "date=" + drawn[-1] in location(page)
    page.shot("06-paused")


def test_play_from_the_last_day_starts_again_from_the_first(page):
    import urllib.request
    with urllib.request.urlopen(page.base_url + "/api/datasets") as response:
        record = json.load(response)["datasets"][0]
    import datetime as dt

    from dashboard.steps import shift
    page.open(f"?date={record['last_day']}&step=month&speed=4")
    assert drawn_day(page) == record["last_day"]
    page.record_drawn()
    page.page.click("#play")
    page.page.wait_for_function("() => window.__drawn.length >= 2", timeout=60000)
    page.page.click("#play")
    page.settle()
    drawn = page.page.evaluate("() => window.__drawn")
    first = dt.date.fromisoformat(record["first_day"])
    assert drawn[:2] == [first.isoformat(), shift(first, "month", 1).isoformat()], \
        "Play went on from the first day, a month a step"


def test_play_and_the_step_buttons_follow_the_one_step_rule(page):
    """assets/map.js steps as dashboard/steps.py does: monthly Play from 31 January shows
    the end of each month, as the animation export's frames do."""
    import datetime as dt
    from dashboard.steps import shift, step_days
    page.open("?date=2016-01-31&step=month&speed=4")
    table = [(a, s, n) for a in ("2016-01-31", "2015-03-30", "2016-02-29", "2017-12-31")
             for s in ("day", "week", "month") for n in (-13, -1, 1, 2, 25)]
    js = page.page.evaluate("""table => { const F = window.frontlines, b = F.bundle;
        return table.map(([a, s, n]) => F.iso(b, F.shift(b, F.offsetOf(b, a), s, n))); }""",
                            table)
    assert js == [shift(dt.date.fromisoformat(a), s, n).isoformat() for a, s, n in table]
    page.record_drawn()
    page.page.click("#play")
    page.page.wait_for_function("() => window.__drawn.length >= 3", timeout=60000)
    page.page.click("#play")
    page.page.wait_for_function("() => document.getElementById('play').textContent === 'Play'")
    page.settle()
    drawn = page.page.evaluate("() => window.__drawn")
    expected = [d.isoformat() for d in step_days(dt.date(2016, 1, 31), dt.date(2017, 1, 31),
                                                   "month")[1:len(drawn) + 1]]
    assert drawn == expected and drawn[:3] == ["2016-02-29", "2016-03-31", "2016-04-30"]
    before = drawn_day(page)
    page.page.click("#step-back")
    page.page.wait_for_function(
        "d => document.getElementById('map-frame').getAttribute('data-drawn-day') !== d",
        arg=before)
    page.settle()
    assert drawn_day(page) == shift(dt.date.fromisoformat(before), "month", -1).isoformat()


def test_filtering_to_is_draws_only_is_and_the_geojson_download_holds_what_is_drawn(page):
    page.open("?date=2016-04-21&factions=is&window=365")
    drawn = page.drawn_ids()
    with page.page.expect_download() as info:
        page.page.locator("#export-geojson").scroll_into_view_if_needed()
        page.page.click("#export-geojson")
    collection = json.load(open(info.value.path(), encoding="utf-8"))
    assert {f["id"] for f in collection["features"]} == drawn
    for feature in collection["features"]:
        props = feature["properties"]
        if props["layer"] == "control":
            assert props["faction"] == "is" or "is" in props["contested_with"]
        if props["layer"] == "events":
            assert "is" in props["actors"]
    assert page.trace("area dmsc held")["lon"] == [] and page.trace("area gna held")["lon"] == []
    assert page.trace("area is held")["lon"]
    summary = page.page.inner_text("#summary")
    assert "GNA held" not in summary and "IS held" in summary
    page.shot("07a-filter-is")
    before = page.drawn_count()
    page.page.click("#factions-none")
    page.wait_for_map(before)
    assert page.drawn_ids() == set()
    before = page.drawn_count()
    page.page.locator("#factions label", has_text="PFG").click()
    page.wait_for_map(before)
    shown = page.trace("events")["ids"]
    api = page.page.evaluate(
        "async () => (await (await fetch('/api/events?start=2015-04-22&end=2016-04-21"
        "&faction=pfg')).json()).features.map(f => f.properties.id)")
    assert sorted(shown) == sorted(api), "map and API agree on the filter"
    page.shot("07-filter-pfg")


def test_clicking_an_event_shows_what_happened_its_sources_and_the_stack(page):
    page.open("?date=2016-04-21&window=30&map=10/32.76/22.64")
    events = page.trace("events")
    stacked = next(i for i, ids in enumerate(events["customdata"]) if len(ids.split()) > 1)
    point = page.map_call("(map, ll) => { const p = map.project(ll); return [p.x, p.y]; }",
                          [events["lon"][stacked], events["lat"][stacked]])
    canvas = page.page.locator("#map canvas.maplibregl-canvas").bounding_box()
    page.page.mouse.move(canvas["x"] + point[0], canvas["y"] + point[1])
    page.page.wait_for_selector("#map .hoverlayer .hovertext")  # plotly found the marker
    page.page.mouse.click(canvas["x"] + point[0], canvas["y"] + point[1])
    page.page.wait_for_function("() => location.search.includes('event=')")
    page.settle()
    chosen = events["customdata"][stacked].split()[-1]
    assert f"event={chosen}" in location(page)
    details = page.page.locator("#details")
    assert details.locator("a.source-link").count() >= 1
    assert details.locator("a.source-link").first.get_attribute("href").startswith("http")
    others = details.locator("ul.stack a")
    assert others.count() == len(events["customdata"][stacked].split()) - 1, \
        "every event of the stack is reachable"
    page.shot("08-event-details-and-stack")
    others.first.click()
    page.page.wait_for_function(f"() => !location.search.includes('event={chosen}')")
    page.settle()
    assert len(page.trace("selected event")["lon"]) == 1
    page.page.mouse.click(canvas["x"] + 30, canvas["y"] + 60)  # the sea: clears it
    page.page.wait_for_function("() => !location.search.includes('event=')")
    page.settle()
    assert page.trace("selected event")["lon"] == []
    assert page.external == []


def test_a_shared_url_restores_the_view(page):
    page.open("?date=2016-12-06&window=30&factions=is,gna&layers=control,events&lang=fr"
              "&event=2016-12-05-sirte")
    assert date_words(page) == "mardi 6 décembre 2016"
    checked = page.page.eval_on_selector_all("#factions input:checked", "els => els.map(e => e.value)")
    assert sorted(checked) == ["gna", "is"]
    assert page.page.is_checked("#window input[value='30']")
    assert not page.page.is_checked("#layers input[value='movements']")
    assert page.map_call("map => map.getLayoutProperty('places', 'visibility')") == "none"
    assert "5 décembre 2016 · Sirte" in page.page.inner_text("#details")
    assert len(page.trace("selected event")["lon"]) == 1
    assert page.page.inner_text("#summary").startswith("Le 6 décembre 2016")
    page.shot("09-restored-from-url")


def test_french_leaves_no_english_in_the_titles_and_axes(page):
    page.open("?date=2016-04-21&lang=fr")
    assert page.page.title() == "Lignes de front – 21 avril 2016"
    assert page.page.inner_text("#page-title").startswith("Lignes de front")
    title = page.page.evaluate("() => document.querySelector('#map .js-plotly-plot').layout.title.text")
    assert title == "Contrôle territorial et événements · 21 avril 2016"
    months = page.page.evaluate(
        "() => ['#activity', '#area-chart'].map(id => { const gd = document.querySelector(id +"
        " ' .js-plotly-plot'); return [[0, 3, 6].map(m => gd._fullLayout._d3locale"
        ".timeFormat('%B %b')(new Date(2016, m, 21))).join(', '), gd.querySelector('.xtick')"
        ".textContent]; })")
    french = "janvier janv., avril avr., juillet juil."
    assert [m[0] for m in months] == [french, french], "the charts' axis dates are French"
    assert all(m[1].startswith(("janv.", "juil.")) for m in months), months  # as drawn
    assert page.page.get_attribute("#step-back", "title") == "Reculer d'un pas"
    assert "types d'événements" in page.page.inner_text(".controls").lower()
    assert page.page.evaluate("() => document.documentElement.lang") == "fr"
    page.page.get_by_label("English").check()
    page.settle()
    assert page.page.title() == "Frontlines – 21 April 2016"
    drawn = page.drawn_count()
    page.page.get_by_label("Français").check()
    page.page.wait_for_function("() => document.getElementById('date-words').textContent"
                                " === 'jeudi 21 avril 2016'")
    page.wait_for_map(after=drawn)  # the map in French (plotly's new locale: a new map)
    page.page.wait_for_function("() => document.getElementById('summary').textContent"
                                ".startsWith('Le 21 avril')")
    page.shot("10-french")
    assert page.errors == []


def test_a_french_link_is_french_before_the_server_has_answered(page):
    """The page is laid out in the address's language: a French link shows no English
    while its callbacks are unanswered (the server's translations used to come a second
    later)."""
    page.open_unanswered("?date=2016-04-21&lang=fr", "2016-04-21")
    assert page.page.inner_text("#page-title").startswith("Lignes de front")
    assert page.page.inner_text("#date-words") == "jeudi 21 avril 2016"
    assert page.page.get_attribute("#step-back", "title") == "Reculer d'un pas"
    assert page.page.inner_text("#play") == "Lecture"
    assert page.page.is_checked("input[value='fr']")
    assert "types d'événements" in page.page.inner_text(".controls").lower()
    page.answer_callbacks()
    assert page.page.inner_text("#page-title").startswith("Lignes de front")
    assert page.page.evaluate("() => document.documentElement.lang") == "fr"
    assert page.page.inner_text("#summary").startswith("Le 21 avril")


def test_report_view_and_png_download(page):
    page.open("?date=2016-06-10")
    page.page.get_by_label("Report view").check()
    page.settle()
    assert not page.page.is_visible(".controls") and not page.page.is_visible(".timeline")
    assert "view=report" in location(page)
    page.shot("11-report-view")
    with page.page.expect_download() as info:
        page.page.click("#download-png")
    assert info.value.suggested_filename == "frontlines-2016-06-10.png"
    data = open(info.value.path(), "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    size = page.page.locator("#map .js-plotly-plot").bounding_box()
    assert (width, height) == (round(size["width"]) * 2, round(size["height"]) * 2)
    assert page.external == []


@pytest.mark.parametrize("query", ["?date=2016-04-21", "?date=2016-04-21&view=report",
                                   "?date=2016-08-01&window=365&lang=fr"])
def test_the_sources_line_fits_in_the_map_and_counts_what_it_leaves_out(page, query):
    """An export is a figure for a report: its sources footer is never cut off at the edge."""
    page.open(query)
    line, right, edge = page.page.evaluate(r"""() => {
        const gd = document.querySelector('#map .js-plotly-plot');
        const footer = Array.from(gd.querySelectorAll('.annotation-text'))
            .find(t => /Sources\s?:/.test(t.textContent));
        const lines = Array.from(footer.querySelectorAll('.line'));
        const last = lines[lines.length - 1];
        return [last.textContent, last.getBoundingClientRect().right,
                gd.getBoundingClientRect().right]; }""")
    assert right <= edge, f"the sources line runs off the map: {line!r}"
    assert line.split(":", 1)[1].strip(), "it names at least one source"


@pytest.mark.parametrize("query,viewport,resized", [
    ("?date=2016-04-21", (1600, 1000), None),
    ("?date=2016-04-21&map=10/32.76/22.64", (1600, 1000), None),
    ("?date=2016-04-21&view=report", (1920, 1080), None),  # an export's slide
    ("?date=2016-04-21&map=10/32.76/22.64", (1600, 1000), (1100, 900)),  # the window resized
])
def test_the_scale_bar_is_true_on_the_map_as_drawn(browser, server, query, viewport, resized):
    """The bar's ends, read back from MapLibre, are as far apart on the ground as it says,
    also once the window (and with it the map) has been resized."""
    context = browser.new_context(viewport=dict(zip(("width", "height"), viewport)))
    try:
        page = Page(context.new_page(), server).open(query)
        if resized:  # (the page redraws the bar, and the legend, with a plotly update)
            before = page.page.evaluate("""() => { const gd = document.querySelector(
                '#map .js-plotly-plot'); window.__updated = false;
                gd.on('plotly_update', e => { if (e.layout.shapes) { window.__updated = true; } });
                return gd._fullLayout.width; }""")
            page.page.set_viewport_size(dict(zip(("width", "height"), resized)))
            page.page.wait_for_function(
                "w => window.__updated && document.querySelector('#map .js-plotly-plot')"
                "._fullLayout.width !== w", arg=before, timeout=30000)
            page.settle()
        ends, label = page.map_call("""(map, _) => {
            const gd = document.querySelector('#map .js-plotly-plot');
            const bar = gd.layout.shapes[0], size = gd._fullLayout._size;
            const y = (1 - bar.y0) * size.h;
            const ends = [bar.x0, bar.x1].map(x => map.unproject([x * size.w, y]))
                .map(p => [p.lng, p.lat]);
            return [ends, gd.layout.annotations.find(a => a.name === 'scale').text]; }""")
        (lon0, lat0), (lon1, lat1) = ends
        a = math.sin(math.radians(lat1 - lat0) / 2) ** 2 + math.cos(math.radians(lat0)) * \
            math.cos(math.radians(lat1)) * math.sin(math.radians(lon1 - lon0) / 2) ** 2
        km = 2 * 6371.0 * math.asin(math.sqrt(a))
        said = float(label.split()[0])
        assert km == pytest.approx(said, rel=0.03), f"{label} drawn, {km:.1f} km on the ground"
    finally:
        context.close()


def test_a_resized_map_lists_in_its_legend_what_it_now_frames(browser, server):
    """A wider window frames more of the map: the legend then lists the factions that came
    into the frame (PFG and IS's held ground, west of this view), as a move or a zoom makes
    it do; each legend entry is checked against MapLibre's own bounds."""
    context = browser.new_context(viewport={"width": 900, "height": 900})
    legend = "() => document.querySelector('#map .js-plotly-plot').data" \
             ".filter(t => t.showlegend).map(t => t.name)"
    try:
        page = Page(context.new_page(), server).open("?date=2016-04-21&map=8/30.6/19.8")
        assert "PFG · held" not in page.page.evaluate(legend)
        page.page.set_viewport_size({"width": 1900, "height": 1000})
        page.page.wait_for_function(f"() => ({legend})().includes('PFG · held')", timeout=30000)
        page.settle()
        framed = page.map_call("""(map, _) => {
            const gd = document.querySelector('#map .js-plotly-plot'), b = map.getBounds();
            return gd.data.filter(t => t.meta && t.meta.legend && t.lon.some((x, i) =>
                x !== null && x >= b.getWest() && x <= b.getEast() && t.lat[i] >= b.getSouth()
                && t.lat[i] <= b.getNorth())).map(t => t.name); }""")
        assert {"PFG · held", "IS · held"} <= set(framed)
        assert set(page.page.evaluate(legend)) >= set(framed)
        page.shot("28-resized-legend")
    finally:
        context.close()


def test_the_charts_move_the_slider(page):
    page.open("?date=2016-04-21")
    bar = page.page.locator("#activity .bars path").nth(0).bounding_box()
    before = page.drawn_count()
    page.page.mouse.click(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] - 1)
    page.wait_for_map(before)
    assert date_words(page) != "Thursday 21 April 2016"
    page.page.locator("#area-chart").scroll_into_view_if_needed()
    chart = page.page.locator("#area-chart .nsewdrag").first.bounding_box()
    before = page.drawn_count()
    page.page.mouse.click(chart["x"] + chart["width"] * 0.15, chart["y"] + chart["height"] * 0.5)
    page.wait_for_map(before)
    assert "2015" in date_words(page)
    page.shot("12-chart-click")


def test_a_bad_url_parameter_is_explained_and_the_page_still_works(page):
    page.open("?date=2016-02-30&factions=is,martians&lang=xx&map=99/1/1&speed=9")
    notice = page.page.inner_text("#notice")
    for words in ("parameter 'date'", "martians", "parameter 'lang'", "parameter 'map'",
                  "parameter 'speed'"):
        assert words in notice
    assert date_words(page) == "Thursday 21 April 2016"
    page.shot("13-bad-url")
    assert page.errors == []


def test_compare_mode_shows_gained_and_lost_ground_and_the_table(page):
    page.open("?date=2017-01-01")
    before = page.drawn_count()
    page.page.get_by_label("Compare two dates").check()
    page.wait_for_map(before)
    assert "mode=compare" in location(page)
    assert page.trace("lost is")["lon"] and page.trace("gained gna")["lon"]
    assert page.trace("area is held")["lon"] == []
    table = page.page.inner_text(".changes-table")
    assert "IS" in table and "GNA" in table
    title = page.page.evaluate("() => document.querySelector('#map .js-plotly-plot').layout.title.text")
    assert "1 January 2016 → 1 January 2017" in title
    page.shot("14-compare-mode")
    page.page.locator(".changes a", has_text="5 December 2016 · Sirte").click()
    page.settle()
    assert "event=2016-12-05-sirte" in location(page) and "mode=compare" in location(page)
    assert "Giza" in page.page.inner_text("#details")
    assert page.errors == [] and page.external == []


def test_playback_outlines_what_changed_since_the_previous_step(page):
    page.open("?date=2016-05-27")
    before = page.drawn_count()
    page.page.click("#step-forward")  # one week: Bin Jawad and Nofaliya change hands
    page.wait_for_map(before)
    assert page.trace("changed")["lon"] and page.trace("changed")["showlegend"]
    page.shot("15-changed-since-last-step")


def test_estimated_layer_is_shown_with_its_own_label(page):
    page.open("?date=2016-03-01")
    before = page.drawn_count()
    page.page.locator("#layers label", has_text="Estimated control").click()
    page.wait_for_map(before)
    assert "estimated" in location(page)
    assert page.trace("estimated is")["lon"]
    assert "estimated from place observations" in page.page.text_content("#map .legend")
    page.shot("16-estimated-layer")


def test_export_image_and_data_from_the_page(page):
    page.open("?date=2016-04-21&map=10/32.76/22.64")
    page.page.locator("#export-image").scroll_into_view_if_needed()
    with page.page.expect_download(timeout=120000) as info:
        page.page.click("#export-image")
    assert info.value.suggested_filename == "frontlines-2016-04-21-derna.png"
    data = open(info.value.path(), "rb").read()
    assert struct.unpack(">II", data[16:24]) == (1920, 1080)
    with page.page.expect_download() as info:
        page.page.click("#export-csv")
    text = open(info.value.path(), encoding="utf-8").read()
    assert text.startswith("id,event_date") and "2016-04-20-derna" in text
    assert page.external == []


def test_animation_export_shows_progress_and_offers_the_file(page):
    page.open("?date=2016-06-01")
    link = page.export_animation("2016-05-01", "2016-05-15")
    assert "frontlines-2016-05-01-to-2016-05-15.gif" in link.inner_text()
    assert page.page.evaluate("() => document.getElementById('animation-progress').value") == 1
    page.shot("17-animation-ready")
    gif = page.page.evaluate(
        "async href => { const r = await fetch(href); const b = new Uint8Array("
        "await r.arrayBuffer()); return Array.from(b.slice(0, 6)); }",
        link.get_attribute("href"))
    assert bytes(gif) == b"GIF89a"


def test_a_phone_shows_the_map_on_the_first_screen(browser, server):
    from conftest import Page
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    phone = Page(context.new_page(), server)
    try:
        phone.open("?date=2016-04-21")
        box = phone.page.locator("#map").bounding_box()
        assert box["y"] < 300 and box["y"] + box["height"] <= 844 and box["height"] > 300
        legend = phone.page.locator("#map .legend").bounding_box()
        if legend:  # the legend never covers more than a quarter of the map
            overlap_w = max(0, min(box["x"] + box["width"], legend["x"] + legend["width"])
                            - max(box["x"], legend["x"]))
            plot = phone.page.locator("#map .nsewdrag, #map .maplibregl-canvas").first.bounding_box()
            overlap_h = max(0, min(plot["y"] + plot["height"], legend["y"] + legend["height"])
                            - max(plot["y"], legend["y"]))
            assert overlap_w * overlap_h <= plot["width"] * plot["height"] / 4
        assert not phone.page.is_visible("#factions"), "filters fold away on a phone"
        # the whole region leaves room for the names at its ends (Derna's, with its holder)
        phone.page.wait_for_function(
            "() => document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map"
            ".queryRenderedFeatures({layers: ['plotly-trace-layer-key places-symbol']})"
            ".some(f => f.properties.text === 'Derna (DMSC)')", polling="raf", timeout=30000)
        # the north arrow clear of the map's buttons, the footer inside the map's width
        arrow = phone.page.locator("#map .annotation", has_text="N").first.bounding_box()
        buttons = phone.page.locator("#map .modebar").bounding_box()
        assert arrow["x"] + arrow["width"] <= buttons["x"] or \
            arrow["y"] >= buttons["y"] + buttons["height"], (arrow, buttons)
        footer = phone.page.locator("#map .annotation", has_text="approximate").bounding_box()
        assert footer["x"] >= box["x"] and footer["x"] + footer["width"] <= box["x"] + box["width"]
        phone.shot("18-phone")
        assert phone.errors == []
    finally:
        context.close()
