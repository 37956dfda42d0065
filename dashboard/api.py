"""The read-only JSON/GeoJSON API on the app's server: also the data export users script against.

Handlers only read parameters, call the pure queries and serialise; a bad parameter is a 400
whose JSON names the parameter, never a 500.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from dashboard import timeline
from dashboard.geojson import area_feature, collection, event_feature, movement_feature
from dashboard.params import (ParamError, date_param, date_range, factions_param, only_known,
                              types_param)
from dashboard.records import LANGUAGES, Record


def _lang(args) -> str:
    lang = args.get("lang", "en")
    if lang not in LANGUAGES:
        raise ParamError("lang", f"{lang[:20]!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def api_blueprint(record: Record) -> Blueprint:
    api = Blueprint("api", __name__, url_prefix="/api")

    @api.errorhandler(ParamError)
    def bad_parameter(exc: ParamError):
        return jsonify({"error": str(exc), "parameter": exc.param}), 400

    @api.get("/factions")
    def factions():
        only_known(request.args, ())
        return jsonify([f.as_json() for f in record.factions.values()])

    @api.get("/control")
    def control():
        only_known(request.args, ("date", "lang"))
        day = date_param(request.args, "date", required=True)
        areas = timeline.control_at(record, day)
        lang = _lang(request.args)
        return jsonify(collection([area_feature(a, lang) for a in areas], date=day.isoformat()))

    @api.get("/events")
    def events():
        args = request.args
        only_known(args, ("start", "end", "faction", "type", "lang"))
        start, end = date_range(args)
        found = timeline.events_between(record, start, end, factions_param(args, record),
                                        types_param(args))
        lang = _lang(args)
        return jsonify(collection([event_feature(e, lang) for e in found]))

    @api.get("/movements")
    def movements():
        args = request.args
        only_known(args, ("start", "end", "faction", "lang"))
        start, end = date_range(args)
        found = timeline.movements_between(record, start, end, factions_param(args, record))
        lang = _lang(args)
        return jsonify(collection([movement_feature(m, lang) for m in found]))

    return api
