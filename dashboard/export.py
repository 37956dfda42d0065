"""Report-ready files rendered from the page itself: the map as PNG, PDF or SVG, and the
timeline as GIF or MP4.

An export opens the page's report view for the same view state (the same URL, `map=`
included) in the system's headless Chromium, driven by Playwright, at the size of the
export, and waits until the map says it has drawn that day. So the file is exactly what the
page shows: the same map engine, labels, legend (what is in the frame), scale bar (true for
the zoom and latitude) and sources. Chromium is Debian's (never a downloaded browser), the
page is served from a private loopback server in this process, and nothing leaves the
machine. Every file is written to a temporary name and renamed into place.
"""
from __future__ import annotations

import base64
import datetime as dt
import os
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from collections.abc import Callable, Iterable
from urllib.parse import unquote

from dashboard.dataset import Dataset
from dashboard.steps import STEPS, count, step_days
from dashboard.leftovers import scratch_dir
from dashboard.i18n import date_words
from dashboard.state import (ViewState, day_offset, map_view_param, map_view_text,
                             state_to_search)

# name: (CSS width, CSS height, device scale) — print is A4 landscape: 1123×794 CSS px
# (297×210 mm at 96 px per inch), drawn at 3508×2480 px: 300 dpi
SIZES = {"slide": (1920, 1080, 1), "print": (1123, 794, 3508 / 1123), "small": (1280, 720, 1)}
IMAGE_FORMATS = ("png", "pdf", "svg")
ANIMATION_FORMATS = ("gif", "mp4")
MIMETYPES = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml",
             "gif": "image/gif", "mp4": "video/mp4"}
MAX_FRAMES = 400
FRAME_SECONDS = 0.8
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The export view: the map alone, filling the window (and an A4 page when printed).
EXPORT_CSS = """
.topbar, .notice, .controls, .side, .timeline, .focus-bar, .skip-link, .map-loading
  { display: none !important; }
html, body, #react-entry-point, #_dash-app-content, #root, .main, .map-section, .map-frame
  { margin: 0 !important; padding: 0 !important; border: 0 !important; }
.main { display: block !important; }
.map { width: 100vw !important; height: 100vh !important; min-height: 0 !important;
       border: 0 !important; border-radius: 0 !important; }
@page { size: A4 landscape; margin: 0; }
"""
DRAW_TIMEOUT_MS = 60_000


class ExportError(ValueError):
    """A request that cannot be exported; the message says which value and why."""


class Renderer:
    """One headless Chromium for the process, on a thread of its own (Playwright objects
    belong to the thread that made them), and a private loopback server of the app."""

    def __init__(self, server):
        self._server = server  # the app's Flask server, served on loopback for the browser
        self._chromium = server.config["FRONTLINES_CONFIG"].chromium
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
        self._browser = None
        self._base = None

    def run(self, work: Callable):
        """Run work(renderer) on the renderer's thread (Playwright objects live there)."""
        return self._thread.submit(self._call, work).result()

    def _call(self, work):
        if self._browser is None:
            self._start()
        return work(self)

    def _start(self) -> None:
        if not Path(self._chromium).exists():
            raise ExportError(f"no Chromium at {self._chromium}: install Debian's chromium "
                              "(apt-get install chromium) or set FRONTLINES_CHROMIUM")
        from playwright.sync_api import sync_playwright
        from werkzeug.serving import make_server

        from dashboard.security import QuietRequestHandler

        class Silent(QuietRequestHandler):  # the browser's requests are no one's business
            def log_request(self, *args) -> None:
                pass

        http = make_server("127.0.0.1", 0, self._server, threaded=True,
                           request_handler=Silent)
        threading.Thread(target=http.serve_forever, daemon=True, name="export-http").start()
        self._base = f"http://127.0.0.1:{http.server_port}"
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=self._chromium,
                                                         args=FLAGS)

    def open(self, state: ViewState, data: Dataset, size: str):
        """A page showing the export view of `state`, drawn; the caller closes it."""
        width, height, scale = SIZES[size]
        page = self._browser.new_page(viewport={"width": width, "height": height},
                                      device_scale_factor=scale)
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith((self._base, "data:", "blob:"))
                   else route.abort())
        page.add_init_script("document.addEventListener('DOMContentLoaded', () => {"
                             " const s = document.createElement('style');"
                             f" s.textContent = {EXPORT_CSS!r};"
                             " document.head.appendChild(s); });")
        page.goto(self._base + "/" + state_to_search(replace(state, report=True), data.record))
        self.wait_drawn(page, state.day)
        return page

    @staticmethod
    def wait_drawn(page, day: dt.date) -> None:
        page.wait_for_function(
            "day => { const f = document.getElementById('map-frame');"
            " return f && f.getAttribute('data-drawn-day') === day; }",
            arg=day.isoformat(), timeout=DRAW_TIMEOUT_MS)

    @staticmethod
    def show_day(page, data: Dataset, day: dt.date) -> None:
        """Move the page to another day as Play does, and wait until it is drawn."""
        page.evaluate("offset => window.frontlines.goTo(offset)", day_offset(data.record, day))
        Renderer.wait_drawn(page, day)

    def close(self) -> None:
        def stop(_):
            if self._browser is not None:
                self._browser.close()
                self._playwright.stop()
        if self._browser is not None:
            self.run(stop)
        self._thread.shutdown(wait=False)


