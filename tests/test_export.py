"""Exports checked as files: sizes, not blank, legend/date/sources present, frame counts,
CSV that round-trips, refusals that leave nothing behind. Rendered from the page itself in
the system Chromium."""
from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from app import create_app
from datasets import ARTIFACTS, GEODATA
from dashboard.config import Config
from dashboard.data_export import events_csv, shown_geojson
from dashboard.export import (ExportError, Renderer, check_request, default_filename,
                              render_animation, render_image, write_atomic)
from dashboard.export_cli import main as export_cli
from dashboard.state import parse_state
from dashboard.view import shown


@pytest.fixture(scope="module")
def renderer(tmp_path_factory):
    app = create_app(Config(datasets_dir=tmp_path_factory.mktemp("datasets")))
    renderer = Renderer(app.server)
    yield renderer
    renderer.close()


def test_png_at_slide_size_is_a_real_map(renderer, data, record):
    png = render_image(renderer, data, parse_state("?date=2016-04-21", record), "png", "slide")
    image = Image.open(io.BytesIO(png))
    assert image.size == (1920, 1080)
    stats = ImageStat.Stat(image.convert("L"))
    assert stats.stddev[0] > 20, "not blank: land, sea, areas and text differ"
    colours = image.convert("RGB").resize((192, 108)).getcolors(maxcolors=100000)
    assert len(colours) > 50
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "export-2016-04-21.png").write_bytes(png)


def _drawn_share(image) -> float:
    """The share of the image that is neither land, sea nor white paper: what is drawn."""
    small = image.convert("RGB").resize((240, 135))
    plain = ((244, 241, 234), (215, 230, 242), (255, 255, 255))
    drawn = sum(1 for pixel in small.get_flattened_data()
                if all(max(abs(a - b) for a, b in zip(pixel, c)) > 8 for c in plain))
    return drawn / (240 * 135)


def test_a_derna_focused_export_shows_derna_large(renderer, data, record):
    state = parse_state("?date=2016-04-21&map=10/32.76/22.64", record)
    focused = Image.open(io.BytesIO(render_image(renderer, data, state, "png", "slide")))
    whole = Image.open(io.BytesIO(render_image(
        renderer, data, parse_state("?date=2016-04-21", record), "png", "slide")))
    (ARTIFACTS / "export-derna-focus.png").write_bytes(
        render_image(renderer, data, state, "png", "small"))
    # at zoom 10 Derna's areas fill a fifth of the frame or more; across the region, under a tenth
    assert _drawn_share(focused) > 0.2 > 0.1 > _drawn_share(whole)
    assert default_filename(data, state, "png") == "frontlines-2016-04-21-derna.png"


def test_png_at_print_size_is_a4_landscape_at_300_dpi(renderer, data, record):
    png = render_image(renderer, data, parse_state("?date=2016-12-06", record), "png", "print")
    assert Image.open(io.BytesIO(png)).size == (3508, 2480)


def test_svg_carries_title_date_legend_sources_and_scale(renderer, data, record):
    svg = render_image(renderer, data, parse_state("?date=2016-04-21", record), "svg",
                       "slide").decode()
    for text in ("21 April 2016", "IS · held", "DMSC · held", "Sources:", "Natural Earth",
                 " km", "N"):
        assert text in svg, text


def test_a4_pdf_is_842_by_595_points_with_its_title_and_a_french_text_layer(renderer, data,
                                                                          record):
    pdf = render_image(renderer, data, parse_state("?date=2016-04-21&lang=fr", record), "pdf",
                       "print")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    assert reader.metadata.title == "Lignes de front – 21 avril 2016"
    text = reader.pages[0].extract_text()
    assert "21 avril 2016" in text and "EI · tenu" in text and "Sources :" in text
    (ARTIFACTS / "export-2016-04-21-fr.pdf").write_bytes(pdf)
    # the map itself is printed (a WebGL canvas is not, unless swapped for its picture):
    # the page shows sea and land in the map's colours, not a blank sheet
    import pypdfium2
    page = pypdfium2.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
    page.save(ARTIFACTS / "export-2016-04-21-fr-pdf.png")
    colours = page.getcolors(page.width * page.height)
    share = {name: sum(n for n, rgb in colours if max(abs(a - b) for a, b in zip(rgb, hexes))
                       < 6) / (page.width * page.height)
             for name, hexes in (("sea", (0xd7, 0xe6, 0xf2)), ("land", (0xf4, 0xf1, 0xea)))}
    assert share["sea"] > 0.2 and share["land"] > 0.1, share


