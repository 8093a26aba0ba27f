"""``clearance monitor``: the after-release monitor's commands (``docs/monitor.md``).

``monitor spikes`` runs the spike detector (:mod:`clearance.monitor.spikes`) over a series file in
NAB's layout and writes one verdict per row, so a series can be checked by hand, scored with NAB's
rules (``bench/bench_nab.py``) or fed to another tool.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TextIO

import click

from clearance.cli.common import handle_errors
from clearance.errors import InputError
from clearance.monitor.series import Series, read_series
from clearance.monitor.spikes import DEFAULT_SETTINGS, SpikeSeries, detect

OUTPUT_COLUMNS = ("timestamp", "value", "score", "flag")


@click.group("monitor")
def monitor_group() -> None:
    """After release: judge per-title series (post volumes, negativity) and find spikes."""


@monitor_group.command("spikes")
@click.argument("series", type=click.Path(dir_okay=False, path_type=Path), metavar="SERIES.csv")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True,
              help="Output format: CSV with the columns timestamp,value,score,flag.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@handle_errors
def spikes(series: Path, fmt: str, output: Path | None) -> None:
    """Find spikes in a series and say where an alert fires.

    SERIES.csv is in NAB's layout: a header line timestamp,value, then one row per point in
    time order (timestamps ISO 8601, UTC unless they carry a zone, or POSIX seconds; values are
    counts, or any numbers such as a share negative).

    Writes one row per input row, with the columns:

    \b
      timestamp  copied exactly as read
      value      copied exactly as read
      score      -log10 of the estimated chance of a point this extreme in this
                 series (0: unremarkable; 3: one point in a thousand)
      flag       1 where an alert fires, else 0 (score >= 3.25 after a day of
                 warm-up, at most one alert a day)

    Online: each row is judged from that row and the rows before it only, so appending rows
    never changes the output of the rows already there. A file with unusable rows (no header,
    a value that is not a number, an unreadable or out-of-order timestamp) is refused with every
    problem as file:line, and nothing is written (exit 3).
    """
    del fmt  # one format for now; the option keeps the contract's spelling
    data = read_series(series)
    result = detect(data.times, data.numbers, DEFAULT_SETTINGS)
    if output is None:
        _write_csv(sys.stdout, data, result)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as out:
            _write_csv(out, data, result)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None


def _write_csv(out: TextIO, data: Series, result: SpikeSeries) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    for stamp, value, score, flag in zip(data.timestamps, data.values, result.scores,
                                         result.flags, strict=True):
        writer.writerow((stamp, value, f"{score:.4f}", "1" if flag else "0"))
