"""Reading catalog files as text, and what a reader hands to the importer.

Catalog files must be UTF-8 (a byte-order mark is allowed). A file that is not is refused as a
whole, with the physical line and byte where decoding fails, before anything is written. Line
numbers everywhere in the importers are physical lines of the file (1-based), as an editor shows
them, even when a CSV record spans several lines.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from clearance.catalog.records import PersonRecord, TitleRecord
from clearance.content.reading import read_limited
from clearance.errors import ContentError, ImportProblem, Problem

UTF8_HINT = "save the file as UTF-8 (it may be in Latin-1 or Windows-1252)"


@dataclass(slots=True)
class ParsedCatalog:
    """A reader's result: valid records, and every problem found on the way."""

    titles: list[TitleRecord] = field(default_factory=list)
    #: People to create or date even when no title in the file credits them.
    people: list[tuple[PersonRecord, int | None]] = field(default_factory=list)
    #: Titles (or CSV records) left out because of a problem.
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def read_bytes(path: Path, display: str) -> bytes:
    """The file's bytes; a missing file, a folder, a device or FIFO (``/dev/zero`` never ends)
    or an unreadable file is an :class:`ImportProblem`."""
    if path.is_dir():
        raise ImportProblem(f"{display}: is a folder, not a catalog file")
    try:
        return read_limited(path, None)
    except ContentError as exc:
        raise ImportProblem(f"{display}: {exc.message.removeprefix(f'{path}: ')}") from exc


def decode_utf8(data: bytes, display: str) -> str:
    """The text of ``data``; :class:`ImportProblem` naming line and byte if it is not UTF-8."""
    has_bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if has_bom else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(codecs.BOM_UTF8) if has_bom else 0)
        line = data.count(b"\n", 0, offset) + 1
        column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
        bad = data[offset : offset + max(1, exc.end - exc.start)].hex(" ")
        raise ImportProblem(
            f"{display} is not valid UTF-8; nothing was imported from it",
            problems=[
                Problem(
                    f"invalid UTF-8 at byte {column} of the line (file offset {offset}): "
                    f"0x{bad} ({exc.reason})",
                    file=display,
                    line=line,
                    hint=UTF8_HINT,
                )
            ],
        ) from exc


def read_text(path: Path, display: str) -> str:
    return decode_utf8(read_bytes(path, display), display)
