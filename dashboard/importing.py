"""`python -m dashboard import FILE --dataset NAME [options]`: bring your own data.

Exit codes: 0 imported; 1 the data is invalid (the report says why; nothing was written);
2 bad usage. Progress for big files goes to stderr, the report to stdout. The Python API
(`import_file`, `list_datasets`, `detect_format`) lives in dashboard.importers and is
re-exported here.
"""
from __future__ import annotations

import argparse
import sys

from dashboard.importers import (FORMATS, ImportReport, Progress, UsageError,
                                 default_datasets_dir, detect_format, import_file,
                                 list_datasets)

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


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
        report = import_file(
            args.file, dataset=args.dataset,
            datasets_dir=args.datasets_dir or default_datasets_dir(), fmt=args.format,
            mapping=args.mapping, columns=args.columns, skip_invalid=args.skip_invalid,
            max_bytes=args.max_bytes, progress=_print_progress, source_url=args.source_url,
            title=args.title, rejects=args.rejects)
    except UsageError as exc:
        print(f"python -m dashboard import: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    print(report.as_text())
    return 0 if report.ok else 1
