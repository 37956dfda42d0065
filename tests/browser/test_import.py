"""Bring your own data, in the browser: upload an ACLED export and see it on the map."""
from __future__ import annotations

ACLED = """event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp
SYR1,2017-03-01,2017,1,Political violence,Battles,Armed clash,Islamic State (Syria),,2,Military Forces of Syria (2000-),,1,12,,760,Middle East,Syria,Ar-Raqqa,Ar-Raqqa,Ar-Raqqa,Ar-Raqqa,35.9500,38.9900,1,SOHR,National,Clashes near the city <script>alert('x')</script>.,12,,1700000000
SYR2,2017-06-06,2017,1,Political violence,Explosions/Remote violence,Air/drone strike,Military Forces of the United States (2017-2021),,8,Islamic State (Syria),,2,28,,760,Middle East,Syria,Ar-Raqqa,Ar-Raqqa,Ar-Raqqa,Tabqa,35.8350,38.5480,2,Reuters,International,Air strikes on positions.,,,1700000000
SYR3,2017-10-17,2017,2,Political violence,Battles,Non-state actor overtakes territory,SDF: Syrian Democratic Forces,,2,Islamic State (Syria),,2,22,,760,Middle East,Syria,Ar-Raqqa,Ar-Raqqa,Ar-Raqqa,Ar-Raqqa,35.9500,38.9900,1,AFP,International,The city was taken.,0,,1700000000
"""


def upload(page, path, text: str, name: str, watch: bool = False) -> str:
    """Write a file and import it through the page as a user does; its import report. With
    watch, record (window.uploadSeen) whether the file input was disabled meanwhile, as it
    is while the import runs in the background."""
    path.write_text(text, encoding="utf-8")
    page.open()
    if watch:
        page.page.evaluate(
            "() => { window.uploadSeen = []; const box = document.getElementById('upload');"
            " new MutationObserver(() => window.uploadSeen.push("
            "  !!box.querySelector('input[type=file]')?.disabled))"
            " .observe(box, {attributes: true, subtree: true}); }")
    return page.import_file(path, name)


def test_uploading_an_acled_file_shows_its_events_on_the_map(page, tmp_path):
    # the import runs in the background: "Importing…" progress, then the report
    report = upload(page, tmp_path / "acled-syria.csv", ACLED, "raqqa", watch=True)
    page.settle()
    assert "3" in report and "raqqa" in report.lower()
    seen = page.page.evaluate("() => window.uploadSeen")
    assert True in seen and seen[-1] is False, seen  # disabled while it ran, then enabled
    page.page.wait_for_function("() => location.search.includes('dataset=raqqa')",
                                timeout=30000)
    page.settle()
    events = page.trace("events")
    assert len(events["customdata"]) >= 1
    assert all(38 < lon < 40 and 35 < lat < 37 for lon, lat in zip(events["lon"], events["lat"]))
    west, east = page.map_call("map => [map.getBounds().getWest(), map.getBounds().getEast()]")
    assert west < 38.5 < east < 60, "the map fits the new data"
    # on the world's basemap: the bundled one's land and borders end at Libya's region
    drawn = page.map_call("map => ['land', 'borders'].map(layer =>"
                          " map.queryRenderedFeatures({layers: [layer]}).length)")
    assert all(drawn), f"land and borders drawn: {drawn}"
    page.shot("17-imported-acled")
    # text from the file is shown as text: open the event whose notes carry a script tag
    first = page.page.evaluate(
        "async () => (await (await fetch('/api/events?dataset=raqqa')).json())"
        ".features.find(f => f.properties.summary.includes('<script>'))"
        ".properties.id")
    page.open(f"?dataset=raqqa&date=2017-03-01&window=all&event={first}")
    details = page.page.inner_text("#details")
    assert "<script>alert('x')</script>" in details
    assert page.page.evaluate(
        "() => [...document.scripts].filter(s => s.textContent.includes(\"alert('x')\"))"
        ".length") == 0
    page.shot("18-imported-event-text-escaped")
    assert page.errors == [] and page.external == []


HOSTILE_ACTOR = '<a href="https://evil.example/">x</a>'
HOSTILE_PLACE = '<span style="font-size:200px">big</span><img src=x onerror=alert(1)>'
HOSTILE = ACLED.splitlines()[0] + "\n" + "\n".join([
    "LBY1,2016-04-20,2016,1,Political violence,Battles,Armed clash,"
    f"\"{HOSTILE_ACTOR.replace(chr(34), chr(34) * 2)}\",,2,Islamic State (Libya),,2,22,,434,"
    f"Northern Africa,Libya,Darnah,Darnah,Darnah,\"{HOSTILE_PLACE.replace(chr(34), chr(34) * 2)}\","
    "32.7670,22.6367,1,"
    "\"=HYPERLINK(\"\"http://evil.example/\"\")\",National,\"<b>bold</b> notes\",3,,1700000000"])


def test_hostile_names_stay_text_in_the_map_and_the_page(page, tmp_path):
    """Markup in a dataset's names never becomes a link, styled text or a script on the
    map (legend, hover, labels), and the page stays within its security policy."""
    dialogs = []
    page.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    upload(page, tmp_path / "hostile.csv", HOSTILE, "hostile")
    page.page.wait_for_function("() => location.search.includes('dataset=hostile')",
                                timeout=60000)
    page.open("?dataset=hostile&date=2016-04-20&window=all")
    events = page.trace("events")
    assert len(events["ids"]) == 1
    point = page.map_call("(map, ll) => { const p = map.project(ll); return [p.x, p.y]; }",
                          [events["lon"][0], events["lat"][0]])
    canvas = page.page.locator("#map canvas.maplibregl-canvas").bounding_box()
    page.page.mouse.move(canvas["x"] + point[0], canvas["y"] + point[1])
    page.page.wait_for_selector("#map .hoverlayer .hovertext")
    hover = page.page.text_content("#map .hoverlayer")
    assert HOSTILE_PLACE in hover, "the place name is shown as the text it is"
    page.page.mouse.click(canvas["x"] + point[0], canvas["y"] + point[1])
    page.page.wait_for_function("() => location.search.includes('event=')")
    page.settle()
    assert page.page.locator("#map a[href*='evil'], #details a[href*='evil']").count() == 0
    assert page.page.locator("#map span[style*='200px'], #map img").count() == 0
    assert HOSTILE_ACTOR in page.page.inner_text("#details")
    page.shot("19-hostile-names-as-text")
    assert dialogs == [] and page.errors == [] and page.external == []
