"""Thin adapters between the page and the pure code: each callback parses its inputs, calls
one top-level function of this module (tested without a browser) and returns its outputs.

No callback keeps state of its own; the view lives in the URL and the page's stores. A step
of the date costs the server two small requests (the URL and the text panels); the map is
drawn in the browser from the bundle (assets/map.js).
"""
from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlencode

from dash import (ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html,
                  no_update)

from dashboard import ids
from dashboard import view as views
from dashboard.config import Config
from dashboard.data_export import MAX_EVENTS, events_csv, shown_geojson
from dashboard.dataset import Dataset
from dashboard.export import ExportError, default_filename
from dashboard.exports_api import submit_export
from dashboard.figures.activity import build_activity
from dashboard.figures.areas import build_area_chart
from dashboard.figures.map import map_bundle
from dashboard.i18n import t
from dashboard.jobs import ACTIVE, JobRefused, Jobs
from dashboard.layout import (EVENT_LIST_MAX, areas_panel, basemap_options, changes_panel,
                              SPOKEN, dataset_options, details_panel, event_list,
                              faction_checklist,
                              focus_buttons, layer_options, mode_options,
                              size_options, slider_marks, step_options, type_options,
                              window_options)
from dashboard.records import LANGUAGES, DataError, parse_date
from dashboard.registry import Registry, UnknownDataset
from dashboard.state import (ViewState, controls_from_state, dataset_param, day_offset,
                             map_view_from, parse_state, state_from_controls,
                             state_from_store, state_to_search, state_to_store)
from dashboard.story_ui import register_story_callbacks
from dashboard.summary import day_summary
from dashboard.uploads import import_uploaded

CONTROLS = (("factions", ids.FACTIONS, "value"), ("types", ids.TYPES, "value"),
            ("window", ids.WINDOW, "value"), ("range_start", ids.RANGE, "start_date"),
            ("range_end", ids.RANGE, "end_date"), ("layers", ids.LAYERS, "value"),
            ("basemap", ids.BASEMAP, "value"), ("lang", ids.LANG, "value"),
            ("report", ids.REPORT, "value"), ("slider", ids.SLIDER, "value"),
            ("mode", ids.MODE, "value"), ("compare_from", ids.COMPARE_FROM, "date"),
            ("dataset", ids.DATASET, "value"), ("step", ids.STEP, "value"),
            ("speed", ids.SPEED, "value"))
TRANSLATED = ("factions", "event_types", "window", "layers", "basemap", "details", "summary",
              "export", "animation_range", "dataset", "import", "import_name", "drop_file",
              "areas_today", "mode", "compare_from", "area_chart", "events_per_week",
              "language", "step", "speed", "skip_to_map", "drawing_map", "map_unavailable",
              "filters",
              "details_and_summary", "events_listed", "map_text", "export_format",
              "export_size", "animation_format", *SPOKEN)
IMAGE_WAIT_SECONDS = 600
SYNC_OUTPUTS = ("search", "state", "filters", "event", "notice", "controls")
TRANSLATION_OUTPUTS = (
    (ids.TYPES, "options"), (ids.WINDOW, "options"), (ids.LAYERS, "options"),
    (ids.BASEMAP, "options"), (ids.MODE, "options"), (ids.EXPORT_SIZE, "options"),
    (ids.EXPORT_IMAGE, "children"), (ids.EXPORT_CSV, "children"),
    (ids.EXPORT_GEOJSON, "children"), (ids.ANIM_START, "children"),
    (ids.RANGE, "start_date_placeholder_text"), (ids.RANGE, "end_date_placeholder_text"),
    (ids.ANIM_RANGE, "start_date_placeholder_text"),
    (ids.ANIM_RANGE, "end_date_placeholder_text"), (ids.COMPARE_FROM, "placeholder"),
    (ids.STEP, "options"), (ids.REPORT, "options"), (ids.DOWNLOAD, "children"),
    (ids.FACTIONS_ALL, "children"), (ids.FACTIONS_NONE, "children"),
    (f"{ids.LABELS}-import_help", "children"), (ids.BACK, "title"), (ids.BACK, "aria-label"),
    (ids.FORWARD, "title"), (ids.FORWARD, "aria-label"),
    *[(f"{ids.LABELS}-{key}", "children") for key in TRANSLATED])
