"""The callbacks' logic, without a server or a browser: each callback in
dashboard/callbacks.py is a thin adapter around one of these functions."""
from __future__ import annotations

import datetime as dt

import pytest
from dash import no_update

from datasets import GEODATA
from layouts import laid_out
from dashboard import ids
from dashboard.callbacks import (DATASET_OUTPUTS, SYNC_OUTPUTS, TRANSLATION_OUTPUTS,
                                 animation_status, queue_animation,
                                 all_or_none, bundle_for, bundle_key, chart, dataset_controls,
                                 describe, first_view, play_label, redraw_if_changed, sync,
                                 translations, words_for)
from dashboard.registry import Registry
from dashboard.state import controls_from_state, day_offset, parse_state, state_from_store

D = dt.date


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return Registry(GEODATA, tmp_path_factory.mktemp("datasets"))


def opened(registry, search):
    """The outputs of loading the page at `search`."""
    return sync(registry, None, search, None, {}, None, None)


def moved(registry, search, **changes):
    """The outputs of changing controls on the page opened at `search`."""
    first = opened(registry, search)
    controls = {**first["controls"], **changes}
    trigger = {"slider": ids.SLIDER, "factions": ids.FACTIONS, "layers": ids.LAYERS,
               "mode": ids.MODE, "lang": ids.LANG}[next(iter(changes))]
    return first, sync(registry, trigger, first["search"], None, controls, first["state"], None)


@pytest.mark.parametrize("search,expect_search,notice", [
    ("", "?date=2016-04-21", ""),
    ("?date=2015-06-12&factions=is", "?date=2015-06-12&factions=is", ""),
    ("?date=2016-02-31", "?date=2016-04-21", "parameter 'date'"),
    ("?dataset=nope&date=2015-01-01", "?date=2016-04-21", "parameter 'dataset'"),
    ("?factions=is,aliens", "?date=2016-04-21", "unknown faction id 'aliens'"),
])
def test_opening_a_url_sets_the_state_and_every_control(registry, search, expect_search, notice):
    out = opened(registry, search)
    assert set(out) == set(SYNC_OUTPUTS)
    assert out["search"] == expect_search
    assert (notice in out["notice"]) if notice else out["notice"] == ""
    state = state_from_store(out["state"])
    assert out["controls"] == {**controls_from_state(state, registry.get(None).record),
                               "dataset": registry.default}


@pytest.mark.parametrize("changes,search_written,filters_sent", [
    ({"slider": 100}, False, False),            # a step: the page writes the date itself
    ({"factions": ["is"]}, True, True),         # a filter: new URL and a new map bundle
    ({"layers": ["control"]}, True, True),
    ({"mode": "compare"}, True, True),
    ({"lang": "fr"}, True, True),
])
def test_a_control_updates_the_state_and_only_what_depends_on_it(registry, changes,
                                                                  search_written, filters_sent):
    before, out = moved(registry, "?date=2016-04-21", **changes)
    assert (out["search"] is not no_update) == search_written
    assert (out["filters"] is not no_update) == filters_sent
    state = state_from_store(out["state"])
    name, value = next(iter(changes.items()))
    if name == "slider":
        record = registry.get(None).record
        assert state.day == record.first_day + dt.timedelta(days=100)
    else:
        assert out["search"].count(f"{name}=") == 1
    assert out["controls"] is no_update


def test_play_steps_leave_the_state_and_pause_sets_the_day_it_stops_on(registry):
    first = opened(registry, "?date=2016-03-03")
    later = {**first["controls"], "slider": first["controls"]["slider"] + 49}
    during = sync(registry, ids.SLIDER, first["search"], None, later, first["state"], None,
                  playing=True)
    assert all(value is no_update for value in during.values())
    started = sync(registry, ids.PLAY_STATE, first["search"], None, first["controls"],
                   first["state"], None, playing=True)
    assert all(value is no_update for value in started.values())
    paused = sync(registry, ids.PLAY_STATE, first["search"], None, later, first["state"], None,
                  playing=False)
    assert state_from_store(paused["state"]).day == D(2016, 4, 21)
    assert paused["search"] is no_update  # a day's step: the page writes the date itself
    stepped = sync(registry, ids.SLIDER, first["search"], None, later, first["state"], None)
    assert stepped["state"] == paused["state"]  # not playing, a step sets the state at once


