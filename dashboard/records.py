"""The domain (factions, events, movements, control areas) and the one door data comes in by.

A record's events are an `eventtable.EventTable` (columns), whichever file they came from.

Everything the dashboard shows is read here and checked here, so that a bad file is refused
with a message naming the file, the record and the field, before any query or figure sees it.
Reading a JSON file checks what its format alone decides (types, YYYY-MM-DD dates, GeoJSON
geometry types); the rules of an event, an area or a movement are `dashboard.rows`', shared
with the importer and the check of an imported events.parquet.
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
from typing import Any
from collections.abc import Iterable, Mapping

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from dashboard import rows
from dashboard.geometry import EqualArea
from dashboard.rows import MAX_COUNT, WORLD

LANGUAGES = ("en", "fr")
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
class DatedName:
    """What a faction was called from `start` (inclusive, None = always before) to `end`
    (exclusive, None = still so), so that no group is named before it existed."""
    start: dt.date | None
    end: dt.date | None
    name: Mapping[str, str]
    short: Mapping[str, str]

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)

    def as_json(self) -> dict:
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None,
                "name": dict(self.name), "short": dict(self.short)}


@dataclass(frozen=True)
class Faction:
    id: str
    name: Mapping[str, str]  # the default: used outside every dated name, and with no day
    short: Mapping[str, str]
    aliases: tuple[str, ...]
    colour: str
    names: tuple[DatedName, ...] = ()  # in date order, contiguous (checked at load)

    def _dated(self, day: dt.date | None) -> DatedName | None:
        if day is None:
            return None
        return next((n for n in self.names if n.covers(day)), None)

    def name_on(self, day: dt.date | None, lang: str = "en") -> str:
        """The faction's full name as it was on `day` (the default name when day is None)."""
        dated = self._dated(day)
        return (dated.name if dated else self.name)[lang]

    def short_on(self, day: dt.date | None, lang: str = "en") -> str:
        """The faction's short name (legend, labels) as it was on `day`."""
        dated = self._dated(day)
        return (dated.short if dated else self.short)[lang]

    def as_json(self, day: dt.date | None = None) -> dict:
        """`name`/`short` are those valid on `day` (the defaults without a day); `names`
        always lists every dated name."""
        return {"id": self.id,
                "name": {lang: self.name_on(day, lang) for lang in LANGUAGES},
                "short": {lang: self.short_on(day, lang) for lang in LANGUAGES},
                "aliases": list(self.aliases), "colour": self.colour,
                "names": [n.as_json() for n in self.names]}


@dataclass(frozen=True)
class FatalityClaim:
    """One party's toll for an event: `low`..`high` killed (high None = "at least low"),
    `killed` says who (e.g. "civilians, 3 of them children"), `source` is an index into the
    event's sources."""
    claimant: str
    low: int
    high: int | None
    killed: str
    source: int

    def as_json(self) -> dict:
        return {"claimant": self.claimant, "low": self.low, "high": self.high,
                "killed": self.killed, "source": self.source}


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
    notes: str | None  # shown to users: conflicting claims and weak sourcing
    # Where sources disagree on the toll (UCDP's low/best/high): `fatalities` is the best
    # estimate, these the range, and `fatality_claims` who claimed what.
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    fatality_claims: tuple[FatalityClaim, ...] = ()
    provenance: str | None = None  # for maintainers only: how the record was compiled; never shown

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
    # reported | claimed | assumed (ASSESSMENTS); None only in datasets that do not assess
    # their areas (imports). The note says who claims it, or why an assumed area is drawn.
    assessment: str | None = None
    assessment_note: str | None = None
    provenance: str | None = None  # for maintainers only; never shown

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
    events: Any  # an eventtable.EventTable: columns, queried with numpy (one query path)
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



