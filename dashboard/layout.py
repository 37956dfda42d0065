"""The page's component tree. It never loads data: it is given the record and the basemap.

The controls, the slider and the date start on the address's values (callbacks.first_view,
which reads the address as the URL-sync callback does, so there is one path from URL to
controls): the page draws the map of the address before any callback has answered, and
the filters beside it say what it shows from the start, not the default view's for a
second or two.
"""
from __future__ import annotations

import datetime as dt

from dash import dcc, html

from dashboard import ids
from dashboard.i18n import date_words, number, t
from dashboard.dataset import Dataset
from dashboard.dataset_names import NAME
from dashboard.history import turning_points
from dashboard.steps import STEPS, step_days
from dashboard.records import Record
from dashboard.story_ui import story_controls, story_export_controls, story_panel
from dashboard.state import (BASEMAPS, LAYERS, MODES, SPEEDS, WINDOWS, controls_from_state,
                             day_offset, default_state)
from dashboard.taxonomy import EVENT_TYPES, type_label



def first_figure(data: Dataset) -> dict:
    """The map before its data arrives: the default view's basemap, with one empty trace, so
    MapLibre starts and loads the basemap and glyphs while the page asks for the data."""
    from dashboard.figures.map import map_figure
    figure = map_figure(data, default_state(data.record))
    return {"data": [{**figure["data"][0], "name": ""}], "layout": figure["layout"]}
SYMBOL_GLYPH = {"circle": "●", "star": "★", "triangle-up": "▲", "diamond": "◆", "square": "■",
                "x": "✕"}


def _heading(key: str, lang: str, tag=html.H2) -> html.Component:
    return tag(t(key, lang), id=f"{ids.LABELS}-{key}")


def _group(key: str, control, radio: bool = False) -> html.Div:
    """A set of checkboxes or radio buttons named by its heading (`key`'s label element).

    Dash 4 draws dcc.Checklist and dcc.RadioItems as a `listbox` of `option`s that hold
    native inputs, which is wrong ARIA (assets/a11y.js strips those roles): this wrapper
    gives screen readers the right group and its name, in the page's language."""
    return html.Div(control, role="radiogroup" if radio else "group",
                    **{"aria-labelledby": f"{ids.LABELS}-{key}"})


# Words the page speaks or names controls with but does not show; translated like every
# label (callbacks.TRANSLATED) and read by assets/a11y.js.
SPOKEN = ("date_shown", "map_name", "playing", "paused_on", "upload_file")


def spoken_words(lang: str) -> html.Div:
    return html.Div(hidden=True, children=[
        html.Span(t(key, lang), id=f"{ids.LABELS}-{key}") for key in SPOKEN])


def faction_options(record: Record, lang: str) -> list[dict]:
    return [{"label": html.Span([html.Span(className="swatch", style={"background": f.colour}),
                                 f" {f.short[lang]} ", html.Small(f.name[lang], className="long")]),
             "value": fid} for fid, f in record.factions.items()]


def faction_checklist(record: Record, lang: str, value: list[str]) -> dcc.Checklist:
    """Rebuilt whole when the dataset or language changes: Dash 4's checklist cannot swap
    option labels that are components (the colour swatches) in place."""
    return dcc.Checklist(id=ids.FACTIONS, options=faction_options(record, lang), value=value,
                         className="checklist")


def type_options(lang: str) -> list[dict]:
    return [{"label": html.Span([html.Span(SYMBOL_GLYPH[e.symbol], className="glyph",
                                           **{"aria-hidden": "true"}),
                                 " " + type_label(e.name, lang)]), "value": e.name}
            for e in EVENT_TYPES.values()]


def window_options(lang: str) -> list[dict]:
    return [{"label": t(f"window_{w}", lang), "value": w} for w in WINDOWS]


def layer_options(lang: str) -> list[dict]:
    return [{"label": t(f"layer_{layer}", lang), "value": layer} for layer in LAYERS]


def basemap_options(lang: str, tiles_enabled: bool) -> list[dict]:
    return [{"label": t(f"basemap_{b}", lang), "value": b,
             "disabled": b == "tiles" and not tiles_enabled} for b in BASEMAPS]


def step_options(lang: str) -> list[dict]:
    return [{"label": t(f"step_{s}", lang), "value": s} for s in STEPS]


