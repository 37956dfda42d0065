"""Benchmark: export jobs as a server runs them (POST /api/exports, a render process each):
time and peak memory of the render process (the sum of the proportional set sizes of it,
its Chromium and ffmpeg), for GIFs of a few and of more frames at each size. A memory peak
that grew with the frames would mean something holds them.

    .venv/bin/python tests/benchmarks/bench_jobs.py [--quick]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from common import arguments, header  # noqa: E402
from waiting import until  # noqa: E402
import contextlib


def render_tree_pss(me) -> int:
    import psutil

    total = 0
    for proc in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += proc.memory_full_info().pss
    return total


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    header("Export job benchmark: GIFs of 21 April 2016 onwards, one frame a day", args.quick)
    import psutil

    from app import create_app
    from dashboard.config import Config

    app = create_app(Config(datasets_dir=Path(tempfile.mkdtemp())))
    client, me = app.server.test_client(), psutil.Process()
    runs = [("small", 3)] if args.quick else [(size, frames) for size in ("small", "print")
                                             for frames in (4, 16)]
    for size, frames in runs:
        end = f"2016-04-{20 + frames:02d}" if frames < 11 else f"2016-05-{frames - 10:02d}"
        answer = client.post("/api/exports", json={
            "query": "date=2016-04-21", "format": "gif", "size": size, "start": "2016-04-21",
            "end": end, "step": "day"})
        assert answer.status_code == 202, answer.get_json()
        job, peaks, start = answer.get_json()["id"], [0], time.perf_counter()

        def finished(job=job, peaks=peaks):  # (the render's memory is sampled at each look)
            peaks.append(render_tree_pss(me))
            return client.get(f"/api/exports/{job}").status_code != 202
        assert until(finished, timeout=600, every=0.3), f"job {job} still running after 600 s"
        peak = max(peaks)
        done = client.get(f"/api/exports/{job}")
        assert done.status_code == 200, done.get_json()
        print(f"{size:>6} × {frames:2d} frames: {time.perf_counter() - start:6.1f} s, "
              f"peak render memory {peak / 2**20:6.0f} MiB, GIF {len(done.data) / 2**10:6.0f} KiB")


if __name__ == "__main__":
    main()
