"""The layouts an import understands (ACLED, UCDP GED, a generic event table, control-area
polygons) and the one way a row of any of them becomes a common event or area.

A layout only declares which column holds which field, what its precision codes mean, how
its sources are linked and what its provenance note says; reading and building the common
record are shared, so the formats cannot drift apart, and the rows read are checked by the
rules of their shape (`dashboard.rows`), as the bundled record's are.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from operator import itemgetter
from types import MappingProxyType
from collections.abc import Callable, Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

import pyarrow as pa

from dashboard.importers.cells import Cells
from dashboard.rows import one_each

ACLED_URL = "https://acleddata.com/"
UCDP_URL = "https://ucdp.uu.se/"
UNTRANSLATED = "[non traduit] "

# Codes → values; the '' entry is the value of an empty cell (absent: the cell is required).
_DAY_WEEK_MONTH = MappingProxyType({"": "day", "day": "day", "week": "week", "month": "month",
                                    "1": "day", "2": "week", "3": "month"})
_EXACT_TOWN_REGION = MappingProxyType({"": "town", "exact": "exact", "town": "town",
                                       "region": "region", "1": "exact", "2": "town",
                                       "3": "region"})
_STATUSES = {"": "held", "held": "held", "contested": "contested"}


class EventRow(NamedTuple):
    """An event as every format maps it, before actors become faction ids; a value that
    could not be read is None (the row is then rejected)."""

    id: str
    date: dt.date
    date_end: dt.date | None
    date_precision: str
    lon: float
    lat: float
    location_precision: str
    place: str
    place_key: tuple[str, ...]  # the place and its admin areas: one gazetteer row each
    event_type: str
    sub_event_type: str
    actor_names: tuple[str, ...]  # initiator first
    fatalities: int | None
    summary: dict[str, str]
    notes: str | None
    source: dict

    @staticmethod
    def columns(items: list[tuple], ids: list[str]) -> dict:
        """Rows (EventRows, or plain tuples of their values) as the event shape's columns
        (dashboard.rows.EVENT), actors still names."""
        return _columns(items, EventRow._fields, ids, {"actor_names": "actors"},
                        _EVENT_COLUMNS)


class AreaRow(NamedTuple):
    """A control area as read from a polygon feature, before factions are ids; a value
    that could not be read is None (the row is then rejected)."""

    id: str
    name: str
    faction_name: str
    status: str
    contested_names: tuple[str, ...]
    valid_from: dt.date
    valid_to: dt.date | None
    precision: str
    source: dict
    geometry: object

    @staticmethod
    def columns(items: list[tuple], ids: list[str]) -> dict:
        """Rows (AreaRows, or plain tuples of their values) as the control-area shape's
        columns (dashboard.rows.AREA), factions still names."""
        return _columns(items, AreaRow._fields, ids, {"faction_name": "faction",
                                                      "contested_names": "contested_with"},
                        _AREA_COLUMNS)


_EVENT_COLUMNS = ("date", "date_end", "date_precision", "place", "lon", "lat",
                  "location_precision", "event_type", "sub_event_type", "actor_names",
                  "fatalities")
_AREA_COLUMNS = ("faction_name", "status", "contested_names", "valid_from", "valid_to",
                 "precision", "geometry")


def _columns(items: list[tuple], fields: tuple[str, ...], ids: list[str],
             renamed: Mapping[str, str], names: tuple[str, ...]) -> dict:
    """The rows' (tuples of `fields`) values of `names` (a shape's field where `renamed`
    says so) as lists, in one pass, and their one source each as the shapes' source
    columns."""
    get = itemgetter(*(fields.index(n) for n in (*names, "source")))
    rows = list(zip(*map(get, items))) if items else [[] for _ in range(len(names) + 1)]
    sources = rows[-1]
    out = {renamed.get(n, n): list(values) for n, values in zip(names, rows)}
    return out | {"id": ids, "publishers": one_each([s["publisher"] for s in sources]),
                  "source_urls": one_each([s["url"] for s in sources]),
                  "source_dates": one_each([s["date"] for s in sources], pa.date32())}


# The shape's fields (dashboard.rows) a layout reads from another of its fields.
_SHAPE_FIELDS = MappingProxyType({
    "actors": "actor1", "sources[0].url": "url", "sources[0].publisher": "source",
    "sources[0].date": "source_date", "sources": "url"})


def _columns_kind(c: Cells) -> tuple[str | None, str | None]:
    return c.event_type("event_type", "sub_event_type")


def _plain_notes(c: Cells) -> str | None:
    return c.text("notes") or None


@dataclass(frozen=True)
class Layout:
    name: str  # shown in reports
    kind: str  # "event" or "area"
    fields: Mapping[str, str]  # field → the column it is read from
    required: tuple[str, ...]
    date_precisions: Mapping[str, str] = field(default_factory=lambda: _DAY_WEEK_MONTH)
    location_precisions: Mapping[str, str] = field(default_factory=lambda: _EXACT_TOWN_REGION)
    url: str | None = None  # a dataset-level link when rows carry none
    via: str | None = None  # the dataset the rows' sources reached us through
    place_fields: tuple[str, ...] = ("place",)  # the place's name, then its admin areas
    event_kind: Callable[[Cells], tuple[str | None, str | None]] = _columns_kind
    provenance: Callable[[Cells], str | None] = _plain_notes  # the event's notes
    caveats: tuple[str, ...] = ()  # said once in the report of every import in this layout
    open_codes: bool = False  # a precision or status that is no code is taken as written
    shape_fields: Mapping[str, str] = field(default_factory=lambda: _SHAPE_FIELDS)

    def adapted(self, columns: Mapping[str, str], source_url: str | None) -> Layout:
        """This layout with the user's column names and link; the url column becomes
        required when no link covers rows without one."""
        fields = {**self.fields, **{k: v for k, v in columns.items() if k in self.fields}}
        url = source_url or self.url
        required = self.required + (() if url else ("url",))
        return replace(self, fields=fields, url=url, required=required)

    def field_of(self, shape_field: str) -> str:
        """Which of this layout's fields a field of the row's shape was read from."""
        return self.shape_fields.get(shape_field, shape_field)


def read_event(c: Cells, layout: Layout) -> EventRow:
    """Read one event row; what cannot be read is None and in c.problems."""
    day = c.date("date")
    end = c.date("date_end", required=False)
    precision = c.code("date_precision", layout.date_precisions, layout.open_codes)
    lon, lat = c.number("lon"), c.number("lat")
    location = c.code("location_precision", layout.location_precisions, layout.open_codes)
    kind = layout.event_kind(c) or (None, None)
    initiator = c.required("actor1")
    fatalities = c.count("fatalities")
    url = c.url("url", layout.url)
    source_day = c.date("source_date", required=False, first=True)
    actors = tuple(a for a in (initiator, c.text("actor2")) if a)
    places = tuple(c.text(f) for f in layout.place_fields)
    place = next((p for p in places if p), f"{lat:.4f}, {lon:.4f}"
                 if lat is not None and lon is not None else "?")
    summary = c.text("summary") or f"{kind[1]} ({kind[0]}): {' vs '.join(actors)}, {place}."
    return EventRow(
        c.text("id"), day, end if end != day else None, precision, lon, lat, location, place,
        places, kind[0], kind[1], actors, fatalities,
        {"en": summary, "fr": c.text("summary_fr") or UNTRANSLATED + summary},
        layout.provenance(c), _source(c, layout, url, source_day or day))


def read_area(c: Cells, layout: Layout, geometry) -> AreaRow:
    """Read one control-area feature; what cannot be read is None and in c.problems."""
    faction = c.required("faction")
    status = c.code("status", _STATUSES, open_=True)
    contested = tuple(n.strip() for n in c.text("contested_with").split(";") if n.strip())
    start = c.date("valid_from")
    end = c.date("valid_to", required=False)
    url = c.url("url", layout.url)
    source_day = c.date("source_date", required=False, first=True)
    return AreaRow(
        c.text("id"), c.text("name") or f"{faction}, from {start}", faction, status, contested,
        start, end, c.text("precision") or "as drawn in the imported file, not checked",
        _source(c, layout, url, source_day or start), geometry)


def _source(c: Cells, layout: Layout, url: str | None, day: dt.date | None) -> dict:
    """The row's source. When rows reach us through a dataset (ACLED, UCDP) the publisher
    names both and the link is the dataset's own page: a dataset-level link, said so in the
    report. Without a publisher, the link's host stands in for it."""
    publisher = c.text("source")
    if layout.via:
        publisher = f"{publisher} (via {layout.via})" if publisher else layout.via
    return {"publisher": publisher or urlsplit(url or "").hostname or url, "url": url,
            "date": day and day.isoformat(), "title": c.text("source_title")}


