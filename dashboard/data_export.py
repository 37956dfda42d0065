"""The data behind the map, as files: events as CSV (one row per event, sources flattened)
and everything shown (areas, movements, events) as one GeoJSON FeatureCollection.

Columns follow ACLED's names where one exists, so an exported CSV lines up with ACLED data.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable

from dashboard import timeline
from dashboard.csvsafe import safe_row
from dashboard.dataset import Dataset
from dashboard.figures.map import events_shown
from dashboard.geojson import area_feature, collection, event_feature, movement_feature
from dashboard.records import Event
from dashboard.state import ViewState

EVENT_COLUMNS = ("id", "event_date", "date_end", "time_precision", "event_type",
                 "sub_event_type", "actors", "actor_names", "location", "place_detail",
                 "latitude", "longitude", "geo_precision", "fatalities", "summary",
                 "summary_fr", "notes", "source_publishers", "source_urls", "source_dates",
                 "source_titles")
SEPARATOR = " | "


def events_csv(events: Iterable[Event]) -> str:
    """RFC 4180 CSV; lists (actors, sources) joined with ' | '; unknown fatalities empty;
    cells that a spreadsheet would run as formulas neutralised (dashboard.csvsafe)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # CRLF, as RFC 4180: then a lone \r in a cell is quoted too
    writer.writerow(EVENT_COLUMNS)
    for e in events:
        writer.writerow(safe_row([
            e.id, e.date.isoformat(), e.date_end.isoformat() if e.date_end else "",
            e.date_precision, e.event_type, e.sub_event_type, SEPARATOR.join(e.actors),
            SEPARATOR.join(e.actor_names), e.place, e.place_detail or "", e.lat, e.lon,
            e.location_precision, "" if e.fatalities is None else e.fatalities,
            e.summary["en"], e.summary["fr"], e.notes or "",
            SEPARATOR.join(s.publisher for s in e.sources),
            SEPARATOR.join(s.url for s in e.sources),
            SEPARATOR.join(s.date.isoformat() for s in e.sources),
            SEPARATOR.join(s.title for s in e.sources)]))
    return buffer.getvalue()


def shown_geojson(data: Dataset, state: ViewState) -> dict:
    """What the map shows for this view, each feature tagged with its layer."""
    record, lang = data.record, state.lang
    features = []
    if "control" in state.layers and state.mode == "explore":
        features += [_tag(area_feature(a, lang), "control")
                     for a in timeline.control_at(record, state.day)]
    if "movements" in state.layers:
        start, end = state.compare_dates() if state.mode == "compare" else state.event_window()
        features += [_tag(movement_feature(m, lang), "movements") for m in
                     timeline.movements_between(record, start, end, state.factions)]
    features += [_tag(event_feature(e, lang), "events") for e in events_shown(data, state)]
    return collection(features, date=state.day.isoformat())


def _tag(feature: dict, layer: str) -> dict:
    feature["properties"]["layer"] = layer
    return feature