DATASET_OUTPUTS = (
    (ids.TITLE, "children"), (ids.FACTIONS_BOX, "children"), (ids.SLIDER, "max"),
    (ids.SLIDER, "marks"), (ids.RANGE, "min_date_allowed"), (ids.RANGE, "max_date_allowed"),
    (ids.COMPARE_FROM, "min_date_allowed"), (ids.COMPARE_FROM, "max_date_allowed"),
    (ids.ANIM_RANGE, "min_date_allowed"), (ids.ANIM_RANGE, "max_date_allowed"),
    (ids.DATASET, "options"), (ids.FOCUS_BAR, "children"), (ids.DATASET_KEY, "data"))


def view_of(registry: Registry, stored: dict) -> tuple[ViewState, Dataset]:
    """The stored view and its dataset (the bundled one if it has since gone)."""
    state = state_from_store(stored)
    try:
        return state, registry.get(state.dataset or None)
    except (UnknownDataset, DataError):
        return replace(state, dataset=""), registry.get(None)


def bundle_key(data: Dataset, state: ViewState) -> dict:
    """What the map's bundle depends on: the view without its day, except where the
    server computes each day itself (views.steps_on_server)."""
    stored = state_to_store(replace(state, event=None, previous=None, report=False,
                                    step="week", speed="1"))
    stored["day"] = state.day.isoformat() if views.steps_on_server(data, state) else None
    return stored


def sync(registry: Registry, trigger: str | None, search: str, click, controls: dict,
         stored: dict | None, map_view, playing: bool = False) -> dict:
    """The URL and the controls are two views of one state; whichever moved wins.

    Returns the outputs by name (see SYNC_OUTPUTS); no_update where nothing changed. A
    load or a link (trigger None or the URL) sets every control from the address; a control
    sets the state; a click on an event selects it, a click on the empty map clears it.
    Choosing another dataset opens its default view, as a fresh URL would.

    While Play runs, its steps leave the state as it was: the page draws each day itself,
    and rebuilding the text beside the map at every step (unread: a screen reader is told
    only "Playing") would hold up the next. Pause sets the state to the day it stops on."""
    unchanged = dict.fromkeys(SYNC_OUTPUTS, no_update)
    if playing and trigger in (ids.SLIDER, ids.PLAY_STATE):
        return unchanged
    if trigger == ids.DATASET:
        chosen = controls.get("dataset")
        current = state_from_store(stored).dataset if stored else ""
        if not chosen or chosen == (current or registry.default):
            return unchanged  # a dropdown whose options are refreshed clears or repeats it
        search = "" if chosen == registry.default else "?" + urlencode({"dataset": chosen})
    if trigger in (None, ids.URL, ids.DATASET):
        problems = []
        try:
            data = registry.get(dataset_param(search) or None)
        except (UnknownDataset, DataError) as exc:
            problems.append(f"parameter 'dataset': {exc}"[:300])
            data, search = registry.get(None), ""
        state = parse_state(search, data.record)
        problems += list(state.problems)
        values = controls_from_state(state, data.record)
        values["dataset"] = state.dataset or registry.default
        return {"search": state_to_search(state, data.record), "state": state_to_store(state),
                "filters": bundle_key(data, state), "event": state.event,
                "notice": f"{t('bad_url', state.lang)}: {'; '.join(problems)}" if problems else "",
                "controls": values}
    before, data = view_of(registry, stored) if stored else (None, registry.get(None))
    event = before.event if before else None
    if trigger == ids.MAP:
        points = (click or {}).get("points") or [{}]
        clicked = str(points[0].get("customdata") or "").split()
        # a stack of events at one point: its latest is selected, the others are listed
        event = clicked[-1] if clicked and clicked[-1] in data.events_by_id else event
    elif trigger == ids.MAP_CLEAR:
        event = None
    state = state_from_controls(data.record, controls, event, before.day if before else None,
                                map_view_from(map_view) or (before.map_view if before else None))
    day_only = before is not None and replace(before, day=state.day, previous=None) == \
        replace(state, previous=None)
    filters = bundle_key(data, state)
    return {**unchanged,
            # a step of the date: the page writes the date into the address itself
            "search": no_update if day_only else state_to_search(state, data.record),
            "state": state_to_store(state),
            "filters": filters if before is None or filters != bundle_key(data, before)
            else no_update,
            "event": state.event if before is None or state.event != before.event else no_update}