class _Reader:
    """Reads one JSON file's records, collecting every problem rather than stopping at the
    first: its own (a value of the wrong type, a date not written YYYY-MM-DD, a geometry of
    the wrong kind) and those of the shape's rules (`judge`)."""

    def __init__(self, path: Path):
        self.path = path
        self.found: dict[str, list[tuple[str, str]]] = {}  # record → [(field, reason)]

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.found.values())

    def fail(self, record: str, fieldname: str, message: str) -> None:
        self.found.setdefault(record, []).append((fieldname, message))

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

    def date(self, obj: Mapping, record: str, key: str, label: str | None = None,
             optional=False) -> dt.date | None:
        value = obj.get(key)
        if value is None:
            if not optional:
                self.fail(record, label or key, "is missing")
            return None
        try:
            return parse_date(value, key)
        except ValueError:
            self.fail(record, label or key, f"{value!r} is not a date in the form YYYY-MM-DD")
            return None

    def ids(self, obj: Mapping, record: str, key: str, optional=False) -> list[str] | None:
        """A list of faction ids (whether each is known is a rule of the shape)."""
        value = self.get(obj, record, key, list, optional)
        if value is not None and not all(isinstance(v, str) for v in value):
            self.fail(record, key, "should be a list of faction ids (text)")
            return None
        return value

    def count_of(self, obj: Mapping, record: str, key: str) -> int | None:
        """A toll: a whole number or null (whether it is ≥ 0 is a rule of the shape)."""
        value = obj.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            self.fail(record, key, f"{value!r} is not a whole number (give a number ≥ 0, or "
                                   "null)")
            return None
        if value is not None and abs(value) > MAX_COUNT:
            self.fail(record, key, f"{value} is too large a number (at most {MAX_COUNT})")
            return None
        return value

    def texts(self, obj: Mapping, record: str, key: str, label: str | None = None) -> dict[str, str]:
        """{"en", "fr"} under `key`; `label` is the field's name in messages (default: key)."""
        label = label or key
        value = obj.get(key)
        if not isinstance(value, dict):
            self.fail(record, label, "is missing" if value is None else "should be an object")
            value = {}
        for lang in LANGUAGES:
            if not isinstance(value.get(lang), str) or not value.get(lang).strip():
                self.fail(record, f"{label}.{lang}", "needs a non-empty text")
        return {lang: str(value.get(lang, "")) for lang in LANGUAGES}

    def sources(self, obj: Mapping, record: str) -> dict[str, list]:
        """`sources` as the shape's columns (publishers, source_urls, source_dates)."""
        items = self.get(obj, record, "sources", list) or []
        out: dict[str, list] = {"publishers": [], "source_urls": [], "source_dates": []}
        for i, src in enumerate(items):
            where = f"sources[{i}]"
            if not isinstance(src, dict):
                self.fail(record, where, "should be an object")
                src = {}
            publisher, url = src.get("publisher"), src.get("url")
            for key, value in (("publisher", publisher), ("url", url)):
                if value is not None and not isinstance(value, str):
                    self.fail(record, f"{where}.{key}", f"should be text, got "
                                                        f"{type(value).__name__}")
            out["publishers"].append(publisher if isinstance(publisher, str) else None)
            out["source_urls"].append(url if isinstance(url, str) else None)
            out["source_dates"].append(self.date(src, record, "date", f"{where}.date",
                                                 optional=True))
        return out

    def geometry(self, obj: Mapping, record: str, kinds: tuple[str, ...]) -> BaseGeometry | None:
        raw = obj.get("geometry")
        if not isinstance(raw, dict) or raw.get("type") not in kinds:
            self.fail(record, "geometry", f"should be a GeoJSON {' or '.join(kinds)}")
            return None
        try:
            return shape(raw)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            self.fail(record, "geometry", f"cannot be read ({exc})")
            return None

    def judge(self, shape_: rows.Shape, values: list[dict], ctx: rows.Context,
              names: Mapping[str, str] | None = None) -> None:
        """Apply the shape's rules to the parsed records (`values`: the shape's fields of
        each, "id" their label), naming fields as this file does (`names`)."""
        names = names or {}
        labels = [v["id"] for v in values]
        parsed = {record: {f for f, _ in items} for record, items in self.found.items()}
        data = {f: [v.get(f) for v in values] for f in {f for v in values for f in v}}
        findings = rows.check(shape_, rows.columns(shape_, data or {"id": []}), ctx)
        for r, fieldname, reason in rows.merge(findings, lambda r: parsed.get(labels[r], ()),
                                               lambda r, f: names.get(f, f)):
            self.fail(labels[r], fieldname, reason)

    def messages(self) -> list[str]:
        return [f"{self.path.name}: {record}: field '{fieldname}': {message}"
                for record, items in self.found.items() for fieldname, message in items]

    def done(self, more: Iterable[str] = ()) -> None:
        problems = self.messages() + list(more)
        if problems:
            raise DataError(problems)


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
    out, problems = [], []
    for i, feat in enumerate(data["features"]):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if not isinstance(props, dict):
            problems.append(f"{path.name}: feature {i}: field 'properties': should be an object")
            continue
        rid = props.get("id")
        if not isinstance(rid, str) or not rid:
            problems.append(f"{path.name}: feature {i}: field 'id': is missing")
            continue
        out.append((rid, props, feat))
    if problems:
        raise DataError(problems)
    return out


