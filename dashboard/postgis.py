"""Datasets in PostgreSQL/PostGIS: the store several app servers share (`--store
postgresql://…` or FRONTLINES_STORE), with psycopg 3.

Schema (dashboard/migrations/*.sql, applied in order by `migrate`, recorded in
frontlines.schema_version): datasets (name, version, metadata and catalog entry), factions,
events, control_areas and movements, every content row tagged with the version it was
imported as.

Importing (`import_folder`, `import_file`) goes through the same pipeline and checks as the
file store: the importer writes and validates a dataset folder in a private temporary
folder, and only a dataset that loads is copied in. The new version's rows and the switch of
datasets.version happen in ONE transaction, and the old version's rows are deleted in it:
a failed or killed import (the server rolls back a dropped connection's transaction) leaves
the previous dataset exactly as it was, and readers never see half a dataset.

Serving: the registry keys its cache by the dataset's version row, so a dataset imported
through one server is served by every other on its next request. Loading a version unpacks
it once into the shared folder (`<shared>/postgis/<name>/<version>/`, GeoParquet events, as
an import writes them) and loads that with the file store's loader and checks, for what
needs the whole dataset (control over time, the summary, the page's map steps). The loaded
dataset's queries (`SqlQueries`: the API's events, control areas and movements, the map's
density grid) run in SQL on that version's rows: date windows on the indexed date columns,
bounding boxes on the GiST index, pages by keyset, counts with GROUP BY.

An existing table or view with ACLED's column names (or others, mapped with the CSV
import's `--columns`) can back a dataset without being copied into these tables (`link`):
it is read with SELECT only, through the same import pipeline, when its row count or latest
ACLED `timestamp` changes (checked at most once a minute).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import sql

from dashboard.catalog import describe, read_catalog
from dashboard.dataset import Dataset, load_dataset
from dashboard.dataset_names import name_problem
from dashboard.eventtable import MATERIALISE_CHUNK, SCHEMA, EventTable, write_parquet
from dashboard.importers.faults import checkpoint
from dashboard.leftovers import scratch_dir
from dashboard.queries import CELL_PX, MAX_CELLS, EventQuery
from dashboard.records import EVENTS_PARQUET, DataError, load_record
from dashboard.store import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
EVENT_COLUMNS = SCHEMA.names
CHUNK = 20_000  # rows fetched at a time
COPY_BATCH = 1_000  # rows turned into Python values at a time while copying in
SOURCE_RECHECK_SECONDS = 60  # how often a linked table's row count and timestamp are read


def connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise StoreError(f"cannot connect to the PostGIS store: {str(exc).strip()[:300]}") \
            from None


def migrate(url: str) -> list[str]:
    """Create or upgrade the schema: the migrations not applied yet, in order, each with
    its row in frontlines.schema_version, all in one transaction (a failure applies none).
    Returns those applied. Several servers may run it at once: an advisory lock makes them
    take turns."""
    applied = []
    with connect(url) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('frontlines-migrate'))")
        if not conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'") \
                    .fetchone():
            conn.execute("CREATE EXTENSION postgis")
        conn.execute("CREATE SCHEMA IF NOT EXISTS frontlines")
        conn.execute("CREATE TABLE IF NOT EXISTS frontlines.schema_version ("
                     "version integer PRIMARY KEY, name text NOT NULL, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        done = {v for (v,) in conn.execute("SELECT version FROM frontlines.schema_version")}
        for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql")):
            number = int(path.name[:3])
            if number in done:
                continue
            conn.execute(path.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO frontlines.schema_version (version, name) "
                         "VALUES (%s, %s)", (number, path.name))
            applied.append(path.name)
    return applied


class PostgisStore:
    """The Store (dashboard.store) on a PostGIS database; `cache_dir` is the shared folder
    where loaded versions are unpacked."""

    def __init__(self, url: str, cache_dir: Path, bundled_name: str):
        self.url = url
        self.cache = Path(cache_dir) / "postgis"
        self.bundled_name = bundled_name
        self._local = threading.local()  # one connection per thread (and process)
        self._sources: dict[str, tuple[float, tuple]] = {}  # linked table → (checked, sig)
        self._lock = threading.Lock()

    # --- connections ---------------------------------------------------------------------

    def _conn(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or getattr(self._local, "pid", None) != os.getpid():
            conn = connect(self.url)
            conn.autocommit = True  # reads: each statement on its own, no idle transaction
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _execute(self, query, params=()) -> list[tuple]:
        """The rows of one statement; a dropped connection is tried once more, anew."""
        try:
            return self._conn().execute(query, params).fetchall()
        except psycopg.OperationalError:
            self._local.conn = None
            return self._conn().execute(query, params).fetchall()

    def _query(self, query, params=()) -> list[tuple]:
        """_execute, with the database's refusals as StoreError (the API answers 503)."""
        try:
            return self._execute(query, params)
        except psycopg.errors.UndefinedTable:
            raise StoreError("the PostGIS store has no Frontlines schema: run "
                             "`python -m dashboard db init --store URL`") from None
        except psycopg.Error as exc:
            self._local.conn = None
            raise StoreError(f"the PostGIS store failed: {str(exc).strip()[:300]}") from None

    # --- what the registry reads -----------------------------------------------------------

    def names(self) -> list[str]:
        return [n for (n,) in self._query(
            "SELECT name FROM frontlines.datasets ORDER BY name COLLATE \"C\"")
            if n != self.bundled_name]

    def _row(self, name: str):
        rows = self._query("SELECT version, source_table, source_columns FROM "
                           "frontlines.datasets WHERE name = %s", (name,))
        return rows[0] if rows and name != self.bundled_name else None

    def key(self, name: str) -> tuple | None:
        row = self._row(name)
        if row is None:
            return None
        version, table, _ = row
        return (version,) if table is None else (version, *self._source_signature(table))

    def entry(self, name: str) -> dict | None:
        rows = self._query("SELECT catalog, version FROM frontlines.datasets WHERE name = %s",
                           (name,))
        if not rows or name == self.bundled_name:
            return None
        catalog, version = rows[0]
        return {**catalog, "version": version}

    def load(self, name: str, basemap: Path) -> Dataset:
        row = self._row(name)
        if row is None:
            raise DataError([f"{name}: no such dataset in the PostGIS store"])
        key = self.key(name)
        folder = self.cache / name / "-".join(str(k) for k in key).replace("/", "_")
        if not folder.is_dir():
            folder.parent.mkdir(parents=True, exist_ok=True)
            # one worker (of any server sharing the folder) unpacks; the others wait for it
            with open(folder.with_name(f".{folder.name}.lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    if not folder.is_dir() and row[1] is None:
                        self._unpack(name, row[0], folder)
                    elif not folder.is_dir():
                        self._read_source(name, row[1], row[2] or {}, folder)
                except psycopg.Error as exc:
                    raise StoreError(f"dataset {name}: cannot be read from the PostGIS store "
                                     f"({str(exc).strip()[:300]})") from None
        dataset = load_dataset(folder, basemap)
        if row[1] is not None:  # a linked table: queried on the columns read from it
            return dataset
        return replace(dataset, queries=SqlQueries(self._query, row[0], dataset.record))

    # --- unpacking a version into a dataset folder ----------------------------------------

    def _unpack(self, name: str, version: str, folder: Path) -> None:
        """Write the version's rows as a dataset folder (under a temporary name, renamed into
        place: workers that unpack at once end with one folder), and drop older versions'."""
        work = _work_folder(folder)
        try:
            with connect(self.url) as conn, conn.transaction():  # one consistent snapshot
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                meta, factions_doc, places, observations = conn.execute(
                    "SELECT meta, factions_doc, places, observations FROM frontlines.datasets "
                    "WHERE version = %s", (version,)).fetchone()
                factions = [f for (f,) in conn.execute(
                    "SELECT faction FROM frontlines.factions WHERE version = %s "
                    "ORDER BY position", (version,))]
                _write_json(work / "dataset.json", meta)
                _write_json(work / "factions.json", {**factions_doc, "factions": factions})
                (work / "places.csv").write_text(places, encoding="utf-8")
                if observations:
                    (work / "observations.csv").write_text(observations, encoding="utf-8")
                for table, file in (("control_areas", "control_areas.geojson"),
                                    ("movements", "movements.geojson")):
                    features = [f for (f,) in conn.execute(sql.SQL(
                        "SELECT feature FROM frontlines.{} WHERE version = %s ORDER BY id "
                        "COLLATE \"C\"").format(sql.Identifier(table)), (version,))]
                    _write_json(work / file, {"type": "FeatureCollection",
                                              "features": features})
                _write_events(conn, version, work / EVENTS_PARQUET)
            _move_into_place(work, folder)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        current = (self._row(name) or ("",))[0]  # a newer version may be served already
        for old in folder.parent.iterdir():  # versions no longer served, and their locks
            if old == folder or current and current in old.name:
                continue
            if old.is_dir() and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
            elif old.name.endswith(".lock") and old.name != f".{folder.name}.lock":
                old.unlink(missing_ok=True)

    # --- importing ----------------------------------------------------------------------

    def import_folder(self, folder: Path, name: str) -> dict:
        """Copy a dataset folder (an import's, or the bundled record) in as dataset `name`,
        checked first exactly as the app loads it; returns its catalog entry. One
        transaction: the old version stays served until it commits."""
        problem = name_problem(name)
        if problem or name == self.bundled_name:
            raise DataError([problem or f"dataset name {name!r} is the bundled record's"])
        folder = Path(folder)
        record = load_record(folder)  # raises DataError: nothing written
        entry = read_catalog(folder) or describe(record)
        entry = {k: v for k, v in entry.items() if k not in ("version", "checked")}
        version = uuid.uuid4().hex
        factions_doc = json.loads((folder / "factions.json").read_text(encoding="utf-8"))
        factions = factions_doc.pop("factions")
        meta = {**json.loads((folder / "dataset.json").read_text(encoding="utf-8")),
                "name": name}
        meta.pop("bundled", None)  # a copy of the bundled record is served as an import
        try:
            self._swap_in(name, version, meta, entry, factions, factions_doc, folder, record)
        except psycopg.Error as exc:  # rolled back: the old version is still served
            raise StoreError(f"the PostGIS store refused the import, nothing changed: "
                             f"{str(exc).strip()[:300]}") from None
        return {**entry, "version": version}

    def _swap_in(self, name, version, meta, entry, factions, factions_doc, folder, record):
        """The new version's rows, the switch to it and the old one's deletion: one
        transaction."""
        with connect(self.url) as conn, conn.transaction():
            old = conn.execute("SELECT version FROM frontlines.datasets WHERE name = %s "
                               "FOR UPDATE", (name,)).fetchone()
            conn.cursor().executemany(
                "INSERT INTO frontlines.factions (version, position, id, faction) "
                "VALUES (%s, %s, %s, %s)",
                [(version, i, f["id"], json.dumps(f)) for i, f in enumerate(factions)])
            _copy_events(conn, version, folder, record)
            checkpoint("postgis-events-copied")
            for table, file in (("control_areas", "control_areas.geojson"),
                                ("movements", "movements.geojson")):
                _insert_features(conn, table, version, folder / file)
            conn.execute(
                "INSERT INTO frontlines.datasets (name, version, meta, catalog, factions_doc, "
                "places, observations) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, "
                "meta = EXCLUDED.meta, catalog = EXCLUDED.catalog, "
                "factions_doc = EXCLUDED.factions_doc, places = EXCLUDED.places, "
                "observations = EXCLUDED.observations, source_table = NULL, "
                "source_columns = NULL, imported_at = now()",
                (name, version, json.dumps(meta), json.dumps(entry), json.dumps(factions_doc),
                 _read_text(folder / "places.csv"), _read_text(folder / "observations.csv")))
            if old is not None:
                _delete_version(conn, old[0])
            checkpoint("postgis-swapped")

    def import_file(self, path: Path, *, dataset: str, **options):
        """The importer (dashboard.importers.import_file, same options, checks and report)
        into a private temporary folder, then `import_folder`. A dataset that would not
        load changes nothing."""
        from dashboard.importers import import_file

        if options.get("skip_invalid") and not options.get("rejects"):
            options["rejects"] = Path.cwd() / f"{dataset}.rejects.csv"  # not in the scratch
        with scratch_dir("read") as work:
            report = import_file(path, dataset=dataset, datasets_dir=Path(work), **options)
            if report.ok:
                started = time.perf_counter()
                try:
                    self.import_folder(Path(work) / dataset, dataset)
                    # what the report says it was written to, in place of the folder
                    report.path = Path(f"the PostGIS store (dataset {dataset})")
                except DataError as exc:
                    report.problems += exc.problems
                    report.path = None
                report.timings["postgis"] = time.perf_counter() - started
        return report

    def link(self, name: str, table: str, columns: dict | None = None,
             title: str | None = None) -> dict:
        """Serve dataset `name` from an existing table or view (schema.table) whose columns
        follow ACLED's names, or others mapped as the CSV import's --columns. It is read
        (SELECT only) and checked now, so a table that would not load is refused."""
        problem = name_problem(name)
        if problem or name == self.bundled_name:
            raise DataError([problem or f"dataset name {name!r} is the bundled record's"])
        with scratch_dir("read") as work:
            folder = Path(work) / "check"
            self._read_source(name, table, columns or {}, folder, title)
            record = load_record(folder)
            entry = describe(record)
            meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        version = uuid.uuid4().hex
        with connect(self.url) as conn, conn.transaction():
            old = conn.execute("SELECT version FROM frontlines.datasets WHERE name = %s "
                               "FOR UPDATE", (name,)).fetchone()
            conn.execute(
                "INSERT INTO frontlines.datasets (name, version, meta, catalog, factions_doc, "
                "source_table, source_columns) VALUES (%s, %s, %s, %s, '{}', %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, "
                "meta = EXCLUDED.meta, catalog = EXCLUDED.catalog, factions_doc = '{}', "
                "places = '', observations = '', source_table = EXCLUDED.source_table, "
                "source_columns = EXCLUDED.source_columns, imported_at = now()",
                (name, version, json.dumps(meta), json.dumps(entry), table,
                 json.dumps(columns or {})))
            if old is not None:
                _delete_version(conn, old[0])
        return {**entry, "version": version}

    def _source_signature(self, table: str) -> tuple:
        """A linked table's row count and latest ACLED `timestamp` (if it has that column),
        read at most once a minute per process."""
        with self._lock:
            checked = self._sources.get(table)
        if checked and time.monotonic() - checked[0] < SOURCE_RECHECK_SECONDS:
            return checked[1]
        ident = _table_identifier(table)
        try:
            found = self._execute(sql.SQL("SELECT count(*), max(timestamp)::text FROM {}")
                                  .format(ident))[0]
        except psycopg.errors.UndefinedColumn:  # no ACLED timestamp: the count alone
            found = self._query(sql.SQL("SELECT count(*) FROM {}").format(ident))[0]
        except psycopg.Error as exc:
            raise StoreError(f"table {table}: cannot be read ({str(exc).strip()[:300]})") \
                from None
        signature = tuple(str(v) for v in found)
        with self._lock:
            self._sources[table] = (time.monotonic(), signature)
        return signature

    def _read_source(self, name: str, table: str, columns: dict, folder: Path,
                     title: str | None = None) -> None:
        """The table, read with COPY … TO (SELECT only) into a CSV, through the importer
        (ACLED layout, or the generic one with `columns`), as dataset folder `folder`."""
        from dashboard.importers import import_file

        with scratch_dir("read") as work:
            csv_path = Path(work) / "table.csv"
            with connect(self.url) as conn, conn.cursor() as cur, open(csv_path, "wb") as out:
                query = sql.SQL("COPY (SELECT * FROM {}) TO STDOUT WITH (FORMAT csv, "
                                "HEADER true)").format(_table_identifier(table))
                try:
                    with cur.copy(query) as copy:
                        for block in copy:
                            out.write(block)
                except psycopg.Error as exc:
                    raise DataError([f"table {table}: cannot be read "
                                     f"({str(exc).strip()[:200]})"]) from None
            report = import_file(csv_path, dataset=name, datasets_dir=Path(work) / "out",
                                 fmt="csv" if columns else None, columns=columns or None,
                                 title=title or name, max_bytes=2**40)
            if not report.ok:
                raise DataError([f"table {table}: {p}" for p in report.problems])
            work_folder = _work_folder(folder)
            shutil.rmtree(work_folder)
            shutil.move(str(Path(work) / "out" / name), work_folder)
            _move_into_place(work_folder, folder)


class SqlQueries:
    """dashboard.queries.Queries in SQL, for one version of a dataset with PostGIS tables:
    windows on the indexed date columns (date, last_day), bounding boxes on the GiST index
    (then exactly, on the lon/lat columns), pages with LIMIT and keyset, counts with GROUP
    BY. Control areas and movements are chosen in SQL and given as the loaded record's
    objects (their geometry parsed and measured once, at load)."""

    def __init__(self, run, version: str, record):
        """`run(query, params)`: the rows of a statement (PostgisStore's, which answers a
        failure as StoreError)."""
        self.run, self.version, self.record = run, version, record
        self._areas = {a.id: a for a in record.areas}
        self._movements = {m.id: m for m in record.movements}

    def _window(self, start, end, first: str, last: str) -> tuple[list, list]:
        """The WHERE clauses (and their parameters) of the version's rows that overlap the
        days start..end, each row running from its `first` to its `last` day."""
        where, params = [sql.SQL("version = %s")], [self.version]
        if end is not None:
            where.append(sql.SQL("{} <= %s").format(sql.Identifier(first)))
            params.append(end)
        if start is not None:
            where.append(sql.SQL("{} >= %s").format(sql.Identifier(last)))
            params.append(start)
        return where, params

    def _where(self, query: EventQuery) -> tuple[sql.Composable, list]:
        where, params = self._window(query.start, query.end, "date", "last_day")
        if query.factions is not None:
            where.append(sql.SQL("actors && %s::text[]"))
            params.append(list(query.factions))
        if query.types is not None:
            where.append(sql.SQL("event_type = ANY(%s::text[])"))
            params.append(list(query.types))
        if query.bbox is not None:  # the index's float4 boxes, then the exact columns
            where.append(sql.SQL("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) AND "
                                 + BOX))
            params.extend([*query.bbox, *query.bbox])
        if query.outside is not None:
            where.append(sql.SQL("NOT (" + BOX + ")"))
            params.extend(query.outside)
        return sql.SQL(" AND ").join(where), params

    def events(self, query, offset=0, limit=None):
        where, params = self._where(query)
        total = self.run(sql.SQL("SELECT count(*) FROM frontlines.events WHERE {}")
                                  .format(where), params)[0][0]
        left = max(0, total - offset) if limit is None else max(0, min(limit, total - offset))
        return total, self._page(where, params, offset, left)

    def _page(self, where, params, offset: int, left: int):
        """The rows CHUNK at a time: the first chunk after `offset` rows, the next ones
        after the last row seen (keyset on the (date, id) order)."""
        columns = sql.SQL(", ").join(sql.Identifier(c) for c in EVENT_COLUMNS)
        after = None
        while left > 0:
            clause, values = where, list(params)
            if after is not None:
                clause = sql.SQL("{} AND (date > %s OR date = %s AND id COLLATE \"C\" > %s)") \
                    .format(where)
                values += [after[0], after[0], after[1]]
            rows = self.run(sql.SQL(
                "SELECT {} FROM frontlines.events WHERE {} ORDER BY date, id COLLATE \"C\" "
                "LIMIT %s OFFSET %s").format(columns, clause),
                [*values, min(left, MATERIALISE_CHUNK), offset if after is None else 0])
            if not rows:
                return
            table = pa.Table.from_pydict({c: [r[i] for r in rows]
                                          for i, c in enumerate(EVENT_COLUMNS)}, schema=SCHEMA)
            yield from EventTable(table, list(self.record.factions)).all()
            left -= len(rows)
            after = (rows[-1][EVENT_COLUMNS.index("date")], rows[-1][EVENT_COLUMNS.index("id")])

    def areas(self, day):
        return tuple(self._areas[i] for (i,) in self.run(
            "SELECT id FROM frontlines.control_areas WHERE version = %s AND valid_from <= %s "
            "AND (valid_to IS NULL OR %s < valid_to) ORDER BY valid_from, id COLLATE \"C\"",
            (self.version, day, day)))

    def movements(self, start=None, end=None, factions=None):
        where, params = self._window(start, end, "start_day", "end_day")
        if factions is not None:
            where.append(sql.SQL("faction = ANY(%s::text[])"))
            params.append(sorted(set(factions)))
        return tuple(self._movements[i] for (i,) in self.run(sql.SQL(
            "SELECT id FROM frontlines.movements WHERE {} ORDER BY start_day, id COLLATE \"C\"")
            .format(sql.SQL(" AND ").join(where)), params))

    def density(self, query, zoom):
        """dashboard.queries.density_cells in SQL: each event's Web Mercator pixel at
        `zoom`, counted per cell (doubled until there are at most MAX_CELLS), each cell at
        its events' mean position, in (column, row) order."""
        where, params = self._where(query)
        size = 512 * 2 ** zoom
        points = sql.SQL(
            "SELECT lon, lat, (lon + 180) / 360 * %s AS x, (1 - ln(tan(pi() / 4 + "
            "radians(least(greatest(lat, -85.05), 85.05)) / 2)) / pi()) / 2 * %s AS y "
            "FROM frontlines.events WHERE {}").format(where)
        cell = CELL_PX
        while self.run(sql.SQL(  # how many cells, counted in the database
                "SELECT count(*) FROM (SELECT 1 FROM ({}) AS p GROUP BY floor(x / %s), "
                "floor(y / %s)) AS c").format(points),
                [size, size, *params, float(cell), float(cell)])[0][0] > MAX_CELLS:
            cell *= 2
        rows = self.run(sql.SQL(
            "SELECT count(*), sum(lon), sum(lat), floor(x / %s) AS cx, floor(y / %s) AS cy "
            "FROM ({}) AS p GROUP BY cx, cy ORDER BY cx, cy").format(points),
            [float(cell), float(cell), size, size, *params])
        return tuple((round(sum_lon / n, 4), round(sum_lat / n, 4), int(n))
                     for n, sum_lon, sum_lat, _, _ in rows)


BOX = "lon >= %s AND lat >= %s AND lon <= %s AND lat <= %s"


# --- helpers ---------------------------------------------------------------------------------

def _table_identifier(table: str) -> sql.Identifier:
    parts = table.split(".")
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise DataError([f"table {table!r}: write it as table or schema.table"])
    return sql.Identifier(*parts)


def _work_folder(folder: Path) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{folder.name}.unpacking-", dir=folder.parent))


def _move_into_place(work: Path, folder: Path) -> None:
    work.chmod(0o755)
    try:
        os.rename(work, folder)
    except OSError:  # another worker unpacked the same version first: keep its folder
        if not folder.is_dir():
            raise


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _event_table(folder: Path, record) -> pa.Table:
    """All the events' columns: from events.parquet, or the record's (bundled) table."""
    if (folder / EVENTS_PARQUET).exists():
        return pq.read_table(folder / EVENTS_PARQUET, columns=EVENT_COLUMNS)
    return record.events.arrow.select(EVENT_COLUMNS)


def _copy_events(conn: psycopg.Connection, version: str, folder: Path, record) -> None:
    table = _event_table(folder, record)
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in ["version", *EVENT_COLUMNS])
    with conn.cursor() as cur, cur.copy(sql.SQL("COPY frontlines.events ({}) FROM STDIN")
                                        .format(columns)) as copy:
        for batch in table.to_batches(COPY_BATCH):
            for row in batch.to_pylist():
                copy.write_row([version, *(row[c] for c in EVENT_COLUMNS)])
            checkpoint("postgis-copying")


def _insert_features(conn: psycopg.Connection, table: str, version: str, path: Path) -> None:
    if not path.exists():
        return
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    if table == "control_areas":
        query = ("INSERT INTO frontlines.control_areas (version, id, faction, valid_from, "
                 "valid_to, feature, geom) VALUES (%s, %s, %s, %s, %s, %s, "
                 "ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))")
        rows = [(version, f["properties"]["id"], f["properties"]["faction"],
                 f["properties"]["valid_from"], f["properties"].get("valid_to"),
                 json.dumps(f), json.dumps(f["geometry"])) for f in features]
    else:
        query = ("INSERT INTO frontlines.movements (version, id, faction, start_day, end_day, "
                 "feature, geom) VALUES (%s, %s, %s, %s, %s, %s, "
                 "ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))")
        rows = [(version, f["properties"]["id"], f["properties"]["faction"],
                 f["properties"]["start"], f["properties"]["end"], json.dumps(f),
                 json.dumps(f["geometry"])) for f in features]
    if rows:
        conn.cursor().executemany(query, rows)


def _delete_version(conn: psycopg.Connection, version: str) -> None:
    for table in ("events", "control_areas", "movements", "factions"):
        conn.execute(sql.SQL("DELETE FROM frontlines.{} WHERE version = %s")
                     .format(sql.Identifier(table)), (version,))


def _write_events(conn: psycopg.Connection, version: str, path: Path) -> None:
    """The version's events as events.parquet, fetched a chunk at a time in (date, id)
    order (bytewise, as Arrow sorts), the order dashboard.eventtable.write_parquet takes its
    parts in: one chunk in memory at a time."""
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in EVENT_COLUMNS)

    def parts():
        with conn.cursor(name="events") as cur:  # server-side cursor
            cur.execute(sql.SQL("SELECT {} FROM frontlines.events WHERE version = %s ORDER BY "
                                "date, id COLLATE \"C\"").format(columns), (version,))
            while rows := cur.fetchmany(CHUNK):
                yield pa.Table.from_pydict(
                    {c: [r[i] for r in rows] for i, c in enumerate(EVENT_COLUMNS)}, schema=SCHEMA)
    write_parquet(parts(), path)