def _acled_notes(c: Cells) -> str:
    parts = [f"Imported from ACLED (event {c.text('id') or 'without id'})."]
    associated = "; ".join(a for a in (c.text("assoc_actor_1"), c.text("assoc_actor_2")) if a)
    if associated:
        parts.append(f"Associated actors: {associated}.")
    if c.text("tags"):
        parts.append(f"Tags: {c.text('tags')}.")
    return " ".join(parts)


def _ucdp_kind(c: Cells) -> tuple[str, str] | None:
    return c.code("type_of_violence", {"1": ("Battles", "Armed clash"),
                                       "2": ("Battles", "Armed clash"),
                                       "3": ("Violence against civilians", "Attack")})


def _ucdp_notes(c: Cells) -> str:
    context = "; ".join(t for t in (c.text("conflict_name"), c.text("dyad_name")) if t)
    deaths = ", ".join(f"{label} {c.text(f)}" for label, f in (
        ("best", "fatalities"), ("low", "low"), ("high", "high"), ("side A", "deaths_a"),
        ("side B", "deaths_b"), ("civilians", "deaths_civilians"),
        ("unknown", "deaths_unknown")) if c.text(f))
    text = f"Imported from UCDP GED (event {c.text('id') or 'without id'}" \
        + (f"; {context}" if context else "") + ")." + (f" Deaths: {deaths}." if deaths else "")
    code = c.text("date_precision").split(".")[0]
    if code in ("4", "5"):
        text += (f" UCDP date_prec {code}: the date is known only to within "
                 + ("a year" if code == "4" else "more than a year") + "; shown as a month.")
    return text


