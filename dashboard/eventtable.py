"""A dataset's events as columns, so that any query is a few numpy operations whatever the
number of events, and `Event` objects exist only for the rows a view actually shows.

One table, one query path: the bundled record's hand-edited events.geojson (read and checked
by `records.load_events`) and an import's events.parquet (GeoParquet written by the importer)
both become an `EventTable`. Its rows are sorted by first day; a window is a searchsorted
range on that column plus a mask for events spanning several days, a faction filter is a
lookup over the actors' codes (several actors per event, kept as flat codes + offsets), a
type filter a lookup over the type codes. A `Selection` (rows of a table) counts, sums and
slices without materialising; `events()` turns at most the rows asked for into `Event`s.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from types import MappingProxyType
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dashboard import rows
from dashboard.records import WORLD, DataError, Event, FatalityClaim, Source
from dashboard.taxonomy import EVENT_TYPES

EPOCH = dt.date(1970, 1, 1)
MATERIALISE_CHUNK = 2_000  # rows turned into Events at a time when a selection is iterated
MAX_PROBLEMS = 20  # per check: a broken million-row file is reported, not listed in full

# The columns of events.parquet (and of the table in memory). Lists are Arrow lists; the
# sources and fatality claims, read only for the rows shown, are JSON text.
SCHEMA = pa.schema([
    ("id", pa.string()), ("date", pa.date32()), ("date_end", pa.date32()),
    ("date_precision", pa.string()), ("place", pa.string()), ("place_detail", pa.string()),
    ("lon", pa.float64()), ("lat", pa.float64()), ("location_precision", pa.string()),
    ("event_type", pa.string()), ("sub_event_type", pa.string()),
    ("actors", pa.list_(pa.string())), ("actor_names", pa.list_(pa.string())),
    ("fatalities", pa.int64()), ("fatalities_low", pa.int64()), ("fatalities_high", pa.int64()),
    ("summary_en", pa.string()), ("summary_fr", pa.string()), ("notes", pa.string()),
    ("sources", pa.string()), ("publishers", pa.list_(pa.string())),
    ("fatality_claims", pa.string()), ("provenance", pa.string()),
])
# What queries, markers and hovers read stays in memory; the long texts (about two thirds
# of an import's bytes) are read from events.parquet for the rows materialised only.
TEXT = ("place_detail", "actor_names", "fatalities_low", "fatalities_high", "summary_en",
        "summary_fr", "notes", "sources", "fatality_claims", "provenance")
IN_MEMORY = tuple(n for n in SCHEMA.names if n not in TEXT)
ROW_GROUP = 20_000  # rows of events.parquet read together to materialise some of them
ORDER = (("date", "ascending"), ("id", "ascending"))  # of the rows, in memory and in the file


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def from_day_number(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def event_row(e: Event) -> dict:
    """One event as a row of SCHEMA (the importer's and the bundled record's common form)."""
    return {"id": e.id, "date": e.date, "date_end": e.date_end,
            "date_precision": e.date_precision, "place": e.place,
            "place_detail": e.place_detail, "lon": e.lon, "lat": e.lat,
            "location_precision": e.location_precision, "event_type": e.event_type,
            "sub_event_type": e.sub_event_type, "actors": list(e.actors),
            "actor_names": list(e.actor_names), "fatalities": e.fatalities,
            "fatalities_low": e.fatalities_low, "fatalities_high": e.fatalities_high,
            "summary_en": e.summary["en"], "summary_fr": e.summary["fr"], "notes": e.notes,
            "sources": json.dumps([s.as_json() for s in e.sources], ensure_ascii=False),
            "publishers": [s.publisher for s in e.sources],
            "fatality_claims": json.dumps([c.as_json() for c in e.fatality_claims])
            if e.fatality_claims else None, "provenance": e.provenance}


def _codes(lists: pa.ChunkedArray | pa.Array,
           known: Sequence[str] | None = None) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """A list<string> column as (names, flat codes into names, offsets of each row)."""
    lists = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
    offsets = lists.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
    flat = lists.flatten()
    if known is None:
        encoded = pc.dictionary_encode(flat)
        names = tuple(encoded.dictionary.to_pylist())
        codes = encoded.indices.to_numpy(zero_copy_only=False)
    else:
        names = tuple(known)
        codes = pc.index_in(flat, value_set=pa.array(names, pa.string())).fill_null(-1) \
            .to_numpy(zero_copy_only=False)
    return names, np.asarray(codes, dtype=np.int32), offsets - offsets[0]


def _any_of(codes: np.ndarray, offsets: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Per row: whether any of its codes is wanted (wanted: a boolean per name)."""
    hit = wanted[codes] if len(codes) else np.zeros(0, bool)
    per_row = np.zeros(len(offsets) - 1, dtype=np.int64)
    lengths = np.diff(offsets)
    nonempty = lengths > 0
    if hit.size:
        sums = np.add.reduceat(hit.astype(np.int64), offsets[:-1][nonempty])
        per_row[nonempty] = sums
    return per_row > 0


