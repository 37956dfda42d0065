"""The map, drawn by MapLibre through plotly's map traces, fully offline.

The server builds two things per dataset and set of filters, once:
- the figure template: the basemap style (local GeoJSON, local glyphs, place labels ranked
  by importance) and one empty trace per layer and faction, in a fixed order;
- the bundle: every candidate area, event, movement and label with its dates, per trace.

The browser (assets/map.js) fills the template with the share of the bundle that holds on
the selected day, so a slider step or a Play tick is drawn without a server round trip.
Compare mode and the estimated layer depend on the day in ways only the server computes:
their bundles hold one day and are rebuilt on each step.

Text drawn by MapLibre (labels) is shown literally; text drawn by plotly as SVG (hover,
legend, title, annotations) is escaped, so markup in a dataset's names stays text.
"""
from __future__ import annotations

import datetime as dt
import html
import math

import numpy as np
import shapely
from functools import lru_cache

from shapely.geometry import Point
from shapely.ops import unary_union

from dashboard import view as views
from dashboard.basemap import covers, rings_for_plotly
from dashboard.dataset import Dataset
from dashboard.eventtable import day_number
from dashboard.geometry import fit_view, projection_of
from dashboard.i18n import MONTHS, WEEKDAYS, date_words, number, t
from dashboard.records import ControlArea, Record
from dashboard.state import ViewState, day_offset
from dashboard.static import ASSET_VERSION
from dashboard.taxonomy import type_label

LAND, SEA, COAST, BORDER = "#f4f1ea", "#d7e6f2", "#8f9aa3", "#7d7d7d"
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
GLYPHS = "Noto Sans Regular"  # the fontstack in assets/glyphs: map text draws offline
CHANGED = "#d62728"
HIGHLIGHT = "#ffc400"  # a story step's highlighted areas and movements: a bright outline
PLACES_LAYER = "places"  # the place names: over every trace but the key places, which
# win collisions against them (MapLibre places the labels of the top layer first)
KEY_PLACES = "key places"


def slot(uid: str) -> str:
    """The empty style layer a trace is drawn below: one per trace, in drawing order, under
    the place names. Plotly removes and re-adds, on every update, the layers of traces that
    share a `below` (to keep their order), and MapLibre then rebuilds them all: a step would
    cost a redraw of the whole map. A `below` of its own keeps each trace's layers in place."""
    return f"slot {uid}"
ARROW_M = 5_000  # movement arrowheads
HATCH_M = 2_000  # the spacing of the 'contested' hatching
TOWN_CLEARANCE_M = 1_300  # area labels keep this far from a town's point


def plain(text: str) -> str:
    """Data text for plotly's SVG text (hover, legend, annotations): markup stays text."""
    return html.escape(str(text), quote=False)


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _short(record: Record, faction: str, lang: str, day=None) -> str:
    """A faction's short name as it was on `day` (dated names: none before it existed)."""
    return record.factions[faction].short_on(day, lang)


# --- the basemap style ---------------------------------------------------------------

def key_places(record: Record):
    """The dataset's key places (dataset.json "key_places"), in its order: named with who
    holds them, above every other label."""
    by_id = {p.id: p for p in record.places}
    return [by_id[pid] for pid in record.meta.get("key_places", []) if pid in by_id]


def place_priority(record: Record) -> dict[str, int]:
    """Label order below the key places: towns by rank, then by name."""
    ranked = sorted(record.places, key=lambda p: (p.rank, p.id))
    return {p.id: i for i, p in enumerate(ranked)}


def label_places(record: Record):
    """The other places named on the map: a ranked gazetteer's main places; all of an
    import's."""
    most = 2 if any(p.rank <= 2 for p in record.places) else 3
    key = {p.id for p in key_places(record)}
    return [p for p in record.places if p.rank <= most and p.id not in key]


def map_style(data: Dataset, lang: str, labels: bool, tiles: tuple[str, str] | None) -> dict:
    """A MapLibre style: sea, land, borders and coast from the bundled Natural Earth
    GeoJSON (or online raster tiles when asked for), and the place names on top. Built once
    per dataset and choice (a per-day bundle is rebuilt on every step)."""
    key = ("map_style", lang, labels, tiles)
    if key not in data.memo:
        data.memo[key] = _map_style(data, lang, labels, tiles)
    return data.memo[key]


