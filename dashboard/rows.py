"""What a valid row is, for each row shape (event, control area, movement): one declarative
list of rules per shape, applied one way, to columns, by every reader of rows.

The bundled record's loader (`records`), the importer (`importers.pipeline`) and the check
of an imported events.parquet (`eventtable`) each parse their own format into the shape's
columns (a CSV cell "20 April 2016" into a date, ACLED's precision codes into words, a
GeoJSON point into lon/lat) and hand the columns to `check`. The rules judge the parsed
values only, so each rule is written once and every reader rejects a bad row with the same
field and reason; each reader names the field in its file's own terms (a CSV column,
"geometry", "sources[0].url"). The rules are array operations (Arrow, numpy, shapely), so
checking a million imported rows costs about as much as reading them once.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.taxonomy import EVENT_TYPES

MAX_COUNT = 2**63 - 1  # the largest whole number a count column (int64) holds

# The shapes' vocabularies.
DATE_PRECISIONS = ("day", "week", "month")
LOCATION_PRECISIONS = ("exact", "town", "region")
STATUSES = ("held", "contested")
# How far a control period is evidenced, after ISW's split of assessed control from claims:
# a cited source says who held it; only the holder or its enemy says so; inferred.
ASSESSMENTS = ("reported", "claimed", "assumed")
WORLD = (-180.0, -90.0, 180.0, 90.0)  # lon_min, lat_min, lon_max, lat_max
SOURCE_URL = re.compile(r"^https?://[^\s<>\"']+$")  # a source's address, record or import
KNOWN_SHOWN = 12  # faction ids listed in an "unknown faction id" message


@dataclass(frozen=True)
class Context:
    """What the rules judge rows against: the dataset's factions (None: names not yet
    resolved to factions, as in an import), its region, whether its areas must say how far
    they are evidenced, and the ids met in earlier batches of the same file."""

    factions: Mapping | None = None
    region: tuple = WORLD
    assessed: bool = False
    seen: set | None = None


@dataclass(frozen=True)
class Finding:
    """One rule broken by some rows: `rows` (ascending, a row may repeat when several of
    its list items are wrong), with the field and the reason of the k-th as `field(k)` and
    `reason(k)` (computed only for the problems a reader reports)."""

    rows: np.ndarray
    field: Callable[[int], str]
    reason: Callable[[int], str]

    def __len__(self) -> int:
        return len(self.rows)

    def items(self, limit: int | None = None) -> Iterator[tuple[int, str, str]]:
        """(row, field, reason) of the first `limit` problems (all without a limit)."""
        for k in range(len(self.rows) if limit is None else min(limit, len(self.rows))):
            yield int(self.rows[k]), self.field(k), self.reason(k)


class Columns:
    """A batch of rows of one shape: an Arrow table of its columns plus, for shapes with
    lines or polygons, their shapely geometries (a numpy object array, None where absent)."""

    def __init__(self, table: pa.Table, geometry: np.ndarray | None = None):
        self.table, self.geometry = table, geometry
        self.names = set(table.column_names) | ({"geometry"} if geometry is not None else set())

    def __len__(self) -> int:
        return self.table.num_rows

    def __getitem__(self, name: str):
        return self.geometry if name == "geometry" else self.table[name]


def _found(mask, field: str, reason: str | Callable[[int], str]) -> Iterator[Finding]:
    """A Finding for the rows where `mask` is true; a `reason` to compute is given the row."""
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    if not len(rows):
        return
    say = (lambda k: reason) if isinstance(reason, str) else (lambda k: reason(int(rows[k])))
    yield Finding(rows, lambda k: field, say)


def _mask(array) -> np.ndarray:
    """A boolean Arrow array (nulls false) as numpy."""
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False).astype(bool)


def _value(c: Columns, name: str) -> Callable[[int], object]:
    column = c[name]
    return lambda r: column[r].as_py()


# --- the rules --------------------------------------------------------------------------

class Rule:
    """One rule of a shape. It reads the columns `needs` names; a reader without one of
    them (events.parquet keeps its source links on disk) is not judged by it."""

    needs: tuple[str, ...] = ()

    def find(self, c: Columns, ctx: Context) -> Iterator[Finding]:
        raise NotImplementedError


class Required(Rule):
    """Each field has a value (text: not blank)."""

    def __init__(self, *names: str):
        self.names = names

    def find(self, c, ctx):
        for name in self.names:
            if name not in c.names:
                continue
            column = c[name]
            missing = pc.is_null(column)
            if pa.types.is_string(column.type):
                missing = pc.or_kleene(missing, pc.equal(pc.utf8_trim_whitespace(column), ""))
            yield from _found(_mask(missing), name, "is missing")


class OneOf(Rule):
    def __init__(self, name: str, allowed: tuple[str, ...]):
        self.name, self.allowed, self.needs = name, allowed, (name,)

    def find(self, c, ctx):
        bad = pc.invert(pc.is_in(c[self.name], value_set=pa.array(self.allowed)))
        value = _value(c, self.name)
        yield from _found(_mask(bad), self.name,
                          lambda r: f"{value(r)!r} is not one of {', '.join(self.allowed)}")


class InOrder(Rule):
    """`later` is not before `earlier` (strictly after it with `strict`)."""

    def __init__(self, earlier: str, later: str, strict: bool, reason: str):
        self.earlier, self.later, self.strict, self.reason = earlier, later, strict, reason
        self.needs = (earlier, later)

    def find(self, c, ctx):
        compare = pc.less_equal if self.strict else pc.less
        bad = compare(c[self.later], c[self.earlier])
        first, then = _value(c, self.earlier), _value(c, self.later)
        yield from _found(_mask(bad), self.later,
                          lambda r: self.reason.format(then(r), first(r)))


class EventKind(Rule):
    """ACLED's event type, and a sub-type of that type."""

    needs = ("event_type", "sub_event_type")
    _PAIRS = pa.array([f"{t}\x1f{s}" for t, kind in EVENT_TYPES.items() for s in kind.subtypes])

    def find(self, c, ctx):
        etype, subtype = c["event_type"], c["sub_event_type"]
        known = _mask(pc.is_in(etype, value_set=pa.array(list(EVENT_TYPES))))
        given = ~_mask(pc.is_null(etype))
        kind, sub = _value(c, "event_type"), _value(c, "sub_event_type")
        yield from _found(given & ~known, "event_type",
                          lambda r: f"{kind(r)!r} is not an ACLED event type "
                                    f"({', '.join(EVENT_TYPES)})")
        pairs = pc.binary_join_element_wise(etype, subtype, "\x1f")
        paired = _mask(pc.is_in(pairs, value_set=self._PAIRS))
        has_sub = ~_mask(pc.is_null(subtype))
        yield from _found(known & has_sub & ~paired, "sub_event_type",
                          lambda r: f"{sub(r)!r} is not a sub-type of {kind(r)!r} "
                                    f"({', '.join(EVENT_TYPES[kind(r)].subtypes)})")


