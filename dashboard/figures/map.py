"""The map: one pure function from (dataset, view state) to a plotly Figure.

Layers are built by small functions, each returning traces. The number and order of traces
depends only on the record's factions, never on the date, mode or filters, so a slider step
can replace the data-bearing traces in place (a Dash Patch) and leave the basemap alone.
"""
from __future__ import annotations

import math

import plotly.graph_objects as go
from shapely.geometry import MultiPoint, Point
from shapely.ops import unary_union

from dashboard import timeline
from dashboard.basemap import Basemap, rings_for_plotly
from dashboard.dataset import Dataset
from dashboard.geometry import bearing_deg, hatch
from dashboard.i18n import date_words, number, t
from dashboard.records import ControlArea, Event, Record
from dashboard.state import ViewState
from dashboard.taxonomy import EVENT_TYPES

LAND, SEA, COAST, BORDER = "#f4f1ea", "#d7e6f2", "#8f9aa3", "#7d7d7d"
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
CHANGED = "#d62728"
# A browser without a GPU draws a few tens of thousands of SVG markers before it stalls:
# beyond that the map draws the latest MAX_MARKERS of the window (the summary says so).
MAX_MARKERS = 20_000
NEAR_CHANGE_DEG = 0.1  # compare mode shows events within about 10 km of changed ground
BASE_TRACE_COUNT = 2  # land, borders: the traces a slider step never touches


def _hex_rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _name(record: Record, faction: str, lang: str) -> str:
    return record.factions[faction].short[lang]


def base_traces(basemap: Basemap) -> list[go.Scattergeo]:
    return [
        go.Scattergeo(lon=basemap.land_lon, lat=basemap.land_lat, mode="lines", fill="toself",
                      fillcolor=LAND, line={"color": COAST, "width": 0.7}, hoverinfo="skip",
                      showlegend=False, name="land"),
        go.Scattergeo(lon=basemap.border_lon, lat=basemap.border_lat, mode="lines",
                      line={"color": BORDER, "width": 1.0, "dash": "dashdot"}, hoverinfo="skip",
                      showlegend=False, name="borders"),
    ]


def _lines(geometries) -> tuple[list, list]:
    lon, lat = [], []
    for geometry in geometries:
        x, y = rings_for_plotly(geometry)
        lon += x
        lat += y
    return lon, lat


def _hatch_lines(geometries, spacing: float = 0.02) -> tuple[list, list]:
    lon, lat = [], []
    for geometry in geometries:
        for line in hatch(geometry, spacing):
            lon += [round(p[0], 4) for p in line] + [None]
            lat += [round(p[1], 4) for p in line] + [None]
    return lon, lat


def _fill(geometries, colour: str, alpha: float, width: float, dash: str, name: str,
          group: str) -> go.Scattergeo:
    lon, lat = _lines(geometries)
    return go.Scattergeo(lon=lon, lat=lat, mode="lines", fill="toself",
                         fillcolor=_hex_rgba(colour, alpha), hoverinfo="skip",
                         line={"color": colour, "width": width, "dash": dash}, name=name,
                         legendgroup=group, showlegend=bool(lon))


def _area_traces(record: Record, areas: list[ControlArea], lang: str) -> list[go.Scattergeo]:
    """Per faction: held fill, contested fill, and the hatching that marks contested ground
    in the colour of the faction contesting it (a second cue beside colour)."""
    traces = []
    for fid, faction in record.factions.items():
        for status, alpha, width, dash in (("held", 0.42, 0.8, "solid"),
                                           ("contested", 0.16, 2.0, "dash")):
            mine = [a.geometry for a in areas if a.faction == fid and a.status == status]
            traces.append(_fill(mine, faction.colour, alpha, width, dash,
                                f"{faction.short[lang]} · {t(status, lang)}", f"area-{fid}"))
        lon, lat = _hatch_lines(a.geometry for a in areas if fid in a.contested_with)
        traces.append(go.Scattergeo(lon=lon, lat=lat, mode="lines", hoverinfo="skip",
                                    line={"color": faction.colour, "width": 1.2},
                                    showlegend=False, name=f"hatch {fid}"))
    return traces


