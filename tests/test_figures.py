"""The map's template and bundle, the charts and the text summary, on the bundled record.

The bundle's items are checked with the documented time rule (an area holds on days
valid_from <= day < valid_to; an event or movement touches the event window), applied here
independently; the browser tests check that the page draws the same."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace


from dashboard.figures.activity import build_activity
from dashboard.figures.map import area_trace, map_bundle, map_figure
from dashboard.i18n import TEXT, date_words
from dashboard.state import day_offset, parse_state
from dashboard.summary import day_summary
from dashboard.view import MAX_MARKERS, shown

DERNA = (22.4, 22.9, 32.6, 32.9)  # lon, lon, lat, lat around Derna and its outskirts


def _uids(figure) -> list[str]:
    return [t["uid"] for t in figure["data"]]


def _at(bundle, uid, record, day: dt.date) -> list:
    """The items of one trace that hold on `day`, by the documented rule."""
    uids = _uids(bundle["figure"])
    if uid not in uids:  # nothing to draw in this view
        return []
    spec = bundle["traces"].get(str(uids.index(uid)), {"rule": "valid", "items": []})
    offset = day_offset(record, day)
    if spec["rule"] == "always":
        return spec["items"]
    assert spec["rule"] == "valid"
    return [it for it in spec["items"] if it[0] <= offset and (it[1] is None or offset < it[1])]


def _near_derna(items) -> bool:
    lon0, lon1, lat0, lat1 = DERNA
    return any(x is not None and lon0 < x < lon1 and lat0 < y < lat1
               for it in items for x, y in zip(it[2]["lon"], it[2]["lat"]))


def test_a_bundle_has_a_trace_only_for_what_it_can_draw_in_a_fixed_order(record, data):
    """A step refills traces; it never adds or reorders them. Each trace costs a redraw
    per step, so factions and layers with nothing to draw get none."""
    full = _uids(map_figure(data, parse_state("?date=2016-04-21", record)))
    for query in ("?date=2014-10-15", "?date=2016-04-21&lang=fr",
                  "?date=2016-04-21&mode=compare", "?date=2016-04-21&factions=is"):
        bundle = map_bundle(data, parse_state(query, record))
        uids = _uids(bundle["figure"])
        assert uids == [u for u in full if u in uids], "the template's order"
        assert uids[-3:] == ["events", "area labels", "key places"], "labels draw on top"
        used = {uids[int(k)] for k in bundle["traces"]}
        assert set(uids) - used <= {"changed", "selected event", "events", "area labels",
                                    "key places"}
    assert "area egypt held" not in _uids(map_bundle(
        data, parse_state("?date=2016-04-21", record))["figure"]), "Egypt held no ground"


def test_the_basemap_is_offline_and_names_places_by_rank(record, data):
    style = map_figure(data, parse_state("?date=2016-04-21", record))["layout"]["map"]["style"]
    text = json.dumps(style)
    assert "http" not in text, "glyphs and basemap come from this server"
    assert style["glyphs"].startswith("/assets/glyphs/{fontstack}/{range}.pbf")
    places = style["sources"]["places"]["data"]["features"]
    order = {f["properties"]["name"]: f["properties"]["order"] for f in places}
    assert order["Benghazi"] < order["Al Fatayah"], "towns by rank"
    assert not {"Derna", "Al-Maheili", "Sirte"} & set(order), "key places have their own layer"
    # the place names over every trace but the key places, whose labels are placed first
    ids = [layer["id"] for layer in style["layers"]]
    assert ids[-2:] == ["places", "slot key places"]
    assert ids.index("slot area labels") < ids.index("places")


def test_key_places_are_named_with_their_holder_of_the_day(record, data):
    bundle = map_bundle(data, parse_state("?date=2016-04-21", record))
    (item,) = _at(bundle, "key places", record, dt.date(2016, 4, 21))
    assert item[2]["text"] == ["Derna (DMSC)", "Al-Maheili", "Sirte (IS)"]
    (later,) = _at(bundle, "key places", record, dt.date(2016, 12, 31))
    assert later[2]["text"][2] == "Sirte (GNA)"


def test_every_area_is_in_the_bundle_with_its_dates_and_ids(record, data):
    state = parse_state("?date=2016-04-21", record)
    bundle = map_bundle(data, state)
    index = _uids(bundle["figure"])
    bundled = {}
    for key, spec in bundle["traces"].items():
        if index[int(key)].startswith("area ") and index[int(key)] != "area labels":
            for first, last, payload in spec["items"]:
                bundled[payload["ids"][0]] = (first, last, index[int(key)])
    assert set(bundled) == {a.id for a in record.areas}
    for area in record.areas:
        last = day_offset(record, area.valid_to) if area.valid_to else None
        kind = " unconfirmed" if area.assessment in ("claimed", "assumed") else ""
        assert bundled[area.id] == (day_offset(record, area.valid_from), last,
                                    f"area {area.faction} {area.status}{kind}")


def test_highlighted_areas_and_movements_are_outlined_on_their_own_days(record, data):
    area = next(a for a in record.areas if a.valid_to)
    movement = record.movements[0]
    plain = map_bundle(data, parse_state("?date=2016-04-21", record))
    assert "highlight" not in _uids(plain["figure"])
    state = parse_state(f"?date=2016-04-21&highlight={area.id},{movement.id}", record)
    bundle = map_bundle(data, state)
    index = {uid: i for i, uid in enumerate(_uids(bundle["figure"]))}
    items = bundle["traces"][str(index["highlight"])]["items"]
    area_key = str(index[area_trace(area)])
    drawn = next(p for _f, _l, p in bundle["traces"][area_key]["items"] if p["ids"] == [area.id])
    assert [(a, b, p["lon"], p["lat"]) for a, b, p in items if p["lon"] == drawn["lon"]] == \
        [(day_offset(record, area.valid_from), day_offset(record, area.valid_to),
          drawn["lon"], drawn["lat"])], "the area's own outline, on the area's own days"
    assert len(items) == 2  # the area and the movement, nothing else
    assert bundle["figure"]["data"][index["highlight"]]["name"] == "Highlighted in this story step"


def test_derna_changes_hands_between_2015_and_mid_2016(record, data):
    bundle = map_bundle(data, parse_state("?date=2016-04-21", record))
    early, later = dt.date(2015, 1, 1), dt.date(2016, 6, 1)
    assert _near_derna(_at(bundle, "area is contested", record, early))
    assert not _near_derna(_at(bundle, "area is contested", record, later))
    assert not _near_derna(_at(bundle, "area is held", record, later))
    assert _near_derna(_at(bundle, "area dmsc held", record, later))


def test_contested_areas_are_hatched_in_the_rivals_colour(record, data):
    bundle = map_bundle(data, parse_state("?date=2015-01-01", record))
    assert _near_derna(_at(bundle, "hatch dmsc", record, dt.date(2015, 1, 1)))
    hatch = next(t for t in bundle["figure"]["data"] if t["uid"] == "hatch dmsc")
    assert hatch["line"]["color"] == record.factions["dmsc"].colour


def test_claimed_and_assumed_areas_are_drawn_apart_and_can_be_hidden(record, data):
    bundle = map_bundle(data, parse_state("?date=2016-04-21", record))
    uids = _uids(bundle["figure"])
    assumed = {a.id for a in record.areas if a.assessment in ("claimed", "assumed")}
    apart = {i for k, spec in bundle["traces"].items() if uids[int(k)].endswith("unconfirmed")
             for it in spec["items"] for i in it[2]["ids"]}
    assert apart == assumed and assumed
    legend = next(t["name"] for t in bundle["figure"]["data"] if t["uid"].endswith("unconfirmed"))
    assert legend.endswith("(claimed or assumed)")
    hidden = map_bundle(data, parse_state("?date=2016-04-21&layers=control,events", record))
    drawn = {i for spec in hidden["traces"].values() for it in spec["items"]
             for i in it[2].get("ids", [])}
    assert drawn and not drawn & assumed


def test_factions_are_named_as_they_were_on_the_day(record, data):
    bundle = map_bundle(data, parse_state("?date=2014-11-01", record))
    dmsc = record.factions["dmsc"]
    (item,) = _at(bundle, "key places", record, dt.date(2014, 11, 1))
    assert "Derna Mujahideen" not in item[2]["text"][0]
    assert dmsc.short_on(dt.date(2014, 11, 1), "en") != dmsc.short_on(dt.date(2015, 1, 1), "en")
    index = _uids(bundle["figure"]).index("area dmsc contested") \
        if "area dmsc contested" in _uids(bundle["figure"]) else None
    if index is not None:
        periods = bundle["names"][str(index)]
        assert len(periods) == len(dmsc.names)


def test_the_faction_filter_applies_to_areas_too(record, data):
    """factions=is keeps IS's areas and those contested with IS, and nothing else."""
    bundle = map_bundle(data, parse_state("?date=2016-04-21&factions=is", record))
    ids = {i for spec in bundle["traces"].values() for it in spec["items"]
           for i in it[2].get("ids", [])}
    areas = {a.id: a for a in record.areas}
    drawn = [areas[i] for i in ids if i in areas]
    assert drawn and all(a.faction == "is" or "is" in a.contested_with for a in drawn)
    assert {a.id for a in record.areas if a.faction == "is"} <= ids
    events = {e.id: e for e in record.events}
    assert all("is" in events[item[4]].actors for item in bundle["events"]["items"])


