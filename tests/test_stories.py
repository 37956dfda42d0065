"""Stories: the file format and its validation, the bundled story's claims against the
record, the API routes, the command line and the page's pure story functions."""
from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import subprocess
import sys

import pytest
from shapely.geometry import Point

from app import create_app
from datasets import GEODATA
from dashboard.config import ROOT, Config
from dashboard.registry import Registry
from dashboard.state import parse_state
from dashboard.stories import (Stories, StoryError, check_story, claim_holds, parse_story,
                               step_search, step_sources, step_state)
from dashboard.story_export import between_days, video_seconds
from dashboard.story_ui import add_step, draft_file, open_story, panel_content, slug

BUNDLED = GEODATA / "stories" / "derna-to-sirte.json"


@pytest.fixture(scope="module")
def raw():
    return json.loads(BUNDLED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return Registry(GEODATA, tmp_path_factory.mktemp("datasets"))


@pytest.fixture(scope="module")
def story(raw):
    return parse_story(raw, BUNDLED.name, bundled=True)


def refused(raw, data) -> StoryError:
    with pytest.raises(StoryError) as caught:
        check_story(parse_story(raw), data)
    return caught.value


# ---------- the bundled story ----------

def test_bundled_story_validates_against_the_record(story, data):
    check_story(story, data)  # raises on any problem
    assert story.languages == ("en", "fr") and 8 <= len(story.steps) <= 12
    assert all(story.steps[i].day <= story.steps[i + 1].day for i in range(len(story.steps) - 1))


def test_every_caption_cites_records_that_have_sources(story, data):
    for index, step in enumerate(story.steps):
        assert step.referenced(), f"step {index + 1} refers to no record"
        sources = step_sources(story, index, data)
        assert sources and all(s.url.startswith("http") and s.publisher for s in sources)
        for lang in story.languages:
            assert 40 < len(step.caption[lang]) <= 600


def test_each_claim_matches_the_record_independently(story, data):
    """Recompute each claim from the areas' own dates and geometries (not claim_holds)."""
    places = {p.id: p for p in data.record.places}
    checked = 0
    for step in story.steps:
        for claim in step.claims:
            (kind, body), = claim.items()
            point = Point(places[body["place"]].lon, places[body["place"]].lat)
            holders = [a for a in data.record.areas
                       if a.valid_from <= step.day and (a.valid_to is None or step.day < a.valid_to)
                       and a.geometry.covers(point) and a.faction == body["faction"]
                       and body.get("status") in (None, a.status)]
            assert bool(holders) == (kind == "holds"), (step.day, claim)
            checked += 1
    assert checked >= len(story.steps)


def test_the_story_says_what_the_issue_asks(story):
    """Derna's 'caliphate' (Oct 2014), Sirte taken (2015), Derna city (June 2015) then its
    outskirts (April 2016), the convoy past Al-Maheili, Sirte retaken (2016), the LNA in
    Derna (2018)."""
    by_day = {s.day: s for s in story.steps}
    claims = [(s.day, kind, b["faction"], b["place"]) for s in story.steps
              for c in s.claims for kind, b in c.items()]
    assert any(d.year == 2014 and f == "is" and p == "derna" for d, k, f, p in claims)
    assert any(d.year == 2015 and k == "holds" and f == "is" and p == "sirte"
               for d, k, f, p in claims)
    assert any(d == dt.date(2015, 6, 14) and k == "holds" and f == "dmsc" and p == "derna"
               for d, k, f, p in claims)
    assert any(d.year == 2016 and d.month == 4 and k == "does_not_hold" and f == "is"
               and p == "al-fatayah" for d, k, f, p in claims)
    convoy = [s for s in story.steps if "is-convoy-derna-sirte-2016-04" in s.movements]
    assert convoy and "2016-04-20-al-maheili" in convoy[0].events
    assert "Al-Maheili" in convoy[0].caption["en"] and "Al-Maheili" in convoy[0].caption["fr"]
    assert any(d.year == 2016 and d.month == 12 and k == "does_not_hold" and f == "is"
               and p == "sirte" for d, k, f, p in claims)
    assert any(d.year == 2018 and f == "lna" and p == "derna" for d, k, f, p in claims)
    assert len(by_day) == len(story.steps)


# ---------- claims ----------

@pytest.mark.parametrize("day, claim, true", [
    ("2015-06-09", {"holds": {"faction": "is", "place": "sirte", "status": "held"}}, True),
    ("2015-02-01", {"holds": {"faction": "is", "place": "sirte"}}, False),  # before IS came
    ("2016-12-17", {"holds": {"faction": "is", "place": "sirte"}}, False),
    ("2016-12-17", {"does_not_hold": {"faction": "is", "place": "sirte"}}, True),
    ("2016-04-19", {"holds": {"faction": "is", "place": "al-fatayah", "status": "held"}}, True),
    ("2016-04-20", {"holds": {"faction": "is", "place": "al-fatayah"}}, False),
    ("2015-06-09", {"holds": {"faction": "is", "place": "sirte", "status": "contested"}}, False),
])
def test_claims_are_checked_against_control_on_the_day(data, day, claim, true):
    assert (claim_holds(data, dt.date.fromisoformat(day), claim) is None) == true


def test_a_false_claim_is_refused_naming_the_step(raw, data):
    wrong = copy.deepcopy(raw)
    wrong["steps"][9]["claims"] = [{"holds": {"faction": "is", "place": "sirte"}}]
    error = refused(wrong, data)
    assert any("step 10" in p and "claim holds is sirte" in p for p in error.problems)


def test_unknown_places_and_factions_in_claims_are_named(raw, data):
    wrong = copy.deepcopy(raw)
    wrong["steps"][0]["claims"] = [{"holds": {"faction": "nobody", "place": "derna"}},
                                   {"holds": {"faction": "is", "place": "atlantis"}}]
    text = str(refused(wrong, data))
    assert "unknown faction 'nobody'" in text and "unknown place 'atlantis'" in text


# ---------- validation ----------

def test_missing_ids_are_all_listed(raw, data):
    wrong = copy.deepcopy(raw)
    wrong["steps"][0]["events"].append("1999-01-01-nowhere")
    wrong["steps"][3]["areas"].append("atlantis-2015")
    wrong["steps"][6]["movements"] = ["ghost-convoy"]
    wrong["steps"][6]["highlights"] = ["ghost-convoy"]
    error = refused(wrong, data)
    assert error.missing == ["1999-01-01-nowhere", "atlantis-2015", "ghost-convoy"]
    assert "ids not in dataset 'libya-2014-2018': 1999-01-01-nowhere, atlantis-2015, " \
           "ghost-convoy" in error.problems[0]


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("title"), "field 'title'"),
    (lambda s: s.update(languages=["de"]), "field 'languages'"),
    (lambda s: s["steps"][0]["caption"].pop("fr"), "step 1: field 'caption': no text in 'fr'"),
    (lambda s: s["steps"][1].update(events=[], areas=[], movements=[], highlights=[]),
     "step 2: refers to no event, area or movement"),
    (lambda s: s["steps"][0]["view"].pop("date"), "step 1: field 'view': needs a 'date'"),
    (lambda s: s["steps"][0]["view"].update(zoom="3"), "unknown key 'zoom'"),
    (lambda s: s["steps"][0].update(highlights=["x"]), "field 'highlights': x not among"),
    (lambda s: s["steps"][0].update(claims=[{"rules": {}}]), "field 'claims'"),
    (lambda s: s.update(name="../evil"), "field 'name'"),
    (lambda s: s.update(format="v0"), "field 'format'"),
])
def test_bad_shapes_are_refused_with_the_field(raw, change, message):
    wrong = copy.deepcopy(raw)
    change(wrong)
    with pytest.raises(StoryError) as caught:
        parse_story(wrong, "bad.json")
    assert any(message in p for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize("step, key, value, message", [
    (0, "date", "2030-01-01", "outside the record"),
    (0, "map", "99/0/0", "parameter 'map'"),
    (0, "window", "7", "parameter 'window'"),
    (2, "date", "2015-05-01", "not on the map on 2015-05-01"),  # its areas start on 28 May
    (0, "date", "2014-10-20", "happens after the step's date"),  # the 31 Oct pledge
])
def test_views_and_dates_are_checked_against_the_record(raw, data, step, key, value, message):
    wrong = copy.deepcopy(raw)
    wrong["steps"][step]["view"][key] = value
    assert any(message in p for p in refused(wrong, data).problems)


def test_a_story_of_another_dataset_is_refused(raw, data):
    wrong = copy.deepcopy(raw)
    wrong["dataset"] = "elsewhere"
    assert any("belongs to dataset 'elsewhere'" in p for p in refused(wrong, data).problems)


# ---------- steps as page URLs ----------

def test_a_step_url_restores_its_view(story, data):
    index = next(i for i, s in enumerate(story.steps) if s.movements)
    search = step_search(story, index, data, "fr")
    assert search.endswith(f"&story=derna-to-sirte&step={index + 1}")
    state = parse_state(search, data.record)
    assert not state.problems  # step=N beside story= is the story's step, not Play's
    assert state.day == story.steps[index].day and state.lang == "fr"
    assert state.map_view == tuple(float(v) for v in story.steps[index].view["map"].split("/"))
    assert state.window == story.steps[index].view["window"]
    assert state.event in story.steps[index].highlights  # the highlighted event is selected
    # and its highlighted movements and areas are outlined
    outlined = [h for h in story.steps[index].highlights
                if h in story.steps[index].movements + story.steps[index].areas]
    assert outlined and state.highlight == tuple(outlined)
    assert state == step_state(story, index, data, "fr")


def test_play_step_still_parses_without_a_story(data):
    assert parse_state("?step=month", data.record).step == "month"
    assert parse_state("?step=3", data.record).problems


# ---------- storage, API, command line ----------

def test_import_refuses_missing_ids_and_keeps_valid_stories(raw, registry):
    stories = Stories.of(registry)
    mine = copy.deepcopy(raw)
    mine["name"] = "mine"
    mine["steps"][0]["events"] = ["2014-10-03-derna", "no-such-event"]
    mine["steps"][0]["highlights"] = []
    with pytest.raises(StoryError) as caught:
        stories.import_story(json.dumps(mine).encode(), "mine.json", registry)
    assert caught.value.missing == ["no-such-event"]
    assert not (registry.datasets_dir / ".stories" / "mine.json").exists()
    mine["steps"][0]["events"] = ["2014-10-03-derna", "2014-10-31-derna"]
    stories.import_story(json.dumps(mine).encode(), "mine.json", registry)
    assert {s["name"] for s in stories.describe(registry)} >= {"derna-to-sirte", "mine"}
    with pytest.raises(StoryError, match="bundled story"):
        stories.import_story(json.dumps(raw).encode(), "again.json", registry)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(Config(data_dir=GEODATA, datasets_dir=tmp_path_factory.mktemp("ds")))
    return app.server.test_client()


def test_api_lists_reads_and_uploads_stories(client, raw):
    listed = client.get("/api/stories").get_json()["stories"]
    bundled = next(s for s in listed if s["name"] == "derna-to-sirte")
    assert bundled["bundled"] and bundled["dataset"] == "libya-2014-2018" and "problems" not in bundled
    assert client.get("/api/stories?dataset=other").get_json()["stories"] == []
    one = client.get("/api/stories/derna-to-sirte?lang=fr").get_json()
    assert one["steps"][0]["url"].startswith("/?date=2014-11-13")
    assert "lang=fr" in one["steps"][0]["url"] and one["steps"][0]["sources"]
    assert client.get("/api/stories/nothing").status_code == 404
    assert client.get("/api/stories?x=1").status_code == 400
    bad = copy.deepcopy(raw)
    bad["name"] = "uploaded"
    bad["steps"][1]["areas"].append("nowhere-area")
    answer = client.post("/api/stories", data=json.dumps(bad))
    assert answer.status_code == 400 and answer.get_json()["missing"] == ["nowhere-area"]
    bad["steps"][1]["areas"].pop()
    answer = client.post("/api/stories", data=json.dumps(bad))
    assert answer.status_code == 201 and answer.get_json()["steps"] == len(raw["steps"])
    assert client.get("/api/stories/uploaded").get_json()["name"] == "uploaded"
    assert client.post("/api/stories", data=b"{not json").status_code == 400


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "dashboard", "story", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_cli_checks_and_imports(tmp_path, raw):
    datasets = tmp_path / "datasets"
    bad = copy.deepcopy(raw)
    bad["name"] = "cli-story"
    bad["steps"][0]["events"].append("ghost-event")
    path = tmp_path / "cli-story.json"
    path.write_text(json.dumps(bad))
    result = run_cli("import", str(path), "--datasets-dir", str(datasets))
    assert result.returncode == 1 and "missing ids: ghost-event" in result.stderr
    bad["steps"][0]["events"].pop()
    path.write_text(json.dumps(bad))
    result = run_cli("import", str(path), "--datasets-dir", str(datasets))
    assert result.returncode == 0, result.stderr
    assert (datasets / ".stories" / "cli-story.json").exists()
    listed = json.loads(run_cli("list", "--datasets-dir", str(datasets)).stdout)
    assert {s["name"] for s in listed} == {"derna-to-sirte", "cli-story"}
    assert run_cli("check", str(BUNDLED)).returncode == 0
    assert run_cli("check", str(tmp_path / "absent.json")).returncode == 2


# ---------- the page's story functions ----------

def test_open_story_from_url_and_panel_content(registry):
    stories = Stories.of(registry)
    data, step, status = open_story(stories, registry, "?date=2016-04-21&story=derna-to-sirte"
                                    "&step=7", None, "fr", None, None, from_url=True)
    assert step == 6 and status == "" and data["lang"] == "fr"
    panel = panel_content(data, step)
    assert not panel["hidden"] and panel["data-step"] == "7"
    assert panel["caption"] == data["steps"][6]["caption"]["fr"]
    assert panel["count"].startswith("Étape 7 sur 11")
    assert len(panel["steps"]) == len(data["steps"]) and len(panel["sources"]) == \
        len(data["steps"][6]["sources"])
    _, _, status = open_story(stories, registry, "?story=nope", None, "en", None, None, True)
    assert "no story named 'nope'" in status
    assert panel_content(None, None)["hidden"]


def test_add_this_view_as_a_step_prefills_the_view_and_validates(registry, data):
    from dashboard.state import state_to_store
    state = parse_state("?date=2016-04-21&window=30&map=9/32.2/22.3", data.record)
    story, message = add_step(registry, state_to_store(state), None, "Le convoi", "Il passe.")
    assert story and "1" in message
    step = story["steps"][0]
    assert step["view"]["date"] == "2016-04-21" and step["view"]["map"].startswith("9/32.2")
    assert "2016-04-20-al-maheili" in step["events"]
    assert "is-convoy-derna-sirte-2016-04" in step["movements"]
    assert all(data.events_by_id.get(e).date <= dt.date(2016, 4, 21) for e in step["events"])
    assert story["name"] == "le-convoi"
    _, message = add_step(registry, state_to_store(state), story, "", "  ")
    assert "caption" in message.lower()
    name, text = draft_file(registry, story)
    assert name == "le-convoi.json" and json.loads(text)["steps"][0]["caption"]["en"] == "Il passe."


def test_slug():
    assert slug("Derna à Syrte : 2016!") == "derna-a-syrte-2016" and slug("???") == "story"


# ---------- export timing ----------

def test_video_length_and_dates_between_steps():
    assert video_seconds(11) == pytest.approx((11 * 4 + 10 * 3) * 0.8)
    days = between_days(dt.date(2016, 1, 1), dt.date(2016, 1, 9))
    assert days == [dt.date(2016, 1, 3), dt.date(2016, 1, 5), dt.date(2016, 1, 7)]


# ---------- exports, rendered from the page in the system Chromium ----------

@pytest.fixture(scope="module")
def story_app(raw, tmp_path_factory):
    """The app with two steps of the bundled story (Derna on 20 April 2016, the convoy the
    next day) imported as "short" into a private datasets folder."""
    datasets = tmp_path_factory.mktemp("export-datasets")
    app = create_app(Config(data_dir=GEODATA, datasets_dir=datasets))
    registry = app.server.config["FRONTLINES_REGISTRY"]
    short = copy.deepcopy(raw)
    short["name"] = "short"
    short["steps"] = short["steps"][5:7]
    Stories.of(registry).import_story(json.dumps(short).encode(), "short.json", registry)
    return app, short


@pytest.fixture(scope="module")
def sirte_story(story_app, raw):
    """Two steps of the bundled story 110 days apart at one view (Sirte on 29 August and
    17 December 2016), imported as "sirte" beside "short"."""
    app, _ = story_app
    registry = app.server.config["FRONTLINES_REGISTRY"]
    sirte = copy.deepcopy(raw)
    sirte["name"] = "sirte"
    sirte["steps"] = sirte["steps"][8:10]
    assert sirte["steps"][0]["view"]["map"] == sirte["steps"][1]["view"]["map"]
    Stories.of(registry).import_story(json.dumps(sirte).encode(), "sirte.json", registry)
    return app, sirte


@pytest.fixture(scope="module")
def short_story(story_app):
    """The short story's registry and a renderer of its app."""
    from dashboard.export import Renderer
    app, short = story_app
    renderer = Renderer(app.server)
    yield renderer, app.server.config["FRONTLINES_REGISTRY"], short
    renderer.close()


def test_pdf_deck_has_a_page_per_step_at_a4_landscape(short_story):
    import io

    import pypdfium2
    from PIL import ImageStat
    from pypdf import PdfReader

    from datasets import ARTIFACTS
    from dashboard.story_export import render_story
    renderer, registry, short = short_story
    done = []
    pdf = render_story(renderer, Stories.of(registry), registry, "short", "pdf", "print", "fr",
                       lambda d, t: done.append((d, t)))
    reader = PdfReader(io.BytesIO(pdf))
    steps = len(short["steps"])
    # the title page, a page per step (the page's screenshot: no text), then the sources
    assert len(reader.pages) >= steps + 2
    assert all(not reader.pages[n].extract_text().strip() for n in range(1, steps + 1))
    assert reader.pages[steps + 1].extract_text().startswith("Sources")
    for sheet in reader.pages:  # A4 landscape: 297 × 210 mm = 842 × 595 pt
        assert abs(float(sheet.mediabox.width) - 842) < 2
        assert abs(float(sheet.mediabox.height) - 595) < 2
    assert short["title"]["fr"] in reader.pages[0].extract_text().replace("\n", "")
    sources = "".join(sheet.extract_text() for sheet in reader.pages[steps + 1:])
    assert "Middle East Eye" in sources and "Étape 2" in sources
    assert done[-1][0] == done[-1][1]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(pdf)
    for number in range(len(document)):
        image = document[number].render(scale=1.5).to_pil()
        image.save(ARTIFACTS / f"story-deck-{number + 1}.png")
        if 1 <= number <= steps:  # a step: the map, drawn (not a blank print)
            assert ImageStat.Stat(image.convert("L")).stddev[0] > 20
            colours = image.convert("RGB").resize((200, 141)).getcolors(maxcolors=100000)
            assert len(colours) > 50


@pytest.mark.parametrize("size", ["print", "slide"])
def test_the_deck_lists_every_source_of_every_step_over_as_many_pages_as_needed(registry,
                                                                                size):
    """The bundled story's 148 sources do not fit one sheet: they run on over the pages
    they need (a fixed sheet cut them off after step 8), each step's heading and each
    source's publisher and date in the printed text."""
    import io
    import re

    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    from dashboard.export import print_pdf
    from dashboard.story_api import story_json
    from dashboard.story_export import deck_html
    stories = Stories.of(registry)
    story, data = stories.get("derna-to-sirte", registry)
    body = story_json(stories, registry, story.name, "en")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=Config(data_dir=GEODATA).chromium,
                                             args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_content(deck_html(story, data, body, [], size, "en"))  # no step pages
            pdf = print_pdf(page, size)
        finally:
            browser.close()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3  # the title page, then the sources over several pages
    text = re.sub(r"\s+", "", "".join(sheet.extract_text() for sheet in reader.pages[1:]))
    for number, step in enumerate(body["steps"], start=1):
        assert f"Step{number}·" in text, f"step {number}'s sources are not in the deck"
        for source in step["sources"]:
            assert re.sub(r"\s+", "", f"{source['publisher']}, {source['date']}") in text, \
                (number, source)


def test_mp4_lasts_the_expected_time(short_story):
    import imageio_ffmpeg

    from datasets import ARTIFACTS
    from dashboard.story_export import render_story
    renderer, registry, short = short_story
    video = render_story(renderer, Stories.of(registry), registry, "short", "mp4", "small")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "story-short.mp4"
    path.write_bytes(video)
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert seconds == pytest.approx(video_seconds(len(short["steps"])), abs=0.1)
    # a frame of the held first step, to look at
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-ss", "1",
                    "-i", str(path), "-frames:v", "1", str(ARTIFACTS / "story-short-frame.png")],
                   check=True, timeout=60)