def _estimated_traces(data: Dataset, state: ViewState) -> list[go.Scattergeo]:
    """Control estimated from place observations: a dotted edge and a faint fill, named
    'estimated' in the legend and on the map, never drawn like the sourced areas."""
    record, lang = data.record, state.lang
    found = [a for a in data.estimator.at(state.day) if a.faction in state.factions] \
        if "estimated" in state.layers and state.mode == "explore" else []
    traces = [_fill([a.geometry for a in found if a.faction == fid], f.colour, 0.10, 2.2, "dot",
                    f"{f.short[lang]} · {t('estimated', lang)}", f"est-{fid}")
              for fid, f in record.factions.items()]
    labels = [a.geometry.representative_point() for a in found]
    traces.append(go.Scattergeo(
        lon=[p.x for p in labels], lat=[p.y for p in labels], mode="text",
        text=[f"{_name(record, a.faction, lang)}{'/' if a.contested_with else ''}"
              f"{'/'.join(_name(record, f, lang) for f in a.contested_with)} "
              f"({t('estimated_short', lang)})" for a in found],
        hovertext=[f"<b>{a.place}</b>: {t('estimated', lang)} · {t(a.status, lang)}<br>"
                   f"{t('observed', lang)} {date_words(a.observed, lang)} · {number(a.km2, lang)} km²"
                   for a in found], hoverinfo="text",
        textfont={"size": 10, "color": "#444", "family": FONT}, showlegend=False,
        name="estimated labels"))
    return traces


def _change_traces(data: Dataset, state: ViewState) -> list[go.Scattergeo]:
    """Compare mode: per faction, ground gained (solid fill) and ground lost (hatched, dotted
    edge, no fill); and, while stepping, the outline of what changed since the last step."""
    record, lang = data.record, state.lang
    changes = []
    if state.mode == "compare":
        first, second = state.compare_dates()
        changes = [c for c in data.history.changes(first, second) if c.faction in state.factions]
    traces = []
    for fid, faction in record.factions.items():
        gained = [c.geometry for c in changes if c.faction == fid and c.change == "gained"]
        lost = [c.geometry for c in changes if c.faction == fid and c.change == "lost"]
        traces.append(_fill(gained, faction.colour, 0.55, 1.5, "solid",
                            f"{faction.short[lang]} · {t('gained', lang)}", f"gain-{fid}"))
        outline, hatching = _lines(lost), _hatch_lines(lost, 0.015)
        traces.append(go.Scattergeo(
            lon=outline[0] + hatching[0], lat=outline[1] + hatching[1], mode="lines",
            line={"color": faction.colour, "width": 1.6, "dash": "dot"}, hoverinfo="skip",
            name=f"{faction.short[lang]} · {t('lost', lang)}", legendgroup=f"lost-{fid}",
            showlegend=bool(lost)))
    stepped = []
    if state.mode == "explore" and state.previous and state.previous != state.day \
            and abs((state.day - state.previous).days) <= 93 and "control" in state.layers:
        stepped = [c.geometry for c in data.history.changes(
            min(state.previous, state.day), max(state.previous, state.day))]
    lon, lat = _lines(stepped)
    traces.append(go.Scattergeo(
        lon=lon, lat=lat, mode="lines", line={"color": CHANGED, "width": 3}, hoverinfo="skip",
        name=t("changed_since", lang).format(day=date_words(state.previous, lang))
        if stepped else "changed", showlegend=bool(lon)))
    return traces


def changed_ground(data: Dataset, state: ViewState):
    """Compare mode's changed ground, widened a little, to find the events that explain it."""
    first, second = state.compare_dates()
    changes = data.history.changes(first, second)
    return unary_union([c.geometry for c in changes]).buffer(NEAR_CHANGE_DEG) if changes else None


def events_shown(data: Dataset, state: ViewState) -> list[Event]:
    """The events on the map: the window's in explore mode; in compare mode, those between
    A and B in or near ground that changed hands."""
    if "events" not in state.layers:
        return []
    if state.mode == "compare":
        first, second = state.compare_dates()
        near = changed_ground(data, state)
        found = timeline.events_between(data.record, first, second, state.factions, state.types)
        return [e for e in found if near is not None and near.contains(Point(e.lon, e.lat))]
    start, end = state.event_window()
    return list(timeline.events_between(data.record, start, end, state.factions, state.types))


def _label_point(part, avoid):
    """Inside the area but off the towns and events on it, so the label's hover never
    covers an event marker or a place name."""
    free = part.difference(avoid) if avoid is not None else part
    return (free if not free.is_empty else part).representative_point()


