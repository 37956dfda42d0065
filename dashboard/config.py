"""Settings, declared once with their defaults and help, read from the environment or flags.

Environment values are parsed, not trusted: "false", "0" and "no" are false.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    data_dir: Path = ROOT / "geodata"
    datasets_dir: Path = ROOT / "datasets"
    upload_mb: int = 50
    # Opt-in online basemap, off by default (offline first): an XYZ URL turns the option on;
    # its tiles are fetched only when a user picks that layer.
    tile_url: str = ""
    tile_attribution: str = "© OpenStreetMap contributors"
    chromium: str = "/usr/bin/chromium"  # exports render the page in it (Playwright)
    cache_mb: int = 2048  # loaded datasets, least recently used out first
    # where imported datasets live: blank for folders under datasets_dir, or a
    # postgresql://… URL for a PostGIS store that several servers share (dashboard.postgis)
    store: str = ""
    # Serving a team: what every worker shares, and the bounds on exports.
    shared_dir: str = ""  # blank: DATASETS_DIR/.shared
    redis: str = ""
    export_megapixels: int = 1000
    export_jobs_per_client: int = 2
    export_jobs_total: int = 6
    export_workers: int = 1
    export_keep_minutes: float = 60

    HELP = {
        "host": "address to listen on",
        "port": "port to listen on",
        "debug": "Dash debug mode (reloader, error pages); off unless asked for",
        "data_dir": "folder holding the bundled record (factions.json, events.geojson, …)",
        "datasets_dir": "folder where imported datasets are written and read",
        "upload_mb": "largest file the page accepts for import, in MB",
        "tile_url": "XYZ tile URL for the opt-in online basemap; empty to hide that option",
        "tile_attribution": "attribution shown with the online tiles",
        "chromium": "the Chromium that renders exports (Debian's by default)",
        "cache_mb": "memory for loaded datasets in each worker, in MB (least recently used "
                    "out first)",
        "store": "postgresql://user@host/db: keep imported datasets in this PostGIS database "
                 "(shared by several app servers; create its schema with `python -m "
                 "dashboard db init`); blank: folders under DATASETS_DIR",
        "shared_dir": "folder every worker shares for background work, export jobs and their "
                      "files (with --redis: only this machine's render slots and unpacked "
                      "datasets) (default: DATASETS_DIR/.shared)",
        "redis": "redis://… URL: run background callbacks with Celery on this Redis (start "
                 "a worker with `celery -A app:celery_app worker`) and keep the export jobs "
                 "and their files there, shared by servers on several machines; blank: in "
                 "the shared folder",
        "export_megapixels": "largest export: frames × pixels per frame, in megapixels",
        "export_jobs_per_client": "export jobs one client may have queued or running",
        "export_jobs_total": "export jobs queued or running on the whole server",
        "export_workers": "exports rendered at the same time (each is one Chromium)",
        "export_keep_minutes": "an export job (and its file) expires this long after it was "
                               "asked for; a job still running then is stopped",
    }

    @property
    def shared(self) -> Path:
        """The shared folder: jobs, their files and background callbacks' results."""
        return Path(self.shared_dir) if self.shared_dir else Path(self.datasets_dir) / ".shared"

    def open_store(self):
        """The store of imported datasets these settings name (dashboard.store)."""
        from dashboard.dataset_names import bundled_name
        from dashboard.store import open_store

        return open_store(self.store, self.datasets_dir, bundled_name(self.data_dir) or "",
                          self.shared)

    def as_environment(self) -> dict[str, str]:
        """The FRONTLINES_* variables that make from_environment() return this Config: how
        a background process gets the settings of the server that started it."""
        return {f"FRONTLINES_{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)}


def _parse(kind, raw: str, name: str):
    if kind is bool:
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ValueError(f"{name}: {raw!r} is not true or false")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{name}: {raw!r} is not a whole number") from None
    return kind(raw)


def from_environment(argv: list[str] | None = None, environ=os.environ) -> Config:
    """FRONTLINES_<NAME> variables, overridden by --name flags."""
    values = {}
    types = {f.name: type(f.default) if not isinstance(f.default, Path) else Path
             for f in fields(Config)}
    for name, kind in types.items():
        raw = environ.get(f"FRONTLINES_{name.upper()}")
        if raw is not None:
            values[name] = _parse(kind, raw, f"FRONTLINES_{name.upper()}")
    parser = argparse.ArgumentParser(description="Run the Frontlines dashboard.")
    for name, kind in types.items():
        flag = "--" + name.replace("_", "-")
        if kind is bool:
            parser.add_argument(flag, action="store_true", default=None, help=Config.HELP[name])
        else:
            parser.add_argument(flag, type=kind, default=None, help=Config.HELP[name])
    args = parser.parse_args(argv or [])
    values.update({k: v for k, v in vars(args).items() if v is not None})
    return Config(**values)
