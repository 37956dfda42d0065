"""The dashboard in a real headless Chromium, used as an analyst would use it.

Each test saves a screenshot under tests/artifacts/ (look at them: a test passing on a blank
map is a bug in the test).
"""
from __future__ import annotations

import struct

DERNA = (22.4, 22.9, 32.6, 32.9)  # lon, lon, lat, lat box around Derna and its outskirts


def points_in(trace: dict, box=DERNA) -> int:
    lon0, lon1, lat0, lat1 = box
    return sum(1 for lon, lat in zip(trace["lon"], trace["lat"])
               if lon is not None and lon0 < lon < lon1 and lat0 < lat < lat1)


def location(page) -> str:
    """The address bar's query (Dash updates it with pushState)."""
    return page.page.evaluate("() => location.search")


def date_words(page) -> str:
    return page.page.inner_text("#date-words")


def test_page_loads_offline_without_console_errors(page):
    page.open()
    assert page.trace("land")["lon"], "the bundled basemap is drawn"
    assert page.page.locator("#map .scatterlayer path.point").count() > 10, "events and places"
    assert date_words(page) == "Thursday 21 April 2016"
    assert "IS held" in page.page.inner_text("#summary")
    page.shot("01-initial-view")
    assert page.errors == []
    assert page.external == [], f"requests left 127.0.0.1: {page.external[:3]}"


def test_stepping_from_2015_to_mid_2016_removes_is_around_derna_and_keeps_the_zoom(page):
    page.open("?date=2015-01-01")
    assert points_in(page.trace("IS · contested")) > 0, "IS contests Derna on 1 January 2015"
    page.shot("02a-derna-2015-01-01")
    # zoom in with the mouse wheel over Derna; the steps below must not reset it
    derna = page.page.locator("#map .scatterlayer text", has_text="Derna").first.bounding_box()
    page.page.mouse.move(derna["x"] + derna["width"] / 2, derna["y"] + derna["height"] + 6)
    for _ in range(3):
        page.page.mouse.wheel(0, -300)
        page.page.wait_for_timeout(150)
    page.settle()
    scale = page.page.evaluate(
        "() => document.querySelector('#map .js-plotly-plot')._fullLayout.geo.projection.scale")
    assert scale > 1.5
    page.page.click("#step-size")
    page.page.get_by_role("option", name="1 month").click()
    for _ in range(17):  # 1 January 2015 + 17 months = 1 June 2016
        page.page.click("#step-forward")
        page.settle()
    assert date_words(page) == "Wednesday 1 June 2016"
    assert "date=2016-06-01" in location(page)
    assert points_in(page.trace("IS · contested")) == 0 and points_in(page.trace("IS · held")) == 0
    assert points_in(page.trace("DMSC · held")) > 0
    after = page.page.evaluate(
        "() => document.querySelector('#map .js-plotly-plot')._fullLayout.geo.projection.scale")
    assert after == scale, "moving through time kept the user's zoom"
    page.shot("02b-derna-2016-06-01-zoomed")
    assert page.errors == [] and page.external == []


def test_keyboard_moves_the_slider_and_focus_is_visible(page):
    page.open("?date=2016-04-21")
    thumb = page.page.locator("#date-slider [role=slider]")
    thumb.focus()
    page.page.keyboard.press("ArrowRight")
    page.settle()
    assert date_words(page) == "Friday 22 April 2016"
    assert thumb.get_attribute("aria-valuetext") == "Friday 22 April 2016"
    outline = thumb.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.shot("03-keyboard-focus")


def test_filtering_to_one_faction_hides_the_others_events(page):
    page.open("?date=2016-09-30&window=365")
    before = page.trace("events")["customdata"]
    page.page.click("#factions-none")
    page.settle()
    assert page.trace("events")["customdata"] == []
    page.page.locator("#factions label", has_text="PFG").click()
    page.settle()
    shown = page.trace("events")["customdata"]
    assert shown and len(shown) < len(before)
    api = page.page.evaluate(
        "async () => (await (await fetch('/api/events?start=2015-10-02&end=2016-09-30"
        "&faction=pfg')).json()).features.map(f => f.properties.id)")
    assert sorted(shown) == sorted(api), "map and API agree on the filter"
    assert "factions=pfg" in location(page)
    counts = page.page.inner_text("#summary")
    assert f"{len(shown)} events" in counts
    page.shot("04-filter-pfg")