class InRegion(Rule):
    """A point's longitude and latitude lie inside the dataset's region."""

    needs = ("lon", "lat")

    def find(self, c, ctx):
        for name, word, low, high in (("lon", "longitude", ctx.region[0], ctx.region[2]),
                                      ("lat", "latitude", ctx.region[1], ctx.region[3])):
            column = c[name]
            values = column.to_numpy(zero_copy_only=False).astype(float)
            with np.errstate(invalid="ignore"):
                inside = np.isfinite(values) & (values >= low) & (values <= high)
            given = ~_mask(pc.is_null(column))
            yield from _found(given & ~inside, name,
                              lambda r, word=word, low=low, high=high, values=values:
                              f"{word} {values[r]:g} is outside {low:g}…{high:g}, the "
                              "dataset's region")


class NotNegative(Rule):
    def __init__(self, name: str):
        self.name, self.needs = name, (name,)

    def find(self, c, ctx):
        value = _value(c, self.name)
        yield from _found(_mask(pc.less(c[self.name], 0)), self.name,
                          lambda r: f"{value(r)} is below 0 (a toll is a whole number ≥ 0, "
                                    "or none when not reported)")


class TollRange(Rule):
    """A toll range is given whole (low and high), with the best estimate inside it."""

    needs = ("fatalities", "fatalities_low", "fatalities_high")

    def find(self, c, ctx):
        best, low, high = (c[n] for n in self.needs)
        has_low, has_high = ~_mask(pc.is_null(low)), ~_mask(pc.is_null(high))
        yield from _found(has_low & ~has_high, "fatalities_high",
                          "a toll range needs both fatalities_low and fatalities_high")
        yield from _found(has_high & ~has_low, "fatalities_low",
                          "a toll range needs both fatalities_low and fatalities_high")
        both = has_low & has_high
        inverted = _mask(pc.greater(low, high))
        b, lo, hi = _value(c, "fatalities"), _value(c, "fatalities_low"), \
            _value(c, "fatalities_high")
        yield from _found(both & inverted, "fatalities_high",
                          lambda r: f"{hi(r)} is below fatalities_low {lo(r)}")
        ranged = both & ~inverted
        no_best = _mask(pc.is_null(best))
        yield from _found(ranged & no_best, "fatalities",
                          "a toll range needs a best estimate in 'fatalities'")
        outside = _mask(pc.or_kleene(pc.less(best, low), pc.greater(best, high)))
        yield from _found(ranged & ~no_best & outside, "fatalities",
                          lambda r: f"best estimate {b(r)} is outside the range {lo(r)}–{hi(r)} "
                                    "(fatalities_low ≤ fatalities ≤ fatalities_high)")


