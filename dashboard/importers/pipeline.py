"""One import: read rows → map each to a common event or area → check → write → validate
the finished folder with load_record → put it in place. Every format goes through the same
steps; only the reading of tables (CSV or spatial) and the layouts differ.

Rows are parsed one by one in their format's terms (layouts, cells) and checked a batch at
a time, as columns, by the rules of their shape (`dashboard.rows`, which the bundled
record's loader applies too). The whole file is read before anything is decided: by default
one invalid row fails the import (every bad row is reported, nothing is written); with
skip_invalid the rest is imported and the rejects are written to a CSV.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from collections.abc import Callable, Iterator, Mapping

import numpy as np

from dashboard.csvsafe import safe_row
from dashboard.importers.cells import Cells, Header
from dashboard.importers.factions import FactionResolver, load_registry, load_user_mapping
from dashboard.importers.faults import checkpoint
from dashboard.importers.layouts import (ACLED, AREAS, COLUMN_FIELDS, EVENTS, UCDP, AreaRow,
                                         EventRow, event_layout, read_area, read_event)
from dashboard.importers.report import FileError, ImportReport, Progress, UsageError
from dashboard.importers.spatial import POINT_LAT, POINT_LON, spatial_tables
from dashboard.importers.textfile import (Row, Table, check_size, csv_table, delimiter,
                                          first_line, head, sniff_encoding, wide_encoding)
from dashboard.importers.writer import DatasetBuilder, target_folder
from dashboard.leftovers import close_quietly, scratch_dir, tagged, tidy
from dashboard.catalog import write_catalog
from dashboard import rows as shapes
from dashboard.records import DataError, load_record
from dashboard.rows import SOURCE_URL

CSV_FORMATS = {"acled": ACLED, "ucdp": UCDP, "csv": EVENTS}
FORMATS = (*CSV_FORMATS, "geojson", "gpkg", "shapefile")
DEFAULT_MAX_BYTES = 50 * 2**20
PROGRESS_EVERY = 100_000
BATCH = 10_000  # rows parsed before their shape's rules check them together, as columns
_EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".zip": "shapefile"}
_POLYGONS = ("Polygon", "MultiPolygon")


def detect_format(path: Path | str) -> str:
    """The format by extension (.geojson/.json, .gpkg, .zip) or, for text, by the header:
    ACLED exports have event_id_cnty, UCDP GED has type_of_violence, anything else is a
    generic table. Raises FileError for empty or binary files it cannot place."""
    path = Path(path)
    if path.suffix.lower() in _EXTENSIONS:
        return _EXTENSIONS[path.suffix.lower()]
    start = head(path)
    if not start.strip():
        raise FileError("the file is empty")
    if start.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if start.startswith(b"PK\x03\x04"):
        return "shapefile"
    wide = wide_encoding(start)
    if wide:
        if start.decode(wide, errors="replace").lstrip("\ufeff \t\r\n").startswith("{"):
            raise FileError(f"the file is GeoJSON saved as {wide.upper()} text; GeoJSON must "
                            "be UTF-8: save it as UTF-8 and import again")
    elif start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "geojson"
    elif b"\x00" in start:
        raise FileError("the file holds NUL bytes and is no GeoPackage or zip: it looks like "
                        "a binary file; give --format if it is one of the supported formats")
    line = first_line(path, wide or "utf-8")
    columns = next(csv.reader([line], delimiter=delimiter(line)), [])
    layout = event_layout(columns)
    return next(name for name, known in CSV_FORMATS.items() if known is layout)


def parse_columns(columns: Mapping[str, str] | str | Path | None) -> dict[str, str]:
    """--columns: "date=Date,lon=X,…", or a JSON file {"date": "Date", …}, or a dict."""
    if columns is None:
        return {}
    if isinstance(columns, Path) or isinstance(columns, str) and columns.endswith(".json"):
        try:
            columns = json.loads(Path(columns).read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"columns file {columns}: {exc}") from None
    elif isinstance(columns, str):
        pairs = [p.split("=", 1) for p in columns.split(",") if p.strip()]
        if any(len(p) != 2 for p in pairs):
            raise UsageError("--columns: write field=Column pairs separated by commas")
        columns = {k.strip(): v.strip() for k, v in pairs}
    if not isinstance(columns, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in columns.items()):
        raise UsageError("columns: a mapping of field names to column names is needed")
    unknown = sorted(set(columns) - set(COLUMN_FIELDS))
    if unknown:
        raise UsageError(f"columns: unknown fields {', '.join(unknown)} (known: "
                         f"{', '.join(COLUMN_FIELDS)})")
    return dict(columns)


def import_file(path: Path | str, *, dataset: str, datasets_dir: Path | str,
                fmt: str | None = None, mapping: Path | str | None = None,
                columns: Mapping[str, str] | str | None = None, skip_invalid: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES,
                progress: Callable[[Progress], None] | None = None,
                source_url: str | None = None, title: str | None = None,
                rejects: Path | str | None = None) -> ImportReport:
    """Import one file as dataset `dataset` under `datasets_dir` and report how it went.

    Problems with the data never raise: they are in the report (`ok` is false, nothing is
    written and an earlier dataset of that name is untouched). A wrong call (bad name,
    unknown format, missing file, bad mapping or columns) raises UsageError. With
    skip_invalid (or an explicit `rejects` path) the rejected rows go to a CSV, by default
    `<datasets_dir>/<dataset>.rejects.csv`.
    """
    path = Path(path)
    target = target_folder(Path(datasets_dir), dataset)
    tidy(target.parent)  # what an earlier, killed import left
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if source_url is not None and not SOURCE_URL.match(source_url):
        raise UsageError(f"source URL {source_url!r} is not an http(s) address")
    if max_bytes <= 0:
        raise UsageError("max_bytes must be positive")
    if rejects is None and skip_invalid:
        rejects = target.with_name(f"{dataset}.rejects.csv")
    resolver = FactionResolver(load_registry(), load_user_mapping(mapping))
    report = ImportReport(path, dataset, format=fmt)
    run = _Run(path, target, report, resolver, parse_columns(columns), source_url,
               skip_invalid, max_bytes, progress, Path(rejects) if rejects else None, title)
    started = time.perf_counter()
    try:
        run.run()
    except FileError as exc:
        report.problems.append(str(exc))
    except OSError as exc:
        report.problems.append(disk_problem(exc, path, target.parent))
    finally:
        run.summarise_factions()
        report.timings["total"] = time.perf_counter() - started
    return report


def disk_problem(exc: OSError, source: Path, datasets_dir: Path) -> str:
    """What went wrong with a file, said without the server's paths (the page shows it):
    which of the input, the datasets folder or the temporary folder, and the system's
    reason ("Permission denied", "No space left on device", …)."""
    where = Path(exc.filename) if exc.filename else None
    if where == source:
        action = "read the file"
    elif where is not None and (where == datasets_dir or datasets_dir in where.parents):
        action = "write to the datasets folder"
    elif where is not None:
        action = "write to the temporary folder"
    else:
        action = "read the file or write the dataset"
    reason = exc.strerror or type(exc).__name__
    return f"cannot {action}: {reason[0].lower() + reason[1:]}"


class _Run:
    """The state of one import while it reads: counts, ids seen, the builder, the log."""

    def __init__(self, path, target, report, resolver, overrides, source_url, skip_invalid,
                 max_bytes, progress, rejects_path, title):
        self.path, self.target, self.report, self.resolver = path, target, report, resolver
        self.overrides, self.source_url, self.skip_invalid = overrides, source_url, skip_invalid
        self.max_bytes, self.progress, self.rejects_path = max_bytes, progress, rejects_path
        self.title = title or target.name
        self.seen: dict[str, set[str]] = {"event": set(), "area": set()}
        self.tables = 0

    def run(self) -> None:
        started = time.perf_counter()
        check_size(self.path, self.max_bytes)
        fmt = self.report.format = self.report.format or detect_format(self.path)
        with scratch_dir("read") as work, DatasetBuilder(self.target) as build, \
                RejectLog(self.rejects_path) as log:
            for table in self._tables(fmt, Path(work)):
                try:
                    self._read(table, build, log)
                finally:
                    table.close()
            self.report.rejects_file = log.keep()
            self.report.timings["reading"] = time.perf_counter() - started
            self.seen.clear()  # ~100 bytes an id: given back before the folder is checked
            if not self._worth_writing():
                return
            started = time.perf_counter()
            self._tell("writing", 1.0)
            folder = build.finish(self.resolver.factions(), self._meta(fmt))
            self.report.timings["writing"] = time.perf_counter() - started
            checkpoint("written")
            if self._loads(folder):
                checkpoint("validated")
                build.commit()
                self.report.path = self.target

    def _loads(self, folder: Path) -> bool:
        """Whether the finished folder loads as the app will load it."""
        self._tell("validating", 1.0)
        started = time.perf_counter()
        try:
            write_catalog(folder, load_record(folder))  # events checked as columns
        except DataError as exc:
            self.report.problems += [f"the dataset would not load: {p}" for p in exc.problems]
        except ValueError as exc:  # a loader failure the app would hit too: refuse it
            self.report.problems.append(f"the dataset would not load ({exc})")
        self.report.timings["validating"] = time.perf_counter() - started
        return not self.report.problems

    def _tables(self, fmt: str, work: Path) -> Iterator[Table]:
        if fmt not in CSV_FORMATS:
            yield from spatial_tables(self.path, fmt, work, self.max_bytes)
            return
        encoding = self.report.encoding = sniff_encoding(self.path)
        if encoding == "latin-1":
            self.report.notes.append("the file is not valid UTF-8: it was read as latin-1; "
                                     "check accented names")
        yield csv_table(self.path, encoding)

    def _read(self, table: Table, build: DatasetBuilder, log: RejectLog) -> None:
        self.tables += 1
        layouts = self._layouts(table)
        counts = self.report.counts
        batch = _Batch()
        for row in table.rows:
            counts["rows_read"] += 1
            if counts["rows_read"] % PROGRESS_EVERY == 0:
                self._tell("reading", table.fraction())
            batch.add(row, *self._parse(row, table, layouts))
            if counts["rows_read"] == 1:
                checkpoint("reading")
            if len(batch.lines) >= BATCH:
                self._settle(batch, table, layouts, build, log)
                batch = _Batch()
        self._settle(batch, table, layouts, build, log)

    def _layouts(self, table: Table) -> dict:
        """The layout and header for each kind of geometry the table holds (None: CSV).
        A layout whose required columns are missing stops the import here, before any row,
        unless the layer's other kind of feature has all its columns: then only the features
        of the incomplete kind are rejected, each with the reason."""
        if table.unit == "line":
            chosen = {None: CSV_FORMATS[self.report.format].adapted(self.overrides,
                                                                      self.source_url)}
        else:
            chosen = {}
            if "Point" in table.geometry_types:
                chosen["Point"] = event_layout(table.columns).adapted(
                    {**self.overrides, "lon": POINT_LON, "lat": POINT_LAT}, self.source_url)
            if set(_POLYGONS) & table.geometry_types:
                area = AREAS.adapted(self.overrides, self.source_url)
                chosen.update(dict.fromkeys(_POLYGONS, area))
        out, missing = {}, {}
        for kind, layout in chosen.items():
            header = Header(table.columns, layout.fields)
            where = table.name if table.unit == "line" else f"layer {table.name!r}"
            try:
                header.require(layout.required, f"{where} ({layout.name})")
            except FileError as exc:
                missing[kind] = str(exc)
                continue
            out[kind] = (layout, header)
            self.report.notes += [n.format(url=layout.url) for n in layout.caveats
                                  if n.format(url=layout.url) not in self.report.notes]
        if missing and not out:
            raise FileError(next(iter(missing.values())))
        return out | missing

    def _parse(self, row: Row, table: Table, layouts: dict) -> tuple:
        """Read one row in its format's terms: (its problems so far, in the file's terms,
        and unless the row could not be placed at all: its layout's key, the values read,
        its id)."""
        if len(row.values) != len(table.columns):
            return [("(row)", f"has {len(row.values)} cells; the header has "
                              f"{len(table.columns)}")],
        kind = None if row.geometry is None or row.geometry.is_empty else row.geometry.geom_type
        if kind not in layouts:
            return [("geometry", "is missing or empty" if kind is None
                     else f"is a {kind}: only points (events) and polygons (control areas) "
                          "are imported")],
        if isinstance(layouts[kind], str):
            return [("geometry", f"is a {kind}, but {layouts[kind]}")],
        layout, header = layouts[kind]
        cells = Cells(row.values, header)
        item = read_event(cells, layout) if layout.kind == "event" \
            else read_area(cells, layout, row.geometry)
        auto = f"{table.unit}-{row.line}" if self.tables == 1 \
            else f"{table.unit}-{self.tables}-{row.line}"
        return cells.problems, kind, item, item.id or auto

    def _settle(self, batch: _Batch, table: Table, layouts: dict, build: DatasetBuilder,
                log: RejectLog) -> None:
        """Check a batch of parsed rows with their shape's rules, then import each good row
        and reject each bad one with all its problems, in the file's order."""
        parsed = {i: {name for name, _ in found} for i, found in batch.problems.items()}
        for shape, read in ((shapes.EVENT, EventRow), (shapes.AREA, AreaRow)):
            mine = [i for i, item in enumerate(batch.items) if isinstance(item, read)]
            if not mine:
                continue
            layout, header = layouts[batch.keys[mine[0]]]  # one layout a kind in a table

            def column(r: int, field: str, mine=mine, layout=layout, header=header) -> str:
                """The file's name for a field of the shape. A source without a date of its
                own is dated by the event's date or the area's valid_from (layouts._source)."""
                field = layout.field_of(field)
                at = header.index.get(field)
                if field == "source_date" and (at is None or not batch.values[mine[r]][at].strip()):
                    field = "date" if layout.kind == "event" else "valid_from"
                return header.name(field)

            data = read.columns([batch.items[i] for i in mine], [batch.rids[i] for i in mine])
            findings = shapes.check(shape, shapes.columns(shape, data),
                                    shapes.Context(seen=self.seen[layout.kind]),
                                    eligible=np.array([i not in parsed for i in mine], bool))
            for r, name, reason in shapes.merge(
                    findings, lambda r, mine=mine: parsed.get(mine[r], ()), column):
                batch.problems.setdefault(mine[r], []).append((name, reason))
        for i, line in enumerate(batch.lines):
            if i in batch.problems:
                row = Row(line, batch.values[i])
                self.report.add_reject(line, batch.problems[i], table.unit)
                log.write(table, row, batch.problems[i])
            else:
                self._add(batch.items[i], batch.rids[i], build)

    def _add(self, item: EventRow | AreaRow, rid: str, build: DatasetBuilder) -> None:
        if isinstance(item, EventRow):
            ids = [self.resolver.resolve(name) for name in item.actor_names]
            build.add_event(item, rid, list(dict.fromkeys(ids)))
            kind = "events"
        else:
            build.add_area(item, rid, self.resolver.resolve(item.faction_name),
                           [self.resolver.resolve(n) for n in item.contested_names])
            kind = "areas"
        self.report.counts["imported"] += 1
        self.report.counts[kind] += 1

    def _worth_writing(self) -> bool:
        counts, problems = self.report.counts, self.report.problems
        if counts["rejected"] and not self.skip_invalid:
            problems.append(f"{counts['rejected']:,} of {counts['rows_read']:,} rows are "
                            "invalid, so nothing was imported: fix them, or import the rest "
                            "with --skip-invalid")
        elif not counts["imported"]:
            problems.append("no row could be imported" if counts["rows_read"]
                            else "the file holds no data rows")
        return not problems

    def _meta(self, fmt: str) -> dict:
        counts = {k: self.report.counts[k] for k in ("rows_read", "events", "areas", "rejected")}
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return {"name": self.target.name, "title": {"en": self.title, "fr": self.title},
                "import": {"file": self.path.name, "format": fmt, "imported_at": now,
                           "encoding": self.report.encoding, "counts": counts}}

    def _tell(self, stage: str, fraction: float | None) -> None:
        if self.progress is not None:
            self.progress(Progress(stage, self.report.counts["rows_read"], fraction))

    def summarise_factions(self) -> None:
        decisions = self.resolver.decisions
        created = [f for fid, f in self.resolver.created.items() if fid in self.resolver.used]
        self.report.mapped_actors = dict(decisions)
        self.report.created_factions = [{"id": f["id"], "actor": f["name"]["en"],
                                         "colour": f["colour"]} for f in created]
        self.report.counts["actors_mapped"] = sum(rule != "new faction"
                                                  for _, rule in decisions.values())
        self.report.counts["factions_created"] = len(created)