def _map_style(data: Dataset, lang: str, labels: bool, tiles: tuple[str, str] | None) -> dict:
    record = data.record
    priority = place_priority(record)
    places = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
         "properties": {"name": p.name[lang], "order": priority[p.id],
                        "size": 13 if p.rank == 1 else 12}}
        for p in label_places(record)]}
    sources = {"places": {"type": "geojson", "data": places}}
    layers = [{"id": "sea", "type": "background", "paint": {"background-color": SEA}}]
    if tiles:
        url, attribution = tiles
        sources["tiles"] = {"type": "raster", "tiles": [url], "tileSize": 256,
                            "attribution": attribution}
        layers.append({"id": "tiles", "type": "raster", "source": "tiles"})
    else:
        # the detailed basemap (Natural Earth 1:10m) of the bundled region, or, for data
        # beyond it, the world's (1:50m): one land, one coast and one set of borders
        world = "" if covers(data.basemap, record.extent) else "world-"
        sources["land"] = {"type": "geojson",
                           "data": f"/basemap/{world}land.geojson?v={ASSET_VERSION}"}
        sources["borders"] = {"type": "geojson",
                              "data": f"/basemap/{world}borders.geojson?v={ASSET_VERSION}"}
        layers += [
            {"id": "land", "type": "fill", "source": "land", "paint": {"fill-color": LAND}},
            {"id": "coast", "type": "line", "source": "land",
             "paint": {"line-color": COAST, "line-width": 0.8}},
            {"id": "borders", "type": "line", "source": "borders",
             "paint": {"line-color": BORDER, "line-width": 1.1, "line-dasharray": [4, 2, 1, 2]}}]
    slots = [{"id": slot(trace["uid"]), "type": "background", "layout": {"visibility": "none"}}
             for trace in _layers(record, lang)]
    at = [layer["id"] for layer in slots].index(slot(KEY_PLACES))
    layers += slots[:at]
    layers.append({
        "id": PLACES_LAYER, "type": "symbol", "source": "places",
        "layout": {"text-field": ["get", "name"], "text-font": [GLYPHS],
                   "text-size": ["get", "size"], "symbol-sort-key": ["get", "order"],
                   "text-variable-anchor": ["top", "bottom", "left", "right"],
                   "text-radial-offset": 0.5, "text-padding": 3,
                   "visibility": "visible" if labels else "none"},
        "paint": {"text-color": "#111111", "text-halo-color": "#ffffff",
                  "text-halo-width": 1.6}})
    layers += slots[at:]
    return {"version": 8, "name": f"frontlines-{lang}-{'tiles' if tiles else 'offline'}",
            "glyphs": "/assets/glyphs/{fontstack}/{range}.pbf?v=" + ASSET_VERSION,
            "sources": sources, "layers": layers}


# --- traces ----------------------------------------------------------------------------

def _lines(geometries) -> tuple[list, list]:
    lon, lat = [], []
    for geometry in geometries:
        x, y = rings_for_plotly(geometry)
        lon += x
        lat += y
    return lon, lat


def _hatch(record: Record, geometries, spacing_m: float = HATCH_M) -> tuple[list, list]:
    lon, lat = [], []
    for geometry in geometries:
        for line in projection_of(record).hatch(geometry, spacing_m):
            lon += [round(p[0], 4) for p in line] + [None]
            lat += [round(p[1], 4) for p in line] + [None]
    return lon, lat


def _trace(name: str, legend: str | None = None, **style) -> dict:
    """One map trace of the template; the browser fills its lon/lat (and text)."""
    return {"type": "scattermap", "name": legend if legend is not None else name,
            "uid": name, "lon": [], "lat": [], "hoverinfo": "skip", "below": slot(name),
            "showlegend": False, "meta": {"key": name, "legend": legend is not None}, **style}


def _fill(name, legend, colour, alpha, width) -> dict:
    return _trace(name, legend, mode="lines", fill="toself", fillcolor=_rgba(colour, alpha),
                  line={"color": colour, "width": width})


