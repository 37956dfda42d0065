"""Thin adapters between the page and the pure code: parse inputs, call, return outputs.

No callback keeps state of its own; the view lives in the URL and a dcc.Store.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from urllib.parse import urlencode

from dash import Dash, Input, Output, Patch, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.dataset import Dataset
from dashboard.data_export import events_csv, shown_geojson
from dashboard.export import (ExportError, Renderer, check_request, default_filename,
                              render_animation, render_image)
from dashboard.figures.activity import build_activity
from dashboard.figures.areas import build_area_chart
from dashboard.figures.map import (BASE_TRACE_COUNT, build_map, dynamic_traces, events_shown,
                                   map_layout, sources_line)
from dashboard.i18n import date_words, t
from dashboard.uploads import import_uploaded
from dashboard.jobs import Jobs
from dashboard.layout import (areas_panel, basemap_options, changes_panel, dataset_options,
                              details_panel, faction_checklist, layer_options, mode_options,
                              size_options, slider_marks, step_options, type_options,
                              window_options)
from dashboard.config import Config
from dashboard.records import DataError, parse_date
from dashboard.registry import Registry, UnknownDataset
from dashboard.state import (ViewState, controls_from_state, dataset_param, day_offset,
                             offset_day, parse_state, state_from_controls, state_from_store,
                             state_to_search, state_to_store, step_day)
from dashboard.summary import day_summary
from dashboard.timeline import control_at

CONTROLS = (("factions", ids.FACTIONS, "value"), ("types", ids.TYPES, "value"),
            ("window", ids.WINDOW, "value"), ("range_start", ids.RANGE, "start_date"),
            ("range_end", ids.RANGE, "end_date"), ("layers", ids.LAYERS, "value"),
            ("basemap", ids.BASEMAP, "value"), ("lang", ids.LANG, "value"),
            ("report", ids.REPORT, "value"), ("slider", ids.SLIDER, "value"),
            ("mode", ids.MODE, "value"), ("compare_from", ids.COMPARE_FROM, "date"),
            ("dataset", ids.DATASET, "value"))
MIMETYPES = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml",
             "gif": "image/gif", "mp4": "video/mp4"}
TRANSLATED = ("factions", "event_types", "window", "layers", "basemap", "details", "summary",
              "export", "animation_range", "dataset", "import", "import_name", "drop_file",
              "areas_today", "mode", "compare_from", "area_chart",
              "events_per_week", "language", "speed", "skip_to_map")


def _redraw_or_move_marker(figure, drawn_for, key):
    """A chart is sent whole when what it plots changed (key), else only its date marker
    and labels travel (a Patch of the layout's shapes and annotations)."""
    if key != drawn_for:
        return figure, key
    patch = Patch()
    patch["layout"]["shapes"] = figure.layout.shapes
    patch["layout"]["annotations"] = figure.layout.annotations
    return patch, no_update


def register_callbacks(app: Dash, registry: Registry, tiles: tuple[str, str] | None,
                       renderer: Renderer, jobs: Jobs, config: Config) -> None:
    tiles_enabled = tiles is not None

    def view_of(view: dict) -> tuple[ViewState, Dataset]:
        """The stored view and its dataset (the bundled one if it has since gone)."""
        state = state_from_store(view)
        try:
            return state, registry.get(state.dataset or None)
        except (UnknownDataset, DataError):
            return replace(state, dataset=""), registry.get(None)

    @app.callback(
        Output(ids.URL, "search"), Output(ids.STATE, "data"), Output(ids.NOTICE, "children"),
        *[Output(cid, prop) for _, cid, prop in CONTROLS],
        Input(ids.URL, "search"), Input(ids.MAP, "clickData"),
        *[Input(cid, prop) for _, cid, prop in CONTROLS],
        State(ids.STATE, "data"))
    def sync_url(search, click, *values):
        """The URL and the controls are two views of one state; whichever moved wins.
        Choosing another dataset opens its default view, as a fresh URL would."""
        *control_values, stored = values
        controls = dict(zip((name for name, _, _ in CONTROLS), control_values))
        if ctx.triggered_id == ids.DATASET:
            chosen = controls["dataset"]
            current = state_from_store(stored).dataset if stored else ""
            if not chosen or chosen == (current or registry.default):
                # a dropdown whose options are being refreshed clears or repeats its value
                return (no_update,) * (3 + len(CONTROLS))
            search = "" if chosen == registry.default else "?" + urlencode({"dataset": chosen})
        if ctx.triggered_id in (None, ids.URL, ids.DATASET):  # load, back/forward, links
            problems = []
            try:
                data = registry.get(dataset_param(search) or None)
            except (UnknownDataset, DataError) as exc:
                problems.append(f"parameter 'dataset': {exc}"[:300])
                data, search = registry.get(None), ""
            state = parse_state(search, data.record)
            problems += list(state.problems)
            controls = controls_from_state(state, data.record)
            controls["dataset"] = state.dataset or registry.default
            notice = f"{t('bad_url', state.lang)}: {'; '.join(problems)}" if problems else ""
            return (state_to_search(state, data.record), state_to_store(state), notice,
                    *[controls[name] for name, _, _ in CONTROLS])
        before, data = view_of(stored) if stored else (None, registry.get(None))
        record = data.record
        event = before.event if before else None
        if ctx.triggered_id == ids.MAP:
            points = (click or {}).get("points") or [{}]
            clicked = points[0].get("customdata")
            event = clicked if clicked in data.events_by_id else event
        state = state_from_controls(record, controls, event, before.day if before else None)
        # the notice about a bad URL stays until the URL changes again
        return (state_to_search(state, record), state_to_store(state), no_update,
                *[no_update] * len(CONTROLS))

    @app.callback(Output(ids.MAP, "figure"), Output(ids.MAP_KEY, "data"),
                  Input(ids.STATE, "data"), State(ids.MAP_KEY, "data"))
    def draw_map(view, drawn_for):
        """Full figure when the basemap or language changes; otherwise only the data traces
        and titles travel (a Patch), so a slider step sends kilobytes, not the coastline."""
        if not view:
            return no_update, no_update
        state, data = view_of(view)
        key = [state.lang, state.basemap, state.dataset]
        if key != drawn_for or state.basemap != "offline":
            return build_map(data, state, tiles), key
        patch = Patch()
        for i, trace in enumerate(dynamic_traces(data, state), start=BASE_TRACE_COUNT):
            patch["data"][i] = trace
        layout = map_layout(data.record, state, sources_line(data, state))
        patch["layout"]["title"] = layout["title"]
        patch["layout"]["annotations"] = layout["annotations"]
        return patch, no_update

    @app.callback(Output(ids.ACTIVITY, "figure"), Output(ids.ACTIVITY_KEY, "data"),
                  Input(ids.STATE, "data"), State(ids.ACTIVITY_KEY, "data"))
    def draw_activity(view, drawn_for):
        """The bars change only with the filters; a date step moves the marker alone."""
        if not view:
            return no_update, no_update
        state, data = view_of(view)
        return _redraw_or_move_marker(build_activity(data.record, state), drawn_for,
                                      [state.dataset, state.lang, list(state.factions),
                                       list(state.types)])

    @app.callback(Output(ids.AREA_CHART, "figure"), Output(ids.AREA_CHART_KEY, "data"),
                  Input(ids.STATE, "data"), State(ids.AREA_CHART_KEY, "data"))
    def draw_area_chart(view, drawn_for):
        if not view:
            return no_update, no_update
        state, data = view_of(view)
        return _redraw_or_move_marker(build_area_chart(data.history, state), drawn_for,
                                      [state.dataset, state.lang, list(state.factions)])

    @app.callback(Output(ids.CHANGES, "children"), Input(ids.STATE, "data"))
    def compare(view):
        if not view:
            return no_update
        state, data = view_of(view)
        events = events_shown(data, state) if state.mode == "compare" else []
        return changes_panel(data, state, events,
                             lambda eid: state_to_search(replace(state, event=eid), data.record))

    @app.callback(Output(ids.SUMMARY, "children"), Output(ids.DATE_WORDS, "children"),
                  Output(ids.DETAILS, "children"), Output(ids.ROOT, "className"),
                  Input(ids.STATE, "data"))
    def describe(view):
        if not view:
            return (no_update,) * 4
        state, data = view_of(view)
        return (day_summary(data.record, state), date_words(state.day, state.lang, weekday=True),
                details_panel(data.record, data.events_by_id.get(state.event), state.lang),
                "report" if state.report else "explore")

    @app.callback(Output(ids.AREAS, "children"), Output(ids.AREAS_KEY, "data"),
                  Input(ids.STATE, "data"), State(ids.AREAS_KEY, "data"))
    def list_areas(view, shown):
        """Re-sent only when the set of areas changes: most steps keep the same areas."""
        if not view:
            return no_update, no_update
        state, data = view_of(view)
        areas = [a for a in control_at(data.record, state.day) if a.faction in state.factions]
        key = [state.dataset, state.lang] + [a.id for a in areas]
        if key == shown:
            return no_update, no_update
        return areas_panel(data.record, areas, state.lang), key

    @app.callback(Output(ids.SLIDER, "value", allow_duplicate=True),
                  Output(ids.TICK, "disabled", allow_duplicate=True),
                  Input(ids.TICK, "n_intervals"), Input(ids.BACK, "n_clicks"),
                  Input(ids.FORWARD, "n_clicks"), Input(ids.ACTIVITY, "clickData"),
                  Input(ids.AREA_CHART, "clickData"),
                  State(ids.SLIDER, "value"), State(ids.STEP, "value"), State(ids.STATE, "data"),
                  prevent_initial_call=True)
    def move_date(_tick, _back, _forward, chart_click, area_click, offset, step, view):
        if not view:
            return no_update, no_update
        record = view_of(view)[1].record
        day = offset_day(record, offset)
        if ctx.triggered_id in (ids.ACTIVITY, ids.AREA_CHART):
            click = chart_click if ctx.triggered_id == ids.ACTIVITY else area_click
            points = (click or {}).get("points") or [{}]
            try:
                target = points[0]["x"][:10]
                moved = offset_day(record, day_offset(record, type(day).fromisoformat(target)))
            except (KeyError, TypeError, ValueError):
                return no_update, no_update
            return day_offset(record, moved), no_update
        moved = step_day(record, day, step or "week", -1 if ctx.triggered_id == ids.BACK else 1)
        at_end = ctx.triggered_id == ids.TICK and moved == record.last_day
        return day_offset(record, moved), True if at_end else no_update

    @app.callback(Output(ids.TICK, "disabled", allow_duplicate=True),
                  Input(ids.PLAY, "n_clicks"), State(ids.TICK, "disabled"),
                  prevent_initial_call=True)
    def play_pause(_clicks, paused):
        return not paused

    @app.callback(Output(ids.PLAY, "children"), Output(ids.PLAY, "aria-pressed"),
                  Input(ids.TICK, "disabled"), Input(ids.LANG, "value"))
    def play_label(paused, lang):
        return (t("play", lang), "false") if paused else (t("pause", lang), "true")

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
                  Output(ids.FACTIONS_NONE, "children"), Output(f"{ids.LABELS}-import_help", "children"),
                  *[Output(f"{ids.LABELS}-{key}", "children") for key in TRANSLATED],
                  Input(ids.LANG, "value"))
    def translate(lang):
        lang = lang if lang in ("en", "fr") else "en"
        return (type_options(lang), window_options(lang), layer_options(lang), basemap_options(lang, tiles_enabled),
                mode_options(lang), size_options(lang), t("export_image", lang),
                t("export_csv", lang), t("export_geojson", lang), t("export_animation", lang),
                t("start_date", lang), t("end_date", lang), t("start_date", lang),
                t("end_date", lang), t("pick_date", lang),
                step_options(lang), [{"label": t("report_view", lang), "value": "report"}],
                t("download_png", lang), t("all", lang), t("none", lang),
                t("import_help", lang).format(mb=config.upload_mb),
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
                  Output(ids.DATASET, "options"), Output(ids.DATASET_KEY, "data"),
                  Input(ids.STATE, "data"), State(ids.DATASET_KEY, "data"))
    def dataset_controls(view, shown):
        """What depends on the dataset (its factions, its time span, its title) changes
        only when the dataset or the language does."""
        if not view:
            return (no_update,) * 12
        state, data = view_of(view)
        key = [state.dataset, state.lang, registry.names()]
        if key == shown:
            return (no_update,) * 12
        record = data.record
        first, last = record.first_day.isoformat(), record.last_day.isoformat()
        return (t("page_title", state.lang).format(title=record.meta["title"][state.lang]),
                faction_checklist(record, state.lang, list(state.factions)),
                day_offset(record, record.last_day),
                slider_marks(data), first, last, first, last, first, last,
                dataset_options(registry.describe(), state.lang), key)

    app.clientside_callback(
        "function(lang) { document.documentElement.lang = lang || 'en'; return lang; }",
        Output(ids.PAGE_LANG, "data"), Input(ids.LANG, "value"))

    @app.callback(Output(ids.DOWNLOAD_FILE, "data"), Output(ids.EXPORT_STATUS, "children"),
                  Input(ids.EXPORT_IMAGE, "n_clicks"), Input(ids.EXPORT_CSV, "n_clicks"),
                  Input(ids.EXPORT_GEOJSON, "n_clicks"), State(ids.STATE, "data"),
                  State(ids.EXPORT_FORMAT, "value"), State(ids.EXPORT_SIZE, "value"),
                  prevent_initial_call=True)
    def export_now(_image, _csv, _geojson, view, fmt, size):
        """Images (kaleido, about a second) and data files, straight to the browser."""
        if not view:
            return no_update, no_update
        state, data = view_of(view)
        try:
            if ctx.triggered_id == ids.EXPORT_CSV:
                name = default_filename(state, "csv")
                content = events_csv(events_shown(data, state)).encode()
            elif ctx.triggered_id == ids.EXPORT_GEOJSON:
                name = default_filename(state, "geojson")
                content = json.dumps(shown_geojson(data, state), ensure_ascii=False).encode()
            else:
                name = default_filename(state, fmt)
                content = render_image(renderer, data, state, fmt, size,
                                       dt.datetime.now(dt.timezone.utc))
        except ExportError as exc:
            return no_update, t("failed", state.lang).format(error=exc)
        return dcc.send_bytes(content, name), t("exported", state.lang).format(name=name)

    @app.callback(Output(ids.ANIM_JOB, "data"), Output(ids.ANIM_POLL, "disabled"),
                  Output(ids.ANIM_STATUS, "children", allow_duplicate=True),
                  Input(ids.ANIM_START, "n_clicks"), State(ids.STATE, "data"),
                  State(ids.ANIM_RANGE, "start_date"), State(ids.ANIM_RANGE, "end_date"),
                  State(ids.STEP, "value"), State(ids.ANIM_FORMAT, "value"),
                  State(ids.EXPORT_SIZE, "value"), prevent_initial_call=True)
    def start_animation(_clicks, view, start, end, step, fmt, size):
        """Checks the request, queues it, and returns at once; the worker renders."""
        if not view:
            return no_update, no_update, no_update
        state, data = view_of(view)
        try:
            first = parse_date(str(start)[:10], "start") if start else None
            last = parse_date(str(end)[:10], "end") if end else None
            if first is None and last is None:  # default: the year up to the selected day
                first, last = state.compare_dates()
            check_request(data, fmt, size, first, last, step)
        except (ExportError, ValueError) as exc:
            return no_update, True, t("failed", state.lang).format(error=exc)
        job = jobs.submit(lambda progress: render_animation(
            renderer, data, state, fmt, size, first, last, step,
            dt.datetime.now(dt.timezone.utc), progress),
            default_filename(state, fmt, first, last), MIMETYPES[fmt])
        return {"id": job, "lang": state.lang}, False, t("queued", state.lang)

    @app.callback(Output(ids.ANIM_PROGRESS, "value"), Output(ids.ANIM_PROGRESS, "max"),
                  Output(ids.ANIM_STATUS, "children"), Output(ids.ANIM_POLL, "disabled",
                                                              allow_duplicate=True),
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
        return str(job.done), str(job.total), t("rendering", lang).format(done=job.done,
                                                                          total=job.total), False

    @app.callback(Output(ids.IMPORT_REPORT, "children"),
                  Output(ids.DATASET, "value", allow_duplicate=True),
                  Input(ids.UPLOAD, "contents"), State(ids.UPLOAD, "filename"),
                  State(ids.IMPORT_NAME, "value"), State(ids.LANG, "value"),
                  prevent_initial_call=True)
    def import_upload(contents, filename, name, lang):
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
        """function(n, data) {
            if (!n || !data) { return window.dash_clientside.no_update; }
            const graph = document.querySelector('#map .js-plotly-plot');
            Plotly.downloadImage(graph, {format: 'png', width: 1600, height: 1000, scale: 2,
                                         filename: 'frontlines-' + data.day});
            return window.dash_clientside.no_update;
        }""",
        Output(ids.DOWNLOAD, "title"), Input(ids.DOWNLOAD, "n_clicks"), State(ids.STATE, "data"),
        prevent_initial_call=True)