def mode_options(lang: str) -> list[dict]:
    return [{"label": t(f"mode_{m}", lang), "value": m} for m in MODES]


def slider_marks(data: Dataset) -> dict:
    """The years, and ◆ on the days the most ground changed hands (from the data)."""
    record = data.record
    marks = {day_offset(record, dt.date(y, 1, 1)): str(y)
             for y in range(record.first_day.year + 1, record.last_day.year + 1)}
    if len(marks) < 2:  # a short record: label months instead, a dozen at most
        months = [d for d in step_days(record.first_day.replace(day=1), record.last_day,
                                       "month") if d >= record.first_day]
        every = max(1, len(months) // 12 + (len(months) % 12 > 0))
        marks = {day_offset(record, d): d.strftime("%b %Y") for d in months[::every]}
    for day, _, _ in turning_points(data.history):
        marks[day_offset(record, day)] = {"label": "◆", "style": {"color": "#b22"}}
    return marks


def focus_views(record: Record, lang: str) -> list[dict]:
    """One-click views: the dataset's own (dataset.json "focus") and the whole record."""
    from dashboard.figures.map import fit_view
    from dashboard.state import map_view_text
    views = [{"label": f["name"][lang], "view": f["map"]} for f in record.meta.get("focus", [])]
    return views + [{"label": t("whole_region", lang), "view": map_view_text(fit_view(record.extent))}]


def focus_buttons(record: Record, lang: str) -> list:
    return [html.Button(v["label"], id={"type": ids.FOCUS, "view": v["view"]},
                        className="button small focus") for v in focus_views(record, lang)]


# Plotly's graph options: offline, no cloud, no logo. (The language's locale is set for
# every graph by assets/map.js, `frontlines.locale`.)
MAP_CONFIG = {"displaylogo": False, "scrollZoom": True, "showSendToCloud": False,
            "showEditInChartStudio": False, "showLink": False,
            "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendDataToCloud",
                                       "editInChartStudio", "toImage"]}
CHART_CONFIG = {"displayModeBar": False}
# A chart before its data comes: nothing (plotly's empty default draws axes from -1 to 6)
EMPTY_CHART = {"data": [], "layout": {"xaxis": {"visible": False}, "yaxis": {"visible": False},
                                      "paper_bgcolor": "rgba(0,0,0,0)",
                                      "plot_bgcolor": "rgba(0,0,0,0)"}}


def given(**props) -> dict:
    """The props that have a value: the date pickers laid out with a date of None made a
    link's map= view give way to the default view (a browser test of the scale bar at a
    map= view caught it; pickers laid out with real dates, or without the prop, keep it)."""
    return {k: v for k, v in props.items() if v is not None}


def speed_options() -> list[dict]:
    return [{"label": f"{s}×", "value": s} for s in SPEEDS]


