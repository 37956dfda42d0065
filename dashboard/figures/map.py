"""The map: one pure function from (record, basemap, view state) to a plotly Figure.

Layers are built by small functions, each returning traces. The number and order of traces
depends only on the record's factions, never on the date or filters, so a slider step can
replace the data-bearing traces in place (a Dash Patch) and leave the basemap where it is.
"""
from __future__ import annotations

import math

import plotly.graph_objects as go
from shapely.geometry import MultiPoint
from shapely.ops import unary_union

from dashboard import timeline
from dashboard.basemap import Basemap, rings_for_plotly
from dashboard.geometry import bearing_deg, hatch
from dashboard.i18n import date_words, number, t
from dashboard.records import ControlArea, Event, Record
from dashboard.state import ViewState
from dashboard.taxonomy import EVENT_TYPES

LAND, SEA, COAST, BORDER = "#f4f1ea", "#d7e6f2", "#8f9aa3", "#7d7d7d"
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
# The initial view: Derna, Al-Maheili and Sirte, with the coast between them.
VIEW_LON, VIEW_LAT = (14.8, 23.7), (29.0, 33.3)
SCALE_KM = 100
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


def _area_traces(record: Record, areas: list[ControlArea], lang: str) -> list[go.Scattergeo]:
    """Per faction: held fill, contested fill, and the hatching that marks contested ground
    in the colour of the faction contesting it (a second cue beside colour)."""
    traces = []
    for fid, faction in record.factions.items():
        for status in ("held", "contested"):
            mine = [a for a in areas if a.faction == fid and a.status == status]
            lon, lat = [], []
            for area in mine:
                x, y = rings_for_plotly(area.geometry)
                lon += x
                lat += y
            held = status == "held"
            traces.append(go.Scattergeo(
                lon=lon, lat=lat, mode="lines", fill="toself",
                fillcolor=_hex_rgba(faction.colour, 0.42 if held else 0.16),
                line={"color": faction.colour, "width": 0.8 if held else 2.0,
                      "dash": "solid" if held else "dash"},
                name=f"{faction.short[lang]} · {t(status, lang)}", legendgroup=f"area-{fid}",
                legendgrouptitle_text=None, hoverinfo="skip", showlegend=bool(mine)))
        lon, lat = [], []
        for area in areas:
            if fid in area.contested_with:
                for line in hatch(area.geometry):
                    lon += [round(p[0], 4) for p in line] + [None]
                    lat += [round(p[1], 4) for p in line] + [None]
        traces.append(go.Scattergeo(lon=lon, lat=lat, mode="lines", hoverinfo="skip",
                                    line={"color": faction.colour, "width": 1.2},
                                    showlegend=False, name=f"hatch {fid}"))
    return traces


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
    start, end = state.event_window()
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
    places = [p for p in record.places if p.rank <= 2] if "labels" in state.layers else []
    return go.Scattergeo(
        lon=[p.lon for p in places], lat=[p.lat for p in places], mode="markers+text",
        text=[p.name[state.lang] for p in places], textposition="top center",
        textfont={"size": 12, "color": "#1a1a1a", "family": FONT},
        marker={"size": 4, "color": "#1a1a1a"}, hoverinfo="skip",  # events sit on towns
        showlegend=False, name="places")


def _scale_bar(lang: str) -> go.Scattergeo:
    lon0, lat0 = VIEW_LON[0] + 0.4, VIEW_LAT[0] + 0.35
    dlon = SCALE_KM / (111.32 * math.cos(math.radians(lat0)))
    return go.Scattergeo(
        lon=[lon0, lon0, lon0 + dlon, lon0 + dlon], lat=[lat0 + 0.06, lat0, lat0, lat0 + 0.06],
        mode="lines+text", text=["", "0", f"{SCALE_KM} {t('scale', lang)}", ""],
        textposition="bottom center", textfont={"size": 11, "family": FONT},
        line={"color": "#222", "width": 2.5}, hoverinfo="skip", showlegend=False,
        name="scale bar")


