"""The data behind the map, as files: events as CSV (one row per event, sources flattened)
and everything shown (areas, movements, events) as one GeoJSON FeatureCollection.

Columns follow ACLED's names where one exists, so an exported CSV lines up with ACLED data.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from shapely.geometry import mapping

from dashboard.csvsafe import safe_row
from dashboard.dataset import Dataset
from dashboard.geojson import area_feature, collection, event_feature, movement_feature
from dashboard.records import Event
from dashboard.state import ViewState
from dashboard.view import shown

EVENT_COLUMNS = ("id", "event_date", "date_end", "time_precision", "event_type",
                 "sub_event_type", "actors", "actor_names", "location", "place_detail",
                 "latitude", "longitude", "geo_precision", "fatalities", "fatalities_low",
                 "fatalities_high", "summary",
                 "summary_fr", "notes", "source_publishers", "source_urls", "source_dates",
                 "source_titles")
SEPARATOR = " | "


# The most events one download of the page holds (as the API's largest page): a request's
# memory stays bounded whatever the dataset; more is paged through /api/events.
MAX_EVENTS = 100_000


def events_csv(events: Iterable[Event]) -> str:
    """RFC 4180 CSV; lists (actors, sources) joined with ' | '; unknown fatalities empty;
    fatalities_low/high empty unless sources disagree on the toll; cells that a spreadsheet
    would run as formulas neutralised (dashboard.csvsafe)."""
    return "".join(events_csv_chunks(events))


def events_csv_chunks(events: Iterable[Event], rows: int = 2_000) -> Iterator[str]:
    """events_csv a few thousand rows at a time, for a streamed response: the header first,
    then the events as they are materialised (a Selection yields them a chunk at a time)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # CRLF, as RFC 4180: then a lone \r in a cell is quoted too
    writer.writerow(EVENT_COLUMNS)
    for i, e in enumerate(events, start=1):
        writer.writerow(safe_row([
            e.id, e.date.isoformat(), e.date_end.isoformat() if e.date_end else "",
            e.date_precision, e.event_type, e.sub_event_type, SEPARATOR.join(e.actors),
            SEPARATOR.join(e.actor_names), e.place, e.place_detail or "", e.lat, e.lon,
            e.location_precision, "" if e.fatalities is None else e.fatalities,
            "" if e.fatalities_low is None else e.fatalities_low,
            "" if e.fatalities_high is None else e.fatalities_high,
            e.summary["en"], e.summary["fr"], e.notes or "",
            SEPARATOR.join(s.publisher for s in e.sources),
            SEPARATOR.join(s.url for s in e.sources),
            SEPARATOR.join(s.date.isoformat() for s in e.sources),
            SEPARATOR.join(s.title for s in e.sources)]))
        if i % rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def shown_geojson(data: Dataset, state: ViewState) -> dict:
    """What the map draws for this view (the one view query), each feature tagged with its
    layer: control areas, estimated areas, ground gained or lost, movements and events."""
    lang, found = state.lang, shown(data, state)
    features = [_tag(area_feature(a, lang), "control") for a in found.areas]
    features += [_tag({"type": "Feature", "geometry": mapping(a.geometry), "properties": {
        "place": a.place, "faction": a.faction, "status": a.status,
        "contested_with": list(a.contested_with), "observed": a.observed.isoformat(),
        "km2": a.km2, "estimated": True}}, "estimated") for a in found.estimated]
    features += [_tag({"type": "Feature", "geometry": mapping(c.geometry), "properties": {
        "faction": c.faction, "change": c.change, "km2": c.km2}}, "changes")
        for c in found.changes]
    features += [_tag(movement_feature(m, lang), "movements") for m in found.movements]
    features += [_tag(event_feature(e, lang), "events") for e in found.events]
    return collection(features, date=state.day.isoformat())


def _tag(feature: dict, layer: str) -> dict:
    feature["properties"]["layer"] = layer
    return feature
