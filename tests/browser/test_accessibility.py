"""Accessibility (issue 15), in a real headless Chromium.

axe-core 4.14.1 is vendored in tests/browser/vendor/axe-core (from the npm package; nothing
is fetched at run time) and injected into the page; every view must have no violation of
any impact. A keyboard-only walk does the analyst's whole job with no mouse event; live
regions, names in French, reduced motion and contrast are checked where they happen.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
FLAG = "?date=2016-04-21"

# Every trusted pointer event the page receives; the keyboard walk must cause none.
POINTER_LOG = """
window.__pointer = [];
for (const type of ['pointerdown', 'pointerup', 'mousedown', 'mouseup', 'mousemove', 'wheel',
                    'touchstart', 'contextmenu']) {
  window.addEventListener(type, e => { if (e.isTrusted) window.__pointer.push(type); }, true);
}
"""

# What a screen reader would hear: each change of a live region (aria-live polite or
# assertive, or role status/alert) whose effective politeness is not "off" at that moment.
LIVE_LOG = """
window.__spoken = [];
new MutationObserver(records => {
  const seen = new Set();
  for (const r of records) {
    let node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
    const region = node && node.closest('[aria-live], [role=status], [role=alert]');
    if (!region || seen.has(region)) continue;
    const live = region.getAttribute('aria-live') ||
      (region.getAttribute('role') === 'alert' ? 'assertive' : 'polite');
    if (live === 'off' || !region.textContent.trim()) continue;
    seen.add(region);
    window.__spoken.push({id: region.id, text: region.textContent});
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""

# Whether the focused element shows a focus indicator: an outline of at least 2 px (on it,
# or on the drop zone holding the hidden file input), and it is on the screen.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {ok: false, what: 'body'};
  const ring = el.type === 'file' ? el.closest('.upload') : el;
  const style = getComputedStyle(ring);
  const box = ring.getBoundingClientRect();
  const what = el.tagName + '#' + el.id + '.' + el.className + ' '
    + (el.textContent || el.value || '').slice(0, 30);
  return {ok: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
              && box.width > 0 && box.height > 0, what: what};
}"""


@pytest.fixture
def context(browser):
    """A fresh browser context; the page's Content-Security-Policy is bypassed only so that
    the vendored axe-core can be injected as a script tag (the page's own scripts are the
    same as without it)."""
    opened = []

    def make(**options):
        ctx = browser.new_context(bypass_csp=True, accept_downloads=True,
                                  **{"viewport": {"width": 1600, "height": 1000}, **options})
        opened.append(ctx)
        return ctx
    yield make
    for ctx in opened:
        ctx.close()


def new_page(context, server, **options) -> Page:
    page = Page(context(**options).new_page(), server)
    page.page.add_init_script(POINTER_LOG)
    page.page.add_init_script(LIVE_LOG)
    return page


def axe_violations(page: Page) -> list[dict]:
    if not page.page.evaluate("() => !!window.axe"):
        page.page.add_script_tag(path=str(AXE))
    return page.page.evaluate("""async () => {
        const result = await axe.run(document);
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")


def assert_no_violations(page: Page, view: str):
    violations = axe_violations(page)
    assert page.page.evaluate("() => axe.version") == "4.14.1"
    report = "\n".join(f"  {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): "
                       + ", ".join(v["nodes"][:6]) for v in violations)
    assert not violations, f"axe-core violations on the {view} view:\n{report}"


def open_panels(page: Page):
    """Every folded panel opened (the phone layout starts with them closed)."""
    page.page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")


VIEWS = {
    "explore": FLAG,
    "compare": FLAG + "&mode=compare&a=2015-04-21",
    "report": FLAG + "&view=report",
    "french": FLAG + "&lang=fr",
    "event-selected": FLAG + "&event=2016-04-20-derna",
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_axe_finds_no_violation(context, server, view):
    page = new_page(context, server).open(VIEWS[view])
    if view == "report":
        assert "report" in page.page.get_attribute("#root", "class")
    if view == "compare":
        page.page.wait_for_selector("#changes table")
    if view == "event-selected":
        page.page.wait_for_function("() => document.querySelector('#details h3')")
        assert page.page.get_attribute(".event-item[aria-current=true]", "id") is not None
    if view == "french":
        assert page.page.evaluate("() => document.documentElement.lang") == "fr"
    assert_no_violations(page, view)
    page.shot(f"a11y-{view}")
    assert page.errors == [] and page.external == []


def test_axe_finds_no_violation_with_the_upload_and_export_panels_in_use(context, server, tmp_path):
    page = new_page(context, server).open(FLAG)
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,known,format\n1,2,3,4\n", encoding="utf-8")
    page.page.fill("#import-name", "bad-upload")
    page.page.set_input_files("#upload input[type=file]", str(bad))
    page.page.wait_for_function("() => document.getElementById('import-report').textContent.length > 0")
    with page.page.expect_download():
        page.page.click("#export-csv")
    page.page.wait_for_function("() => document.getElementById('export-status').textContent.length > 0")
    page.page.locator("#export-csv").scroll_into_view_if_needed()
    page.settle()
    assert_no_violations(page, "upload and export")
    page.shot("a11y-upload-and-export")


def test_axe_finds_no_violation_on_a_phone_with_panels_folded_and_open(context, server):
    page = new_page(context, server, viewport={"width": 390, "height": 844},
                    device_scale_factor=2, is_mobile=True, has_touch=True).open(FLAG)
    page.page.wait_for_function("() => [...document.querySelectorAll('details.panel')]"
                                ".every(d => !d.open)")
    assert_no_violations(page, "phone (panels folded)")
    page.shot("a11y-phone-folded")
    open_panels(page)
    page.settle()
    assert_no_violations(page, "phone (panels open)")
    page.page.locator("#event-list").scroll_into_view_if_needed()
    page.shot("a11y-phone-event-list")


def focus_by_keyboard(page: Page, selector: str, shift: bool = False, limit: int = 250):
    """Press Tab (or Shift+Tab) until the element matching `selector` has focus; every
    element focused on the way must show its focus."""
    key = "Shift+Tab" if shift else "Tab"
    for _ in range(limit):
        if page.page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            shown = page.page.evaluate(FOCUS_SHOWN)
            assert shown["ok"], f"focus is not visible on {shown['what']}"
            return
        page.page.keyboard.press(key)
        shown = page.page.evaluate(FOCUS_SHOWN)
        assert shown["ok"], f"focus is not visible on {shown['what']}"
    raise AssertionError(f"{selector} cannot be reached with {key}")


def drawn_day(page: Page) -> str:
    return page.page.get_attribute("#map-frame", "data-drawn-day")


def focused_id(page: Page) -> str:
    return page.page.evaluate("() => document.activeElement.id")


def test_the_whole_job_by_keyboard_alone(context, server):
    page = new_page(context, server).open(FLAG + "&step=week&speed=4")
    keys = page.page.keyboard

    # choose a date: the slider's thumb, then the step buttons
    focus_by_keyboard(page, "#date-slider [role=slider]")
    keys.press("ArrowRight")
    page.page.wait_for_function("() => document.getElementById('map-frame')"
                                ".getAttribute('data-drawn-day') === '2016-04-22'")
    page.settle()
    assert page.page.inner_text("#date-words") == "Friday 22 April 2016"
    focus_by_keyboard(page, "#step-forward", shift=True)
    keys.press("Enter")
    page.page.wait_for_function("() => document.getElementById('map-frame')"
                                ".getAttribute('data-drawn-day') === '2016-04-29'")
    page.settle()
    assert focused_id(page) == "step-forward", "focus stays on the button after the step"

    # move to an event through the list in sync with the map, and open its details
    listed = page.page.evaluate("() => [...document.querySelectorAll('.event-item')]"
                                ".map(b => JSON.parse(b.id).event)")
    drawn = set(page.trace("events")["ids"])
    assert listed and set(listed) == drawn, "the list holds exactly the events the map draws"
    focus_by_keyboard(page, ".event-item")
    chosen = json.loads(focused_id(page))["event"]
    keys.press("Enter")
    page.page.wait_for_function("id => location.search.includes('event=' + id)", arg=chosen)
    page.page.wait_for_function("() => document.querySelector('#details h3')")
    page.settle()
    assert json.loads(focused_id(page))["event"] == chosen, "focus stays on the chosen event"
    assert page.page.get_attribute(".event-item[aria-current=true]", "id") == focused_id(page)
    # the map draws the selection (a redraw that no request or date change marks: its state)
    page.page.wait_for_function(
        "() => (document.querySelector('#map .js-plotly-plot').data"
        ".find(t => t.uid === 'selected event')?.lon || []).length === 1", timeout=30000)
    chosen_at = [e for e in page.page.evaluate("() => frontlines.bundle.events.items")
                 if e[4] == chosen][0][2:4]
    assert page.trace("selected event")["lon"] == [chosen_at[0]], "it is the chosen event"
    assert page.page.inner_text("#details h3"), "its details are shown"
    page.shot("a11y-keyboard-1-event")
    # the details' sources are the next stops of the Tab order
    focus_by_keyboard(page, "#details a")

    # filter factions and event types
    focus_by_keyboard(page, "#factions input[value=is]", shift=True)
    keys.press("Space")
    page.page.wait_for_function("() => location.search.includes('factions=')"
                                " && !/factions=[^&]*\\bis\\b/.test(location.search)")
    page.settle()
    assert "IS held" not in page.page.inner_text("#summary")
    focus_by_keyboard(page, "#event-types input[value='Protests']")
    keys.press("Space")
    page.page.wait_for_function("() => location.search.includes('types=')")
    page.settle()
    page.shot("a11y-keyboard-2-filtered")

    # the step of Play and ◀ ▶, from its list
    focus_by_keyboard(page, "#step-size", shift=True)
    keys.press("Enter")
    page.page.wait_for_function("() => document.getElementById('step-size')"
                                ".getAttribute('aria-expanded') === 'true'"
                                " && document.activeElement.value === 'week'")
    keys.press("ArrowDown")
    page.page.wait_for_function("() => document.activeElement.value === 'month'")
    keys.press("Enter")
    page.page.wait_for_function("() => location.search.includes('step=month')")
    page.settle()
    assert focused_id(page) == "step-size", "focus returns to the list's button"

    # play, then pause
    focus_by_keyboard(page, "#play", shift=True)
    keys.press("Enter")
    page.page.wait_for_function("() => document.getElementById('map-frame')"
                                ".getAttribute('data-drawn-day') >= '2016-05-29'", timeout=60000)
    keys.press("Enter")
    page.page.wait_for_function("() => document.getElementById('play').textContent === 'Play'")
    page.settle()
    paused = drawn_day(page)
    assert paused >= "2016-05-29" and paused[8:] == "29", "Play stepped by months"
    assert page.page.evaluate("() => frontlines.playing()") is False
    assert focused_id(page) == "play"
    page.shot("a11y-keyboard-3-paused")

    # switch language: the radio group takes the arrow keys
    focus_by_keyboard(page, "#lang input[value=en]", shift=True)
    keys.press("ArrowRight")
    page.page.wait_for_function("() => document.documentElement.lang === 'fr'")
    page.page.wait_for_function("() => document.getElementById('summary').textContent"
                                ".startsWith('Le ')")
    page.settle()
    assert page.page.evaluate("() => document.activeElement.value") == "fr"

    # export a PNG
    focus_by_keyboard(page, "#download-png")
    with page.page.expect_download() as info:
        keys.press("Enter")
    assert info.value.suggested_filename == f"frontlines-{paused}.png"
    assert open(info.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    page.shot("a11y-keyboard-4-french")

    assert page.page.evaluate("() => window.__pointer") == [], "no pointer event was used"
    assert page.errors == [] and page.external == []


def test_every_control_is_named_in_the_page_language(context, server):
    page = new_page(context, server).open(FLAG + "&lang=fr")
    names = page.page.evaluate("""() => {
        const named = id => document.getElementById(id)?.textContent;
        const thumb = document.querySelector('#date-slider [role=slider]');
        const canvas = document.querySelector('#map canvas.maplibregl-canvas');
        const file = document.querySelector('#upload input[type=file]');
        const step = document.querySelector('#step-size');
        return {
          thumb: thumb.getAttribute('aria-labelledby').split(' ').map(named).join(' '),
          valuetext: thumb.getAttribute('aria-valuetext'),
          canvas: canvas.getAttribute('aria-labelledby').split(' ').map(named).join(' '),
          file: file.getAttribute('aria-labelledby').split(' ').map(named).join(' '),
          step: step.getAttribute('aria-labelledby').split(' ').map(named).join(' '),
          factions: document.querySelector('#factions-box').getAttribute('aria-labelledby'),
          back: document.getElementById('step-back').getAttribute('aria-label'),
        };
    }""")
    assert names["thumb"] == "Date affichée"
    assert names["valuetext"] == "jeudi 21 avril 2016"
    assert names["canvas"] == "Carte du contrôle territorial et des événements"
    assert names["file"].startswith("Fichier à importer")
    assert names["step"] == "Pas 1 semaine"
    assert page.page.text_content("#" + names["factions"]) == "Factions"
    assert names["back"] == "Reculer d'un pas"
    # the story's controls (issue 12), by their accessible names as the browser computes them
    role = page.page.get_by_role
    assert role("button", name="Lire le récit").count() == 1
    assert role("button", name="Exporter le récit").count() == 1
    assert role("radiogroup", name="Récit : diaporama (PDF) ou vidéo").count() == 1
    assert role("button", name="Ajouter cette vue comme étape").count() == 1
    assert role("textbox", name="Légende de cette vue (avec vos mots)").count() == 1
    for name in ("Étape précédente (←)", "Étape suivante (→)", "Quitter le récit"):
        assert role("button", name=name, include_hidden=True).count() == 1, name
    assert role("region", name="Récits", include_hidden=True).count() == 1
    assert page.page.inner_text("#event-list").startswith("Choisissez un événement")


def test_date_changes_are_spoken_once_per_step_and_play_does_not_flood(context, server):
    page = new_page(context, server).open(FLAG + "&step=week&speed=4")
    assert page.page.get_attribute("#summary", "aria-live") == "polite"
    page.page.evaluate("() => { window.__spoken = []; }")
    page.page.focus("#step-forward")
    page.page.keyboard.press("Enter")
    page.page.wait_for_function("() => document.getElementById('summary').textContent"
                                ".startsWith('On 28 April 2016')")
    page.settle()
    spoken = page.page.evaluate("() => window.__spoken")
    about_date = [s for s in spoken if "28 April 2016" in s["text"]]
    assert len(about_date) == 1 and about_date[0]["id"] == "summary", spoken

    page.page.evaluate("() => { window.__spoken = []; }")
    page.page.keyboard.press("Shift+Tab")  # to Play
    assert focused_id(page) == "play"
    page.page.keyboard.press("Enter")
    page.page.wait_for_function("() => document.getElementById('summary').getAttribute('aria-live')"
                                " === 'off'")
    page.page.wait_for_function("() => document.getElementById('map-frame')"
                                ".getAttribute('data-drawn-day') >= '2016-06-02'", timeout=60000)
    page.page.keyboard.press("Enter")
    page.page.wait_for_function("() => document.getElementById('play').textContent === 'Play'")
    page.settle()
    spoken = page.page.evaluate("() => window.__spoken")
    stopped = page.page.inner_text("#date-words")
    assert spoken[0] == {"id": "announce", "text": "Playing"}, spoken
    assert {"id": "announce", "text": f"Paused on {stopped}"} in spoken, spoken
    assert len(spoken) <= 3, f"five or more steps played, at most three announcements: {spoken}"
    assert page.page.get_attribute("#summary", "aria-live") == "polite"


def test_reduced_motion_stops_transitions_and_play_still_steps(context, server):
    normal = new_page(context, server).open(FLAG)
    reduced = new_page(context, server, reduced_motion="reduce").open(FLAG + "&step=week&speed=4")
    spinner = ("() => { const f = document.getElementById('map-frame');"
               " f.setAttribute('aria-busy', 'true');"
               " const name = getComputedStyle(f.querySelector('.map-loading'), '::before').animationName;"
               " f.setAttribute('aria-busy', 'false'); return name; }")
    assert normal.page.evaluate(spinner) == "spin", "the check can fail: the spinner spins"
    assert reduced.page.evaluate(spinner) == "none"
    assert reduced.page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
    running = reduced.page.evaluate(
        "() => [...document.querySelectorAll('*')].filter(el => {"
        " const s = getComputedStyle(el); return parseFloat(s.transitionDuration) > 0"
        " || s.animationName !== 'none'; }).map(el => el.tagName + '.' + el.className).slice(0, 5)")
    assert running == []
    reduced.page.wait_for_function(
        "() => document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map"
        "._fadeDuration === 0", timeout=10000)  # map labels do not fade
    before = reduced.drawn_count()
    reduced.page.focus("#play")
    reduced.page.keyboard.press("Enter")
    reduced.page.wait_for_function(
        "n => Number(document.getElementById('map-frame').getAttribute('data-drawn-count')) >= n + 3",
        arg=before, timeout=60000)
    reduced.page.keyboard.press("Enter")
    reduced.settle()
    assert drawn_day(reduced) >= "2016-05-12", "Play stepped at least three weeks"


def contrast(a, b) -> float:
    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_map_labels_and_map_text_meet_aa_contrast(context, server):
    page = new_page(context, server).open(FLAG + "&map=9/32.6/22.4")
    page.page.wait_for_function(
        "() => document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map"
        ".queryRenderedFeatures().some(f => (f.properties.text || '') === 'Derna (DMSC)')",
        polling="raf", timeout=30000)
    # MapLibre's labels: each glyph sits on its own halo, so the halo is its background
    labels = page.map_call("""map => {
        const rgba = c => { const x = document.createElement('canvas').getContext('2d');
          x.fillStyle = c; x.fillRect(0, 0, 1, 1); return Array.from(x.getImageData(0, 0, 1, 1).data); };
        return map.getStyle().layers.filter(l => l.type === 'symbol').map(l => ({id: l.id,
          text: rgba(String(map.getPaintProperty(l.id, 'text-color') || '#000')),
          halo: rgba(String(map.getPaintProperty(l.id, 'text-halo-color') || 'rgba(0,0,0,0)')),
          width: map.getPaintProperty(l.id, 'text-halo-width') || 0}));
    }""")
    assert len(labels) >= 3
    for label in labels:
        assert label["halo"][3] == 255 and label["width"] >= 1, f"{label['id']} has an opaque halo"
        ratio = contrast(label["text"][:3], label["halo"][:3])
        assert ratio >= 4.5, f"{label['id']}: {ratio:.2f}:1"
    # the title, legend, scale and credits drawn over the map (on white or near-white boxes)
    texts = page.page.evaluate("""() => [...document.querySelectorAll('#map svg text')]
        .filter(t => t.textContent.trim() && t.getBBox().width > 0)
        .map(t => [t.textContent.slice(0, 40), getComputedStyle(t).fill])""")
    assert texts
    for text, fill in texts:
        rgb = [int(v) for v in fill[fill.index("(") + 1:fill.index(")")].split(",")[:3]]
        assert contrast(rgb, (255, 255, 255)) >= 4.5, f"{text!r} in {fill}"


STORY = "?story=derna-to-sirte&step=6"


def wait_story_step(page: Page, step: int) -> None:
    """Until the story panel shows step `step` (from 1), its transition ended, map drawn."""
    page.page.wait_for_selector(f"#story-panel[data-arrived='{step}'][data-step='{step}']",
                                timeout=90000)
    page.settle()


@pytest.mark.parametrize("view", ["story", "story-french", "story-phone"])
def test_axe_finds_no_violation_in_story_mode(context, server, view):
    """The story panel (issue 12): title, ◀ ▶, step list, caption, sources unfolded."""
    phone = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
             "is_mobile": True, "has_touch": True} if view == "story-phone" else {}
    page = new_page(context, server, **phone).open(
        STORY + ("&lang=fr" if view == "story-french" else ""))
    wait_story_step(page, 6)
    page.page.evaluate("() => document.querySelector('#story-panel details').open = true")
    assert page.page.locator("#story-sources a").count() > 0
    if view == "story-phone":
        open_panels(page)
        page.settle()
    assert_no_violations(page, view)
    page.shot(f"a11y-{view}")
    assert page.errors == [] and page.external == []


def test_a_story_by_keyboard_alone_spoken_once_per_step(context, server):
    """Play a story, pick a step from its list, read its sources and leave it, with keys
    only: focus always visible and never lost; each step spoken once (its count and date,
    its caption), not each date the map runs through on the way."""
    page = new_page(context, server).open(FLAG)
    keys = page.page.keyboard
    focus_by_keyboard(page, "#story-choose")
    keys.press("Enter")
    page.page.wait_for_function("() => document.activeElement.value === 'derna-to-sirte'")
    keys.press("Enter")
    focus_by_keyboard(page, "#story-start")
    keys.press("Enter")
    wait_story_step(page, 1)
    assert "story=derna-to-sirte" in page.page.evaluate("() => location.search")

    # ▶: the map flies and the date runs (several drawn days), spoken once
    focus_by_keyboard(page, "#story-next", shift=True)
    page.record_drawn()
    page.page.evaluate("() => { window.__spoken = []; }")
    keys.press("Enter")
    wait_story_step(page, 2)
    assert focused_id(page) == "story-next"
    drawn = page.page.evaluate("() => window.__drawn")
    assert len(set(drawn)) >= 3 and drawn[-1] == "2015-02-12", drawn
    spoken = page.page.evaluate("() => window.__spoken")
    texts = " | ".join(s["text"] for s in spoken)
    run_through = [d for d in set(drawn) if d not in ("2014-11-13", "2015-02-12")]
    from datetime import date
    for day in run_through:
        words = f"{date.fromisoformat(day).day} {date.fromisoformat(day):%B %Y}"
        assert words not in texts, f"the run through {day} was spoken: {spoken}"
    assert texts.count("Step 2 of 11") == 1, spoken
    assert len([s for s in spoken if s["id"] == "story-caption"]) == 1, spoken
    assert len(spoken) <= 3, f"one step, at most three announcements: {spoken}"

    # a step from the list, then → from there: focus stays on the list
    focus_by_keyboard(page, "#story-steps li:nth-child(4) button")
    keys.press("Enter")
    wait_story_step(page, 4)
    assert json.loads(focused_id(page))["step"] == 3, "focus stays on the chosen step"
    shown = page.page.evaluate(FOCUS_SHOWN)
    assert shown["ok"], shown
    keys.press("ArrowRight")
    wait_story_step(page, 5)
    assert page.page.evaluate("() => document.activeElement.closest('#story-steps') !== null")

    # the step's sources: unfold, and Tab reaches the first link
    focus_by_keyboard(page, "#story-panel summary")
    keys.press("Enter")
    page.page.wait_for_function("() => document.querySelector('#story-panel details').open")
    focus_by_keyboard(page, "#story-sources a")
    page.shot("a11y-story-keyboard")

    # leave the story: focus lands somewhere visible, not on the page's body
    focus_by_keyboard(page, "#story-leave", shift=True)
    keys.press("Enter")
    page.page.wait_for_selector("#story-panel", state="hidden")
    page.page.wait_for_function("() => !location.search.includes('story=')")
    shown = page.page.evaluate(FOCUS_SHOWN)
    assert shown["ok"], f"focus after leaving the story: {shown['what']}"
    assert page.page.evaluate("() => window.__pointer") == [], "no pointer event was used"
    assert page.errors == [] and page.external == []


def test_the_map_has_a_text_alternative_of_what_it_shows(context, server):
    """The map is a figure described by the summary, whose details hold the summary, the
    list of the events it draws and the list of the areas it draws (each by name)."""
    import urllib.request
    page = new_page(context, server).open(FLAG)
    frame = page.page.locator("#map-frame")
    assert frame.get_attribute("role") == "figure"
    assert frame.get_attribute("aria-describedby") == "summary"
    holds = page.page.evaluate(
        "id => ['summary', 'event-list', 'areas'].map(x =>"
        " document.getElementById(id).contains(document.getElementById(x)))",
        frame.get_attribute("aria-details"))
    assert holds == [True, True, True]
    assert page.page.inner_text("#summary").startswith("On 21 April 2016")
    with urllib.request.urlopen(f"{server}/api/control?date=2016-04-21") as answer:
        areas = [f["properties"] for f in json.load(answer)["features"]]
    assert areas and {a["id"] for a in areas} <= page.drawn_ids(), "the map draws them"
    listed = page.page.eval_on_selector_all("#areas details.area summary",
                                            "s => s.map(x => x.textContent)")
    assert len(listed) == len(areas)
    for area in areas:
        assert sum(area["name"] in text for text in listed) >= 1, area["name"]
    events = page.page.evaluate("() => [...document.querySelectorAll('.event-item')]"
                                ".map(b => JSON.parse(b.id).event)")
    assert events and set(events) == set(page.trace("events")["ids"])