def frame_pixels(size: str) -> tuple[int, int]:
    """(width, height) in pixels of one frame of an export at `size`."""
    width, height, scale = SIZES[size]
    return round(width * scale), round(height * scale)


def check_budget(frames: int, size: str, budget_mpx: int) -> None:
    """An export costs time and memory in proportion to frames × pixels: refuse one over
    the budget, naming the numbers."""
    width, height = frame_pixels(size)
    cost = frames * width * height / 1e6
    if cost > budget_mpx:
        raise ExportError(
            f"{frames} frame{'s' if frames != 1 else ''} at {size} size ({width}×{height} px) "
            f"is {cost:,.0f} megapixels, over the limit of {budget_mpx:,} megapixels; choose "
            "a longer step, a shorter period or a smaller size")


def check_request(data: Dataset, fmt: str, size: str, start: dt.date | None = None,
                  end: dt.date | None = None, step: str = "week",
                  budget_mpx: int | None = None) -> list[dt.date]:
    """Refuse what cannot be exported, before any work; for animations, return the frames.
    With a budget (the server's Config.export_megapixels), refuse what is over it too."""
    record = data.record
    if size not in SIZES:
        raise ExportError(f"size {size!r} is not one of {', '.join(SIZES)}")
    if fmt not in IMAGE_FORMATS + ANIMATION_FORMATS:
        raise ExportError(f"format {fmt!r} is not one of "
                          f"{', '.join(IMAGE_FORMATS + ANIMATION_FORMATS)}")
    if fmt in IMAGE_FORMATS:
        if budget_mpx is not None:
            check_budget(1, size, budget_mpx)
        return []
    if start is None or end is None:
        raise ExportError("an animation needs a start and an end date")
    if end < start:
        raise ExportError(f"end {end} is before start {start}")
    for name, day in (("start", start), ("end", end)):
        if not record.first_day <= day <= record.last_day:
            raise ExportError(f"{name} {day} is outside the record "
                              f"({record.first_day} to {record.last_day})")
    if step not in STEPS:
        raise ExportError(f"step {step!r} is not one of {', '.join(STEPS)}")
    frames = count(start, end, step)
    if frames > MAX_FRAMES:
        raise ExportError(f"{frames} frames is too many (at most {MAX_FRAMES}); "
                          "choose a longer step or a shorter period")
    if budget_mpx is not None:
        check_budget(frames, size, budget_mpx)
    return step_days(start, end, step)


