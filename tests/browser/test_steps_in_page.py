"""A step of time is drawn by the page itself: it does not wait for the server, and it
redraws only the map layers whose data changed (issue 9's step and Play targets rest on
both; their figures are in tests/benchmarks/bench_map.py, not here)."""
from __future__ import annotations

DRAWN_DAY = "() => document.getElementById('map-frame').getAttribute('data-drawn-day')"


def test_a_step_is_drawn_while_the_server_has_not_answered(page):
    page.open("?date=2016-03-03&step=week")
    page.hold_callbacks()
    page.page.click("#step-forward")
    page.page.wait_for_function(DRAWN_DAY + " === '2016-03-10'", timeout=30000)
    assert page.page.get_attribute("#date-words", "datetime") == "2016-03-10"
    assert page.held, "the step did ask the server (for the address and the text panels)"
    page.shot("24-step-drawn-before-the-server-answered")
    page.answer_callbacks()
    assert "date=2016-03-10" in page.page.evaluate("() => location.search")
    assert page.page.inner_text("#summary").startswith("On 10 March 2016")


def test_a_press_of_step_or_play_is_the_page_s_alone_dash_is_not_set_to_work(page):
    """No callback reads the clicks of ◀ ▶ and Play: React counting them for Dash set the
    page's whole store to work in the middle of a step. The page acts on the press and
    stops it there; Dash hears of the day once it is drawn (the slider follows)."""
    clicks = ("() => ['step-back', 'step-forward', 'play'].map(id =>"
              " window.dash_component_api.getLayout(id).props.n_clicks || 0)")
    page.open("?date=2016-03-03&step=week")
    page.page.click("#step-forward")
    page.page.wait_for_function(DRAWN_DAY + " === '2016-03-10'", timeout=30000)
    page.page.click("#step-back")
    page.page.wait_for_function(DRAWN_DAY + " === '2016-03-03'", timeout=30000)
    page.page.click("#play")
    page.page.wait_for_function(DRAWN_DAY + " === '2016-03-10'", timeout=30000)
    page.page.click("#play")
    page.settle()
    assert page.page.evaluate(clicks) == [0, 0, 0]
    slider = "() => window.dash_component_api.getLayout('date-slider').props.value"
    assert page.page.evaluate(slider) == page.page.evaluate("() => window.frontlines.asked")


def test_a_step_keeps_the_map_layers_of_the_traces_it_keeps(page):
    """Plotly removes and re-adds every layer of traces that share a `below` on each update,
    and MapLibre then rebuilds them all; each trace has its own."""
    page.open("?date=2016-03-03&step=week")
    page.map_call("""map => { window.__removed = [];
        const remove = map.removeLayer;
        map.removeLayer = function (id) { window.__removed.push(id); return remove.apply(this, arguments); };
    }""")
    uids = "() => document.querySelector('#map .js-plotly-plot').data.map(t => t.uid)"
    for day in ("2016-03-10", "2016-03-17", "2016-03-24", "2016-03-31"):
        before = set(page.page.evaluate(uids))
        page.page.evaluate("() => { window.__removed = []; }")
        page.page.click("#step-forward")
        page.page.wait_for_function(DRAWN_DAY + f" === '{day}'", timeout=30000)
        after = set(page.page.evaluate(uids))
        removed = page.page.evaluate("() => window.__removed")
        kept = before & after
        assert kept, "the check can fail: traces are kept from one day to the next"
        relaid = [layer for layer in removed
                  if any(layer.startswith(f"plotly-trace-layer-{uid}-") for uid in kept)]
        assert relaid == [], f"{day}: layers of kept traces were removed: {relaid}"
        assert all(any(layer.startswith(f"plotly-trace-layer-{uid}-") for uid in before - after)
                   for layer in removed), f"{day}: only gone traces lose their layers: {removed}"


