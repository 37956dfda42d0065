"""The read-only JSON/GeoJSON API on the app's server: also the data export users script against.

Handlers only read parameters, call the queries and serialise; events, control areas and
movements are asked of the dataset's store (Dataset.queries: in SQL for a PostGIS dataset,
pages of events included; on the loaded columns otherwise); a bad parameter is a 400
whose JSON names the parameter, never a 500. Every answer under /api is JSON (or the CSV
asked for), errors included: an unknown path is a JSON 404, not the page, which Dash would
otherwise serve for any path.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request, stream_with_context
from werkzeug.exceptions import HTTPException, NotFound

from shapely.geometry import mapping

from dashboard import steps
from dashboard.data_export import MAX_EVENTS, events_csv_chunks
from dashboard.dataset import Dataset
from dashboard.exports_api import add_export_routes
from dashboard.jobs import Jobs
from dashboard.geojson import area_feature, collection, event_feature, movement_feature
from dashboard.params import (ParamError, bbox_param, count_param, date_param, date_range, factions_param,
                              only_known, types_param)
from dashboard.queries import EventQuery
from dashboard.records import LANGUAGES, DataError
from dashboard.story_api import add_story_routes
from dashboard.store import StoreError
from dashboard.registry import Registry, UnknownDataset

MAX_SERIES_POINTS = 5000
PAGE, MAX_PAGE = 10_000, MAX_EVENTS  # /api/events: the default and largest page of events


def _lang(args) -> str:
    lang = args.get("lang", "en")
    if lang not in LANGUAGES:
        raise ParamError("lang", f"{lang[:20]!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def _under_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _format(args, allowed: tuple[str, ...]) -> str:
    fmt = args.get("format", "geojson")
    if fmt not in allowed:
        hint = " (CSV is offered for events)" if fmt == "csv" else ""
        raise ParamError("format", f"{fmt[:20]!r} is not one of {', '.join(allowed)}{hint}")
    return fmt


def api_blueprint(registry: Registry, jobs: Jobs) -> Blueprint:
    api = Blueprint("api", __name__, url_prefix="/api")

    def dataset(args, allowed: tuple[str, ...]) -> Dataset:
        """Every route takes dataset=NAME (default: the bundled record)."""
        only_known(args, allowed + ("dataset",))
        try:
            return registry.get(args.get("dataset"))
        except UnknownDataset as exc:
            raise ParamError("dataset", str(exc)) from None

    @api.errorhandler(ParamError)
    def bad_parameter(exc: ParamError):
        return jsonify({"error": str(exc), "parameter": exc.param}), 400

    @api.errorhandler(DataError)
    def bad_dataset(exc: DataError):
        return jsonify({"error": f"the dataset cannot be loaded: {exc}",
                        "parameter": "dataset"}), 400

    @api.errorhandler(StoreError)
    def store_down(exc: StoreError):
        return jsonify({"error": str(exc)}), 503

    @api.before_app_request
    def unknown_path():
        """Dash's page route matches any path; under /api a path no API route took is a 404."""
        if _under_api(request.path) and request.routing_exception is None \
                and request.blueprint != "api":
            raise NotFound(f"no API route {request.path[:80]}; see the README for the routes")

    @api.app_errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        """404, 405, 413… as JSON under /api; the app's own pages keep Flask's answers."""
        if not _under_api(request.path):
            return exc
        return jsonify({"error": exc.description, "status": exc.code}), exc.code

    @api.get("/datasets")
    def datasets():
        only_known(request.args, ())
        return jsonify({"default": registry.default, "datasets": registry.describe()})

    @api.get("/factions")
    def factions():
        """Each faction with the name and short name valid on `date` (the defaults without
        one) and the full list of its dated names."""
        record = dataset(request.args, ("date",)).record
        day = date_param(request.args, "date")
        return jsonify([f.as_json(day) for f in record.factions.values()])

    @api.get("/control")
    def control():
        data = dataset(request.args, ("date", "lang", "format"))
        record = data.record
        _format(request.args, ("geojson",))
        day = date_param(request.args, "date", required=True)
        areas = data.queries.areas(day)
        lang = _lang(request.args)
        return jsonify(collection([area_feature(a, lang, record.factions, day) for a in areas],
                                  date=day.isoformat()))

    @api.get("/events")
    def events():
        """A page of the events matching the filters (limit, offset), with the total and a
        link to the next page; both formats are streamed a chunk of events at a time."""
        args = request.args
        data = dataset(args, ("start", "end", "faction", "type", "bbox", "lang", "format",
                              "limit", "offset"))
        record = data.record
        start, end = date_range(args)
        limit = count_param(args, "limit", PAGE, 1, MAX_PAGE)
        offset = count_param(args, "offset", 0, 0, 10**12)
        lang = _lang(args)
        fmt = _format(args, ("geojson", "csv"))
        query = EventQuery.of(start, end, factions_param(args, record), types_param(args),
                              bbox_param(args))
        total, page = data.queries.events(query, offset, limit)  # in SQL on PostGIS
        following = None
        if offset + limit < total:
            following = request.path + "?" + urlencode({**args.to_dict(),
                                                        "offset": offset + limit})
        headers = {"X-Total-Count": str(total)}
        if following:
            headers["Link"] = f'<{following}>; rel="next"'
        if fmt == "csv":
            headers["Content-Disposition"] = 'attachment; filename="frontlines-events.csv"'
            return Response(stream_with_context(events_csv_chunks(page)), mimetype="text/csv",
                            headers=headers)
        head = {"type": "FeatureCollection", "total": total, "offset": offset, "limit": limit,
                "next": following}

        def body():
            yield json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ['
            for i, event in enumerate(page):
                yield ("," if i else "") + json.dumps(
                    event_feature(event, lang, record.factions), ensure_ascii=False)
            yield "]}"
        return Response(stream_with_context(body()), mimetype="application/json",
                        headers=headers)

    @api.get("/movements")
    def movements():
        args = request.args
        data = dataset(args, ("start", "end", "faction", "lang", "format"))
        _format(args, ("geojson",))
        start, end = date_range(args)
        found = data.queries.movements(start, end, factions_param(args, data.record))
        lang = _lang(args)
        return jsonify(collection([movement_feature(m, lang) for m in found]))

    add_export_routes(api, registry, jobs)  # POST/GET/DELETE /api/exports

    @api.get("/changes")
    def changes():
        """Ground each faction gained and lost between two days (held ground only)."""
        args = request.args
        data = dataset(args, ("from", "to", "faction"))
        record = data.record
        first = date_param(args, "from", required=True)
        second = date_param(args, "to", required=True)
        if second < first:
            raise ParamError("to", f"{second} is before from {first}")
        wanted = factions_param(args, record)
        found = [c for c in data.history.changes(first, second)
                 if wanted is None or c.faction in wanted]
        return jsonify(collection([
            {"type": "Feature", "geometry": mapping(c.geometry),
             "properties": {"faction": c.faction, "change": c.change, "km2": c.km2,
                            "from": first.isoformat(), "to": second.isoformat()}}
            for c in found], **{"from": first.isoformat(), "to": second.isoformat()}))

    @api.get("/areas")
    def areas():
        """km² held per faction at each step (equal-area projection)."""
        args = request.args
        data = dataset(args, ("start", "end", "step"))
        record = data.record
        start, end = date_range(args)
        step = args.get("step", "month")
        if step not in steps.STEPS:
            raise ParamError("step", f"{step[:20]!r} is not one of {', '.join(steps.STEPS)}")
        start, end = start or record.first_day, end or record.last_day
        if steps.count(start, end, step) > MAX_SERIES_POINTS:
            raise ParamError("end", f"more than {MAX_SERIES_POINTS} {step}s; choose a longer "
                                    "step or a shorter range")
        days, series = data.history.series(start, end, step)
        lon0, lat0 = data.history.projection.centre
        return jsonify({"step": step, "unit": "km2", "projection": "Lambert azimuthal "
                        f"equal-area, centred {lat0}, {lon0}", "dates": [d.isoformat() for d in days],
                        "held": series})

    add_story_routes(api, registry)
    return api
