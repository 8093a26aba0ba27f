"""Derive the petition curve shape the replay ships (``clearance.demo.petition_shape``) from a
real petition: ``../shared/data/uk-petition-timeseries/viewyonder_petition_700143_counts.csv``.

The shape is the share of the first week's signatures reached at the end of each hour of that
week (168 numbers): the count at ``t0 + h`` hours (linear between polls, across the gaps in the
polling), less the count at ``t0``, over the week's growth. ``t0`` is the first poll. The replay
scales it to its own petition (0 to 126,000 over a week), so it grows the way a real petition
grew — a first day's burst, a daily rhythm, a decay — without shipping a copy of the data.

    .venv/bin/python bench/derive_petition_shape.py            # prints the constant
    .venv/bin/python bench/derive_petition_shape.py --check    # compares with the shipped one
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import os
import sys
from pathlib import Path

HOURS = 168
SOURCE = "uk-petition-timeseries/viewyonder_petition_700143_counts.csv"


def data_dir() -> Path:
    env = os.environ.get("CLEARANCE_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def derive(path: Path, hours: int = HOURS) -> tuple[float, ...]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [(dt.datetime.fromisoformat(r["timestamp"]).timestamp(), int(r["count"]))
                for r in csv.DictReader(fh)]
    rows.sort()
    t0 = rows[0][0]

    def count_at(t: float) -> float:
        for (ta, ca), (tb, cb) in itertools.pairwise(rows):
            if ta <= t <= tb:
                return ca + (cb - ca) * ((t - ta) / (tb - ta) if tb > ta else 0.0)
        return float(rows[-1][1])

    start, end = count_at(t0), count_at(t0 + hours * 3600)
    return tuple(round((count_at(t0 + h * 3600) - start) / (end - start), 4)
                 for h in range(1, hours + 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the shipped shape differs from the derived one")
    args = parser.parse_args()
    path = data_dir() / SOURCE
    if not path.is_file():
        print(f"no {path}: nothing to derive from", file=sys.stderr)
        return 2
    shape = derive(path)
    if args.check:
        from clearance.demo.petition_shape import CUMULATIVE

        worst = max(abs(a - b) for a, b in zip(shape, CUMULATIVE, strict=True))
        print(f"largest difference from the shipped shape: {worst:.4f}")
        return 0 if worst <= 0.001 else 1
    body = ", ".join(f"{v:.4f}" for v in shape)
    print(f"CUMULATIVE: Final = ({body})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