def _layers(record: Record, lang: str) -> list[dict]:
    """Every trace of the map, in drawing order (later is on top)."""
    traces = []
    for fid, f in record.factions.items():
        traces.append(_fill(f"area {fid} held", f"{plain(f.short[lang])} · {t('held', lang)}",
                            f.colour, 0.42, 0.8))
        traces.append(_fill(f"area {fid} contested",
                            f"{plain(f.short[lang])} · {t('contested', lang)}", f.colour, 0.16,
                            2.2))
        for status, alpha in (("held", 0.18), ("contested", 0.08)):  # claimed or assumed
            traces.append(_fill(f"area {fid} {status} unconfirmed",
                                f"{plain(f.short[lang])} · {t(status, lang)} "
                                f"({t('unconfirmed', lang)})", f.colour, alpha, 0.6))
    for fid, f in record.factions.items():
        traces.append(_trace(f"hatch {fid}", mode="lines", line={"color": f.colour, "width": 1.2}))
    for fid, f in record.factions.items():
        traces.append(_fill(f"estimated {fid}",
                            f"{plain(f.short[lang])} · {t('estimated', lang)}", f.colour, 0.10,
                            2.4))
    for fid, f in record.factions.items():
        traces.append(_fill(f"gained {fid}", f"{plain(f.short[lang])} · {t('gained', lang)}",
                            f.colour, 0.55, 1.5))
        traces.append(_trace(f"lost {fid}", f"{plain(f.short[lang])} · {t('lost', lang)}",
                             mode="lines", line={"color": f.colour, "width": 1.6}))
    traces.append(_trace("changed", t("changed_since_step", lang), mode="lines",
                         line={"color": CHANGED, "width": 3}))
    traces.append(_trace("highlight", t("highlighted", lang), mode="lines",
                         line={"color": HIGHLIGHT, "width": 8}, opacity=0.8))
    for fid, f in record.factions.items():
        traces.append(_trace(f"movement {fid}",
                             f"{plain(f.short[lang])} · {t('movement', lang)}", mode="lines",
                             line={"color": f.colour, "width": 3}, opacity=0.9))
    traces += density_traces(lang)
    traces.append(_trace("selected event", mode="markers",
                         marker={"size": 30, "color": CHANGED, "opacity": 0.45}))
    traces.append(_trace("events", mode="markers+text", hoverinfo="text", customdata=[],
                         marker={"size": [], "color": [], "opacity": 0.92},
                         textfont={"family": GLYPHS, "size": 11, "color": "#ffffff"},
                         textposition="middle center", text=[], hovertext=[]))
    traces.append(_trace("area labels", mode="text", text=[],
                         textfont={"family": GLYPHS, "size": 12, "color": "#1a1a1a"}))
    traces.append(_trace(KEY_PLACES, mode="markers+text", text=[], textposition="top center",
                         marker={"size": 7, "color": "#111111"},
                         textfont={"family": GLYPHS, "size": 15, "color": "#000000"}))
    return traces


# Traces every view has; the others exist only where the bundle has something to draw.
FIXED_TRACES = ("changed", "selected event", "events", "area labels", KEY_PLACES)


def area_trace(area: ControlArea) -> str:
    """Claimed and assumed areas are drawn apart from reported ones: fainter, and named so
    in the legend."""
    unconfirmed = area.assessment in ("claimed", "assumed")
    return f"area {area.faction} {area.status}{' unconfirmed' if unconfirmed else ''}"