_EVENT_FIELDS = ("id", "date", "date_end", "date_precision", "lon", "lat", "location_precision",
                 "place", "event_type", "sub_event_type", "actor1", "actor2", "fatalities",
                 "summary", "summary_fr", "notes", "source", "url", "source_date",
                 "source_title")
_AREA_FIELDS = ("id", "faction", "status", "contested_with", "valid_from", "valid_to", "name",
                "precision", "source", "url", "source_date", "source_title")

ACLED = Layout(
    "ACLED", "event",
    {"id": "event_id_cnty", "date": "event_date", "date_precision": "time_precision",
     "lon": "longitude", "lat": "latitude", "location_precision": "geo_precision",
     "place": "location", "admin3": "admin3", "admin2": "admin2", "admin1": "admin1",
     "country": "country", "event_type": "event_type", "sub_event_type": "sub_event_type",
     "actor1": "actor1", "actor2": "actor2", "assoc_actor_1": "assoc_actor_1",
     "assoc_actor_2": "assoc_actor_2", "fatalities": "fatalities", "summary": "notes",
     "source": "source", "tags": "tags"},
    ("date", "date_precision", "lon", "lat", "location_precision", "event_type",
     "sub_event_type", "actor1"),
    date_precisions={"1": "day", "2": "week", "3": "month"},
    location_precisions={"1": "exact", "2": "town", "3": "region"},
    url=ACLED_URL, via="ACLED",
    place_fields=("place", "admin3", "admin2", "admin1", "country"),
    provenance=_acled_notes,
    caveats=(f"ACLED rows name their sources but give no links: each links to {ACLED_URL}, a "
             "dataset-level link, and its publisher reads 'source (via ACLED)'; sources are "
             "dated to the event's day. ACLED's fatalities are kept as given (0 included).",))