def test_clicking_events_selects_the_latest_of_a_stack_and_the_empty_map_clears(registry):
    record = registry.get(None).record
    first = opened(registry, "?date=2016-04-21")
    older, newer = sorted(record.events, key=lambda e: e.date)[:2]
    click = {"points": [{"customdata": f"{older.id} {newer.id}"}]}
    chosen = sync(registry, ids.MAP, first["search"], click, first["controls"], first["state"],
                  None)
    assert chosen["event"] == newer.id and f"event={newer.id}" in chosen["search"]
    unknown = sync(registry, ids.MAP, first["search"], {"points": [{"customdata": "nope"}]},
                   first["controls"], chosen["state"], None)
    assert unknown["event"] is no_update  # still the selected one
    cleared = sync(registry, ids.MAP_CLEAR, first["search"], None, first["controls"],
                   chosen["state"], None)
    assert cleared["event"] is None and "event=" not in cleared["search"]


def test_choosing_the_current_dataset_again_changes_nothing(registry):
    first = opened(registry, "")
    out = sync(registry, ids.DATASET, first["search"], None,
               {**first["controls"], "dataset": registry.default}, first["state"], None)
    assert all(value is no_update for value in out.values())


@pytest.mark.parametrize("search,per_day", [
    ("?date=2016-04-21", False), ("?date=2016-04-21&mode=compare", True),
    ("?date=2016-04-21&layers=control,events,estimated", True),
])
def test_the_map_bundle_depends_on_the_day_only_where_the_server_draws_each_day(
        registry, search, per_day):
    data = registry.get(None)
    one = bundle_key(data, parse_state(search, data.record))
    other = bundle_key(data, parse_state(search.replace("2016-04-21", "2016-05-01"), data.record))
    assert (one != other) == per_day
    assert (one["day"] is not None) == per_day


@pytest.mark.parametrize("search,day,event", [
    ("?date=2016-03-03&factions=is&step=day", D(2016, 3, 3), None),
    ("date=2015-06-12&event=2015-06-09-derna", D(2015, 6, 12), "2015-06-09-derna"),
    ("?date=2016-02-31&factions=aliens", D(2016, 4, 21), None),  # bad: the default, as sync
    ("?date=2016-05-01&view=report", D(2016, 5, 1), None),
    ("", D(2016, 4, 21), None),
])
def test_the_layout_brings_the_map_of_its_address_which_is_not_built_again(
        registry, search, day, event):
    record = registry.get(None).record
    first = first_view(registry, search, None)
    assert first["view"]["day"] == day_offset(record, day)
    assert first["view"]["event"] == event
    assert first["report"] == ("view=report" in search)  # the page is laid out for it
    page = opened(registry, search)
    # the addresses the page may show when it draws: as opened, and as sync rewrites it
    assert first["view"]["searches"] == sorted({search, page["search"]})
    # the page's own path then finds the bundle it holds, and builds nothing
    assert bundle_for(registry, page["filters"], first["bundle"]["key"], None) == \
        (no_update, no_update)
    # the bundle is the one of that view: another view's is built, and differs
    _, other = moved(registry, search or "?date=2016-04-21", layers=["control"])
    rebuilt, key = bundle_for(registry, other["filters"], first["bundle"]["key"], None)
    assert key != first["bundle"]["key"] and rebuilt["key"] == key
    assert rebuilt["traces"] != first["bundle"]["traces"]


def test_the_page_asks_for_its_layout_from_its_address(tmp_path):
    """The layout is built for the address in the request's Referer (the page's own): the
    map's first view, the slider and the date laid out on its day (the page draws the
    day the slider shows), and the filters set as the address sets them (they say what
    the first map shows before any callback has answered)."""
    from app import create_app
    from dashboard.config import Config
    client = create_app(Config(data_dir=GEODATA, datasets_dir=tmp_path)).server.test_client()
    record = Registry(GEODATA, tmp_path).get(None).record

    def first(search=None):
        props = laid_out(client, search, (ids.FIRST, ids.SLIDER, ids.DATE_WORDS, ids.FACTIONS,
                                          ids.STEP, ids.WINDOW))
        day = props[ids.FIRST]["data"]["day"]
        assert props[ids.SLIDER]["value"] == day
        assert props[ids.DATE_WORDS]["dateTime"] == \
            (record.first_day + dt.timedelta(days=day)).isoformat()
        return day, props[ids.FACTIONS]["value"], props[ids.STEP]["value"], \
            props[ids.WINDOW]["value"]
    assert first("?date=2015-06-12&factions=is&step=day&window=30") \
        == (day_offset(record, D(2015, 6, 12)), ["is"], "day", "30")
    default = (day_offset(record, D(2016, 4, 21)), list(record.factions), "week", "90")
    assert first() == first("?date=%%%&x=<>") == default
    # an unknown dataset's address: the page is laid out for the bundled dataset's defaults
    # (a known one's is laid out for that dataset: tests/test_datasets.py)
    assert first("?dataset=nowhere&factions=is")[1:] == default[1:]


def test_a_chart_is_built_only_when_what_it_plots_changed():
    def fails():
        raise AssertionError("built although nothing it plots changed")
    assert redraw_if_changed(fails, ["x"], ["x"]) == (no_update, no_update)
    assert redraw_if_changed(lambda: "figure", ["x"], ["y"]) == ("figure", ["y"])


