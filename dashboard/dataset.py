"""Everything the app derives from one data folder, loaded and computed once at start-up:
the validated record, the basemap, control over time and the place-observation estimator.
Read-only afterwards, so every request and every user can share it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from dashboard.basemap import Basemap, load_basemap
from dashboard.estimate import Estimator, load_observations
from dashboard.history import History
from dashboard.eventtable import EventTable
from dashboard.queries import Queries, RecordQueries
from dashboard.records import Record, load_record


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one load, one key
class Dataset:
    record: Record
    basemap: Basemap
    history: History
    estimator: Estimator
    # the API's and the density grid's queries, answered by the dataset's store: on its
    # columns in memory, or in SQL for a PostGIS dataset (dashboard.queries)
    queries: Queries
    # what figures derive from the dataset alone (e.g. the map style), built once; it goes
    # with the dataset when the registry's cache drops it
    memo: dict = field(default_factory=dict)

    @property
    def events_by_id(self) -> EventTable:
        """`id in …` and `.get(id)` over the record's events (a scan in Arrow, no index)."""
        return self.record.events

    @property
    def nbytes(self) -> int:
        """About what the dataset holds in memory: its events' columns dominate; areas and
        movements are counted at a rough 20 kB each (for the registry's cache budget)."""
        record = self.record
        return record.events.nbytes + 20_000 * (len(record.areas) + len(record.movements))


def load_dataset(folder: Path, basemap_folder: Path | None = None) -> Dataset:
    record = load_record(folder)
    basemap = load_basemap(basemap_folder or folder)
    observations = load_observations(Path(folder) / "observations.csv", record.factions)
    return Dataset(record, basemap, History(record), Estimator(observations, basemap.land),
                   RecordQueries(record))
