"""Rebuild control_areas.geojson and movements.geojson from the sourced periods and routes.

The facts (who held which area from when to when, and who says so) live in
geodata/build/control_periods.json and geodata/build/movement_routes.json; the shapes they
are drawn on are made here, from a few reproducible rules, so anyone can see and change how
an area was drawn:

* a town is a disc of a stated radius around its gazetteer point, clipped to land;
* a city is a band along its coastal built-up strip, clipped to land;
* a stretch of coast is a band about 20 km either side of the coast road, clipped to land,
  cut at stated longitudes, with the towns inside it cut out;
* a siege ring is a disc around the city minus the city and its outskirts.

All of these are approximate, and every feature says so. Run from the repository root:

    python geodata/build/control_geometry.py
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from shapely.geometry import LineString, Point, box, mapping, shape
from shapely.ops import unary_union

GEODATA = Path(__file__).resolve().parents[1]
BUILD = GEODATA / "build"
SIMPLIFY_DEG = 0.0008  # about 80 m: below what the areas' precision claims
GAP = 0.002  # about 200 m left between neighbouring areas cut from one another, so that
#              simplifying each on its own can never make two of them overlap


def _places() -> dict[str, tuple[float, float]]:
    with open(GEODATA / "places.csv", newline="", encoding="utf-8") as f:
        return {r["id"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)}


def _land():
    data = json.loads((GEODATA / "basemap/land.geojson").read_text())
    return unary_union([shape(f["geometry"]) for f in data["features"]])


def geometries() -> dict[str, object]:
    """Every named area the periods refer to."""
    places, land = _places(), _land()

    def town(place_id: str, radius_deg: float = 0.03):
        return Point(places[place_id]).buffer(radius_deg, 8).intersection(land)

    derna_city = LineString([(22.595, 32.760), (22.625, 32.765), (22.645, 32.763),
                             (22.670, 32.752)]).buffer(0.016).intersection(land)
    derna_old_city = Point(22.640, 32.766).buffer(0.0045, 8).intersection(land)
    derna_outskirts = LineString([(22.57, 32.735), (22.62, 32.725), (22.66, 32.715),
                                  (22.685, 32.70), (22.72, 32.72), (22.74, 32.745)]) \
        .buffer(0.025).intersection(land).difference(derna_city.buffer(GAP))
    derna_ring = Point(22.64, 32.74).buffer(0.30, 64).intersection(land) \
        .difference(derna_city.union(derna_outskirts).buffer(GAP))
    sirte_city = LineString([(16.53, 31.195), (16.565, 31.205), (16.60, 31.205),
                             (16.635, 31.195)]).buffer(0.02).intersection(land)
    towns = {
        "al_maheili": town("al-maheili"), "harawa": town("harawa"), "nofaliya": town("nofaliya"),
        "bin_jawad": town("bin-jawad"), "abu_grein": town("abu-grein"),
        "ghardabiya": town("ghardabiya", 0.035),
        "oil_crescent": town("es-sider", 0.035).union(town("ras-lanuf", 0.035)),
    }
    coast_road = LineString([places["abu-grein"], places["buwairat-al-hassun"], (16.2, 31.26),
                             (16.53, 31.195), places["sirte"], (16.70, 31.17), (17.15, 31.11),
                             places["harawa"], (17.6, 30.9), places["nofaliya"],
                             places["bin-jawad"]])
    cut_out = unary_union([sirte_city] + list(towns.values())).buffer(GAP)
    strip = coast_road.buffer(0.2).intersection(land).difference(cut_out)
    bands = {"strip_abu_grein": (15.0, 15.727), "strip_buwairat_sirte": (15.727, 16.62),
             "strip_sirte_east": (16.62, 16.95), "strip_sultan_harawa": (16.95, 17.45),
             "strip_harawa_nofaliya": (17.45, 17.96), "strip_nofaliya_bin_jawad": (17.96, 18.3)}
    out = {
        "derna_city": derna_city, "derna_old_city": derna_old_city,
        "derna_city_without_old_city": derna_city.difference(derna_old_city.buffer(GAP)),
        "derna_outskirts": derna_outskirts, "derna_ring": derna_ring, "sirte_city": sirte_city,
        # Sirte's districts as three schematic bands, west to east, following the GNA advance.
        "sirte_west": sirte_city.intersection(box(16.0, 30.0, 16.570, 32.0)),
        "sirte_centre": sirte_city.intersection(box(16.570, 30.0, 16.600, 32.0)),
        "sirte_east": sirte_city.intersection(box(16.600, 30.0, 17.0, 32.0)),
        **towns,
        **{name: strip.intersection(box(w, 29.0, e, 33.0)) for name, (w, e) in bands.items()},
    }
    return {name: geom.simplify(SIMPLIFY_DEG, preserve_topology=True).buffer(0)
            for name, geom in out.items()}


def _rounded(geometry) -> dict:
    def walk(c):
        return [round(c[0], 5), round(c[1], 5)] if isinstance(c[0], float) else [walk(x) for x in c]
    g = mapping(geometry)
    return {"type": g["type"], "coordinates": walk(g["coordinates"])}


AREA_NAMES = {  # English, French
    "derna_city": ("Derna city", "Ville de Derna"),
    "derna_old_city": ("Derna old city (holdout pockets)", "Vieille ville de Derna (poches de résistance)"),
    "derna_city_without_old_city": ("Derna city (outside the old city)", "Ville de Derna (hors vieille ville)"),
    "derna_outskirts": ("Derna outskirts (Al Fatayah, Hilah, Dahr al-Hamar)",
                        "Abords de Derna (Al Fatayah, Hilah, Dahr al-Hamar)"),
    "derna_ring": ("Around Derna (Ain Mara, Martuba; the siege line)",
                   "Autour de Derna (Aïn Mara, Martouba ; ligne de siège)"),
    "al_maheili": ("Al-Maheili", "Al-Maheili"), "sirte_city": ("Sirte city", "Ville de Syrte"),
    "sirte_west": ("Sirte, western districts (Ouagadougou centre, university)",
                   "Syrte, quartiers ouest (centre Ouagadougou, université)"),
    "sirte_centre": ("Sirte, central districts (Districts 1 and 2)",
                     "Syrte, quartiers centraux (quartiers 1 et 2)"),
    "sirte_east": ("Sirte, eastern districts (District 3, Giza al-Bahriya)",
                   "Syrte, quartiers est (quartier 3, Giza al-Bahriya)"),
    "ghardabiya": ("Ghardabiya air base", "Base aérienne de Ghardabiya"),
    "harawa": ("Harawa", "Harawa"), "nofaliya": ("Nofaliya", "Nofilia"),
    "bin_jawad": ("Bin Jawad", "Ben Jaouad"), "abu_grein": ("Abu Grein", "Abou Grein"),
    "oil_crescent": ("Es Sider and Ras Lanuf", "Es Sider et Ras Lanouf"),
    "strip_abu_grein": ("Coast road, Abu Grein to Buwairat al-Hassun",
                        "Route côtière, d'Abou Grein à Bouerat el-Hassoun"),
    "strip_buwairat_sirte": ("Coast road, Buwairat al-Hassun to Sirte",
                             "Route côtière, de Bouerat el-Hassoun à Syrte"),
    "strip_sirte_east": ("Coast road east of Sirte (to about 30 km)",
                         "Route côtière à l'est de Syrte (sur environ 30 km)"),
    "strip_sultan_harawa": ("Coast road, Sultan to Harawa", "Route côtière, de Sultan à Harawa"),
    "strip_harawa_nofaliya": ("Coast road, Harawa to Nofaliya", "Route côtière, de Harawa à Nofilia"),
    "strip_nofaliya_bin_jawad": ("Coast road, Nofaliya to Bin Jawad",
                                 "Route côtière, de Nofilia à Ben Jaouad"),
}
SIRTE_SPLIT = "2016-06-09"  # from this day the city is drawn as three districts
SIRTE_DISTRICTS_NOTE = ("District boundaries are schematic: the city is cut into three bands "
                        "west to east following the direction of the GNA advance; the real "
                        "district lines are not in our sources. ")


def _sirte_periods(period: dict, sources_for: dict) -> list[dict]:
    """Split the Sirte-city periods from June 2016 into the three schematic districts."""
    if period["area"] != "sirte_city" or period["valid_from"] < SIRTE_SPLIT:
        return [period]
    falls = {"sirte_west": ("2016-08-10", "Ouagadougou centre, Ibn Sina hospital and the "
                                          "university taken on 10 August 2016."),
             "sirte_centre": ("2016-08-29", "District 2 taken by 16 August and District 1 "
                                            "declared cleared on 29 August 2016."),
             "sirte_east": ("2016-12-06", "The last IS-held buildings in Giza al-Bahriya fell "
                                          "on 5–6 December 2016.")}
    out = []
    for district, (fell, what) in falls.items():
        note = SIRTE_DISTRICTS_NOTE + what
        if period["status"] == "contested":
            out.append({**period, "area": district, "valid_to": fell,
                        "precision": note + " " + period["precision"],
                        "sources": period["sources"] + sources_for[fell]})
        elif district != "sirte_east":
            out.append({**period, "area": district, "valid_from": fell,
                        "precision": note + " " + period["precision"],
                        "sources": sources_for[fell] + period["sources"]})
        else:
            out.append({**period, "area": district, "precision": note + " " + period["precision"]})
    return out


def _event_sources(event_ids: list[str], events: dict) -> list[dict]:
    seen, out = set(), []
    for eid in event_ids:
        for source in events[eid]["sources"]:
            if source["url"] not in seen:
                seen.add(source["url"])
                out.append(source)
    return out


def build_areas(shapes: dict, events: dict) -> list[dict]:
    periods = json.loads((BUILD / "control_periods.json").read_text(encoding="utf-8"))
    sources_for = {"2016-08-10": _event_sources(["2016-08-10-sirte"], events),
                   "2016-08-29": _event_sources(["2016-08-16-sirte", "2016-08-29-sirte"], events),
                   "2016-12-06": _event_sources(["2016-12-05-sirte"], events)}
    features, counts = [], {}
    for period in periods:
        for part in _sirte_periods(period, sources_for):
            area = part["area"]
            if area == "derna_city" and part["faction"] == "lna" and part["status"] == "held":
                area = "derna_city_without_old_city"
            counts[area] = counts.get(area, 0) + 1
            fid = f"{area}-{part['valid_from']}-{part['faction']}"
            features.append({"type": "Feature", "geometry": _rounded(shapes[area]), "properties": {
                "id": fid, "name": dict(zip(("en", "fr"), AREA_NAMES[area])),
                "faction": part["faction"],
                "status": part["status"], "contested_with": part["contested_with"],
                "valid_from": part["valid_from"], "valid_to": part["valid_to"],
                "precision": "Approximate boundary. " + part["precision"],
                **_assessment(part),
                "sources": part["sources"]}})
    return features


def _assessment(period: dict) -> dict:
    """How far the period is evidenced (reported / claimed / assumed), its note, and the
    maintainers' provenance, carried unchanged from control_periods.json."""
    keys = ("assessment", "assessment_note", "provenance")
    return {key: period[key] for key in keys if period.get(key) is not None}