@pytest.mark.parametrize("body, parameter, words", [
    ({"story": "nope", "format": "pdf"}, "story", "no story named 'nope'"),
    ({"story": "short", "format": "png"}, "request", "a story exports as pdf, gif, mp4, not 'png'"),
    ({"story": "short", "format": "pdf", "size": "poster"}, "request", "size 'poster'"),
    ({"story": "short", "format": "gif", "step": "day"}, "step", "timed by its steps"),
    ({"story": 3, "format": "gif"}, "story", "expected a string"),
    # 2 steps: 2 × 4 held + 3 between = 11 frames of 3508 × 2480 px
    ({"story": "short", "format": "mp4", "size": "print"}, "request",
     "11 frames at print size (3508×2480 px) is 96 megapixels, over the limit of 50"),
])
def test_a_story_export_is_checked_before_a_job_is_queued(story_app, body, parameter, words):
    app, _ = story_app
    config = app.server.config["FRONTLINES_CONFIG"]
    small_budget = create_app(Config(data_dir=GEODATA, datasets_dir=config.datasets_dir,
                                     export_megapixels=50))
    answer = small_budget.server.test_client().post("/api/exports", json=body)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["parameter"] == parameter
    assert words in answer.get_json()["error"]


def test_a_story_gif_through_the_export_jobs_holds_each_step_and_runs_the_date(sirte_story):
    """POST /api/exports with a story, rendered by the job's own process as the page's
    exports are: each step held HOLD_FRAMES frames of 0.8 s, the date run between them."""
    import io

    from PIL import Image, ImageChops

    from datasets import ARTIFACTS
    from dashboard.story_export import BETWEEN_FRAMES, HOLD_FRAMES, video_frames
    from waiting import until
    app, short = sirte_story
    api = app.server.test_client()
    answer = api.post("/api/exports", json={"story": "sirte", "format": "gif", "size": "small",
                                            "query": "lang=fr"})
    assert answer.status_code == 202, answer.get_json()
    job = answer.get_json()["id"]
    polls = []

    def finished():
        polls.append(api.get(f"/api/exports/{job}"))
        return polls[-1].status_code != 202
    assert until(finished, 600, every=0.5), "the story's export did not finish"
    done = polls[-1]
    assert done.status_code == 200, done.get_json()
    assert done.mimetype == "image/gif"
    assert "frontlines-story-sirte-fr.gif" in done.headers["Content-Disposition"]
    progress = [p.get_json() for p in polls if p.status_code == 202]
    assert {p["state"] for p in progress} <= {"queued", "running"}
    # its progress counts the frames drawn: each step, and the dates between them
    assert {p["total"] for p in progress if p["total"]} <= {2 + BETWEEN_FRAMES}, progress
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "story-sirte.gif").write_bytes(done.data)
    gif = Image.open(io.BytesIO(done.data))
    assert gif.n_frames == video_frames(len(short["steps"])) == 2 * HOLD_FRAMES + BETWEEN_FRAMES
    frames, durations = [], []
    for index in range(gif.n_frames):
        gif.seek(index)
        durations.append(gif.info["duration"])
        frames.append(gif.convert("RGB"))
    assert durations == [800] * gif.n_frames  # 0.8 s a frame: 8.8 s in all
    assert sum(durations) / 1000 == pytest.approx(video_seconds(len(short["steps"])))

    def same(a, b) -> bool:
        return ImageChops.difference(a, b).getbbox() is None
    first, between, second = (frames[:HOLD_FRAMES], frames[HOLD_FRAMES:-HOLD_FRAMES],
                              frames[-HOLD_FRAMES:])
    assert all(same(first[0], f) for f in first) and all(same(second[0], f) for f in second)
    assert not same(first[0], second[0]), "the second step shows another map"
    # the date runs through BETWEEN_FRAMES days between the steps' (26 September, 23 October,
    # 19 November): each a map of its own
    run = [first[0], *between, second[0]]
    assert len(between) == BETWEEN_FRAMES
    assert all(not same(a, b) for a, b in zip(run, run[1:])), "the date runs between the steps"
    for number, index in enumerate((0, HOLD_FRAMES, HOLD_FRAMES + 2, gif.n_frames - 1)):
        frames[index].save(ARTIFACTS / f"story-sirte-gif-{number + 1}.png")


