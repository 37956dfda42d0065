"""What a dataset is, without loading it: catalog.json, written next to the data by the
import once the folder has been validated.

Listing datasets (the menu, the page, /api/datasets) reads these few hundred bytes, never the
events. Its `version`, new at every import, is half of the key under which workers cache a
loaded dataset (dashboard.registry), so a re-import reaches every worker through the folder
itself, without messages between processes.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from dashboard.records import EVENTS_PARQUET, LANGUAGES, Record

CATALOG = "catalog.json"
FIELDS = ("title", "events", "areas", "movements", "first_day", "last_day", "extent")


def describe(record: Record) -> dict:
    """A loaded record's entry: title, counts, first and last day, extent."""
    return {"title": dict(record.meta["title"]), "events": len(record.events),
            "areas": len(record.areas), "movements": len(record.movements),
            "first_day": record.first_day.isoformat(), "last_day": record.last_day.isoformat(),
            "extent": list(record.extent)}


def write_catalog(folder: Path, record: Record) -> dict:
    """After the folder was loaded and checked: the entry, a new version, and the size and
    modification time of the events file checked, so that loading that very file again
    can skip the checks (eventtable.read_parquet); any change to it brings them back."""
    entry = {**describe(record), "version": uuid.uuid4().hex}
    events = Path(folder) / EVENTS_PARQUET
    if events.exists():
        st = events.stat()
        entry["checked"] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    path = Path(folder) / CATALOG
    temp = path.with_name(f".{CATALOG}.writing")
    temp.write_text(json.dumps(entry, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(temp, path)
    return entry


def read_catalog(folder: Path) -> dict | None:
    """The folder's catalog entry, or None when it has none or it is not one (a folder an
    older import made, or damaged): such a dataset is listed by name until it loads."""
    try:
        entry = json.loads((Path(folder) / CATALOG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(entry, dict) and all(k in entry for k in FIELDS) \
        and isinstance(entry.get("version"), str) and isinstance(entry["title"], dict) \
        and all(isinstance(entry["title"].get(k), str) for k in LANGUAGES)
    return entry if ok else None
