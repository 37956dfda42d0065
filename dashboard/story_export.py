"""A story as a PDF slide deck or a video (MP4, GIF), rendered from the page itself.

The export opens the page's report view at the first step (dashboard/export.Renderer, as
every export does), opens the story in it, and moves from step to step the way the page
does (its story panel, assets/story.js), with reduced motion so that each step is applied at
once. Each step is printed (deck) or screenshot (video) exactly as the page shows it: the
map with its title and date, legend, scale bar and sources footer, and the step's caption
over it.

Deck: a title page, one page per step (its screenshot, as the PNG export takes it), the
sources (every source of every step, over as many pages as they need), all
in one document printed once; A4 landscape (size print) or 16:9 (slide, small). Video: each
step held HOLD_FRAMES frames, then BETWEEN_FRAMES frames with the date running towards the
next step's date; each frame lasts export.FRAME_SECONDS, so a story of n steps lasts
(n × HOLD_FRAMES + (n − 1) × BETWEEN_FRAMES) × FRAME_SECONDS seconds.
"""
from __future__ import annotations

import datetime as dt
import base64
import html
from pathlib import Path
from collections.abc import Callable

from dashboard.dataset import Dataset
from dashboard.export import (ANIMATION_FORMATS, FRAME_SECONDS, SIZES, ExportError, Renderer,
                              check_budget, encode, image_of, print_pdf, sheet_css)
from dashboard.i18n import date_words
from dashboard.stories import Story, step_state
from dashboard.story_api import story_json

HOLD_FRAMES = 4
BETWEEN_FRAMES = 3
STORY_FORMATS = ("pdf",) + ANIMATION_FORMATS
ARRIVE_TIMEOUT_MS = 90_000


# The sources run on over as many pages as they need (a fixed sheet would cut them off),
# with a margin at the top and bottom of each page.
FLOW_CSS = (".sheet.flow { height: auto; overflow: visible; page: flow; padding-top: 0; "
            "padding-bottom: 0; } @page flow { margin: 14mm 0; }")


def video_seconds(steps: int) -> float:
    """How long the video of a story of `steps` steps lasts."""
    return video_frames(steps) * FRAME_SECONDS


def video_frames(steps: int) -> int:
    """How many frames the video of a story of `steps` steps has."""
    return steps * HOLD_FRAMES + max(steps - 1, 0) * BETWEEN_FRAMES


def check_story_export(stories, registry, name: str, fmt: str, size: str,
                       budget_mpx: int | None = None) -> tuple[Story, Dataset]:
    """Refuse what cannot be exported, before any work (ExportError; StoryError or
    UnknownStory for the story itself): the story and its dataset. With a budget (the
    server's Config.export_megapixels), a deck counts a page per step, a video its frames."""
    if fmt not in STORY_FORMATS:
        raise ExportError(f"a story exports as {', '.join(STORY_FORMATS)}, not {fmt!r}")
    if size not in SIZES:
        raise ExportError(f"size {size!r} is not one of {', '.join(SIZES)}")
    story, data = stories.get(name, registry)
    if budget_mpx is not None:
        steps = len(story.steps)
        check_budget(steps if fmt == "pdf" else video_frames(steps), size, budget_mpx)
    return story, data


def story_filename(story: Story, fmt: str, lang: str) -> str:
    return f"frontlines-story-{story.name}-{lang}.{fmt}"


def between_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """The dates drawn on the way from one step's date to the next (without either end)."""
    span = (last - first).days
    days = [first + dt.timedelta(days=round(span * k / (BETWEEN_FRAMES + 1)))
            for k in range(1, BETWEEN_FRAMES + 1)]
    return days


def _go(page, index: int) -> None:
    """Show step `index` as the page's own ▶ does, and wait until it has arrived."""
    page.evaluate("i => window.dash_clientside.set_props('story-step', {data: i})", index)
    page.wait_for_selector(f"#story-panel[data-arrived='{index + 1}'][data-step='{index + 1}']",
                           state="attached", timeout=ARRIVE_TIMEOUT_MS)


def _open(renderer: Renderer, story: Story, data: Dataset, body: dict, size: str, lang: str):
    page = renderer.open(step_state(story, 0, data, lang), data, size)
    page.emulate_media(reduced_motion="reduce")  # each step at once: no fly, no date run
    page.evaluate("s => window.dash_clientside.set_props('story-data', {data: s})", body)
    _go(page, 0)
    return page




def _caption(step: dict, lang: str) -> str:
    return step["caption"].get(lang) or next(iter(step["caption"].values()))


