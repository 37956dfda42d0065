"""Ground held by each faction over the whole record (km², equal-area), with the selected
day marked and the turning points annotated; clicking it moves the slider."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.history import History, turning_points
from dashboard.i18n import date_words, number
from dashboard.state import ViewState


def build_area_chart(history: History, state: ViewState) -> go.Figure:
    record, lang = history.record, state.lang
    days, series = history.series(record.first_day, record.last_day, "week")
    traces = [go.Scatter(
        x=days, y=series[f], name=record.factions[f].short[lang], mode="lines",
        line={"color": record.factions[f].colour, "width": 2, "shape": "hv"},
        hovertemplate=f"{record.factions[f].short[lang]}: %{{y:,.0f}} km² · %{{x|%d %b %Y}}"
                      "<extra></extra>")
        for f in series if f in state.factions and any(series[f])]
    fig = go.Figure(traces)
    for day, faction, delta in turning_points(history):
        if faction not in state.factions:
            continue
        sign = "+" if delta > 0 else "−"
        fig.add_annotation(x=day.isoformat(), y=history.span_at(day).held_km2.get(faction, 0),
                           text=f"{record.factions[faction].short[lang]} {sign}"
                                f"{number(abs(delta), lang)}", showarrow=True, arrowhead=0,
                           ax=0, ay=-22, font={"size": 10}, hovertext=date_words(day, lang))
    fig.add_vline(x=state.day.isoformat(), line={"color": "#d62728", "width": 2})
    fig.update_layout(
        height=170, margin={"l": 48, "r": 8, "t": 18, "b": 24}, showlegend=True,
        legend={"orientation": "h", "y": 1.18, "x": 0, "font": {"size": 10}},
        uirevision="areas", plot_bgcolor="white", paper_bgcolor="white",
        xaxis={"type": "date", "range": [record.first_day.isoformat(), record.last_day.isoformat()],
               "showgrid": False, "fixedrange": True},
        yaxis={"title": {"text": "km²", "standoff": 2}, "fixedrange": True, "gridcolor": "#eee",
               "rangemode": "tozero"},
        hovermode="x", clickmode="event", dragmode=False,
        meta={"lang": state.lang})  # a new language replots the chart in its locale
    return fig