SHEET_CSS = """
@page { size: %(page)s; margin: 0; }
html, body { margin: 0; font-family: "DejaVu Sans", Verdana, Arial, sans-serif; color: #1d232a; }
.sheet { box-sizing: border-box; position: relative; width: %(w)s; height: %(h)s; overflow: hidden;
         break-after: page; page-break-after: always; }
.sheet:last-child { break-after: auto; page-break-after: auto; }
.text { padding: 5%% 6%%; }
.shot { display: block; width: 100%%; height: 100%%; object-fit: contain; }
h1 { font-size: 2.1em; margin: 0 0 0.3em; }
h2 { font-size: 1.25em; color: #56606b; margin: 0 0 1.2em; font-weight: normal; }
.steps { font-size: 1em; line-height: 1.35; padding-left: 1.6em; }
.steps li { margin-bottom: 0.45em; } .steps b { display: inline-block; min-width: 9em; }
.sources { font-size: 0.62em; line-height: 1.3; columns: 2; column-gap: 2em; }
.sources h3 { font-size: 1.15em; margin: 0.6em 0 0.15em; break-after: avoid; }
.sources p { margin: 0 0 0.15em; overflow-wrap: anywhere; }
.foot { position: absolute; bottom: 3%%; left: 6%%; font-size: 0.7em; color: #56606b; }
"""


def sheet_css(size: str) -> str:
    """A printed document's style: one sheet per page, A4 landscape for print, else the
    size's pixels."""
    width, height, _ = SIZES[size]
    wide = size == "print"
    return SHEET_CSS % {"page": "A4 landscape" if wide else f"{width}px {height}px",
                        "w": "297mm" if wide else f"{width}px",
                        "h": "210mm" if wide else f"{height}px"}


def print_pdf(page, size: str) -> bytes:
    """The page's document printed at the size's page (print: A4 landscape, 842 × 595 pt)."""
    width, height, _ = SIZES[size]
    page_size = {"prefer_css_page_size": True} if size == "print" \
        else {"width": f"{width}px", "height": f"{height}px"}
    return page.pdf(**page_size, print_background=True,
                    margin={"top": "0", "right": "0", "bottom": "0", "left": "0"})


def image_of(page, fmt: str, size: str) -> bytes:
    if fmt == "png":
        return page.locator("#map").screenshot(type="png")
    if fmt == "pdf":
        # A WebGL canvas does not print: the map's is swapped for a picture of its pixels
        # (taken with the plot's overlays hidden), so the document keeps the map and, over
        # it, the title, legend, scale bar and sources as text.
        overlays = "document.querySelectorAll('#map .main-svg')"
        page.evaluate(f"() => {overlays}.forEach(svg => svg.style.visibility = 'hidden')")
        canvas = page.locator("#map canvas.maplibregl-canvas").first
        pixels = base64.b64encode(canvas.screenshot(type="png")).decode()
        page.evaluate("""pixels => {
            document.querySelectorAll('#map .main-svg').forEach(svg => svg.style.visibility = '');
            const canvas = document.querySelector('#map canvas.maplibregl-canvas');
            const picture = new Image();
            picture.src = 'data:image/png;base64,' + pixels;
            picture.style.cssText = 'position:absolute;left:0;top:0;width:' + canvas.clientWidth
              + 'px;height:' + canvas.clientHeight + 'px';
            canvas.style.visibility = 'hidden';
            canvas.parentNode.insertBefore(picture, canvas);
            return picture.decode(); }""", pixels)
        return print_pdf(page, size)
    width, height, _ = SIZES[size]
    url = page.evaluate("([w, h]) => Plotly.toImage(document.querySelector('#map .js-plotly-plot'),"
                        " {format: 'svg', width: w, height: h})", [width, height])
    header, _, payload = url.partition(",")
    return base64.b64decode(payload) if ";base64" in header else unquote(payload).encode()


