"""Story mode in the page: the story panel (steps, ◀ ▶, caption, sources), authoring
(add the current view as a step, download the story file, import one by upload), and the
story's export (a PDF deck or a video) from the export panel, queued as an export job like
the page's animations (dashboard/exports_api.py) and followed by the same progress bar.

The URL carries `story=NAME&step=N`; opening it loads the story and goes to step N. Going
to a step is done in the browser (assets/story.js): the map flies to the step's view, the
date runs to the step's date, then the page's URL becomes the step's URL, so the step is
applied by the same code that restores any shared link. Leaving the story keeps the view.

Callbacks here are thin: each calls a function of this module that is tested directly.
"""
from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qsl

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard import view as views
from dashboard.i18n import date_words, t
from dashboard.records import LANGUAGES
from dashboard.state import state_to_search
from dashboard.stories import (FORMAT, VIEW_KEYS, Stories, StoryError, UnknownStory,
                               check_story, parse_story)
from dashboard.story_api import story_json

PANEL = "story-panel"
DATA = "story-data"  # the open story, as GET /api/stories/NAME gives it
STEP = "story-step"  # the index of the step shown (0-based); None outside a story
TITLE = "story-title"
COUNT = "story-count"
PREV = "story-prev"
NEXT = "story-next"
LEAVE = "story-leave"
STEPS = "story-steps"
GO = "story-go"  # pattern-matching id type of the step list's buttons
CAPTION = "story-caption"
SOURCES = "story-sources"
CHOOSE = "story-choose"
START = "story-start"
DRAFT = "story-draft"
DRAFT_TITLE = "story-draft-title"
DRAFT_CAPTION = "story-draft-caption"
ADD = "story-add"
DRAFT_INFO = "story-draft-info"
SAVE = "story-save"
SAVE_FILE = "story-save-file"
UPLOAD = "story-upload"
STATUS = "story-status"
EXPORT_FORMAT = "story-export-format"
EXPORT = "story-export"
MOVED = "story-moved"  # written by assets/story.js when a step's transition has ended
# The address as the browser has it: the page's own Location (ids.URL) is rewritten by the
# view's callback before others see it, which would drop story= on a page load.
ADDRESS = "story-address"
LABEL = "story-label"  # prefix: ids of translated headings are LABEL + "-" + key
LABELLED = ("stories", "your_story", "draft_title", "draft_caption", "sources", "export_format")

MAX_PREFILLED = 20  # events pre-filled in a new step: the latest shown



def tr(key: str, lang: str) -> str:
    """A story panel's words (i18n's story_… keys)."""
    return t(f"story_{key}", lang if lang in LANGUAGES else "en")


def story_panel(lang: str) -> html.Section:
    """Above the map; hidden outside a story. In the report view (and so in exports) the
    caption sits over the map."""
    return html.Section(id=PANEL, className="story-panel", hidden=True,
                        **{"aria-label": tr("stories", lang), "data-step": ""}, children=[
        html.Div(className="story-head", children=[
            html.H2(id=TITLE, className="story-title"),
            html.Button("◀", id=PREV, className="button icon", title=tr("previous", lang),
                        **{"aria-label": tr("previous", lang)}),
            html.Span(id=COUNT, className="story-count", **{"aria-live": "polite"}),
            html.Button("▶", id=NEXT, className="button icon", title=tr("next", lang),
                        **{"aria-label": tr("next", lang)}),
            html.Button(tr("leave", lang), id=LEAVE, className="button small story-leave"),
        ]),
        html.Ol(id=STEPS, className="story-steps", **{"aria-label": tr("steps", lang)}),
        html.P(id=CAPTION, className="story-caption", **{"aria-live": "polite"}),
        html.Details(className="story-sources", children=[
            html.Summary(tr("sources", lang), id=f"{LABEL}-sources"), html.Ul(id=SOURCES)]),
        dcc.Store(id=DATA), dcc.Store(id=STEP), dcc.Store(id=MOVED),
        dcc.Location(id=ADDRESS, refresh=False),
    ])


