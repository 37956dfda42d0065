"""Files the browser caches: the page's assets and the basemap, with long cache lifetimes
under fingerprinted URLs, so a returning user downloads almost nothing.

Dash adds `?m=<modified time>` to the scripts and styles it includes; the map style adds
`?v=<ASSET_VERSION>` to the basemap and glyph URLs (a digest of those files), so a changed
file gets a new URL and a cached one can be kept for a year. Responses are compressed by
Dash's `compress=True` (flask-compress).
"""
from __future__ import annotations

import hashlib

from flask import request, send_from_directory

from dashboard.config import ROOT

YEAR = 365 * 24 * 3600
BASEMAP = ROOT / "geodata" / "basemap"
GLYPHS = ROOT / "assets" / "glyphs"


def _version() -> str:
    digest = hashlib.sha1()
    for path in sorted(BASEMAP.glob("*.geojson")) + sorted(GLYPHS.rglob("*.pbf")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


ASSET_VERSION = _version()


def fingerprint_assets(app) -> None:
    server = app.server

    @server.get("/basemap/<name>.geojson")
    def basemap(name: str):
        """The offline basemap's layers, read by MapLibre from the map style."""
        return send_from_directory(BASEMAP, f"{name}.geojson", mimetype="application/geo+json")

    @server.after_request
    def cache(response):
        fingerprinted = ("m" in request.args or request.args.get("v") == ASSET_VERSION)
        if response.status_code == 200 and fingerprinted and \
                request.path.startswith(("/assets/", "/basemap/")):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        return response