def build_bundle(registry: Registry, filters: dict, tiles) -> dict:
    """The map's bundle for a view without its day (see bundle_key)."""
    state, data = view_of(registry, {**filters, "day": filters.get("day") or "2000-01-01"})
    if filters.get("day") is None:  # any day serves: the bundle holds them all
        state = replace(state, day=data.record.first_day)
    return {**map_bundle(data, state, tiles), "key": json.dumps(filters, sort_keys=True)}


def first_view(registry: Registry, search: str, tiles) -> dict:
    """The map of the page's own address, sent with the page (its layout), so the page draws
    it as soon as plotly.js has loaded rather than after its first answers from the server
    (the address to a state, the state to a bundle), which on a load wait in a crowd.

    {"bundle": the bundle, "view": {"day", "event", "date", "searches"}, "report": the
    report view, "controls": the controls' values, the dataset's name among them}: the day
    (and its date) and event to draw, and the addresses this is for (as opened, and as the
    page rewrites it); the page is laid out for the address's dataset (its title, factions,
    the slider's span and marks) and its controls show the address's filters from the start.
    The page's callbacks then run as on any load; the bundle is not built again (see
    `bundle_for`). With online tiles, "view" is None and the page draws the map as the
    callbacks answer, over its offline first figure: plotly draws no data on a map whose
    first load failed, and offline, a tile fails."""
    out = sync(registry, None, search, None, {}, None, None)
    state, data = view_of(registry, out["state"])
    view = {"day": day_offset(data.record, state.day), "event": state.event,
            "date": state.day.isoformat(), "searches": sorted({search, out["search"]})}
    return {"bundle": build_bundle(registry, out["filters"], tiles),
            "view": view if state.basemap != "tiles" else None, "report": state.report,
            "controls": out["controls"]}


def bundle_for(registry: Registry, filters: dict | None, held: str | None, tiles) -> tuple:
    """(bundle, its key) for the view's filters, or no_update when the page holds it."""
    if not filters:
        return no_update, no_update
    return redraw_if_changed(lambda: build_bundle(registry, filters, tiles), held,
                             json.dumps(filters, sort_keys=True))


def describe(registry: Registry, stored: dict, sent: dict | None) -> dict:
    """The text beside the map: summary, details, the list of areas, compare's table.

    The two long lists (areas, events) are sent only when what they list changed since
    `sent` (the keys of the lists the page holds, returned as "keys"): a step of a day
    mostly changes neither, and each of their entries is a component the page would
    otherwise build again on every step, while the next step waits."""
    state, data = view_of(registry, stored)
    shown = views.shown(data, state)
    areas = sorted(shown.areas, key=lambda a: a.id)
    record = data.record
    listed = sorted(shown.events, key=lambda e: (e.date, e.id), reverse=True)
    keys = {"areas": [state.dataset, state.lang] + [
                f"{a.id} {record.factions[a.faction].short_on(state.day, state.lang)}"
                for a in areas],
            "events": [state.dataset, state.lang, state.event, len(listed)] +
                      [e.id for e in listed[:EVENT_LIST_MAX]]}
    sent = sent or {}

    def fresh(name: str, build):
        return build() if keys[name] != sent.get(name) else no_update

    def link(eid: str) -> str:
        return state_to_search(replace(state, event=eid), data.record)
    return {"summary": day_summary(record, state, shown, views.aggregates(data, state, shown)),
            "details": details_panel(record, data.events_by_id.get(state.event),
                                     state.lang, shown, link),
            "areas": fresh("areas", lambda: areas_panel(record, areas, state.lang, state.day)),
            "events": fresh("events", lambda: event_list(record, listed, state.event,
                                                         state.lang)),
            "keys": keys if keys != sent else no_update,
            "changes": changes_panel(data, state, shown.events, link)}


def redraw_if_changed(build, drawn_for, key):
    """A chart is built and sent only when what it plots changed (key); the page moves its
    date marker itself on every step, so otherwise nothing travels and nothing is built."""
    if key == drawn_for:
        return no_update, no_update
    return build(), key


