"""Story mode in a real headless Chromium: the bundled story played through with ▶ and the
arrow keys, each step's date, view and caption checked, the URL of a step restoring it, and
leaving the story keeping the view. Waits on state: the panel's data-arrived (set when a
step's transition has ended and its map is drawn), the map's drawn day, the URL."""
from __future__ import annotations

import json
import urllib.request

import pytest

from conftest import Page

STORY = "derna-to-sirte"


def story(server: str, lang: str = "en") -> dict:
    with urllib.request.urlopen(f"{server}/api/stories/{STORY}?lang={lang}") as r:
        return json.load(r)


def wait_arrived(page, step: int) -> None:
    """Until step `step` (from 1) is shown: its transition ended and its map is drawn."""
    page.page.wait_for_selector(f"#story-panel[data-arrived='{step}'][data-step='{step}']",
                                timeout=90000)
    page.settle()


def map_view(page) -> list[float]:
    return page.map_call("map => [map.getZoom(), map.getCenter().lat, map.getCenter().lng]")


def check_step(page, data: dict, index: int) -> None:
    step = data["steps"][index]
    view = step["view"]
    assert page.page.get_attribute("#map-frame", "data-drawn-day") == view["date"]
    assert page.page.get_attribute("#date-words", "datetime") == view["date"]
    assert page.page.get_attribute("#story-panel", "data-step") == str(index + 1)
    search = page.page.evaluate("() => location.search")
    assert f"story={STORY}" in search and f"step={index + 1}" in search, search
    assert f"date={view['date']}" in search
    zoom, lat, lon = (float(v) for v in view["map"].split("/"))
    shown = map_view(page)
    assert abs(shown[0] - zoom) < 0.05 and abs(shown[1] - lat) < 0.05 \
        and abs(shown[2] - lon) < 0.05, (shown, view["map"])
    caption = page.page.inner_text("#story-caption")
    assert caption == step["caption"][data.get("lang", "en")]
    # the caption's sources: those of the records it refers to, as links
    links = page.page.eval_on_selector_all("#story-sources a", "as => as.map(a => a.getAttribute('href'))")
    assert links and set(links) == {s["url"] for s in step["sources"]}
    # the step's first highlighted event is selected: in the address, the list and details
    highlighted = [h for h in step["highlights"] if h in step["events"]]
    if highlighted:
        assert f"event={highlighted[0]}" in search, search
        current = page.page.get_attribute(".event-item[aria-current=true]", "id")
        assert current and json.loads(current)["event"] == highlighted[0]
        assert page.page.inner_text("#details h3")


