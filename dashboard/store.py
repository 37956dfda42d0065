"""Where imported datasets live: the store the registry reads, and the queries it answers.

Two implementations of one small interface (`Store`):
- `FileStore`, the embedded default: one folder per dataset under Config.datasets_dir
  (GeoParquet events, GeoJSON areas and movements, catalog.json);
- `dashboard.postgis.PostgisStore`, chosen with `--store postgresql://…` or
  FRONTLINES_STORE: the datasets in PostgreSQL/PostGIS tables, which any number of app
  servers share.

The registry lists datasets with `names`/`entry` (metadata only, never events), caches a
loaded dataset under `key` (it changes at every import, so a re-import reaches every worker
and server without messages), and loads it with `load`. A loaded dataset carries the
queries its store answers (`Dataset.queries`, dashboard.queries): the file store's on the
loaded columns, PostGIS's in SQL on indexed columns, with identical results
(tests/test_store.py runs one suite against both). The API's events, control areas and
movements and the map's density grid are asked of them.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from dashboard.catalog import read_catalog
from dashboard.dataset import Dataset, load_dataset
from dashboard.dataset_names import is_dataset_name
from dashboard.records import EVENTS_GEOJSON, EVENTS_PARQUET

DATA_FILES = ("catalog.json", "dataset.json", "factions.json", EVENTS_PARQUET, EVENTS_GEOJSON,
              "control_areas.geojson", "movements.geojson", "places.csv")


class StoreError(RuntimeError):
    """The store cannot be reached or is not set up (`python -m dashboard db init`)."""


class Store(Protocol):
    def names(self) -> list[str]:
        """The imported datasets' names, sorted."""

    def key(self, name: str) -> tuple | None:
        """What identifies the dataset's current version (None: no such dataset)."""

    def entry(self, name: str) -> dict | None:
        """Its catalog entry (title, counts, days, extent, version), without loading it."""

    def load(self, name: str, basemap: Path) -> Dataset:
        """The dataset, loaded and checked, with the queries this store answers for its
        version (Dataset.queries); raises DataError."""

    def import_file(self, path: Path, *, dataset: str, **options):
        """Import a file as dataset `dataset` (dashboard.importers.import_file's options);
        its ImportReport. A failed import leaves the previous dataset as it was."""


def signature(folder: Path) -> tuple:
    """What identifies one version of a folder's files: a few stat calls, no reading."""
    out = []
    for name in DATA_FILES:
        try:
            st = os.stat(folder / name)
            out.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            continue
    return tuple(out)


class FileStore:
    """Datasets as folders under `datasets_dir` (None: no imported datasets)."""

    def __init__(self, datasets_dir: Path | None, bundled_name: str):
        self.datasets_dir = Path(datasets_dir) if datasets_dir else None
        self.bundled_name = bundled_name

    def _folder(self, name: str) -> Path | None:
        if self.datasets_dir and is_dataset_name(name) and name != self.bundled_name \
                and (self.datasets_dir / name).is_dir():
            return self.datasets_dir / name
        return None

    def names(self) -> list[str]:
        if not (self.datasets_dir and self.datasets_dir.is_dir()):
            return []
        return sorted(p.name for p in self.datasets_dir.iterdir()
                      if p.is_dir() and is_dataset_name(p.name) and p.name != self.bundled_name
                      and ((p / EVENTS_PARQUET).exists() or (p / EVENTS_GEOJSON).exists()))

    def key(self, name: str) -> tuple | None:
        folder = self._folder(name)
        return None if folder is None else signature(folder)

    def entry(self, name: str) -> dict | None:
        folder = self._folder(name)
        return None if folder is None else read_catalog(folder)

    def folder(self, name: str) -> Path | None:
        """The dataset's folder (for a dataset.json title when it has no catalog)."""
        return self._folder(name)

    def load(self, name: str, basemap: Path) -> Dataset:
        return load_dataset(self._folder(name), basemap)

    def import_file(self, path: Path, *, dataset: str, **options):
        """dashboard.importers.import_file into this folder (its options and report)."""
        from dashboard.importers import import_file  # geopandas: load it late

        return import_file(path, dataset=dataset, datasets_dir=self.datasets_dir, **options)


def open_store(url: str, datasets_dir: Path | None, bundled_name: str,
               cache_dir: Path | None = None) -> Store:
    """The store a Config names: `postgresql://…` (or postgres://) for PostGIS, blank for
    the folders under datasets_dir. PostGIS datasets are unpacked, once per version, into
    cache_dir (the shared folder) to be loaded."""
    if not url:
        return FileStore(datasets_dir, bundled_name)
    if url.startswith(("postgresql://", "postgres://")):
        from dashboard.postgis import PostgisStore  # psycopg: only for a PostGIS store
        return PostgisStore(url, cache_dir or Path(datasets_dir or ".") / ".shared",
                            bundled_name)
    raise ValueError(f"store {url[:40]!r}: use a postgresql:// URL, or nothing for files")
