"""Importing catalog files: the Netflix CSV and Clearance's YAML/JSON catalog format.

:func:`import_catalog` reads one file completely first. A file that cannot be used at all (not
UTF-8, missing columns, not a catalog) raises :class:`~clearance.errors.ImportProblem` before
anything is written. The valid titles are then written in batches, each in a savepoint, and
committed batch by batch: titles not yet in the catalog with a few multi-row INSERTs
(:mod:`clearance.catalog.bulk`), the others with the idempotent upserts. If a batch fails, it is
rolled back and written again with **one savepoint per title**, so a title that fails is rolled
back whole (never half-written), reported, and the others still land.

Importing the same file again changes nothing and counts every title as *unchanged*: all writes
are idempotent upserts and asset versions are content-addressed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from clearance.catalog.bulk import insert_new_titles
from clearance.catalog.catalog_file import read_catalog_file
from clearance.catalog.netflix import read_netflix_csv
from clearance.catalog.people import Outcome, PersonIndex
from clearance.catalog.records import Applied, TitleRecord, apply_title_record
from clearance.catalog.sources import ParsedCatalog
from clearance.errors import ImportProblem, InputError, Problem, StorageError
from clearance.storage.blobs import BlobStore
from clearance.storage.db import describe_db_error
from clearance.storage.models import Asset, AssetVersion, Title

#: File suffix -> reader. ``.csv`` is the Netflix layout.
READERS: Final[dict[str, Callable[[Path, str], ParsedCatalog]]] = {
    ".csv": read_netflix_csv,
    ".yaml": read_catalog_file,
    ".yml": read_catalog_file,
    ".json": read_catalog_file,
}
DEFAULT_BATCH_SIZE: Final = 500

#: ``progress(done, total)``, called after each title is written.
Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass(slots=True)
class ImportReport:
    """What importing one file did; titles are counted once each."""

    file: str
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    people_created: int = 0
    people_updated: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: Things worth knowing that did not stop a title from being written.
    warnings: list[Problem] = field(default_factory=list)

    @property
    def has_problems(self) -> bool:
        return bool(self.problems)

    def summary(self) -> str:
        text = (
            f"{self.file}: {self.imported} imported, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped"
        )
        if self.people_created or self.people_updated:
            text += f"; people: {self.people_created} added, {self.people_updated} updated"
        if self.problems:
            text += f"; {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        return text


def read_catalog(path: Path | str, *, allow_files_outside: bool = False) -> ParsedCatalog:
    """Parse and validate a catalog file, writing nothing; ``ImportProblem`` if unusable.
    ``allow_files_outside`` lets a YAML/JSON catalog's ``file:`` references leave its folder."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ImportProblem(
            f"{path}: unknown catalog file type {path.suffix or '(no suffix)'!r}",
            problems=[
                Problem(
                    "cannot tell the format from the file name",
                    file=str(path),
                    hint="use .csv for the Netflix layout, or .yaml / .yml / .json for the "
                    "Clearance catalog format (docs/catalog-format.md)",
                )
            ],
        )
    if reader is read_catalog_file:
        return read_catalog_file(path, str(path), allow_files_outside=allow_files_outside)
    return reader(path, str(path))


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _prefetch(session: Session, title_ids: Sequence[str]) -> list[Title]:
    """Load a batch of titles with everything an upsert compares, in a few queries."""
    return list(
        session.scalars(
            select(Title)
            .where(Title.id.in_(title_ids))
            .options(
                selectinload(Title.names),
                selectinload(Title.credits),
                selectinload(Title.assets)
                .selectinload(Asset.versions)
                .selectinload(AssetVersion.depicted),
            )
        )
    )


def _commit(session: Session, display: str) -> None:
    try:
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        raise StorageError(f"{display}: commit failed: {describe_db_error(exc)}") from exc


