"""Benchmark: export times on the bundled record, with the system Chromium via kaleido.

Prints the cold start (first image, Chromium starting), then warm PNG/SVG/PDF times at
slide size, the print-size PNG, and a 12-frame GIF (small size, weekly frames). Run:

    .venv/bin/python tests/benchmarks/bench_export.py
"""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dashboard.dataset import load_dataset  # noqa: E402
from dashboard.export import Renderer, render_animation, render_image  # noqa: E402
from dashboard.state import parse_state  # noqa: E402


def seconds(fn) -> tuple[float, int]:
    start = time.perf_counter()
    size = len(fn())
    return time.perf_counter() - start, size


def main() -> None:
    data = load_dataset(ROOT / "geodata")
    state = parse_state("?date=2016-04-21", data.record)
    when = dt.datetime.now(dt.timezone.utc)
    renderer = Renderer()
    cold, _ = seconds(lambda: render_image(renderer, data, state, "png", "slide", when))
    print(f"first PNG (starts Chromium): {cold:.2f} s")
    for fmt, size in (("png", "slide"), ("svg", "slide"), ("pdf", "slide"), ("png", "print")):
        runs = [seconds(lambda: render_image(renderer, data, state, fmt, size, when))
                for _ in range(5)]
        print(f"{fmt.upper()} {size:<6} median {statistics.median(r[0] for r in runs):.2f} s, "
              f"{runs[0][1] / 1024:.0f} KiB")
    gif_time, gif_size = seconds(lambda: render_animation(
        renderer, data, state, "gif", "small", dt.date(2016, 5, 1), dt.date(2016, 7, 17),
        "week", when))
    print(f"GIF 12 frames, 1280×720: {gif_time:.1f} s ({gif_time / 12:.2f} s a frame), "
          f"{gif_size / 1024:.0f} KiB")
    slide_time, slide_size = seconds(lambda: render_animation(
        renderer, data, state, "gif", "slide", dt.date(2016, 5, 1), dt.date(2016, 7, 17),
        "week", when))
    print(f"GIF 12 frames, 1920×1080: {slide_time:.1f} s, {slide_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
