"""The API answers any request with JSON and a 4xx or 200, never a 500 and never the page:
arbitrary query strings to every route (hypothesis), unknown paths, wrong methods."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from datasets import GEODATA
from dashboard.config import Config

# the parameters each route takes (every route also takes dataset=); a new route must be
# added here, or test_every_api_route_is_fuzzed fails
ROUTE_KEYS = {
    "/api/datasets": (), "/api/factions": (), "/api/exports/<job_id>": (),
    "/api/control": ("date", "lang", "format"),
    "/api/events": ("start", "end", "faction", "type", "lang", "format"),
    "/api/movements": ("start", "end", "faction", "lang", "format"),
    "/api/changes": ("from", "to", "faction"),
    "/api/areas": ("start", "end", "step"),
    "/api/stories": ("dataset",), "/api/stories/<name>": ("lang",),
    "/api/<anything>": ("start", "end"),
}
DATE_KEYS = ("date", "start", "end", "from", "to")
ODD_DATES = ["9999-12-31", "0001-01-01", "0000-00-00", "2016-02-29", "2016-13-01",
             "99999-01-01", "2016-04-21T00:00", "１２３４-01-01", "-2016-01-01"]
ODD_VALUES = ["", "day", "week", "month", "csv", "geojson", "fr", "en", "is,dmsc", "is,,",
              ",", "battles", "libya", "..", "../geodata", "con", "x\n", "<script>", "%00",
              "\x00", "=1+1", "ايسيس"]

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
dates = st.dates().map(lambda d: d.isoformat()) | st.sampled_from(ODD_DATES) | text
values = st.sampled_from(ODD_VALUES + ODD_DATES) | text


@st.composite
def queries(draw, keys: tuple[str, ...]) -> str:
    """The route's own parameters (dates drawn as dates, often at the calendar's ends), then
    arbitrary extra pairs, repeated keys included; or raw text with broken %-escapes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(st.sampled_from("abc=&%ff0;+ é\x00"), max_size=40))
    pairs = [(k, draw(dates if k in DATE_KEYS else values))
             for k in keys + ("dataset",) if draw(st.booleans())]
    pairs += draw(st.lists(st.tuples(st.sampled_from(DATE_KEYS + ("step", "format")) | text,
                                     values), max_size=3))
    return urlencode(draw(st.permutations(pairs)))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Config(data_dir=GEODATA, datasets_dir=tmp_path_factory.mktemp("ds")))


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def api_rules(app) -> list[str]:
    return sorted({r.rule for r in app.server.url_map.iter_rules()
                   if r.rule.startswith("/api") and "GET" in r.methods})


def test_every_api_route_is_fuzzed(app):
    assert set(api_rules(app)) == set(ROUTE_KEYS) - {"/api/<anything>"}


def assert_json_answer(response, query_string: str) -> None:
    assert response.status_code < 500, (response.status_code, query_string)
    if response.mimetype == "text/csv":  # only a valid format=csv request gets CSV
        assert response.status_code == 200 and "format=csv" in query_string
    else:
        assert response.mimetype == "application/json", (response.mimetype, query_string)
        body = response.get_json()
        assert body is not None
        if response.status_code >= 400:
            assert body["error"]


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_arbitrary_query_strings_never_give_a_5xx(client, data):
    """Every route (its <parts> filled with arbitrary text), and arbitrary paths under /api."""
    rule = data.draw(st.sampled_from(sorted(ROUTE_KEYS)))
    path = re.sub(r"<[^>]+>", lambda _: quote(data.draw(text), safe="/%"), rule)
    query_string = data.draw(queries(ROUTE_KEYS[rule]))
    assert_json_answer(client.get(path, query_string=query_string), query_string)


calendar_days = st.dates() | st.sampled_from([dt.date.min, dt.date.max])


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.lists(calendar_days, min_size=2, max_size=2).map(sorted),
       rule=st.sampled_from([r for r, keys in ROUTE_KEYS.items() if r != "/api/<anything>"
                             and {"start", "from", "date"} & set(keys)]),
       step=st.sampled_from(["day", "week", "month"]))
def test_any_valid_dates_give_a_200_or_a_400(client, days, rule, step):
    """Real dates, in order, anywhere in the calendar (its ends included), on every route
    that takes dates: an answer or a 400 saying the range is too long, never a 500."""
    first, last = (d.isoformat() for d in days)
    names = {"/api/changes": ("from", "to"), "/api/control": ("date", "date")}.get(
        rule, ("start", "end"))
    query = {names[0]: first, names[1]: last} | ({"step": step} if rule == "/api/areas" else {})
    response = client.get(rule, query_string=query)
    assert response.status_code in (200, 400) and response.mimetype == "application/json", \
        (rule, query, response.status_code)


@pytest.mark.parametrize("query_string", [
    "start=9999-12-31&end=9999-12-31&step=day",
    "start=9999-12-01&end=9999-12-31&step=month",
    "start=9999-12-25&end=9999-12-31&step=week",
])
def test_areas_at_the_end_of_the_calendar_is_not_a_500(client, query_string):
    response = client.get("/api/areas", query_string=query_string)
    assert response.status_code == 200
    assert response.get_json()["dates"][-1] <= "9999-12-31"


@pytest.mark.parametrize("path", ["/api/nope", "/api/events/x", "/api/", "/api",
                                  "/api/exports/x/y", "/api/%3Cscript%3E", "/api//events",
                                  "/api/%2F0"])
def test_unknown_api_paths_are_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert "no API route" in response.get_json()["error"]


def test_a_wrong_method_on_the_api_is_a_json_405(client):
    response = client.post("/api/events")
    assert response.status_code == 405 and response.mimetype == "application/json"


def test_paths_outside_the_api_still_get_the_page(client):
    for path in ("/", "/apix", "/anything/else"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "text/html"