def load_factions(path: Path) -> dict[str, Faction]:
    data = _read_json(path)
    check = _Reader(path)
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
        names = _dated_names(check, item, fid or record)
        if fid and colour:
            factions[fid] = Faction(fid, MappingProxyType(name), MappingProxyType(short),
                                    tuple(str(a) for a in aliases), colour, names)
    check.done()
    return factions


def _dated_names(check: _Reader, item: Mapping, record: str) -> tuple[DatedName, ...]:
    """`names`: [{"from", "to", "name", "short"}, ...] in date order, each starting the day
    the previous one ends (no gap, no overlap); only the first may have no start and only the
    last no end. Outside them the faction's default name applies. Any problem drops them all,
    so that a faction is never shown under a half-checked name."""
    items = check.get(item, record, "names", list, optional=True) or []
    before = check.count
    out: list[DatedName] = []
    for i, entry in enumerate(items):
        where = f"names[{i}]"
        if not isinstance(entry, dict):
            check.fail(record, where, "should be an object")
            continue
        start, end = (_optional_day(check, record, entry, key, f"{where}.{key}")
                      for key in ("from", "to"))
        if entry.get("from") is None and i > 0:
            check.fail(record, f"{where}.from", "only the first name may have no start")
        if entry.get("to") is None and i < len(items) - 1:
            check.fail(record, f"{where}.to", "only the last name may have no end")
        if start and end and end <= start:
            check.fail(record, f"{where}.to", f"{end} is not after from {start} (to is exclusive)")
        if out and start and out[-1].end and start != out[-1].end:
            kind = "overlaps" if start < out[-1].end else "leaves a gap after"
            check.fail(record, f"{where}.from", f"{start} {kind} the previous name, which ends "
                                                f"{out[-1].end} (each name starts the day the "
                                                "previous one ends)")
        if "name" not in entry or "short" not in entry:
            check.fail(record, where, "needs both 'name' and 'short' ({\"en\", \"fr\"})")
            continue
        name = check.texts(entry, record, "name", f"{where}.name")
        short = check.texts(entry, record, "short", f"{where}.short")
        out.append(DatedName(start, end, MappingProxyType(name), MappingProxyType(short)))
    return tuple(out) if check.count == before else ()


def _optional_day(check: _Reader, record: str, obj: Mapping, key: str,
                  label: str) -> dt.date | None:
    value = obj.get(key)
    if value is None:
        return None
    try:
        return parse_date(value, label)
    except ValueError:
        check.fail(record, label, f"{value!r} is not a date in the form YYYY-MM-DD")
        return None


_EVENT_NAMES = {"lon": "geometry", "lat": "geometry"}  # the shape's fields in GeoJSON's terms


def load_events(path: Path, factions: Mapping[str, Faction],
                region: tuple = WORLD) -> tuple[Event, ...]:
    check = _Reader(path)
    values, extras = [], []
    for rid, p, feat in _features(path):
        geom = check.geometry(feat, rid, ("Point",))
        point = (round(geom.x, 5), round(geom.y, 5)) if geom is not None and not geom.is_empty \
            else (None, None)
        sources = check.sources(p, rid)
        counts = {key: check.count_of(p, rid, key)
                  for key in ("fatalities", "fatalities_low", "fatalities_high")}
        values.append({
            "id": rid, "date": check.date(p, rid, "date"),
            "date_end": check.date(p, rid, "date_end", optional=True),
            "date_precision": check.get(p, rid, "date_precision", str),
            "place": check.get(p, rid, "place", str), "lon": point[0], "lat": point[1],
            "location_precision": check.get(p, rid, "location_precision", str),
            "event_type": check.get(p, rid, "event_type", str),
            "sub_event_type": check.get(p, rid, "sub_event_type", str),
            "actors": check.ids(p, rid, "actors"), **counts, **sources})
        extras.append((check.get(p, rid, "actor_names", list), check.texts(p, rid, "summary"),
                       _fatality_claims(check, rid, p, len(sources["publishers"])), p))
    check.judge(rows.EVENT, values, rows.Context(factions, region), _EVENT_NAMES)
    check.done()
    events = []
    for v, (names, summary, claims, p) in zip(values, extras):
        events.append(Event(
            v["id"], v["date"], v["date_end"], v["date_precision"], v["place"],
            p.get("place_detail"), v["lon"], v["lat"], v["location_precision"], v["event_type"],
            v["sub_event_type"], tuple(v["actors"]), tuple(str(n) for n in names),
            v["fatalities"], MappingProxyType(summary), _sources(p), p.get("notes"),
            v["fatalities_low"], v["fatalities_high"], claims, p.get("provenance")))
    return tuple(sorted(events, key=lambda e: (e.date, e.id)))