def _occupied(record: Record, events: list[Event]):
    points = [(p.lon, p.lat) for p in record.places] + [(e.lon, e.lat) for e in events]
    return MultiPoint(points).buffer(0.012, 8) if points else None


def dynamic_traces(record: Record, state: ViewState) -> list[go.Scattergeo]:
    """Everything that depends on the date and filters, in a fixed number of traces."""
    areas = [a for a in timeline.control_at(record, state.day)] if "control" in state.layers else []
    start, end = state.event_window()
    events = list(timeline.events_between(record, start, end, state.factions, state.types)) \
        if "events" in state.layers else []
    # Events come before the labels: when an event sits on a labelled town, plotly gives
    # the hover and the click to the earlier trace, and the event is what users click for.
    return (_area_traces(record, areas, state.lang) + _movement_traces(record, state)
            + _event_traces(record, events, state)
            + [_area_label_trace(record, areas, state.lang, _occupied(record, events)),
               _place_trace(record, state),
               _scale_bar(state.lang)])


def map_layout(record: Record, state: ViewState, sources_line: str) -> dict:
    lang = state.lang
    title = f"{t('map_title', lang)} · {date_words(state.day, lang)}"
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
        "uirevision": "map",  # keeps the user's zoom and pan across updates
        # bottom right: the open desert south-east of the record's places
        "legend": {"x": 0.995, "y": 0.01, "xanchor": "right", "yanchor": "bottom",
                   "bgcolor": "rgba(255,255,255,0.85)",
                   "bordercolor": "#999", "borderwidth": 1, "font": {"size": 11},
                   "groupclick": "toggleitem", "itemclick": False, "itemdoubleclick": False},
        "annotations": annotations,
        "geo": {
            "projection": {"type": "mercator"}, "resolution": 50,
            "lonaxis": {"range": list(VIEW_LON)}, "lataxis": {"range": list(VIEW_LAT)},
            "showland": True, "landcolor": LAND, "showocean": True, "oceancolor": SEA,
            "showcountries": True, "countrycolor": BORDER, "showcoastlines": False,
            "showlakes": False, "showframe": False, "bgcolor": SEA,
        },
        "hoverlabel": {"font": {"family": FONT}},
    }


def sources_line(record: Record, state: ViewState, lang: str) -> str:
    """Publishers of the areas and events on the map, most cited first."""
    counts: dict[str, int] = {}
    start, end = state.event_window()
    items = [a for a in timeline.control_at(record, state.day)] if "control" in state.layers else []
    items += list(timeline.events_between(record, start, end, state.factions, state.types)) \
        if "events" in state.layers else []
    for item in items:
        for source in item.sources:
            counts[source.publisher] = counts.get(source.publisher, 0) + 1
    names = sorted(counts, key=lambda p: (-counts[p], p))
    shown = ", ".join(names[:8]) + (f" (+{len(names) - 8})" if len(names) > 8 else "")
    return f"{t('sources_line', lang)} {shown}" if names else ""


def build_map(record: Record, basemap: Basemap, state: ViewState,
              tiles: tuple[str, str] | None = None) -> go.Figure:
    """The whole map. With state.basemap == 'tiles' (and a tile URL configured), the same
    layers are drawn on MapLibre over online raster tiles instead of the offline basemap."""
    layout = map_layout(record, state, sources_line(record, state, state.lang))
    figure = go.Figure(data=base_traces(basemap) + dynamic_traces(record, state), layout=layout)
    return on_tiles(figure, *tiles) if tiles and state.basemap == "tiles" else figure


def on_tiles(figure: go.Figure, tile_url: str, attribution: str) -> go.Figure:
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
    center = {"lon": sum(VIEW_LON) / 2, "lat": sum(VIEW_LAT) / 2}
    layout["map"] = {"center": center, "zoom": 5.3, "style": {
        "version": 8, "sources": {"tiles": {"type": "raster", "tiles": [tile_url], "tileSize": 256,
                                            "attribution": attribution}},
        "layers": [{"id": "tiles", "type": "raster", "source": "tiles"}]}}
    return go.Figure(data=traces, layout=layout)
