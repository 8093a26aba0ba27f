"""Ingesting posts from files: read, score, link and store, in batches, resumable.

:class:`Pipeline` is the one path every post takes — from a file (:func:`ingest_file`) or from the
stream (:mod:`clearance.monitor.stream`): score and link a batch *outside* any transaction (model
work never holds the database), then store it in one short transaction
(:func:`clearance.monitor.store.store_batch`).

**Files** are JSON Lines (``.jsonl``, ``.ndjson``, ``.json``) in the platforms' shapes, or the
documented CSV (``.csv``) — see :mod:`clearance.monitor.posts`. A line that is not a usable post
(malformed JSON, no id, no time, an unreadable time, an unknown shape) is reported as
``file:line: why`` and skipped; the rest is stored. **Idempotent and checkpointed**: every batch
records the last line it stored (``monitor_checkpoints``, keyed by the file's absolute path, with
a fingerprint of its first 64 KiB); a run that stopped part-way resumes after that line, a file
that grew resumes where it was, and a different file under the same name starts over. Running the
same file twice stores nothing new either way: posts are deduplicated by key.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from sqlalchemy import Engine

from clearance.errors import InputError, Problem
from clearance.events import EventBus
from clearance.monitor.linking import Linker
from clearance.monitor.posts import (
    CSV_REQUIRED,
    Post,
    PostProblem,
    loads,
    post_from_csv,
    posts_from_object,
)
from clearance.monitor.scoring import Scorer
from clearance.monitor.store import ScoredPost, Stored, checkpoint_of, store_batch
from clearance.storage.db import session_scope

BATCH: Final = 1000
MAX_LINE_BYTES: Final = 1_000_000
_FINGERPRINT_BYTES: Final = 65536
JSON_SUFFIXES: Final = (".jsonl", ".ndjson", ".json")


class Pipeline:
    """Score, link and store batches of posts (see the module docstring)."""

    def __init__(self, engine: Engine, linker: Linker, scorer: Scorer, *,
                 bus: EventBus | None = None) -> None:
        self.engine = engine
        self.linker = linker
        self.scorer = scorer
        self.bus = bus

    def prepare(self, posts: Sequence[Post], seqs: Sequence[int | None] | None = None
                ) -> list[ScoredPost]:
        """Score and link (no database)."""
        scores = self.scorer.score([p.text for p in posts], [p.lang for p in posts])
        seqs = seqs or [None] * len(posts)
        return [ScoredPost(p, s, self.linker.link(p.text), q)
                for p, s, q in zip(posts, scores, seqs, strict=True)]

    def store(self, batch: Sequence[ScoredPost], *,
              checkpoint: tuple[str, int, str] | None = None) -> Stored:
        with session_scope(self.engine, bus=self.bus) as session:
            return store_batch(session, batch, checkpoint=checkpoint)

    def process(self, posts: Sequence[Post], *, seqs: Sequence[int | None] | None = None,
                checkpoint: tuple[str, int, str] | None = None) -> Stored:
        return self.store(self.prepare(posts, seqs), checkpoint=checkpoint)


@dataclass(slots=True)
class IngestReport:
    """What a file run did."""

    source: str
    lines_read: int = 0
    resumed_after: int = 0
    stored: int = 0
    duplicates: int = 0
    links: int = 0
    problems: list[Problem] = field(default_factory=list)
    bad_lines: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "lines_read": self.lines_read,
                "resumed_after": self.resumed_after, "stored": self.stored,
                "duplicates": self.duplicates, "links": self.links,
                "bad_lines": self.bad_lines,
                "problems": [p.rendered() for p in self.problems]}


def fingerprint(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.sha256(fh.read(_FINGERPRINT_BYTES)).hexdigest()


def read_posts(path: Path, *, skip_to: int = 0) -> Iterator[tuple[int, Post | Problem]]:
    """``(line, post or problem)`` for every line of ``path`` after line ``skip_to``."""
    name = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    with handle:
        if path.suffix.lower() == ".csv":
            yield from _csv_posts(handle, name, skip_to)
            return
        for number, raw in enumerate(handle, start=1):
            if number <= skip_to:
                continue
            if len(raw) > MAX_LINE_BYTES:
                yield number, Problem(f"line longer than {MAX_LINE_BYTES} bytes", name, number)
                continue
            if not raw.strip():
                continue
            try:
                obj = loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield number, Problem(f"malformed JSON ({exc})", name, number)
                continue
            try:
                for post in posts_from_object(obj):
                    yield number, post
            except PostProblem as exc:
                yield number, Problem(str(exc), name, number)


def _csv_posts(handle: io.BufferedReader, name: str, skip_to: int
               ) -> Iterator[tuple[int, Post | Problem]]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="", errors="strict")
    try:
        reader = csv.DictReader(text)
        columns = reader.fieldnames or []
        missing = [c for c in CSV_REQUIRED if c not in columns]
        if missing:
            raise InputError(f"{name}: the CSV lacks the column(s) {', '.join(missing)}; "
                             f"expected a header with {', '.join(CSV_REQUIRED)} "
                             "(docs/monitor.md)")
        previous_end = reader.line_num  # the header's last line
        for row in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if line <= skip_to:
                continue
            try:
                yield line, post_from_csv(row)
            except PostProblem as exc:
                yield line, Problem(str(exc), name, line)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise InputError(f"{name}: unreadable CSV: {exc}") from None


def ingest_file(pipeline: Pipeline, path: Path, *, batch: int = BATCH,
                on_batch: Callable[[IngestReport], None] | None = None) -> IngestReport:
    """Ingest ``path`` (see the module docstring); bad lines are in the report's ``problems``
    (the first 200) and ``bad_lines``."""
    source = f"file:{path.resolve()}"
    report = IngestReport(source)
    try:
        print_ = fingerprint(path)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with session_scope(pipeline.engine) as session:
        saved = checkpoint_of(session, source)
        if saved is not None and saved.fingerprint == print_:
            report.resumed_after = int(saved.position)
    pending: list[Post] = []
    last_line = report.resumed_after

    def flush() -> None:
        if not pending:
            return
        done = pipeline.process(pending, checkpoint=(source, last_line, print_))
        report.stored += done.stored
        report.duplicates += done.duplicates
        report.links += done.links
        pending.clear()
        if on_batch is not None:
            on_batch(report)

    for line, item in read_posts(path, skip_to=report.resumed_after):
        if isinstance(item, Problem):
            report.bad_lines += 1
            if len(report.problems) < 200:
                report.problems.append(item)
            continue
        if line != last_line and len(pending) >= batch:
            flush()
        pending.append(item)
        last_line = line
        report.lines_read = line
    flush()
    if report.lines_read < last_line:
        report.lines_read = last_line
    return report
