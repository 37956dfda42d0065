"""Everything the app derives from one data folder, loaded and computed once at start-up:
the validated record, the basemap, control over time and the place-observation estimator.
Read-only afterwards, so every request and every user can share it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from dashboard.basemap import Basemap, load_basemap
from dashboard.estimate import Estimator, load_observations
from dashboard.history import History
from dashboard.records import Event, Record, load_record


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one load, one key
class Dataset:
    record: Record
    basemap: Basemap
    history: History
    estimator: Estimator
    events_by_id: Mapping[str, Event]


def load_dataset(folder: Path, basemap_folder: Path | None = None) -> Dataset:
    record = load_record(folder)
    basemap = load_basemap(basemap_folder or folder)
    observations = load_observations(Path(folder) / "observations.csv", record.factions)
    return Dataset(record, basemap, History(record), Estimator(observations, basemap.land),
                   MappingProxyType({e.id: e for e in record.events}))