class _Batch:
    """Rows read but not yet checked, as plain lists: their lines, cells, layout keys,
    values read (EventRow or AreaRow) and ids, and the problems of those that have some. A
    batch keeps as few objects a row as it can: each one kept adds to the work of Python's
    garbage collector while the batch waits."""

    def __init__(self):
        self.lines: list[int] = []
        self.values: list[list[str]] = []
        self.keys: list[str | None] = []
        self.items: list[EventRow | AreaRow | None] = []
        self.rids: list[str | None] = []
        self.problems: dict[int, list[tuple[str, str]]] = {}

    def add(self, row: Row, problems: list, key: str | None = None,
            item: EventRow | AreaRow | None = None, rid: str | None = None) -> None:
        if problems:
            self.problems[len(self.lines)] = problems
        self.lines.append(row.line)
        self.values.append(row.values)
        self.keys.append(key)
        self.items.append(item)
        self.rids.append(rid)


class RejectLog:
    """Rejected rows streamed to a CSV, one line per problem: layer (or file), line, field,
    reason, and the row's own cells as a JSON object, every cell made safe for spreadsheets
    (dashboard.csvsafe). Written under a temporary name and kept only if the whole file was
    read."""

    COLUMNS = ("layer", "line", "field", "reason", "row")

    def __init__(self, path: Path | None):
        self.path, self.file, self.writer, self.kept = path, None, None, False
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=tagged(f".{path.name}.writing-"),
                                            dir=path.parent)
            self.file = os.fdopen(handle, "w", newline="", encoding="utf-8")
            self.temp = Path(name)
            self.writer = csv.writer(self.file)
            self.writer.writerow(self.COLUMNS)

    def __enter__(self) -> RejectLog:
        return self

    def __exit__(self, *exc) -> None:
        """Deletes the temporary file unless keep() put it in place, even on a full disk
        (where closing it, in keep() or here, fails)."""
        if self.file is not None and not self.kept:
            close_quietly(self.file)
            self.temp.unlink(missing_ok=True)

    def write(self, table: Table, row: Row, problems: list[tuple[str, str]]) -> None:
        if self.writer is None:
            return
        cells = {c: v for c, v in zip(table.columns, row.values) if c not in (POINT_LON, POINT_LAT)}
        text = json.dumps(cells, ensure_ascii=False)
        for name, reason in problems:
            self.writer.writerow(safe_row((table.name, row.line, name, reason, text)))

    def keep(self) -> Path | None:
        if self.file is None:
            return None
        self.file.close()
        os.replace(self.temp, self.path)
        self.kept = True
        return self.path
