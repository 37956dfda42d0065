"""Reading user-supplied parameters (query strings, URL state): one parser per kind of value.

Every failure is a ParamError naming the parameter and saying what was wrong, so the API can
answer 400 and the page can show a notice; nothing here ever raises anything else.
"""
from __future__ import annotations

import math

import datetime as dt
from collections.abc import Mapping

from dashboard.records import Record, parse_date
from dashboard.taxonomy import event_type


class ParamError(ValueError):
    def __init__(self, param: str, message: str):
        self.param = param
        super().__init__(f"parameter '{param}': {message}")


def date_param(args: Mapping[str, str], name: str, required: bool = False) -> dt.date | None:
    raw = args.get(name)
    if raw is None or raw == "":
        if required:
            raise ParamError(name, "is required (a date in the form YYYY-MM-DD)")
        return None
    try:
        return parse_date(raw, name)
    except ValueError:
        raise ParamError(name, f"{raw[:40]!r} is not a date in the form YYYY-MM-DD") from None


def date_range(args: Mapping[str, str], start: str = "start", end: str = "end"):
    first, last = date_param(args, start), date_param(args, end)
    if first and last and last < first:
        raise ParamError(end, f"{last} is before {start} {first}")
    return first, last


def list_param(args: Mapping[str, str], name: str) -> list[str] | None:
    raw = args.get(name)
    if raw is None:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


def bbox_param(args: Mapping[str, str], name: str = "bbox"):
    """lon_min,lat_min,lon_max,lat_max in degrees (WGS 84), edges included; None if absent."""
    raw = args.get(name)
    if raw is None:
        return None
    parts = raw.split(",")
    try:
        box = tuple(float(p) for p in parts)
    except ValueError:
        box = ()
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise ParamError(name, f"{raw[:60]!r}: expected four numbers lon_min,lat_min,lon_max,"
                               "lat_max, e.g. 19.5,30.0,21.0,31.5")
    lon0, lat0, lon1, lat1 = box
    if not (-180 <= lon0 <= lon1 <= 180 and -90 <= lat0 <= lat1 <= 90):
        raise ParamError(name, f"{raw[:60]!r}: needs -180 <= lon_min <= lon_max <= 180 and "
                               "-90 <= lat_min <= lat_max <= 90")
    return box


def factions_param(args: Mapping[str, str], record: Record, name: str = "faction"):
    values = list_param(args, name)
    if values is None:
        return None
    unknown = [v for v in values if v not in record.factions]
    if unknown:
        raise ParamError(name, f"unknown faction id {unknown[0][:40]!r}; known: "
                               f"{', '.join(record.factions)}")
    return values


def types_param(args: Mapping[str, str], name: str = "type"):
    values = list_param(args, name)
    if values is None:
        return None
    names = []
    for value in values:
        try:
            names.append(event_type(value).name)
        except KeyError:
            raise ParamError(name, f"unknown event type {value[:60]!r}; use an ACLED type name "
                                   "or its slug, e.g. battles, explosions") from None
    return names


def only_known(args: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    for key in args:
        if key not in allowed:
            raise ParamError(key, f"is not understood here; allowed: {', '.join(allowed)}")


def count_param(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A whole number in [low, high] (paging: limit and offset)."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 12:
        raise ParamError(name, f"{raw[:20]!r} is not a whole number")
    value = int(raw)
    if not low <= value <= high:
        raise ParamError(name, f"{value} is not between {low:,} and {high:,}")
    return value