def build_layout(data: Dataset, tiles_enabled: bool, upload_mb: int,
                 datasets: list[dict], first: dict | None = None) -> html.Div:
    """The page for a dataset, the one of the page's address (callbacks switch datasets
    after); `datasets` lists what can be chosen when the page is opened; `first` is the map
    of the page's address in that dataset (callbacks.first_view), which assets/map.js draws
    before any callback has answered."""
    record = data.record
    default = default_state(record)
    last = day_offset(record, record.last_day)
    # the day of the page's address: the slider shows it from the start (assets/map.js
    # draws whatever day the slider comes to show)
    view = first and first["view"]
    day = dt.date.fromisoformat(view["date"]) if view else default.day
    offset = view["day"] if view else day_offset(record, day)
    report = bool(first and first["report"])  # (then the map is sized for it from the start)
    controls = (first or {}).get("controls") or controls_from_state(default, record)
    # the page's words are in the address's language from the start (a French link showed
    # English for a second, until the server's translations came)
    lang = controls["lang"]
    return html.Div(id=ids.ROOT, className="report" if report else "explore", children=[
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.STATE),
        dcc.Store(id=ids.FILTERS),
        dcc.Store(id=ids.BUNDLE, data=first["bundle"] if first else None),
        dcc.Store(id=ids.BUNDLE_KEY, data=first["bundle"]["key"] if first else None),
        dcc.Store(id=ids.FIRST, data=first["view"] if first else None),
        dcc.Store(id=ids.MAP_FIRST_DRAWN, data=False),
        dcc.Store(id=ids.EVENT),
        dcc.Store(id=ids.MAP_VIEW),
        dcc.Store(id=ids.MAP_CLEAR),
        dcc.Store(id=ids.PLAY_STATE, data=False),
        dcc.Store(id=ids.PAGE_LANG),
        dcc.Store(id=ids.WORDS_LANG, data=lang),
        dcc.Store(id=ids.PANEL_KEYS),
        dcc.Store(id=ids.ACTIVITY_KEY),
        dcc.Store(id=ids.AREA_CHART_KEY),
        dcc.Store(id=ids.DATASET_KEY),
        html.A(t("skip_to_map", lang), href="#map-section", className="skip-link",
               id=f"{ids.LABELS}-skip_to_map"),
        html.A(t("map_text", lang), href="#map-text", className="skip-link",
               id=f"{ids.LABELS}-map_text"),
        spoken_words(lang),
        html.Div(id=ids.ANNOUNCE, role="status", className="visually-hidden"),
        html.Header(className="topbar", children=[
            html.H1(t("page_title", lang).format(title=record.meta["title"][lang]), id=ids.TITLE),
            html.Div(className="top-controls", children=[
                html.Span(t("language", lang), id=f"{ids.LABELS}-language"),
                _group("language", dcc.RadioItems(
                    id=ids.LANG, options=[{"label": html.Span("English", lang="en"), "value": "en"},
                                          {"label": html.Span("Français", lang="fr"),
                                           "value": "fr"}],
                    value=lang, inline=True, className="lang"), radio=True),
                dcc.Checklist(id=ids.REPORT, options=[{"label": t("report_view", lang),
                                                       "value": "report"}],
                              value=controls["report"], className="report-toggle"),
                html.Button(t("download_png", lang), id=ids.DOWNLOAD, className="button"),
            ]),
        ]),
        html.Div(id=ids.NOTICE, role="alert", className="notice"),
        html.Main(className="main", children=[
            html.Section(id="map-section", className="map-section", children=[
                story_panel(lang),
                html.Div(id=ids.FOCUS_BAR, className="focus-bar",
                         children=focus_buttons(record, lang)),
                # the map's text alternative: the summary (its description) and the side
                # panel's lists of the events and areas it shows (its details)
                html.Div(className="map-frame", id="map-frame", role="figure",
                         **{"aria-busy": "true", "aria-labelledby": f"{ids.LABELS}-map_name",
                            "aria-describedby": ids.SUMMARY, "aria-details": "map-text"},
                         children=[
                    dcc.Graph(id=ids.MAP, className="map", config=MAP_CONFIG,
                              figure=first_figure(data)),
                    html.Div(t("drawing_map", lang), className="map-loading",
                             id=f"{ids.LABELS}-drawing_map", **{"aria-hidden": "true"}),
                    # (shown by assets/map.js when no map could be drawn: no WebGL)
                    html.Div(t("map_unavailable", lang), className="map-unavailable",
                             id=f"{ids.LABELS}-map_unavailable"),
                ]),
                html.Div(className="timeline", children=[
                    html.Div(className="player", children=[
                        html.Button("◀", id=ids.BACK, className="button icon",
                                    title=t("back", lang), **{"aria-label": t("back", lang)}),
                        # a label that changes (Play/Pause), so no aria-pressed (ARIA APG)
                        html.Button(t("play", lang), id=ids.PLAY, className="button play",
                                    **{"data-playing": "false"}),
                        html.Button("▶", id=ids.FORWARD, className="button icon",
                                    title=t("forward", lang), **{"aria-label": t("forward", lang)}),
                        html.Label(t("step", lang), htmlFor=ids.STEP, id=f"{ids.LABELS}-step"),
                        dcc.Dropdown(id=ids.STEP, options=step_options(lang),
                                     value=controls["step"], clearable=False,
                                     searchable=False, className="step"),
                        html.Label(t("speed", lang), htmlFor=ids.SPEED, id=f"{ids.LABELS}-speed"),
                        dcc.Dropdown(id=ids.SPEED, options=speed_options(),
                                     value=controls["speed"], clearable=False,
                                     searchable=False, className="speed"),
                        html.Time(id=ids.DATE_WORDS, className="date-words",
                                  dateTime=day.isoformat(),
                                  children=date_words(day, lang, weekday=True)),
                    ]),
                    dcc.Slider(id=ids.SLIDER, min=0, max=last, step=1,
                               value=offset, marks=slider_marks(data),
                               updatemode="mouseup", included=False, allow_direct_input=False,
                               className="slider"),
                    html.P(t("events_per_week", lang), className="caption",
                           id=f"{ids.LABELS}-events_per_week"),
                    dcc.Graph(id=ids.ACTIVITY, className="activity", config=CHART_CONFIG,
                              figure=EMPTY_CHART),
                    html.P(t("area_chart", lang), className="caption",
                           id=f"{ids.LABELS}-area_chart"),
                    dcc.Graph(id=ids.AREA_CHART, className="area-chart",
                              config=CHART_CONFIG, figure=EMPTY_CHART),
                ]),
            ]),
            html.Details(className="controls panel", open=True, children=[
                html.Summary(t("filters", lang), id=f"{ids.LABELS}-filters"),
                html.Div(className="controls-body", children=[
                _heading("dataset", lang),
                _group("dataset", dcc.Dropdown(id=ids.DATASET, clearable=False,
                                               searchable=False, value=record.meta["name"],
                                               className="dataset",
                                               options=dataset_options(datasets, lang))),
                _heading("mode", lang),
                _group("mode", dcc.RadioItems(id=ids.MODE, options=mode_options(lang),
                                              value=controls["mode"], className="checklist"),
                       radio=True),
                html.Label(t("compare_from", lang), htmlFor=ids.COMPARE_FROM,
                           id=f"{ids.LABELS}-compare_from", className="small-label"),
                dcc.DatePickerSingle(id=ids.COMPARE_FROM, min_date_allowed=record.first_day,
                                     max_date_allowed=record.last_day,
                                     placeholder=t("pick_date", lang),
                                     display_format="YYYY-MM-DD", className="range",
                                     **given(date=controls["compare_from"])),
                _heading("factions", lang),
                html.Div(className="quick", children=[
                    html.Button(t("all", lang), id=ids.FACTIONS_ALL, className="button small"),
                    html.Button(t("none", lang), id=ids.FACTIONS_NONE, className="button small")]),
                html.Div(id=ids.FACTIONS_BOX, role="group",
                         **{"aria-labelledby": f"{ids.LABELS}-factions"},
                         children=faction_checklist(record, lang, controls["factions"])),
                _heading("event_types", lang),
                _group("event_types", dcc.Checklist(id=ids.TYPES, options=type_options(lang),
                                                    value=controls["types"],
                                                    className="checklist")),
                _heading("window", lang),
                _group("window", dcc.RadioItems(id=ids.WINDOW, options=window_options(lang),
                                                value=controls["window"],
                                                className="checklist"),
                       radio=True),
                dcc.DatePickerRange(id=ids.RANGE, min_date_allowed=record.first_day,
                                    max_date_allowed=record.last_day,
                                    start_date_placeholder_text=t("start_date", lang),
                                    end_date_placeholder_text=t("end_date", lang),
                                    display_format="YYYY-MM-DD", className="range",
                                    **given(start_date=controls["range_start"],
                                            end_date=controls["range_end"])),
                _heading("layers", lang),
                _group("layers", dcc.Checklist(id=ids.LAYERS, options=layer_options(lang),
                                               value=controls["layers"],
                                               className="checklist")),
                _heading("basemap", lang),
                _group("basemap", dcc.RadioItems(id=ids.BASEMAP,
                                                 options=basemap_options(lang, tiles_enabled),
                                                 value=controls["basemap"],
                                                 className="checklist"),
                       radio=True),
                *export_controls(record, lang),
                *import_controls(lang, upload_mb),
                *story_controls(lang),
            ])]),
            html.Details(className="side panel", open=True, children=[
                html.Summary(t("details_and_summary", lang),
                             id=f"{ids.LABELS}-details_and_summary"),
                html.Div(className="side-body", id="map-text", children=[
                html.Div(id=ids.CHANGES, className="changes"),
                _heading("summary", lang),
                # polite and whole: read once per step; assets/a11y.js silences it during Play
                html.P(id=ids.SUMMARY, className="summary",
                       **{"aria-live": "polite", "aria-atomic": "true"}),
                _heading("events_listed", lang),
                html.Div(id=ids.EVENT_LIST, className="event-list"),
                _heading("details", lang),
                html.Div(id=ids.DETAILS, className="details",
                         children=html.P(t("details_hint", lang))),
                _heading("areas_today", lang),
                html.Div(id=ids.AREAS, className="areas"),
            ])]),
        ]),
    ])


