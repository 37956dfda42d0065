"""Reading a user's CSV safely: a size limit, an encoding decided from the bytes (and
reported; UTF-16 and UTF-32 with a byte-order mark are read too), and rows streamed one at
a time with their line numbers, so that a million-row export never sits in memory and every
problem can name its line."""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterator

from dashboard.importers.report import FileError

CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t")


@dataclass
class Row:
    """One record of a table: its line (or feature number), its cells in header order, and
    its geometry when it comes from a spatial file."""

    line: int
    values: list[str]
    geometry: object = None


@dataclass
class Table:
    """Rows sharing one header: a CSV file, or one layer of a spatial file."""

    name: str
    columns: list[str]
    rows: Iterator[Row]
    unit: str = "line"
    geometry_types: frozenset[str] = frozenset()  # empty for CSV: no geometry column
    fraction: Callable[[], float | None] = lambda: None  # share of the input read so far
    close: Callable[[], None] = lambda: None


def check_size(path: Path, max_bytes: int) -> int:
    """Refuse empty files and files over the limit before reading a byte of them."""
    size = path.stat().st_size
    if size == 0:
        raise FileError("the file is empty")
    if size > max_bytes:
        raise FileError(f"the file is {size / 2**20:.1f} MiB, over the limit of "
                        f"{max_bytes / 2**20:.1f} MiB (raise it with --max-bytes)")
    return size


def head(path: Path, size: int = 65536) -> bytes:
    with open(path, "rb") as f:
        return f.read(size)


def wide_encoding(start: bytes) -> str | None:
    """"utf-16" or "utf-32" if the bytes start with that encoding's byte-order mark
    (spreadsheets on Windows save "Unicode text" as UTF-16 LE with one); Python's codecs of
    those names read the mark and drop it."""
    if start.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00
        return "utf-32"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def sniff_encoding(path: Path) -> str:
    """utf-16 or utf-32 if the file starts with their byte-order mark, utf-8-sig if it starts
    with UTF-8's, utf-8 if every byte decodes, else latin-1 (which decodes anything, so the
    report must say it was used). The whole file is checked, in chunks: a bad byte at row
    900,000 must not surface halfway through writing."""
    start = head(path, 4)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    wide = wide_encoding(start)
    decoder = codecs.getincrementaldecoder(wide or "utf-8")()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        if wide:
            raise FileError(f"the file starts with a {wide.upper()} byte-order mark but is not "
                            f"valid {wide.upper()} text: save it as UTF-8 and import again") \
                from None
        return "latin-1"
    return wide or "utf-8"


def first_line(path: Path, encoding: str) -> str:
    text = head(path).decode(encoding, errors="replace")
    return text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""


def delimiter(line: str) -> str:
    """The most frequent of comma, semicolon and tab in the header line (spreadsheets in
    many locales export semicolons)."""
    return max(DELIMITERS, key=line.count)


def csv_table(path: Path, encoding: str) -> Table:
    """The file as one Table whose rows are read lazily; refuses binary data and files with
    no header row."""
    if not wide_encoding(head(path, 4)) and b"\x00" in head(path):
        raise FileError("the file holds NUL bytes: it looks like a binary file, not CSV text")
    sep = delimiter(first_line(path, encoding))
    raw = open(path, "rb")
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    try:
        reader = csv.reader(text, delimiter=sep)
        header = _header(reader)
    except BaseException:
        text.close()
        raise
    size = max(path.stat().st_size, 1)
    return Table(path.name, header, _records(reader), "line",
                 fraction=lambda: min(raw.tell() / size, 1.0) if not raw.closed else 1.0,
                 close=text.close)


def _header(reader) -> list[str]:
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                return [c.strip() for c in cells]
    except csv.Error as exc:
        raise FileError(f"line {reader.line_num}: the header cannot be read as CSV ({exc})") \
            from None
    raise FileError("the file has no header row")


def _records(reader) -> Iterator[Row]:
    """Rows with the line each starts on (a quoted cell may span lines); blank lines are
    skipped. A CSV syntax error stops the import: what follows it cannot be trusted."""
    end = reader.line_num
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if any(c.strip() for c in cells):
                yield Row(start, cells)
    except csv.Error as exc:
        raise FileError(f"line {end + 1}: cannot be read as CSV ({exc})") from None
