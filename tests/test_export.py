"""Exports checked as files: sizes, not blank, legend/date/sources present, frame counts,
CSV that round-trips, refusals that leave nothing behind. Uses the system Chromium."""
from __future__ import annotations

import datetime as dt
import io
import json
import time

import pandas as pd
import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from app import create_app
from datasets import ARTIFACTS, GEODATA
from dashboard.config import Config
from dashboard.data_export import events_csv, shown_geojson
from dashboard.export import (ExportError, Renderer, check_request, render_animation,
                              render_image, write_atomic)
from dashboard.export_cli import main as export_cli
from dashboard.figures.map import events_shown
from dashboard.jobs import Jobs
from dashboard.state import parse_state

WHEN = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def test_png_at_slide_size_is_a_real_map(renderer, data, record):
    png = render_image(renderer, data, parse_state("?date=2016-04-21", record), "png", "slide",
                       WHEN)
    image = Image.open(io.BytesIO(png))
    assert image.size == (1920, 1080)
    stats = ImageStat.Stat(image.convert("L"))
    assert stats.stddev[0] > 20, "not blank: land, sea, areas and text differ"
    colours = image.convert("RGB").resize((192, 108)).getcolors(maxcolors=100000)
    assert len(colours) > 50
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "export-2016-04-21.png").write_bytes(png)


def test_png_at_print_size_is_a4_landscape_at_300_dpi(renderer, data, record):
    png = render_image(renderer, data, parse_state("?date=2016-12-06", record), "png", "print",
                       WHEN)
    assert Image.open(io.BytesIO(png)).size == (3508, 2480)


def test_svg_carries_title_date_legend_sources_scale_and_export_time(renderer, data, record):
    svg = render_image(renderer, data, parse_state("?date=2016-04-21", record), "svg", "slide",
                       WHEN).decode()
    for text in ("21 April 2016", "IS · held", "DMSC · held", "Battles", "Sources:",
                 "Natural Earth", "100 km", "N", "Exported 2026-11-25 12:00 UTC"):
        assert text in svg, text


def test_pdf_at_print_size_has_a_text_layer_in_french(renderer, data, record):
    pdf = render_image(renderer, data, parse_state("?date=2016-04-21&lang=fr", record), "pdf",
                       "print", WHEN)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "21 avril 2016" in text and "EI · tenu" in text and "Sources :" in text


def test_gif_has_one_frame_per_step_each_stamped_with_its_date(renderer, data, record):
    gif = render_animation(renderer, data, parse_state("?date=2016-06-01", record), "gif",
                           "small", dt.date(2016, 5, 1), dt.date(2016, 7, 17), "week", WHEN)
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
                           "small", dt.date(2016, 5, 1), dt.date(2016, 6, 1), "week", WHEN)
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


def test_data_shown_matches_the_map(data, record):
    state = parse_state("?date=2016-04-21&window=30&factions=is", record)
    events = events_shown(data, state)
    table = pd.read_csv(io.StringIO(events_csv(events)))
    assert len(table) == len(events) > 0
    collection = shown_geojson(data, state)
    layers = {f["properties"]["layer"] for f in collection["features"]}
    assert layers == {"control", "movements", "events"}
    json.dumps(collection)  # serialisable as is


def test_jobs_run_in_the_background_and_report_progress_and_failure():
    jobs = Jobs()
    try:
        def work(progress):
            for i in range(3):
                progress(i + 1, 3)
                time.sleep(0.05)
            return b"frames"
        job_id = jobs.submit(work, "a.gif", "image/gif")
        assert jobs.get(job_id).state in ("queued", "running")  # submit returned at once
        for _ in range(100):
            if jobs.get(job_id).state == "done":
                break
            time.sleep(0.05)
        job = jobs.get(job_id)
        assert (job.state, job.done, job.total) == ("done", 3, 3)
        assert job.path.read_bytes() == b"frames"
        failed = jobs.submit(lambda progress: (_ for _ in ()).throw(ExportError("no frames")),
                             "b.gif", "image/gif")
        for _ in range(100):
            if jobs.get(failed).state == "failed":
                break
            time.sleep(0.05)
        assert jobs.get(failed).error == "no frames"
    finally:
        jobs.close()