def test_event_items_carry_their_days_and_fatality_sizes(record, data):
    bundle = map_bundle(data, parse_state("?date=2016-12-31&window=all", record))
    items = {item[4]: item for item in bundle["events"]["items"]}
    assert set(items) == {e.id for e in record.events}
    for e in record.events:
        assert items[e.id][:2] == [day_offset(record, e.date), day_offset(record, e.last_day)]
    big = max(record.events, key=lambda e: e.fatalities or 0)
    unknown = next(e for e in record.events if e.fatalities is None)
    assert items[big.id][6] > items[unknown.id][6]
    assert bundle["window"] == {"kind": "all"}
    assert map_bundle(data, parse_state("?date=2016-12-31", record))["window"] == \
        {"kind": "last", "days": 90}


def test_layers_can_be_switched_off(record, data):
    bundle = map_bundle(data, parse_state("?date=2016-04-21&layers=labels", record))
    index = _uids(bundle["figure"])
    assert [index[int(k)] for k in bundle["traces"]] == ["key places"]
    assert bundle["events"]["items"] == []
    (names,) = _at(bundle, "key places", record, dt.date(2016, 4, 21))
    assert names[2]["text"] == ["Derna", "Al-Maheili", "Sirte"], "no control: no holders"
    def places(b):
        (layer,) = [la for la in b["figure"]["layout"]["map"]["style"]["layers"]
                    if la["id"] == "places"]
        return layer["layout"]["visibility"]
    assert places(bundle) == "visible"
    off = map_bundle(data, parse_state("?date=2016-04-21&layers=control", record))
    assert places(off) == "none"


