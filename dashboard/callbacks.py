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

from dash import ALL, Dash, Input, Output, Patch, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard import view as views
from dashboard.config import Config
from dashboard.data_export import events_csv, shown_geojson
from dashboard.dataset import Dataset
from dashboard.export import (MIMETYPES, ExportError, Renderer, check_request,
                              default_filename, render_animation, render_image)
from dashboard.figures.activity import build_activity
from dashboard.figures.areas import build_area_chart
from dashboard.figures.map import map_bundle
from dashboard.i18n import t
from dashboard.jobs import Jobs
from dashboard.layout import (areas_panel, basemap_options, changes_panel,
                              dataset_options, details_panel, faction_checklist,
                              focus_buttons, layer_options, mode_options,
                              size_options, slider_marks, step_options, type_options,
                              window_options)
from dashboard.records import DataError, parse_date
from dashboard.registry import Registry, UnknownDataset
from dashboard.state import (ViewState, controls_from_state, dataset_param, day_offset,
                             map_view_from, parse_state, state_from_controls,
                             state_from_store, state_to_search, state_to_store)
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
              "language", "step", "speed", "skip_to_map", "drawing_map", "filters",
              "details_and_summary")
SYNC_OUTPUTS = ("search", "state", "filters", "event", "notice", "controls")


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
         stored: dict | None, map_view) -> dict:
    """The URL and the controls are two views of one state; whichever moved wins.

    Returns the outputs by name (see SYNC_OUTPUTS); no_update where nothing changed. A
    load or a link (trigger None or the URL) sets every control from the address; a control
    sets the state; a click on an event selects it, a click on the empty map clears it.
    Choosing another dataset opens its default view, as a fresh URL would."""
    unchanged = dict.fromkeys(SYNC_OUTPUTS, no_update)
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


def describe(registry: Registry, stored: dict, areas_shown) -> dict:
    """The text beside the map: summary, details, the list of areas, compare's table."""
    state, data = view_of(registry, stored)
    shown = views.shown(data, state)
    areas = sorted(shown.areas, key=lambda a: a.id)
    key = [state.dataset, state.lang] + [a.id for a in areas]

    def link(eid: str) -> str:
        return state_to_search(replace(state, event=eid), data.record)
    return {"summary": day_summary(data.record, state, shown,
                                   views.aggregates(data, state, shown)),
            "details": details_panel(data.record, data.events_by_id.get(state.event),
                                     state.lang, shown, link),
            "areas": areas_panel(data.record, areas, state.lang, state.day) if key != areas_shown
            else no_update,
            "areas_key": key if key != areas_shown else no_update,
            "changes": changes_panel(data, state, shown.events, link),
            "class": "report" if state.report else "explore"}


def redraw_or_move_marker(figure, drawn_for, key):
    """A chart is sent whole when what it plots changed (key), else only its date marker
    and labels travel (a Patch of the layout's shapes and annotations)."""
    if key == drawn_for:
        patch = Patch()
        patch["layout"]["shapes"] = figure.layout.shapes
        patch["layout"]["annotations"] = figure.layout.annotations
        return patch, no_update
    return figure, key


def export_data(registry: Registry, renderer: Renderer, stored: dict, which: str, fmt: str,
                size: str) -> tuple[str, bytes]:
    """(file name, content) of one of the page's downloads; raises ExportError."""
    state, data = view_of(registry, stored)
    if which == ids.EXPORT_CSV:
        return default_filename(data, state, "csv"), \
            events_csv(views.shown(data, state).events).encode()
    if which == ids.EXPORT_GEOJSON:
        return default_filename(data, state, "geojson"), \
            json.dumps(shown_geojson(data, state), ensure_ascii=False).encode()
    return default_filename(data, state, fmt), render_image(renderer, data, state, fmt, size)