def _source_list(sources, lang: str) -> html.Ul:
    return html.Ul([
        html.Li([html.A(s.title or s.url, href=s.url, target="_blank", rel="noopener noreferrer",
                        className="source-link"),
                 f" — {s.publisher}, {date_words(s.date, lang)}"]) for s in sources])


def areas_panel(record: Record, areas, lang: str, day=None) -> list:
    """Every control area on the map, with its dates, size, how it was assessed and drawn,
    and its sources; factions named as they were called on `day`."""
    if not areas:
        return [html.P(t("no_areas", lang))]
    items = []
    for area in sorted(areas, key=lambda a: -a.km2):
        who = record.factions[area.faction].short_on(day, lang)
        status = t(area.status, lang)
        if area.contested_with:
            status += " (" + ", ".join(record.factions[f].short_on(day, lang)
                                       for f in area.contested_with) + ")"
        assessed = [html.P([html.Strong(t(f"assessment_{area.assessment}", lang)),
                            f" — {area.assessment_note}" if area.assessment_note else ""],
                           className="assessment")] if area.assessment else []
        until = date_words(area.valid_to, lang) if area.valid_to else t("until_further", lang)
        items.append(html.Details(className="area", children=[
            html.Summary([html.Span(className="swatch",
                                    style={"background": record.factions[area.faction].colour}),
                          f" {who} · {status} · {area.name[lang]} · {number(area.km2, lang)} km²"]),
            html.P(f"{t('valid', lang)}: {date_words(area.valid_from, lang)} – {until}"),
            *assessed,
            html.P(area.precision, className="event-notes"),
            _source_list(area.sources, lang)]))
    return items