def _area_label_trace(record: Record, areas: list[ControlArea], lang: str,
                      avoid=None) -> go.Scattergeo:
    """The faction's short name on each patch of ground it holds or contests (the text cue
    beside colour); adjoining areas with the same status share one label."""
    groups: dict[tuple, list[ControlArea]] = {}
    for area in areas:
        groups.setdefault((area.faction, area.status, area.contested_with), []).append(area)
    lon, lat, text = [], [], []
    for (fid, status, rivals), members in groups.items():
        who = _name(record, fid, lang)
        label = f"{who}/{'/'.join(_name(record, f, lang) for f in rivals)}" \
            if status == "contested" else who
        merged = unary_union([a.geometry for a in members])
        for part in getattr(merged, "geoms", [merged]):
            point = _label_point(part, avoid)
            lon.append(point.x)
            lat.append(point.y)
            text.append(label)
    # No hover: a label's hover would win over an event marker on the same town. The areas'
    # names, dates and sources are listed beside the map instead.
    return go.Scattergeo(lon=lon, lat=lat, mode="text", text=text, hoverinfo="skip",
                         textfont={"size": 11, "color": "#222", "family": FONT},
                         showlegend=False, name="area labels")


def _movement_traces(record: Record, state: ViewState) -> list[go.Scattergeo]:
    start, end = state.compare_dates() if state.mode == "compare" else state.event_window()
    found = timeline.movements_between(record, start, end, state.factions) \
        if "movements" in state.layers else ()
    traces, tips_lon, tips_lat, tips_angle, tips_colour, tips_text = [], [], [], [], [], []
    for fid, faction in record.factions.items():
        lon, lat = [], []
        for movement in (m for m in found if m.faction == fid):
            for line in getattr(movement.geometry, "geoms", [movement.geometry]):
                xs, ys = line.xy
                lon += list(xs) + [None]
                lat += list(ys) + [None]
                coords = list(line.coords)
                tips_lon.append(coords[-1][0])
                tips_lat.append(coords[-1][1])
                tips_angle.append(bearing_deg(coords[-2], coords[-1]))
                tips_colour.append(faction.colour)
                tips_text.append(f"<b>{movement.label[state.lang]}</b><br>"
                                 f"{date_words(movement.start, state.lang)} – "
                                 f"{date_words(movement.end, state.lang)}<br>{movement.precision}")
        traces.append(go.Scattergeo(
            lon=lon, lat=lat, mode="lines", line={"color": faction.colour, "width": 3},
            opacity=0.9, hoverinfo="skip", name=f"{faction.short[state.lang]} · "
            f"{t('movement', state.lang)}", showlegend=bool(lon), legendgroup=f"move-{fid}"))
    traces.append(go.Scattergeo(
        lon=tips_lon, lat=tips_lat, mode="markers", hovertext=tips_text, hoverinfo="text",
        marker={"symbol": "triangle-up", "size": 14, "angle": tips_angle, "color": tips_colour,
                "line": {"color": "white", "width": 1}},
        showlegend=False, name="movement arrows"))
    return traces


def marker_size(event: Event) -> float:
    """Area grows with reported deaths; unknown tolls get the base size."""
    return 9 if event.fatalities is None else min(9 + 2.2 * math.sqrt(event.fatalities), 30)


def _event_traces(record: Record, events: list[Event], state: ViewState) -> list[go.Scattergeo]:
    lang = state.lang
    colours = [record.factions[e.actors[0]].colour for e in events]
    hover = [f"<b>{date_words(e.date, lang)}</b> · {e.place}<br>"
             f"{_type_label(e.event_type, lang)}: "
             f"{', '.join(_name(record, a, lang) for a in e.actors)}" for e in events]
    traces = [go.Scattergeo(
        lon=[e.lon for e in events], lat=[e.lat for e in events], mode="markers",
        customdata=[e.id for e in events], hovertext=hover, hoverinfo="text",
        marker={"color": colours, "size": [marker_size(e) for e in events],
                "symbol": [EVENT_TYPES[e.event_type].symbol for e in events],
                "line": {"color": "white", "width": 1.2}, "opacity": 0.92},
        showlegend=False, name="events")]
    shown_types = {e.event_type for e in events}
    for etype in EVENT_TYPES.values():  # legend keys: symbol is the event type
        traces.append(go.Scattergeo(
            lon=[None], lat=[None], mode="markers", name=_type_label(etype.name, lang),
            marker={"symbol": etype.symbol, "color": "#555", "size": 10},
            legendgroup="types", showlegend=etype.name in shown_types, hoverinfo="skip"))
    selected = [e for e in events if e.id == state.event]
    traces.append(go.Scattergeo(
        lon=[e.lon for e in selected], lat=[e.lat for e in selected], mode="markers",
        marker={"symbol": "circle-open", "size": 26, "color": "#d62728", "line": {"width": 3}},
        hoverinfo="skip", showlegend=False, name="selected event"))
    return traces


