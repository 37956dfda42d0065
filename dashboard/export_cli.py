"""`python -m dashboard export`: the map or an animation to a file, from the command line,
with the same filters as the page's URL.

    python -m dashboard export --date 2016-04-21 --out derna.png
    python -m dashboard export --date 2016-04-21 --query "factions=is,dmsc&window=30&lang=fr" \
        --size print --out derna.pdf
    python -m dashboard export --start 2016-05-01 --end 2016-12-31 --step month --out sirte.gif
    python -m dashboard export --story derna-to-sirte --lang fr --size print --out deck.pdf
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode, parse_qsl

from dashboard.config import ROOT, from_environment
from dashboard.export import (ANIMATION_FORMATS, IMAGE_FORMATS, SIZES, ExportError, Renderer,
                              describe, render_animation, render_image, write_atomic)
from dashboard.records import DataError, parse_date
from dashboard.registry import UnknownDataset
from dashboard.state import dataset_param, parse_state
from dashboard.steps import STEPS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard export",
                                     description="Export the map (PNG, PDF, SVG) or an "
                                                 "animation (GIF, MP4) to a file.")
    parser.add_argument("--out", required=True, type=Path,
                        help="output file; its extension picks the format "
                             f"({', '.join(IMAGE_FORMATS + ANIMATION_FORMATS)})")
    parser.add_argument("--date", help="the day shown (YYYY-MM-DD)")
    parser.add_argument("--start", help="animation: first day")
    parser.add_argument("--end", help="animation: last day")
    parser.add_argument("--step", default="week", choices=STEPS,
                        help="animation: one frame per day, week or month")
    parser.add_argument("--size", default="slide", choices=tuple(SIZES),
                        help="slide 1920×1080, print A4 landscape (about 300 dpi), small 1280×720")
    parser.add_argument("--query", default="",
                        help="the page's URL state, e.g. 'factions=is,dmsc&window=30&lang=fr"
                             "&map=10/32.76/22.64'")
    parser.add_argument("--lang", choices=("en", "fr"), help="shortcut for lang= in --query")
    parser.add_argument("--story", help="a story's name: .pdf is a slide deck (title page, a "
                        "page per step, sources page), .mp4/.gif a video of its steps")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "geodata",
                        help="the bundled record's folder")
    parser.add_argument("--datasets-dir", type=Path, default=None,
                        help="imported datasets (choose one with dataset=NAME in --query)")
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    fmt = args.out.suffix.lower().lstrip(".")
    renderer = None
    try:
        from app import create_app  # the page is what an export renders

        flags = ["--data-dir", str(args.data_dir)] + \
            (["--datasets-dir", str(args.datasets_dir)] if args.datasets_dir else [])
        app = create_app(from_environment(flags))
        registry = app.server.config["FRONTLINES_REGISTRY"]
        query = dict(parse_qsl(args.query.lstrip("?"), keep_blank_values=True))
        for key, value in (("date", args.date), ("lang", args.lang)):
            if value:
                query[key] = value
        data = registry.get(dataset_param("?" + urlencode(query)) or None)
        state = parse_state("?" + urlencode(query), data.record)
        if state.problems:
            raise ExportError("; ".join(state.problems))
        start = parse_date(args.start, "--start") if args.start else None
        end = parse_date(args.end, "--end") if args.end else None
        renderer = Renderer(app.server)
        if args.story:
            from dashboard.story_export import export_story
            return export_story(renderer, registry, args.story, args.out, fmt, args.size,
                                args.lang)
        if fmt in ANIMATION_FORMATS:
            def progress(done: int, total: int) -> None:
                bar = "#" * (30 * done // total)
                print(f"\rframe {done}/{total} [{bar:<30}]", end="", file=sys.stderr, flush=True)
            content = render_animation(renderer, data, replace(state, day=end or state.day), fmt,
                                       args.size, start, end, args.step, progress)
            print(file=sys.stderr)
        else:
            if start or end:
                raise ExportError("--start/--end are for animations (.gif, .mp4); "
                                  "use --date for an image")
            content = render_image(renderer, data, state, fmt, args.size)
        write_atomic(args.out, content)
    except (ExportError, DataError, UnknownDataset, ValueError) as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 2
    finally:
        if renderer is not None:
            renderer.close()
    print(f"wrote {args.out} ({len(content) / 1024:.0f} KiB, {fmt.upper()}, {args.size}, "
          f"{describe(state, start, end)})")
    return 0