def event_items(record: Record, events, lang: str, publisher_index) -> list[list]:
    """The bundle's markers, built from the table's arrays for the drawn rows only:
    [first day, last day, lon, lat, id, colour, size, hover, publisher indexes] (days as
    offsets from the record's first day)."""
    table, rows = record.events, events.rows
    start = day_number(record.first_day)
    first, last = (table.first[rows] - start).tolist(), (table.last[rows] - start).tolist()
    tolls = table.fatalities[rows]  # the marker's area grows with reported deaths (-1: unknown)
    sizes = np.where(tolls < 0, 10, np.minimum(10 + 2.2 * np.sqrt(np.maximum(tolls, 0)), 32))
    columns = table.columns(rows, ("id", "place", "actors", "publishers"))
    colours = {fid: f.colour for fid, f in record.factions.items()}
    days: dict = {}  # many events share a day, a type, a set of actors: each written once
    kinds: dict = {}
    named: dict = {}
    dated = {fid for fid, f in record.factions.items() if f.names}
    lon, lat = table.lon[rows].tolist(), table.lat[rows].tolist()
    types, sizes = table.type_code[rows].tolist(), sizes.round(2).tolist()
    out = []
    for k, (eid, place, actors, pubs) in enumerate(zip(
            columns["id"], columns["place"], columns["actors"], columns["publishers"])):
        day = first[k]
        if day not in days:
            days[day] = f"<b>{date_words(record.first_day + dt.timedelta(days=day), lang)}</b> · "
        etype = types[k]
        if etype not in kinds:
            kinds[etype] = f"<br>{type_label(table.types[etype], lang)}: "
        key = (tuple(actors), day if dated.intersection(actors) else None)
        if key not in named:
            when = record.first_day + dt.timedelta(days=day)
            named[key] = plain(", ".join(_short(record, a, lang, when) for a in actors))
        out.append([day, last[k], lon[k], lat[k], eid, colours[actors[0]], sizes[k],
                    days[day] + plain(place) + kinds[etype] + named[key],
                    sorted({publisher_index(p) for p in pubs})])
    return out


# Density cells (view.drawing) in four size classes, each a trace of its own marker size.
DENSITY_CLASSES = ((100, 22), (1_000, 30), (10_000, 38), (None, 46))
DENSITY = "#4b3f72"


def density_traces(lang: str) -> list[dict]:
    """One trace per size class, each in the legend with its range of counts."""
    bounds = [1] + [top for top, _ in DENSITY_CLASSES[:-1]]
    ranges = [f"{number(low, lang)}–{number(top - 1, lang)}" if top else f"≥ {number(low, lang)}"
              for low, (top, _) in zip(bounds, DENSITY_CLASSES)]
    return [_trace(f"density {i}", t("density_legend", lang).format(range=ranges[i]),
                   mode="markers+text", text=[], hoverinfo="text",
                   marker={"size": size, "color": DENSITY, "opacity": 0.72},
                   textfont={"family": GLYPHS, "size": 11, "color": "#ffffff"},
                   textposition="middle center")
            for i, (_, size) in enumerate(DENSITY_CLASSES)]


def count_text(n: int) -> str:
    return f"{n / 1000:.1f}k".replace(".0k", "k") if n >= 1000 else str(n)


def add_density(cells, add) -> None:
    """Each cell in the trace of its size class, its count written on it."""
    for lon, lat, n in cells:
        k = next(i for i, (top, _) in enumerate(DENSITY_CLASSES) if top is None or n < top)
        add(f"density {k}", "always", None, None,
            {"lon": [lon], "lat": [lat], "text": [count_text(n)]})


def area_label_text(record: Record, faction: str, status: str, rivals, lang: str,
                    day=None) -> str:
    who = _short(record, faction, lang, day)
    return f"{who}/{'/'.join(_short(record, f, lang, day) for f in rivals)}" \
        if status == "contested" else who


def area_labels(record: Record, areas, lang: str, day=None) -> tuple[list, list, list]:
    """The faction's short name on each patch of ground it holds or contests; adjoining
    areas of one faction and status share one label, placed away from the towns."""
    groups: dict[tuple, list[ControlArea]] = {}
    for area in areas:
        groups.setdefault((area.faction, area.status, area.contested_with), []).append(area)
    lon, lat, text = [], [], []
    if not groups:
        return lon, lat, text
    # only the towns near a patch are cut from it: an import's gazetteer has thousands
    places = np.array([(p.lon, p.lat) for p in record.places]).reshape(-1, 2)
    projection = projection_of(record)
    for (fid, status, rivals), members in groups.items():
        label = area_label_text(record, fid, status, rivals, lang, day)
        merged = unary_union([a.geometry for a in members])
        for part in getattr(merged, "geoms", [merged]):
            x0, y0, x1, y1 = projection.buffer(part.envelope, TOWN_CLEARANCE_M).bounds
            near = places[(places[:, 0] >= x0) & (places[:, 0] <= x1)
                          & (places[:, 1] >= y0) & (places[:, 1] <= y1)]
            towns = projection.buffer(shapely.multipoints(near), TOWN_CLEARANCE_M) \
                if len(near) else None
            free = part.difference(towns) if towns is not None else part
            point = (free if not free.is_empty else part).representative_point()
            lon.append(round(point.x, 4))
            lat.append(round(point.y, 4))
            text.append(label)
    return lon, lat, text


