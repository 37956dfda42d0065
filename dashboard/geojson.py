"""GeoJSON for the API and exports: the record's objects as features, with their sources."""
from __future__ import annotations

from typing import Iterable

from shapely.geometry import mapping

from dashboard.records import ControlArea, Event, Movement, Source


def _sources(sources: Iterable[Source]) -> list[dict]:
    return [s.as_json() for s in sources]


def _iso(day):
    return day.isoformat() if day else None


def area_feature(area: ControlArea, lang: str = "en") -> dict:
    return {"type": "Feature", "id": area.id, "geometry": mapping(area.geometry), "properties": {
        "id": area.id, "name": area.name[lang], "name_en": area.name["en"],
        "name_fr": area.name["fr"], "faction": area.faction, "status": area.status,
        "contested_with": list(area.contested_with), "valid_from": _iso(area.valid_from),
        "valid_to": _iso(area.valid_to), "km2": area.km2, "precision": area.precision,
        "approximate": True, "sources": _sources(area.sources)}}


def event_feature(event: Event, lang: str = "en") -> dict:
    return {"type": "Feature", "id": event.id,
            "geometry": {"type": "Point", "coordinates": [event.lon, event.lat]},
            "properties": {
                "id": event.id, "date": _iso(event.date), "date_end": _iso(event.date_end),
                "date_precision": event.date_precision, "place": event.place,
                "place_detail": event.place_detail, "location_precision": event.location_precision,
                "event_type": event.event_type, "sub_event_type": event.sub_event_type,
                "actors": list(event.actors), "actor_names": list(event.actor_names),
                "fatalities": event.fatalities, "summary": event.summary[lang],
                "summary_en": event.summary["en"], "summary_fr": event.summary["fr"],
                "notes": event.notes, "sources": _sources(event.sources)}}


def movement_feature(movement: Movement, lang: str = "en") -> dict:
    return {"type": "Feature", "id": movement.id, "geometry": mapping(movement.geometry),
            "properties": {
                "id": movement.id, "faction": movement.faction, "start": _iso(movement.start),
                "end": _iso(movement.end), "label": movement.label[lang],
                "precision": movement.precision, "approximate": True,
                "sources": _sources(movement.sources)}}


def collection(features: list[dict], **meta) -> dict:
    return {"type": "FeatureCollection", **meta, "features": features}