def test_clicking_an_event_shows_what_happened_and_its_sources(page):
    page.open("?date=2016-04-21&window=30")
    index = page.page.evaluate(
        "() => { const gd = document.querySelector('#map .js-plotly-plot');"
        " const el = [...gd.querySelectorAll('.scatterlayer .trace')]"
        "   .find(el => el.__data__[0].trace.name === 'events');"
        " const pts = [...el.querySelectorAll('path.point')];"
        " return pts.findIndex(p => p.__data__.data === '2016-04-20-al-maheili'); }")
    assert index >= 0
    handle = page.page.evaluate_handle(
        "i => [...document.querySelector('#map .js-plotly-plot').querySelectorAll("
        "'.scatterlayer .trace')].find(el => el.__data__[0].trace.name === 'events')"
        ".querySelectorAll('path.point')[i]", index)
    box = handle.as_element().bounding_box()
    page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.wait_for_timeout(300)
    assert "Al-Maheili" in page.page.text_content("#map .hoverlayer"), "hover shows a short label"
    page.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.settle()
    details = page.page.locator("#details")
    assert "32" in details.inner_text() and "Al-Maheili" in details.inner_text()
    links = details.locator("a.source-link")
    assert links.count() >= 1 and links.first.get_attribute("href").startswith("http")
    assert "event=2016-04-20-al-maheili" in location(page)
    page.shot("05-event-details")
    assert page.external == []


def test_a_shared_url_restores_the_view(page):
    page.open("?date=2016-12-06&window=30&factions=is,gna&layers=control,events&lang=fr"
              "&event=2016-12-05-sirte")
    assert date_words(page) == "mardi 6 décembre 2016"
    checked = page.page.eval_on_selector_all(
        "#factions input:checked", "els => els.map(e => e.value)")
    assert sorted(checked) == ["gna", "is"]
    assert page.page.is_checked("#window input[value='30']")
    assert not page.page.is_checked("#layers input[value='movements']")
    assert page.trace("places")["lon"] == []
    assert "5 décembre 2016 · Sirte" in page.page.inner_text("#details")
    assert len(page.trace("selected event")["lon"]) == 1
    assert page.page.inner_text("#summary").startswith("Le 6 décembre 2016")
    page.shot("06-restored-from-url")


def test_french_labels_appear_when_french_is_chosen(page):
    page.open("?date=2016-04-21")
    page.page.get_by_label("Français").check()
    page.settle()
    assert page.page.inner_text("#page-title").startswith("Lignes de front")
    assert "types d'événements" in page.page.inner_text(".controls").lower()
    assert page.page.inner_text("#date-words") == "jeudi 21 avril 2016"
    assert page.page.inner_text("#summary").startswith("Le 21 avril 2016")
    assert "avril 2016" in page.page.evaluate(
        "() => document.querySelector('#map .js-plotly-plot').layout.title.text")
    assert page.page.evaluate("() => document.documentElement.lang") == "fr"
    assert "lang=fr" in location(page)
    page.shot("07-french")
    assert page.errors == []


