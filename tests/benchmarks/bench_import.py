"""Benchmark: importing a big ACLED export.

Writes an ACLED-format CSV (1,000,000 rows by default; realistic columns, actors, places and
notes) to a temporary folder, imports it with `import_file` in a child process, then loads
the result with `load_record` in another child, and prints rows/s, times and peak resident
memory (ru_maxrss of each child). The import's peak is also taken just before its final
check (load_record of the finished folder): that is the peak of reading, sorting (sorted
runs on disk, merged: dashboard.importers.runs) and writing, which should not grow with the
number of rows. Run:

    .venv/bin/python tests/benchmarks/bench_import.py [--rows 1000000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import ROOT, header  # noqa: E402,F401  (common puts ROOT on sys.path)

HEADER = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
          "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
          "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
          "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
          "source_scale", "notes", "fatalities", "tags", "timestamp"]
KINDS = [("Political violence", "Battles", "Armed clash", 30),
         ("Political violence", "Battles", "Government regains territory", 2),
         ("Political violence", "Battles", "Non-state actor overtakes territory", 2),
         ("Political violence", "Explosions/Remote violence", "Shelling/artillery/missile attack", 14),
         ("Political violence", "Explosions/Remote violence", "Air/drone strike", 10),
         ("Political violence", "Explosions/Remote violence", "Remote explosive/landmine/IED", 5),
         ("Political violence", "Violence against civilians", "Attack", 10),
         ("Political violence", "Violence against civilians", "Abduction/forced disappearance", 3),
         ("Demonstrations", "Protests", "Peaceful protest", 15),
         ("Demonstrations", "Riots", "Violent demonstration", 3),
         ("Strategic developments", "Strategic developments", "Looting/property destruction", 3),
         ("Strategic developments", "Strategic developments", "Arrests", 3)]
ACTORS = (["Islamic State (Libya)", "Military Forces of Libya (2014-) Libyan National Army",
           "Police Forces of Libya (2014-) Government of National Accord", "Civilians (Libya)",
           "Derna Mujahideen Shura Council", "Unidentified Armed Group (Libya)",
           "Protesters (Libya)", "Rioters (Libya)", "Military Forces of Egypt (2014-)",
           "Petroleum Facilities Guard"]
          + [f"{town} Communal Militia (Libya)" for town in (
              "Misrata", "Zintan", "Zawiya", "Tarhuna", "Tebu", "Awlad Suleiman", "Gharyan",
              "Warshefana", "Kufra", "Sabha", "Ubari", "Bani Walid")]
          + [f"Brigade {n} (Libya)" for n in range(40)])
OUTLETS = ["Libya Herald", "Libya Observer", "Al Wasat", "Reuters", "AFP", "Libya Review",
           "Facebook", "Twitter", "Anadolu Agency", "Libya Al Ahrar"]
SCALES = ["National", "Subnational", "International", "New media", "Other-National"]


def places(rng: random.Random, count: int) -> list[tuple[str, str, str, float, float]]:
    """Distinct locations around the bundled gazetteer's towns."""
    with open(ROOT / "geodata" / "places.csv", newline="", encoding="utf-8") as f:
        towns = [(r["name_en"], float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)]
    out = []
    for k in range(count):
        name, lon, lat = towns[k % len(towns)]
        location = f"{name} district {k // len(towns)}" if k >= len(towns) else name
        out.append((f"{name} region", name, location, round(lon + rng.uniform(-0.3, 0.3), 4),
                    round(lat + rng.uniform(-0.3, 0.3), 4)))
    return out  # admin1, admin2, location, lon, lat


