"""Writing a dataset folder so that the app never sees half of one.

The folder is built under a hidden temporary name inside the datasets folder (the final
rename then stays on one file system), events streamed to disk as they come (as sorted runs,
merged into events.parquet at the end: dashboard.importers.runs). Only after
`load_record` accepts the finished folder does it take the dataset's name; a dataset it
replaces is moved aside first and deleted last, and put back if the swap fails. Anything
not committed is deleted, whatever stopped the import.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pyarrow as pa
from shapely.geometry import mapping

from dashboard.config import ROOT, from_environment
from dashboard.dataset_names import is_dataset_name, name_problem
from dashboard.importers.factions import PALETTE_NOTE, UniqueIds, slugify
from dashboard.importers.faults import checkpoint
from dashboard.importers.layouts import AreaRow, EventRow
from dashboard.importers.report import UsageError
from dashboard.importers.runs import SortedRuns
from dashboard.leftovers import SWAPPING, close_quietly, tagged
from dashboard.eventtable import ORDER, SCHEMA, write_parquet
from dashboard.records import EVENTS_PARQUET, LANGUAGES, WORLD

GEODATA = ROOT / "geodata"
PLACE_COLUMNS = ("id", "name_en", "name_fr", "variants", "lon", "lat", "kind", "rank",
                 "population", "source", "source_id", "licence")


def default_datasets_dir() -> Path:
    """The app's datasets folder, as its one Config reads it (FRONTLINES_DATASETS_DIR)."""
    return Path(from_environment([]).datasets_dir)


def target_folder(datasets_dir: Path, name: str) -> Path:
    """Where dataset `name` goes; refuses bad names (dashboard.dataset_names), the bundled
    record, and any existing folder an import did not make (so a typo cannot replace
    unrelated files)."""
    problem = name_problem(name, GEODATA)
    if problem:
        raise UsageError(problem)
    target = Path(datasets_dir) / name
    resolved, geodata = target.resolve(), GEODATA.resolve()
    if resolved == geodata or geodata in resolved.parents:
        raise UsageError("the bundled record (geodata/) is never modified: choose another "
                         "datasets folder")
    if (target.exists() or target.is_symlink()) and not is_imported(target):
        raise UsageError(not_ours(target))
    return target


def not_ours(target: Path) -> str:
    """Named by the dataset, not the path: the page shows this message to its users."""
    return (f"a folder named {target.name!r} exists in the datasets folder and was not made "
            "by an import: not replacing it")


def is_imported(folder: Path) -> bool:
    meta = read_meta(folder)
    return folder.is_dir() and not folder.is_symlink() and isinstance(meta, dict) \
        and isinstance(meta.get("import"), dict)


def read_meta(folder: Path) -> dict | None:
    try:
        meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def list_datasets(datasets_dir: Path) -> list[dict]:
    """The dataset folders in datasets_dir: name, title ({"en", "fr"}), path and number of
    events (from the import's own count; None for folders an import did not make)."""
    folder = Path(datasets_dir)
    if not folder.is_dir():
        return []
    out = []
    for sub in sorted(folder.iterdir()):
        meta = read_meta(sub) if sub.is_dir() and is_dataset_name(sub.name) else None
        if meta is None:
            continue
        title = meta.get("title")
        if not (isinstance(title, dict) and all(isinstance(title.get(k), str) for k in LANGUAGES)):
            title = {"en": sub.name, "fr": sub.name}
        counts = meta["import"].get("counts") if is_imported(sub) else None
        events = counts.get("events") if isinstance(counts, dict) else None
        out.append({"name": sub.name, "title": title, "path": sub, "events": events})
    return out