class AtLeastOne(Rule):
    """A list column has at least one item; `field` names it in messages."""

    def __init__(self, name: str, field: str, reason: str):
        self.name, self.field, self.reason, self.needs = name, field, reason, (name,)

    def find(self, c, ctx):
        lengths = pc.fill_null(pc.list_value_length(c[self.name]), 0)
        yield from _found(lengths.to_numpy(zero_copy_only=False) == 0, self.field, self.reason)


def _items(column) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """A list column's items, the row of each and its place in that row's list."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    flat = pc.list_flatten(column)
    parents = pc.list_parent_indices(column).to_numpy(zero_copy_only=False).astype(np.int64)
    starts = np.zeros(len(column) + 1, dtype=np.int64)
    np.cumsum(pc.fill_null(pc.list_value_length(column), 0).to_numpy(zero_copy_only=False),
              out=starts[1:])
    return flat, parents, np.arange(len(parents)) - starts[parents]


def _item_finding(bad: np.ndarray, parents: np.ndarray, field: Callable[[int], str],
                  reason: Callable[[int], str]) -> Iterator[Finding]:
    """A Finding over list items: `field(i)`, `reason(i)` take the item's index."""
    at = np.flatnonzero(bad)
    if len(at):
        yield Finding(parents[at], lambda k: field(int(at[k])), lambda k: reason(int(at[k])))


class KnownFactions(Rule):
    """Faction ids (a text or a list column) are the dataset's; skipped while an import
    still has names, not ids."""

    def __init__(self, name: str):
        self.name, self.needs = name, (name,)

    def find(self, c, ctx):
        if ctx.factions is None:
            return
        column = c[self.name]
        known = list(ctx.factions)
        listed = ", ".join(known[:KNOWN_SHOWN]) + (", …" if len(known) > KNOWN_SHOWN else "")
        if pa.types.is_list(column.type):
            flat, parents, _ = _items(column)
        else:
            flat = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
            parents = np.arange(len(flat), dtype=np.int64)
        bad = _mask(pc.invert(pc.is_in(flat, value_set=pa.array(known, pa.string())))) \
            & ~_mask(pc.is_null(flat))
        yield from _item_finding(bad, parents, lambda i: self.name,
                                 lambda i: f"unknown faction id {flat[i].as_py()!r} "
                                           f"(known: {listed})")


class SourceItems(Rule):
    """Every source has a publisher, an http(s) address and a date (each list column is
    one attribute of the row's sources, in order)."""

    def __init__(self, name: str, attribute: str):
        self.name, self.attribute, self.needs = name, attribute, (name,)

    def find(self, c, ctx):
        flat, parents, places = _items(c[self.name])
        missing = _mask(pc.is_null(flat))
        if pa.types.is_string(flat.type):
            missing |= _mask(pc.equal(pc.utf8_trim_whitespace(flat), ""))

        def field(i):
            return f"sources[{places[i]}].{self.attribute}"

        yield from _item_finding(missing, parents, field, lambda i: "is missing")
        if self.attribute == "url":
            wrong = ~missing & ~_mask(pc.match_substring_regex(flat, SOURCE_URL.pattern))
            yield from _item_finding(wrong, parents, field,
                                     lambda i: f"{flat[i].as_py()!r} is not an http(s) address")


class Contested(Rule):
    """A contested area names the other side(s); a held one names none."""

    needs = ("status", "contested_with")

    def find(self, c, ctx):
        others = pc.fill_null(pc.list_value_length(c["contested_with"]), 0) \
            .to_numpy(zero_copy_only=False) > 0
        status = c["status"]
        yield from _found(_mask(pc.equal(status, "contested")) & ~others, "contested_with",
                          "a contested area must name the other side(s)")
        yield from _found(_mask(pc.equal(status, "held")) & others, "contested_with",
                          "a held area cannot be contested with anyone")