class EventTable:
    """The events of one dataset, sorted by first day; read-only once built."""

    def __init__(self, table: pa.Table, factions: Sequence[str],
                 texts: pq.ParquetFile | None = None):
        """`table`: SCHEMA's columns, or only IN_MEMORY's with `texts`, the open file (sorted
        as written) that the other columns are read from, a row group at a time."""
        self.texts = texts
        table = table.select(IN_MEMORY if texts is not None else SCHEMA.names)
        first = pc.cast(table["date"], pa.int32()).to_numpy()
        if texts is not None:
            sizes = [texts.metadata.row_group(g).num_rows
                     for g in range(texts.metadata.num_row_groups)]
            self.group_starts = np.cumsum([0] + sizes)
        elif len(first) > 1 and not np.all(first[1:] >= first[:-1]):
            table = table.take(pc.sort_indices(table, list(ORDER)))
            first = pc.cast(table["date"], pa.int32()).to_numpy()
        self.arrow = table.combine_chunks()
        self.first = np.ascontiguousarray(first, dtype=np.int32)
        ends = pc.cast(pc.coalesce(self.arrow["date_end"], self.arrow["date"]), pa.int32())
        self.last = np.ascontiguousarray(ends.to_numpy(), dtype=np.int32)
        self.max_span = int((self.last - self.first).max()) if len(self) else 0
        self.lon = self.arrow["lon"].to_numpy()
        self.lat = self.arrow["lat"].to_numpy()
        self.types = tuple(EVENT_TYPES)
        self.type_code = np.asarray(pc.index_in(self.arrow["event_type"], value_set=pa.array(
            self.types)).fill_null(-1).to_numpy(), dtype=np.int16) if len(self) \
            else np.zeros(0, np.int16)
        self.factions, self.actor_codes, self.actor_offsets = _codes(self.arrow["actors"],
                                                                     factions)
        self.publishers, self.pub_codes, self.pub_offsets = _codes(self.arrow["publishers"])
        self.fatalities = self.arrow["fatalities"].fill_null(-1).to_numpy().astype(np.int64) \
            if len(self) else np.zeros(0, np.int64)
        has = np.diff(self.actor_offsets) > 0
        self.first_actor = np.full(len(self), -1, dtype=np.int32)  # colours the marker
        self.first_actor[has] = self.actor_codes[self.actor_offsets[:-1][has]]

    @classmethod
    def from_events(cls, events: Iterable[Event], factions: Sequence[str]) -> EventTable:
        rows = [event_row(e) for e in events]
        return cls(pa.Table.from_pylist(rows, schema=SCHEMA), factions)

    def __len__(self) -> int:
        return self.arrow.num_rows

    def __iter__(self) -> Iterator[Event]:
        """Every event, materialised a chunk at a time: for small tables and tests; views
        query with select() instead."""
        return iter(self.all())

    def __getitem__(self, at):
        return self.all()[at]

    @property
    def nbytes(self) -> int:
        """About what the table holds in memory (for the dataset cache's budget)."""
        arrays = (self.first, self.last, self.lon, self.lat, self.type_code, self.actor_codes,
                  self.actor_offsets, self.pub_codes, self.pub_offsets, self.fatalities)
        return self.arrow.nbytes + sum(a.nbytes for a in arrays)

    def first_day(self) -> dt.date | None:
        return from_day_number(self.first[0]) if len(self) else None

    def last_day(self) -> dt.date | None:
        return from_day_number(self.last.max()) if len(self) else None

    # --- queries ------------------------------------------------------------------------

    def all(self) -> Selection:
        return Selection(self, np.arange(len(self), dtype=np.int64))

    def select(self, start: dt.date | None = None, end: dt.date | None = None,
               factions: Iterable[str] | None = None,
               types: Iterable[str] | None = None) -> Selection:
        """Events touching [start, end] (inclusive, either open); factions match any actor;
        types are ACLED type names. None means no filter; an empty collection matches
        nothing (the same rules as timeline.touches)."""
        lo, hi = 0, len(self)
        if end is not None:
            hi = int(np.searchsorted(self.first, day_number(end), side="right"))
        if start is not None:
            lo = int(np.searchsorted(self.first, day_number(start) - self.max_span, side="left"))
        lo = min(lo, hi)
        mask = np.ones(hi - lo, dtype=bool)
        if start is not None:
            mask &= self.last[lo:hi] >= day_number(start)
        if types is not None:
            wanted = np.zeros(len(self.types) + 1, dtype=bool)  # the last: an unknown type
            for name in types:
                if name in self.types:
                    wanted[self.types.index(name)] = True
            mask &= wanted[self.type_code[lo:hi]]
        if factions is not None:
            wanted = np.zeros(len(self.factions) + 1, dtype=bool)
            for fid in set(factions):
                if fid in self.factions:
                    wanted[self.factions.index(fid)] = True
            offsets = self.actor_offsets[lo:hi + 1]
            codes = self.actor_codes[offsets[0]:offsets[-1]]
            mask &= _any_of(codes, offsets - offsets[0], wanted)
        return Selection(self, lo + np.flatnonzero(mask))

    def get(self, event_id: str) -> Event | None:
        """The event with this id (a scan in Arrow's C code: milliseconds for a million)."""
        if not isinstance(event_id, str) or not len(self):
            return None
        at = pc.index(self.arrow["id"], event_id).as_py()
        return None if at < 0 else self.events(np.array([at]))[0]

    def __contains__(self, event_id: str) -> bool:
        return isinstance(event_id, str) and len(self) > 0 \
            and pc.index(self.arrow["id"], event_id).as_py() >= 0

    def columns(self, rows: np.ndarray, names: Sequence[str]) -> dict[str, list]:
        """Some columns of some rows as Python lists (for building a bounded payload)."""
        return self.arrow.select(list(names)).take(pa.array(rows, pa.int64())).to_pydict()

    def _rows(self, rows: np.ndarray) -> pa.Table:
        """Every column of some rows: the texts from the file when they are not in memory."""
        rows = np.asarray(rows, dtype=np.int64)
        taken = self.arrow.take(pa.array(rows, pa.int64()))
        if self.texts is None:
            return taken
        groups = np.searchsorted(self.group_starts, rows, side="right") - 1
        order = np.argsort(groups, kind="stable")
        pieces = []
        for g in np.unique(groups):
            local = rows[groups == g] - self.group_starts[g]
            part = self.texts.read_row_group(int(g), columns=list(TEXT))
            pieces.append(part.take(pa.array(local, pa.int64())))
        texts = pa.concat_tables(pieces) if pieces else \
            pa.Table.from_pylist([], schema=pa.schema([SCHEMA.field(n) for n in TEXT]))
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        texts = texts.take(pa.array(back, pa.int64()))
        for name in TEXT:
            taken = taken.append_column(SCHEMA.field(name), texts[name])
        return taken

    def events(self, rows: np.ndarray) -> list[Event]:
        """The rows as Event objects: call it with the rows a view draws or a page lists."""
        out = []
        for r in self._rows(rows).to_pylist():
            claims = tuple(FatalityClaim(**c) for c in json.loads(r["fatality_claims"])) \
                if r["fatality_claims"] else ()
            sources = tuple(Source(s["publisher"], s["url"], dt.date.fromisoformat(s["date"]),
                                   s.get("title") or "") for s in json.loads(r["sources"]))
            out.append(Event(
                r["id"], r["date"], r["date_end"], r["date_precision"], r["place"],
                r["place_detail"], r["lon"], r["lat"], r["location_precision"],
                r["event_type"], r["sub_event_type"], tuple(r["actors"]),
                tuple(r["actor_names"] or ()), r["fatalities"],
                MappingProxyType({"en": r["summary_en"], "fr": r["summary_fr"]}), sources,
                r["notes"], r["fatalities_low"], r["fatalities_high"], claims,
                r["provenance"]))
        return out