# Towns whose drawn periods double as place observations, for the "estimated" layer: the
# same sourced facts, as a user with only a table of "place held by F on day D" would have.
OBSERVED_PLACES = {"derna_city": ["derna"], "derna_outskirts": ["al-fatayah"],
                   "al_maheili": ["al-maheili"], "sirte_city": ["sirte"],
                   "ghardabiya": ["ghardabiya"], "harawa": ["harawa"], "nofaliya": ["nofaliya"],
                   "bin_jawad": ["bin-jawad"], "abu_grein": ["abu-grein"],
                   "oil_crescent": ["es-sider", "ras-lanuf"]}


def build_observations(places: dict) -> list[dict]:
    """One observation per faction at the start of each period of the observed towns."""
    with open(GEODATA / "places.csv", newline="", encoding="utf-8") as f:
        names = {r["id"]: r["name_en"] for r in csv.DictReader(f)}
    periods = json.loads((BUILD / "control_periods.json").read_text(encoding="utf-8"))
    rows = []
    for period in periods:
        source = period["sources"][0]
        for place_id in OBSERVED_PLACES.get(period["area"], []):
            lon, lat = places[place_id]
            for faction in [period["faction"]] + period["contested_with"]:
                rows.append({"place": names[place_id], "lon": lon, "lat": lat,
                             "faction": faction, "date": period["valid_from"],
                             "publisher": source["publisher"], "url": source["url"],
                             "source_date": source["date"]})
    return rows