def import_catalog(
    session: Session,
    blob_store: BlobStore,
    path: Path | str,
    *,
    created_by: str,
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    allow_files_outside: bool = False,
) -> ImportReport:
    """Import one catalog file (format chosen by suffix) and commit it in batches.

    Raises :class:`ImportProblem` (nothing written) for a file that cannot be used at all, and
    :class:`StorageError` if the database or blob store fails as a whole; a title that cannot
    be stored is reported and skipped.
    """
    parsed = read_catalog(path, allow_files_outside=allow_files_outside)
    report = ImportReport(
        file=str(path),
        skipped=parsed.skipped,
        problems=list(parsed.problems),
        warnings=list(parsed.warnings),
    )
    people = PersonIndex.load(session)
    for person, line in parsed.people:
        try:
            with session.begin_nested():
                _, outcome = people.resolve(session, person.name, person.date_of_birth)
        except SQLAlchemyError as exc:
            people.drop()
            report.problems.append(
                Problem(
                    f"could not store person {person.name!r}: {describe_db_error(exc)}",
                    file=report.file,
                    line=line,
                )
            )
            continue
        people.keep()
        report.people_created += outcome is Outcome.CREATED
        report.people_updated += outcome is Outcome.UPDATED
    total = len(parsed.titles)
    done = 0
    for batch in _chunks(parsed.titles, max(1, batch_size)):
        write = _Writer(session, blob_store, created_by, people, report)
        if not write.batch(batch):
            write.one_by_one(batch)
        _commit(session, report.file)
        done += len(batch)
        if progress is not None:
            progress(done, total)
    _commit(session, report.file)
    return report


@dataclass(slots=True)
class _Writer:
    """Writes a batch of records: all in one savepoint, or one savepoint per record."""

    session: Session
    blobs: BlobStore
    created_by: str
    people: PersonIndex
    report: ImportReport

    def _apply(self, record: TitleRecord, loaded: dict[str, Title]) -> Applied:
        return apply_title_record(
            self.session,
            self.blobs,
            record,
            created_by=self.created_by,
            people=self.people,
            existing=loaded.get(record.id),
        )

    def batch(self, records: Sequence[TitleRecord]) -> bool:
        """Write every record in one savepoint (fast); ``False`` if it had to be rolled back."""
        loaded = {t.id: t for t in _prefetch(self.session, [r.id for r in records])}
        new = [r for r in records if r.id not in loaded]
        try:
            with self.session.begin_nested():
                inserted = insert_new_titles(
                    self.session, self.blobs, new, created_by=self.created_by, people=self.people
                )
                results = [self._apply(r, loaded) for r in records if r.id in loaded]
        except (SQLAlchemyError, InputError):
            self.people.drop()
            return False
        self.people.keep()
        self.report.imported += len(new)
        self.report.people_created += inserted.people_created
        self.report.people_updated += inserted.people_updated
        for applied in results:
            _count(self.report, applied)
        return True

    def one_by_one(self, records: Sequence[TitleRecord]) -> None:
        """Write each record in its own savepoint, skipping (and reporting) those that fail."""
        loaded = {t.id: t for t in _prefetch(self.session, [r.id for r in records])}
        for record in records:
            try:
                with self.session.begin_nested():
                    applied = self._apply(record, loaded)
            except (SQLAlchemyError, InputError) as exc:
                self.people.drop()
                reason = describe_db_error(exc) if isinstance(exc, SQLAlchemyError) else exc.message
                self.report.problems.append(
                    Problem(
                        f"could not store title {record.id!r}: {reason}; title skipped",
                        file=self.report.file,
                        line=record.line,
                    )
                )
                self.report.skipped += 1
                continue
            self.people.keep()
            _count(self.report, applied)


def _count(report: ImportReport, applied: Applied) -> None:
    if applied.outcome is Outcome.CREATED:
        report.imported += 1
    elif applied.outcome is Outcome.UPDATED:
        report.updated += 1
    else:
        report.unchanged += 1
    report.people_created += applied.people_created
    report.people_updated += applied.people_updated
    for line, message in applied.notes:
        report.warnings.append(Problem(message, file=report.file, line=line))
