"""Events per week by initiating faction, with the selected day marked: the timeline's
overview, and a way to jump (clicking a bar moves the slider to that week)."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import plotly.graph_objects as go

from dashboard import timeline
from dashboard.i18n import date_words
from dashboard.records import Record
from dashboard.state import ViewState


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def build_activity(record: Record, state: ViewState) -> go.Figure:
    """Filters by faction and type apply; the window does not (the chart shows the whole record)."""
    events = timeline.events_between(record, None, None, state.factions, state.types)
    counts = Counter((e.actors[0], week_start(e.date)) for e in events)
    weeks = sorted({w for _, w in counts})
    traces = []
    for fid, faction in record.factions.items():
        xs = [w for w in weeks if counts.get((fid, w))]
        if not xs:
            continue
        traces.append(go.Bar(
            x=xs, y=[counts[(fid, w)] for w in xs], name=faction.short[state.lang],
            marker={"color": faction.colour, "line": {"width": 0}}, width=6 * 86400000,
            hovertemplate=f"{faction.short[state.lang]}: %{{y}} · %{{x|%d %b %Y}}<extra></extra>"))
    fig = go.Figure(traces)
    fig.add_vline(x=state.day.isoformat(), line={"color": "#d62728", "width": 2})
    fig.add_annotation(x=state.day.isoformat(), y=1, yref="paper", text=date_words(state.day, state.lang),
                       showarrow=False, xanchor="left", yanchor="top", font={"size": 11, "color": "#d62728"})
    fig.update_layout(
        barmode="stack", height=150, margin={"l": 36, "r": 8, "t": 6, "b": 24},
        showlegend=False, uirevision="activity", plot_bgcolor="white", paper_bgcolor="white",
        xaxis={"type": "date", "range": [record.first_day.isoformat(), record.last_day.isoformat()],
               "showgrid": False, "fixedrange": True},
        yaxis={"title": {"text": "n", "standoff": 2}, "fixedrange": True, "gridcolor": "#eee"},
        clickmode="event", dragmode=False, bargap=0,
        meta={"lang": state.lang})  # a new language replots the chart in its locale
    return fig
