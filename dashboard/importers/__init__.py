"""Bring your own data: import ACLED and UCDP GED exports, generic event tables, GeoJSON,
GeoPackage and zipped Shapefiles as dataset folders the app loads like the bundled record.

The web app calls `import_file`, `list_datasets` and `detect_format`; the command line is in
dashboard/importing.py. Module by module: report (what an import says), textfile and spatial
(reading), cells and layouts (from a row to a common event or area), factions (actor names
to faction ids), writer (the dataset folder, atomically), pipeline (one import, start to end).
"""
from dashboard.importers.pipeline import (DEFAULT_MAX_BYTES, FORMATS, detect_format,
                                          import_file)
from dashboard.importers.report import FileError, ImportReport, Progress, Reject, UsageError
from dashboard.importers.writer import default_datasets_dir, list_datasets

__all__ = ["DEFAULT_MAX_BYTES", "FORMATS", "FileError", "ImportReport", "Progress", "Reject",
           "UsageError", "default_datasets_dir", "detect_format", "import_file",
           "list_datasets"]
