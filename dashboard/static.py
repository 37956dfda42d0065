"""Files the browser caches: the page's assets and the basemap, with long cache lifetimes
under fingerprinted URLs, so a returning user downloads almost nothing.

Dash adds `?m=<modified time>` to the scripts and styles it includes; the map style adds
`?v=<ASSET_VERSION>` to the basemap and glyph URLs (a digest of those files), so a changed
file gets a new URL and a cached one can be kept for a year. Responses are compressed by
Dash's `compress=True` (flask-compress).
"""
from __future__ import annotations

import hashlib

from flask import Response, request, send_from_directory

from dashboard.config import ROOT

YEAR = 365 * 24 * 3600
BASEMAP = ROOT / "geodata" / "basemap"
WORLD = ("world-land", "world-borders")  # the world's basemap layers (figures/map.py)
GLYPHS = ROOT / "assets" / "glyphs"
PLOTLY = ROOT / "assets" / "vendor" / "plotly-frontlines.min.js"  # see assets/vendor/README.md


def _version() -> str:
    digest = hashlib.sha1()
    for path in sorted(BASEMAP.glob("*.geojson")) + sorted(GLYPHS.rglob("*.pbf")) + [PLOTLY]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


ASSET_VERSION = _version()


# What the first map needs, asked for as the page starts rather than when each is found:
# the basemap (asked for by MapLibre's worker once it has started) and the glyphs of the
# labels (once the worker has laid the labels out), which would queue behind the page's
# first callbacks; and plotly.js, run as soon as it has arrived (dash would ask for it
# once the page is laid out: assets/map.js hands this copy to dash instead). That plotly.js
# holds only what the page draws (assets/vendor/README.md): a third of the time to run.
FIRST_MAP_FILES = (f"/basemap/land.geojson?v={ASSET_VERSION}",
                   f"/basemap/borders.geojson?v={ASSET_VERSION}",
                   f"/assets/glyphs/Noto%20Sans%20Regular/0-255.pbf?v={ASSET_VERSION}")
PLOTLY_JS = f"/assets/vendor/{PLOTLY.name}?v={ASSET_VERSION}"
GRAPH_JS = "/_dash-component-suites/dash/dcc/async-graph.js"  # dash's graph, also fetched late


def preload_first_map(app) -> None:
    # and dash's own first two requests, which carry the map of the page's address: asked
    # for as the page starts, they are answered while dash's scripts run, not after
    prefix = app.config.requests_pathname_prefix
    dash_first = (f"{prefix}_dash-layout", f"{prefix}_dash-dependencies")
    links = "".join(f'<link rel="preload" href="{href}" as="fetch" crossorigin>'
                    for href in FIRST_MAP_FILES + dash_first)
    links += f'<link rel="preload" href="{GRAPH_JS}" as="script">'
    early = f'<script async id="plotly-early" src="{PLOTLY_JS}"></script>'
    app.index_string = app.index_string.replace("{%css%}", "{%css%}\n        " + links + early, 1)


def fingerprint_assets(app) -> None:
    server = app.server

    @server.get("/basemap/<name>.geojson")
    def basemap(name: str):
        """The offline basemap's layers, read by MapLibre from the map style. (The world's go
        compressed, 0.5 MB, not 1.4: as JSON, whole, where a file streamed is passed through
        uncompressed; MapLibre reads either type.)"""
        if name in WORLD:
            return Response((BASEMAP / f"{name}.geojson").read_bytes(),
                            mimetype="application/json")
        return send_from_directory(BASEMAP, f"{name}.geojson", mimetype="application/geo+json")

    @server.after_request
    def cache(response):
        fingerprinted = ("m" in request.args or request.args.get("v") == ASSET_VERSION)
        if response.status_code == 200 and fingerprinted and \
                request.path.startswith(("/assets/", "/basemap/")):
            response.cache_control.no_cache = None  # (Flask's files say no-cache: revalidate)
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        return response