def test_a_step_re_tiles_only_the_map_data_it_changes_the_first_step_included(page):
    """MapLibre re-tiles a source it is given data for, whatever the data: a step hands on
    only the data that changed (assets/map.js skipUnchangedSources), from the first step
    after a load on (which had handed every source its data again)."""
    page.open("?date=2016-03-05&step=day")
    page.map_call("""map => { window.__loading = [];
        map.on('sourcedataloading', e => window.__loading.push(e.sourceId)); }""")
    data = """() => Object.fromEntries(document.querySelector('#map .js-plotly-plot').data
        .map(t => [t.uid, JSON.stringify([t.lon, t.lat, t.text, t.marker])]))"""
    changed_somewhere = False
    for day in ("2016-03-06", "2016-03-07", "2016-03-08", "2016-03-09"):
        before = page.page.evaluate(data)
        page.page.evaluate("() => { window.__loading = []; }")
        page.page.click("#step-forward")
        page.page.wait_for_function(DRAWN_DAY + f" === '{day}'", timeout=30000)
        after = page.page.evaluate(data)
        changed = {uid for uid in after if before.get(uid) != after[uid]}
        tiled = page.page.evaluate("() => window.__loading")
        loading = set(tiled)
        assert all(any(source.startswith(f"source-{uid}-") for uid in changed)
                   for source in loading), f"{day}: re-tiled {loading}, changed {changed}"
        # each once: the events, handed to MapLibre before plotly's update (eventsFirst),
        # are not handed again by plotly
        assert len(tiled) == len(loading), f"{day}: {tiled}"
        if changed:
            changed_somewhere = True
            assert loading, f"{day}: {changed} changed but nothing was re-tiled"
    assert changed_somewhere, "the check can fail: the events change on 9 March 2016"
    # the events' counts and the key places' names come from their circles' source (one
    # source to tile, not two: assets/vendor/build-frontlines.js)
    sources = page.map_call("""map => ['events', 'key places'].map(t => [
        map.getLayer('plotly-trace-layer-' + t + '-symbol').source,
        map.getLayer('plotly-trace-layer-' + t + '-circle').source])""")
    assert all(text == circles and circles.endswith("-circle") for text, circles in sources)


def test_a_step_of_new_events_is_drawn_before_plotly_recalculates_then_plotly_holds_them(page):
    """A step that changes only the events hands them to MapLibre, and plotly the rest
    (its title, footer): plotly recalculating every trace for the new events came before
    MapLibre could tile them. Plotly is given them once they are drawn, before any other
    task of the page, so hover and clicks read what the map shows (assets/map.js
    eventsFirst)."""
    page.open("?date=2016-03-08&step=day")
    points = """t => t.lon.map((x, i) => [t.text[i] || '', x, t.lat[i]])"""
    page.page.evaluate("""() => {
        const gd = document.querySelector('#map .js-plotly-plot');
        window.__before = gd.data.find(t => t.uid === 'events'); window.__atDrawn = null;
        new MutationObserver(() => { if (window.__atDrawn === null) {
            window.__atDrawn = gd.data.find(t => t.uid === 'events') === window.__before; } })
            .observe(document.getElementById('map-frame'),
                     {attributes: true, attributeFilter: ['data-drawn-day']}); }""")
    before = page.page.evaluate(f"() => ({points})(window.__before)")
    page.page.click("#step-forward")
    page.page.wait_for_function(DRAWN_DAY + " === '2016-03-09'", timeout=30000)
    assert page.page.evaluate("() => window.__atDrawn") is True, \
        "drawn before plotly was given the new events"
    page.settle()
    held = page.page.evaluate(f"""() => ({points})(document.querySelector('#map .js-plotly-plot')
        .data.find(t => t.uid === 'events'))""")
    assert held != before, "the check can fail: 9 March brings events"
    drawn = page.map_call("""map => map.queryRenderedFeatures(
        {layers: ['plotly-trace-layer-events-circle']}).map(f => [f.properties.text || '',
        ...f.geometry.coordinates])""")

    def near(a, b):  # (a drawn point is its tile's, to a tile's precision: 0.01° is ~1 km)
        return a[0] == b[0] and abs(a[1] - b[1]) < 0.01 and abs(a[2] - b[2]) < 0.01
    assert drawn and all(any(near(d, h) for h in held) for d in drawn), (drawn, held)
    assert all(any(near(d, h) for d in drawn) for h in held), "every event plotly holds is drawn"