def test_legend_names_follow_the_language_and_markup_in_data_stays_text(record, data, dataset):
    fr = map_figure(data, parse_state("?date=2016-04-21&lang=fr", record))
    assert any(t["name"] == "EI · tenu" for t in fr["data"])
    from datasets import GEODATA, area, square
    from dashboard.dataset import load_dataset
    folder = dataset(areas=[area("x", "lna", square(20, 30), "2016-01-01")])
    factions = json.loads((folder / "factions.json").read_text())
    lna = next(f for f in factions["factions"] if f["id"] == "lna")
    assert "names" not in lna, "a faction with one name throughout"
    lna["short"]["en"] = '<a href="https://evil.example/">x</a>'
    (folder / "factions.json").write_text(json.dumps(factions))
    hostile = load_dataset(folder, GEODATA)
    bundle = map_bundle(hostile, parse_state("?date=2016-02-01", hostile.record))
    legend = next(t["name"] for t in bundle["figure"]["data"] if t["uid"] == "area lna held")
    assert "<a" not in legend and "&lt;a href" in legend, "plotly's SVG text shows it as text"
    labels = _at(bundle, "area labels", hostile.record, dt.date(2016, 2, 1))
    assert labels[0][2]["text"] == ['<a href="https://evil.example/">x</a>'], \
        "MapLibre draws label text literally: no escaping there"