def register_callbacks(app: Dash, registry: Registry, tiles: tuple[str, str] | None,
                       renderer: Renderer, jobs: Jobs, config: Config) -> None:
    tiles_enabled = tiles is not None
    names = [name for name, _, _ in CONTROLS]

    @app.callback(
        Output(ids.URL, "search"), Output(ids.STATE, "data"), Output(ids.FILTERS, "data"),
        Output(ids.EVENT, "data"), Output(ids.NOTICE, "children"),
        *[Output(cid, prop) for _, cid, prop in CONTROLS],
        Input(ids.URL, "search"), Input(ids.MAP, "clickData"), Input(ids.MAP_CLEAR, "data"),
        *[Input(cid, prop) for _, cid, prop in CONTROLS],
        State(ids.STATE, "data"), State(ids.MAP_VIEW, "data"))
    def sync_url(search, click, _clear, *values):
        *control_values, stored, map_view = values
        out = sync(registry, ctx.triggered_id, search, click, dict(zip(names, control_values)),
                   stored, map_view)
        controls = out["controls"]
        return (out["search"], out["state"], out["filters"], out["event"], out["notice"],
                *([controls[name] for name in names] if controls is not no_update
                  else [no_update] * len(names)))

    @app.callback(Output(ids.BUNDLE, "data"), Input(ids.FILTERS, "data"))
    def bundle(filters):
        return build_bundle(registry, filters, tiles) if filters else no_update

    app.clientside_callback(
        dash_function("draw"),
        Output(ids.MAP, "figure"), Output(ids.DATE_WORDS, "children"),
        Output(ids.DATE_WORDS, "dateTime"),
        Input(ids.SLIDER, "value"), Input(ids.BUNDLE, "data"), Input(ids.EVENT, "data"))

    app.clientside_callback(
        dash_function("step"),
        Output(ids.SLIDER, "value", allow_duplicate=True),
        Input(ids.BACK, "n_clicks"), Input(ids.FORWARD, "n_clicks"),
        Input(ids.ACTIVITY, "clickData"), Input(ids.AREA_CHART, "clickData"),
        State(ids.SLIDER, "value"), State(ids.STEP, "value"), prevent_initial_call=True)

    app.clientside_callback(
        dash_function("play"),
        Output(ids.PLAY_STATE, "data"),
        Input(ids.PLAY, "n_clicks"), Input(ids.SPEED, "value"), Input(ids.STEP, "value"),
        State(ids.PLAY_STATE, "data"), State(ids.SLIDER, "value"))

    app.clientside_callback(
        dash_function("focus"),
        Output(ids.FOCUS_BAR, "title"), Input({"type": ids.FOCUS, "view": ALL}, "n_clicks"),
        prevent_initial_call=True)

    @app.callback(Output(ids.SUMMARY, "children"), Output(ids.DETAILS, "children"),
                  Output(ids.AREAS, "children"), Output(ids.AREAS_KEY, "data"),
                  Output(ids.CHANGES, "children"), Output(ids.ROOT, "className"),
                  Input(ids.STATE, "data"), State(ids.AREAS_KEY, "data"))
    def describe_view(stored, areas_shown):
        if not stored:
            return (no_update,) * 6
        out = describe(registry, stored, areas_shown)
        return (out["summary"], out["details"], out["areas"], out["areas_key"],
                out["changes"], out["class"])

    @app.callback(Output(ids.ACTIVITY, "figure"), Output(ids.ACTIVITY_KEY, "data"),
                  Input(ids.FILTERS, "data"), State(ids.STATE, "data"),
                  State(ids.ACTIVITY_KEY, "data"))
    def draw_activity(_filters, stored, drawn_for):
        """The bars change only with the filters; the page moves the date marker."""
        if not stored:
            return no_update, no_update
        state, data = view_of(registry, stored)
        return redraw_or_move_marker(build_activity(data.record, state), drawn_for,
                                     [state.dataset, state.lang, list(state.factions),
                                      list(state.types)])

    @app.callback(Output(ids.AREA_CHART, "figure"), Output(ids.AREA_CHART_KEY, "data"),
                  Input(ids.FILTERS, "data"), State(ids.STATE, "data"),
                  State(ids.AREA_CHART_KEY, "data"))
    def draw_area_chart(_filters, stored, drawn_for):
        if not stored:
            return no_update, no_update
        state, data = view_of(registry, stored)
        return redraw_or_move_marker(build_area_chart(data.history, state), drawn_for,
                                     [state.dataset, state.lang, list(state.factions)])

    @app.callback(Output(ids.PLAY, "children"), Output(ids.PLAY, "aria-pressed"),
                  Input(ids.PLAY_STATE, "data"), Input(ids.LANG, "value"))
    def play_label(playing, lang):
        lang = lang if lang in ("en", "fr") else "en"
        return (t("pause", lang), "true") if playing else (t("play", lang), "false")

    @app.callback(Output(ids.TYPES, "options"), Output(ids.WINDOW, "options"),
                  Output(ids.LAYERS, "options"), Output(ids.BASEMAP, "options"),
                  Output(ids.MODE, "options"), Output(ids.EXPORT_SIZE, "options"),
                  Output(ids.EXPORT_IMAGE, "children"), Output(ids.EXPORT_CSV, "children"),
                  Output(ids.EXPORT_GEOJSON, "children"), Output(ids.ANIM_START, "children"),
                  Output(ids.RANGE, "start_date_placeholder_text"),
                  Output(ids.RANGE, "end_date_placeholder_text"),
                  Output(ids.ANIM_RANGE, "start_date_placeholder_text"),
                  Output(ids.ANIM_RANGE, "end_date_placeholder_text"),
                  Output(ids.COMPARE_FROM, "placeholder"),
                  Output(ids.STEP, "options"), Output(ids.REPORT, "options"),
                  Output(ids.DOWNLOAD, "children"), Output(ids.FACTIONS_ALL, "children"),
                  Output(ids.FACTIONS_NONE, "children"),
                  Output(f"{ids.LABELS}-import_help", "children"),
                  Output(ids.BACK, "title"), Output(ids.BACK, "aria-label"),
                  Output(ids.FORWARD, "title"), Output(ids.FORWARD, "aria-label"),
                  *[Output(f"{ids.LABELS}-{key}", "children") for key in TRANSLATED],
                  Input(ids.LANG, "value"))
    def translate(lang):
        lang = lang if lang in ("en", "fr") else "en"
        return (type_options(lang), window_options(lang), layer_options(lang),
                basemap_options(lang, tiles_enabled), mode_options(lang), size_options(lang),
                t("export_image", lang), t("export_csv", lang), t("export_geojson", lang),
                t("export_animation", lang), t("start_date", lang), t("end_date", lang),
                t("start_date", lang), t("end_date", lang), t("pick_date", lang),
                step_options(lang), [{"label": t("report_view", lang), "value": "report"}],
                t("download_png", lang), t("all", lang), t("none", lang),
                t("import_help", lang).format(mb=config.upload_mb),
                t("back", lang), t("back", lang), t("forward", lang), t("forward", lang),
                *[t(key, lang) for key in TRANSLATED])

    @app.callback(Output(ids.FACTIONS, "value", allow_duplicate=True),
                  Input(ids.FACTIONS_ALL, "n_clicks"), Input(ids.FACTIONS_NONE, "n_clicks"),
                  State(ids.FACTIONS, "options"), prevent_initial_call=True)
    def all_or_no_factions(_all, _none, options):
        return [o["value"] for o in options or []] if ctx.triggered_id == ids.FACTIONS_ALL \
            else []

    @app.callback(Output(ids.TITLE, "children"), Output(ids.FACTIONS_BOX, "children"),
                  Output(ids.SLIDER, "max"), Output(ids.SLIDER, "marks"),
                  Output(ids.RANGE, "min_date_allowed"), Output(ids.RANGE, "max_date_allowed"),
                  Output(ids.COMPARE_FROM, "min_date_allowed"),
                  Output(ids.COMPARE_FROM, "max_date_allowed"),
                  Output(ids.ANIM_RANGE, "min_date_allowed"),
                  Output(ids.ANIM_RANGE, "max_date_allowed"),
                  Output(ids.DATASET, "options"), Output(ids.FOCUS_BAR, "children"),
                  Output(ids.DATASET_KEY, "data"),
                  Input(ids.FILTERS, "data"), State(ids.STATE, "data"),
                  State(ids.DATASET_KEY, "data"))
    def dataset_controls(_filters, stored, shown):
        """What depends on the dataset (its factions, its time span, its title, its focus
        views) changes only when the dataset or the language does."""
        if not stored:
            return (no_update,) * 13
        state, data = view_of(registry, stored)
        key = [state.dataset, state.lang, registry.names()]
        if key == shown:
            return (no_update,) * 13
        record = data.record
        first, last = record.first_day.isoformat(), record.last_day.isoformat()
        return (t("page_title", state.lang).format(title=record.meta["title"][state.lang]),
                faction_checklist(record, state.lang, list(state.factions)),
                day_offset(record, record.last_day), slider_marks(data),
                first, last, first, last, first, last,
                dataset_options(registry.describe(), state.lang),
                focus_buttons(record, state.lang), key)

    app.clientside_callback(dash_function("language"), Output(ids.PAGE_LANG, "data"),
                            Input(ids.LANG, "value"))

    @app.callback(Output(ids.DOWNLOAD_FILE, "data"), Output(ids.EXPORT_STATUS, "children"),
                  Input(ids.EXPORT_IMAGE, "n_clicks"), Input(ids.EXPORT_CSV, "n_clicks"),
                  Input(ids.EXPORT_GEOJSON, "n_clicks"), State(ids.STATE, "data"),
                  State(ids.EXPORT_FORMAT, "value"), State(ids.EXPORT_SIZE, "value"),
                  prevent_initial_call=True)
    def export_now(_image, _csv, _geojson, stored, fmt, size):
        """Images (rendered from the page itself) and data files, straight to the browser."""
        if not stored:
            return no_update, no_update
        lang = stored.get("lang", "en")
        try:
            name, content = export_data(registry, renderer, stored, ctx.triggered_id, fmt, size)
        except ExportError as exc:
            return no_update, t("failed", lang).format(error=exc)
        return dcc.send_bytes(content, name), t("exported", lang).format(name=name)

    @app.callback(Output(ids.ANIM_JOB, "data"), Output(ids.ANIM_POLL, "disabled"),
                  Output(ids.ANIM_STATUS, "children", allow_duplicate=True),
                  Input(ids.ANIM_START, "n_clicks"), State(ids.STATE, "data"),
                  State(ids.ANIM_RANGE, "start_date"), State(ids.ANIM_RANGE, "end_date"),
                  State(ids.STEP, "value"), State(ids.ANIM_FORMAT, "value"),
                  State(ids.EXPORT_SIZE, "value"), prevent_initial_call=True)
    def start_animation(_clicks, stored, start, end, step, fmt, size):
        """Checks the request, queues it, and returns at once; the worker renders."""
        if not stored:
            return no_update, no_update, no_update
        state, data = view_of(registry, stored)
        try:
            first = parse_date(str(start)[:10], "start") if start else None
            last = parse_date(str(end)[:10], "end") if end else None
            if first is None and last is None:  # default: the year up to the selected day
                first, last = state.compare_dates()
            check_request(data, fmt, size, first, last, step)
        except (ExportError, ValueError) as exc:
            return no_update, True, t("failed", state.lang).format(error=exc)
        job = jobs.submit(lambda progress: render_animation(
            renderer, data, state, fmt, size, first, last, step, progress),
            default_filename(data, state, fmt, first, last), MIMETYPES[fmt])
        return {"id": job, "lang": state.lang}, False, t("queued", state.lang)

    @app.callback(Output(ids.ANIM_PROGRESS, "value"), Output(ids.ANIM_PROGRESS, "max"),
                  Output(ids.ANIM_STATUS, "children"),
                  Output(ids.ANIM_POLL, "disabled", allow_duplicate=True),
                  Input(ids.ANIM_POLL, "n_intervals"), State(ids.ANIM_JOB, "data"),
                  prevent_initial_call=True)
    def animation_progress(_n, job_ref):
        job = jobs.get((job_ref or {}).get("id", ""))
        lang = (job_ref or {}).get("lang", "en")
        if job is None:
            return "0", "1", "", True
        if job.state == "failed":
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

    @app.callback(Output(ids.IMPORT_REPORT, "children"),
                  Output(ids.DATASET, "value", allow_duplicate=True),
                  Input(ids.UPLOAD, "contents"), State(ids.UPLOAD, "filename"),
                  State(ids.IMPORT_NAME, "value"), prevent_initial_call=True)
    def import_upload(contents, filename, name):
        """Validate the whole file, write the dataset atomically, then switch to it. The
        report is returned as text: nothing from the file is ever rendered as HTML."""
        if contents is None:  # the upload control clears itself after each file
            return no_update, no_update
        report, ok = import_uploaded(contents, filename, name, config)
        if ok:
            registry.forget(name)
            return report, name
        return report, no_update

    app.clientside_callback(
        dash_function("download"),
        Output(ids.DOWNLOAD, "title"), Input(ids.DOWNLOAD, "n_clicks"), State(ids.STATE, "data"),
        prevent_initial_call=True)


def dash_function(name: str):
    """A clientside callback of assets/map.js, by name."""
    from dash import ClientsideFunction
    return ClientsideFunction(namespace="frontlines", function_name=name)
