"""What an import tells its user: counts, every rejected row with its field and reason, the
factions it had to create, and any file-level problem. The same object serves the command
line (`as_text()`) and the web app (its fields)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Rejected rows kept in memory for the report; a file with more still has all of them in its
# rejects CSV. This bounds memory when a million-row file is wrong on every line.
MAX_REPORTED_REJECTS = 1000


class UsageError(ValueError):
    """The call itself is wrong (bad dataset name, unknown format, unreadable mapping file,
    a folder that is not ours to replace): command-line exit code 2."""


class FileError(ValueError):
    """The file as a whole cannot be imported (too big, binary, empty, no header, missing
    columns, unreadable archive): the import stops and nothing is written."""


@dataclass(frozen=True)
class Reject:
    """One problem of one row, in the file's own terms: its line (CSV) or feature number
    (spatial files), counted from 1, and the column as the file names it."""

    line: int
    field: str
    reason: str
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: field '{self.field}': {self.reason}"


@dataclass(frozen=True)
class Progress:
    """Where a long import is: `stage` is "reading" (rows so far, share of the file read),
    "writing" (the events, spilled as sorted runs while reading, merged into the dataset's
    events file) or "validating" (the finished folder is being loaded as the app will load
    it)."""

    stage: str
    rows: int
    fraction: float | None = None


@dataclass
class ImportReport:
    source: Path
    dataset: str
    format: str | None = None
    encoding: str | None = None
    path: Path | None = None  # the dataset folder, set once it is written
    problems: list[str] = field(default_factory=list)  # why the import failed, if it did
    rejects: list[Reject] = field(default_factory=list)  # at most MAX_REPORTED_REJECTS rows
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("rows_read", "imported", "events", "areas", "rejected", "actors_mapped",
         "factions_created"), 0))
    created_factions: list[dict] = field(default_factory=list)  # {"id", "actor", "colour"}
    mapped_actors: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (id, rule)
    notes: list[str] = field(default_factory=list)  # caveats the user should know about
    rejects_file: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    reported_rows: int = 0  # rejected rows whose problems are in `rejects`

    @property
    def ok(self) -> bool:
        return self.path is not None and not self.problems

    def add_reject(self, line: int, problems: list[tuple[str, str]], unit: str) -> None:
        """Count a rejected row; keep its problems for the report while there is room."""
        self.counts["rejected"] += 1
        if self.reported_rows < MAX_REPORTED_REJECTS:
            self.reported_rows += 1
            self.rejects.extend(Reject(line, name, reason, unit) for name, reason in problems)

    def as_text(self, paths: bool = True) -> str:
        """The report for a person; paths=False leaves out where the server keeps files
        (the web page's users have no business knowing)."""
        c = self.counts
        kind = f"{self.format}" + (f", read as {self.encoding}" if self.encoding else "")
        lines = [f"Import of {self.source.name} ({kind}) into dataset '{self.dataset}': "
                 + ("done" if self.ok else "FAILED, nothing was written")]
        lines.append(f"rows read: {c['rows_read']:,}; "
                     f"{'imported' if self.ok else 'valid (not imported)'}: {c['imported']:,} "
                     f"({c['events']:,} events, {c['areas']:,} control areas); "
                     f"rejected: {c['rejected']:,}")
        lines.append(f"actor names mapped to registry or mapping-file factions: "
                     f"{c['actors_mapped']:,}; new factions created: {c['factions_created']:,}")
        lines += [f"problem: {p}" for p in self.problems]
        if self.mapped_actors:
            lines.append("actor names and the faction each became:")
            lines += [f"  {name!r} → {fid} ({rule})"
                      for name, (fid, rule) in sorted(self.mapped_actors.items())]
        if self.created_factions:
            lines.append("new factions (not in the registry or the mapping file):")
            lines += [f"  {f['id']} ({f['colour']}): {f['actor']!r}" for f in self.created_factions]
        if self.rejects:
            lines.append("rejected rows:")
            lines += [f"  {r}" for r in self.rejects]
        hidden = c["rejected"] - self.reported_rows
        rejects_file = self.rejects_file if paths else "the rejects file"
        if hidden > 0:
            lines.append(f"  … and {hidden:,} more rejected rows"
                         + (f" (all are in {rejects_file})" if self.rejects_file else
                            " (use --rejects FILE to get all of them)"))
        if self.rejects_file:
            lines.append(f"rejected rows written to {rejects_file}")
        lines += [f"note: {n}" for n in self.notes]
        if self.path:
            lines.append(f"dataset written to {self.path if paths else 'the datasets folder'}")
        return "\n".join(lines)