def fatalities_text(event, lang: str) -> list | str:
    """The toll: the best figure, the range where sources differ, and who claimed what."""
    if event.fatalities is None:
        return t("not_reported", lang)
    text = number(event.fatalities, lang)
    if event.fatalities_low is not None and event.fatalities_high is not None \
            and event.fatalities_low != event.fatalities_high:
        text += f" ({number(event.fatalities_low, lang)}–{number(event.fatalities_high, lang)})"
    claims = [html.Li(f"{c.claimant}: " + (f"{number(c.low, lang)}–{number(c.high, lang)}"
                                            if c.high not in (None, c.low) else
                                            (t("at_least", lang) + " " if c.high is None else "")
                                            + number(c.low, lang)) + f" {c.killed}")
              for c in event.fatality_claims]
    return [text, html.Ul(claims, className="claims")] if claims else text


MAX_STACK = 50  # the latest events listed at the selected event's point
MAX_LISTED = 200  # compare mode's events, listed in date order; the rest are counted


def details_panel(record: Record, event, lang: str, shown=None, link_for=None) -> list:
    """What happened, where, who, how many died, and who reported it; and the other events
    shown at the same point (a stack on the map), each a link. Text from the data is passed
    as Dash text children, which React escapes; links are only http(s) (checked at load)."""
    if event is None:
        return [html.P(t("details_hint", lang))]
    when = date_words(event.date, lang, weekday=True)
    if event.date_end:
        when += f" – {date_words(event.date_end, lang, weekday=True)}"
    place = event.place + (f" — {event.place_detail}" if event.place_detail else "")
    actors = ", ".join(record.factions[a].short_on(event.date, lang) for a in event.actors)
    if event.actor_names:
        actors += " — " + "; ".join(event.actor_names)
    rows = [
        (t("date", lang), [when, html.Br(),
                           html.Small(t("precision_" + event.date_precision, lang))]),
        (t("place", lang), [place, html.Br(),
                            html.Small(t("location_" + event.location_precision, lang))]),
        (t("type", lang), f"{type_label(event.event_type, lang)} · "
                          f"{type_label(event.sub_event_type, lang)}"),
        (t("actors", lang), actors),
        (t("fatalities", lang), fatalities_text(event, lang)),
    ]
    children = [html.H3(f"{date_words(event.date, lang)} · {event.place}"),
                html.Dl([item for label, value in rows for item in (html.Dt(label), html.Dd(value))]),
                html.P(event.summary[lang], className="event-summary")]
    if event.notes:
        children += [html.H4(t("notes", lang)), html.P(event.notes, className="event-notes")]
    children += [html.H4(t("sources", lang)), _source_list(event.sources, lang)]
    here = shown.events.at_point(event.lon, event.lat)[-MAX_STACK - 1:] if shown else ()
    stacked = [e for e in (here.events() if here else ()) if e.id != event.id][-MAX_STACK:]
    if stacked and link_for:
        children += [html.H4(t("events_at_point", lang)), html.Ul(className="stack", children=[
            html.Li(dcc.Link(f"{date_words(e.date, lang)} · {e.place} · "
                             f"{type_label(e.event_type, lang)}", href=link_for(e.id)))
            for e in reversed(stacked)])]
    return children