def _type_label(name: str, lang: str) -> str:
    return name if lang == "en" else EVENT_TYPES[name].label_fr


def _place_trace(record: Record, state: ViewState) -> go.Scattergeo:
    # the record's main places; a dataset whose places are unranked (imports) shows them all
    most = 2 if any(p.rank <= 2 for p in record.places) else 3
    places = [p for p in record.places if p.rank <= most] if "labels" in state.layers else []
    return go.Scattergeo(
        lon=[p.lon for p in places], lat=[p.lat for p in places], mode="markers+text",
        text=[p.name[state.lang] for p in places], textposition="top center",
        textfont={"size": 12, "color": "#1a1a1a", "family": FONT},
        marker={"size": 4, "color": "#1a1a1a"}, hoverinfo="skip",  # events sit on towns
        showlegend=False, name="places")


def scale_km(width_km: float) -> int:
    """A round length near a tenth of the view's width: 1, 2, 5, 10, 20, 50, 100 … km."""
    target = max(width_km / 10, 1)
    power = 10 ** math.floor(math.log10(target))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= target))


def _scale_bar(extent: tuple, lang: str) -> go.Scattergeo:
    """A true-length bar at the view's lower left (true where it stands: it is real geometry)."""
    lon_min, lat_min, lon_max, lat_max = extent
    lon0 = lon_min + (lon_max - lon_min) * 0.04
    lat0 = lat_min + (lat_max - lat_min) * 0.08
    km_per_deg = 111.32 * math.cos(math.radians(lat0))
    length = scale_km((lon_max - lon_min) * km_per_deg)
    dlon, tick = length / km_per_deg, (lat_max - lat_min) * 0.015
    return go.Scattergeo(
        lon=[lon0, lon0, lon0 + dlon, lon0 + dlon], lat=[lat0 + tick, lat0, lat0, lat0 + tick],
        mode="lines+text", text=["", "0", f"{length} {t('scale', lang)}", ""],
        textposition="bottom center", textfont={"size": 11, "family": FONT},
        line={"color": "#222", "width": 2.5}, hoverinfo="skip", showlegend=False,
        name="scale bar")


def _occupied(record: Record, events: list[Event]):
    """Where area labels should not go: on places and events (each spot counted once)."""
    points = {(p.lon, p.lat) for p in record.places} | {(e.lon, e.lat) for e in events}
    if not points or len(points) > 2000:  # too crowded to matter; don't pay for the union
        return None
    return MultiPoint(list(points)).buffer(0.012, 8)


def dynamic_traces(data: Dataset, state: ViewState) -> list[go.Scattergeo]:
    """Everything that depends on the date, mode and filters, in a fixed number of traces."""
    record = data.record
    areas = list(timeline.control_at(record, state.day)) \
        if "control" in state.layers and state.mode == "explore" else []
    events = events_shown(data, state)[-MAX_MARKERS:]
    # Events come before the labels: when an event sits on a labelled town, plotly gives
    # the hover and the click to the earlier trace, and the event is what users click for.
    return (_area_traces(record, areas, state.lang) + _estimated_traces(data, state)
            + _change_traces(data, state) + _movement_traces(record, state)
            + _event_traces(record, events, state)
            + [_area_label_trace(record, areas, state.lang, _occupied(record, events)),
               _place_trace(record, state), _scale_bar(record.extent, state.lang)])


def map_title(state: ViewState) -> str:
    lang = state.lang
    if state.mode == "compare":
        first, second = state.compare_dates()
        return f"{t('compare_title', lang)} · {date_words(first, lang)} → {date_words(second, lang)}"
    return f"{t('map_title', lang)} · {date_words(state.day, lang)}"


