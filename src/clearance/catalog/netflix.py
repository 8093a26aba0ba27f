"""Reader for the Netflix catalog CSV (``show_id,type,title,director,cast,...``).

Each data row becomes one title: ``Movie`` -> ``movie``, ``TV Show`` -> ``series``; the cast and
director lists (comma-separated) become credits; ``listed_in`` the genres; ``country`` the
countries; the description an asset (kind ``synopsis``, locale ``en``, channel ``catalog``)
whose version holds the text.

The CSV is read **line-aware**: records are parsed one at a time from the physical lines, so
every problem names the line where its record starts. A quoted field may legitimately span
lines, but an *unterminated* quote would make a plain CSV reader swallow the rest of the file.
So when a record runs over several lines, each continuation line is tried on its own: if one
parses as a complete row with the header's number of fields, the record is reported as having
an unterminated quote and reading resumes at that line, so the good rows after it still land.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from clearance.catalog.records import (
    MAX_LENGTH,
    AssetRecord,
    CreditRecord,
    PersonRecord,
    TitleRecord,
    VersionRecord,
    clean_text,
)
from clearance.catalog.sources import ParsedCatalog, physical_lines, read_text
from clearance.errors import ImportProblem, Problem

NETFLIX_COLUMNS: Final = (
    "show_id",
    "type",
    "title",
    "director",
    "cast",
    "country",
    "date_added",
    "release_year",
    "rating",
    "duration",
    "listed_in",
    "description",
)
#: Columns the import uses; ``date_added`` and ``duration`` may be absent.
REQUIRED_COLUMNS: Final = tuple(c for c in NETFLIX_COLUMNS if c not in ("date_added", "duration"))
TYPES: Final = {"Movie": "movie", "TV Show": "series"}
SYNOPSIS_LOCALE: Final = "en"
SYNOPSIS_CHANNEL: Final = "catalog"
TEXT_CONTENT_TYPE: Final = "text/plain; charset=utf-8"
YEAR_RANGE: Final = (1870, 2100)
QUOTE_HINT: Final = (
    "a field containing a comma, quote or line break must be quoted, with quotes inside it doubled"
)


@dataclass(frozen=True, slots=True)
class CsvRecord:
    line: int
    fields: list[str]


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


def _parse_at(lines: list[str], start: int) -> tuple[list[str] | None, int, str | None]:
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
    fields, _, error = _parse_at([line], 0)
    return error is None and fields is not None and len(fields) == width


def read_records(
    lines: list[str], display: str, start: int, width: int
) -> Iterator[CsvRecord | Problem]:
    """Records from ``lines[start:]``, or a located :class:`Problem` for each broken one."""
    i = start
    while i < len(lines):
        fields, after, error = _parse_at(lines, i)
        if fields == [] or (fields is None and error is None):
            i = after  # a blank line
            continue
        if after - i > 1 or error is not None:
            restart = next((k for k in range(i + 1, after) if _is_row_start(lines[k], width)), None)
            if restart is not None:
                yield Problem(
                    f"unterminated quote: this record runs on into the row at line {restart + 1};"
                    " record skipped",
                    file=display,
                    line=i + 1,
                    hint=QUOTE_HINT,
                )
                i = restart
                continue
            if error is not None:
                where = f"line {i + 1}" if after - i == 1 else f"lines {i + 1}-{after}"
                yield Problem(
                    f"malformed CSV quoting ({error}); {where} skipped",
                    file=display,
                    line=i + 1,
                    hint=QUOTE_HINT,
                )
                i = after
                continue
        if fields is not None:
            yield CsvRecord(i + 1, fields)
        i = after


def _split_list(value: str) -> tuple[str, ...]:
    items: dict[str, None] = {}
    for part in value.split(","):
        cleaned = clean_text(part)
        if cleaned:
            items.setdefault(cleaned)
    return tuple(items)


def read_netflix_csv(path: Path, display: str) -> ParsedCatalog:
    """Read a Netflix-layout CSV; a file-level problem raises :class:`ImportProblem`."""
    lines = physical_lines(read_text(path, display))
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise ImportProblem(f"{display}: the file is empty; nothing was imported")
    header_fields, body_at, error = _parse_at(lines, header_at)
    if header_fields is None or error is not None:
        raise ImportProblem(
            f"{display}: cannot read the CSV header; nothing was imported",
            problems=[Problem(f"malformed header ({error})", file=display, line=header_at + 1)],
        )
    header = [h.strip() for h in header_fields]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if missing or duplicated:
        what = []
        if missing:
            what.append(f"missing required column(s): {', '.join(missing)}")
        if duplicated:
            what.append(f"duplicated column(s): {', '.join(duplicated)}")
        raise ImportProblem(
            f"{display}: not a Netflix catalog CSV; nothing was imported",
            problems=[
                Problem(
                    "; ".join(what),
                    file=display,
                    line=header_at + 1,
                    hint=f"the header must name the columns {','.join(NETFLIX_COLUMNS)}",
                )
            ],
        )
    parsed = ParsedCatalog()
    seen: dict[str, int] = {}
    for item in read_records(lines, display, body_at, len(header)):
        if isinstance(item, Problem):
            parsed.problems.append(item)
            parsed.skipped += 1
            continue
        if len(item.fields) != len(header):
            parsed.problems.append(
                Problem(
                    f"expected {len(header)} fields, found {len(item.fields)}; record skipped",
                    file=display,
                    line=item.line,
                    hint=QUOTE_HINT,
                )
            )
            parsed.skipped += 1
            continue
        row = dict(zip(header, item.fields, strict=True))
        record, problems, warnings = _title_from_row(row, item.line, display)
        parsed.warnings.extend(warnings)
        if record is not None and record.id in seen:
            problems.append(
                Problem(
                    f"duplicate show_id {record.id!r} (first at line {seen[record.id]}); "
                    "record skipped",
                    file=display,
                    line=item.line,
                    field="show_id",
                )
            )
        if record is None or problems:
            parsed.problems.extend(problems)
            parsed.skipped += 1
            continue
        seen[record.id] = item.line
        parsed.titles.append(record)
    return parsed


def _title_from_row(
    row: dict[str, str], line: int, display: str
) -> tuple[TitleRecord | None, list[Problem], list[Problem]]:
    problems: list[Problem] = []
    warnings: list[Problem] = []

    def problem(column: str, message: str, hint: str | None = None) -> None:
        problems.append(Problem(message, file=display, line=line, field=column, hint=hint))

    def bounded(column: str, value: str, limit: int) -> str:
        if len(value) > limit:
            problem(column, f"longer than {limit} characters")
        return value

    show_id = bounded("show_id", clean_text(row["show_id"]), MAX_LENGTH["id"])
    if not show_id:
        problem("show_id", "empty", "every row needs its catalog id, like s2032")
    title = bounded("title", clean_text(row["title"]), MAX_LENGTH["title"])
    if not title:
        problem("title", "empty", "every row needs a title")
    raw_type = clean_text(row["type"])
    kind = TYPES.get(raw_type)
    if kind is None:
        problem("type", f"unknown type {raw_type!r}", "expected 'Movie' or 'TV Show'")
    year: int | None = None
    raw_year = clean_text(row["release_year"])
    if raw_year:
        if not raw_year.isascii() or not raw_year.isdigit():
            problem("release_year", f"not a number: {raw_year!r}", "expected a year like 2020")
        elif not YEAR_RANGE[0] <= int(raw_year) <= YEAR_RANGE[1]:
            problem(
                "release_year",
                f"implausible year {raw_year}",
                f"expected {YEAR_RANGE[0]}-{YEAR_RANGE[1]}",
            )
        else:
            year = int(raw_year)
    rating = bounded("rating", clean_text(row["rating"]), MAX_LENGTH["rating"]) or None
    if rating and rating.endswith(" min") and not clean_text(row.get("duration", "")):
        warnings.append(
            Problem(
                f"{rating!r} is a duration, not a rating; stored without a rating",
                file=display,
                line=line,
                field="rating",
                hint="in the source this row's duration sits in the rating column",
            )
        )
        rating = None
    credits: list[CreditRecord] = []
    for column, role in (("director", "director"), ("cast", "cast")):
        for name in _split_list(row[column]):
            credits.append(
                CreditRecord(PersonRecord(bounded(column, name, MAX_LENGTH["person"])), role)
            )
    description = row["description"].strip()
    assets: tuple[AssetRecord, ...] = ()
    if description:
        version = VersionRecord(description.encode("utf-8"), TEXT_CONTENT_TYPE, line=line)
        assets = (AssetRecord("synopsis", SYNOPSIS_LOCALE, SYNOPSIS_CHANNEL, (version,)),)
    if problems or kind is None:
        return None, problems, warnings
    record = TitleRecord(
        id=show_id,
        original_title=title,
        type=kind,
        rating=rating,
        release_year=year,
        genres=_split_list(row["listed_in"]) or None,
        countries=_split_list(row["country"]) or None,
        credits=tuple(credits),
        assets=assets,
        line=line,
    )
    return record, problems, warnings