def generate(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    spots = places(rng, 20_000)
    weights = [k[3] for k in KINDS]
    start = dt.date(2014, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            disorder, etype, subtype, _ = rng.choices(KINDS, weights)[0]
            day = start + dt.timedelta(days=rng.randrange(4000))
            actor1, actor2 = rng.sample(ACTORS, 2)
            if etype == "Protests":
                actor1, actor2 = "Protesters (Libya)", ""
            admin1, admin2, location, lon, lat = rng.choice(spots)
            outlets = "; ".join(rng.sample(OUTLETS, rng.choice((1, 1, 2))))
            notes = (f"On {day:%d %B %Y}, {actor1} and {actor2 or 'unidentified persons'} were "
                     f"involved in {subtype.lower()} in {location} ({admin1}). "
                     + rng.choice(['No fatalities reported.', 'Casualties unknown.',
                                   'Several people were wounded.']))
            writer.writerow([
                f"LBY{i + 1}", day.isoformat(), day.year, rng.choice((1, 1, 1, 2, 3)), disorder,
                etype, subtype, actor1, "", rng.randrange(1, 9), actor2, "", rng.randrange(0, 9),
                rng.randrange(10, 88), "Civilian targeting" if "civilians" in etype.lower() else "",
                434, "Northern Africa", "Libya", admin1, admin2, "", location, lat, lon,
                rng.choice((1, 1, 2, 2, 3)), outlets, rng.choice(SCALES), notes,
                rng.choice((0, 0, 0, 1, 2, 3, 5, 10)), "", 1_700_000_000 + i])


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child_import(csv_path: Path, datasets: Path) -> dict:
    from dashboard.importers import import_file

    marks = {}

    def progress(step):
        if step.stage == "reading":
            print(f"  read {step.rows:,} rows ({step.fraction:.0%}), "
                  f"{time.perf_counter() - started:.1f} s, peak {peak_mib():.0f} MiB",
                  file=sys.stderr, flush=True)
        elif step.stage == "validating":
            marks["streaming_peak_mib"] = peak_mib()
            print("  final check (load_record, the events as columns)…", file=sys.stderr, flush=True)

    started = time.perf_counter()
    report = import_file(csv_path, dataset="big", datasets_dir=datasets, max_bytes=2**32,
                         progress=progress)
    assert report.ok, report.as_text()[:2000]
    return {**marks, "timings": report.timings, "counts": report.counts,
            "peak_mib": peak_mib(), "wall": time.perf_counter() - started}


def child_load(folder: Path) -> dict:
    from dashboard.records import load_record

    started = time.perf_counter()
    record = load_record(folder)
    return {"events": len(record.events), "seconds": time.perf_counter() - started,
            "peak_mib": peak_mib()}


def in_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True,
                         stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true",
                        help="2,000 rows (CI runs every benchmark so)")
    parser.add_argument("--keep", help="folder to keep the CSV and dataset in")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *paths = args.child
        result = child_import(Path(paths[0]), Path(paths[1])) if kind == "import" \
            else child_load(Path(paths[0]))
        print(json.dumps(result))
        return
    rows = 2_000 if args.quick else args.rows
    header(f"Import benchmark: a generated ACLED CSV of {rows:,} rows", args.quick)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        csv_path = work / "acled-big.csv"
        started = time.perf_counter()
        generate(csv_path, rows)
        size = csv_path.stat().st_size
        print(f"generated {rows:,} rows, {size / 2**20:.0f} MiB in "
              f"{time.perf_counter() - started:.0f} s")
        result = in_child("import", str(csv_path), str(work / "datasets"))
        t = result["timings"]
        print(f"import: {result['counts']['events']:,} events in {t['total']:.1f} s "
              f"({rows / t['total']:,.0f} rows/s overall)")
        print(f"  reading and checking the rows (sorted runs spilled to disk): "
              f"{t['reading']:.1f} s ({rows / t['reading']:,.0f} rows/s)")
        print(f"  merging the runs and writing the dataset: {t['writing']:.1f} s; peak RSS "
              f"so far {result['streaming_peak_mib']:.0f} MiB")
        print(f"  final check of the folder (load_record): {t['validating']:.1f} s; peak RSS "
              f"of the whole import {result['peak_mib']:.0f} MiB")
        events = work / "datasets" / "big" / "events.parquet"
        print(f"  events.parquet: {events.stat().st_size / 2**20:.0f} MiB")
        loaded = in_child("load", str(work / "datasets" / "big"))
        print(f"load_record alone (as the app loads it): {loaded['events']:,} events in "
              f"{loaded['seconds']:.1f} s, peak RSS {loaded['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
