"""The offline basemap (land and country borders) and place labels, read once at start-up.

Kept apart from the record: the record is what happened, the basemap is where. Coordinates
are flattened here into the None-separated lists plotly draws, so no figure rebuilds them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.geometry.polygon import orient

from dashboard.geometry import without_holes


@dataclass(frozen=True)
class Basemap:
    land_lon: tuple
    land_lat: tuple
    border_lon: tuple
    border_lat: tuple
    attribution: str
    land: BaseGeometry  # for clipping derived areas to land


def rings_for_plotly(geometry) -> tuple[list, list]:
    """Polygon rings (or lines) as lon/lat lists split by None. Exterior rings are made
    clockwise: plotly's geo fill is spherical, and an anticlockwise ring fills the rest of the
    globe. Polygons with holes are cut into hole-free pieces first."""
    lon, lat = [], []
    parts = without_holes(geometry) if "Polygon" in geometry.geom_type \
        else getattr(geometry, "geoms", [geometry])
    for polygon in parts:
        if polygon.geom_type == "Polygon":
            ring = orient(polygon, sign=-1.0).exterior
        else:  # a line
            ring = polygon
        xs, ys = ring.xy
        lon += [round(x, 4) for x in xs] + [None]
        lat += [round(y, 4) for y in ys] + [None]
    return lon, lat


def load_basemap(folder: Path) -> Basemap:
    land = json.loads((folder / "basemap/land.geojson").read_text(encoding="utf-8"))
    borders = json.loads((folder / "basemap/borders.geojson").read_text(encoding="utf-8"))
    land_lon, land_lat, border_lon, border_lat = [], [], [], []
    for feature in land["features"]:
        x, y = rings_for_plotly(shape(feature["geometry"]))
        land_lon += x
        land_lat += y
    for feature in borders["features"]:
        x, y = rings_for_plotly(shape(feature["geometry"]))
        border_lon += x
        border_lat += y
    return Basemap(tuple(land_lon), tuple(land_lat), tuple(border_lon), tuple(border_lat),
                   land.get("attribution", ""),
                   unary_union([shape(f["geometry"]) for f in land["features"]]))


def covers(basemap: Basemap, extent) -> bool:
    """Whether the detailed basemap's land spans the extent (lon0, lat0, lon1, lat1)."""
    lon0, lat0, lon1, lat1 = basemap.land.bounds
    return lon0 <= extent[0] and lat0 <= extent[1] and extent[2] <= lon1 and extent[3] <= lat1