def render_image(renderer: Renderer, data: Dataset, state: ViewState, fmt: str,
                 size: str) -> bytes:
    check_request(data, fmt, size)

    def work(r: Renderer) -> bytes:
        page = r.open(state, data, size)
        try:
            return image_of(page, fmt, size)
        finally:
            page.close()
    return renderer.run(work)


def render_animation(renderer: Renderer, data: Dataset, state: ViewState, fmt: str,
                     size: str, start: dt.date, end: dt.date, step: str,
                     progress: Callable[[int, int], None] = lambda done, total: None) -> bytes:
    """One frame per step, each the page's report view on that day (title, legend, scale
    bar, sources), streamed to ffmpeg as it is taken: no frame is kept in memory, and the
    GIF's palette is made per frame, so ffmpeg holds none either. `progress` is called
    before the first frame and after each; to stop the work (a cancelled or expired job) it
    raises, and the page and ffmpeg are closed."""
    frames = check_request(data, fmt, size, start, end, step)

    def work(r: Renderer) -> bytes:
        page = r.open(replace(state, day=frames[0], mode="explore"), data, size)

        def shots():
            progress(0, len(frames))
            for i, day in enumerate(frames):
                if i:
                    r.show_day(page, data, day)
                yield page.locator("#map").screenshot(type="png")
                progress(i + 1, len(frames))
        try:
            return encode(fmt, shots())
        finally:
            page.close()
    return renderer.run(work)


def encode(fmt: str, frames: Iterable[bytes]) -> bytes:
    """An animation of PNG frames, each piped to ffmpeg as it comes (none is held)."""
    with scratch_dir("frames") as folder:
        out = Path(folder) / f"out.{fmt}"
        encoder = start_encoder(fmt, out)
        count = 0
        try:
            for frame in frames:
                encoder.stdin.write(frame)
                count += 1
            encoder.stdin.close()
            if encoder.wait(timeout=600) != 0 or not out.exists():
                raise ExportError(f"ffmpeg could not write the {fmt.upper()} ({count} frames): "
                                  f"{encoder.stderr.read().decode()[-300:]}")
            return out.read_bytes()
        finally:
            if encoder.poll() is None:
                encoder.kill()


def start_encoder(fmt: str, out: Path) -> subprocess.Popen:
    """ffmpeg reading PNG frames from a pipe (imageio-ffmpeg ships the binary)."""
    import imageio_ffmpeg

    rate = f"{1 / FRAME_SECONDS:.3f}"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y",
               "-f", "image2pipe", "-framerate", rate, "-c:v", "png", "-i", "-"]
    if fmt == "gif":  # a palette per frame, so the stream needs no second pass
        command += ["-filter_complex",
                    "[0:v]split[a][b];[a]palettegen=stats_mode=single[p];[b][p]paletteuse=new=1",
                    "-loop", "0", str(out)]
    else:
        command += ["-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-r", "25", str(out)]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)


def write_atomic(path: Path, content: bytes) -> None:
    """Write next to the target and rename: readers see the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(content)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; an export is for sharing
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def default_filename(data: Dataset, state: ViewState, fmt: str, start: dt.date | None = None,
                     end: dt.date | None = None) -> str:
    """The date (or range) and the view: a focus view's id, or the map's ZOOM/LAT/LON, so
    two exports of one day at different views never share a name."""
    when = f"{start.isoformat()}-to-{end.isoformat()}" if start and end else state.day.isoformat()
    where = ""
    if state.map_view:
        focus = [f["id"] for f in data.record.meta.get("focus", [])
                 if map_view_param(f["map"]) == state.map_view]
        where = "-" + (focus[0] if focus else "z" + map_view_text(state.map_view).replace("/", "_"))
    return f"frontlines-{when}{where}.{fmt}"


def describe(state: ViewState, start: dt.date | None, end: dt.date | None) -> str:
    """The date or range in words, for messages."""
    if start and end:
        return f"{date_words(start, state.lang)} – {date_words(end, state.lang)}"
    return date_words(state.day, state.lang)
