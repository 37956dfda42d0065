"""Figure builders and the text summary, on the bundled record."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace


from dashboard.figures.activity import build_activity
from dashboard.figures.map import BASE_TRACE_COUNT, build_map, on_tiles
from dashboard.i18n import TEXT, date_words
from dashboard.state import parse_state
from dashboard.summary import day_summary


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_trace_layout_is_the_same_on_every_day_so_steps_can_patch(record, data):
    names = None
    for day in ("2014-10-15", "2016-04-21", "2018-12-01"):
        fig = build_map(data, parse_state(f"?date={day}", record))
        if names is None:
            names = [t.name for t in fig.data]
        assert [t.name for t in fig.data] == names
    assert names[:BASE_TRACE_COUNT] == ["land", "borders"]


def test_derna_changes_hands_between_2015_and_mid_2016(record, data):
    early = build_map(data, parse_state("?date=2015-01-01", record))
    later = build_map(data, parse_state("?date=2016-06-01", record))

    def near_derna(fig, name):
        trace = _trace(fig, name)
        return [lon for lon, lat in zip(trace.lon, trace.lat)
                if lon is not None and 22.4 < lon < 22.9 and 32.6 < lat < 32.9]
    assert near_derna(early, "IS · contested")
    assert not near_derna(later, "IS · contested") and not near_derna(later, "IS · held")
    assert near_derna(later, "DMSC · held")


def test_contested_areas_are_hatched_in_the_rivals_colour(record, data):
    fig = build_map(data, parse_state("?date=2015-01-01", record))
    assert _trace(fig, "hatch dmsc").lon, "IS/DMSC contest in Derna is hatched in DMSC green"
    assert _trace(fig, "hatch dmsc").line.color == record.factions["dmsc"].colour
    assert _trace(fig, "IS · contested").line.dash == "dash"


def test_filtering_to_one_faction_keeps_only_its_events(record, data):
    state = parse_state("?date=2016-06-30&window=all&factions=pfg", record)
    events = _trace(build_map(data, state), "events")
    found = {e.id: e for e in record.events}
    assert events.customdata and all("pfg" in found[i].actors for i in events.customdata)


def test_event_markers_carry_type_symbols_and_fatality_sizes(record, data):
    state = parse_state("?date=2016-12-31&window=all", record)
    events = _trace(build_map(data, state), "events")
    found = {e.id: e for e in record.events}
    assert len(set(events.marker.symbol)) >= 3
    big = max(range(len(events.customdata)), key=lambda i: found[events.customdata[i]].fatalities or 0)
    unknown = next(i for i, eid in enumerate(events.customdata) if found[eid].fatalities is None)
    assert events.marker.size[big] > events.marker.size[unknown]


def test_layers_can_be_switched_off(record, data):
    state = parse_state("?date=2016-04-21&layers=labels", record)
    fig = build_map(data, state)
    assert not _trace(fig, "events").lon and not _trace(fig, "IS · held").lon
    assert _trace(fig, "places").text


def test_title_and_legend_follow_the_language(record, data):
    fig = build_map(data, parse_state("?date=2016-04-21&lang=fr", record))
    assert "21 avril 2016" in fig.layout.title.text
    assert any("tenu" in (t.name or "") for t in fig.data if t.showlegend)
    assert "Sources :" in fig.layout.annotations[0].text


def test_online_tiles_are_opt_in_and_keep_the_layers(record, data):
    state = replace(parse_state("?date=2016-04-21", record), basemap="tiles")
    offline = build_map(data, state)
    tiles = build_map(data, state, ("https://tiles.invalid/{z}/{x}/{y}.png", "test"))
    assert offline.layout.geo.projection.type == "mercator"
    assert tiles.layout.map.style["sources"]["tiles"]["tiles"] == ["https://tiles.invalid/{z}/{x}/{y}.png"]
    assert len(tiles.data) == len(offline.data) - BASE_TRACE_COUNT
    assert {t.type for t in tiles.data} == {"scattermap"}
    assert on_tiles(offline, record.extent, "https://x.invalid/{z}/{x}/{y}.png",
                    "a").data[0].type == "scattermap"


def test_activity_chart_marks_the_day_and_honours_filters(record):
    state = parse_state("?date=2016-04-21&factions=is", record)
    fig = build_activity(record, state)
    involving_is = [e for e in record.events if "is" in e.actors]
    assert sum(sum(t.y) for t in fig.data) == len(involving_is)
    assert "IS" in {t.name for t in fig.data}
    assert fig.layout.shapes[0].x0 == "2016-04-21"


def test_summary_says_who_holds_what_with_areas_and_events(record):
    state = parse_state("?date=2016-03-01&window=90", record)
    text = day_summary(record, state)
    assert text.startswith("On 1 March 2016, IS held")
    assert "km²" in text and "Sirte city" in text and "DMSC held" in text
    assert "events between 3 December 2015 and 1 March 2016" in text
    french = day_summary(record, replace(state, lang="fr"))
    assert french.startswith("Le 1er mars 2016, EI tenait") and "km²" in french


def test_every_text_has_both_languages():
    assert all(set(v) == {"en", "fr"} and all(v.values()) for v in TEXT.values())
    assert date_words(dt.date(2016, 4, 21), "fr", weekday=True) == "jeudi 21 avril 2016"
    assert date_words(dt.date(2016, 4, 20), "en", weekday=True) == "Wednesday 20 April 2016"


def test_compare_mode_draws_gained_and_lost_ground_and_nearby_events(record, data):
    state = parse_state("?date=2017-01-01&mode=compare&a=2016-01-01", record)
    fig = build_map(data, state)
    assert _trace(fig, "IS · lost").lon and _trace(fig, "GNA · gained").lon
    assert not _trace(fig, "IS · held").lon, "compare mode shows changes, not the day's areas"
    assert "1 January 2016 → 1 January 2017" in fig.layout.title.text
    shown = _trace(fig, "events").customdata
    found = {e.id: e for e in record.events}
    assert shown and all(dt.date(2016, 1, 1) <= found[i].last_day and
                         found[i].date <= dt.date(2017, 1, 1) for i in shown)
    assert "2016-12-05-sirte" in shown and not any(found[i].place == "Tobruk" for i in shown)


def test_trace_layout_is_the_same_in_every_mode_and_layer_set(record, data):
    names = [[t.name for t in build_map(data, parse_state(q, record)).data]
             for q in ("?date=2016-04-21", "?date=2016-04-21&mode=compare&a=2015-01-01",
                       "?date=2016-04-21&layers=estimated")]
    assert [len(n) for n in names] == [len(names[0])] * 3


def test_estimated_layer_is_labelled_and_separate(record, data):
    fig = build_map(data, parse_state("?date=2016-03-01&layers=estimated", record))
    estimated = _trace(fig, "IS · estimated from place observations")
    assert estimated.lon and estimated.line.dash == "dot"
    assert all("(est.)" in text for text in _trace(fig, "estimated labels").text)
    assert not _trace(fig, "IS · held").lon, "drawn areas are off: nothing is mixed silently"


def test_stepping_outlines_what_changed_since_the_previous_day(record, data):
    state = replace(parse_state("?date=2016-06-10", record), previous=dt.date(2016, 5, 27))
    outline = [t for t in build_map(data, state).data if t.name.startswith("Changed since")]
    assert outline and outline[0].lon
    still = replace(parse_state("?date=2016-06-10", record), previous=dt.date(2016, 6, 10))
    assert not [t for t in build_map(data, still).data if t.name.startswith("Changed since")]


def test_area_chart_marks_the_day_and_annotates_turning_points(record, data):
    from dashboard.figures.areas import build_area_chart
    fig = build_area_chart(data.history, parse_state("?date=2016-06-10", record))
    assert {"IS", "GNA", "LNA"} <= {t.name for t in fig.data}
    assert fig.layout.shapes[0].x0 == "2016-06-10"
    assert len(fig.layout.annotations) >= 3


def test_a_huge_window_is_capped_on_the_map_and_the_summary_says_so(dataset):
    from datasets import GEODATA, event
    from dashboard.dataset import load_dataset
    from dashboard.figures.map import MAX_MARKERS
    many = [event(f"e{i}", "2016-01-01" if i < 100 else "2016-01-02", ["is"],
                  lon=20 + (i % 100) / 100, lat=30 + (i // 100) / 1000)
            for i in range(MAX_MARKERS + 100)]
    data = load_dataset(dataset(events=many), GEODATA)
    state = parse_state("?date=2016-01-02&window=30", data.record)
    shown = _trace(build_map(data, state), "events").customdata
    assert len(shown) == MAX_MARKERS and "e0" not in shown and f"e{MAX_MARKERS + 99}" in shown
    assert "the map draws the latest 20,000 of them" in day_summary(data.record, state)