@pytest.mark.parametrize("which", [ids.ACTIVITY, ids.AREA_CHART])
def test_charts_redraw_for_new_filters_but_not_for_a_new_day(registry, which):
    first = opened(registry, "?date=2016-04-21")
    figure, key = chart(registry, first["state"], None, which)
    assert figure.data, "the chart plots something"
    _, later = moved(registry, "?date=2016-04-21", slider=800)
    assert chart(registry, later["state"], key, which) == (no_update, no_update)
    _, french = moved(registry, "?date=2016-04-21", lang="fr")
    assert chart(registry, french["state"], key, which)[1] != key
    assert chart(registry, None, key, which) == (no_update, no_update)


def test_the_long_lists_are_sent_only_when_what_they_list_changed(registry):
    first = opened(registry, "?date=2016-03-03")
    shown = describe(registry, first["state"], None)
    assert shown["areas"] is not no_update and shown["events"] is not no_update
    texts = str(shown["events"])
    assert "Derna" in texts  # the window's events are listed

    def on(day, **changes):
        return describe(registry, {**first["state"], "day": day, **changes}, shown["keys"])
    quiet = on("2016-03-04")  # a day on: the same areas and the same events
    assert quiet["areas"] is no_update and quiet["events"] is no_update
    assert quiet["keys"] is no_update
    assert quiet["summary"] != shown["summary"]  # the summary is of its own day
    later = on("2016-04-21")  # IS has left Derna's outskirts: other areas and events
    assert later["areas"] is not no_update and later["events"] is not no_update
    assert later["keys"]["events"] != shown["keys"]["events"]
    french = on("2016-03-03", lang="fr")
    assert french["areas"] is not no_update and french["events"] is not no_update
    picked = next(iter(shown["keys"]["events"][4:]))  # selecting an event marks it in the list
    selected = on("2016-03-03", event=picked)
    assert selected["areas"] is no_update
    assert 'aria-current' in str(selected["events"])


@pytest.mark.parametrize("playing,lang,expected", [
    (True, "en", ("Pause", "true")), (False, "en", ("Play", "false")),
    (False, "fr", ("Lecture", "false")), (None, "xx", ("Play", "false")),
])
def test_the_play_button_says_what_a_press_will_do(playing, lang, expected):
    assert play_label(playing, lang) == expected


@pytest.mark.parametrize("trigger,options,expected", [
    (ids.FACTIONS_ALL, [{"value": "is"}, {"value": "lna"}], ["is", "lna"]),
    (ids.FACTIONS_NONE, [{"value": "is"}, {"value": "lna"}], []),
    (ids.FACTIONS_ALL, None, []),
])
def test_all_or_no_factions(trigger, options, expected):
    assert all_or_none(trigger, options) == expected


def test_every_translated_output_has_words_in_each_language():
    english, french = translations("en", False, 25), translations("fr", False, 25)
    assert len(english) == len(french) == len(TRANSLATION_OUTPUTS)
    assert repr(translations("xx", False, 25)) == repr(english)
    differ = [out for out, a, b in zip(TRANSLATION_OUTPUTS, english, french)
              if repr(a) != repr(b)]
    assert len(differ) >= len(TRANSLATION_OUTPUTS) - 3, "almost every text changes"
    assert any("25" in str(text) for text in english), "the upload limit is stated"


@pytest.mark.parametrize("tiles_enabled", [False, True])
def test_a_page_in_english_is_not_sent_its_words_again(registry, tiles_enabled):
    """The layout's words are English: exactly what the translations say in English (so
    they need not be sent again), and another language is sent, with its name. Its title
    is the dataset's, as the server sends it (the page shows the layout's until then)."""
    from dashboard.layout import build_layout
    layout = build_layout(registry.get(None), tiles_enabled, 25, registry.describe())
    props = {}

    def walk(node):
        if hasattr(node, "to_plotly_json"):
            found = node.to_plotly_json()["props"]
            if isinstance(found.get("id"), str):
                props[found["id"]] = found
            for value in found.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)
    walk(layout)
    english = translations("en", tiles_enabled, 25)
    for (cid, prop), words in zip(TRANSLATION_OUTPUTS, english):
        assert repr(props[cid][prop]) == repr(words), (cid, prop)
    assert props[ids.WORDS_LANG]["data"] == "en"
    assert props[ids.TITLE]["children"] == \
        dataset_controls(registry, opened(registry, "")["state"], None)[0]
    assert words_for("en", "en", tiles_enabled, 25) == (no_update,) * (len(english) + 1)
    french = words_for("fr", "en", tiles_enabled, 25)
    assert french[-1] == "fr" and repr(french[:-1]) == repr(translations("fr", tiles_enabled, 25))
    assert words_for("en", "fr", tiles_enabled, 25)[-1] == "en"


