"""HTTP headers that keep the page and the API from being turned against their users, and
no version strings for an attacker to match against known flaws.

The Content-Security-Policy allows scripts from this server only, plus Dash's inline
scripts by their sha256 hash (the renderer's start-up line and each clientside callback).
Those hashes are known only once every callback is registered, so they are computed when a
response goes out, not when the app is built. Plotly needs inline styles; the map engine
(MapLibre, behind plotly's Scattermap) draws with web workers made from blob: URLs and
images from data: and blob: URLs. The opt-in online basemap's tile server (Config.tile_url)
is the one outside origin allowed, for images and fetches only. frame-ancestors and
X-Frame-Options let only this site frame the page.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from dash import Dash
from flask import Response
from werkzeug.serving import WSGIRequestHandler

from dashboard.config import Config

SERVER_NAME = "Frontlines"

FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
}


def tile_origin(tile_url: str) -> str | None:
    """The CSP source for an XYZ tile URL: its origin, a {s}-style subdomain template as a
    `*.` wildcard; just the scheme if the host is anything else (a template elsewhere)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = re.sub(r"^\{[^}]*\}\.", "*.", parts.netloc)
    return f"{parts.scheme}://{host}" if re.fullmatch(r"(\*\.)?[A-Za-z0-9.-]+(:\d+)?", host) \
        else f"{parts.scheme}:"


def content_security_policy(script_hashes: list[str], tiles: str | None = None) -> str:
    outside = [tiles] if tiles else []
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *outside],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *outside],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def secure(app: Dash, config: Config) -> None:
    """Send the security headers with every response of the app's server, and leave the
    Python version out of the page's Dash config (Dash puts sys.version there)."""
    tiles = tile_origin(config.tile_url)
    page_config = app._config
    app._config = lambda: {**page_config(), "python_version": ""}

    @app.server.after_request
    def add_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = content_security_policy(app.csp_hashes(),
                                                                               tiles)
        response.headers.update(FIXED_HEADERS)
        return response


class QuietRequestHandler(WSGIRequestHandler):
    """The development server's handler without "Werkzeug/x Python/y" in `Server`."""

    def version_string(self) -> str:
        return SERVER_NAME
