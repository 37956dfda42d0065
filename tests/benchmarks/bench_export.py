"""Benchmark: exports on the bundled record, rendered from the page in the system Chromium.

Prints the cold start (first image: Chromium and the private loopback server starting), then
PNG/SVG/PDF at slide size, the A4 print PNG and PDF, and a GIF of weekly frames.

    .venv/bin/python tests/benchmarks/bench_export.py [--quick]
"""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import arguments, header  # noqa: E402


def seconds(fn) -> tuple[float, int]:
    start = time.perf_counter()
    size = len(fn())
    return time.perf_counter() - start, size


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    header("Export benchmark: the bundled record, 21 April 2016", args.quick)
    from app import create_app
    from dashboard.config import Config
    from dashboard.export import Renderer, render_animation, render_image
    from dashboard.state import parse_state

    app = create_app(Config(datasets_dir=Path(tempfile.mkdtemp())))
    data = app.server.config["FRONTLINES_REGISTRY"].get(None)
    state = parse_state("?date=2016-04-21", data.record)
    renderer = Renderer(app.server)
    try:
        cold, _ = seconds(lambda: render_image(renderer, data, state, "png", "slide"))
        print(f"first PNG (starts Chromium): {cold:.2f} s")
        repeat = 1 if args.quick else 5
        for fmt, size in (("png", "slide"), ("svg", "slide"), ("pdf", "slide"),
                          ("png", "print"), ("pdf", "print")):
            runs = [seconds(lambda fmt=fmt, size=size: render_image(renderer, data, state, fmt, size))
                    for _ in range(repeat)]
            print(f"{fmt.upper()} {size:<6} median {statistics.median(r[0] for r in runs):.2f} s, "
                  f"{runs[0][1] / 1024:.0f} KiB")
        end = dt.date(2016, 5, 15) if args.quick else dt.date(2016, 7, 17)
        frames = (end - dt.date(2016, 5, 1)).days // 7 + 1
        gif_time, gif_size = seconds(lambda: render_animation(
            renderer, data, state, "gif", "small", dt.date(2016, 5, 1), end, "week"))
        print(f"GIF {frames} weekly frames, 1280×720: {gif_time:.1f} s "
              f"({gif_time / frames:.2f} s a frame), {gif_size / 1024:.0f} KiB")
    finally:
        renderer.close()


if __name__ == "__main__":
    main()