def chart(registry: Registry, stored: dict | None, drawn_for, which: str):
    """The activity or the area chart of the stored view: (figure, key) or no_update."""
    if not stored:
        return no_update, no_update
    state, data = view_of(registry, stored)
    if which == ids.ACTIVITY:
        return redraw_if_changed(lambda: build_activity(data.record, state), drawn_for,
                                 [state.dataset, state.lang, list(state.factions),
                                  list(state.types)])
    return redraw_if_changed(lambda: build_area_chart(data.history, state), drawn_for,
                             [state.dataset, state.lang, list(state.factions)])


def play_label(playing, lang) -> tuple[str, str]:
    """The Play button's text (what a press will do) and data-playing."""
    lang = lang if lang in LANGUAGES else "en"
    return (t("pause", lang), "true") if playing else (t("play", lang), "false")


def all_or_none(trigger: str | None, options) -> list[str]:
    """The factions ticked by 'all' or 'none'."""
    return [o["value"] for o in options or []] if trigger == ids.FACTIONS_ALL else []


def translations(lang, tiles_enabled: bool, upload_mb: int) -> tuple:
    """Every control's words in the page's language (the outputs of TRANSLATION_OUTPUTS)."""
    lang = lang if lang in LANGUAGES else "en"
    return (type_options(lang), window_options(lang), layer_options(lang),
            basemap_options(lang, tiles_enabled), mode_options(lang), size_options(lang),
            t("export_image", lang), t("export_csv", lang), t("export_geojson", lang),
            t("export_animation", lang), t("start_date", lang), t("end_date", lang),
            t("start_date", lang), t("end_date", lang), t("pick_date", lang),
            step_options(lang), [{"label": t("report_view", lang), "value": "report"}],
            t("download_png", lang), t("all", lang), t("none", lang),
            t("import_help", lang).format(mb=upload_mb),
            t("back", lang), t("back", lang), t("forward", lang), t("forward", lang),
            *[t(key, lang) for key in TRANSLATED])


def words_for(lang, held, tiles_enabled: bool, upload_mb: int) -> tuple:
    """The translations and the language they are in (WORDS_LANG), or nothing when the
    page's words are in that language already: the layout's are in the address's language,
    so a page is not sent the same sixty words again while its first map draws."""
    lang = lang if lang in LANGUAGES else "en"
    if lang == held:
        return (no_update,) * (len(TRANSLATION_OUTPUTS) + 1)
    return (*translations(lang, tiles_enabled, upload_mb), lang)


def dataset_controls(registry: Registry, stored: dict | None, shown) -> tuple:
    """What depends on the dataset (its factions, time span, title, focus views, the
    dataset menu), sent only when the dataset, the language or the datasets changed; the
    outputs of DATASET_OUTPUTS."""
    unchanged = (no_update,) * len(DATASET_OUTPUTS)
    if not stored:
        return unchanged
    state, data = view_of(registry, stored)
    key = [state.dataset, state.lang, registry.names()]
    if key == shown:
        return unchanged
    record = data.record
    first, last = record.first_day.isoformat(), record.last_day.isoformat()
    return (t("page_title", state.lang).format(title=record.meta["title"][state.lang]),
            faction_checklist(record, state.lang, list(state.factions)),
            day_offset(record, record.last_day), slider_marks(data),
            first, last, first, last, first, last,
            dataset_options(registry.describe(), state.lang),
            focus_buttons(record, state.lang), key)


def export_data(registry: Registry, jobs: Jobs, stored: dict, which: str, fmt: str,
                size: str, client: str) -> tuple[str, bytes]:
    """(file name, content) of one of the page's downloads; raises ExportError or
    JobRefused. An image is an export job like any other (the same limits, the same queue,
    rendered by its own process), waited for here: the caller is a background callback."""
    state, data = view_of(registry, stored)
    if which in (ids.EXPORT_CSV, ids.EXPORT_GEOJSON):
        events = views.shown(data, state).events
        if len(events) > MAX_EVENTS:
            raise ExportError(f"this view shows {len(events):,} events, more than one download "
                              f"holds ({MAX_EVENTS:,}): narrow the dates or filters, or page "
                              "through /api/events")
    if which == ids.EXPORT_CSV:
        return default_filename(data, state, "csv"), events_csv(events).encode()
    if which == ids.EXPORT_GEOJSON:
        return default_filename(data, state, "geojson"), \
            json.dumps(shown_geojson(data, state), ensure_ascii=False).encode()
    job_id = submit_export(jobs, data, state, fmt, size, None, None, "week", client)
    job = jobs.wait(job_id, timeout=IMAGE_WAIT_SECONDS)
    if job is not None and job.state in ACTIVE:
        jobs.cancel(job_id)
        raise ExportError(f"the image was not ready within {IMAGE_WAIT_SECONDS} s")
    if job is None or job.state != "done":
        raise ExportError(job.error if job else "the export expired before it was done")
    with jobs.open(job) as content:
        return job.filename, content.read()


