"""Rebuild the places gazetteer and the offline basemap layers from the shared sources.

The dashboard never reads ../shared at run time: this script copies what it needs into
geodata/ once, so that a clone works offline and the provenance of every place and line is
written next to it. Run it from the repository root:

    python geodata/build/basemap.py [--shared ../shared]

Inputs (licences in geodata/README.md):
  GeoNames places (CC BY 4.0), OpenStreetMap place nodes (ODbL 1.0),
  OurAirports (public domain), Natural Earth via world-atlas 2.0.2 (public domain, ISC packaging).
"""
from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from shapely.geometry import box, mapping, shape, LineString, MultiLineString
from shapely.ops import linemerge, unary_union

GEODATA = Path(__file__).resolve().parents[1]
REGION = (5.0, 17.0, 30.0, 38.0)  # lon/lat box the record and the detailed basemap cover
SIMPLIFY_DEG = 0.002  # about 200 m: invisible at the zooms the map allows

# (id, English label, French label, source, key, kind, label rank 1 = always shown)
PLACES = [
    ("derna", "Derna", "Derna", "geonames", "87205", "city", 1),
    ("al-maheili", "Al-Maheili", "Al-Maheili", "geonames", "80635", "village", 1),
    ("sirte", "Sirte", "Syrte", "geonames", "2210554", "city", 1),
    ("tripoli", "Tripoli", "Tripoli", "geonames", "2210247", "city", 1),
    ("tobruk", "Tobruk", "Tobrouk", "geonames", "81302", "city", 1),
    ("benghazi", "Benghazi", "Benghazi", "geonames", "88319", "city", 1),
    ("misrata", "Misrata", "Misrata", "geonames", "2214846", "city", 1),
    ("al-bayda", "Al Bayda", "El Beïda", "geonames", "89055", "city", 2),
    ("ajdabiya", "Ajdabiya", "Ajdabiya", "geonames", "89113", "city", 2),
    ("bin-jawad", "Bin Jawad", "Ben Jaouad", "geonames", "2218562", "town", 1),
    ("qasr-abu-hadi", "Qasr Abu Hadi", "Qasr Abou Hadi", "geonames", "8354477", "village", 3),
    ("al-qubbah", "Al Qubbah", "Al Qubbah", "geonames", "88835", "town", 3),
    ("brega", "Brega", "Brega", "geonames", "2215210", "town", 2),
    ("zueitina", "Zueitina", "Zueitina", "geonames", "88380", "town", 3),
    ("zliten", "Zliten", "Zliten", "geonames", "2208485", "city", 3),
    ("hun", "Hun", "Houn", "geonames", "2216645", "town", 3),
    ("waddan", "Waddan", "Waddan", "geonames", "2209055", "town", 3),
    ("al-fatayah", "Al Fatayah", "Al Fatayah", "osm", "al Fataieh-Darnah", "village", 2),
    ("ain-mara", "Ain Mara", "Aïn Mara", "osm", "AIN MARA", "village", 3),
    ("martuba", "Martuba", "Martouba", "osm", "Martubah", "town", 3),
    ("nofaliya", "Nofaliya", "Nofilia", "osm", "An Nawfaliyah", "village", 1),
    ("harawa", "Harawa", "Harawa", "osm", "Wadi Harawah", "village", 2),
    ("abu-grein", "Abu Grein", "Abou Grein", "osm", "Abu Qurayn", "town", 1),
    ("ras-lanuf", "Ras Lanuf", "Ras Lanouf", "osm", "Ras Lanuf", "town", 2),
    ("es-sider", "Es Sider", "Es Sider", "osm", "Al Sidrah", "village", 3),
    ("buwairat-al-hassun", "Buwairat al-Hassun", "Bouerat el-Hassoun", "osm", "Bu`ayrat Al Hossuon", "village", 3),
    ("ghardabiya", "Ghardabiya air base", "Base aérienne de Ghardabiya", "ourairports", "HLGD", "air base", 2),
    ("al-abraq", "Al Abraq airport", "Aéroport d'Al Abraq", "ourairports", "HLLQ", "airport", 3),
]
EXTRA_VARIANTS = {
    "derna": ["Darnah", "Derne", "Darna"],
    "al-maheili": ["Al Makhili", "Mechili", "El Mechili", "Mukhaylá", "Al Mukhayli"],
    "sirte": ["Sirt", "Syrte", "Surt"],
    "nofaliya": ["Nawfaliyah", "Nofilia", "Naufaliya"],
    "abu-grein": ["Abu Qurayn", "Abu Qurain", "Abou Grein"],
    "bin-jawad": ["Bin Jawwad", "Ben Jawad", "Ben Jawwad"],
    "harawa": ["Harawah", "Wadi Harawah", "Hrawa"],
    "ghardabiya": ["Gardabya", "Al Qardabiyah", "Gardabiya"],
    "es-sider": ["Sidra", "Al Sidrah", "As Sidra", "Es Sidra"],
    "al-fatayah": ["Fataih", "Al Fataih", "al Fataieh"],
}
PLACE_COLUMNS = ["id", "name_en", "name_fr", "variants", "lon", "lat", "kind", "rank",
                 "population", "source", "source_id", "licence"]
LICENCE = {"geonames": "CC BY 4.0 (GeoNames)", "osm": "ODbL 1.0 (© OpenStreetMap contributors)",
           "ourairports": "public domain (OurAirports)"}


def _geonames(shared: Path) -> dict[str, dict]:
    with open(shared / "sources/geonames/places_libya_region.csv", newline="", encoding="utf-8") as f:
        return {row["geonameid"]: row for row in csv.DictReader(f)}