def _arrowheads(record: Record, line) -> tuple[list, list]:
    """Two short strokes at the end of a line: the direction of a movement."""
    projection = projection_of(record)
    end = line.coords[-1]
    angle = projection.direction(line.coords[-2], end)
    lon, lat = [], []
    for side in (-1, 1):
        x, y = projection.offset(*end, ARROW_M, angle + math.pi + side * math.radians(28))
        lon += [x, end[0], None]
        lat += [y, end[1], None]
    return lon, lat


# --- the template and the bundle -------------------------------------------------------

def map_figure(data: Dataset, state: ViewState, tiles: tuple[str, str] | None = None) -> dict:
    """The figure the browser fills: style, empty traces, titles, legend and frame."""
    record, lang = data.record, state.lang
    zoom, lat, lon = state.map_view or fit_view(record.extent)
    return {"data": _layers(record, lang), "layout": {
        "map": {"style": map_style(data, lang, "labels" in state.layers,
                                   tiles if state.basemap == "tiles" else None),
                "center": {"lon": lon, "lat": lat}, "zoom": zoom},
        "title": {"text": "", "x": 0.01, "xanchor": "left", "font": {"size": 17}},
        "font": {"family": FONT},
        "margin": {"l": 4, "r": 4, "t": 40, "b": 46},
        "paper_bgcolor": "white",
        # keeps the user's zoom and pan across updates; a new dataset starts from its view
        "uirevision": f"map-{state.dataset}-{state.map_view}",
        "legend": {"x": 0.995, "y": 0.02, "xanchor": "right", "yanchor": "bottom",
                   "bgcolor": "rgba(255,255,255,0.88)", "bordercolor": "#999",
                   "borderwidth": 1, "font": {"size": 11}, "itemclick": False,
                   "itemdoubleclick": False},
        "annotations": [],
        "shapes": [],
        "hoverlabel": {"font": {"family": FONT}},
    }}


