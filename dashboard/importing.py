"""`python -m dashboard import FILE --dataset NAME [options]`: bring your own data.

Exit codes: 0 imported; 1 the data is invalid (the report says why; nothing was written);
2 bad usage. Progress for big files goes to stderr, the report to stdout. The Python API
(`import_file`, `list_datasets`, `detect_format`) lives in dashboard.importers and is
re-exported here.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from dashboard.dataset_names import bundled_name
from dashboard.importers import (FORMATS, ImportReport, Progress, UsageError,
                                 default_datasets_dir, detect_format, import_file,
                                 list_datasets)
from dashboard.importers.writer import GEODATA
from dashboard.store import StoreError, open_store

__all__ = ["ImportReport", "UsageError", "detect_format", "import_file", "list_datasets",
           "main"]

CLI_MAX_BYTES = 2 * 2**30  # the command line is run by the data's owner: allow full exports


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m dashboard import",
                description="Import a file of events or control areas as a dataset folder.")
    p.add_argument("file", help="ACLED or UCDP GED CSV export, a CSV table of events, "
                                "GeoJSON, GeoPackage or a zipped Shapefile")
    p.add_argument("--format", choices=FORMATS, help="skip auto-detection")
    p.add_argument("--dataset", required=True,
                   help="dataset name: lower-case letters, digits, - or _ (1-64)")
    p.add_argument("--datasets-dir", default=None,
                   help="where datasets live (default: $FRONTLINES_DATASETS_DIR or datasets/ "
                        "at the repository root)")
    p.add_argument("--store", default=None,
                   help="postgresql://… : import into this PostGIS store instead of the "
                        "datasets folder (default: $FRONTLINES_STORE, if set)")
    p.add_argument("--title", help="the dataset's title in the app (default: its name)")
    p.add_argument("--mapping", help="actor → faction id: CSV with columns actor,faction, or "
                                     "a JSON object")
    p.add_argument("--columns", help="field=Column pairs (date=Date,lon=X,lat=Y,actor1=Who,…) "
                                     "or a JSON file of them")
    p.add_argument("--source-url", help="http(s) link for rows that have no url column")
    p.add_argument("--skip-invalid", action="store_true",
                   help="import the valid rows and write the others to the rejects CSV")
    p.add_argument("--rejects", help="rejects CSV (default with --skip-invalid: "
                                     "<datasets-dir>/<NAME>.rejects.csv)")
    p.add_argument("--max-bytes", type=int, default=CLI_MAX_BYTES,
                   help=f"refuse bigger files and archives (default {CLI_MAX_BYTES:,})")
    return p


def _print_progress(step: Progress) -> None:
    if step.stage == "reading":
        share = f" ({step.fraction:.0%} of the file)" if step.fraction is not None else ""
        print(f"read {step.rows:,} rows{share}", file=sys.stderr, flush=True)
    elif step.stage == "writing":
        print(f"writing the dataset ({step.rows:,} rows), sorted by date…", file=sys.stderr,
              flush=True)
    else:
        print(f"checking the dataset ({step.rows:,} rows) as the app will load it…",
              file=sys.stderr, flush=True)


def _store(args):
    """The datasets folder, or the PostGIS store of --store / FRONTLINES_STORE."""
    url = args.store if args.store is not None else os.environ.get("FRONTLINES_STORE", "")
    datasets = Path(args.datasets_dir) if args.datasets_dir else default_datasets_dir()
    try:
        return open_store(url, datasets, bundled_name(GEODATA) or "",
                          Path(tempfile.gettempdir()))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
        report = _store(args).import_file(
            args.file, dataset=args.dataset, fmt=args.format, mapping=args.mapping,
            columns=args.columns, skip_invalid=args.skip_invalid,
            max_bytes=args.max_bytes, progress=_print_progress, source_url=args.source_url,
            title=args.title, rejects=args.rejects)
    except UsageError as exc:
        print(f"python -m dashboard import: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"python -m dashboard import: nothing was changed: {exc}", file=sys.stderr)
        return 1
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    print(report.as_text())
    return 0 if report.ok else 1
