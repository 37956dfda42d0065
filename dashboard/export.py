"""Report-ready files: the map as PNG, PDF or SVG, and the timeline as GIF or MP4.

The figure is the dashboard's own map (same builder, same filters, from a view state), with
what a report needs and a browser screenshot loses: title and date in words, legend, scale
bar, north arrow, a "Sources:" line, the basemap attribution and the export time. Images
are drawn by kaleido in the system Chromium (never a downloaded browser) with plotly.js,
the topojson and no MathJax all from local files, so exports work offline. Every file is
written to a temporary name and renamed into place: a failed export leaves nothing behind.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import tempfile
import threading
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Callable

import plotly.graph_objects as go

from dashboard.config import ROOT
from dashboard.dataset import Dataset
from dashboard.figures.map import build_map
from dashboard.history import step_days
from dashboard.i18n import date_words
from dashboard.state import ViewState

# name: (width, height, scale) — print is A4 landscape at 300 dpi (3508 × 2480 px)
SIZES = {"slide": (1920, 1080, 1), "print": (1754, 1240, 2), "small": (1280, 720, 1)}
IMAGE_FORMATS = ("png", "pdf", "svg")
ANIMATION_FORMATS = ("gif", "mp4")
MAX_FRAMES = 400
FRAME_SECONDS = 0.8
CHROMIUM = "/usr/bin/chromium"
EXPORT_NOTE = {"en": "Exported {when} from Frontlines", "fr": "Exporté le {when} depuis Frontlines"}


class ExportError(ValueError):
    """A request that cannot be exported; the message says which value and why."""


def export_figure(data: Dataset, state: ViewState, size: str,
                  exported_at: dt.datetime) -> go.Figure:
    """The map as a report shows it: offline basemap, fixed size, fonts for that size."""
    width, height, _ = SIZES[size]
    figure = build_map(data, replace(state, basemap="offline", report=True))
    when = exported_at.strftime("%Y-%m-%d %H:%M UTC")
    figure.add_annotation(text=EXPORT_NOTE[state.lang].format(when=when), xref="paper",
                          yref="paper", x=1, y=0, xanchor="right", yanchor="top", yshift=-4,
                          showarrow=False, font={"size": 10, "color": "#444"})
    figure.update_layout(width=width, height=height, margin={"l": 10, "r": 10, "t": 50, "b": 60},
                         title_font_size=22, legend_font_size=13)
    return figure


class Renderer:
    """One warm kaleido (Chromium) for the process; renders one figure at a time."""

    def __init__(self, chromium: str = CHROMIUM):
        self._lock = threading.Lock()
        self._started = False
        self._chromium = chromium

    def _start(self) -> None:
        import kaleido
        import plotly.io as pio

        if not Path(os.environ.get("BROWSER_PATH", self._chromium)).exists():
            raise ExportError(f"no Chromium at {self._chromium}: install Debian's chromium "
                              "(apt-get install chromium) or set BROWSER_PATH")
        os.environ.setdefault("BROWSER_PATH", self._chromium)
        pio.defaults.topojson = (ROOT / "assets" / "topojson").as_uri() + "/"
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        self._started = True

    def render(self, figure: go.Figure, fmt: str, size: str) -> bytes:
        import plotly.io as pio

        width, height, scale = SIZES[size]
        with self._lock, warnings.catch_warnings():
            # plotly warns that per-call kaleido options are ignored with a warm server: we
            # pass none, the server was started with ours
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            if not self._started:
                self._start()
            return pio.to_image(figure, format=fmt, width=width, height=height, scale=scale)


def check_request(data: Dataset, fmt: str, size: str, start: dt.date | None = None,
                  end: dt.date | None = None, step: str = "week") -> list[dt.date]:
    """Refuse what cannot be exported, before any work; for animations, return the frames."""
    record = data.record
    if size not in SIZES:
        raise ExportError(f"size {size!r} is not one of {', '.join(SIZES)}")
    if fmt not in IMAGE_FORMATS + ANIMATION_FORMATS:
        raise ExportError(f"format {fmt!r} is not one of "
                          f"{', '.join(IMAGE_FORMATS + ANIMATION_FORMATS)}")
    if fmt in IMAGE_FORMATS:
        return []
    if start is None or end is None:
        raise ExportError("an animation needs a start and an end date")
    if end < start:
        raise ExportError(f"end {end} is before start {start}")
    for name, day in (("start", start), ("end", end)):
        if not record.first_day <= day <= record.last_day:
            raise ExportError(f"{name} {day} is outside the record "
                              f"({record.first_day} to {record.last_day})")
    if step not in ("day", "week", "month"):
        raise ExportError(f"step {step!r} is not day, week or month")
    frames = step_days(start, end, step)
    if len(frames) > MAX_FRAMES:
        raise ExportError(f"{len(frames)} frames is too many (at most {MAX_FRAMES}); "
                          "choose a longer step or a shorter period")
    return frames


def render_image(renderer: Renderer, data: Dataset, state: ViewState, fmt: str, size: str,
                 exported_at: dt.datetime) -> bytes:
    check_request(data, fmt, size)
    return renderer.render(export_figure(data, state, size, exported_at), fmt, size)


def render_animation(renderer: Renderer, data: Dataset, state: ViewState, fmt: str,
                     size: str, start: dt.date, end: dt.date, step: str,
                     exported_at: dt.datetime,
                     progress: Callable[[int, int], None] = lambda done, total: None) -> bytes:
    """One map per step (each stamped with its date in the title, with the legend), as an
    animated GIF or an MP4."""
    frames = check_request(data, fmt, size, start, end, step)
    with tempfile.TemporaryDirectory(prefix="frontlines-frames-") as folder:
        paths = []
        for i, day in enumerate(frames):
            frame_state = replace(state, day=day, previous=frames[i - 1] if i else None,
                                  mode="explore")
            png = renderer.render(export_figure(data, frame_state, size, exported_at), "png", size)
            path = Path(folder) / f"frame{i:04d}.png"
            path.write_bytes(png)
            paths.append(path)
            progress(i + 1, len(frames))
        return _gif(paths) if fmt == "gif" else _mp4(folder, len(paths))


def _gif(paths: list[Path]) -> bytes:
    from PIL import Image

    images = [Image.open(p).convert("P", palette=Image.Palette.ADAPTIVE, colors=255)
              for p in paths]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], loop=0,
                   duration=int(FRAME_SECONDS * 1000), optimize=False, disposal=1)
    return buffer.getvalue()


def _mp4(folder: str, count: int) -> bytes:
    import imageio_ffmpeg  # ships its own ffmpeg binary: nothing is downloaded at run time

    out = Path(folder) / "out.mp4"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y",
               "-framerate", f"{1 / FRAME_SECONDS:.3f}", "-i", str(Path(folder) / "frame%04d.png"),
               "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-pix_fmt", "yuv420p",
               "-c:v", "libx264", "-r", "25", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0 or not out.exists():
        raise ExportError(f"ffmpeg could not write the MP4 ({count} frames): "
                          f"{result.stderr.strip()[:300]}")
    return out.read_bytes()


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


def default_filename(state: ViewState, fmt: str, start: dt.date | None = None,
                     end: dt.date | None = None) -> str:
    if start and end:
        return f"frontlines-{start.isoformat()}-to-{end.isoformat()}.{fmt}"
    return f"frontlines-{state.day.isoformat()}.{fmt}"


def describe(state: ViewState, start: dt.date | None, end: dt.date | None) -> str:
    """The date or range in words, for messages."""
    if start and end:
        return f"{date_words(start, state.lang)} – {date_words(end, state.lang)}"
    return date_words(state.day, state.lang)

