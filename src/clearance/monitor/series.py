"""Reading a series in NAB's layout: a CSV with a ``timestamp,value`` header, one row per point.

The series is read whole and checked before anything is judged: a detector fed a series with a
row skipped would judge every later point against a different past, so a file with bad rows is
refused with every problem located (``file:line: message``), not read in part. The strings of
``timestamp`` and ``value`` are kept exactly as read, so the output can repeat them.

Timestamps are ISO 8601 (``2015-02-26 21:42:53``, ``2015-02-26T21:42:53Z``, with an offset) or
POSIX seconds; one without a zone is taken as UTC. They must increase from row to row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from clearance.content.csvrows import physical_lines, read_table
from clearance.errors import ImportProblem, InputError, Problem

COLUMNS: Final = ("timestamp", "value")
_MAX_PROBLEMS: Final = 50


@dataclass(frozen=True, slots=True)
class Series:
    """A checked series: per row its line, the two fields as read, and their parsed values."""

    name: str
    lines: tuple[int, ...]
    timestamps: tuple[str, ...]
    values: tuple[str, ...]
    times: tuple[float, ...]
    """POSIX seconds."""
    numbers: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.lines)


def parse_time(text: str) -> float | None:
    """POSIX seconds of an ISO 8601 timestamp (UTC when it has no zone) or of a plain number."""
    stripped = text.strip()
    try:
        seconds = float(stripped)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) else None
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def read_series(path: Path) -> Series:
    """Read and check ``path``; :class:`~clearance.errors.InputError` lists every bad row."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{name}: not UTF-8 text; nothing was read",
                         problems=[Problem("invalid UTF-8", name, line,
                                           hint="save the file as UTF-8")]) from None
    problems: list[Problem] = []
    lines: list[int] = []
    stamps: list[str] = []
    values: list[str] = []
    times: list[float] = []
    numbers: list[float] = []
    rows = read_table(physical_lines(text), name, COLUMNS,
                      expected="expected NAB's layout, a header line 'timestamp,value'")
    for row in rows:
        if isinstance(row, Problem):
            problems.append(row)
            continue
        stamp, value = row.values["timestamp"], row.values["value"]
        at = parse_time(stamp)
        number = _number(value)
        if at is None:
            problems.append(Problem(f"unreadable timestamp {stamp!r}", name, row.line,
                                    hint="use ISO 8601, e.g. 2015-02-26 21:42:53, or POSIX "
                                         "seconds"))
        elif times and at <= times[-1]:
            problems.append(Problem(f"timestamp {stamp!r} does not come after the previous "
                                    f"row's ({stamps[-1]!r}, line {lines[-1]})", name, row.line,
                                    hint="rows must be in time order, one per timestamp"))
        if number is None:
            problems.append(Problem(f"value {value!r} is not a number", name, row.line))
        if at is not None and number is not None and not (times and at <= times[-1]):
            lines.append(row.line)
            stamps.append(stamp)
            values.append(value)
            times.append(at)
            numbers.append(number)
        if len(problems) >= _MAX_PROBLEMS:
            break
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        more = " (the first 50 are listed)" if len(problems) >= _MAX_PROBLEMS else ""
        raise InputError(f"{name}: {len(shown)} row(s) cannot be used{more}; nothing was "
                         "written", problems=shown)
    if not lines:
        raise ImportProblem(f"{name}: no rows after the header; nothing to judge")
    return Series(name, tuple(lines), tuple(stamps), tuple(values), tuple(times), tuple(numbers))


def _number(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