EVENT_LIST_MAX = 100  # buttons in the list; the summary counts them all


def event_list(record: Record, events, selected: str | None, lang: str) -> list:
    """The events the map shows, latest first, each a button that selects it as a click on
    its marker does (assets/a11y.js): the way to the map's events without a pointer."""
    if not events:
        return [html.P(t("no_events", lang))]
    latest = sorted(events, key=lambda e: (e.date, e.id), reverse=True)

    def item(e) -> html.Li:
        who = record.factions.get(e.actors[0]) if e.actors else None
        swatch = [html.Span(className="swatch", style={"background": who.colour}), " "] \
            if who else []
        text = f"{date_words(e.date, lang)} · {e.place} · {type_label(e.event_type, lang)}" + \
            (f" · {who.short_on(e.date, lang)}" if who else "")
        return html.Li(html.Button(swatch + [text], id={"type": ids.EVENT_ITEM, "event": e.id},
                                   className="event-item", type="button",
                                   **({"aria-current": "true"} if e.id == selected else {})))
    items = [item(e) for e in latest[:EVENT_LIST_MAX]]
    children = [html.P(t("events_list_hint", lang), className="small-label"),
                html.Ul(items, className="event-items")]
    if len(latest) > EVENT_LIST_MAX:
        children.append(html.P(t("events_list_capped", lang).format(
            n=number(EVENT_LIST_MAX, lang), total=number(len(latest), lang)),
            className="small-label"))
    return children


def changes_panel(data: Dataset, state, events, link_for) -> list:
    """Compare mode: km² gained, lost and net per faction, and the events in or near the
    ground that changed hands, each a link (link_for(event id) -> URL) to its details."""
    if state.mode != "compare":
        return []
    record, lang = data.record, state.lang
    first, second = state.compare_dates()
    rows: dict[str, dict[str, float]] = {}
    for change in data.history.changes(first, second):
        if change.faction in state.factions:
            rows.setdefault(change.faction, {"gained": 0.0, "lost": 0.0})[change.change] += change.km2
    header = html.Tr([html.Th(t("faction", lang)), html.Th(t("gained", lang)),
                      html.Th(t("lost", lang)), html.Th(t("net", lang))])
    body = [html.Tr([html.Td([html.Span(className="swatch",
                                        style={"background": record.factions[f].colour}),
                              " " + record.factions[f].short[lang]]),
                     html.Td(number(v["gained"], lang)), html.Td(number(v["lost"], lang)),
                     html.Td(("+" if v["gained"] >= v["lost"] else "−")
                             + number(abs(v["gained"] - v["lost"]), lang))])
            for f, v in sorted(rows.items(), key=lambda kv: -(kv[1]["gained"] + kv[1]["lost"]))]
    children = [html.H2(t("changes_table", lang)),
                html.P(f"{date_words(first, lang)} → {date_words(second, lang)}"),
                html.Table([html.Thead(header), html.Tbody(body)], className="changes-table")
                if body else html.P(t("no_changes", lang)),
                html.H2(t("events_explaining", lang))]
    children.append(html.Ul([
        html.Li(dcc.Link(f"{date_words(e.date, lang)} · {e.place} · "
                         f"{type_label(e.event_type, lang)}",
                         href=link_for(e.id))) for e in events[:MAX_LISTED].events()]
        + ([html.Li(f"(+{number(len(events) - MAX_LISTED, lang)})")]
           if len(events) > MAX_LISTED else [])) if events else html.P("—"))
    return children