def _osm(shared: Path) -> dict[str, dict]:
    data = json.loads((shared / "sources/osm/libya_places.json").read_text(encoding="utf-8"))["data"]
    out: dict[str, dict] = {}
    for p in data:  # some names repeat (two "Al Sidrah"); the first is the oil-crescent one
        if p.get("name") and "en" in p["name"][0]:
            out.setdefault(p["name"][0]["en"], p)
    return out


def _airports(shared: Path) -> dict[str, dict]:
    data = json.loads((shared / "sources/ourairports/libya_airports.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["ident"]: f for f in data["features"]}


def build_places(shared: Path) -> list[dict]:
    geonames, osm, airports = _geonames(shared), _osm(shared), _airports(shared)
    rows = []
    for pid, en, fr, source, key, kind, rank in PLACES:
        variants = set(EXTRA_VARIANTS.get(pid, []))
        population = ""
        if source == "geonames":
            g = geonames[key]
            lon, lat, population = float(g["longitude"]), float(g["latitude"]), g["population"]
            variants |= {g["name"]} | {v for v in g["alternatenames"].split("|") if v.isascii() and v}
        elif source == "osm":
            p = osm[key]
            lon, lat = p["longitude"], p["latitude"]
            variants |= {v for k, v in p["name"][0].items() if k in ("en", "fr", "ar", "de", "it")}
        else:
            f = airports[key]
            lon, lat = f["geometry"]["coordinates"]
            variants |= {f["properties"]["name"]}
        variants -= {en}
        rows.append({"id": pid, "name_en": en, "name_fr": fr, "variants": "|".join(sorted(variants)),
                     "lon": round(lon, 5), "lat": round(lat, 5), "kind": kind, "rank": rank,
                     "population": population, "source": source, "source_id": key,
                     "licence": LICENCE[source]})
    return rows


def decode_topojson(topo: dict, object_name: str) -> list[tuple[list, dict]]:
    """Return [(list of arc-index lists per geometry, properties)] with arcs decoded to lon/lat."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indices):
        points = []
        for i in indices:
            part = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(part if not points else part[1:])
        return points

    out = []
    for geom in topo["objects"][object_name]["geometries"]:
        if geom["type"] == "Polygon":
            polys = [geom["arcs"]]
        elif geom["type"] == "MultiPolygon":
            polys = geom["arcs"]
        else:
            continue
        gj = {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in polys]}
        out.append((shape(gj).buffer(0), geom.get("properties", {}), polys))
    return out


def shared_borders(topo: dict) -> MultiLineString:
    """Land borders: the arcs that two different countries share (topojson's 'mesh a !== b')."""
    users: dict[int, set[int]] = {}
    for gi, geom in enumerate(topo["objects"]["countries"]["geometries"]):
        polys = [geom["arcs"]] if geom["type"] == "Polygon" else geom.get("arcs", [])
        for poly in polys:
            for r in poly:
                for i in r:
                    users.setdefault(i if i >= 0 else ~i, set()).add(gi)
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    lines = []
    for i, who in users.items():
        if len(who) < 2:
            continue
        x = y = 0
        pts = []
        for dx, dy in topo["arcs"][i]:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        lines.append(LineString(pts))
    return linemerge(lines)


def build_basemap(shared: Path) -> tuple[dict, dict]:
    region = box(*REGION)
    land_topo = json.loads((shared / "sources/world-atlas/land-10m.json").read_text())
    land = unary_union([g for g, _, _ in decode_topojson(land_topo, "land")])
    land = land.intersection(region).simplify(SIMPLIFY_DEG, preserve_topology=True)
    countries_topo = json.loads((shared / "sources/world-atlas/countries-10m.json").read_text())
    borders = shared_borders(countries_topo).intersection(region).simplify(SIMPLIFY_DEG)
    return (_collection([(land, {"layer": "land"})]),
            _collection([(borders, {"layer": "country borders"})]))


def build_world(shared: Path) -> tuple[dict, dict]:
    """The world's land and land borders at 1:50m, unclipped: the basemap of a dataset
    beyond the region (the detailed layers above cover the region only)."""
    countries_topo = json.loads((shared / "sources/world-atlas/countries-50m.json").read_text())
    land = unary_union([g for g, _, _ in decode_topojson(countries_topo, "land")])
    return (_collection([(land, {"layer": "land"})]),
            _collection([(shared_borders(countries_topo), {"layer": "country borders"})]))


def _collection(items) -> dict:
    return {"type": "FeatureCollection",
            "attribution": "Natural Earth (public domain), via world-atlas 2.0.2",
            "features": [{"type": "Feature", "properties": props,
                          "geometry": _rounded(mapping(geom))} for geom, props in items]}


def _rounded(geometry: dict) -> dict:
    def walk(c):
        return [round(c[0], 4), round(c[1], 4)] if isinstance(c[0], float) else [walk(x) for x in c]
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=GEODATA.parent.parent / "shared")
    args = parser.parse_args()
    rows = build_places(args.shared)
    with open(GEODATA / "places.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=PLACE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    land, borders = build_basemap(args.shared)
    (GEODATA / "basemap").mkdir(exist_ok=True)
    (GEODATA / "basemap/land.geojson").write_text(json.dumps(land, separators=(",", ":")))
    (GEODATA / "basemap/borders.geojson").write_text(json.dumps(borders, separators=(",", ":")))
    world_land, world_borders = build_world(args.shared)
    (GEODATA / "basemap/world-land.geojson").write_text(
        json.dumps(world_land, separators=(",", ":")))
    (GEODATA / "basemap/world-borders.geojson").write_text(
        json.dumps(world_borders, separators=(",", ":")))
    print(f"places.csv: {len(rows)} places; basemap/land.geojson, basemap/borders.geojson, "
          "basemap/world-land.geojson, basemap/world-borders.geojson written")


if __name__ == "__main__":
    main()