def queue_animation(registry: Registry, jobs: Jobs, stored: dict | None, start, end, step,
                    fmt: str, size: str, client: str) -> tuple:
    """The animation export's button: the request checked and queued in the shared job
    store (as POST /api/exports does), answered at once; the job's own process renders.
    (job reference, polling disabled, status text)."""
    if not stored:
        return no_update, no_update, no_update
    state, data = view_of(registry, stored)
    try:
        first = parse_date(str(start)[:10], "start") if start else None
        last = parse_date(str(end)[:10], "end") if end else None
        job = submit_export(jobs, data, state, fmt, size, first, last, step, client)
    except (ExportError, JobRefused, ValueError) as exc:
        return no_update, True, t("failed", state.lang).format(error=exc)
    return {"id": job, "lang": state.lang}, False, t("queued", state.lang)


def animation_status(jobs: Jobs, job_ref: dict | None) -> tuple:
    """A poll of the animation's job: (progress value, max, status, polling disabled)."""
    job = jobs.get((job_ref or {}).get("id", ""))
    lang = (job_ref or {}).get("lang", "en")
    if job is None:
        return "0", "1", "", True
    if job.state in ("failed", "cancelled"):
        return "0", "1", t("failed", lang).format(error=job.error), True
    if job.state == "done":
        link = html.A(t("ready", lang).format(name=job.filename),
                      href=f"/api/exports/{job.id}", download=job.filename,
                      className="download-link")
        return "1", "1", link, True
    if job.state == "queued" or not job.total:
        return "0", "1", t("queued", lang), False
    return str(job.done), str(job.total), t("rendering", lang).format(
        done=job.done, total=job.total), False


