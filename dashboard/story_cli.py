"""`python -m dashboard story`: list the stories, check a story file, import one.

    python -m dashboard story list
    python -m dashboard story check my-story.json
    python -m dashboard story import my-story.json

A story is checked against its dataset (every id must exist there, every claim must hold);
a refused file is named with every problem and the list of missing ids. Exit codes: 0 done,
1 invalid story, 2 bad usage.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dashboard.config import from_environment
from dashboard.registry import Registry
from dashboard.stories import Stories, StoryError, check_story, load_story_text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard story",
                                     description="List, check and import stories.")
    parser.add_argument("action", choices=("list", "check", "import"))
    parser.add_argument("file", nargs="?", type=Path, help="the story file (check, import)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="the bundled record's folder")
    parser.add_argument("--datasets-dir", type=Path, default=None,
                        help="imported datasets; imported stories are kept in its .stories/")
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    config = from_environment([])  # defaults: the app's own settings
    registry = Registry(args.data_dir or config.data_dir,
                        args.datasets_dir or config.datasets_dir, config.cache_mb * 2**20)
    stories = Stories.of(registry)
    if args.action == "list":
        print(json.dumps(stories.describe(registry), ensure_ascii=False, indent=1))
        return 0
    if args.file is None:
        print(f"story {args.action}: give the story file", file=sys.stderr)
        return 2
    try:
        content = args.file.read_bytes()
    except OSError as exc:
        print(f"story {args.action}: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        if args.action == "check":
            story = load_story_text(content, args.file.name)
            check_story(story, Stories.dataset_of(story, registry))
        else:
            story = stories.import_story(content, args.file.name, registry)
    except StoryError as exc:
        print(f"{args.file.name}: refused:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        if exc.missing:
            print(f"missing ids: {', '.join(exc.missing)}", file=sys.stderr)
        return 1
    done = "valid" if args.action == "check" else f"imported into {stories.imported_dir}"
    print(f"{args.file.name}: story {story.name!r} of dataset {story.dataset!r}, "
          f"{len(story.steps)} steps: {done}")
    return 0
