"""What every benchmark shares: its --quick flag (a few iterations on small inputs, so CI
runs each one and none can rot), the machine and date it ran on, and how figures print."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help="a few iterations on small inputs (CI runs every benchmark so)")
    return parser.parse_args()


def header(title: str, quick: bool) -> None:
    print(f"{title}{' (quick mode: too few runs to quote)' if quick else ''}")
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.machine()}; run {dt.date.today().isoformat()}")


def ms(values: list[float]) -> str:
    """Median and 95th percentile of durations in seconds, in milliseconds."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms, p95 {p95 * 1000:7.1f} ms"
