"""Hand-built test data: tiny datasets with known answers, written to a folder."""
from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GEODATA = ROOT / "geodata"
ARTIFACTS = ROOT / "tests" / "artifacts"

SOURCE = {"publisher": "Test Wire", "url": "https://example.org/a", "date": "2016-01-01"}


def square(lon: float, lat: float, size: float = 0.1) -> dict:
    """A clockwise-agnostic square polygon (GeoJSON) with its south-west corner at lon, lat."""
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat],
                                                [lon + size, lat + size], [lon, lat + size],
                                                [lon, lat]]]}


def area(fid, faction, geometry, valid_from, valid_to=None, status="held", contested_with=(),
         assessment="reported"):
    return {"type": "Feature", "geometry": geometry, "properties": {
        "id": fid, "name": {"en": fid, "fr": fid}, "faction": faction, "status": status,
        "contested_with": list(contested_with), "valid_from": valid_from, "valid_to": valid_to,
        "precision": "test square", "assessment": assessment, "sources": [SOURCE]}}


def event(eid, day, actors, etype="Battles", subtype="Armed clash", lon=20.0, lat=30.0,
          fatalities=None, date_end=None):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "id": eid, "date": day, "date_end": date_end, "date_precision": "day",
                "place": "Testville", "place_detail": None, "location_precision": "town",
                "event_type": etype, "sub_event_type": subtype, "actors": list(actors),
                "actor_names": [], "fatalities": fatalities,
                "summary": {"en": "Something happened.", "fr": "Il s'est passé quelque chose."},
                "sources": [SOURCE], "notes": None}}


def movement(mid, faction, start, end, coords):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"id": mid, "faction": faction, "start": start, "end": end,
                           "label": {"en": "a move", "fr": "un mouvement"},
                           "precision": "test", "sources": [SOURCE]}}


def write_dataset(folder: Path, events=(), areas=(), movements=(), factions=None,
                  meta=None) -> Path:
    """A dataset folder with the bundled factions, places and dataset.json and the given
    features; `factions` (a factions.json object) and `meta` (keys to change in
    dataset.json) override the bundled ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("factions.json", "places.csv", "dataset.json"):
        shutil.copy(GEODATA / name, folder / name)
    if factions is not None:
        (folder / "factions.json").write_text(json.dumps(factions))
    if meta:
        bundled = json.loads((GEODATA / "dataset.json").read_text(encoding="utf-8"))
        (folder / "dataset.json").write_text(json.dumps({**bundled, **meta}))
    for name, features in (("events.geojson", events), ("control_areas.geojson", areas),
                           ("movements.geojson", movements)):
        (folder / name).write_text(json.dumps(
            {"type": "FeatureCollection", "features": [copy.deepcopy(f) for f in features]}))
    return folder




def geodesic_km2(geometry) -> float:
    """A polygon's area on the WGS84 ellipsoid (pyproj's geodesic), a reference that does
    not go through the app's projections."""
    from pyproj import Geod
    return abs(Geod(ellps="WGS84").geometry_area_perimeter(geometry)[0]) / 1e6