def story_controls(lang: str) -> list:
    """In the controls panel: choose and play a story; build one from views."""
    return [
        html.H2(tr("stories", lang), id=f"{LABEL}-stories"),
        dcc.Dropdown(id=CHOOSE, options=[], placeholder=tr("pick", lang), clearable=False,
                     searchable=False, className="story-choose"),
        html.Button(tr("start", lang), id=START, className="button wide"),
        html.H2(tr("your_story", lang), id=f"{LABEL}-your_story"),
        html.Label(tr("draft_title", lang), htmlFor=DRAFT_TITLE, className="small-label",
                   id=f"{LABEL}-draft_title"),
        dcc.Input(id=DRAFT_TITLE, type="text", maxLength=200, className="text-input"),
        html.Label(tr("draft_caption", lang), htmlFor=DRAFT_CAPTION, className="small-label",
                   id=f"{LABEL}-draft_caption"),
        dcc.Textarea(id=DRAFT_CAPTION, maxLength=1200, className="text-input story-draft"),
        html.Button(tr("add", lang), id=ADD, className="button wide"),
        html.Div(id=DRAFT_INFO, role="status", className="export-status"),
        html.Button(tr("save", lang), id=SAVE, className="button wide"),
        dcc.Upload(id=UPLOAD, children=html.Div(tr("upload", lang), id=f"{LABEL}-upload"),
                   className="upload",
                   max_size=1_000_000, accept=".json,application/json"),
        html.Div(id=STATUS, role="status", className="export-status"),
        dcc.Store(id=DRAFT), dcc.Download(id=SAVE_FILE),
    ]


def story_export_controls(lang: str) -> list:
    """In the export panel: the open (or chosen) story as a PDF deck or a video, at the
    panel's size; its progress and download link are the animation's (one at a time)."""
    return [
        html.P(tr("export_format", lang), id=f"{LABEL}-export_format", className="small-label"),
        html.Div(dcc.RadioItems(
            id=EXPORT_FORMAT, inline=True, value="pdf", className="inline",
            options=[{"label": f.upper(), "value": f} for f in ("pdf", "mp4", "gif")]),
            role="radiogroup", **{"aria-labelledby": f"{LABEL}-export_format"}),
        html.Button(tr("export", lang), id=EXPORT, className="button wide"),
    ]


def queue_story_export(registry, jobs, loaded: dict | None, chosen: str | None, lang: str,
                       fmt: str, size: str, client: str) -> tuple:
    """The story export's button: the story open in the page (else the one chosen under
    Stories), in the page's language, checked and queued as POST /api/exports does.
    (job reference, polling disabled, status text), as the animation's button gives."""
    from dashboard.export import ExportError
    from dashboard.exports_api import submit_story_export
    from dashboard.jobs import JobRefused
    lang = lang if lang in LANGUAGES else "en"
    name = (loaded or {}).get("name") or chosen
    if not name:
        return no_update, True, tr("export_none", lang)
    try:
        job = submit_story_export(jobs, registry, name, fmt, size, lang, client)
    except (ExportError, JobRefused, StoryError, UnknownStory) as exc:
        return no_update, True, t("failed", lang).format(error=str(exc)[:600])
    return {"id": job, "lang": lang}, False, t("queued", lang)


def story_from_url(search: str) -> tuple[str, int] | None:
    """(name, 0-based step) from `?…&story=NAME&step=N`, or None without story=."""
    args = dict(parse_qsl((search or "").lstrip("?")))
    if not args.get("story"):
        return None
    try:
        step = max(int(args.get("step", "1")) - 1, 0)
    except ValueError:
        step = 0
    return args["story"], step


def open_story(stories: Stories, registry, search: str, chosen: str | None, lang: str,
               loaded: dict | None, current: int | None, from_url: bool) -> tuple:
    """(story data, step index, status) for a URL with story= or the Play story button;
    no_update for the step the page is already on (its own address coming back)."""
    if from_url:
        found = story_from_url(search)
        if found is None:
            return no_update, no_update, no_update
        name, step = found
    elif chosen:
        name, step = chosen, 0
    else:
        return no_update, no_update, no_update
    lang = lang if lang in LANGUAGES else "en"
    if loaded and loaded.get("name") == name and loaded.get("lang") == lang:
        step = min(step, len(loaded["steps"]) - 1)
        return no_update, step if step != current else no_update, ""
    try:
        data = {**story_json(stories, registry, name, lang), "lang": lang}
    except (UnknownStory, StoryError) as exc:
        return no_update, no_update, tr("refused", lang).format(error=str(exc)[:600])
    return data, min(step, len(data["steps"]) - 1), ""


def panel_content(data: dict | None, step: int | None) -> dict:
    """What the panel shows for a step: title, count, step list, caption, sources."""
    if not data or step is None or not 0 <= step < len(data["steps"]):
        return {"hidden": True, "data-step": "", "title": "", "count": "", "steps": [],
                "caption": "", "sources": []}
    lang = data.get("lang", "en")
    current = data["steps"][step]
    title = data["title"].get(lang) or next(iter(data["title"].values()))

    def caption(s: dict) -> str:
        return s["caption"].get(lang) or next(iter(s["caption"].values()))

    items = [html.Li(html.Button(
        f"{date_words(_day(s), lang)}", id={"type": GO, "step": i},
        className="story-go" + (" current" if i == step else ""),
        title=caption(s)[:120], **({"aria-current": "step"} if i == step else {})))
        for i, s in enumerate(data["steps"])]
    sources = [html.Li([html.A(s.get("title") or s["url"], href=s["url"], target="_blank",
                               rel="noopener noreferrer", className="source-link"),
                        f" — {s['publisher']}, {s['date']}"]) for s in current["sources"]]
    return {"hidden": False, "data-step": str(step + 1), "title": title,
            "count": tr("step_of", lang).format(n=step + 1, total=len(data["steps"])) + " · "
            + date_words(_day(current), lang),
            "steps": items, "caption": caption(current), "sources": sources}


