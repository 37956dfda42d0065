"""GeoJSON, GeoPackage and zipped Shapefiles, read with pyogrio into the same Tables as CSV.

A zip archive is opened defensively: every member name is checked (no '..', no absolute
path, no drive letter) even though members are written under names we choose; archives with
too many members or that would unpack to more than the size limit are refused, and members
are copied with a running byte count so a lying header cannot unpack more than it declared.
"""
from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj.exceptions import ProjError

from dashboard.importers.report import FileError
from dashboard.importers.textfile import Row, Table

MAX_ZIP_MEMBERS = 100
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# A point's x and y, as two extra columns; GDAL field names cannot hold NUL, so no file's
# columns clash with them. Reports show them without the NUL.
POINT_LON, POINT_LAT = "\x00geometry x", "\x00geometry y"
_DRIVE = re.compile(r"^[A-Za-z]:")


def spatial_tables(path: Path, fmt: str, workdir: Path, max_bytes: int) -> Iterator[Table]:
    """Every layer of the file (a GeoPackage may hold several; so may a zip of shapefiles)."""
    files = extract_shapefiles(path, workdir, max_bytes) if fmt == "shapefile" \
        else {path.name: path}
    for name, file in files.items():
        for layer in _layers(file, fmt):
            yield _read_layer(file, layer, fmt, name if fmt == "shapefile" else layer)


def check_member_name(name: str) -> None:
    """Zip-slip: refuse any member whose name could point outside the folder it unpacks to."""
    parts = re.split(r"[\\/]", name)
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts or "\x00" in name:
        raise FileError(f"the archive holds an unsafe path {name!r}; refusing to unpack it")


def extract_shapefiles(archive: Path, into: Path, max_bytes: int) -> dict[str, Path]:
    """Unpack only the parts of each shapefile (.shp, .shx, .dbf, .prj, .cpg), each
    shapefile into its own numbered folder under names we choose; keyed by the .shp's name
    in the archive."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise FileError(f"the archive holds {len(members)} files (more than "
                                f"{MAX_ZIP_MEMBERS}); refusing to unpack it")
            for info in members:
                check_member_name(info.filename)
            unpacked = sum(i.file_size for i in members)
            if unpacked > max_bytes:
                raise FileError(f"the archive would unpack to {unpacked / 2**20:.1f} MiB, over "
                                f"the limit of {max_bytes / 2**20:.1f} MiB")
            shapes = [i for i in members if i.filename.lower().endswith(".shp")]
            if not shapes:
                raise FileError("the archive holds no .shp file (a zipped Shapefile needs "
                                ".shp, .shx and .dbf)")
            budget = [max_bytes]
            return {shp.filename: _extract_one(zf, members, shp, into / f"layer{n}", budget)
                    for n, shp in enumerate(shapes)}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            zlib.error, EOFError) as exc:
        # RuntimeError: encrypted members; NotImplementedError: unknown compression
        raise FileError(f"the archive cannot be read ({exc})") from None


def _extract_one(zf: zipfile.ZipFile, members, shp: zipfile.ZipInfo, folder: Path,
                 budget: list[int]) -> Path:
    stem = shp.filename[:-4].lower()
    folder.mkdir(parents=True)
    for info in members:
        suffix = PurePosixPath(info.filename.replace("\\", "/")).suffix.lower()
        if info.filename[:-len(suffix) or None].lower() == stem and suffix in SHAPEFILE_PARTS:
            _copy_capped(zf, info, folder / f"layer{suffix}", budget)
    return folder / "layer.shp"


def _copy_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path,
                 budget: list[int]) -> None:
    with zf.open(info) as src, open(target, "wb") as out:
        written = 0
        while chunk := src.read(1 << 16):
            written += len(chunk)
            budget[0] -= len(chunk)
            if written > info.file_size or budget[0] < 0:
                raise FileError(f"{info.filename!r} unpacks to more than it declares or than "
                                "the size limit: refusing it (a zip bomb?)")
            out.write(chunk)


def _layers(file: Path, fmt: str) -> list[str]:
    try:
        with warnings.catch_warnings():  # GDAL's remarks on the file: the report speaks
            warnings.simplefilter("ignore")
            layers = pyogrio.list_layers(file)
    except (DataSourceError, DataLayerError) as exc:
        raise FileError(f"cannot be read as {fmt} ({_first_line(exc)})") from None
    return [str(name) for name, geometry in layers if geometry is not None]


def _read_layer(file: Path, layer: str, fmt: str, name: str) -> Table:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pyogrio.read_dataframe(file, layer=layer)
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
    except (DataSourceError, DataLayerError, ProjError, ValueError) as exc:
        raise FileError(f"layer {name!r} cannot be read as {fmt} ({_first_line(exc)})") \
            from None
    geometries = shapely.force_2d(frame.geometry.values)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    cells = [[_text(v) for v in frame[c].tolist()] for c in frame.columns
             if c != frame.geometry.name]
    kinds = frozenset(g.geom_type for g in geometries if g is not None and not g.is_empty)
    return Table(name, columns + [POINT_LON, POINT_LAT], _features(cells, geometries),
                 "feature", kinds)


def _features(cells: list[list[str]], geometries) -> Iterator[Row]:
    for i, geometry in enumerate(geometries):
        point = geometry is not None and geometry.geom_type == "Point" and not geometry.is_empty
        xy = [repr(geometry.x), repr(geometry.y)] if point else ["", ""]
        yield Row(i + 1, [column[i] for column in cells] + xy, geometry)


def _text(value) -> str:
    """A cell as text, whatever type the driver gave it: dates become YYYY-MM-DD, whole
    numbers lose their '.0', lists are joined with ';', missing values become empty."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if value is None or not isinstance(value, (str, dict)) and pd.isna(value):
        return ""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