def map_bundle(data: Dataset, state: ViewState, tiles: tuple[str, str] | None = None) -> dict:
    """Everything the browser needs to draw any day of this view without the server."""
    record, lang = data.record, state.lang
    first = record.first_day

    def off(day):
        return None if day is None else day_offset(record, day)

    publishers: dict[str, int] = {}

    def pubs(item) -> list[int]:
        return sorted({publishers.setdefault(s.publisher, len(publishers)) for s in item.sources})

    traces: dict[int, dict] = {}

    def add(key: str, rule: str, first_day, last_day, payload: dict) -> None:
        spec = traces.setdefault(key, {"rule": rule, "items": []})
        spec["items"].append([first_day, last_day, payload])

    per_day = views.steps_on_server(data, state)
    aggregated = 0
    if per_day:
        shown = views.shown(data, state)
        _add_shown(record, shown, state, add, pubs)
        drawing = views.drawing(data, state, shown)
        add_density(drawing.cells, add)
        events, aggregated = drawing.markers, drawing.aggregated
    else:
        found = views.candidates(data, state)
        for area in found.areas:
            lon, lat = _lines([area.geometry])
            add(area_trace(area), "valid", off(area.valid_from),
                off(area.valid_to), {"lon": lon, "lat": lat, "ids": [area.id], "p": pubs(area)})
            if area.id in state.highlight:
                add("highlight", "valid", off(area.valid_from), off(area.valid_to),
                    {"lon": lon, "lat": lat})
            for rival in area.contested_with:
                hlon, hlat = _hatch(record, [area.geometry])
                add(f"hatch {rival}", "valid", off(area.valid_from), off(area.valid_to),
                    {"lon": hlon, "lat": hlat})
        for start, end, lon, lat, text in _label_spans(data, state):
            add("area labels", "valid", off(start), off(end),
                {"lon": lon, "lat": lat, "text": text})
        starts = label_days(data) if "labels" in state.layers else []
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            areas = [a for a in found.areas if a.valid_on(start)]
            add(KEY_PLACES, "valid", off(start), off(end),
                _key_places(record, areas, lang, start))
        for start, geometry in _step_changes(data, state):
            lon, lat = _lines([geometry])
            add("changed", "since", off(start), None, {"lon": lon, "lat": lat})
        for movement in found.movements:
            lon, lat = _movement_lines(record, movement)
            add(f"movement {movement.faction}", "touch", off(movement.start), off(movement.end),
                {"lon": lon, "lat": lat, "ids": [movement.id], "p": pubs(movement)})
            if movement.id in state.highlight:
                add("highlight", "touch", off(movement.start), off(movement.end),
                    {"lon": lon, "lat": lat})
        events = found.events
    start, end = views.event_window(state)
    if per_day or state.window == "range" and state.range_start and state.range_end:
        window = {"kind": "fixed", "start": off(start), "end": off(end)}
    elif state.window in ("all", "range"):
        window = {"kind": "all"}
    else:
        window = {"kind": "last", "days": int(state.window)}
    # Every trace costs the map a redraw of its layers on each step: a faction and layer
    # with nothing to draw in this view gets no trace at all.
    figure = map_figure(data, state, tiles)
    figure["data"] = [t for t in figure["data"] if t["uid"] in traces or t["uid"] in FIXED_TRACES]
    index = {t["uid"]: i for i, t in enumerate(figure["data"])}
    names = {}
    for i, trace in enumerate(figure["data"]):
        parts = trace["uid"].split()
        faction = record.factions.get(parts[1]) if len(parts) > 1 else None
        if faction is not None and len(faction.names) > 1 and trace["meta"]["legend"]:
            rest = trace["name"].split(" · ", 1)[1]
            names[str(i)] = [[off(n.start) if n.start else None, off(n.end) if n.end else None,
                              f"{plain(n.short[lang])} · {rest}"] for n in faction.names]
    return {
        "figure": figure,
        "first_day": first.isoformat(), "last": off(record.last_day),
        "fit": None if state.map_view else list(record.extent),
        "day": off(state.day) if per_day else None,
        "traces": {str(index[uid]): spec for uid, spec in traces.items()},
        "names": names,  # legend names by period, for factions whose name changed
        "events": {"trace": index["events"], "selected": index["selected event"],
                   "items": event_items(record, events, lang,
                                        lambda p: publishers.setdefault(p, len(publishers)))},
        # events counted in density cells rather than drawn one by one (view.drawing)
        "aggregated": aggregated,
        "window": window,
        "publishers": [plain(p) for p in publishers],
        "words": {"months": MONTHS[lang], "weekdays": WEEKDAYS[lang], "lang": lang,
                  "page": t("brand", lang),
                  "title": t("map_title", lang) if state.mode == "explore"
                  else t("compare_title", lang), "sources": t("sources_line", lang),
                  "footer": f"{t('approximate', lang)} {t('attribution', lang)}",
                  "km": t("scale", lang), "events_here": t("events_here", lang),
                  "compare": _compare_words(state) if state.mode == "compare" else None},
    }


def _compare_words(state: ViewState) -> str:
    first, second = state.compare_dates()
    return f"{date_words(first, state.lang)} → {date_words(second, state.lang)}"


def _movement_lines(record: Record, movement) -> tuple[list, list]:
    lon, lat = [], []
    for line in getattr(movement.geometry, "geoms", [movement.geometry]):
        xs, ys = line.xy
        lon += [round(x, 4) for x in xs] + [None]
        lat += [round(y, 4) for y in ys] + [None]
        hx, hy = _arrowheads(record, line)
        lon += hx
        lat += hy
    return lon, lat


