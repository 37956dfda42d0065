"""The view a user is looking at, as one value: parsed from and written to the URL.

The URL is the only place per-user state lives (besides the browser's stores), so a copied
link restores the same view. Parsing never fails: a bad parameter is reported and replaced by
its default, so a mangled link still opens a working page.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode

from dashboard.params import ParamError, date_param, factions_param, types_param
from dashboard.records import LANGUAGES, Record, parse_date
from dashboard.steps import STEPS, shift
from dashboard.taxonomy import EVENT_TYPES

WINDOWS = ("30", "90", "365", "all", "range")
LAYERS = ("control", "unconfirmed", "events", "movements", "labels", "estimated")
DEFAULT_LAYERS = ("control", "unconfirmed", "events", "movements", "labels")
MODES = ("explore", "compare")
BASEMAPS = ("offline", "tiles")
SPEEDS = ("0.5", "1", "2", "4")  # Play: steps per second
MAP_VIEW = re.compile(r"(\d{1,2}(?:\.\d{1,3})?)/(-?\d{1,2}(?:\.\d{1,6})?)/(-?\d{1,3}(?:\.\d{1,6})?)")


@dataclass(frozen=True)
class ViewState:
    day: dt.date
    window: str = "90"
    range_start: dt.date | None = None
    range_end: dt.date | None = None
    factions: tuple[str, ...] = ()
    types: tuple[str, ...] = ()  # ACLED type names
    layers: tuple[str, ...] = DEFAULT_LAYERS
    lang: str = "en"
    basemap: str = "offline"
    report: bool = False
    event: str | None = None
    mode: str = "explore"
    dataset: str = ""  # the dataset's name; empty means the bundled record
    compare_from: dt.date | None = None  # date A of compare mode; the selected day is B
    map_view: tuple[float, float, float] | None = None  # (zoom, lat, lon); None: the extent
    step: str = "week"  # what ◀ ▶ and Play move by
    speed: str = "1"  # Play, steps per second
    # areas and movements drawn emphasised (a story step's highlights); dropped by any
    # change of a control, as a story step's emphasis belongs to that step's view
    highlight: tuple[str, ...] = ()
    # Not in the URL: the day shown before this one, to outline what changed in one step.
    previous: dt.date | None = field(default=None, compare=False)
    problems: tuple[str, ...] = field(default=(), compare=False)

    def compare_dates(self) -> tuple[dt.date, dt.date]:
        """(A, B) in time order; A defaults to a year before B."""
        first = self.compare_from or shift(self.day, "month", -12)
        return (first, self.day) if first <= self.day else (self.day, first)

    def event_window(self) -> tuple[dt.date | None, dt.date]:
        """The days whose events are shown: up to the selected day, or the explicit range."""
        if self.window == "range" and self.range_start and self.range_end:
            return self.range_start, self.range_end
        if self.window == "all" or self.window == "range":
            return None, self.day
        return self.day - dt.timedelta(days=int(self.window) - 1), self.day


def _dataset_name(record: Record) -> str:
    return "" if record.meta.get("bundled") else str(record.meta.get("name", ""))


def default_state(record: Record) -> ViewState:
    """The view a bare URL opens: the dataset's chosen day (dataset.json's default_date,
    for the bundled record the founding report's 21 April 2016), or its last day."""
    day = record.last_day
    if record.meta.get("default_date"):
        chosen = parse_date(record.meta["default_date"], "default_date")
        day = min(max(chosen, record.first_day), record.last_day)
    return ViewState(day=day, factions=tuple(record.factions), types=tuple(EVENT_TYPES),
                     dataset=_dataset_name(record))


def dataset_param(search: str) -> str:
    """The dataset a URL asks for (the caller checks it exists), '' for the bundled record."""
    return dict(parse_qsl((search or "").lstrip("?"))).get("dataset", "")