def test_labels_are_placed_only_in_the_frame_that_is_painted(page):
    """While a step's tiles are made, MapLibre's frames are held back (one paint a step),
    and they place no labels either (assets/map.js placeOnlyToPaint): the painted frame
    places them, and the labels are then placed as MapLibre places them."""
    page.open("?date=2016-03-08&step=day")
    page.settle()
    page.map_call("""map => { window.__frames = []; let last = map.style.pauseablePlacement;
        const render = map.painter.render;
        map.painter.render = function () {
            const placed = map.style.pauseablePlacement !== last;
            last = map.style.pauseablePlacement;
            const out = render.apply(this, arguments);
            window.__frames.push({placed, held: map._frontlinesHeld});
            return out; }; }""")
    page.page.click("#step-forward")  # 9 March 2016: new events to tile
    page.page.wait_for_function(DRAWN_DAY + " === '2016-03-09'", timeout=30000)
    frames = page.page.evaluate("() => window.__frames")
    held = [f for f in frames if f["held"]]
    assert held, f"the check can fail: frames were held while the tiles came {frames}"
    assert not any(f["placed"] for f in held), frames
    assert [f for f in frames if not f["held"]][0]["placed"], frames


def calls_in_a_frame(page, owner: str, name: str) -> int:
    """How often the method `name` of `owner` (a script of the MapLibre map `map`) is
    called while the map is painted once more; the method is left as it was."""
    return page.map_call("""async (map, arg) => {
        const owner = new Function('map', 'return ' + arg.owner)(map), name = arg.name;
        const own = Object.prototype.hasOwnProperty.call(owner, name);
        const method = owner[name];
        let calls = 0;
        owner[name] = function () { calls += 1; return method.apply(this, arguments); };
        const raf = () => new Promise(resolve => requestAnimationFrame(resolve));
        map.triggerRepaint();
        await new Promise(resolve => map.once('render', resolve));
        await raf(); await raf();
        if (own) { owner[name] = method; } else { delete owner[name]; }
        return calls; }""", {"owner": owner, "name": name})


def test_one_clipping_mask_serves_every_area_and_the_map_is_the_same(page):
    """MapLibre drew its stencil mask of tiles anew for each area (each its own source), a
    pass over the whole map each; the mask in place now serves every source cut into the
    same tiles (assets/map.js oneClippingMask). One mask a frame, and the map pixel for
    pixel what MapLibre's own masks draw (its method restored on the painter)."""
    import io

    from PIL import Image, ImageChops
    page.open("?date=2016-04-21")  # the areas of IS, GNA, PFG, DMSC and LNA
    page.settle()
    canvas = page.page.locator("#map .maplibregl-canvas")
    ours = calls_in_a_frame(page, "map.painter", "_renderTileMasks")
    shared = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    page.map_call("map => { delete map.painter.renderTileClippingMasks; }")
    theirs = calls_in_a_frame(page, "map.painter", "_renderTileMasks")
    own = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    areas = page.page.evaluate("() => document.querySelector('#map .js-plotly-plot').data"
                               ".filter(t => t.fill === 'toself' && t.lon.length).length")
    assert areas >= 5, "the check can fail: several areas, each its own source"
    assert theirs > areas, f"MapLibre's masks: {theirs} for {areas} areas"
    assert ours <= 2, f"{ours} masks in one frame"
    assert ImageChops.difference(shared, own).getbbox() is None, "the same pixels"
    page.shot("29-one-clipping-mask")


def test_the_sky_is_drawn_only_when_it_can_be_seen_and_the_map_is_the_same(page):
    """MapLibre painted its sky, a pass over the whole map, in every frame, though a map
    seen from straight above shows none of it (assets/map.js skyOnlyInSight). Unpitched,
    no sky is drawn, and the map is pixel for pixel what MapLibre's own draw functions
    (restored on the painter) paint; pitched, the sky is drawn."""
    import io

    from PIL import Image, ImageChops
    page.open("?date=2016-04-21")
    page.settle()
    # MapLibre's own draw functions: the prototype of the painter's (or the painter's own)
    page.map_call("map => { const ours = window.__ours = map.painter.drawFunctions;"
                  " const up = Object.getPrototypeOf(ours);"
                  " window.__theirs = up === Object.prototype ? ours : up; }")

    def skies_in_a_frame():
        return calls_in_a_frame(page, "window.__theirs", "sky")

    canvas = page.page.locator("#map .maplibregl-canvas")
    assert skies_in_a_frame() == 0
    ours = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    page.map_call("map => { map.painter.drawFunctions = window.__theirs; }")
    assert skies_in_a_frame() >= 1, "MapLibre's own paint draws the sky"
    theirs = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    assert ImageChops.difference(ours, theirs).getbbox() is None, "the same pixels"
    page.map_call("map => { map.painter.drawFunctions = window.__ours; }")
    assert skies_in_a_frame() == 0
    page.shot("30-map-painted-without-its-sky")
    page.map_call("map => map.setPitch(40)")
    assert skies_in_a_frame() >= 1, "a pitched map draws its sky"