def _sources(props: Mapping) -> tuple[Source, ...]:
    """A checked record's sources."""
    return tuple(Source(s["publisher"], s["url"], dt.date.fromisoformat(s["date"]),
                        str(s.get("title") or "")) for s in props["sources"])


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _fatality_claims(check: _Reader, rid: str, p: Mapping,
                     n_sources: int) -> tuple[FatalityClaim, ...]:
    """`fatality_claims`: [{"claimant", "low", "high" (null = at least), "killed", "source"}]
    (the bundled record's own field: no other format has it)."""
    items = check.get(p, rid, "fatality_claims", list, optional=True) or []
    out = []
    for i, claim in enumerate(items):
        where = f"fatality_claims[{i}]"
        if not isinstance(claim, dict):
            check.fail(rid, where, "should be an object")
            continue
        claimant, killed = claim.get("claimant"), claim.get("killed", "")
        low, high, source = claim.get("low"), claim.get("high"), claim.get("source")
        ok = True
        if not isinstance(claimant, str) or not claimant.strip():
            check.fail(rid, f"{where}.claimant", "needs a non-empty text (who claims the toll)")
            ok = False
        if not isinstance(killed, str):
            check.fail(rid, f"{where}.killed", "should be text (who was killed)")
            ok = False
        if not _count(low):
            check.fail(rid, f"{where}.low", f"{low!r} should be a whole number ≥ 0")
            ok = False
        if high is not None and (not _count(high) or _count(low) and high < low):
            check.fail(rid, f"{where}.high", f"{high!r} should be a whole number ≥ low, or null "
                                             "for 'at least low'")
            ok = False
        if not (_count(source) and source < n_sources):
            check.fail(rid, f"{where}.source", f"{source!r} is not the index of one of the "
                                               f"event's {n_sources} sources")
            ok = False
        if ok:
            out.append(FatalityClaim(claimant, low, high, killed, source))
    return tuple(out)


def load_movements(path: Path, factions: Mapping[str, Faction],
                   region: tuple = WORLD) -> tuple[Movement, ...]:
    check = _Reader(path)
    values, labels = [], []
    for rid, p, feat in _features(path):
        values.append({
            "id": rid, "geometry": check.geometry(feat, rid, ("LineString", "MultiLineString")),
            "start": check.date(p, rid, "start"), "end": check.date(p, rid, "end"),
            "faction": check.get(p, rid, "faction", str),
            "precision": check.get(p, rid, "precision", str), **check.sources(p, rid)})
        labels.append((check.texts(p, rid, "label"), p))
    check.judge(rows.MOVEMENT, values, rows.Context(factions, region))
    check.done()
    out = [Movement(v["id"], v["faction"], v["start"], v["end"], MappingProxyType(label),
                    v["geometry"], _sources(p), v["precision"])
           for v, (label, p) in zip(values, labels)]
    return tuple(sorted(out, key=lambda m: (m.start, m.id)))