def parse_state(search: str, record: Record) -> ViewState:
    """Read '?date=…&factions=…' into a ViewState for `record` (the dataset the URL names,
    already resolved by the caller); every bad parameter becomes a problem."""
    args = dict(parse_qsl((search or "").lstrip("?"), keep_blank_values=True))
    state, problems = default_state(record), []

    def attempt(fn):
        try:
            return fn()
        except ParamError as exc:
            problems.append(str(exc))
            return None

    day = attempt(lambda: date_param(args, "date"))
    if day and not record.first_day <= day <= record.last_day:
        problems.append(f"parameter 'date': {day} is outside the record "
                        f"({record.first_day} to {record.last_day})")
        day = None
    changes: dict = {"day": day} if day else {}
    factions = attempt(lambda: factions_param(args, record, "factions"))
    if factions is not None:
        changes["factions"] = tuple(factions)
    types = attempt(lambda: types_param(args, "types"))
    if types is not None:
        changes["types"] = tuple(types)
    for name, allowed, key in (("window", WINDOWS, "window"), ("lang", LANGUAGES, "lang"),
                               ("basemap", BASEMAPS, "basemap"), ("step", STEPS, "step"),
                               ("speed", SPEEDS, "speed")):
        if name == "step" and "story" in args:
            continue  # with story=NAME, step=N is the story's step (dashboard/story_ui.py)
        if name in args:
            if args[name] in allowed:
                changes[key] = args[name]
            else:
                problems.append(f"parameter '{name}': {args[name][:40]!r} is not one of "
                                f"{', '.join(allowed)}")
    if "layers" in args:
        layers = attempt(lambda: _listed(args, "layers", LAYERS, "unknown layer {}; known: "
                                         + ", ".join(LAYERS)))
        if layers is not None:
            changes["layers"] = tuple(v for v in LAYERS if v in layers)
    first = attempt(lambda: date_param(args, "from"))
    last = attempt(lambda: date_param(args, "to"))
    if first and last and last < first:
        problems.append(f"parameter 'to': {last} is before 'from' {first}")
    elif first and last:
        changes.update(range_start=first, range_end=last)
    if "mode" in args:
        if args["mode"] in MODES:
            changes["mode"] = args["mode"]
        else:
            problems.append(f"parameter 'mode': {args['mode'][:40]!r} is not one of "
                            f"{', '.join(MODES)}")
    compare_from = attempt(lambda: date_param(args, "a"))
    if compare_from:
        changes["compare_from"] = compare_from
    if "map" in args:
        try:
            changes["map_view"] = map_view_param(args["map"])
        except ValueError as exc:
            problems.append(f"parameter 'map': {exc}")
    if args.get("view") not in (None, "", "report", "explore"):
        problems.append(f"parameter 'view': {args['view'][:40]!r} is not report or explore")
    changes["report"] = args.get("view") == "report"
    if args.get("highlight"):
        known = {a.id for a in record.areas} | {m.id for m in record.movements}
        wanted = attempt(lambda: _listed(args, "highlight", known,
                                         "no area or movement with id {}"))
        if wanted is not None:
            changes["highlight"] = tuple(dict.fromkeys(wanted))
    if args.get("event"):
        if args["event"] in record.events:
            changes["event"] = args["event"]
        else:
            problems.append(f"parameter 'event': no event with id {args['event'][:60]!r}")
    return replace(state, **changes, problems=tuple(problems))


def _listed(args: dict, name: str, known, unknown: str) -> list[str]:
    """A comma-separated parameter whose every value must be known; `unknown` words the
    first that is not (its {} is the value)."""
    values = [v for v in args[name].split(",") if v]
    bad = [v for v in values if v not in known]
    if bad:
        raise ParamError(name, unknown.format(repr(bad[0][:60])))
    return values


def map_view_param(raw: str) -> tuple[float, float, float]:
    """'ZOOM/LAT/LON' as OpenStreetMap writes it (e.g. 10/32.76/22.64), checked."""
    match = MAP_VIEW.fullmatch(raw.strip())
    if not match:
        raise ValueError(f"{raw[:40]!r} is not ZOOM/LAT/LON (e.g. 10/32.76/22.64)")
    zoom, lat, lon = (float(v) for v in match.groups())
    if not (0 <= zoom <= 20 and -85 <= lat <= 85 and -180 <= lon <= 180):
        raise ValueError(f"{raw[:40]!r}: zoom 0–20, latitude -85–85, longitude -180–180")
    return zoom, lat, lon


def map_view_from(value) -> tuple[float, float, float] | None:
    """The map view the page reports ([zoom, lat, lon]); None when it is not one."""
    try:
        zoom, lat, lon = (float(v) for v in value)
        return map_view_param(f"{round(zoom, 2)}/{round(lat, 4)}/{round(lon, 4)}")
    except (TypeError, ValueError):
        return None


def map_view_text(view: tuple[float, float, float]) -> str:
    zoom, lat, lon = view
    return f"{zoom:g}/{lat:.4f}/{lon:.4f}"


def state_to_search(state: ViewState, record: Record) -> str:
    """The shortest query string that restores this state (defaults left out)."""
    default = default_state(record)
    args = {"dataset": state.dataset} if state.dataset else {}
    args["date"] = state.day.isoformat()
    if state.window != default.window:
        args["window"] = state.window
    if state.window == "range" and state.range_start and state.range_end:
        args["from"], args["to"] = state.range_start.isoformat(), state.range_end.isoformat()
    if set(state.factions) != set(default.factions):
        args["factions"] = ",".join(state.factions)
    if set(state.types) != set(default.types):
        args["types"] = ",".join(EVENT_TYPES[t].slug for t in state.types)
    if state.layers != default.layers:
        args["layers"] = ",".join(state.layers)
    for key in ("lang", "basemap", "step", "speed"):
        if getattr(state, key) != getattr(default, key):
            args[key] = getattr(state, key)
    if state.map_view:
        args["map"] = map_view_text(state.map_view)
    if state.report:
        args["view"] = "report"
    if state.event:
        args["event"] = state.event
    if state.highlight:
        args["highlight"] = ",".join(state.highlight)
    if state.mode != "explore":
        args["mode"] = state.mode
    if state.compare_from:
        args["a"] = state.compare_from.isoformat()
    return "?" + urlencode(args, safe=",/")