def build_movements(places: dict, events: dict) -> list[dict]:
    routes = json.loads((BUILD / "movement_routes.json").read_text(encoding="utf-8"))
    features = []
    for route in routes:
        coords = [places[w] if isinstance(w, str) else tuple(w) for w in route["waypoints"]]
        features.append({"type": "Feature",
                         "geometry": {"type": "LineString",
                                      "coordinates": [[round(x, 4), round(y, 4)] for x, y in coords]},
                         "properties": {
                             "id": route["id"], "faction": route["faction"], "start": route["start"],
                             "end": route["end"], "label": route["label"],
                             "precision": "Approximate route. " + route["precision"],
                             "sources": _event_sources(route["events"], events)}})
    return features


def main() -> None:
    events = {f["properties"]["id"]: f["properties"] for f in
              json.loads((GEODATA / "events.geojson").read_text(encoding="utf-8"))["features"]}
    areas = build_areas(geometries(), events)
    movements = build_movements(_places(), events)
    for name, features in (("control_areas.geojson", areas), ("movements.geojson", movements)):
        (GEODATA / name).write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                               ensure_ascii=False, indent=1), encoding="utf-8")
    observations = build_observations(_places())
    with open(GEODATA / "observations.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(observations[0]))
        writer.writeheader()
        writer.writerows(observations)
    print(f"control_areas.geojson: {len(areas)} areas; movements.geojson: {len(movements)} "
          f"routes; observations.csv: {len(observations)} observations")


if __name__ == "__main__":
    main()