def test_report_view_and_png_download(page):
    page.open("?date=2016-06-10")
    page.page.get_by_label("Report view").check()
    page.settle()
    assert not page.page.is_visible(".controls") and not page.page.is_visible(".timeline")
    assert "view=report" in location(page)
    page.shot("08-report-view")
    with page.page.expect_download() as info:
        page.page.click("#download-png")
    download = info.value
    assert download.suggested_filename == "frontlines-2016-06-10.png"
    data = open(download.path(), "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (3200, 2000)
    assert page.external == []


def test_the_activity_chart_moves_the_slider(page):
    page.open("?date=2016-04-21")
    box = page.page.locator("#activity .nsewdrag").first.bounding_box()
    bars = page.page.locator("#activity .bars path")
    target = bars.nth(0).bounding_box()
    page.page.mouse.click(target["x"] + target["width"] / 2, target["y"] + target["height"] - 1)
    page.settle()
    assert date_words(page) != "Thursday 21 April 2016"
    assert box["width"] > 100
    page.shot("09-chart-click")


def test_play_advances_and_pause_stops(page):
    page.open("?date=2016-04-21")
    page.page.click("#play")
    page.page.wait_for_timeout(3000)
    page.page.click("#play")
    page.settle()
    moved = date_words(page)
    assert moved != "Thursday 21 April 2016"
    page.page.wait_for_timeout(2000)
    assert date_words(page) == moved, "paused"
    assert page.page.inner_text("#play") == "Play"


def test_a_bad_url_parameter_is_explained_and_the_page_still_works(page):
    page.open("?date=2016-02-30&factions=is,martians&lang=xx")
    notice = page.page.inner_text("#notice")
    assert "parameter 'date'" in notice and "martians" in notice and "parameter 'lang'" in notice
    assert date_words(page) == "Thursday 21 April 2016"
    page.shot("10-bad-url")
    assert page.errors == []


def test_compare_mode_shows_gained_and_lost_ground_and_the_table(page):
    page.open("?date=2017-01-01")
    page.page.get_by_label("Compare two dates").check()
    page.settle()
    assert "mode=compare" in location(page)
    assert page.trace("IS · lost")["lon"] and page.trace("GNA · gained")["lon"]
    assert page.trace("IS · held")["lon"] == []
    table = page.page.inner_text(".changes-table")
    assert "IS" in table and "−5,9" in table and "GNA" in table
    title = page.page.evaluate(
        "() => document.querySelector('#map .js-plotly-plot').layout.title.text")
    assert "1 January 2016 → 1 January 2017" in title
    page.shot("11-compare-mode")
    page.page.locator(".changes a", has_text="5 December 2016 · Sirte").click()
    page.settle()
    assert "event=2016-12-05-sirte" in location(page) and "mode=compare" in location(page)
    assert "Giza" in page.page.inner_text("#details")
    page.shot("12-compare-event-link")
    assert page.errors == [] and page.external == []


def test_the_area_chart_moves_the_slider(page):
    page.open("?date=2016-04-21")
    page.page.locator("#area-chart").scroll_into_view_if_needed()
    chart = page.page.locator("#area-chart .nsewdrag").first.bounding_box()
    page.page.mouse.click(chart["x"] + chart["width"] * 0.15, chart["y"] + chart["height"] * 0.5)
    page.settle()
    moved = date_words(page)
    assert moved != "Thursday 21 April 2016" and "2015" in moved
    page.shot("13-area-chart-click")


def test_playback_outlines_what_changed_since_the_previous_step(page):
    page.open("?date=2016-05-27")
    page.page.click("#step-forward")  # one week: Bin Jawad and Nofaliya change hands
    page.settle()
    outline = page.page.evaluate(
        "() => document.querySelector('#map .js-plotly-plot').data"
        ".filter(t => (t.name || '').startsWith('Changed since')).map(t => t.lon.length)")
    assert outline and outline[0] > 0
    page.shot("14-changed-since-last-step")


def test_estimated_layer_is_shown_with_its_own_label(page):
    page.open("?date=2016-03-01")
    page.page.locator("#layers label", has_text="Estimated control").click()
    page.settle()
    assert "estimated" in location(page)
    assert page.trace("IS · estimated from place observations")["lon"]
    legend = page.page.text_content("#map .legend")
    assert "estimated from place observations" in legend
    page.shot("15-estimated-layer")


def test_export_image_and_data_from_the_page(page):
    page.open("?date=2016-04-21")
    page.page.locator("#export-image").scroll_into_view_if_needed()
    with page.page.expect_download() as info:
        page.page.click("#export-image")
    download = info.value
    assert download.suggested_filename == "frontlines-2016-04-21.png"
    data = open(download.path(), "rb").read()
    assert struct.unpack(">II", data[16:24]) == (1920, 1080)
    with page.page.expect_download() as info:
        page.page.click("#export-csv")
    text = open(info.value.path(), encoding="utf-8").read()
    assert text.startswith("id,event_date") and "2016-04-20-derna" in text
    assert page.external == []


def test_animation_export_shows_progress_and_offers_the_file(page):
    page.open("?date=2016-06-01")
    page.page.locator("#animation-start").scroll_into_view_if_needed()
    page.page.fill("#animation-range", "2016-05-01")
    page.page.keyboard.press("Enter")
    page.page.fill("#animation-range-end-date", "2016-05-15")
    page.page.keyboard.press("Enter")
    page.page.keyboard.press("Escape")
    page.page.click("#export-size label:has-text('Small')")
    page.page.click("#animation-start")
    page.page.wait_for_selector("#animation-status a.download-link", timeout=120000)
    link = page.page.locator("#animation-status a.download-link")
    assert "frontlines-2016-05-01-to-2016-05-15.gif" in link.inner_text()
    assert page.page.evaluate("() => document.getElementById('animation-progress').value") == 1
    page.shot("16-animation-ready")
    gif = page.page.evaluate(
        "async href => { const r = await fetch(href); const b = new Uint8Array("
        "await r.arrayBuffer()); return Array.from(b.slice(0, 6)); }",
        link.get_attribute("href"))
    assert bytes(gif) == b"GIF89a"
