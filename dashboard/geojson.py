"""GeoJSON for the API and exports: the record's objects as features, with their sources.

Given the record's factions, features also carry the factions' names as they were on the
day in question (`Faction.name_on`), so that no group is named before it existed. Maintainers'
`provenance` is never included.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from shapely.geometry import mapping

from dashboard.records import ControlArea, Event, Faction, Movement, Source


def _sources(sources: Iterable[Source]) -> list[dict]:
    return [s.as_json() for s in sources]


def _iso(day):
    return day.isoformat() if day else None


def _named(ids: Iterable[str], factions: Mapping[str, Faction] | None, day: dt.date,
           lang: str) -> list[str] | None:
    if factions is None:
        return None
    return [factions[f].name_on(day, lang) if f in factions else f for f in ids]


def area_feature(area: ControlArea, lang: str = "en",
                 factions: Mapping[str, Faction] | None = None,
                 day: dt.date | None = None) -> dict:
    """`day` picks the factions' names (default: the area's first day)."""
    props = {
        "id": area.id, "name": area.name[lang], "name_en": area.name["en"],
        "name_fr": area.name["fr"], "faction": area.faction, "status": area.status,
        "contested_with": list(area.contested_with), "valid_from": _iso(area.valid_from),
        "valid_to": _iso(area.valid_to), "km2": area.km2, "precision": area.precision,
        "assessment": area.assessment, "assessment_note": area.assessment_note,
        "approximate": True, "sources": _sources(area.sources)}
    names = _named((area.faction,) + area.contested_with, factions, day or area.valid_from, lang)
    if names is not None:
        props["faction_name"], props["contested_with_names"] = names[0], names[1:]
    return {"type": "Feature", "id": area.id, "geometry": mapping(area.geometry),
            "properties": props}


def event_feature(event: Event, lang: str = "en",
                  factions: Mapping[str, Faction] | None = None) -> dict:
    """With `factions`, `faction_names` gives each actor's name on the event's day."""
    feature = _event_feature(event, lang)
    names = _named(event.actors, factions, event.date, lang)
    if names is not None:
        feature["properties"]["faction_names"] = names
    return feature


def _event_feature(event: Event, lang: str) -> dict:
    return {"type": "Feature", "id": event.id,
            "geometry": {"type": "Point", "coordinates": [event.lon, event.lat]},
            "properties": {
                "id": event.id, "date": _iso(event.date), "date_end": _iso(event.date_end),
                "date_precision": event.date_precision, "place": event.place,
                "place_detail": event.place_detail, "location_precision": event.location_precision,
                "event_type": event.event_type, "sub_event_type": event.sub_event_type,
                "actors": list(event.actors), "actor_names": list(event.actor_names),
                "fatalities": event.fatalities, "fatalities_low": event.fatalities_low,
                "fatalities_high": event.fatalities_high,
                "fatality_claims": [c.as_json() for c in event.fatality_claims],
                "summary": event.summary[lang],
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
