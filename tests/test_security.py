"""Response headers: the Content-Security-Policy and its companions on the page, the API
and the assets, and no version strings (Server header, page config)."""
from __future__ import annotations

import re
import sys
import threading
import urllib.request

import pytest
from werkzeug.serving import make_server

from app import create_app
from datasets import GEODATA
from dashboard.config import Config
from dashboard.security import QuietRequestHandler, tile_origin


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Config(data_dir=GEODATA, datasets_dir=tmp_path_factory.mktemp("ds")))


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


@pytest.mark.parametrize("path", ["/", "/api/factions", "/api/nope",
                                  "/assets/style.css", "/_dash-layout"])
def test_every_response_carries_the_security_headers(app, path):
    response = app.server.test_client().get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "same-origin"
    csp = directives(response)
    assert csp["default-src"] == ["'self'"] and csp["frame-ancestors"] == ["'self'"]
    assert csp["connect-src"][0] == "'self'" and "blob:" in csp["worker-src"]


def test_the_policy_allows_exactly_dash_s_inline_scripts_by_hash(app):
    response = app.server.test_client().get("/")
    script_src = directives(response)["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert set(app.csp_hashes()) <= set(script_src)
    assert all(s == "'self'" or s.startswith("'sha256-") for s in script_src)


def test_the_online_tile_server_is_the_only_outside_origin(tmp_path):
    app = create_app(Config(data_dir=GEODATA, datasets_dir=tmp_path,
                            tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png"))
    csp = directives(app.server.test_client().get("/"))
    assert csp["img-src"][-1] == csp["connect-src"][-1] == "https://*.tiles.example.org"
    offline = create_app(Config(data_dir=GEODATA, datasets_dir=tmp_path, tile_url=""))
    csp = directives(offline.server.test_client().get("/"))
    assert csp["connect-src"] == ["'self'"] and "http" not in " ".join(csp["img-src"])


@pytest.mark.parametrize("url,source", [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("http://localhost:8080/{z}/{x}/{y}.png", "http://localhost:8080"),
    ("https://a{s}.example.org/{z}", "https:"),  # a template mid-label: the scheme only
    ("https://x.org;script-src *", "https:"),  # nothing can be smuggled into the policy
    ("", None), ("file:///tiles/{z}", None),
])
def test_tile_origin(url, source):
    assert tile_origin(url) == source


def test_the_page_config_does_not_give_the_python_version(app):
    page = app.server.test_client().get("/").get_data(as_text=True)
    assert sys.version not in page and '"python_version":""' in page.replace(" ", "")


def test_the_development_server_names_no_versions(app):
    server = make_server("127.0.0.1", 0, app.server, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/api/factions") as r:
            assert r.headers["Server"] == "Frontlines"
    finally:
        server.shutdown()
        thread.join()


def test_what_the_first_map_needs_is_asked_for_first_and_is_served_from_here(app):
    """The page asks for plotly.js, the basemap, the labels' glyphs and dash's layout first
    thing (dashboard/static.py): each link is the app's own and answers, so a moved file
    cannot leave the page asking for nothing."""
    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    head = page[:page.index("</head>")]
    wanted = re.findall(r'<link rel="preload" href="([^"]+)"', head) + \
        re.findall(r'<script async id="plotly-early" src="([^"]+)"', head)
    assert any(url.startswith("/assets/vendor/plotly-") for url in wanted)
    assert any("/basemap/" in url for url in wanted) and any(".pbf" in url for url in wanted)
    assert {"/_dash-layout", "/_dash-dependencies"} <= set(wanted)
    for url in wanted:
        assert url.startswith("/") and client.get(url).status_code == 200, url


def test_fingerprinted_files_are_kept_a_year_without_asking_again_and_the_page_is_not(app):
    """A file whose URL carries its version is cached for a year and not revalidated (a
    revalidation of a compressed file fails on its ETag and sends it whole again)."""
    client = app.server.test_client()
    page = client.get("/")
    assert "max-age=31536000" not in page.headers.get("Cache-Control", "")
    html = page.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/(?:assets|basemap)/[^"]+[?&](?:m|v)=[^"]+)"', html)
    assert any("vendor/plotly" in u for u in urls) and any(".css" in u for u in urls)
    for url in urls:
        cache = client.get(url.replace("&amp;", "&")).headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache, url
        assert "no-cache" not in cache, url