class Selection:
    """Some rows of an EventTable, in date order: counted, summed and sliced as arrays; turned
    into Events only by events() (bounded) or by iterating (a chunk at a time)."""

    def __init__(self, table: EventTable, rows: np.ndarray):
        self.table, self.rows = table, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return len(self.rows) > 0

    def __getitem__(self, at):
        """A slice is a Selection; an index is that row's Event."""
        if isinstance(at, slice):
            return Selection(self.table, self.rows[at])
        return self.table.events(self.rows[[at]])[0]

    def __eq__(self, other) -> bool:
        """Equal to another selection of the same rows, or to a sequence of the same Events."""
        if isinstance(other, Selection):
            return other.table is self.table and np.array_equal(other.rows, self.rows)
        if isinstance(other, (tuple, list)):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __iter__(self) -> Iterator[Event]:
        for at in range(0, len(self.rows), MATERIALISE_CHUNK):
            yield from self.table.events(self.rows[at:at + MATERIALISE_CHUNK])

    def events(self) -> list[Event]:
        return self.table.events(self.rows)

    def where(self, mask: np.ndarray) -> Selection:
        return Selection(self.table, self.rows[mask])

    @property
    def lon(self) -> np.ndarray:
        return self.table.lon[self.rows]

    @property
    def lat(self) -> np.ndarray:
        return self.table.lat[self.rows]

    def ids(self) -> list[str]:
        return self.table.columns(self.rows, ["id"])["id"]

    def type_counts(self) -> Counter:
        counts = np.bincount(self.table.type_code[self.rows] + 1, minlength=len(self.table.types) + 1)
        return Counter({name: int(n) for name, n in zip(self.table.types, counts[1:]) if n})

    def deaths(self) -> int:
        tolls = self.table.fatalities[self.rows]
        return int(tolls[tolls > 0].sum())

    def publisher_counts(self) -> Counter:
        t = self.table
        lengths = np.diff(t.pub_offsets)[self.rows]
        if not lengths.sum():
            return Counter()
        starts = t.pub_offsets[self.rows]
        total = int(lengths.sum())
        flat = np.repeat(starts, lengths) + np.arange(total) \
            - np.repeat(np.cumsum(lengths) - lengths, lengths)
        counts = np.bincount(t.pub_codes[flat], minlength=len(t.publishers))
        return Counter({name: int(n) for name, n in zip(t.publishers, counts) if n})

    def at_point(self, lon: float, lat: float) -> Selection:
        return self.where((self.lon == lon) & (self.lat == lat))


