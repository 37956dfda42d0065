"""Geometry that needs care: areas and distances in an equal-area projection chosen per
dataset, hatching, and polygons cut free of holes for plotly."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import shapely
import shapely.ops
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

class EqualArea:
    """A Lambert azimuthal equal-area projection centred on a point, in metres: areas are
    true everywhere; distances and shapes are nearly true near the centre. Every distance
    and tolerance of the app (slivers, hatching, label clearance, arrowheads, 'near') is in
    metres in the projection of its dataset (projection_of), so data from Syria or Mali
    measures as correctly as data from Libya."""

    def __init__(self, lon0: float, lat0: float):
        self.centre = (lon0, lat0)
        crs = f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs"
        self._forward = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inverse = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    @staticmethod
    @lru_cache(maxsize=64)
    def centred_on(bounds: tuple[float, float, float, float]) -> EqualArea:
        """The projection centred on a lon/lat box (lon0, lat0, lon1, lat1)."""
        lon0, lat0, lon1, lat1 = bounds
        return EqualArea(round((lon0 + lon1) / 2, 3), round((lat0 + lat1) / 2, 3))

    @staticmethod
    def _apply(geometry: BaseGeometry, transformer: Transformer) -> BaseGeometry:
        return shapely.transform(geometry, lambda xy: np.column_stack(
            transformer.transform(xy[:, 0], xy[:, 1])))

    def forward(self, geometry: BaseGeometry) -> BaseGeometry:
        return self._apply(geometry, self._forward)

    def inverse(self, geometry: BaseGeometry) -> BaseGeometry:
        return self._apply(geometry, self._inverse)

    def km2(self, geometry: BaseGeometry) -> float:
        return self.forward(geometry).area / 1e6

    def buffer(self, geometry: BaseGeometry, metres: float) -> BaseGeometry:
        """The geometry grown (or, negative, shrunk) by a distance on the ground."""
        return self.inverse(self.forward(geometry).buffer(metres))

    def hatch(self, geometry: BaseGeometry, spacing_m: float,
              angle_deg: float = 45.0) -> list[list[tuple]]:
        """Parallel lines `spacing_m` apart on the ground, clipped to a polygon: the
        'contested' pattern, drawn as real geometry so it survives any renderer and export
        (map fills take no patterns)."""
        flat = self.forward(geometry)
        x0, y0, x1, y1 = flat.bounds
        span = max(x1 - x0, y1 - y0) * 1.5 + spacing_m
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        dx, dy = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
        steps = int(span / spacing_m)
        lines = [LineString([(cx - dy * i * spacing_m - dx * span, cy + dx * i * spacing_m - dy * span),
                             (cx - dy * i * spacing_m + dx * span, cy + dx * i * spacing_m + dy * span)])
                 for i in range(-steps, steps + 1)]
        clipped = self.inverse(MultiLineString(lines).intersection(flat))
        parts = getattr(clipped, "geoms", [clipped])
        return [list(p.coords) for p in parts if isinstance(p, LineString) and not p.is_empty]

    def offset(self, lon: float, lat: float, metres: float, angle: float) -> tuple[float, float]:
        """The point `metres` from (lon, lat) in the direction `angle` (radians, from east)."""
        x, y = self._forward.transform(lon, lat)
        return self._inverse.transform(x + metres * math.cos(angle), y + metres * math.sin(angle))

    def direction(self, start: tuple, end: tuple) -> float:
        """The angle (radians, from east) of the line from start to end on the ground."""
        (x0, y0), (x1, y1) = (self._forward.transform(*start), self._forward.transform(*end))
        return math.atan2(y1 - y0, x1 - x0)


def projection_of(record) -> EqualArea:
    """A dataset's projection: centred on its extent (Record.extent)."""
    return EqualArea.centred_on(tuple(record.extent))


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


# --- the map's Web Mercator view (MapLibre's 512-px tiles) ----------------------------

MAP_PX = (1100, 620)  # about the page's map, in CSS pixels


def _merc(lat):
    return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def fit_view(extent: tuple, width_px: int = MAP_PX[0],
             height_px: int = MAP_PX[1]) -> tuple[float, float, float]:
    """(zoom, lat, lon) that shows a lon/lat box in a map of about the page's size."""
    lon0, lat0, lon1, lat1 = extent
    zoom_x = math.log2(width_px * 360 / (512 * max(lon1 - lon0, 1e-6)))
    zoom_y = math.log2(height_px * 2 * math.pi / (512 * max(float(_merc(lat1) - _merc(lat0)),
                                                            1e-9)))
    lat_c = math.degrees(math.atan(math.sinh(float(_merc(lat0) + _merc(lat1)) / 2)))
    return round(min(zoom_x, zoom_y), 2), round(lat_c, 4), round((lon0 + lon1) / 2, 4)


def world_px(lon, lat, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Points in Web Mercator pixels at `zoom` (x east, y south, from the world's corner)."""
    size = 512 * 2 ** zoom
    lat = np.clip(lat, -85.05, 85.05)
    return (np.asarray(lon) + 180) / 360 * size, (1 - _merc(lat) / np.pi) / 2 * size


def view_frame(view: tuple[float, float, float]) -> tuple[float, float, float, float]:
    """The lon/lat box a map of MAP_PX shows at view (zoom, lat, lon)."""
    zoom, lat, lon = view
    size = 512 * 2 ** zoom
    half_lon = MAP_PX[0] / 2 / size * 360
    y = float(_merc(lat)) * size / (2 * np.pi)
    half_y = MAP_PX[1] / 2
    top = math.degrees(math.atan(math.sinh((y + half_y) * 2 * np.pi / size)))
    bottom = math.degrees(math.atan(math.sinh((y - half_y) * 2 * np.pi / size)))
    return lon - half_lon, bottom, lon + half_lon, top