UCDP = Layout(
    "UCDP GED", "event",
    {"id": "id", "date": "date_start", "date_end": "date_end", "date_precision": "date_prec",
     "lon": "longitude", "lat": "latitude", "location_precision": "where_prec",
     "place": "where_coordinates", "admin2": "adm_2", "admin1": "adm_1", "country": "country",
     "type_of_violence": "type_of_violence", "actor1": "side_a", "actor2": "side_b",
     "fatalities": "best", "low": "low", "high": "high", "deaths_a": "deaths_a",
     "deaths_b": "deaths_b", "deaths_civilians": "deaths_civilians",
     "deaths_unknown": "deaths_unknown", "conflict_name": "conflict_name",
     "dyad_name": "dyad_name", "source": "source_office", "source_date": "source_date",
     "source_title": "source_headline"},
    ("date", "date_precision", "lon", "lat", "location_precision", "type_of_violence",
     "actor1", "fatalities"),
    date_precisions={"1": "day", "2": "week", "3": "month", "4": "month", "5": "month"},
    location_precisions={"1": "exact", "2": "town", "3": "town", "4": "region", "5": "region",
                         "6": "region", "7": "region"},
    url=UCDP_URL, via="UCDP GED",
    place_fields=("place", "admin2", "admin1", "country"),
    shape_fields=MappingProxyType({**_SHAPE_FIELDS, "event_type": "type_of_violence",
                                   "sub_event_type": "type_of_violence"}),
    event_kind=_ucdp_kind, provenance=_ucdp_notes,
    caveats=(f"UCDP rows link to {UCDP_URL}, a dataset-level link; the publisher is "
             "source_office (via UCDP GED), the title source_headline.",
             "UCDP type_of_violence 1 and 2 are recorded as Battles / Armed clash, 3 as "
             "Violence against civilians / Attack; fatalities are UCDP's best estimate, with "
             "low and high in each event's notes.",
             "UCDP date_prec 4 and 5 (dates known only to within a year or worse) are recorded "
             "with month precision, which overstates them; each such event's notes say so. "
             "where_prec 2-3 is recorded as town, 4-7 as region."))

EVENTS = Layout(
    "event table", "event", {f: f for f in _EVENT_FIELDS},
    ("date", "lon", "lat", "event_type", "sub_event_type", "actor1"), open_codes=True,
    caveats=("Rows without date_precision are recorded as day, without location_precision "
             "as town; sources without a date are dated to the event's day.",))

AREAS = Layout(
    "control areas", "area", {f: f for f in _AREA_FIELDS}, ("faction", "valid_from"),
    caveats=("Areas without status are recorded as held; areas without precision say "
             "'as drawn in the imported file, not checked'; sources without a date are dated "
             "to valid_from.",))

COLUMN_FIELDS = sorted(set(ACLED.fields) | set(UCDP.fields) | set(EVENTS.fields)
                       | set(AREAS.fields))


def event_layout(columns: list[str]) -> Layout:
    """ACLED and UCDP exports are told apart by a column only they have."""
    names = {c.strip().casefold() for c in columns}
    if "event_id_cnty" in names:
        return ACLED
    if "type_of_violence" in names:
        return UCDP
    return EVENTS