def test_story_plays_through_with_buttons_and_keys(page, server):
    data = story(server)
    assert 8 <= len(data["steps"]) <= 12
    page.open(f"?story={STORY}&step=1")
    wait_arrived(page, 1)
    check_step(page, {**data, "lang": "en"}, 0)
    page.shot("story-step-01")
    for index in range(1, len(data["steps"])):
        if index % 2:
            page.page.click("#story-next")
        else:
            page.page.locator("body").focus()
            page.page.keyboard.press("ArrowRight")
        wait_arrived(page, index + 1)
        check_step(page, {**data, "lang": "en"}, index)
        page.shot(f"story-step-{index + 1:02d}")
    page.page.keyboard.press("ArrowLeft")
    wait_arrived(page, len(data["steps"]) - 1)
    check_step(page, {**data, "lang": "en"}, len(data["steps"]) - 2)
    assert not page.external and not page.errors, (page.external, page.errors)


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_going_to_a_step_flies_and_runs_the_date_unless_motion_is_reduced(browser, server,
                                                                           motion):
    """From step 1 (Derna at zoom 10, 13 November 2014) to step 2 (Sirte at zoom 7.6, 12
    February 2015): the map flies (its camera passes through zooms between and beyond the
    two) and the map is drawn on days between the two dates, in order; with reduced motion
    it jumps (no zoom but the two steps') straight to the step's date."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000},
                                  reduced_motion=motion)
    try:
        page = Page(context.new_page(), server).open(f"?story={STORY}&step=1")
        wait_arrived(page, 1)
        page.record_drawn()
        page.map_call("map => { window.__zooms = [];"
                      " map.on('move', () => window.__zooms.push(map.getZoom())); }")
        page.page.click("#story-next")
        wait_arrived(page, 2)
        zooms = page.page.evaluate("() => window.__zooms")
        on_the_way = {round(z, 2) for z in zooms if abs(z - 10) > 0.01 and abs(z - 7.6) > 0.01}
        drawn = page.page.evaluate("() => window.__drawn")
        between = [d for d in drawn if "2014-11-13" < d < "2015-02-12"]
        assert drawn[-1] == "2015-02-12" and abs(zooms[-1] - 7.6) < 0.01, (drawn, zooms[-1:])
        if motion == "reduce":
            assert between == [] and on_the_way == set(), (sorted(on_the_way), drawn)
        else:
            assert len(on_the_way) >= 2, f"the map jumped (zooms {sorted(on_the_way)})"
            assert len(set(between)) >= 3 and between == sorted(between), drawn
        page.shot(f"story-moved-{motion}")
        assert not page.external and not page.errors, (page.external, page.errors)
    finally:
        context.close()


def test_a_step_url_restores_that_step_in_french(page, server):
    data = story(server, "fr")
    convoy = next(i for i, s in enumerate(data["steps"])
                  if "is-convoy-derna-sirte-2016-04" in s["movements"])
    page.open(data["steps"][convoy]["url"].lstrip("/"))
    wait_arrived(page, convoy + 1)
    check_step(page, {**data, "lang": "fr"}, convoy)
    assert "Al-Maheili" in page.page.inner_text("#story-caption")
    assert "is-convoy-derna-sirte-2016-04" in page.drawn_ids()
    outline = ("() => { const t = window.frontlines.graph().data.find(t => t.uid === 'highlight');"
               " return t ? t.lon.filter(v => v !== null).length : 0; }")
    assert page.page.evaluate(outline) > 1, "the highlighted convoy route is outlined"
    assert "Mis en évidence" in page.page.text_content("#map .legend")
    page.shot("story-convoy-fr")
    # leaving the story: free exploration at the step's state, no story in the URL
    page.page.click("#story-leave")
    page.page.wait_for_selector("#story-panel", state="hidden")
    page.page.wait_for_function("() => !location.search.includes('highlight=')")
    page.settle()
    search = page.page.evaluate("() => location.search")
    assert "story=" not in search and f"date={data['steps'][convoy]['view']['date']}" in search
    assert page.page.evaluate(outline) == 0, "the step's emphasis went with the story"
    page.page.keyboard.press("ArrowRight")  # no story: the arrows no longer move steps
    page.settle()
    assert page.page.get_attribute("#map-frame", "data-drawn-day") == \
        data["steps"][convoy]["view"]["date"]


def test_add_this_view_as_a_step_and_download_the_story(page, server, tmp_path):
    page.open("?date=2016-04-21&map=9/32.2/22.3&window=30")
    page.page.fill("#story-draft-title", "Convoy")
    page.page.fill("#story-draft-caption", "The convoy passes Al-Maheili.")
    page.page.click("#story-add")
    page.page.wait_for_function(
        "() => /1/.test(document.getElementById('story-draft-info').innerText)")
    with page.page.expect_download() as download:
        page.page.click("#story-save")
    path = tmp_path / "story.json"
    download.value.save_as(path)
    saved = json.loads(path.read_text())
    step = saved["steps"][0]
    assert saved["dataset"] == "libya-2014-2018" and saved["name"] == "convoy"
    assert step["view"]["date"] == "2016-04-21" and step["view"]["map"].startswith("9/32.2")
    assert step["caption"]["en"] == "The convoy passes Al-Maheili."
    assert "2016-04-20-al-maheili" in step["events"]
    assert "is-convoy-derna-sirte-2016-04" in step["movements"]


def test_the_open_story_exports_from_the_page_as_a_deck(page, server, tmp_path):
    """A story imported through the page, opened, and exported from the export panel as a
    16:9 PDF deck: queued as an export job like the animations, its progress and link in the
    same place; the deck has a title page, a page per step and a sources page."""
    import io

    from pypdf import PdfReader

    from conftest import ROOT
    short = json.loads((ROOT / "geodata" / "stories" / f"{STORY}.json").read_text("utf-8"))
    short["name"] = "page-short"
    short["steps"] = short["steps"][5:7]
    source = tmp_path / "page-short.json"
    source.write_text(json.dumps(short), encoding="utf-8")
    page.open("?date=2016-04-21")
    page.page.set_input_files("#story-upload input[type=file]", str(source))
    page.page.wait_for_function(
        "() => document.getElementById('story-status').textContent.includes('page-short')")
    assert "2 steps" in page.page.inner_text("#story-status")
    page.open("?story=page-short&step=2")
    wait_arrived(page, 2)
    page.page.locator("#story-export").scroll_into_view_if_needed()
    page.page.click("#export-size label:has-text('Small')")
    page.page.click("#story-export-format label:has-text('PDF')")
    page.page.click("#story-export")
    link = page.page.locator("#animation-status a.download-link")
    link.wait_for(timeout=300000)
    page.shot("story-export-ready")
    with page.page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "frontlines-story-page-short-en.pdf"
    reader = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    # the title page, the two steps (screenshots: no text), the sources
    assert len(reader.pages) >= 2 + 2
    assert not reader.pages[1].extract_text().strip() and not reader.pages[2].extract_text().strip()
    assert reader.pages[3].extract_text().startswith("Sources")
    for sheet in reader.pages:  # small: 1280 × 720 px = 960 × 540 pt, 16:9
        assert abs(float(sheet.mediabox.width) - 960) < 2
        assert abs(float(sheet.mediabox.height) - 540) < 2
    assert short["title"]["en"].split(":")[0] in reader.pages[0].extract_text()
    assert page.page.get_attribute("#animation-progress", "value") == "1"
    assert not page.external and not page.errors, (page.external, page.errors)