def size_options(lang: str) -> list[dict]:
    return [{"label": t(f"size_{s}", lang), "value": s} for s in ("slide", "print", "small")]


def export_controls(record: Record, lang: str) -> list:
    """Images (PNG/PDF/SVG at slide or print size), the data shown, and animations (GIF/MP4)
    and stories (PDF deck, MP4/GIF) rendered in the background with a progress bar."""
    return [
        _heading("export", lang),
        html.P(t("export_format", lang), id=f"{ids.LABELS}-export_format",
               className="small-label"),
        _group("export_format", dcc.RadioItems(
            id=ids.EXPORT_FORMAT, inline=True, value="png", className="inline",
            options=[{"label": f.upper(), "value": f} for f in ("png", "pdf", "svg")]),
            radio=True),
        html.P(t("export_size", lang), id=f"{ids.LABELS}-export_size", className="small-label"),
        _group("export_size", dcc.RadioItems(id=ids.EXPORT_SIZE, options=size_options(lang),
                                             value="slide", className="checklist"),
               radio=True),
        html.Button(t("export_image", lang), id=ids.EXPORT_IMAGE, className="button wide"),
        html.Div(className="quick", children=[
            html.Button(t("export_csv", lang), id=ids.EXPORT_CSV, className="button small"),
            html.Button(t("export_geojson", lang), id=ids.EXPORT_GEOJSON,
                        className="button small")]),
        html.Label(t("animation_range", lang), htmlFor=ids.ANIM_RANGE,
                   id=f"{ids.LABELS}-animation_range", className="small-label"),
        dcc.DatePickerRange(id=ids.ANIM_RANGE, min_date_allowed=record.first_day,
                            max_date_allowed=record.last_day, display_format="YYYY-MM-DD",
                            start_date_placeholder_text=t("start_date", lang),
                            end_date_placeholder_text=t("end_date", lang), className="range"),
        html.P(t("animation_format", lang), id=f"{ids.LABELS}-animation_format",
               className="small-label"),
        _group("animation_format", dcc.RadioItems(
            id=ids.ANIM_FORMAT, inline=True, value="gif", className="inline",
            options=[{"label": f.upper(), "value": f} for f in ("gif", "mp4")]), radio=True),
        html.Button(t("export_animation", lang), id=ids.ANIM_START, className="button wide"),
        *story_export_controls(lang),
        html.Progress(id=ids.ANIM_PROGRESS, max="1", value="0", className="progress"),
        html.Div(id=ids.ANIM_STATUS, role="status", className="export-status"),
        html.Div(id=ids.EXPORT_STATUS, role="status", className="export-status"),
        dcc.Download(id=ids.DOWNLOAD_FILE),
        dcc.Store(id=ids.ANIM_JOB),
        dcc.Interval(id=ids.ANIM_POLL, interval=700, disabled=True),
    ]


def dataset_options(datasets: list[dict], lang: str) -> list[dict]:
    """One entry per dataset: its title, and whether it is the bundled record."""
    options = []
    for d in datasets:
        if "error" in d:
            options.append({"label": f"{d['name']} (!)", "value": d["name"], "disabled": True,
                            "title": d["error"]})
            continue
        note = t("bundled", lang) if d["bundled"] else "" if d["events"] is None else \
            t("events_count", lang).format(n=number(d["events"], lang))
        options.append({"label": f"{d['title'][lang]}{' · ' if note else ''}{note}",
                        "value": d["name"]})
    return options


def import_controls(lang: str, upload_mb: int) -> list:
    """Upload a file as a new dataset; the validation report is shown as plain text."""
    return [
        _heading("import", lang),
        html.P(t("import_help", lang).format(mb=upload_mb), className="small-label",
               id=f"{ids.LABELS}-import_help"),
        html.Label(t("import_name", lang), htmlFor=ids.IMPORT_NAME, className="small-label",
                   id=f"{ids.LABELS}-import_name"),
        dcc.Input(id=ids.IMPORT_NAME, type="text", pattern=NAME.pattern,
                  maxLength=64, className="text-input"),
        dcc.Upload(id=ids.UPLOAD, max_size=upload_mb * 1024 * 1024, multiple=False,
                   className="upload", children=html.Div(t("drop_file", lang),
                                                         id=f"{ids.LABELS}-drop_file")),
        html.Pre(id=ids.IMPORT_REPORT, className="import-report", role="status"),
    ]