class FeatureWriter:
    """A GeoJSON FeatureCollection written one feature at a time."""

    def __init__(self, path: Path):
        self.file = open(path, "w", encoding="utf-8")
        self.file.write('{"type":"FeatureCollection","features":[\n')
        self.count = 0

    def add(self, feature: dict) -> None:
        if self.count:
            self.file.write(",\n")
        self.file.write(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
        self.count += 1

    def close(self) -> None:
        if not self.file.closed:
            try:
                self.file.write("\n]}\n")
            finally:
                self.file.close()


class DatasetBuilder:
    """A dataset folder under construction; use as a context manager: on leaving it the
    temporary folder is gone, either renamed into place by commit() or deleted."""

    def __init__(self, target: Path):
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=tagged(f".{target.name}.importing-"),
                                            dir=target.parent))
        self.committed = False
        try:
            self.folder.chmod(0o755)  # mkdtemp's 0700 would hide the dataset from a web server
            # sorted runs spilled inside the folder, deleted with it or once merged
            self.events = SortedRuns(self.folder / ".runs", SCHEMA, [k for k, _ in ORDER])
            self.areas = FeatureWriter(self.folder / "control_areas.geojson")
        except BaseException:  # e.g. a full disk: no `with` block will clean up
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.places: dict[tuple[str, ...], list] = {}  # place key → [name, Σlon, Σlat, n]

    def __enter__(self) -> DatasetBuilder:
        return self

    def __exit__(self, *exc) -> None:
        """Deletes what was not committed, even on a full disk (where closing fails)."""
        close_quietly(self.areas)
        if not self.committed:
            shutil.rmtree(self.folder, ignore_errors=True)

    def add_event(self, row: EventRow, eid: str, actors: list[str]) -> None:
        self.events.add({
            "id": eid, "date": row.date, "date_end": row.date_end,
            "date_precision": row.date_precision, "place": row.place, "place_detail": None,
            "lon": row.lon, "lat": row.lat, "location_precision": row.location_precision,
            "event_type": row.event_type, "sub_event_type": row.sub_event_type,
            "actors": actors, "actor_names": list(row.actor_names),
            "fatalities": row.fatalities, "fatalities_low": None, "fatalities_high": None,
            "summary_en": row.summary["en"], "summary_fr": row.summary["fr"],
            "notes": row.notes, "sources": json.dumps([row.source], ensure_ascii=False),
            "publishers": [row.source["publisher"]], "fatality_claims": None,
            "provenance": None})
        place = self.places.setdefault(row.place_key, [row.place, 0.0, 0.0, 0])
        place[1] += row.lon
        place[2] += row.lat
        place[3] += 1

    def add_area(self, row: AreaRow, aid: str, faction: str, contested: list[str]) -> None:
        self.areas.add({
            "type": "Feature", "geometry": mapping(row.geometry),
            "properties": {
                "id": aid, "name": {"en": row.name, "fr": row.name}, "faction": faction,
                "status": row.status, "contested_with": contested,
                "valid_from": row.valid_from.isoformat(),
                "valid_to": row.valid_to.isoformat() if row.valid_to else None,
                "precision": row.precision, "sources": [row.source]}})

    def finish(self, factions: list[dict], meta: dict) -> Path:
        """Write the files that need the whole import (events sorted, factions used,
        gazetteer, metadata)."""
        write_parquet(self.events.sorted(), self.folder / EVENTS_PARQUET)
        pa.default_memory_pool().release_unused()  # the merge's buffers, before the check
        self.areas.close()
        (self.folder / "movements.geojson").write_text(
            '{"type":"FeatureCollection","features":[]}\n', encoding="utf-8")
        self._write_places()
        _write_json(self.folder / "factions.json", {"palette": PALETTE_NOTE, "factions": factions})
        _write_json(self.folder / "dataset.json", {**meta, "region": list(WORLD)})
        return self.folder

    def _write_places(self) -> None:
        """One gazetteer row per distinct event place, at the mean of its events' points."""
        ids = UniqueIds()
        with open(self.folder / "places.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(PLACE_COLUMNS)
            for name, lon, lat, n in self.places.values():
                writer.writerow((ids.make(slugify(name, 60) or "place"), name, name, "",
                                 round(lon / n, 5), round(lat / n, 5), "place", 3, "", "import",
                                 "", "as the imported file"))

    def commit(self) -> None:
        """Give the validated folder the dataset's name, replacing an earlier import. If the
        process dies between the two renames, dashboard.leftovers.tidy puts the old copy
        back at the next start or import."""
        target, old = self.target, None
        with SWAPPING:
            if target.exists() or target.is_symlink():
                if not is_imported(target):
                    raise UsageError(not_ours(target))
                old = target.with_name(tagged(f".{target.name}.replaced-") + uuid.uuid4().hex[:8])
                os.rename(target, old)
                checkpoint("between-renames")
            try:
                os.rename(self.folder, target)
            except OSError:
                if old is not None:
                    os.rename(old, target)
                raise
            self.committed = True
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