def test_gif_has_one_frame_per_step_each_stamped_with_its_date(renderer, data, record):
    gif = render_animation(renderer, data, parse_state("?date=2016-06-01", record), "gif",
                           "small", dt.date(2016, 5, 1), dt.date(2016, 7, 17), "week")
    image = Image.open(io.BytesIO(gif))
    assert image.n_frames == 12 and image.size == (1280, 720)
    (ARTIFACTS / "export-2016-05-01-to-2016-07-17.gif").write_bytes(gif)
    image.seek(11)
    last = image.convert("RGB")
    image.seek(0)
    assert ImageStat.Stat(last.convert("L")).stddev[0] > 20
    assert list(ImageStat.Stat(image.convert("RGB")).mean) != list(ImageStat.Stat(last).mean)


def test_mp4_is_written_with_the_bundled_ffmpeg(renderer, data, record, tmp_path):
    import imageio_ffmpeg
    mp4 = render_animation(renderer, data, parse_state("?date=2016-06-01", record), "mp4",
                           "small", dt.date(2016, 5, 1), dt.date(2016, 6, 1), "week")
    path = tmp_path / "a.mp4"
    path.write_bytes(mp4)
    assert mp4[4:8] == b"ftyp"
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert seconds == pytest.approx(5 * 0.8, abs=0.2)


@pytest.mark.parametrize("args,words", [
    (("gif", "slide", None, None, "week"), "needs a start and an end"),
    (("gif", "slide", dt.date(2016, 6, 1), dt.date(2016, 5, 1), "week"), "is before start"),
    (("gif", "slide", dt.date(2014, 9, 1), dt.date(2018, 9, 1), "day"), "too many"),
    (("gif", "slide", dt.date(2010, 1, 1), dt.date(2016, 5, 1), "week"), "outside the record"),
    (("tiff", "slide", None, None, "week"), "format 'tiff'"),
    (("png", "poster", None, None, "week"), "size 'poster'"),
    (("gif", "slide", dt.date(2016, 5, 1), dt.date(2016, 6, 1), "year"), "step 'year'"),
])
def test_bad_export_requests_are_refused_before_any_work(data, args, words):
    fmt, size, start, end, step = args
    with pytest.raises(ExportError, match=words):
        check_request(data, fmt, size, start, end, step)


def test_the_budget_counts_frames_times_pixels_and_names_the_numbers(data):
    """400 print frames (3508×2480 px each) are far over a 1,000 megapixel budget; the same
    frames at small size (1280×720) fit, and so does one print-size image."""
    year = (dt.date(2016, 1, 1), dt.date(2016, 12, 31))
    with pytest.raises(ExportError, match=r"366 frames at print size \(3508×2480 px\) is "
                                          r"3,184 megapixels, over the limit of 1,000 megapixels"):
        check_request(data, "gif", "print", *year, "day", budget_mpx=1000)
    assert len(check_request(data, "gif", "small", *year, "day", budget_mpx=1000)) == 366
    assert check_request(data, "png", "print", budget_mpx=1000) == []
    with pytest.raises(ExportError, match=r"1 frame at print size .* over the limit of 5 "):
        check_request(data, "png", "print", budget_mpx=5)


def test_cli_writes_the_file_and_reports_it(tmp_path, capsys):
    out = tmp_path / "derna.png"
    assert export_cli(["--date", "2016-04-21", "--out", str(out)]) == 0
    assert Image.open(out).size == (1920, 1080)
    assert "21 April 2016" in capsys.readouterr().out


@pytest.mark.parametrize("argv,words", [
    (["--date", "2016-02-30"], "parameter 'date'"),
    (["--date", "2016-04-21", "--query", "factions=martians"], "unknown faction id"),
    (["--start", "2016-06-01", "--end", "2016-05-01"], "is before start"),
])
def test_a_failed_export_leaves_the_target_untouched(tmp_path, capsys, argv, words):
    out = tmp_path / ("old.gif" if "--start" in argv else "old.png")
    out.write_bytes(b"previous report")
    assert export_cli(argv + ["--out", str(out)]) == 2
    assert words in capsys.readouterr().err
    assert out.read_bytes() == b"previous report"
    assert [p.name for p in tmp_path.iterdir()] == [out.name], "no temporary file left"