def register_callbacks(app: Dash, registry: Registry, tiles: tuple[str, str] | None,
                       jobs: Jobs, config: Config) -> None:
    tiles_enabled = tiles is not None
    names = [name for name, _, _ in CONTROLS]
    register_story_callbacks(app, registry, jobs)

    @app.callback(
        Output(ids.URL, "search"), Output(ids.STATE, "data"), Output(ids.FILTERS, "data"),
        Output(ids.EVENT, "data"), Output(ids.NOTICE, "children"),
        *[Output(cid, prop) for _, cid, prop in CONTROLS],
        Input(ids.URL, "search"), Input(ids.MAP, "clickData"), Input(ids.MAP_CLEAR, "data"),
        Input(ids.PLAY_STATE, "data"), *[Input(cid, prop) for _, cid, prop in CONTROLS],
        State(ids.STATE, "data"), State(ids.MAP_VIEW, "data"))
    def sync_url(search, click, _clear, playing, *values):
        *control_values, stored, map_view = values
        # A new address and a control that moved in the same batch (a story's step sets the
        # address just after its last date of the run): the address is the whole view, so
        # it wins, or the view would keep the control's day under the step's address.
        moved = [t["prop_id"] for t in ctx.triggered]
        trigger = ids.URL if f"{ids.URL}.search" in moved else ctx.triggered_id
        out = sync(registry, trigger, search, click, dict(zip(names, control_values)),
                   stored, map_view, bool(playing))
        controls = out["controls"]
        return (out["search"], out["state"], out["filters"], out["event"], out["notice"],
                *([controls[name] for name in names] if controls is not no_update
                  else [no_update] * len(names)))

    app.callback(Output(ids.BUNDLE, "data"), Output(ids.BUNDLE_KEY, "data"),
                 Input(ids.FILTERS, "data"), State(ids.BUNDLE_KEY, "data"))(
        lambda filters, held: bundle_for(registry, filters, held, tiles))

    # A new bundle or selection redraws the map here; a new day is drawn by assets/map.js
    # itself (frontlines.show), at once, rather than after the server's answer to the step.
    app.clientside_callback(
        dash_function("draw"),
        Output(ids.MAP, "figure"), Output(ids.DATE_WORDS, "children"),
        Output(ids.DATE_WORDS, "dateTime"),
        Input(ids.BUNDLE, "data"), Input(ids.EVENT, "data"), State(ids.SLIDER, "value"))

    # ◀ ▶ and Play/Pause are handled by assets/map.js on the press itself (see there).
    app.clientside_callback(
        dash_function("chartDay"),
        Output(ids.SLIDER, "value", allow_duplicate=True),
        Input(ids.ACTIVITY, "clickData"), Input(ids.AREA_CHART, "clickData"),
        prevent_initial_call=True)

    app.clientside_callback(
        dash_function("focus"),
        Output(ids.FOCUS_BAR, "title"), Input({"type": ids.FOCUS, "view": ALL}, "n_clicks"),
        prevent_initial_call=True)

    # On a page load, the text beside the map and the charts wait for the first map
    # (MAP_FIRST_DRAWN: assets/map.js says so, or after a few seconds whatever happens):
    # their answers, applied by the page while MapLibre laid out and painted that map,
    # held it up by a third of a second.
    @app.callback(Output(ids.SUMMARY, "children"), Output(ids.DETAILS, "children"),
                  Output(ids.AREAS, "children"), Output(ids.PANEL_KEYS, "data"),
                  Output(ids.CHANGES, "children"), Output(ids.EVENT_LIST, "children"),
                  Input(ids.STATE, "data"), Input(ids.MAP_FIRST_DRAWN, "data"),
                  State(ids.PANEL_KEYS, "data"))
    def describe_view(stored, drawn, sent):
        if not stored or not drawn:
            return (no_update,) * 6
        out = describe(registry, stored, sent)
        return (out["summary"], out["details"], out["areas"], out["keys"],
                out["changes"], out["events"])

    # The report view's page layout follows the state at once (the map's size depends on it)
    app.clientside_callback(dash_function("pageClass"), Output(ids.ROOT, "className"),
                            Input(ids.STATE, "data"))

    # A button of the event list selects its event exactly as a click on its marker does.
    app.clientside_callback(
        ClientsideFunction(namespace="a11y", function_name="pick"),
        Output(ids.MAP, "clickData"), Input({"type": ids.EVENT_ITEM, "event": ALL}, "n_clicks"),
        prevent_initial_call=True)

    for which, key in ((ids.ACTIVITY, ids.ACTIVITY_KEY), (ids.AREA_CHART, ids.AREA_CHART_KEY)):
        app.callback(Output(which, "figure"), Output(key, "data"), Input(ids.FILTERS, "data"),
                     Input(ids.MAP_FIRST_DRAWN, "data"), State(ids.STATE, "data"),
                     State(key, "data"))(
            lambda _filters, drawn, stored, drawn_for, which=which:
            chart(registry, stored if drawn else None, drawn_for, which))

    app.callback(Output(ids.PLAY, "children"), Output(ids.PLAY, "data-playing"),
                 Input(ids.PLAY_STATE, "data"), Input(ids.LANG, "value"))(play_label)

    app.callback(*[Output(cid, prop) for cid, prop in TRANSLATION_OUTPUTS],
                 Output(ids.WORDS_LANG, "data"), Input(ids.LANG, "value"),
                 State(ids.WORDS_LANG, "data"))(
        lambda lang, held: words_for(lang, held, tiles_enabled, config.upload_mb))

    app.callback(Output(ids.FACTIONS, "value", allow_duplicate=True),
                 Input(ids.FACTIONS_ALL, "n_clicks"), Input(ids.FACTIONS_NONE, "n_clicks"),
                 State(ids.FACTIONS, "options"), prevent_initial_call=True)(
        lambda _all, _none, options: all_or_none(ctx.triggered_id, options))

    # (not held for the first map: its controls feed the view's sync, which must not run
    # again under a story that has started)
    app.callback(*[Output(cid, prop) for cid, prop in DATASET_OUTPUTS],
                 Input(ids.FILTERS, "data"), State(ids.STATE, "data"),
                 State(ids.DATASET_KEY, "data"))(
        lambda _filters, stored, shown: dataset_controls(registry, stored, shown))

    app.clientside_callback(dash_function("language"), Output(ids.PAGE_LANG, "data"),
                            Input(ids.LANG, "value"))

    @app.callback(Output(ids.DOWNLOAD_FILE, "data"), Output(ids.EXPORT_STATUS, "children"),
                  Input(ids.EXPORT_IMAGE, "n_clicks"), Input(ids.EXPORT_CSV, "n_clicks"),
                  Input(ids.EXPORT_GEOJSON, "n_clicks"), State(ids.STATE, "data"),
                  State(ids.EXPORT_FORMAT, "value"), State(ids.EXPORT_SIZE, "value"),
                  background=True, prevent_initial_call=True,
                  running=[(Output(ids.EXPORT_IMAGE, "disabled"), True, False)])
    def export_now(_image, _csv, _geojson, stored, fmt, size):
        """Images (rendered from the page itself) and data files, straight to the browser;
        in the background (results in the shared folder), so no worker waits for the
        render and any worker answers the page's polls."""
        if not stored:
            return no_update, no_update
        lang = stored.get("lang", "en")
        try:
            name, content = export_data(registry, jobs, stored, ctx.triggered_id, fmt, size,
                                        ctx.remote or "")
        except (ExportError, JobRefused) as exc:
            return no_update, t("failed", lang).format(error=exc)
        return dcc.send_bytes(content, name), t("exported", lang).format(name=name)

    @app.callback(Output(ids.ANIM_JOB, "data"), Output(ids.ANIM_POLL, "disabled"),
                  Output(ids.ANIM_STATUS, "children", allow_duplicate=True),
                  Input(ids.ANIM_START, "n_clicks"), State(ids.STATE, "data"),
                  State(ids.ANIM_RANGE, "start_date"), State(ids.ANIM_RANGE, "end_date"),
                  State(ids.STEP, "value"), State(ids.ANIM_FORMAT, "value"),
                  State(ids.EXPORT_SIZE, "value"), prevent_initial_call=True)
    def start_animation(_clicks, stored, start, end, step, fmt, size):
        return queue_animation(registry, jobs, stored, start, end, step, fmt, size,
                               ctx.remote or "")

    @app.callback(Output(ids.ANIM_PROGRESS, "value"), Output(ids.ANIM_PROGRESS, "max"),
                  Output(ids.ANIM_STATUS, "children"),
                  Output(ids.ANIM_POLL, "disabled", allow_duplicate=True),
                  Input(ids.ANIM_POLL, "n_intervals"), State(ids.ANIM_JOB, "data"),
                  prevent_initial_call=True)
    def animation_progress(_n, job_ref):
        return animation_status(jobs, job_ref)

    @app.callback(Output(ids.IMPORT_REPORT, "children"),
                  Output(ids.DATASET, "value", allow_duplicate=True),
                  Input(ids.UPLOAD, "contents"), State(ids.UPLOAD, "filename"),
                  State(ids.IMPORT_NAME, "value"), prevent_initial_call=True,
                  background=True, progress=[Output(ids.IMPORT_REPORT, "children")],
                  running=[(Output(ids.UPLOAD, "disabled"), True, False)])
    def import_upload(set_progress, contents, filename, name):
        """Validate the whole file, write the dataset atomically, then switch to it; in the
        background (no worker is held for the import), its progress shown as it reads. The
        report is returned as text: nothing from the file is ever rendered as HTML."""
        if contents is None:  # the upload control clears itself after each file
            return no_update, no_update
        report, ok = import_uploaded(contents, filename, name, config,
                                     lambda text: set_progress([text]))
        # the import ran in another process: the registry there is not the workers' own;
        # they see the new folder on disk
        return report, name if ok else no_update

    app.clientside_callback(
        dash_function("download"),
        Output(ids.DOWNLOAD, "title"), Input(ids.DOWNLOAD, "n_clicks"), State(ids.STATE, "data"),
        prevent_initial_call=True)


def dash_function(name: str):
    """A clientside callback of assets/map.js, by name."""
    return ClientsideFunction(namespace="frontlines", function_name=name)