def test_online_tiles_are_opt_in(record, data):
    state = parse_state("?date=2016-04-21&basemap=tiles", record)
    offline = map_figure(data, state)["layout"]["map"]["style"]
    tiles = map_figure(data, state, ("https://tiles.invalid/{z}/{x}/{y}.png", "test"))
    style = tiles["layout"]["map"]["style"]
    assert "tiles" not in offline["sources"]
    assert style["sources"]["tiles"]["tiles"] == ["https://tiles.invalid/{z}/{x}/{y}.png"]
    assert [layer["id"] for layer in style["layers"]][-2:] == ["places", "slot key places"]


def test_activity_chart_marks_the_day_and_honours_filters(record):
    state = parse_state("?date=2016-04-21&factions=is", record)
    fig = build_activity(record, state)
    involving_is = [e for e in record.events if "is" in e.actors]
    assert sum(sum(t.y) for t in fig.data) == len(involving_is)
    assert "IS" in {t.name for t in fig.data}
    assert fig.layout.shapes[0].x0 == "2016-04-21"


def test_summary_says_who_holds_what_with_areas_and_events(record, data):
    state = parse_state("?date=2016-03-01&window=90", record)
    text = day_summary(record, state, shown(data, state))
    assert text.startswith("On 1 March 2016, IS held")
    assert "km²" in text and "Sirte city" in text and "DMSC held" in text
    assert "events between 3 December 2015 and 1 March 2016" in text
    french_state = replace(state, lang="fr")
    french = day_summary(record, french_state, shown(data, french_state))
    assert french.startswith("Le 1er mars 2016, EI tenait") and "km²" in french


def test_every_text_has_both_languages():
    assert all(set(v) == {"en", "fr"} and all(v.values()) for v in TEXT.values())
    assert date_words(dt.date(2016, 4, 21), "fr", weekday=True) == "jeudi 21 avril 2016"
    assert date_words(dt.date(2016, 4, 20), "en", weekday=True) == "Wednesday 20 April 2016"


def test_compare_mode_bundles_gained_and_lost_ground_and_nearby_events(record, data):
    state = parse_state("?date=2017-01-01&mode=compare&a=2016-01-01", record)
    bundle = map_bundle(data, state)
    day = dt.date(2017, 1, 1)
    assert bundle["day"] == day_offset(record, day), "compare mode is computed per day"
    assert _at(bundle, "lost is", record, day) and _at(bundle, "gained gna", record, day)
    assert not _at(bundle, "area is held", record, day), "changes, not the day's areas"
    assert bundle["words"]["compare"] == "1 January 2016 → 1 January 2017"
    found = {e.id: e for e in record.events}
    ids = [item[4] for item in bundle["events"]["items"]]
    assert ids and all(dt.date(2016, 1, 1) <= found[i].last_day and
                       found[i].date <= dt.date(2017, 1, 1) for i in ids)
    assert "2016-12-05-sirte" in ids and not any(found[i].place == "Tobruk" for i in ids)


def test_estimated_layer_is_labelled_and_separate(record, data):
    state = parse_state("?date=2016-03-01&layers=estimated", record)
    bundle = map_bundle(data, state)
    day = dt.date(2016, 3, 1)
    assert _at(bundle, "estimated is", record, day)
    labels = [t for it in _at(bundle, "area labels", record, day) for t in it[2]["text"]]
    assert labels and all("(est.)" in text for text in labels)
    assert not _at(bundle, "area is held", record, day), "drawn areas are off: nothing mixed"