def state_to_store(state: ViewState) -> dict:
    """JSON for dcc.Store: dates as text, no geometry."""
    return {"day": state.day.isoformat(), "window": state.window,
            "range_start": state.range_start.isoformat() if state.range_start else None,
            "range_end": state.range_end.isoformat() if state.range_end else None,
            "factions": list(state.factions), "types": list(state.types),
            "layers": list(state.layers), "lang": state.lang, "basemap": state.basemap,
            "report": state.report, "event": state.event, "mode": state.mode,
            "dataset": state.dataset,
            "compare_from": state.compare_from.isoformat() if state.compare_from else None,
            "map_view": list(state.map_view) if state.map_view else None,
            "step": state.step, "speed": state.speed, "highlight": list(state.highlight),
            "previous": state.previous.isoformat() if state.previous else None}


def state_from_store(data: dict) -> ViewState:
    def day(value):
        return dt.date.fromisoformat(value) if value else None
    return ViewState(day=day(data["day"]), window=data["window"],
                     range_start=day(data.get("range_start")), range_end=day(data.get("range_end")),
                     factions=tuple(data["factions"]), types=tuple(data["types"]),
                     layers=tuple(data["layers"]), lang=data["lang"], basemap=data["basemap"],
                     report=bool(data["report"]), event=data.get("event"),
                     mode=data.get("mode", "explore"), dataset=data.get("dataset", ""),
                     compare_from=day(data.get("compare_from")),
                     map_view=tuple(data["map_view"]) if data.get("map_view") else None,
                     step=data.get("step", "week"), speed=data.get("speed", "1"),
                     highlight=tuple(data.get("highlight") or ()),
                     previous=day(data.get("previous")))


def day_offset(record: Record, day: dt.date) -> int:
    return (day - record.first_day).days


def offset_day(record: Record, offset) -> dt.date:
    """Slider value back to a day, clamped to the record (a slider never shows other days)."""
    try:
        offset = int(offset)
    except (TypeError, ValueError):
        offset = 0
    last = day_offset(record, record.last_day)
    return record.first_day + dt.timedelta(days=min(max(offset, 0), last))


def controls_from_state(state: ViewState, record: Record) -> dict:
    """The value of every control for a state (the inverse of state_from_controls)."""
    return {"factions": list(state.factions), "types": list(state.types), "window": state.window,
            "range_start": state.range_start.isoformat() if state.range_start else None,
            "range_end": state.range_end.isoformat() if state.range_end else None,
            "layers": list(state.layers), "basemap": state.basemap, "lang": state.lang,
            "report": ["report"] if state.report else [], "slider": day_offset(record, state.day),
            "mode": state.mode, "step": state.step, "speed": state.speed,
            "compare_from": state.compare_from.isoformat() if state.compare_from else None}


def state_from_controls(record: Record, controls: dict, event: str | None,
                        previous: dt.date | None = None,
                        map_view: tuple | None = None) -> ViewState:
    def day(value):
        try:
            return dt.date.fromisoformat(str(value)[:10]) if value else None
        except ValueError:
            return None
    first, last = day(controls.get("range_start")), day(controls.get("range_end"))
    if first and last and last < first:
        first, last = last, first
    return ViewState(
        day=offset_day(record, controls.get("slider")),
        window=controls.get("window") if controls.get("window") in WINDOWS else "90",
        range_start=first, range_end=last,
        factions=tuple(f for f in record.factions if f in (controls.get("factions") or [])),
        types=tuple(t for t in EVENT_TYPES if t in (controls.get("types") or [])),
        layers=tuple(layer for layer in LAYERS if layer in (controls.get("layers") or [])),
        lang=controls.get("lang") if controls.get("lang") in LANGUAGES else "en",
        basemap=controls.get("basemap") if controls.get("basemap") in BASEMAPS else "offline",
        report="report" in (controls.get("report") or []), event=event,
        mode=controls.get("mode") if controls.get("mode") in MODES else "explore",
        compare_from=day(controls.get("compare_from")), previous=previous,
        step=controls.get("step") if controls.get("step") in STEPS else "week",
        speed=controls.get("speed") if controls.get("speed") in SPEEDS else "1",
        map_view=map_view, dataset=_dataset_name(record))
