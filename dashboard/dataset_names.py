"""The one rule for a dataset's name, used by the importer, the registry and uploads.

A name becomes a folder name and a URL parameter, so it is 1-64 lower-case letters, digits,
- and _, starting with a letter or digit, matched whole (a trailing newline is refused). It
may not be the bundled record's name (an import under it could never be reached), nor a
name Windows reserves for devices (con, prn, aux, nul, com1-9, lpt1-9), which no Windows
machine could create or copy, whatever follows a dot.
"""
from __future__ import annotations

import re
from pathlib import Path

from dashboard.records import DataError, load_meta

# the hyphen is escaped so that the page can use the same pattern (HTML pattern attributes
# are compiled with the v flag, where a bare "-" in a class is an error)
NAME = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                    *(f"lpt{i}" for i in range(1, 10))}
RULE = ("use 1-64 lower-case letters, digits, - or _, starting with a letter or digit")


def bundled_name(bundled: Path) -> str | None:
    """The name the bundled record's dataset.json gives it (None if it cannot be read)."""
    try:
        return load_meta(Path(bundled) / "dataset.json")["name"]
    except (DataError, OSError):
        return None


def name_problem(name: object, bundled: Path | None = None) -> str | None:
    """Why `name` cannot name an imported dataset (None if it can); with `bundled`, the
    bundled record's folder, its name is refused too."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return f"dataset name {str(name)[:80]!r}: {RULE}"
    if name.split(".")[0].lower() in WINDOWS_RESERVED:
        return f"dataset name {name!r} is reserved on Windows: choose another"
    if bundled is not None and name == bundled_name(bundled):
        return f"dataset name {name!r} is the bundled record's: choose another"
    return None


def is_dataset_name(name: object) -> bool:
    """Whether a folder or URL value can be an imported dataset's name."""
    return name_problem(name) is None
