"""Import records: one validated title as a reader produced it, and how it is written.

Each file reader (the Netflix CSV, the YAML/JSON catalog format) turns its input into
:class:`TitleRecord` values, already checked field by field and carrying the source line. Only
valid records reach :func:`apply_title_record`, which writes one title with the idempotent
upserts of :mod:`clearance.catalog.write` and says whether anything changed. The importer runs
it inside a savepoint per record, so a title is written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Final, Literal

from sqlalchemy.orm import Session

from clearance.catalog.people import Outcome, PersonIndex, PersonRef, upsert_person
from clearance.catalog.write import (
    add_asset_version,
    add_title_name,
    upsert_asset,
    upsert_credit,
    upsert_title,
)
from clearance.storage.blobs import BlobStore
from clearance.storage.models import Asset, AssetVersion, Person, Title, TitleName, utcnow


def _length(column: object) -> int:
    length = getattr(getattr(column, "type", None), "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{column!r} has no length")
    return length


#: Longest values the schema holds (checked by the readers, so SQLite and PostgreSQL agree).
MAX_LENGTH: Final = {
    "id": _length(Title.__table__.c.id),
    "title": _length(Title.__table__.c.original_title),
    "rating": _length(Title.__table__.c.rating),
    "audience": _length(Title.__table__.c.audience),
    "name": _length(TitleName.__table__.c.text),
    "locale": _length(TitleName.__table__.c.locale),
    "person": _length(Person.__table__.c.name),
    "channel": _length(Asset.__table__.c.channel),
    "content_type": _length(AssetVersion.__table__.c.content_type),
    "created_by": _length(AssetVersion.__table__.c.created_by),
}


def clean_text(value: str) -> str:
    """A name as stored: Unicode NFC, whitespace runs collapsed to one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


@dataclass(frozen=True, slots=True)
class PersonRecord:
    name: str
    date_of_birth: dt.date | None = None


@dataclass(frozen=True, slots=True)
class CreditRecord:
    person: PersonRecord
    role: str
    character: str | None = None


@dataclass(frozen=True, slots=True)
class NameRecord:
    kind: str
    text: str
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class VersionRecord:
    content: bytes
    content_type: str
    created_by: str | None = None
    shoot_date: dt.date | None = None
    depicted: tuple[PersonRecord, ...] = ()
    line: int | None = None


@dataclass(frozen=True, slots=True)
class AssetRecord:
    kind: str
    locale: str
    channel: str
    versions: tuple[VersionRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class TitleRecord:
    """One title to write; ``None`` fields leave stored values as they are."""

    id: str
    original_title: str
    type: str
    rating: str | None = None
    audience: str | None = None
    release_year: int | None = None
    genres: tuple[str, ...] | None = None
    countries: tuple[str, ...] | None = None
    names: tuple[NameRecord, ...] = ()
    credits: tuple[CreditRecord, ...] = ()
    assets: tuple[AssetRecord, ...] = ()
    #: The physical line in the source file where this title starts.
    line: int | None = None


@dataclass(slots=True)
class Applied:
    """What writing one record did."""

    outcome: Outcome
    people_created: int = 0
    people_updated: int = 0
    #: ``(line, message)`` notes worth a warning (the record was still written).
    notes: list[tuple[int | None, str]] = field(default_factory=list)


def apply_person(
    session: Session, person: PersonRecord, applied: Applied, people: PersonIndex | None
) -> PersonRef:
    ref: PersonRef
    if people is not None:
        ref, outcome = people.resolve(session, person.name, person.date_of_birth)
    else:
        ref, outcome = upsert_person(session, person.name, person.date_of_birth)
    if outcome is Outcome.CREATED:
        applied.people_created += 1
    elif outcome is Outcome.UPDATED:
        applied.people_updated += 1
    return ref


def apply_title_record(
    session: Session,
    blobs: BlobStore,
    record: TitleRecord,
    *,
    created_by: str,
    people: PersonIndex | None = None,
    existing: Title | Literal["look up"] | None = "look up",
) -> Applied:
    """Write one title record (no commit); report created / updated / unchanged."""
    title, outcome = upsert_title(
        session,
        id=record.id,
        original_title=record.original_title,
        type=record.type,
        rating=record.rating,
        audience=record.audience,
        release_year=record.release_year,
        genres=record.genres,
        countries=record.countries,
        existing=existing,
    )
    applied = Applied(outcome)
    outcomes: list[Outcome] = []
    for name in record.names:
        outcomes.append(
            add_title_name(session, title, kind=name.kind, text=name.text, locale=name.locale)
        )
    for credit in record.credits:
        pid = apply_person(session, credit.person, applied, people)
        outcomes.append(
            upsert_credit(session, title, pid, role=credit.role, character=credit.character)
        )
    for asset_record in record.assets:
        asset, asset_outcome = upsert_asset(
            session,
            title,
            kind=asset_record.kind,
            locale=asset_record.locale,
            channel=asset_record.channel,
        )
        outcomes.append(asset_outcome)
        for version_record in asset_record.versions:
            depicted = [apply_person(session, p, applied, people) for p in version_record.depicted]
            version, version_outcome = add_asset_version(
                session,
                blobs,
                asset,
                version_record.content,
                content_type=version_record.content_type,
                created_by=version_record.created_by or created_by,
                shoot_date=version_record.shoot_date,
                depicted=depicted,
            )
            outcomes.append(version_outcome)
            _note_immutable(applied, version, version_record)
    if applied.outcome is Outcome.UNCHANGED and (
        applied.people_created
        or applied.people_updated
        or any(o is not Outcome.UNCHANGED for o in outcomes)
    ):
        applied.outcome = Outcome.UPDATED
        title.updated_at = utcnow()
    return applied


def _note_immutable(applied: Applied, version: AssetVersion, record: VersionRecord) -> None:
    """Warn when the input describes an existing version differently (it stays as stored)."""
    if version.id is None:
        return
    if record.shoot_date is not None and version.shoot_date != record.shoot_date:
        applied.notes.append(
            (
                record.line,
                f"asset version {version.id} already holds this content with shoot date "
                f"{version.shoot_date or 'unknown'}; versions are immutable, so "
                f"{record.shoot_date} was not applied",
            )
        )
