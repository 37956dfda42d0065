"""Cells of every CSV the app writes, made safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (`=HYPERLINK(...)` can leak the sheet or run a
command), so, as OWASP advises, such a cell gets a leading `'`, which spreadsheets show as
text and which a script can strip. One exception, on purpose: a cell that is a plain number
(`-3.5`, `+12`, `-1e-3`) is data, and a number cannot be a formula, so it is left as it is;
prefixing it would turn every western longitude into text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value) -> object:
    """The value, with a `'` in front if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START) \
            and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    """A row for csv.writer with every cell made safe."""
    return [safe_cell(v) for v in values]
