"""Reading one row's cells by field name, with every problem collected in the file's terms.

A Header maps a layout's fields (date, lon, actor1, …) to the file's columns once per file;
a Cells object reads one row through it. Each getter parses its cell (a date in any export's
spelling, a number, a code) and, when the text cannot be read, records (the file's column
name, the reason) and returns None, so a row is reported with everything that is wrong with
it, not only the first thing. Whether a value read is allowed (a date order, a vocabulary,
the region, an address) is a rule of the row's shape (`dashboard.rows`), the same for every
format and for the bundled record.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping, Sequence

from dashboard.importers.report import FileError
from dashboard.rows import MAX_COUNT
from dashboard.taxonomy import EVENT_TYPES, TYPE_BY_SLUG

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} \
    | {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_ISO = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                  r"(?:Z|[+-]\d{2}:?\d{2})?)?")
_WORDS = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)\.?[ -](\d{4})")
_WHOLE = re.compile(r"-?\d+(?:\.0*)?")
_TYPES = {t.name.casefold(): t for t in EVENT_TYPES.values()} \
    | {slug: t for slug, t in TYPE_BY_SLUG.items()}
_SUBTYPES = {t.name: {s.casefold(): s for s in t.subtypes} for t in EVENT_TYPES.values()}


def parse_day(text: str) -> dt.date:
    """A day written as 2016-04-20 (optionally with a time, as UCDP writes it; GDAL writes
    2016/04/20), 20 April 2016 or 20-April-2016 (ACLED's export vintages; month names may
    be abbreviated). Ambiguous forms such as 04/05/2016 are refused rather than guessed."""
    if m := _ISO.fullmatch(text):
        year, month, day = int(m[1]), int(m[3]), int(m[4])
    elif (m := _WORDS.fullmatch(text)) and m[2].lower() in _MONTHS:
        year, month, day = int(m[3]), _MONTHS[m[2].lower()], int(m[1])
    else:
        raise ValueError(f"{text!r} is not a date (use 2016-04-20, 20 April 2016 or "
                         "20-April-2016)")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a real day") from None


class Header:
    """Where each field of a layout is in one file: resolved once, so reading a row is a
    list lookup. Column names match without regard to case or surrounding spaces; a name
    cut to 10 characters also matches, because Shapefiles (dBase) cut them so."""

    def __init__(self, columns: Sequence[str], fields: Mapping[str, str]):
        found: dict[str, list[int]] = {}
        for i, name in enumerate(columns):
            found.setdefault(name.strip().casefold(), []).append(i)
        self.column: dict[str, str] = {}  # field → the file's column name
        self.index: dict[str, int] = {}
        doubled = set()
        for f, wanted in fields.items():
            key = wanted.strip().casefold()
            key = key if key in found or key[:10] not in found else key[:10]
            self.column[f] = columns[found[key][0]] if key in found else wanted
            if key in found:
                self.index[f] = found[key][0]
                doubled.update([self.column[f]] if len(found[key]) > 1 else [])
        self.doubled = sorted(doubled)

    def name(self, field: str) -> str:
        """The file's name for a layout's field (as a user would look for it)."""
        return self.column.get(field, field).lstrip("\x00")

    def require(self, required: Sequence[str], what: str) -> None:
        """Refuse the file when a column the layout needs is absent or given twice."""
        missing = [f"{self.column[f]}" + (f" (for {f})" if self.column[f] != f else "")
                   for f in required if f not in self.index]
        if missing:
            raise FileError(f"{what}: missing required columns: {', '.join(missing)} "
                            "(map other column names with --columns field=Column)")
        if self.doubled:
            raise FileError(f"{what}: columns used twice in the header: "
                            f"{', '.join(self.doubled)}")


class Cells:
    """One row read through a Header; `problems` lists (column, reason) pairs."""

    def __init__(self, values: Sequence[str], header: Header):
        self.values, self.header = values, header
        self.problems: list[tuple[str, str]] = []

    def fail(self, field: str, reason: str) -> None:
        self.problems.append((self.header.name(field), reason))

    def text(self, field: str) -> str:
        i = self.header.index.get(field)
        return self.values[i].strip() if i is not None and i < len(self.values) else ""

    def required(self, field: str) -> str | None:
        value = self.text(field)
        if not value:
            self.fail(field, "is empty")
        return value or None

    def date(self, field: str, required: bool = True, first: bool = False) -> dt.date | None:
        """`first`: the cell may list several dates separated by ';' (UCDP's source_date);
        the first one counts."""
        value = self.text(field).split(";")[0].strip() if first else self.text(field)
        if not value:
            if required:
                self.fail(field, "is empty")
            return None
        try:
            return parse_day(value)
        except ValueError as exc:
            self.fail(field, str(exc))
            return None

    def number(self, field: str) -> float | None:
        value = self.text(field)
        try:
            return float(value)
        except ValueError:
            self.fail(field, f"{value!r} is not a number" if value else "is empty")
            return None

    def count(self, field: str) -> int | None:
        """A whole number (deaths); empty means not reported, which is not zero."""
        value = self.text(field)
        if not value:
            return None
        if not _WHOLE.fullmatch(value):
            self.fail(field, f"{value!r} is not a whole number")
            return None
        number = int(value.partition(".")[0])
        if abs(number) > MAX_COUNT:
            self.fail(field, f"{value!r} is too large a number (at most {MAX_COUNT})")
            return None
        return number

    def code(self, field: str, table: Mapping[str, str], open_: bool = False) -> str | None:
        """A value looked up in a table of codes ('2.0' reads as '2'); the table's '' entry,
        if any, is the default for an empty cell. With `open_`, a value that is no code is
        taken as written (the shape's rules judge it)."""
        value = self.text(field)
        key = value[:value.index(".")] if _WHOLE.fullmatch(value) and "." in value else value
        found = table.get(key.casefold())
        if found is None and open_ and value:
            return value
        if found is None:
            known = ", ".join(k for k in table if k)
            self.fail(field, f"{value!r} is not one of {known}" if value else "is empty")
        return found

    def event_type(self, type_field: str, sub_field: str) -> tuple[str | None, str | None]:
        """ACLED's type and sub-type (2019 codebook) in their own spelling, whatever the
        case (a type may be a slug); other values as written, for the rules to judge."""
        etype, subtype = self.text(type_field), self.text(sub_field)
        kind = _TYPES.get(etype.casefold())
        if kind is not None:
            subtype = _SUBTYPES[kind.name].get(subtype.casefold(), subtype)
        return (kind.name if kind else etype or None), subtype or None

    def url(self, field: str, default: str | None) -> str | None:
        value = self.text(field) or default
        if not value:
            self.fail(field, "is empty (give each row a URL, or --source-url for all rows)")
        return value