def _day(step: dict):
    import datetime as dt
    return dt.date.fromisoformat(step["view"]["date"])


def add_step(registry, stored: dict, draft: dict | None, title: str | None,
             caption: str | None) -> tuple[dict | None, str]:
    """The draft story with the current view appended as a step, and a message. The
    step's view is the page's URL state; its events and areas are those the view shows
    (the latest MAX_PREFILLED events up to the day); the caption is the user's."""
    from dashboard.callbacks import view_of
    state, data = view_of(registry, stored)
    lang = state.lang
    if not (caption or "").strip():
        return None, tr("need_caption", lang)
    shown = views.shown(data, state)
    events = [e.id for e in shown.events if e.date <= state.day][-MAX_PREFILLED:]
    areas = sorted(a.id for a in shown.areas)
    movements = [m.id for m in shown.movements if m.start <= state.day]
    if not (events or areas or movements):
        return None, tr("need_records", lang)
    args = dict(parse_qsl(state_to_search(state, data.record).lstrip("?")))
    view = {k: v for k, v in args.items() if k in VIEW_KEYS}
    story = draft or {"format": FORMAT, "name": "my-story", "dataset": data.record.meta["name"],
                      "title": {}, "languages": [lang], "steps": []}
    if story["dataset"] != data.record.meta["name"]:  # another dataset: a new story
        story = {**story, "dataset": data.record.meta["name"], "steps": []}
    text = (title or "").strip() or story["title"].get(lang) or tr("your_story", lang)
    story = {**story, "title": {**story["title"], lang: text}, "name": slug(text),
             "languages": sorted(set(story["languages"]) | {lang})}
    story["steps"] = story["steps"] + [{"view": view, "caption": {lang: caption.strip()},
                                        "events": events, "areas": areas,
                                        "movements": movements, "highlights": [],
                                        "claims": []}]
    return story, tr("added", lang).format(n=len(story["steps"]), events=len(events),
                                           areas=len(areas))


def slug(text: str) -> str:
    """A story name from its title: lower-case ASCII letters, digits and dashes."""
    import unicodedata
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return (re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60] or "story")


def draft_file(registry, draft: dict) -> tuple[str, str]:
    """(file name, JSON) of the draft; a story written in one language is filled in the
    others with the same text so that it validates, marked for translation."""
    story = json.loads(json.dumps(draft))
    for step in story["steps"]:
        for lang in story["languages"]:
            step["caption"].setdefault(lang, next(iter(step["caption"].values())))
    for lang in story["languages"]:
        story["title"].setdefault(lang, next(iter(story["title"].values())))
    check_story(parse_story(story, "draft"), registry.get(story["dataset"]))
    return f"{story['name']}.json", json.dumps(story, ensure_ascii=False, indent=1)


def import_upload(stories: Stories, registry, contents: str, filename: str,
                  lang: str) -> tuple[str, bool]:
    """Validate and store an uploaded story file; the message lists every problem."""
    try:
        payload = base64.b64decode(contents.partition(",")[2], validate=False)
        story = stories.import_story(payload, str(filename or "story")[:100], registry)
    except StoryError as exc:
        return tr("refused", lang).format(error=str(exc)[:1500]), False
    return tr("imported", lang).format(name=story.name, n=len(story.steps)), True


def story_options(stories: Stories, registry, dataset: str, lang: str) -> list[dict]:
    return [{"label": (s.get("title") or {}).get(lang) or s["name"], "value": s["name"]}
            for s in stories.describe(registry, dataset) if "problems" not in s]