def test_a_step_then_a_choice_in_the_page_keeps_the_day_stepped_to(page):
    """A step is drawn by the page (plotly and the date's text, not through Dash's store):
    what Dash draws next, here the map with an event chosen from the list, is for the day
    the page shows, and the date and the map stay on it."""
    page.open("?date=2016-03-03&step=week")
    for day in ("2016-03-10", "2016-03-17"):
        page.page.click("#step-forward")
        page.page.wait_for_function(DRAWN_DAY + f" === '{day}'", timeout=30000)
    page.settle()
    assert page.page.inner_text("#date-words").endswith("17 March 2016")
    count = page.drawn_count()
    page.page.locator("#event-list button").first.scroll_into_view_if_needed()
    page.page.locator("#event-list button").first.click()
    page.wait_for_map(after=count)
    assert page.page.get_attribute("#map-frame", "data-drawn-day") == "2016-03-17"
    assert page.page.get_attribute("#date-words", "datetime") == "2016-03-17"
    assert page.page.inner_text("#date-words").endswith("17 March 2016")
    assert page.page.evaluate("() => location.search").count("date=2016-03-17") == 1


def colour_share(png: bytes, rgb: tuple[int, int, int]) -> float:
    import io

    from PIL import Image
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(image.width * image.height)
    return sum(n for n, c in colours if max(abs(a - b) for a, b in zip(c, rgb)) < 6) / \
        (image.width * image.height)


def test_one_paint_a_step_still_paints_the_whole_map(page):
    """Frames are painted only once the map has settled (assets/map.js onePaintPerStep):
    what is drawn then is the whole map, basemap included, on first load and after steps."""
    land, sea = (0xf4, 0xf1, 0xea), (0xd7, 0xe6, 0xf2)
    page.open("?date=2016-04-21&step=week")
    first = page.page.locator("#map .maplibregl-canvas").screenshot()
    assert colour_share(first, land) > 0.1 and colour_share(first, sea) > 0.2
    for day in ("2016-04-28", "2016-05-05"):
        page.page.click("#step-forward")
        page.page.wait_for_function(DRAWN_DAY + f" === '{day}'", timeout=30000)
    page.settle()
    stepped = page.page.locator("#map .maplibregl-canvas").screenshot()
    assert colour_share(stepped, land) > 0.1 and colour_share(stepped, sea) > 0.2
    page.shot("25-whole-map-after-steps")


def test_an_area_s_outline_is_drawn_from_its_fill_s_source(page):
    """The page's plotly.js draws a control area's line from its fill's polygons (one
    source, tiled once; assets/vendor/README.md): each area's outline is drawn on the map,
    and the line's own source is left empty, on load and after a step that changes areas."""
    page.open("?date=2016-04-21&step=week")
    outlines = """() => { const gd = document.querySelector('#map .js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map;
        return gd.data.filter(t => t.fill === 'toself').map(t => {
            const id = 'plotly-trace-layer-' + t.uid + '-line';
            const own = map.getSource('source-' + t.uid + '-line').serialize().data;
            return [t.uid, map.getLayer(id).source, own.features ? own.features.length : -1,
                    map.queryRenderedFeatures({layers: [id]}).length]; }); }"""
    for day in ("2016-04-21", "2016-06-02"):
        if day != "2016-04-21":
            page.page.evaluate("day => window.frontlines.show(window.frontlines.offsetOf("
                               "window.frontlines.bundle, day))", day)
            page.page.wait_for_function(DRAWN_DAY + f" === '{day}'", timeout=30000)
        areas = page.page.evaluate(outlines)
        assert len(areas) >= 3, areas
        for uid, source, own, drawn in areas:
            assert source == f"source-{uid}-fill" and own == 0, (day, uid, source, own)
            assert drawn > 0, f"{day}: no outline drawn for {uid}"


