"""Command line: `python -m dashboard export …` (images, animations) and
`python -m dashboard import …` (bring your own data), `python -m dashboard story …` (list,
check and import stories), `python -m dashboard db …` (the PostGIS store). `--help` on each says more."""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    commands = {"export": "dashboard.export_cli", "import": "dashboard.importing",
                "story": "dashboard.story_cli", "db": "dashboard.db_cli"}
    if not argv or argv[0] not in commands:
        print("usage: python -m dashboard {export,import,story,db} [options]  (see --help of each)",
              file=sys.stderr)
        return 2
    module = __import__(commands[argv[0]], fromlist=["main"])
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