def test_the_export_command_writes_a_story_gif_with_a_progress_bar(sirte_story, tmp_path,
                                                                  capsys):
    """`python -m dashboard export --story NAME --out story.gif`: a progress bar of the
    frames drawn on stderr, the file written whole, a frame per held step and date between."""
    from PIL import Image

    from dashboard.export_cli import main as export_cli
    from dashboard.story_export import video_frames
    app, sirte = sirte_story
    datasets = app.server.config["FRONTLINES_CONFIG"].datasets_dir
    out = tmp_path / "story.gif"
    assert export_cli(["--story", "sirte", "--size", "small", "--out", str(out),
                       "--datasets-dir", str(datasets)]) == 0
    printed = capsys.readouterr()
    assert "frame 5/5 [" + "#" * 30 + "]" in printed.err  # 2 steps + 3 dates between
    assert "frame 1/5 [" in printed.err
    assert f"wrote {out}" in printed.out and "story sirte" in printed.out
    with Image.open(out) as gif:
        assert gif.n_frames == video_frames(len(sirte["steps"])) and gif.size == (1280, 720)


def test_export_refuses_unknown_stories_and_formats(short_story):
    from dashboard.export import ExportError
    from dashboard.stories import UnknownStory
    from dashboard.story_export import render_story
    renderer, registry, _ = short_story
    with pytest.raises(UnknownStory):
        render_story(renderer, Stories.of(registry), registry, "nope", "pdf", "slide")
    with pytest.raises(ExportError, match="png"):
        render_story(renderer, Stories.of(registry), registry, "short", "png", "slide")