def map_layout(record: Record, state: ViewState, sources_line: str) -> dict:
    lang = state.lang
    title = map_title(state)
    lon_min, lat_min, lon_max, lat_max = record.extent
    annotations = [
        {"text": f"{t('approximate', lang)} {t('attribution', lang)}<br>{sources_line}",
         "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top",
         "yshift": -4, "showarrow": False, "align": "left", "font": {"size": 10, "color": "#444"}},
        {"text": "▲<br>N", "xref": "paper", "yref": "paper", "x": 0.995, "y": 0.98,
         "showarrow": False, "font": {"size": 14, "color": "#222"}, "align": "center",
         "xanchor": "right", "yanchor": "top"},
    ]
    return {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 17}},
        "font": {"family": FONT},
        "margin": {"l": 4, "r": 4, "t": 40, "b": 52},
        "paper_bgcolor": "white",
        # keeps the user's zoom and pan across updates; a new dataset starts from its extent
        "uirevision": f"map-{state.dataset}",
        # bottom right: the open desert south-east of the record's places
        "legend": {"x": 0.995, "y": 0.01, "xanchor": "right", "yanchor": "bottom",
                   "bgcolor": "rgba(255,255,255,0.85)",
                   "bordercolor": "#999", "borderwidth": 1, "font": {"size": 11},
                   "groupclick": "toggleitem", "itemclick": False, "itemdoubleclick": False},
        "annotations": annotations,
        "geo": {
            "projection": {"type": "mercator"}, "resolution": 50,
            "lonaxis": {"range": [lon_min, lon_max]}, "lataxis": {"range": [lat_min, lat_max]},
            "showland": True, "landcolor": LAND, "showocean": True, "oceancolor": SEA,
            "showcountries": True, "countrycolor": BORDER, "showcoastlines": False,
            "showlakes": False, "showframe": False, "bgcolor": SEA,
        },
        "hoverlabel": {"font": {"family": FONT}},
    }


def sources_line(data: Dataset, state: ViewState) -> str:
    """Publishers of the areas and events on the map, most cited first."""
    counts: dict[str, int] = {}
    items = list(timeline.control_at(data.record, state.day)) \
        if "control" in state.layers and state.mode == "explore" else []
    if state.mode == "compare":
        for day in state.compare_dates():
            items += list(timeline.control_at(data.record, day))
    items += events_shown(data, state)
    for item in items:
        for source in item.sources:
            counts[source.publisher] = counts.get(source.publisher, 0) + 1
    names = sorted(counts, key=lambda p: (-counts[p], p))
    shown = ", ".join(names[:8]) + (f" (+{len(names) - 8})" if len(names) > 8 else "")
    return f"{t('sources_line', state.lang)} {shown}" if names else ""


def build_map(data: Dataset, state: ViewState, tiles: tuple[str, str] | None = None) -> go.Figure:
    """The whole map. With state.basemap == 'tiles' (and a tile URL configured), the same
    layers are drawn on MapLibre over online raster tiles instead of the offline basemap."""
    layout = map_layout(data.record, state, sources_line(data, state))
    figure = go.Figure(data=base_traces(data.basemap) + dynamic_traces(data, state),
                       layout=layout)
    return on_tiles(figure, data.record.extent, *tiles) \
        if tiles and state.basemap == "tiles" else figure


def on_tiles(figure: go.Figure, extent: tuple, tile_url: str, attribution: str) -> go.Figure:
    """Redraw the geo traces as map traces over raster tiles (opt-in, needs internet).
    MapLibre has no symbol shapes or dashes without a sprite, and no text without glyphs,
    so markers become circles and labels are left out there; hatching still marks contested."""
    traces = []
    for trace in figure.data[BASE_TRACE_COUNT:]:
        spec = trace.to_plotly_json()
        spec["type"] = "scattermap"
        spec["mode"] = spec.get("mode", "lines").replace("+text", "").replace("text", "markers")
        spec.pop("textfont", None), spec.pop("textposition", None)
        spec.get("line", {}).pop("dash", None)
        marker = spec.get("marker", {})
        for key in ("symbol", "angle", "line"):
            marker.pop(key, None)
        traces.append(spec)
    layout = figure.layout.to_plotly_json()
    layout.pop("geo", None)
    lon_min, lat_min, lon_max, lat_max = extent
    center = {"lon": (lon_min + lon_max) / 2, "lat": (lat_min + lat_max) / 2}
    zoom = math.log2(360 / max(lon_max - lon_min, 1e-3)) + 0.6  # about the width of the view
    layout["map"] = {"center": center, "zoom": round(zoom, 2), "style": {
        "version": 8, "sources": {"tiles": {"type": "raster", "tiles": [tile_url], "tileSize": 256,
                                            "attribution": attribution}},
        "layers": [{"id": "tiles", "type": "raster", "source": "tiles"}]}}
    return go.Figure(data=traces, layout=layout)