class Shapes(Rule):
    """Lines and polygons: present, not empty, valid, inside the dataset's region."""

    needs = ("geometry",)

    def find(self, c, ctx):
        import shapely

        geometry = c.geometry
        missing = np.array([g is None for g in geometry], dtype=bool)
        present = np.where(missing, None, geometry)
        empty = ~missing & shapely.is_empty(present)
        yield from _found(missing, "geometry", "is missing")
        yield from _found(empty, "geometry", "is empty")
        usable = ~missing & ~empty
        invalid = usable & ~shapely.is_valid(present)
        yield from _found(invalid, "geometry", lambda r: "is invalid "
                          f"({shapely.is_valid_reason(geometry[r])})")
        bounds = shapely.bounds(present)
        region = ctx.region
        with np.errstate(invalid="ignore"):
            inside = (bounds[:, 0] >= region[0]) & (bounds[:, 1] >= region[1]) \
                & (bounds[:, 2] <= region[2]) & (bounds[:, 3] <= region[3])
        yield from _found(usable & ~invalid & ~inside, "geometry",
                          f"lies outside the dataset's region {tuple(region)}")


class Assessment(Rule):
    """How far a control period is evidenced (required where the dataset says its areas
    are assessed): a reported period cites a source, a claimed one names its claimant in
    its note, an assumed one says in its note why it is drawn."""

    needs = ("assessment", "assessment_note", "publishers")

    def find(self, c, ctx):
        assessment = c["assessment"]
        given = ~_mask(pc.is_null(assessment))
        if ctx.assessed:
            yield from _found(~given, "assessment",
                              f"is missing (one of {', '.join(ASSESSMENTS)})")
        value = _value(c, "assessment")
        known = _mask(pc.is_in(assessment, value_set=pa.array(ASSESSMENTS)))
        yield from _found(given & ~known, "assessment",
                          lambda r: f"{value(r)!r} is not one of {', '.join(ASSESSMENTS)}")
        sources = pc.fill_null(pc.list_value_length(c["publishers"]), 0) \
            .to_numpy(zero_copy_only=False)
        yield from _found(_mask(pc.equal(assessment, "reported")) & (sources == 0), "sources",
                          "a reported period needs the source that says who held it")
        note = c["assessment_note"]
        blank = _mask(pc.or_kleene(pc.is_null(note), pc.equal(pc.utf8_trim_whitespace(note), "")))
        yield from _found(_mask(pc.equal(assessment, "assumed")) & blank, "assessment_note",
                          "an assumed period needs a note saying why it is drawn")
        yield from _found(_mask(pc.equal(assessment, "claimed")) & blank, "assessment_note",
                          "a claimed period needs a note saying who claims it")


# --- the shapes -------------------------------------------------------------------------

_SOURCES = (AtLeastOne("publishers", "sources", "needs at least one source"),
            SourceItems("publishers", "publisher"), SourceItems("source_urls", "url"),
            SourceItems("source_dates", "date"))
_SOURCE_COLUMNS = (("publishers", pa.list_(pa.string())), ("source_urls", pa.list_(pa.string())),
                   ("source_dates", pa.list_(pa.date32())))


@dataclass(frozen=True)
class Shape:
    """A row shape: its columns (an Arrow schema; lines and polygons are kept aside as
    shapely geometries) and its rules, in the order their problems are listed."""

    name: str
    schema: pa.Schema
    rules: tuple[Rule, ...]
    geometry: bool = False


EVENT = Shape("event", pa.schema([
    ("id", pa.string()), ("date", pa.date32()), ("date_end", pa.date32()),
    ("date_precision", pa.string()), ("place", pa.string()), ("lon", pa.float64()),
    ("lat", pa.float64()), ("location_precision", pa.string()), ("event_type", pa.string()),
    ("sub_event_type", pa.string()), ("actors", pa.list_(pa.string())),
    ("fatalities", pa.int64()), ("fatalities_low", pa.int64()), ("fatalities_high", pa.int64()),
    *_SOURCE_COLUMNS]), (
    Required("id", "date", "date_precision", "place", "lon", "lat", "location_precision",
             "event_type", "sub_event_type"),
    InOrder("date", "date_end", False, "{} is before the start date {}"),
    OneOf("date_precision", DATE_PRECISIONS), OneOf("location_precision", LOCATION_PRECISIONS),
    EventKind(), InRegion(),
    AtLeastOne("actors", "actors", "needs at least one actor"), KnownFactions("actors"),
    NotNegative("fatalities"), NotNegative("fatalities_low"), NotNegative("fatalities_high"),
    TollRange(), *_SOURCES))