def deck_html(story: Story, data: Dataset, body: dict, shots: list[bytes], size: str,
              lang: str) -> str:
    """The whole deck as one document, a page per sheet: the title page, each step as the
    page showed it (its screenshot), the sources page. Text from the story and the record
    is escaped."""
    css = sheet_css(size)
    base_font = "13px" if size == "print" else f"{round(SIZES[size][1] / 48)}px"
    words = {"en": ("Steps", "Sources", "Step",
                    "The sources of every step are on the last page. Made with Frontlines."),
             "fr": ("Étapes", "Sources", "Étape",
                    "Les sources de chaque étape sont en dernière page. Réalisé avec Lignes de front.")}
    steps_word, sources_word, step_word, foot = words.get(lang, words["en"])

    def day(step: dict) -> str:
        return html.escape(date_words(dt.date.fromisoformat(step["view"]["date"]), lang))

    def first_sentence(text: str) -> str:
        """The caption's first sentence, after its lead-in, cut at a word near 140."""
        sentence = text.split(": ", 1)[-1].split(". ")[0].rstrip(".")
        return sentence if len(sentence) <= 140 else sentence[:140].rsplit(" ", 1)[0] + " …"
    items = "".join(f"<li><b>{day(s)}</b> {html.escape(first_sentence(_caption(s, lang)))}</li>"
                    for s in body["steps"])
    subtitle = data.record.meta.get("title", {}).get(lang, "")
    sheets = [f"<section class='sheet text'><h1>{html.escape(story.title[lang])}</h1>"
              f"<h2>{html.escape(subtitle)}</h2><h3>{steps_word}</h3>"
              f"<ol class='steps'>{items}</ol><div class='foot'>{html.escape(foot)}</div>"
              "</section>"]
    for number, (step, shot) in enumerate(zip(body["steps"], shots), start=1):
        alt = f"{step_word} {number}, {day(step)}: {html.escape(_caption(step, lang))}"
        sheets.append("<section class='sheet'><img class='shot' alt=\"" + alt + "\" "
                      f"src='data:image/png;base64,{base64.b64encode(shot).decode()}'></section>")
    parts = []
    for number, step in enumerate(body["steps"], start=1):
        parts.append(f"<h3>{step_word} {number} · {day(step)}</h3>")
        parts += [f"<p>{html.escape(s['publisher'])}, {html.escape(s['date'])}: "
                  f"{html.escape(s.get('title') or '')} — {html.escape(s['url'])}</p>"
                  for s in step["sources"]]
    sheets.append(f"<section class='sheet text flow'><h1>{sources_word}</h1>"
                  f"<div class='sources'>{''.join(parts)}</div></section>")
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>"
            f"{html.escape(story.title[lang])}</title><style>{css}"
            f"body {{ font-size: {base_font}; }}{FLOW_CSS}</style></head><body>{''.join(sheets)}"
            "</body></html>")


def render_story(renderer: Renderer, stories, registry, name: str, fmt: str, size: str,
                 lang: str | None = None,
                 progress: Callable[[int, int], None] = lambda done, total: None) -> bytes:
    """The deck (pdf) or video (mp4, gif) of a story; raises ExportError, StoryError,
    UnknownStory."""
    story, data = check_story_export(stories, registry, name, fmt, size)
    lang = lang if lang in story.languages else story.languages[0]
    body = story_json(stories, registry, name, lang)
    if fmt == "pdf":
        return renderer.run(lambda r: _deck(r, story, data, body, size, lang, progress))
    return renderer.run(lambda r: _video(r, story, data, body, fmt, size, lang, progress))


def _deck(r: Renderer, story: Story, data: Dataset, body: dict, size: str, lang: str,
          progress) -> bytes:
    """Each step's page as the PNG export takes it (the map with its title, date, legend,
    scale bar, sources footer and the caption over it), then one document printed once."""
    total = len(story.steps) + 1
    shots: list[bytes] = []
    page = _open(r, story, data, body, size, lang)
    try:
        for index in range(len(story.steps)):
            if index:
                _go(page, index)
            shots.append(image_of(page, "png", size))
            progress(index + 1, total)
        page.set_content(deck_html(story, data, body, shots, size, lang))
        content = print_pdf(page, size)
        progress(total, total)
        return content
    finally:
        page.close()


def _video(r: Renderer, story: Story, data: Dataset, body: dict, fmt: str, size: str,
           lang: str, progress) -> bytes:
    days = [s.day for s in story.steps]
    total = len(days) + (len(days) - 1) * BETWEEN_FRAMES
    page = _open(r, story, data, body, size, lang)

    def shots():
        done = 0
        for index, day in enumerate(days):
            if index:
                _go(page, index)
            frame = page.locator("#map").screenshot(type="png")
            for _ in range(HOLD_FRAMES):
                yield frame
            done += 1
            progress(done, total)
            if index + 1 < len(days):
                for between in between_days(day, days[index + 1]):
                    r.show_day(page, data, between)
                    yield page.locator("#map").screenshot(type="png")
                    done += 1
                    progress(done, total)
    try:
        return encode(fmt, shots())
    finally:
        page.close()


def export_story(renderer: Renderer, registry, name: str, out: Path, fmt: str, size: str,
                 lang: str | None) -> int:
    """`python -m dashboard export --story NAME --out FILE`: the deck or video, with a
    progress bar on stderr; 0 written, 2 refused (the message says why)."""
    import sys

    from dashboard.export import write_atomic
    from dashboard.stories import Stories, StoryError, UnknownStory

    def progress(done: int, total: int) -> None:
        bar = "#" * (30 * done // total)
        print(f"\r{'page' if fmt == 'pdf' else 'frame'} {done}/{total} [{bar:<30}]",
              end="", file=sys.stderr, flush=True)
    try:
        content = render_story(renderer, Stories.of(registry), registry, name, fmt, size, lang,
                               progress)
    except (ExportError, StoryError, UnknownStory) as exc:
        print(f"\nexport failed: {exc}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    write_atomic(out, content)
    print(f"wrote {out} ({len(content) / 1024:.0f} KiB, {fmt.upper()}, {size}, story {name})")
    return 0