def test_upload_from_the_page_names_missing_ids(raw, registry):
    from dashboard.story_ui import import_upload
    stories = Stories.of(registry)
    mine = copy.deepcopy(raw)
    mine["name"] = "dropped"
    mine["steps"][2]["events"].append("2099-01-01-nowhere")
    encoded = "data:application/json;base64," + base64.b64encode(json.dumps(mine).encode()).decode()
    message, ok = import_upload(stories, registry, encoded, "dropped.json", "fr")
    assert not ok and message.startswith("Récit refusé") and "2099-01-01-nowhere" in message
    mine["steps"][2]["events"].pop()
    encoded = "data:application/json;base64," + base64.b64encode(json.dumps(mine).encode()).decode()
    message, ok = import_upload(stories, registry, encoded, "dropped.json", "en")
    assert ok and "dropped" in message


def test_export_command_refuses_an_unknown_story(tmp_path):
    from dashboard.export_cli import main as export_cli
    out = tmp_path / "deck.pdf"
    assert export_cli(["--story", "nope", "--out", str(out),
                       "--datasets-dir", str(tmp_path / "ds")]) == 2
    assert not out.exists()


def test_the_story_command_checks_imports_and_lists(tmp_path, capsys):
    """`python -m dashboard story check|import|list`: a story with unknown ids is refused
    with them listed, and nothing is imported; a good one is imported and then listed."""
    from dashboard.story_cli import main as story_cli
    folder = ["--datasets-dir", str(tmp_path)]
    bundled = GEODATA / "stories" / "derna-to-sirte.json"
    assert story_cli(["check", str(bundled), *folder]) == 0
    assert "valid" in capsys.readouterr().out
    story = json.loads(bundled.read_text(encoding="utf-8"))
    story["name"] = "mine"
    story["steps"][0]["events"].append("no-such-event")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(story), encoding="utf-8")
    assert story_cli(["import", str(bad), *folder]) == 1
    assert "missing ids: no-such-event" in capsys.readouterr().err
    assert story_cli(["list", *folder]) == 0
    assert '"mine"' not in capsys.readouterr().out
    story["steps"][0]["events"].remove("no-such-event")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(story), encoding="utf-8")
    assert story_cli(["import", str(good), *folder]) == 0
    assert "imported into" in capsys.readouterr().out
    assert story_cli(["list", *folder]) == 0
    assert '"mine"' in capsys.readouterr().out
    assert story_cli(["check", str(tmp_path / "absent.json"), *folder]) == 2
