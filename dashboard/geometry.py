"""Geometry that needs care: areas in an equal-area projection, hatching,
and polygons cut free of holes for plotly."""
from __future__ import annotations

import math

import numpy as np
import shapely
import shapely.ops
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

class EqualArea:
    """A Lambert azimuthal equal-area projection centred on a point: areas are true
    everywhere; distances and shapes are nearly true near the centre, which is why the
    estimator centres one on its observations."""

    def __init__(self, lon0: float, lat0: float):
        crs = f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs"
        self._forward = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inverse = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    @staticmethod
    def _apply(geometry: BaseGeometry, transformer: Transformer) -> BaseGeometry:
        return shapely.transform(geometry, lambda xy: np.column_stack(
            transformer.transform(xy[:, 0], xy[:, 1])))

    def forward(self, geometry: BaseGeometry) -> BaseGeometry:
        return self._apply(geometry, self._forward)

    def inverse(self, geometry: BaseGeometry) -> BaseGeometry:
        return self._apply(geometry, self._inverse)


LIBYA = EqualArea(18.0, 28.0)  # for km², any centre would do: the projection is equal-area


def km2(geometry: BaseGeometry) -> float:
    return LIBYA.forward(geometry).area / 1e6


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
