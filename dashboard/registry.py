"""The datasets the app can show: the bundled record and those users imported.

Imported datasets come from a store (dashboard.store): folders under the datasets folder by
default, or PostGIS tables that several app servers share. Listing never loads data: the
menu, the page and /api/datasets read each dataset's catalog entry. An imported dataset is
loaded on first use into a cache bounded in memory (least recently used out first, by
approximate size), keyed by its name and the store's key for its current version (a folder's
catalog version and files' sizes and modification times; a PostGIS dataset's version row),
so that a re-import is seen by every worker and server on its next request, with no message
between processes. A dataset that fails to load is remembered as broken, with the reason,
under the same key: it is not retried until it changes. Loaded datasets are read-only, so
sharing them between users and threads is safe; the cache changes only under a lock.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

from dashboard.catalog import FIELDS, describe
from dashboard.dataset import Dataset, load_dataset
from dashboard.leftovers import tidy
from dashboard.records import DataError, load_meta
from dashboard.store import FileStore, Store, StoreError

log = logging.getLogger(__name__)


class UnknownDataset(KeyError):
    def __init__(self, name: str, known: list[str]):
        self.name = name
        super().__init__(f"no dataset named {name[:64]!r}; known: {', '.join(known)}")

    def __str__(self) -> str:
        return self.args[0]


class Registry:
    def __init__(self, bundled: Path, datasets_dir: Path | None,
                 cache_bytes: int = 2 * 2**30, store: Store | None = None):
        self.bundled = Path(bundled)
        self.datasets_dir = Path(datasets_dir) if datasets_dir else None
        tidy(self.datasets_dir)  # what a killed import or export left, before serving
        self.default = load_meta(self.bundled / "dataset.json")["name"]
        self.store = store or FileStore(self.datasets_dir, self.default)
        self.budget = cache_bytes  # memory for loaded datasets (Config.cache_mb)
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        # name → (key, Dataset or DataError); most recently used last
        self._cache: OrderedDict[str, tuple[tuple, Dataset | DataError]] = OrderedDict()
        self._bundled = load_dataset(self.bundled)  # small, and every page needs it
        self._bundled_entry = describe(self._bundled.record)

    def names(self) -> list[str]:
        """The bundled record's name, then the store's datasets' (none while the store
        cannot be reached: the bundled record is still served)."""
        try:
            found = self.store.names()
        except StoreError as exc:
            log.error("%s", exc)
            found = []
        return [self.default] + [n for n in found if n != self.default]

    def get(self, name: str | None) -> Dataset:
        """The dataset, loaded on first use (or after it changed); raises UnknownDataset,
        or DataError for a broken dataset (remembered, not retried)."""
        name = name or self.default
        if name == self.default:
            return self._bundled
        key = self.store.key(name)
        if key is None:
            raise UnknownDataset(name, self.names())
        found = self._cached(name, key)
        if found is None:
            with self._lock:
                loading = self._loading.setdefault(name, threading.Lock())
            with loading:  # one load per dataset at a time; the others wait for it
                found = self._cached(name, key)
                if found is None:
                    try:
                        found = self.store.load(name, self.bundled)  # the bundled basemap
                    except DataError as exc:
                        found = exc
                    self._store(name, key, found)
        if isinstance(found, DataError):
            raise found
        return found

    def _cached(self, name: str, key: tuple) -> Dataset | DataError | None:
        with self._lock:
            entry = self._cache.get(name)
            if entry is None or entry[0] != key:
                return None
            self._cache.move_to_end(name)
            return entry[1]

    def _store(self, name: str, key: tuple, value: Dataset | DataError) -> None:
        with self._lock:
            self._cache[name] = (key, value)
            self._cache.move_to_end(name)
            total = sum(_size(v) for _, v in self._cache.values())
            while total > self.budget and len(self._cache) > 1:
                _, (_, dropped) = self._cache.popitem(last=False)
                total -= _size(dropped)

    def describe(self) -> list[dict]:
        """Every dataset's catalog entry; one that failed to load is listed with its error.
        A folder without a catalog (made by hand, or by an older version) is described from
        this worker's loaded copy if it has one, else by its title alone (counts None).
        Reads no events."""
        out = [{"name": self.default, **self._bundled_entry, "bundled": True}]
        for name in self.names()[1:]:
            key = self.store.key(name)
            if key is None:  # removed since it was listed
                continue
            found = self._cached(name, key)
            if isinstance(found, DataError):
                out.append({"name": name, "error": str(found)[:500]})
                continue
            entry = self.store.entry(name) or (describe(found.record) if found else None)
            if entry is None:
                folder = getattr(self.store, "folder", lambda _: None)(name)
                try:
                    title = load_meta(folder / "dataset.json")["title"] if folder else \
                        {"en": name, "fr": name}
                except DataError as exc:
                    out.append({"name": name, "error": str(exc)[:500]})
                    continue
                entry = {"title": title, **dict.fromkeys(FIELDS[1:])}
            out.append({"name": name, "bundled": False, **entry})
        return out


def _size(value) -> int:
    return value.nbytes if isinstance(value, Dataset) else 1_000