def test_the_first_map_is_drawn_before_the_server_has_answered_any_callback(page):
    """The page's layout brings the map of its address (callbacks.first_view): the map is
    drawn from it, with the address's day and filters, while every callback is unanswered,
    and the faction boxes are ticked as the address says (the charts, which wait, show
    nothing rather than empty axes).
    The layout is asked for once: dash uses the copy the page preloaded (dashboard/static.py)."""
    layouts = []
    page.page.on("request", lambda r: "/_dash-layout" in r.url and layouts.append(r.url))
    page.open_unanswered("?date=2016-04-21&factions=is&step=week", "2016-04-21")
    assert len(layouts) == 1, layouts
    assert page.page.get_attribute("#date-words", "datetime") == "2016-04-21"
    assert page.trace("area is held")["lon"], "IS's areas are drawn"
    assert page.trace("area dmsc held")["lon"] == [] and page.trace("area gna held")["lon"] == []
    # the filters say what the map shows, from the page's layout on
    ticked = "() => [...document.querySelectorAll('#factions input:checked')].map(i => i.value)"
    assert page.page.evaluate(ticked) == ["is"]
    # the charts beside it draw nothing until their data comes (no empty axes)
    assert page.page.locator("#activity .main-svg").count() > 0
    assert page.page.locator("#activity .xtick, #area-chart .xtick").count() == 0
    drawn = page.drawn_ids()
    names = page.page.evaluate("() => document.querySelector('#map .js-plotly-plot').data"
                               ".filter(t => t.showlegend).map(t => t.name)")
    page.shot("26-first-map-before-any-callback")
    page.answer_callbacks()
    # the callbacks then agree with what was drawn, and draw nothing new for it
    assert page.page.inner_text("#summary").startswith("On 21 April 2016")
    assert page.page.evaluate(ticked) == ["is"]
    assert page.page.locator("#activity .xtick").count() > 0, "the charts' data came"
    assert page.page.evaluate("() => document.querySelector('#map .js-plotly-plot').data"
                              ".filter(t => t.showlegend).map(t => t.name)") == names
    assert page.drawn_ids() == drawn


def test_a_shared_day_is_the_only_day_the_map_draws_on_load(page):
    """A link to a day other than the default opens on that day and draws no other on the
    way: the slider is laid out on the address's day (it drew the default day in between,
    while the server's first answers were held back, and was marked drawn for it)."""
    page.page.add_init_script("""window.__drawnDays = [];
        new MutationObserver(changes => changes.forEach(c => window.__drawnDays.push(
            c.target.getAttribute('data-drawn-day')))).observe(document,
            {subtree: true, attributes: true, attributeFilter: ['data-drawn-day']});""")
    page.open("?date=2016-03-03&step=day")
    assert page.page.get_attribute("#date-words", "datetime") == "2016-03-03"
    assert page.page.evaluate("() => document.querySelector('#date-slider [role=slider]')"
                              ".getAttribute('aria-valuetext')").endswith("3 March 2016")
    assert set(page.page.evaluate("() => window.__drawnDays")) == {"2016-03-03"}


def test_the_text_beside_the_map_comes_even_when_no_map_can_be_drawn(page):
    """On a load the text beside the map waits for the first map (assets/map.js), but not
    for ever: a browser that draws no map (here one without WebGL) gets the summary and the
    lists of events all the same, a few seconds later, and the map's frame says it cannot
    draw the map instead of saying it is drawing it."""
    page.page.add_init_script("""(() => { const get = HTMLCanvasElement.prototype.getContext;
        HTMLCanvasElement.prototype.getContext = function (kind, options) {
            return /webgl/i.test(kind) ? null : get.call(this, kind, options); }; })()""")
    page.page.goto(page.base_url + "/?date=2016-04-21")
    page.page.wait_for_function("() => (document.getElementById('summary')?.textContent"
                                " || '').startsWith('On 21 April 2016')", timeout=30000)
    assert page.page.locator("#event-list button").count() > 0
    assert page.page.evaluate("() => window.frontlines.drawnDay") is None, "no map was drawn"
    page.page.wait_for_selector("#label-map_unavailable", state="visible", timeout=30000)
    assert "cannot draw the map" in page.page.inner_text("#label-map_unavailable")
    assert not page.page.locator("#label-drawing_map").is_visible()
    assert page.page.get_attribute("#map-frame", "aria-busy") == "false"
    page.shot("27-text-without-a-map")
