"""`python -m dashboard db …`: the PostGIS store (dashboard.postgis).

    db init --store URL                      create or upgrade the schema (migrations)
    db load FOLDER --dataset NAME --store URL   copy a dataset folder in (e.g. geodata/,
                                             the bundled record), checked as the app loads it
    db link TABLE --dataset NAME --store URL [--columns …] [--title …]
                                             serve an existing table or view, read in place

URL defaults to $FRONTLINES_STORE. Exit codes: 0 done; 1 the data or the database refused
it (the message says why; nothing changed); 2 bad usage.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m dashboard db",
                                description="Set up and fill the PostGIS store.")
    sub = p.add_subparsers(dest="command", required=True)
    commands = {
        "init": sub.add_parser("init", help="create or upgrade the schema"),
        "load": sub.add_parser("load", help="copy a dataset folder (e.g. geodata/) in"),
        "link": sub.add_parser("link", help="serve an existing table or view (SELECT only)"),
    }
    for command in commands.values():
        command.add_argument("--store", default=os.environ.get("FRONTLINES_STORE", ""),
                             help="postgresql:// URL (default: $FRONTLINES_STORE)")
    commands["load"].add_argument("folder", help="a dataset folder: geodata/, or an import's")
    commands["link"].add_argument("table", help="table or view, as table or schema.table")
    for name in ("load", "link"):
        commands[name].add_argument("--dataset", required=True, help="the dataset's name")
    commands["link"].add_argument("--columns", help="field=Column pairs, as the CSV import's "
                                                    "--columns (default: ACLED's names)")
    commands["link"].add_argument("--title", help="the dataset's title (default: its name)")
    return p


def main(argv: list[str]) -> int:
    from dashboard.config import ROOT
    from dashboard.dataset_names import bundled_name
    from dashboard.importers.pipeline import parse_columns
    from dashboard.importers.report import UsageError
    from dashboard.postgis import PostgisStore, migrate
    from dashboard.records import DataError
    from dashboard.store import StoreError

    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if not args.store.startswith(("postgresql://", "postgres://")):
        print("python -m dashboard db: give --store postgresql://… (or FRONTLINES_STORE)",
              file=sys.stderr)
        return 2
    try:
        if args.command == "init":
            applied = migrate(args.store)
            print(f"schema up to date; applied: {', '.join(applied) or 'nothing new'}")
            return 0
        store = PostgisStore(args.store, Path(os.environ.get("TMPDIR", "/tmp")),
                             bundled_name(ROOT / "geodata") or "")
        if args.command == "load":
            entry = store.import_folder(Path(args.folder), args.dataset)
        else:
            entry = store.link(args.dataset, args.table, parse_columns(args.columns),
                               args.title)
    except UsageError as exc:
        print(f"python -m dashboard db: {exc}", file=sys.stderr)
        return 2
    except (DataError, StoreError) as exc:
        print(f"python -m dashboard db {args.command}: refused, nothing changed:\n{exc}",
              file=sys.stderr)
        return 1
    print(f"dataset {args.dataset!r}: {entry['events']:,} events, {entry['areas']:,} areas, "
          f"{entry['movements']:,} movements, {entry['first_day']} to {entry['last_day']} "
          f"(version {entry['version']})")
    return 0
