"""Geometry that needs care: areas in an equal-area projection, hatching, arrow bearings.

Areas are computed in a Lambert azimuthal equal-area projection centred on the record's
region (distortion of area is nil by construction; of shape, small over a few hundred km).
"""
from __future__ import annotations

import math

import numpy as np
import shapely
import shapely.ops
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

EQUAL_AREA = "+proj=laea +lat_0=28 +lon_0=18 +datum=WGS84 +units=m +no_defs"
_TO_EQUAL_AREA = Transformer.from_crs("EPSG:4326", EQUAL_AREA, always_xy=True)


def to_equal_area(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geometry, lambda xy: np.column_stack(
        _TO_EQUAL_AREA.transform(xy[:, 0], xy[:, 1])))


def km2(geometry: BaseGeometry) -> float:
    return to_equal_area(geometry).area / 1e6


def hatch(geometry: BaseGeometry, spacing: float = 0.02, angle_deg: float = 45.0) -> list[list[tuple]]:
    """Parallel lines clipped to a polygon: the 'contested' pattern, drawn as real geometry
    so it survives any renderer and export (plotly's geo fills take no patterns)."""
    lon0, lat0, lon1, lat1 = geometry.bounds
    span = max(lon1 - lon0, lat1 - lat0) * 1.5 + spacing
    cx, cy = (lon0 + lon1) / 2, (lat0 + lat1) / 2
    dx, dy = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    lines = []
    steps = int(span / spacing)
    for i in range(-steps, steps + 1):
        ox, oy = cx - dy * i * spacing, cy + dx * i * spacing
        lines.append(LineString([(ox - dx * span, oy - dy * span), (ox + dx * span, oy + dy * span)]))
    clipped = MultiLineString(lines).intersection(geometry)
    parts = getattr(clipped, "geoms", [clipped])
    return [list(p.coords) for p in parts if isinstance(p, LineString) and not p.is_empty]


def bearing_deg(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Screen angle (clockwise from north) of the step a→b, for an arrowhead marker."""
    dx = (b[0] - a[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.degrees(math.atan2(dx, b[1] - a[1]))


def without_holes(geometry: BaseGeometry) -> list[BaseGeometry]:
    """Polygons cut into hole-free pieces. Plotly fills each ring on its own, so a hole would
    be painted over; cutting a polygon through each hole keeps the hole empty."""
    pending = list(getattr(geometry, "geoms", [geometry]))
    done = []
    while pending:
        polygon = pending.pop()
        if polygon.geom_type != "Polygon" or not polygon.interiors:
            done.append(polygon)
            continue
        x = polygon.interiors[0].centroid.x
        _, lat0, _, lat1 = polygon.bounds
        blade = LineString([(x, lat0 - 1), (x, lat1 + 1)])
        pieces = shapely.ops.split(polygon, blade)
        pending.extend(p for p in pieces.geoms if p.geom_type == "Polygon")
    return done
