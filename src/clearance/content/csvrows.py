"""Reading CSV files the way users' files really are: with bad bytes, broken quotes and bad rows.

Records are parsed **line-aware**, one at a time from the physical lines, so every problem names
the line where its record starts. A quoted field may legitimately span lines, but an
*unterminated* quote would make a plain CSV reader swallow the rest of the file. So when a record
runs over several lines, each continuation line is tried on its own: if one parses as a complete
row with the header's number of fields, the record is reported as having an unterminated quote and
reading resumes at that line, so the good rows after it are still read.

:func:`read_table` checks the header (missing or duplicated required columns are an
:class:`~clearance.errors.ImportProblem` for the whole file) and yields a :class:`CsvRow` per good
record or a located :class:`~clearance.errors.Problem` per bad one (broken quoting, wrong number of
fields). Both the catalog import and ``clearance screen FILE.csv`` read CSV through it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from clearance.content.reading import SCREEN_HINT, read_limited
from clearance.errors import ImportProblem, Problem

QUOTE_HINT: Final = (
    "a field containing a comma, quote or line break must be quoted, with quotes inside it doubled"
)
_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True, slots=True)
class CsvRow:
    """A good record: its physical line and its values by column name."""

    line: int
    values: dict[str, str]


class _Feed:
    """Hands physical lines to ``csv.reader`` and remembers how many it took."""

    __slots__ = ("lines", "position")

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.position = start

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.lines):
            raise StopIteration
        self.position += 1
        return self.lines[self.position - 1]


def physical_lines(text: str) -> list[str]:
    """The file's lines with their endings, split on ``\\n`` only (``\\r\\n`` stays whole)."""
    lines = text.split("\n")
    last = lines.pop()
    result = [line + "\n" for line in lines]
    if last:
        result.append(last)
    return result


def parse_at(lines: list[str], start: int) -> tuple[list[str] | None, int, str | None]:
    """One record from ``lines[start:]``: ``(fields, next line index, csv error)``."""
    feed = _Feed(lines, start)
    try:
        fields = next(csv.reader(feed, strict=True))
    except StopIteration:
        return None, len(lines), None
    except csv.Error as exc:
        return None, max(feed.position, start + 1), str(exc)
    return fields, feed.position, None


def _is_row_start(line: str, width: int) -> bool:
    fields, _, error = parse_at([line], 0)
    return error is None and fields is not None and len(fields) == width


def _records(lines: list[str], display: str, start: int,
             width: int) -> Iterator[tuple[int, list[str]] | Problem]:
    """``(line, fields)`` from ``lines[start:]``, or a located :class:`Problem` per broken one."""
    i = start
    while i < len(lines):
        fields, after, error = parse_at(lines, i)
        if fields == [] or (fields is None and error is None):
            i = after  # a blank line
            continue
        if after - i > 1 or error is not None:
            restart = next((k for k in range(i + 1, after) if _is_row_start(lines[k], width)), None)
            if restart is not None:
                yield Problem(
                    f"unterminated quote: this record runs on into the row at line {restart + 1};"
                    " record skipped", file=display, line=i + 1, hint=QUOTE_HINT)
                i = restart
                continue
            if error is not None:
                where = f"line {i + 1}" if after - i == 1 else f"lines {i + 1}-{after}"
                yield Problem(f"malformed CSV quoting ({error}); {where} skipped", file=display,
                              line=i + 1, hint=QUOTE_HINT)
                i = after
                continue
        if fields is not None:
            yield i + 1, fields
        i = after


def read_table(lines: list[str], display: str, required: Sequence[str], *,
               expected: str | None = None) -> Iterator[CsvRow | Problem]:
    """Rows of a CSV given as physical lines; :class:`ImportProblem` when the file cannot be
    used at all (empty, unreadable header, missing or duplicated required columns)."""
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise ImportProblem(f"{display}: the file is empty; nothing was read from it")
    header_fields, body_at, error = parse_at(lines, header_at)
    if header_fields is None or error is not None:
        raise ImportProblem(
            f"{display}: cannot read the CSV header; nothing was read from it",
            problems=[Problem(f"malformed header ({error})", file=display, line=header_at + 1)])
    header = [h.strip() for h in header_fields]
    missing = [c for c in required if c not in header]
    duplicated = sorted({h for h in header if header.count(h) > 1 and h in required})
    if missing or duplicated:
        what = []
        if missing:
            what.append(f"missing required column(s): {', '.join(missing)}")
        if duplicated:
            what.append(f"duplicated column(s): {', '.join(duplicated)}")
        raise ImportProblem(
            f"{display}: {expected or 'the CSV lacks the columns needed'}; nothing was read",
            problems=[Problem("; ".join(what), file=display, line=header_at + 1,
                              hint=f"the header has {', '.join(header) or '(nothing)'}; "
                                   f"required: {', '.join(required)}")])
    for item in _records(lines, display, body_at, len(header)):
        if isinstance(item, Problem):
            yield item
            continue
        line, fields = item
        if len(fields) != len(header):
            yield Problem(f"expected {len(header)} fields, found {len(fields)}; record skipped",
                          file=display, line=line, hint=QUOTE_HINT)
            continue
        yield CsvRow(line, dict(zip(header, fields, strict=True)))


def read_rows(path: Path, required: Sequence[str], problems: list[Problem], *,
              allow_special: bool = False) -> Iterator[CsvRow]:
    """The good rows of ``path`` for screening; every bad row is added to ``problems``.

    Unlike the catalog import, which refuses a file that is not UTF-8 as a whole, screening
    reads what it can: a record holding bytes that are not UTF-8 is reported and skipped. A
    device or FIFO is refused unless ``allow_special`` (see :mod:`clearance.content.reading`).
    """
    raw = read_limited(path, None, allow_special=allow_special, how_to_allow=SCREEN_HINT)
    return rows_of(raw, str(path), required, problems)


def count_records(path: Path) -> int | None:
    """How many records ``path`` holds after its header (for a progress total), or ``None`` when
    it cannot be counted cheaply (not a regular file, unreadable)."""
    try:
        if not path.is_file():
            return None
        with path.open("rb") as fh:
            text = fh.read().decode("utf-8", errors="surrogateescape")
    except OSError:
        return None
    return count_text_records(text)


def count_text_records(text: str) -> int:
    """The records after the header of CSV ``text`` (a quoted line break stays in its record)."""
    lines = physical_lines(text.removeprefix("\ufeff"))
    n, quoted = 0, False
    for line in lines:
        if not quoted and line.strip():
            n += 1
        quoted ^= line.count('"') % 2 == 1
    return max(0, n - 1)


def rows_of(raw: bytes, name: str, required: Sequence[str], problems: list[Problem],
            ) -> Iterator[CsvRow]:
    """The good rows of CSV bytes read from ``name`` (a file, or standard input); every bad row
    is added to ``problems``."""
    text = raw.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    lines = physical_lines(text)
    if lines and _SURROGATE.search(lines[0]):
        raise ImportProblem(f"{name}: the header is not valid UTF-8",
                            problems=[Problem("invalid UTF-8 in the header", name, 1,
                                              hint="save the file as UTF-8")])
    for item in read_table(lines, name, required):
        if isinstance(item, Problem):
            problems.append(item)
        elif any(_SURROGATE.search(v) for v in item.values.values()):
            problems.append(Problem("invalid UTF-8 bytes in this row", name, item.line,
                                    hint="save the file as UTF-8; the row was skipped"))
        else:
            yield item