# --- files ----------------------------------------------------------------------------

def geoparquet_metadata() -> bytes:
    """GeoParquet 1.1 metadata: the WKB point column, in lon/lat (OGC:CRS84, the default)."""
    return json.dumps({"version": "1.1.0", "primary_column": "geometry", "columns": {
        "geometry": {"encoding": "WKB", "geometry_types": ["Point"]}}}).encode()


def write_parquet(parts: Iterable[pa.Table], path: Path) -> None:
    """events.parquet: SCHEMA's columns sorted by ORDER, from `parts` that are already in
    that order (the importer's external sort), written ROW_GROUP rows at a time, plus the
    points as WKB so that GeoPandas, QGIS or DuckDB read the file as GeoParquet."""
    schema = SCHEMA.append(pa.field("geometry", pa.binary())).with_metadata(
        {b"geo": geoparquet_metadata()})
    with pq.ParquetWriter(path, schema, compression="zstd") as out:
        written = False
        for group in regroup(parts, ROW_GROUP):
            _write_group(out, schema, group.select(SCHEMA.names))
            written = True
        if not written:  # an empty file still has its one, empty, row group
            _write_group(out, schema, SCHEMA.empty_table())


def regroup(parts: Iterable[pa.Table], size: int) -> Iterator[pa.Table]:
    """The rows of `parts`, in order, as tables of `size` rows (the last may have fewer):
    a Parquet writer makes a row group of each table it is given."""
    pending: list[pa.Table] = []
    held = 0
    for part in parts:
        pending.append(part)
        held += len(part)
        while held >= size:
            rows = pa.concat_tables(pending)
            yield rows.slice(0, size)
            pending, held = [rows.slice(size)], held - size
    if held:
        yield pa.concat_tables(pending)


