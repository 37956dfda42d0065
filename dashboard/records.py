"""The domain (factions, events, movements, control areas) and the one door data comes in by.

Everything the dashboard shows is read here and checked here, so that a bad file is refused
with a message naming the file, the record and the field, before any query or figure sees it.
Loaded records are frozen: queries and callbacks can share them between users safely.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from dashboard.geometry import km2
from dashboard.taxonomy import EVENT_TYPES

LANGUAGES = ("en", "fr")
DATE_PRECISIONS = ("day", "week", "month")
LOCATION_PRECISIONS = ("exact", "town", "region")
STATUSES = ("held", "contested")
WORLD = (-180.0, -90.0, 180.0, 90.0)  # lon_min, lat_min, lon_max, lat_max
FACTION_ID = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Overlaps smaller than this (in square degrees, about 0.01 km²) are shared edges, not claims.
OVERLAP_TOLERANCE = 1e-6


class DataError(ValueError):
    """One or more problems in the data files, each naming file, record and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Source:
    publisher: str
    url: str
    date: dt.date
    title: str = ""

    def as_json(self) -> dict:
        return {"publisher": self.publisher, "url": self.url, "date": self.date.isoformat(),
                "title": self.title}


@dataclass(frozen=True)
class Faction:
    id: str
    name: Mapping[str, str]
    short: Mapping[str, str]
    aliases: tuple[str, ...]
    colour: str

    def as_json(self) -> dict:
        return {"id": self.id, "name": dict(self.name), "short": dict(self.short),
                "aliases": list(self.aliases), "colour": self.colour}


@dataclass(frozen=True)
class Event:
    id: str
    date: dt.date
    date_end: dt.date | None
    date_precision: str
    place: str
    place_detail: str | None
    lon: float
    lat: float
    location_precision: str
    event_type: str
    sub_event_type: str
    actors: tuple[str, ...]
    actor_names: tuple[str, ...]
    fatalities: int | None
    summary: Mapping[str, str]
    sources: tuple[Source, ...]
    notes: str | None

    @property
    def last_day(self) -> dt.date:
        return self.date_end or self.date


@dataclass(frozen=True)
class Movement:
    id: str
    faction: str
    start: dt.date
    end: dt.date
    label: Mapping[str, str]
    geometry: BaseGeometry
    sources: tuple[Source, ...]
    precision: str


@dataclass(frozen=True)
class ControlArea:
    id: str
    name: Mapping[str, str]
    faction: str
    status: str
    contested_with: tuple[str, ...]
    valid_from: dt.date
    valid_to: dt.date | None  # exclusive; None = open-ended
    geometry: BaseGeometry
    km2: float
    sources: tuple[Source, ...]
    precision: str

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Place:
    id: str
    name: Mapping[str, str]
    variants: tuple[str, ...]
    lon: float
    lat: float
    kind: str
    rank: int


@dataclass(frozen=True)
class Record:
    """One dataset, loaded and validated; never changed after loading."""

    factions: Mapping[str, Faction]
    events: tuple[Event, ...]
    movements: tuple[Movement, ...]
    areas: tuple[ControlArea, ...]
    places: tuple[Place, ...]
    first_day: dt.date
    last_day: dt.date
    extent: tuple[float, float, float, float] = WORLD  # the initial map view
    meta: Mapping[str, Any] = field(default_factory=dict)  # dataset.json: name, title, region


