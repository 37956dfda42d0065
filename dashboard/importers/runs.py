"""Rows sorted without holding them all: an external merge sort, so that an import's memory
does not grow with the number of rows it writes.

Rows come one at a time. Every `run_rows` of them are sorted and spilled to a Parquet "run"
in a folder of the caller's (the import's temporary dataset folder: a failed import deletes
its runs with it). At the end the runs are merged a chunk at a time: a few row groups of
each run are buffered; every buffered row up to the smallest last key among the buffers of
runs that hold more is emitted (no unread row can come before it: a binary search per run
finds them, Arrow sorts them as one table); the drained buffers are refilled, and so on.
More than FAN_IN runs are first merged FAN_IN at a time into longer runs, so the buffers
held together stay within about MERGE_ROWS rows however many runs there are. A row's
arrival number breaks ties, so the result is exactly a stable sort of all the rows, whatever
the size of the runs.
"""
from __future__ import annotations

import shutil
from bisect import bisect_right
from pathlib import Path
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dashboard.eventtable import regroup
from dashboard.importers.faults import checkpoint

RUN_ROWS = 20_000  # rows sorted in memory before they are spilled as one run
BATCH = 5_000  # rows held as Python dicts before they become a compact Arrow batch
FAN_IN = 64  # runs merged at once
MERGE_ROWS = 32_000  # rows buffered across the runs of one merge (~800 bytes each)
RUN_GROUP = MERGE_ROWS // FAN_IN  # rows of a run's row groups, the least read at once
SEQ = "__arrival"  # the rows' arrival numbers, in the runs only


class SortedRuns:
    """Add rows (dicts of `schema`), then iterate `sorted()` once for them as tables, in the
    order of `keys` (ascending; no nulls in them), rows with equal keys in arrival order."""

    def __init__(self, folder: Path, schema: pa.Schema, keys: Sequence[str],
                 run_rows: int | None = None):
        self.folder, self.schema = Path(folder), schema
        self.run_rows = run_rows or RUN_ROWS
        self.keys = [*keys, SEQ]
        self.order = [(k, "ascending") for k in self.keys]
        self.rows: list[dict] = []
        self.batches: list[pa.RecordBatch] = []
        self.held = 0  # rows in self.rows and self.batches
        self.added = 0
        self.runs: list[Path] = []
        self.made = 0  # run files made, for their names

    def add(self, row: dict) -> None:
        self.rows.append(row)
        self.held += 1
        if len(self.rows) >= min(BATCH, self.run_rows):
            self._batch()
        if self.held >= self.run_rows:
            self._spill()

    def _batch(self) -> None:
        if self.rows:
            batch = pa.RecordBatch.from_pylist(self.rows, schema=self.schema)
            arrival = pa.array(range(self.added, self.added + len(self.rows)), pa.int64())
            self.batches.append(batch.append_column(SEQ, arrival))
            self.added += len(self.rows)
            self.rows = []

    def _held(self) -> pa.Table:
        """The rows held in memory, sorted; held no more."""
        self._batch()
        table = pa.Table.from_batches(self.batches, schema=self.schema.append(
            pa.field(SEQ, pa.int64())))
        self.batches, self.held = [], 0
        return table.take(pc.sort_indices(table, self.order))

    def _spill(self) -> None:
        self._write_run([self._held()])

    def _write_run(self, parts) -> None:
        path = self.folder / f"run-{self.made:05d}.parquet"
        self.made += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        schema = self.schema.append(pa.field(SEQ, pa.int64()))
        with pq.ParquetWriter(path, schema, compression="lz4", write_statistics=False) as out:
            for part in regroup(parts, RUN_GROUP):
                out.write_table(part, row_group_size=RUN_GROUP)
        self.runs.append(path)

    def sorted(self) -> Iterator[pa.Table]:
        """Every row added, sorted, as a few tables in order (none when no row was added);
        the runs' folder is deleted once they are used up (or the merge fails)."""
        if not self.runs:
            checkpoint("merging")
            table = self._held()
            if len(table):
                yield table.drop_columns([SEQ])
            return
        try:
            if self.held:
                self._spill()
            checkpoint("merging")
            while len(self.runs) > FAN_IN:  # merge passes: longer runs, fewer of them
                runs, self.runs = self.runs, []
                for at in range(0, len(runs), FAN_IN):
                    group = runs[at:at + FAN_IN]
                    self._write_run(self._merge(group))
                    _delete(group)
            for part in self._merge(self.runs):
                yield part.drop_columns([SEQ])
        finally:
            self.runs = []
            shutil.rmtree(self.folder, ignore_errors=True)

    def _merge(self, runs: list[Path]) -> Iterator[pa.Table]:
        """The rows of sorted runs, sorted, a piece at a time."""
        groups = max(1, MERGE_ROWS // (len(runs) * RUN_GROUP))  # row groups read at once
        readers = []
        try:
            for path in runs:
                readers.append(_Reader(path, groups, self.keys))
            while True:
                for reader in readers:
                    reader.fill()
                live = [r for r in readers if not r.empty]
                if not live:
                    return
                # no row still unread comes before the last row read from a run with more
                bound = min((r.last for r in live if r.more), default=None)
                merged = pa.concat_tables([r.take(bound) for r in live])
                yield merged.take(pc.sort_indices(merged, self.order))
        finally:
            for reader in readers:
                reader.file.close()


class _Reader:
    """A run being merged: its rows read and not yet emitted, with their keys as tuples (a
    binary search finds those up to a bound). It is read a few row groups at a time, holding
    nothing else between reads but the file's metadata (a streaming reader would keep a
    whole row group's buffers per column)."""

    def __init__(self, path: Path, groups: int, keys: Sequence[str]):
        self.file, self.groups, self.keys = pq.ParquetFile(path), groups, keys
        self.next = 0  # the next row group to read
        self.rows = None
        self.row_keys: list[tuple] = []
        self.at = 0  # the first row not yet emitted

    @property
    def more(self) -> bool:
        return self.next < self.file.num_row_groups

    @property
    def empty(self) -> bool:
        return self.at >= len(self.row_keys)

    @property
    def last(self) -> tuple:
        return self.row_keys[-1]

    def fill(self) -> None:
        while self.empty and self.more:
            wanted = range(self.next, min(self.next + self.groups, self.file.num_row_groups))
            self.next = wanted.stop
            self.rows = self.file.read_row_groups(wanted, use_threads=False)
            self.row_keys = list(zip(*(self.rows[k].to_pylist() for k in self.keys)))
            self.at = 0

    def take(self, bound: tuple | None) -> pa.Table:
        """The rows not emitted yet whose keys are ≤ bound (all of them for None)."""
        end = len(self.row_keys) if bound is None else bisect_right(self.row_keys, bound, self.at)
        piece, self.at = self.rows.slice(self.at, end - self.at), end
        return piece


def _delete(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
