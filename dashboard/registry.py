"""The datasets the app can show: the bundled record and those users imported.

Each dataset is loaded and derived once (the first time it is asked for) and is read-only
afterwards. The registry itself changes only when an import finishes, under a lock; it holds
datasets, never a user's view, so sharing it between users and workers is safe.
"""
from __future__ import annotations

import threading
from pathlib import Path

from dashboard.dataset import Dataset, load_dataset
from dashboard.dataset_names import is_dataset_name
from dashboard.leftovers import tidy
from dashboard.records import DataError, load_meta


class UnknownDataset(KeyError):
    def __init__(self, name: str, known: list[str]):
        self.name = name
        super().__init__(f"no dataset named {name[:64]!r}; known: {', '.join(known)}")

    def __str__(self) -> str:
        return self.args[0]


class Registry:
    def __init__(self, bundled: Path, datasets_dir: Path | None):
        self.bundled = Path(bundled)
        self.datasets_dir = Path(datasets_dir) if datasets_dir else None
        tidy(self.datasets_dir)  # what a killed import or export left, before serving
        self.default = load_meta(self.bundled / "dataset.json")["name"]
        self._lock = threading.Lock()
        self._loaded: dict[str, Dataset] = {}
        self._loaded[self.default] = load_dataset(self.bundled)

    def _folder(self, name: str) -> Path | None:
        if name == self.default:
            return self.bundled
        if self.datasets_dir and is_dataset_name(name) and (self.datasets_dir / name).is_dir():
            return self.datasets_dir / name
        return None

    def names(self) -> list[str]:
        found = [self.default]
        if self.datasets_dir and self.datasets_dir.is_dir():
            found += sorted(p.name for p in self.datasets_dir.iterdir()
                            if p.is_dir() and is_dataset_name(p.name) and p.name != self.default
                            and (p / "events.geojson").exists())
        return found

    def get(self, name: str | None) -> Dataset:
        name = name or self.default
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
        folder = self._folder(name)
        if folder is None:
            raise UnknownDataset(name, self.names())
        data = load_dataset(folder, self.bundled)  # the bundled basemap serves every dataset
        with self._lock:
            return self._loaded.setdefault(name, data)

    def forget(self, name: str) -> None:
        """After a re-import: the next get() loads the new files."""
        with self._lock:
            if name != self.default:
                self._loaded.pop(name, None)

    def describe(self) -> list[dict]:
        out = []
        for name in self.names():
            try:
                record = self.get(name).record
            except DataError as exc:
                out.append({"name": name, "error": str(exc)[:500]})
                continue
            out.append({"name": name, "title": dict(record.meta["title"]),
                        "bundled": name == self.default, "events": len(record.events),
                        "areas": len(record.areas), "movements": len(record.movements),
                        "first_day": record.first_day.isoformat(),
                        "last_day": record.last_day.isoformat(), "extent": record.extent})
        return out
