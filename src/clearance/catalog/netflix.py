"""Reader for the Netflix catalog CSV (``show_id,type,title,director,cast,...``).

Each data row becomes one title: ``Movie`` -> ``movie``, ``TV Show`` -> ``series``; the cast and
director lists (comma-separated) become credits; ``listed_in`` the genres; ``country`` the
countries; the description an asset (kind ``synopsis``, locale ``en``, channel ``catalog``)
whose version holds the text.

The CSV is read line-aware by :func:`~clearance.content.csvrows.read_table`, so every problem
names the line where its record starts and an unterminated quote loses only its own record.
"""

from __future__ import annotations

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
from clearance.catalog.sources import ParsedCatalog, read_text
from clearance.content.csvrows import physical_lines, read_table
from clearance.errors import Problem
from clearance.identifiers import identifier_problem

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
    parsed = ParsedCatalog()
    seen: dict[str, int] = {}
    rows = read_table(lines, display, REQUIRED_COLUMNS,
                      expected="not a Netflix catalog CSV")
    for item in rows:
        if isinstance(item, Problem):
            parsed.problems.append(item)
            parsed.skipped += 1
            continue
        row = item.values
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
    elif (id_problem := identifier_problem(show_id)) is not None:
        problem("show_id", f"not a usable id: {id_problem}", "ids are typed plainly, like s2032")
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