def parse_date(value: Any, where: str) -> dt.date:
    """Strict YYYY-MM-DD; the message says where the bad value was."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{where}: {value!r} is not a date in the form YYYY-MM-DD")



class _Checker:
    """Collects every problem of a file rather than stopping at the first."""

    def __init__(self, path: Path, region: tuple = WORLD):
        self.path = path
        self.region = region
        self.problems: list[str] = []

    def fail(self, record: str, fieldname: str, message: str) -> None:
        self.problems.append(f"{self.path.name}: {record}: field '{fieldname}': {message}")

    def get(self, obj: Mapping, record: str, key: str, kind: type | tuple, optional=False):
        value = obj.get(key)
        if value is None:
            if not optional:
                self.fail(record, key, "is missing")
            return None
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            self.fail(record, key, f"should be {_kind_name(kind)}, got {type(value).__name__}")
            return None
        return value

    def date(self, obj: Mapping, record: str, key: str, optional=False) -> dt.date | None:
        value = obj.get(key)
        if value is None:
            if not optional:
                self.fail(record, key, "is missing")
            return None
        try:
            return parse_date(value, key)
        except ValueError:
            self.fail(record, key, f"{value!r} is not a date in the form YYYY-MM-DD")
            return None

    def texts(self, obj: Mapping, record: str, key: str) -> dict[str, str]:
        value = self.get(obj, record, key, dict) or {}
        for lang in LANGUAGES:
            if not isinstance(value.get(lang), str) or not value.get(lang).strip():
                self.fail(record, f"{key}.{lang}", "needs a non-empty text")
        return {lang: str(value.get(lang, "")) for lang in LANGUAGES}

    def sources(self, obj: Mapping, record: str) -> tuple[Source, ...]:
        items = self.get(obj, record, "sources", list)
        if not items:
            if items is not None:
                self.fail(record, "sources", "needs at least one source")
            return ()
        out = []
        for i, src in enumerate(items):
            where = f"sources[{i}]"
            if not isinstance(src, dict):
                self.fail(record, where, "should be an object")
                continue
            publisher = self.get(src, record, "publisher", str)
            url = self.get(src, record, "url", str)
            if url is not None and not re.match(r"^https?://[^\s<>\"']+$", url):
                self.fail(record, f"{where}.url", f"{url!r} is not an http(s) address")
                url = None
            day = self.date(src, record, "date")
            if publisher and url and day:
                out.append(Source(publisher, url, day, str(src.get("title") or "")))
        return tuple(out)

    def factions(self, values: Iterable, record: str, key: str, known: Mapping) -> tuple[str, ...]:
        out = []
        for value in values:
            if value not in known:
                self.fail(record, key, f"unknown faction id {value!r} (known: {', '.join(known)})")
            else:
                out.append(value)
        return tuple(out)

    def geometry(self, obj: Mapping, record: str, kinds: tuple[str, ...]) -> BaseGeometry | None:
        raw = obj.get("geometry")
        if not isinstance(raw, dict) or raw.get("type") not in kinds:
            self.fail(record, "geometry", f"should be a GeoJSON {' or '.join(kinds)}")
            return None
        try:
            geom = shape(raw)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            self.fail(record, "geometry", f"cannot be read ({exc})")
            return None
        if geom.is_empty or not geom.is_valid:
            self.fail(record, "geometry", "is empty or invalid (self-intersecting or unclosed)")
            return None
        lon0, lat0, lon1, lat1 = geom.bounds
        region = self.region
        if lon0 < region[0] or lat0 < region[1] or lon1 > region[2] or lat1 > region[3]:
            self.fail(record, "geometry", f"lies outside the dataset's region {region}")
            return None
        return geom

    def done(self) -> None:
        if self.problems:
            raise DataError(self.problems)


def _kind_name(kind) -> str:
    names = {str: "text", int: "an integer", float: "a number", list: "a list", dict: "an object",
             bool: "true or false"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError([f"{path.name}: file is missing (looked in {path.parent})"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError([f"{path.name}: not valid JSON ({exc})"]) from None


def _features(path: Path) -> list[tuple[str, dict, dict]]:
    data = _read_json(path)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise DataError([f"{path.name}: should be a GeoJSON FeatureCollection"])
    out, seen, problems = [], set(), []
    for i, feat in enumerate(data["features"]):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if not isinstance(props, dict):
            problems.append(f"{path.name}: feature {i}: field 'properties': should be an object")
            continue
        rid = props.get("id")
        if not isinstance(rid, str) or not rid:
            problems.append(f"{path.name}: feature {i}: field 'id': is missing")
            continue
        if rid in seen:
            problems.append(f"{path.name}: {rid}: field 'id': is used twice")
        seen.add(rid)
        out.append((rid, props, feat))
    if problems:
        raise DataError(problems)
    return out


def load_factions(path: Path) -> dict[str, Faction]:
    data = _read_json(path)
    check = _Checker(path)
    items = data.get("factions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise DataError([f"{path.name}: should be an object with a 'factions' list"])
    factions: dict[str, Faction] = {}
    for i, item in enumerate(items):
        record = f"faction {i}"
        if not isinstance(item, dict):
            check.fail(record, "-", "should be an object")
            continue
        fid = check.get(item, record, "id", str)
        if fid is not None and not FACTION_ID.match(fid):
            check.fail(record, "id", f"{fid!r} should be lower-case letters, digits, - or _")
            fid = None
        if fid in factions:
            check.fail(record, "id", f"{fid!r} is used twice")
        colour = check.get(item, record, "colour", str)
        if colour is not None and not HEX_COLOUR.match(colour):
            check.fail(record, "colour", f"{colour!r} is not a colour like #1f77b4")
        name = check.texts(item, fid or record, "name")
        short = check.texts(item, fid or record, "short")
        aliases = check.get(item, record, "aliases", list, optional=True) or []
        if fid and colour:
            factions[fid] = Faction(fid, MappingProxyType(name), MappingProxyType(short),
                                    tuple(str(a) for a in aliases), colour)
    check.done()
    return factions


def load_events(path: Path, factions: Mapping[str, Faction],
                region: tuple = WORLD) -> tuple[Event, ...]:
    check = _Checker(path, region)
    events = []
    for rid, p, feat in _features(path):
        geom = check.geometry(feat, rid, ("Point",))
        day = check.date(p, rid, "date")
        end = check.date(p, rid, "date_end", optional=True)
        if day and end and end < day:
            check.fail(rid, "date_end", f"{end} is before the start date {day}")
        precision = p.get("date_precision")
        if precision not in DATE_PRECISIONS:
            check.fail(rid, "date_precision", f"{precision!r} is not one of {DATE_PRECISIONS}")
        loc_precision = p.get("location_precision")
        if loc_precision not in LOCATION_PRECISIONS:
            check.fail(rid, "location_precision",
                       f"{loc_precision!r} is not one of {LOCATION_PRECISIONS}")
        etype, subtype = p.get("event_type"), p.get("sub_event_type")
        if etype not in EVENT_TYPES:
            check.fail(rid, "event_type", f"{etype!r} is not an ACLED event type")
        elif subtype not in EVENT_TYPES[etype].subtypes:
            check.fail(rid, "sub_event_type", f"{subtype!r} is not a sub-type of {etype!r}")
        actors = check.get(p, rid, "actors", list) or []
        if not actors:
            check.fail(rid, "actors", "needs at least one faction id")
        actors = check.factions(actors, rid, "actors", factions)
        names = check.get(p, rid, "actor_names", list) or []
        fatalities = p.get("fatalities")
        if fatalities is not None and (not isinstance(fatalities, int) or isinstance(fatalities, bool)
                                       or fatalities < 0):
            check.fail(rid, "fatalities", f"{fatalities!r} should be a whole number ≥ 0 or null")
        place = check.get(p, rid, "place", str)
        summary = check.texts(p, rid, "summary")
        sources = check.sources(p, rid)
        if geom is not None and day and place and sources and precision in DATE_PRECISIONS:
            events.append(Event(
                rid, day, end, precision, place, p.get("place_detail"), round(geom.x, 5),
                round(geom.y, 5), loc_precision, etype, subtype, actors,
                tuple(str(n) for n in names), fatalities, MappingProxyType(summary), sources,
                p.get("notes")))
    check.done()
    return tuple(sorted(events, key=lambda e: (e.date, e.id)))


def load_movements(path: Path, factions: Mapping[str, Faction],
                   region: tuple = WORLD) -> tuple[Movement, ...]:
    check = _Checker(path, region)
    out = []
    for rid, p, feat in _features(path):
        geom = check.geometry(feat, rid, ("LineString", "MultiLineString"))
        start, end = check.date(p, rid, "start"), check.date(p, rid, "end")
        if start and end and end < start:
            check.fail(rid, "end", f"{end} is before the start {start}")
        faction = check.factions([p.get("faction")], rid, "faction", factions)
        label = check.texts(p, rid, "label")
        precision = check.get(p, rid, "precision", str)
        sources = check.sources(p, rid)
        if geom is not None and start and end and faction and sources and precision:
            out.append(Movement(rid, faction[0], start, end, MappingProxyType(label), geom,
                                sources, precision))
    check.done()
    return tuple(sorted(out, key=lambda m: (m.start, m.id)))


def load_areas(path: Path, factions: Mapping[str, Faction],
               region: tuple = WORLD) -> tuple[ControlArea, ...]:
    check = _Checker(path, region)
    out = []
    for rid, p, feat in _features(path):
        geom = check.geometry(feat, rid, ("Polygon", "MultiPolygon"))
        start = check.date(p, rid, "valid_from")
        end = check.date(p, rid, "valid_to", optional=True)
        if start and end and end <= start:
            check.fail(rid, "valid_to",
                       f"{end} is not after valid_from {start} (valid_to is exclusive)")
        faction = check.factions([p.get("faction")], rid, "faction", factions)
        status = p.get("status")
        contested = tuple(p.get("contested_with") or ())
        if status not in STATUSES:
            check.fail(rid, "status", f"{status!r} is not one of {STATUSES}")
        elif status == "contested" and not contested:
            check.fail(rid, "contested_with", "a contested area must name the other factions")
        elif status == "held" and contested:
            check.fail(rid, "contested_with", "a held area cannot be contested with anyone")
        contested = check.factions(contested, rid, "contested_with", factions)
        name = check.texts(p, rid, "name")
        precision = check.get(p, rid, "precision", str)
        sources = check.sources(p, rid)
        if geom is not None and start and faction and status in STATUSES and sources \
                and precision:
            out.append(ControlArea(rid, MappingProxyType(name), faction[0], status, contested, start, end, geom,
                                   round(km2(geom), 1), sources, precision))
    for problem in overlapping_held(out):
        check.problems.append(f"{path.name}: {problem}")
    check.done()
    return tuple(sorted(out, key=lambda a: (a.valid_from, a.id)))


def overlapping_held(areas: Iterable[ControlArea]) -> list[str]:
    """Two factions cannot both hold the same ground on the same day."""
    held = [a for a in areas if a.status == "held"]
    problems = []
    for i, a in enumerate(held):
        for b in held[i + 1:]:
            if a.faction == b.faction:
                continue
            start = max(a.valid_from, b.valid_from)
            ends = [d for d in (a.valid_to, b.valid_to) if d is not None]
            if ends and min(ends) <= start:
                continue
            if a.geometry.intersection(b.geometry).area > OVERLAP_TOLERANCE:
                problems.append(f"{a.id} and {b.id}: field 'geometry': held areas of {a.faction} "
                                f"and {b.faction} overlap from {start}")
    return problems


def load_places(path: Path) -> tuple[Place, ...]:
    check = _Checker(path)
    out = []
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise DataError([f"{path.name}: file is missing (looked in {path.parent})"]) from None
    for line, row in enumerate(rows, start=2):
        record = f"line {line}"
        try:
            lon, lat, rank = float(row["lon"]), float(row["lat"]), int(row["rank"])
        except (KeyError, TypeError, ValueError):
            check.fail(record, "lon/lat/rank", "should be numbers")
            continue
        out.append(Place(row["id"], MappingProxyType({"en": row["name_en"], "fr": row["name_fr"]}),
                         tuple(v for v in row["variants"].split("|") if v), lon, lat, row["kind"],
                         rank))
    check.done()
    return tuple(out)


def load_record(folder: Path) -> Record:
    """Load and validate a whole dataset folder; raise DataError listing every problem."""
    folder = Path(folder)
    meta = load_meta(folder / "dataset.json")
    region = tuple(meta["region"])
    factions = load_factions(folder / "factions.json")
    problems: list[str] = []
    parts: dict[str, Any] = {}
    for key, loader, filename in (("events", load_events, "events.geojson"),
                                  ("movements", load_movements, "movements.geojson"),
                                  ("areas", load_areas, "control_areas.geojson")):
        try:
            parts[key] = loader(folder / filename, factions, region)
        except DataError as exc:
            problems.extend(exc.problems)
    try:
        parts["places"] = load_places(folder / "places.csv")
    except DataError as exc:
        problems.extend(exc.problems)
    if problems:
        raise DataError(problems)
    days = [e.date for e in parts["events"]] + [a.valid_from for a in parts["areas"]] \
        + [m.start for m in parts["movements"]]
    ends = [e.last_day for e in parts["events"]] + [m.end for m in parts["movements"]] \
        + [a.valid_to for a in parts["areas"] if a.valid_to]
    if not days:
        raise DataError([f"{folder.name}: the dataset holds no events, movements or areas"])
    return Record(MappingProxyType(factions), parts["events"], parts["movements"], parts["areas"],
                  parts["places"], min(days), max(ends, default=max(days)),
                  view_extent(parts["areas"], parts["movements"], parts["events"]),
                  MappingProxyType(meta))


def load_meta(path: Path) -> dict:
    """dataset.json (optional): {"name", "title": {"en", "fr"}, "region": [lon0, lat0, lon1,
    lat1]}; geometries outside the region are refused. Defaults: the whole world."""
    meta = {"name": path.parent.name, "title": {"en": path.parent.name, "fr": path.parent.name},
            "region": list(WORLD)}
    if not path.exists():
        return meta
    data = _read_json(path)
    region = data.get("region", meta["region"]) if isinstance(data, dict) else None
    if not (isinstance(region, list) and len(region) == 4
            and all(isinstance(v, (int, float)) for v in region)
            and region[0] < region[2] and region[1] < region[3]):
        raise DataError([f"{path.name}: field 'region': should be [lon_min, lat_min, lon_max, "
                         "lat_max]"])
    title = data.get("title", meta["title"])
    if not (isinstance(title, dict) and all(isinstance(title.get(k), str) for k in LANGUAGES)):
        raise DataError([f"{path.name}: field 'title': should be {{\"en\": …, \"fr\": …}}"])
    _check_focus(path, data.get("focus", []))
    return {**meta, **data, "region": region, "title": title}


def _check_focus(path: Path, focus) -> None:
    """dataset.json "focus": the one-click views, [{"id", "name": {"en", "fr"}, "map":
    "ZOOM/LAT/LON"}] (the OpenStreetMap form)."""
    view = re.compile(r"\d{1,2}(\.\d+)?/-?\d{1,2}(\.\d+)?/-?\d{1,3}(\.\d+)?")
    problems = []
    for i, item in enumerate(focus if isinstance(focus, list) else [None]):
        ok = isinstance(item, dict) and isinstance(item.get("id"), str) \
            and isinstance(item.get("name"), dict) \
            and all(isinstance(item["name"].get(k), str) for k in LANGUAGES) \
            and isinstance(item.get("map"), str) and view.fullmatch(item["map"])
        if not ok:
            problems.append(f"{path.name}: focus[{i}]: field 'focus': should be {{\"id\", "
                            "\"name\": {\"en\", \"fr\"}, \"map\": \"ZOOM/LAT/LON\"}")
    if problems:
        raise DataError(problems)


def view_extent(areas, movements, events, margin: float = 0.4) -> tuple:
    """What the map first shows: the drawn areas and movements (where control shifted) or,
    without any, the events; with a margin, and never narrower than about 4° × 3°, so that
    a town's events come with their country around them."""
    shapes = [a.geometry for a in areas] + [m.geometry for m in movements]
    bounds = [g.bounds for g in shapes] or [(e.lon, e.lat, e.lon, e.lat) for e in events]
    lon0, lat0 = min(b[0] for b in bounds) - margin, min(b[1] for b in bounds) - margin
    lon1, lat1 = max(b[2] for b in bounds) + margin, max(b[3] for b in bounds) + margin
    grow_lon, grow_lat = max(0.0, 4.0 - (lon1 - lon0)) / 2, max(0.0, 3.0 - (lat1 - lat0)) / 2
    return (round(max(lon0 - grow_lon, -180), 3), round(max(lat0 - grow_lat, -85), 3),
            round(min(lon1 + grow_lon, 180), 3), round(min(lat1 + grow_lat, 85), 3))