def test_dataset_controls_are_sent_once_per_dataset_and_language(registry):
    first = opened(registry, "?date=2016-04-21")
    out = dataset_controls(registry, first["state"], None)
    assert len(out) == len(DATASET_OUTPUTS)
    record = registry.get(None).record
    by_output = dict(zip(DATASET_OUTPUTS, out))
    assert by_output[(ids.SLIDER, "max")] == (record.last_day - record.first_day).days
    assert by_output[(ids.RANGE, "min_date_allowed")] == record.first_day.isoformat()
    key = by_output[(ids.DATASET_KEY, "data")]
    assert all(v is no_update for v in dataset_controls(registry, first["state"], key))
    _, french = moved(registry, "?date=2016-04-21", lang="fr")
    assert dataset_controls(registry, french["state"], key)[0] != out[0]
    assert all(v is no_update for v in dataset_controls(registry, None, key))


def test_a_download_of_more_events_than_one_holds_is_refused_with_the_way_out(registry,
                                                                             monkeypatch):
    from dashboard import callbacks
    from dashboard.export import ExportError
    monkeypatch.setattr(callbacks, "MAX_EVENTS", 20)  # the bundled record: 125 events
    everything = opened(registry, "?date=2018-06-30&window=all")["state"]
    for which in (ids.EXPORT_CSV, ids.EXPORT_GEOJSON):
        with pytest.raises(ExportError, match="more than one download holds.*/api/events"):
            callbacks.export_data(registry, None, everything, which, "png", "slide", "me")
    one_week = opened(registry, "?date=2016-04-21&window=7")["state"]
    name, content = callbacks.export_data(registry, None, one_week, ids.EXPORT_CSV, "png",
                                          "slide", "me")
    rows = content.decode().strip().splitlines()
    assert name.endswith(".csv") and 1 < len(rows) <= 21


class FakeJobs:
    """The job store as the page's callbacks see it: jobs by id, and what was submitted."""

    def __init__(self, *jobs):
        self.jobs = {job.id: job for job in jobs}

    def get(self, job_id):
        return self.jobs.get(job_id)


def _job(state, done=0, total=0, error=""):
    from dashboard.jobs import Job
    return Job("j1", "frontlines-2016.gif", "image/gif", "me", {}, 0.0, state, done, total, error)


@pytest.mark.parametrize("job,lang,expected_value,expected_max,status,polling_stops", [
    (None, "en", "0", "1", "", True),                       # expired or never existed
    (_job("queued"), "en", "0", "1", "Waiting for the export worker", False),
    (_job("running", 0, 0), "fr", "0", "1", "En attente", False),  # started, no frame yet
    (_job("running", 3, 12), "en", "3", "12", "frame 3 of 12", False),
    (_job("failed", error="ffmpeg broke"), "en", "0", "1", "ffmpeg broke", True),
    (_job("cancelled", error="cancelled"), "en", "0", "1", "cancelled", True),
    (_job("done", 12, 12), "en", "1", "1", "frontlines-2016.gif", True),
])
def test_the_animation_poll_says_where_the_job_is(job, lang, expected_value, expected_max,
                                                 status, polling_stops):
    jobs = FakeJobs(*([job] if job else []))
    value, most, text, stop = animation_status(jobs, {"id": "j1", "lang": lang})
    assert (value, most, stop) == (expected_value, expected_max, polling_stops)
    assert status in str(text)
    if job is not None and job.state == "done":
        assert text.href == "/api/exports/j1" and text.download == "frontlines-2016.gif"


def test_the_animation_button_queues_a_checked_request_or_says_why_not(registry, tmp_path):
    from dashboard.config import Config
    from dashboard.jobs import Jobs
    launched = []
    jobs = Jobs(Config(datasets_dir=tmp_path), launch=launched.append)  # nothing renders
    first = opened(registry, "?date=2016-04-21&factions=is")
    job, polling_disabled, status = queue_animation(
        registry, jobs, first["state"], "2016-05-01", "2016-04-01", "week", "gif", "small", "me")
    assert job is no_update and polling_disabled is True and "before start" in status
    job, polling_disabled, status = queue_animation(
        registry, jobs, first["state"], "2016-04-01", "2016-04-29", "week", "gif", "small", "me")
    assert polling_disabled is False and launched == [job["id"]]
    queued = jobs.get(job["id"])
    assert queued.state == "queued" and "factions=is" in queued.request["query"]
    assert (queued.request["start"], queued.request["end"]) == ("2016-04-01", "2016-04-29")
    assert queue_animation(registry, jobs, None, None, None, "week", "gif", "small",
                           "me") == (no_update, no_update, no_update)