def load_areas(path: Path, factions: Mapping[str, Faction], region: tuple = WORLD,
               assessed: bool = False) -> tuple[ControlArea, ...]:
    """Control periods; with `assessed` (dataset.json "assessed": true, as in the bundled
    record) every period must say how far it is evidenced."""
    check = _Reader(path)
    values, extras = [], []
    for rid, p, feat in _features(path):
        values.append({
            "id": rid, "geometry": check.geometry(feat, rid, ("Polygon", "MultiPolygon")),
            "valid_from": check.date(p, rid, "valid_from"),
            "valid_to": check.date(p, rid, "valid_to", optional=True),
            "faction": check.get(p, rid, "faction", str),
            "status": check.get(p, rid, "status", str),
            "contested_with": check.ids(p, rid, "contested_with", optional=True) or [],
            "precision": check.get(p, rid, "precision", str),
            "assessment": check.get(p, rid, "assessment", str, optional=True),
            "assessment_note": check.get(p, rid, "assessment_note", str, optional=True),
            **check.sources(p, rid)})
        extras.append((check.texts(p, rid, "name"), p))
    check.judge(rows.AREA, values, rows.Context(factions, region, assessed))
    check.done()
    found = [(v["id"], MappingProxyType(name), v["faction"], v["status"],
              tuple(v["contested_with"]), v["valid_from"], v["valid_to"], v["geometry"],
              _sources(p), v["precision"], v["assessment"], v["assessment_note"],
              p.get("provenance")) for v, (name, p) in zip(values, extras)]
    # km² in an equal-area projection centred on the areas (any centre gives the same area;
    # a near one keeps the arithmetic exact)
    if found:
        bounds = [f[7].bounds for f in found]
        equal_area = EqualArea.centred_on((min(b[0] for b in bounds), min(b[1] for b in bounds),
                                           max(b[2] for b in bounds), max(b[3] for b in bounds)))
    out = [ControlArea(*f[:8], round(equal_area.km2(f[7]), 1), *f[8:]) for f in found]
    check.done(f"{path.name}: {problem}" for problem in overlapping_held(out))
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
    check = _Reader(path)
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
    assessed = meta.get("assessed") is True
    try:
        parts["events"] = load_event_table(folder, factions, region)
    except DataError as exc:
        problems.extend(exc.problems)
    for key, loader, filename in (("movements", load_movements, "movements.geojson"),
                                  ("areas", load_areas, "control_areas.geojson")):
        try:
            extra = {"assessed": assessed} if key == "areas" else {}
            parts[key] = loader(folder / filename, factions, region, **extra)
        except DataError as exc:
            problems.extend(exc.problems)
    try:
        parts["places"] = load_places(folder / "places.csv")
    except DataError as exc:
        problems.extend(exc.problems)
    if problems:
        raise DataError(problems)
    events = parts["events"]
    days = [d for d in (events.first_day(),) if d] + [a.valid_from for a in parts["areas"]] \
        + [m.start for m in parts["movements"]]
    ends = [d for d in (events.last_day(),) if d] + [m.end for m in parts["movements"]] \
        + [a.valid_to for a in parts["areas"] if a.valid_to]
    if not days:
        raise DataError([f"{folder.name}: the dataset holds no events, movements or areas"])
    return Record(MappingProxyType(factions), events, parts["movements"], parts["areas"],
                  parts["places"], min(days), max(ends, default=max(days)),
                  view_extent(parts["areas"], parts["movements"], events),
                  MappingProxyType(meta))


EVENTS_PARQUET = "events.parquet"  # an import's events (GeoParquet, dashboard.eventtable)
EVENTS_GEOJSON = "events.geojson"  # the bundled record's hand-edited events


def load_event_table(folder: Path, factions: Mapping[str, Faction], region: tuple):
    """The folder's events as one EventTable: events.parquet when the folder has one (an
    import), else events.geojson, checked event by event (small, edited by hand)."""
    from dashboard import eventtable  # it builds on this module's Event

    if (folder / EVENTS_PARQUET).exists():
        return eventtable.read_parquet(folder / EVENTS_PARQUET, factions, region)
    return eventtable.EventTable.from_events(
        load_events(folder / EVENTS_GEOJSON, factions, region), tuple(factions))


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
    bounds = [g.bounds for g in shapes] or [
        (float(events.lon.min()), float(events.lat.min()),
         float(events.lon.max()), float(events.lat.max()))]
    lon0, lat0 = min(b[0] for b in bounds) - margin, min(b[1] for b in bounds) - margin
    lon1, lat1 = max(b[2] for b in bounds) + margin, max(b[3] for b in bounds) + margin
    grow_lon, grow_lat = max(0.0, 4.0 - (lon1 - lon0)) / 2, max(0.0, 3.0 - (lat1 - lat0)) / 2
    return (round(max(lon0 - grow_lon, -180), 3), round(max(lat0 - grow_lat, -85), 3),
            round(min(lon1 + grow_lon, 180), 3), round(min(lat1 + grow_lat, 85), 3))