def _add_shown(record: Record, shown, state: ViewState, add, pubs) -> None:
    """A one-day bundle (compare mode, estimated layer): every item holds on that day."""
    for area in shown.areas:
        lon, lat = _lines([area.geometry])
        add(area_trace(area), "always", None, None,
            {"lon": lon, "lat": lat, "ids": [area.id], "p": pubs(area)})
        if area.id in state.highlight:
            add("highlight", "always", None, None, {"lon": lon, "lat": lat})
        for rival in area.contested_with:
            hlon, hlat = _hatch(record, [area.geometry])
            add(f"hatch {rival}", "always", None, None, {"lon": hlon, "lat": hlat})
    lon, lat, text = area_labels(record, shown.areas, state.lang, state.day)
    add("area labels", "always", None, None, {"lon": lon, "lat": lat, "text": text})
    if "labels" in state.layers:
        add(KEY_PLACES, "always", None, None,
            _key_places(record, shown.areas, state.lang, state.day))
    for area in shown.estimated:
        lon, lat = _lines([area.geometry])
        add(f"estimated {area.faction}", "always", None, None,
            {"lon": lon, "lat": lat, "p": pubs(area)})
    if shown.estimated:
        lon, lat, text = [], [], []
        for area in shown.estimated:
            point = area.geometry.representative_point()
            lon.append(round(point.x, 4))
            lat.append(round(point.y, 4))
            rivals = "/".join(_short(record, f, state.lang) for f in area.contested_with)
            text.append(f"{_short(record, area.faction, state.lang)}"
                        f"{'/' + rivals if rivals else ''} ({t('estimated_short', state.lang)})")
        add("area labels", "always", None, None, {"lon": lon, "lat": lat, "text": text})
    for change in shown.changes:
        lon, lat = _lines([change.geometry])
        if change.change == "gained":
            add(f"gained {change.faction}", "always", None, None, {"lon": lon, "lat": lat})
        else:
            hlon, hlat = _hatch(record, [change.geometry], HATCH_M * 0.75)
            add(f"lost {change.faction}", "always", None, None,
                {"lon": lon + hlon, "lat": lat + hlat})
    for movement in shown.movements:
        lon, lat = _movement_lines(record, movement)
        add(f"movement {movement.faction}", "always", None, None,
            {"lon": lon, "lat": lat, "ids": [movement.id], "p": pubs(movement)})
        if movement.id in state.highlight:
            add("highlight", "always", None, None, {"lon": lon, "lat": lat})


def _key_places(record: Record, areas, lang: str, day=None) -> dict:
    """The key places' names, each over the name of who holds (or contests) it that day:
    the first thing a reader of this map wants to know, so it is never hidden."""
    lon, lat, text = [], [], []
    for place in key_places(record):
        point = Point(place.lon, place.lat)
        holders = [area_label_text(record, a.faction, a.status, a.contested_with, lang, day)
                   for a in areas if a.geometry.covers(point)]
        lon.append(place.lon)
        lat.append(place.lat)
        text.append(place.name[lang] + (f" ({holders[0]})" if holders else ""))
    return {"lon": lon, "lat": lat, "text": text}


def _label_spans(data: Dataset, state: ViewState):
    """Area labels per span of days with one set of areas (the History's spans)."""
    return _label_spans_cached(data, tuple(state.factions), state.lang,
                               "control" in state.layers)


@lru_cache(maxsize=64)
def _label_spans_cached(data: Dataset, factions: tuple, lang: str, control: bool):
    if not control:
        return ()
    record, wanted = data.record, set(factions)
    starts = label_days(data)
    out = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else None
        areas = [a for a in record.areas if a.valid_on(start) and views.area_matches(a, wanted)]
        if areas:
            out.append((start, end, *area_labels(record, areas, lang, start)))
    return tuple(out)


def label_days(data: Dataset) -> list:
    """The days a label can change: a span of control begins, or a faction's name does."""
    record = data.record
    renamed = {d for f in record.factions.values() for n in f.names for d in (n.start, n.end)
               if d is not None and record.first_day < d <= record.last_day}
    return sorted(set(data.history.starts) | renamed)


def _step_changes(data: Dataset, state: ViewState):
    """The ground that changed hands on each day a span begins: while stepping or playing,
    the browser outlines in red what changed since the previous step (the "since" rule)."""
    if "control" not in state.layers:
        return ()
    starts, out = data.history.starts, []
    for before, after in zip(starts, starts[1:]):
        changes = [c.geometry for c in data.history.changes(before, after)
                   if c.faction in state.factions]
        geometry = unary_union(changes) if changes else None
        if geometry is not None and not geometry.is_empty:
            out.append((after, geometry))
    return out


def sources_line(shown: views.Shown, lang: str) -> str:
    """Publishers of what the map shows, most cited first."""
    counts = shown.publisher_counts()
    names = sorted(counts, key=lambda p: (-counts[p], p))
    listed = ", ".join(names[:8]) + (f" (+{len(names) - 8})" if len(names) > 8 else "")
    return f"{t('sources_line', lang)} {listed}" if names else ""
