"""A file uploaded in the page, turned into an import: decoded, size-checked, written to a
private temporary file under a safe name, and handed to the importer, whose report comes
back as plain text. A refused or broken upload changes nothing on disk."""
from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from collections.abc import Callable

from dashboard.config import Config
from dashboard.dataset_names import name_problem
from dashboard.leftovers import scratch_dir
from dashboard.store import StoreError

SUFFIX = re.compile(r"\.(csv|geojson|json|gpkg|zip)$", re.IGNORECASE)


def progress_text(step) -> str:
    """An import's progress (dashboard.importers Progress) in words, for the page."""
    if step.stage == "reading":
        share = f" ({step.fraction:.0%} of the file)" if step.fraction is not None else ""
        return f"Importing… read {step.rows:,} rows{share}."
    if step.stage == "writing":
        return f"Importing… writing the dataset ({step.rows:,} rows), sorted by date."
    return f"Importing… checking the dataset ({step.rows:,} rows) as the app will load it."


def import_uploaded(contents: str | None, filename: str | None, name: str | None,
                    config: Config,
                    progress: Callable[[str], None] = lambda text: None) -> tuple[str, bool]:
    """(report text, whether a dataset was written); progress(text) as the import goes."""
    from dashboard.importing import UsageError  # geopandas: load it late

    problem = name_problem(name or "", config.data_dir)
    if problem:
        return f"Import refused: {problem}.", False
    if not contents or "," not in contents:
        return "Import refused: the upload was empty.", False
    suffix = SUFFIX.search(filename or "")
    if not suffix:
        return (f"Import refused: {str(filename)[:80]!r} is not a .csv, .geojson, .json, "
                ".gpkg or zipped shapefile (.zip)."), False
    limit = config.upload_mb * 1024 * 1024
    encoded = contents.split(",", 1)[1]
    if len(encoded) * 3 // 4 > limit:
        return f"Import refused: the file is larger than {config.upload_mb} MB.", False
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return "Import refused: the upload could not be decoded.", False
    try:
        with scratch_dir("upload") as folder:
            path = Path(folder) / f"upload{suffix.group(0).lower()}"
            path.write_bytes(raw)
            progress("Importing… reading the file.")
            report = config.open_store().import_file(
                path, dataset=name, max_bytes=limit,
                progress=lambda step: progress(progress_text(step)))
    except UsageError as exc:  # e.g. a name taken by a folder the importer did not make
        return f"Import refused: {exc}", False
    except StoreError as exc:  # the PostGIS store is down or not set up
        return f"Import failed, nothing was changed: {exc}", False
    except OSError as exc:  # storing the upload itself failed, e.g. a full temp folder
        return (f"Import refused: the upload cannot be stored on the server "
                f"({(exc.strerror or type(exc).__name__).lower()})."), False
    return report.as_text(paths=False), bool(report.ok)