def test_stepping_outlines_what_changed_when_a_span_begins(record, data):
    """Changes carry the day they happen; the page outlines those since its last step."""
    bundle = map_bundle(data, parse_state("?date=2016-06-10", record))
    index = _uids(bundle["figure"]).index("changed")
    spec = bundle["traces"][str(index)]
    assert spec["rule"] == "since"
    days = {it[0] for it in spec["items"]}
    starts = {day_offset(record, d) for d in data.history.starts[1:]}
    assert days and days <= starts
    week = range(day_offset(record, dt.date(2016, 5, 28)), day_offset(record, dt.date(2016, 6, 4)))
    assert any(d in week for d in days), "Bin Jawad and Nofaliya changed hands that week"


def test_area_chart_marks_the_day_and_annotates_turning_points(record, data):
    from dashboard.figures.areas import build_area_chart
    fig = build_area_chart(data.history, parse_state("?date=2016-06-10", record))
    assert {"IS", "GNA", "LNA"} <= {t.name for t in fig.data}
    assert fig.layout.shapes[0].x0 == "2016-06-10"
    assert len(fig.layout.annotations) >= 3


def test_a_huge_dataset_is_drawn_a_day_at_a_time_with_counts_beyond_the_budget(dataset):
    from datasets import GEODATA, event
    from dashboard.dataset import load_dataset
    from dashboard.view import STEP_MARKERS, aggregates
    many = [event(f"e{i}", "2016-01-01" if i < 100 else "2016-01-02", ["is"],
                  lon=20 + (i % 100) / 100, lat=30 + (i // 100) / 1000)
            for i in range(MAX_MARKERS + 100)]
    data = load_dataset(dataset(events=many), GEODATA)
    state = parse_state("?date=2016-01-02&window=30", data.record)
    bundle = map_bundle(data, state)
    assert bundle["day"] is not None, "too many events to send: the server picks each day's"
    assert bundle["events"]["items"] == [] and bundle["aggregated"] == MAX_MARKERS + 100
    cells = [item[2] for i, t in bundle["traces"].items()
             if bundle["figure"]["data"][int(i)]["uid"].startswith("density")
             for item in t["items"]]
    assert cells and all(len(c["lon"]) == len(c["text"]) == 1 for c in cells)
    found = shown(data, state)
    summary = day_summary(data.record, state, found, aggregates(data, state, found))
    assert f"beyond {STEP_MARKERS:,} events the map counts them per grid cell" in summary


def test_the_page_s_plotly_js_draws_every_trace_type_of_every_figure(record, data):
    """The page runs a partial plotly.js (assets/vendor/README.md): it must be the version
    the figures are built for, and know each trace type they use (map, charts, every
    layer and mode), or plotly would draw nothing for it."""
    import re

    from plotly.offline import get_plotlyjs_version

    from dashboard.config import ROOT
    from dashboard.figures.areas import build_area_chart
    bundle = (ROOT / "assets" / "vendor" / "plotly-frontlines.min.js").read_text(encoding="utf-8")
    assert re.findall(r'\.version="([0-9.]+)"', bundle) == [get_plotlyjs_version()]
    known = set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', bundle))
    used = set()
    for search in ("?date=2016-04-21", "?date=2016-04-21&mode=compare",
                   "?date=2016-04-21&layers=control,events,movements,estimated&basemap=tiles"):
        state = parse_state(search, record)
        figures = [map_figure(data, state), build_activity(record, state).to_plotly_json(),
                   build_area_chart(data.history, state).to_plotly_json()]
        used |= {trace.get("type", "scatter") for figure in figures for trace in figure["data"]}
    assert {"scattermap", "bar", "scatter"} <= used and used <= known, used - known
    # and it is the build with its two documented changes: traces added on the style's
    # load, and an area's line drawn from its fill's source
    waits = re.findall(r'new Promise\(function\((\w+)\)\{\w+\.once\("([a-z.]+)",\1\)\}\)', bundle)
    events = [event for _, event in waits]  # (a new map's wait, and a new style's)
    assert "style.load" in events and "load" not in events, waits
    assert "sharesFill?this.sourceIds.fill:" in bundle
    # offline: no internet address left in its code, only XML namespaces (never fetched)
    addresses = set(re.findall(r"https?://[^\s'\"`)\\]*", bundle))
    assert addresses and all(a.startswith("http://www.w3.org/") for a in addresses), addresses