def register_story_callbacks(app: Dash, registry, jobs) -> None:
    stories = Stories.of(registry)

    @app.callback(Output(DATA, "data"), Output(STEP, "data", allow_duplicate=True),
                  Output(STATUS, "children", allow_duplicate=True),
                  Input(ADDRESS, "search"), Input(START, "n_clicks"), Input(ids.LANG, "value"),
                  State(CHOOSE, "value"), State(DATA, "data"), State(STEP, "data"),
                  prevent_initial_call="initial_duplicate")
    def load(search, _start, lang, chosen, loaded, current):
        if ctx.triggered_id == ids.LANG:  # the open story, in the page's new language
            if not loaded or current is None or loaded.get("lang") == lang:
                return no_update, no_update, no_update
            search = f"?story={loaded['name']}&step={current + 1}"
        return open_story(stories, registry, search, chosen, lang, loaded, current,
                          from_url=ctx.triggered_id != START)

    @app.callback(Output(PREV, "title"), Output(PREV, "aria-label"), Output(NEXT, "title"),
                  Output(NEXT, "aria-label"), Output(LEAVE, "children"), Output(START, "children"),
                  Output(ADD, "children"), Output(SAVE, "children"), Output(UPLOAD, "children"),
                  Output(CHOOSE, "placeholder"), Output(PANEL, "aria-label"),
                  Output(EXPORT, "children"),
                  *[Output(f"{LABEL}-{key}", "children") for key in LABELLED],
                  Input(ids.LANG, "value"))
    def translate(lang):
        return (tr("previous", lang), tr("previous", lang), tr("next", lang), tr("next", lang),
                tr("leave", lang), tr("start", lang), tr("add", lang), tr("save", lang),
                html.Div(tr("upload", lang), id=f"{LABEL}-upload"), tr("pick", lang),
                tr("stories", lang), tr("export", lang),
                *[tr(key, lang) for key in LABELLED])

    @app.callback(Output(PANEL, "hidden"), Output(PANEL, "data-step"), Output(TITLE, "children"),
                  Output(COUNT, "children"), Output(STEPS, "children"),
                  Output(CAPTION, "children"), Output(SOURCES, "children"),
                  Input(DATA, "data"), Input(STEP, "data"))
    def panel(data, step):
        out = panel_content(data, step)
        return (out["hidden"], out["data-step"], out["title"], out["count"], out["steps"],
                out["caption"], out["sources"])

    @app.callback(Output(CHOOSE, "options"), Input(ids.FILTERS, "data"), Input(STATUS, "children"),
                  State(ids.STATE, "data"))
    def choices(_filters, _status, stored):
        if not stored:
            return no_update
        return story_options(stories, registry, stored.get("dataset") or registry.default,
                             stored.get("lang", "en"))

    app.clientside_callback(
        _function("nav"), Output(STEP, "data", allow_duplicate=True),
        Input(PREV, "n_clicks"), Input(NEXT, "n_clicks"), Input({"type": GO, "step": ALL}, "n_clicks"),
        Input(LEAVE, "n_clicks"), State(STEP, "data"), State(DATA, "data"),
        prevent_initial_call=True)

    app.clientside_callback(
        _function("go"), Output(MOVED, "data"), Input(STEP, "data"), State(DATA, "data"))

    app.clientside_callback(_function("keep"), Output(MOVED, "data", allow_duplicate=True),
                            Input(ids.URL, "search"), State(STEP, "data"), State(DATA, "data"),
                            prevent_initial_call=True)

    @app.callback(Output(DRAFT, "data"), Output(DRAFT_INFO, "children"),
                  Input(ADD, "n_clicks"), State(ids.STATE, "data"), State(DRAFT, "data"),
                  State(DRAFT_TITLE, "value"), State(DRAFT_CAPTION, "value"),
                  prevent_initial_call=True)
    def add(_clicks, stored, draft, title, caption):
        if not stored:
            return no_update, no_update
        story, message = add_step(registry, stored, draft, title, caption)
        return (story if story is not None else no_update), message

    @app.callback(Output(SAVE_FILE, "data"), Output(DRAFT_INFO, "children", allow_duplicate=True),
                  Input(SAVE, "n_clicks"), State(DRAFT, "data"), prevent_initial_call=True)
    def save(_clicks, draft):
        if not draft or not draft.get("steps"):
            return no_update, no_update
        try:
            name, text = draft_file(registry, draft)
        except StoryError as exc:
            return no_update, str(exc)[:1500]
        return dcc.send_string(text, name), no_update

    @app.callback(Output(ids.ANIM_JOB, "data", allow_duplicate=True),
                  Output(ids.ANIM_POLL, "disabled", allow_duplicate=True),
                  Output(ids.ANIM_STATUS, "children", allow_duplicate=True),
                  Input(EXPORT, "n_clicks"), State(DATA, "data"), State(CHOOSE, "value"),
                  State(ids.LANG, "value"), State(EXPORT_FORMAT, "value"),
                  State(ids.EXPORT_SIZE, "value"), prevent_initial_call=True)
    def export(_clicks, loaded, chosen, lang, fmt, size):
        return queue_story_export(registry, jobs, loaded, chosen, lang, fmt, size,
                                  ctx.remote or "")

    @app.callback(Output(STATUS, "children"), Input(UPLOAD, "contents"),
                  State(UPLOAD, "filename"), State(ids.LANG, "value"), prevent_initial_call=True)
    def upload(contents, filename, lang):
        if contents is None:
            return no_update
        return import_upload(stories, registry, contents, filename, lang or "en")[0]


def _function(name: str):
    from dash import ClientsideFunction
    return ClientsideFunction(namespace="frontlinesStory", function_name=name)