AREA = Shape("control area", pa.schema([
    ("id", pa.string()), ("faction", pa.string()), ("status", pa.string()),
    ("contested_with", pa.list_(pa.string())), ("valid_from", pa.date32()),
    ("valid_to", pa.date32()), ("precision", pa.string()), ("assessment", pa.string()),
    ("assessment_note", pa.string()), *_SOURCE_COLUMNS]), (
    Required("id", "faction", "status", "valid_from", "precision"),
    InOrder("valid_from", "valid_to", True, "{} is not after valid_from {} (valid_to is "
                                            "exclusive)"),
    OneOf("status", STATUSES), Contested(), KnownFactions("faction"),
    KnownFactions("contested_with"), Shapes(), *_SOURCES, Assessment()), geometry=True)

MOVEMENT = Shape("movement", pa.schema([
    ("id", pa.string()), ("faction", pa.string()), ("start", pa.date32()), ("end", pa.date32()),
    ("precision", pa.string()), *_SOURCE_COLUMNS]), (
    Required("id", "faction", "start", "end", "precision"),
    InOrder("start", "end", False, "{} is before the start {}"), KnownFactions("faction"),
    Shapes(), *_SOURCES), geometry=True)


def columns(shape: Shape, data: Mapping[str, Sequence]) -> Columns:
    """Parsed rows as the shape's columns: `data` maps fields to equally long lists (or
    Arrow arrays); a field left out has no value in any row."""
    n = len(data["id"])
    arrays = [_array(data[f.name], f.type) if f.name in data else pa.nulls(n, f.type)
              for f in shape.schema]
    geometry = None
    if shape.geometry:
        geometry = np.empty(n, dtype=object)
        geometry[:] = list(data.get("geometry", [None] * n))
    return Columns(pa.Table.from_arrays(arrays, schema=shape.schema), geometry)


def _array(values, kind: pa.DataType) -> pa.Array:
    return values if isinstance(values, pa.Array) else pa.array(values, kind)


def one_each(values: Sequence, kind: pa.DataType | None = None) -> pa.Array:
    """A list column holding one item per row (an import's one source a row), of text or,
    with kind date32, of dates read from YYYY-MM-DD."""
    dates = kind is not None and pa.types.is_date(kind)
    flat = pa.array(values, pa.string())
    if dates:
        flat = flat.cast(kind)
    return pa.ListArray.from_arrays(pa.array(np.arange(len(values) + 1, dtype=np.int32)), flat)


def check(shape: Shape, c: Columns, ctx: Context = Context(),
          eligible: np.ndarray | None = None) -> list[Finding]:
    """Every rule of `shape` whose columns `c` has, then the one rule across rows: an id
    is used once. Rows with another problem, or not `eligible` (a reader's own parse
    problems), are left out of it, so that a rejected row never hides a later good one;
    ids met in ctx.seen count as used, and the ids found good are added to it."""
    findings = [f for rule in shape.rules if set(rule.needs) <= c.names
                for f in rule.find(c, ctx)]
    if "id" in c.names:
        ok = np.ones(len(c), dtype=bool) if eligible is None else eligible.copy()
        for f in findings:
            ok[f.rows] = False
        findings += _repeated(c, ok, ctx.seen)
    return findings


def _repeated(c: Columns, ok: np.ndarray, seen: set | None) -> Iterator[Finding]:
    """Rows (among `ok`) whose id an earlier row (or an earlier batch: `seen`) used."""
    ids = c["id"]
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    used = ids.filter(pa.array(ok))
    counts = pc.value_counts(used)
    twice = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    doubled = np.zeros(len(c), dtype=bool)
    if seen is not None and seen:
        doubled |= ok & np.fromiter((i in seen for i in ids.to_pylist()), bool, len(ids))
    if len(twice):
        met = set()
        for r in np.flatnonzero(ok & _mask(pc.is_in(ids, value_set=twice))):
            value = ids[int(r)].as_py()
            doubled[r] |= value in met
            met.add(value)
    if seen is not None:
        seen.update(used.filter(pa.array(~doubled[ok])).to_pylist())
    yield from _found(doubled, "id", "is used twice")


def merge(findings: Iterable[Finding], parsed: Callable[[int], Container[str]],
          name: Callable[[int, str], str]) -> Iterator[tuple[int, str, str]]:
    """The findings as (row, field, reason), the field said by `name(row, field)` in the
    reader's terms, less those on a field the reader already found wrong in that row while
    parsing it, or on a part of one (`parsed(row)`: the parse's message is then the one that
    says what is wrong; "sources[0]" covers "sources[0].url")."""
    for finding in findings:
        for r, field, reason in finding.items():
            said, found = name(r, field), parsed(r)
            if said not in found and not any(said.startswith(f"{f}.") for f in found):
                yield r, said, reason