def test_write_atomic_never_leaves_a_half_file(tmp_path):
    target = tmp_path / "map.png"
    target.write_bytes(b"old")

    with pytest.raises(TypeError):  # the write fails half-way (text where bytes are due)
        write_atomic(target, "new")
    assert target.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"


def test_csv_round_trips_through_pandas_with_the_same_rows_as_the_api(data, record):
    client = create_app(Config(data_dir=GEODATA)).server.test_client()
    query = "start=2016-01-01&end=2016-12-31&faction=is,gna"
    api = client.get(f"/api/events?{query}").get_json()["features"]
    response = client.get(f"/api/events?{query}&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = pd.read_csv(io.StringIO(response.get_data(as_text=True)))
    assert list(table["id"]) == [f["properties"]["id"] for f in api]
    assert list(table["fatalities"].fillna(-1).astype(int)) == [
        -1 if f["properties"]["fatalities"] is None else f["properties"]["fatalities"] for f in api]
    first = api[0]["properties"]
    assert table.loc[0, "source_urls"].split(" | ") == [s["url"] for s in first["sources"]]
    assert client.get("/api/control?date=2016-01-01&format=csv").status_code == 400


def test_data_shown_is_what_the_filters_and_the_day_select(data, record):
    """The downloads hold the view query's answer: checked against the record directly."""
    state = parse_state("?date=2016-04-21&window=30&factions=is", record)
    day, start = dt.date(2016, 4, 21), dt.date(2016, 3, 23)
    events = [e for e in record.events if "is" in e.actors and e.date <= day
              and e.last_day >= start]
    areas = [a for a in record.areas if a.valid_on(day)
             and (a.faction == "is" or "is" in a.contested_with)]
    table = pd.read_csv(io.StringIO(events_csv(shown(data, state).events)))
    assert sorted(table["id"]) == sorted(e.id for e in events) and len(events) > 0
    collection = shown_geojson(data, state)
    by_layer = {}
    for feature in collection["features"]:
        by_layer.setdefault(feature["properties"]["layer"], set()).add(feature["id"])
    assert by_layer["events"] == {e.id for e in events}
    assert by_layer["control"] == {a.id for a in areas}
    json.dumps(collection)  # serialisable as is


def test_hostile_names_stay_text_in_the_exports(tmp_path):
    """Markup from a file never becomes markup in an export: the SVG (plotly's text, the
    map's labels rasterised) holds no live link, style or script from the data, the PDF's
    text layer shows the names as text, and an animation renders."""
    from dashboard.importing import import_file
    from hostile import HOSTILE, hostile_csv
    table = [dict.fromkeys(("actor1", "actor2", "place", "summary", "summary_fr", "notes",
                            "source", "source_title"), text) for text in HOSTILE[6:10]]
    datasets = tmp_path / "datasets"
    report = import_file(hostile_csv(tmp_path / "hostile.csv", table), dataset="hostile",
                         datasets_dir=datasets)
    assert report.ok, report.as_text()
    app = create_app(Config(datasets_dir=datasets))
    data = app.server.config["FRONTLINES_REGISTRY"].get("hostile")
    state = parse_state("?dataset=hostile&date=2016-04-21&window=all", data.record)
    renderer = Renderer(app.server)
    try:
        svg = render_image(renderer, data, state, "svg", "small").decode()
        assert '<a href="https://evil.example/"' not in svg and "<script>" not in svg
        assert '<span style="font-size:200px"' not in svg and "<img" not in svg
        assert '&#60;a href="https://evil.example/"&#62;' in svg, "the names are there, as text"
        pdf = render_image(renderer, data, state, "pdf", "small")
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "<a href=" in text or "<span style=" in text, "shown as the text it is"
        gif = render_animation(renderer, data, state, "gif", "small", dt.date(2016, 4, 21),
                               dt.date(2016, 4, 21), "day")
        assert Image.open(io.BytesIO(gif)).n_frames == 1
    finally:
        renderer.close()
