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
    # Opt-in online basemap; blank disables it. Only fetched when a user picks that layer.
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "© OpenStreetMap contributors"

    HELP = {
        "host": "address to listen on",
        "port": "port to listen on",
        "debug": "Dash debug mode (reloader, error pages); off unless asked for",
        "data_dir": "folder holding the bundled record (factions.json, events.geojson, …)",
        "datasets_dir": "folder where imported datasets are written and read",
        "upload_mb": "largest file the page accepts for import, in MB",
        "tile_url": "XYZ tile URL for the opt-in online basemap; empty to hide that option",
        "tile_attribution": "attribution shown with the online tiles",
    }


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
