"""Reading CSV files the way users' files really are: with bad bytes, broken quotes and bad rows.

:func:`read_rows` yields one :class:`CsvRow` per record with its *physical* line number, and
reports a :class:`~clearance.errors.Problem` (and skips) for:

* a record holding bytes that are not UTF-8 (only that record is lost);
* an unterminated quote: Python's csv module would swallow the rest of the file into one field, so
  a record still open after :data:`MAX_RECORD_LINES` lines, or at the end of the file, is
  reported at the line where it started and parsing resumes on the next line;
* a record with more or fewer fields than the header.

Missing required columns are an :class:`~clearance.errors.ImportProblem` for the whole file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from clearance.errors import ImportProblem, InputError, Problem

MAX_RECORD_LINES = 40
_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    values: dict[str, str]


@dataclass(slots=True)
class CsvReport:
    problems: list[Problem]


def _parse(lines: Sequence[str]) -> list[str] | None:
    """Parse one record from physical lines; None when a quote is still open."""
    text = "".join(lines)
    if text.count('"') % 2 == 1:
        return None
    rows = list(csv.reader(io.StringIO(text), strict=True))
    return rows[0] if len(rows) == 1 else None


def read_rows(path: Path, required: Sequence[str], report: CsvReport) -> Iterator[CsvRow]:
    """Yield the good rows of ``path``; add a problem to ``report`` for every bad one."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}") from None
    text = raw.decode("utf-8", errors="surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    if not lines:
        raise ImportProblem(f"{name}: the file is empty", problems=[
            Problem("no header row", name, 1, hint=f"expected columns: {', '.join(required)}")])
    header = next(csv.reader([lines[0]]), [])
    header = [h.strip() for h in header]
    if _SURROGATE.search(lines[0]):
        raise ImportProblem(f"{name}: the header is not valid UTF-8",
                            problems=[Problem("invalid UTF-8 in the header", name, 1,
                                              hint="save the file as UTF-8")])
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportProblem(
            f"{name}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}",
            problems=[Problem(f"header has {', '.join(header) or '(nothing)'}", name, 1,
                              hint=f"required: {', '.join(required)}")],
        )
    i = 1
    while i < len(lines):
        start = i
        buf = [lines[i]]
        record = _parse(buf)
        while record is None and i + 1 < len(lines) and len(buf) < MAX_RECORD_LINES:
            i += 1
            buf.append(lines[i])
            record = _parse(buf)
        line_no = start + 1
        if record is None:
            report.problems.append(Problem(
                "unterminated quote: the record never closes its quoted field", name, line_no,
                hint="check the quotes on this line; the rows after it were still read"))
            i = start + 1
            continue
        i += 1
        if not any(v.strip() for v in record):
            continue
        if _SURROGATE.search("".join(record)):
            report.problems.append(Problem("invalid UTF-8 bytes in this row", name, line_no,
                                           hint="save the file as UTF-8; the row was skipped"))
            continue
        if len(record) != len(header):
            report.problems.append(Problem(
                f"{len(record)} fields where the header has {len(header)}", name, line_no,
                hint="a stray comma or quote; the row was skipped"))
            continue
        yield CsvRow(line_no, dict(zip(header, record, strict=True)))