def _write_group(out: pq.ParquetWriter, schema: pa.Schema, part: pa.Table) -> None:
    import shapely

    part = part.combine_chunks()
    points = shapely.points(part["lon"].to_numpy(), part["lat"].to_numpy())
    part = part.append_column("geometry", pa.array(shapely.to_wkb(points), pa.binary()))
    out.write_table(part.cast(schema), row_group_size=ROW_GROUP)


def read_parquet(path: Path, factions: Mapping, region: tuple = WORLD) -> EventTable:
    """events.parquet, checked with the event shape's rules (dashboard.rows; every problem
    names the file, the event id and the field); raises DataError. Only IN_MEMORY's columns
    are read; the texts stay in the file (their presence checked from its statistics)."""
    name = Path(path).name
    try:
        texts = pq.ParquetFile(path)
        table = texts.read(columns=list(IN_MEMORY))
        missing = [n for n in TEXT if n not in texts.schema_arrow.names]
        nulls = {n: _null_count(texts, n) for n in ("summary_en", "summary_fr", "sources")
                 if n not in missing}
    except FileNotFoundError:
        raise DataError([f"{name}: file is missing (looked in {Path(path).parent})"]) from None
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError([f"{name}: cannot be read as (Geo)Parquet ({str(exc)[:200]})"]) from None
    if missing:
        raise DataError([f"{name}: columns {', '.join(missing)} are missing"])
    try:
        table = table.cast(pa.schema([SCHEMA.field(n) for n in IN_MEMORY]))
    except (pa.ArrowException, ValueError) as exc:
        raise DataError([f"{name}: columns do not have the expected types ({str(exc)[:200]})"]) \
            from None
    problems = [] if already_checked(Path(path)) else check_table(table, name, factions, region)
    problems += [f"{name}: field '{n}': {k:,} events have none" for n, k in nulls.items() if k]
    first = pc.cast(table["date"], pa.int32()).to_numpy()
    if len(first) > 1 and not np.all(first[1:] >= first[:-1]):
        problems.append(f"{name}: field 'date': the events are not in date order (the import "
                        "writes them so: import the file again)")
    if problems:
        raise DataError(problems)
    events = EventTable(table, tuple(factions), texts)
    pa.default_memory_pool().release_unused()  # what the checks' temporaries held
    return events


def already_checked(path: Path) -> bool:
    """Whether catalog.json says this very file (same size and modification time) passed
    check_table when it was imported: then loading it does not check it again."""
    try:
        entry = json.loads((path.parent / "catalog.json").read_text(encoding="utf-8"))
        st = path.stat()
        return entry["checked"] == {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _null_count(texts: pq.ParquetFile, column: str) -> int:
    """Nulls in a column, from the row groups' statistics (no data read); a file written
    without statistics has its column read."""
    at = texts.schema_arrow.names.index(column)
    total = 0
    for g in range(texts.metadata.num_row_groups):
        stats = texts.metadata.row_group(g).column(at).statistics
        if stats is None or not stats.has_null_count:
            return texts.read(columns=[column])[column].null_count
        total += stats.null_count
    return total


def check_table(table: pa.Table, name: str, factions: Mapping, region: tuple) -> list[str]:
    """The event shape's rules (dashboard.rows, as the loader and the importer apply them)
    on the columns read, each problem naming the event id and the field; at most
    MAX_PROBLEMS per rule, then how many more."""
    findings = rows.check(rows.EVENT, rows.Columns(table), rows.Context(factions, region))
    ids = table["id"]
    problems: list[str] = []
    for finding in findings:
        for r, field, reason in finding.items(MAX_PROBLEMS):
            problems.append(f"{name}: {ids[r].as_py() or f'row {r}'}: field '{field}': {reason}")
        if len(finding) > MAX_PROBLEMS:
            problems.append(f"{name}: … and {len(finding) - MAX_PROBLEMS:,} more events with "
                            f"field '{finding.field(0)}' wrong")
    return problems
