"""Frontlines: run the dashboard on the bundled record.

    python app.py [--host 127.0.0.1] [--port 8050] [--data-dir geodata] [--debug]

For a team, serve the WSGI app with gunicorn: gunicorn -w 4 -b 0.0.0.0:8050 'app:server',
settings from FRONTLINES_* variables (README, "Serving a team"). Everything the workers must
all see lives in the shared folder (Config.shared): datasets, export jobs, background work.
"""
from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

from dash import Dash
from flask import has_request_context, request

from dashboard.api import api_blueprint
from dashboard.callbacks import first_view, register_callbacks
from dashboard.config import ROOT, Config, from_environment
from dashboard.jobs import Jobs
from dashboard.i18n import t
from dashboard.layout import build_layout
from dashboard.records import DataError
from dashboard.registry import Registry
from dashboard.security import QuietRequestHandler, secure
from dashboard.static import fingerprint_assets, preload_first_map


def create_app(config: Config) -> Dash:
    registry = Registry(config.data_dir, config.datasets_dir, config.cache_mb * 2**20,
                        store=config.open_store())
    tiles = (config.tile_url, config.tile_attribution) if config.tile_url else None
    manager = background_manager(config)
    app = Dash(__name__, title=t("title", "en"), serve_locally=True, update_title=None,
               assets_folder=str(ROOT / "assets"), compress=True,
               assets_path_ignore=["^readme$", "^vendor$"], background_callback_manager=manager)
    jobs = Jobs(config)
    # a function: each page load lists the datasets imported since the app started, and
    # brings the map of its address, laid out for that address's dataset (the page asks
    # for its layout from that address)
    def layout():
        first = first_view(registry, page_search(), tiles)
        return build_layout(registry.get(first["controls"]["dataset"]), tiles_enabled=tiles is not None,
                            upload_mb=config.upload_mb, datasets=registry.describe(),
                            first=first)
    app.layout = layout
    register_callbacks(app, registry, tiles, jobs, config)
    app.server.register_blueprint(api_blueprint(registry, jobs))
    app.server.config["FRONTLINES_REGISTRY"] = registry  # for the export command line
    app.server.config["FRONTLINES_CONFIG"] = config  # for the renderer of exports
    app.server.config["FRONTLINES_BACKGROUND"] = manager  # for `celery -A app:celery_app`
    fingerprint_assets(app)
    preload_first_map(app)
    # uploads arrive base64-encoded in a callback request: allow for that, refuse more
    app.server.config["MAX_CONTENT_LENGTH"] = int(config.upload_mb * 1024 * 1024 * 1.4) + 2**20
    secure(app, config)
    return app


def page_search() -> str:
    """The query string of the page that asks for its layout (its Referer: sent whole to
    the page's own origin under the Referrer-Policy of dashboard/security.py), or ""."""
    query = urlsplit(request.referrer or "").query if has_request_context() else ""
    return f"?{query}" if query else ""


def background_manager(config: Config):
    """Where background callbacks (uploads, image exports) run and keep their results, so
    any worker answers the page's polls: Celery on Redis with --redis, else processes of the
    worker that took the request, with results in the shared folder (diskcache)."""
    if config.redis:
        from celery import Celery
        from dash import CeleryManager
        return CeleryManager(Celery("frontlines", broker=config.redis, backend=config.redis),
                             expire=3600)
    import diskcache
    from dash import DiskcacheManager
    return DiskcacheManager(diskcache.Cache(str(config.shared / "callbacks")), expire=3600)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = from_environment(argv)
        app = create_app(config)
    except (DataError, ValueError) as exc:
        print(f"Frontlines cannot start:\n{exc}", file=sys.stderr)
        return 2
    app.run(host=config.host, port=config.port, debug=config.debug,  # offline: no version check
            dev_tools_disable_version_check=True, request_handler=QuietRequestHandler)
    return 0


def wsgi():
    """The Flask server, for a WSGI host."""
    return create_app(from_environment([])).server


def __getattr__(name: str):
    """`app:server` (gunicorn -w 4 'app:server'): the app is built, from the environment, in
    each worker that asks for it, and only then (importing create_app builds nothing).
    `app:celery_app` (celery -A app:celery_app worker, with FRONTLINES_REDIS set): the Celery
    app whose workers run the background callbacks; it builds the app so they are known."""
    global server, celery_app
    if name == "server":
        server = wsgi()
        return server
    if name == "celery_app":
        built = create_app(from_environment([]))
        celery_app = built.server.config["FRONTLINES_BACKGROUND"].handle
        return celery_app
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
