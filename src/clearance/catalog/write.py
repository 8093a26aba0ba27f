"""Writing the catalog: idempotent upserts of titles, names, credits, assets and versions.

Every function here is safe to call again with the same input: it finds the existing row and
reports :class:`Outcome.UNCHANGED`. Values merge, they never erase: a ``None`` argument leaves a
stored value as it is, and nothing is deleted (an import adds and updates, it does not prune).

Asset versions are immutable and content-addressed: :func:`add_asset_version` puts the bytes in
the blob store and returns the existing version when the asset already has that content. Nothing
here commits; the caller owns the transaction (see :func:`clearance.storage.session_scope`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal

from sqlalchemy.orm import Session

from clearance.catalog.people import Outcome, PersonRef
from clearance.errors import InputError, NotFound
from clearance.identifiers import check_identifier
from clearance.storage.blobs import BlobStore
from clearance.storage.models import (
    ASSET_KINDS,
    CREDIT_ROLES,
    NAME_KINDS,
    TITLE_TYPES,
    Asset,
    AssetVersion,
    Credit,
    Person,
    Title,
    TitleName,
    VersionPerson,
    utcnow,
)


def _check_choice(what: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(f"unknown {what} {value!r}; expected one of: {', '.join(allowed)}")


def require_title(session: Session, title_id: str) -> Title:
    """The title ``title_id``, or :class:`NotFound`."""
    title = session.get(Title, title_id)
    if title is None:
        raise NotFound(f"no title {title_id!r} in the catalog")
    return title


def upsert_title(
    session: Session,
    *,
    id: str,
    original_title: str,
    type: str,
    rating: str | None = None,
    audience: str | None = None,
    release_year: int | None = None,
    genres: Sequence[str] | None = None,
    countries: Sequence[str] | None = None,
    existing: Title | Literal["look up"] | None = "look up",
) -> tuple[Title, Outcome]:
    """Create the title ``id`` or update the given fields (``None`` keeps the stored value).

    ``existing`` lets a bulk caller that already loaded the title (or knows there is none) skip
    the lookup.
    """
    _check_choice("title type", type, TITLE_TYPES)
    check_identifier(id, "title id")
    title = session.get(Title, id) if existing == "look up" else existing
    if title is None:
        title = Title(
            id=id,
            original_title=original_title,
            type=type,
            rating=rating,
            audience=audience,
            release_year=release_year,
            genres=list(genres or ()),
            countries=list(countries or ()),
            names=[],
            credits=[],
            assets=[],
        )
        session.add(title)
        return title, Outcome.CREATED
    wanted: dict[str, object] = {
        "original_title": original_title,
        "type": type,
        "rating": rating,
        "audience": audience,
        "release_year": release_year,
        "genres": list(genres) if genres is not None else None,
        "countries": list(countries) if countries is not None else None,
    }
    is_changed = False
    for attr, value in wanted.items():
        if value is not None and getattr(title, attr) != value:
            setattr(title, attr, value)
            is_changed = True
    if is_changed:
        title.updated_at = utcnow()
    return title, Outcome.UPDATED if is_changed else Outcome.UNCHANGED


def add_title_name(
    session: Session, title: Title, *, kind: str, text: str, locale: str | None = None
) -> Outcome:
    """Add a localised title, alias or hashtag (``kind``) unless the title already has it."""
    _check_choice("name kind", kind, NAME_KINDS)
    stored_locale = locale or ""
    for name in title.names:
        if name.kind == kind and name.locale == stored_locale and name.text == text:
            return Outcome.UNCHANGED
    title.names.append(TitleName(kind=kind, locale=stored_locale, text=text))
    return Outcome.CREATED


def _is_same(person_id: int | None, linked: Person | None, person: PersonRef) -> bool:
    """Whether a credit/depiction row (``person_id``, ``linked``) refers to ``person``."""
    if isinstance(person, int):
        return person_id == person
    if person.id is not None:
        return person_id == person.id
    return person_id is None and linked is person


def _link(person: PersonRef) -> dict[str, object]:
    return {"person_id": person} if isinstance(person, int) else {"person": person}


def upsert_credit(
    session: Session, title: Title, person: PersonRef, *, role: str, character: str | None = None
) -> Outcome:
    """Credit a person (a :class:`Person` or its id) on a title in ``role``.

    A given ``character`` replaces the stored one; ``None`` keeps it.
    """
    _check_choice("credit role", role, CREDIT_ROLES)
    for credit in title.credits:
        linked = credit.person if credit.person_id is None else None
        if credit.role == role and _is_same(credit.person_id, linked, person):
            if character is not None and credit.character != character:
                credit.character = character
                return Outcome.UPDATED
            return Outcome.UNCHANGED
    title.credits.append(Credit(role=role, character=character, **_link(person)))
    return Outcome.CREATED


def upsert_asset(
    session: Session, title: Title, *, kind: str, locale: str, channel: str
) -> tuple[Asset, Outcome]:
    """The title's asset for ``kind``, ``locale`` and ``channel``, created if missing."""
    _check_choice("asset kind", kind, ASSET_KINDS)
    check_identifier(locale, "locale")
    check_identifier(channel, "channel")
    for asset in title.assets:
        if asset.kind == kind and asset.locale == locale and asset.channel == channel:
            return asset, Outcome.UNCHANGED
    asset = Asset(kind=kind, locale=locale, channel=channel, versions=[])
    title.assets.append(asset)
    return asset, Outcome.CREATED


def add_depicted(version: AssetVersion, people: Iterable[PersonRef]) -> Outcome:
    """Record people depicted in a version (adding to, never replacing, what is recorded)."""
    is_changed = False
    for person in people:
        if not any(
            _is_same(link.person_id, link.person if link.person_id is None else None, person)
            for link in version.depicted
        ):
            version.depicted.append(VersionPerson(**_link(person)))
            is_changed = True
    return Outcome.UPDATED if is_changed else Outcome.UNCHANGED


def add_asset_version(
    session: Session,
    blobs: BlobStore,
    asset: Asset,
    content: bytes,
    *,
    content_type: str,
    created_by: str,
    shoot_date: dt.date | None = None,
    depicted: Sequence[PersonRef] = (),
) -> tuple[AssetVersion, Outcome]:
    """Store ``content`` as a new version of ``asset``, or return the version that has it.

    The bytes go to ``blobs`` first (content-addressed, so a rolled-back transaction leaves at
    most an unreferenced blob). An existing version is never changed, except that newly named
    depicted people are added to it.
    """
    sha = blobs.put(content)
    for version in asset.versions:
        if version.content_sha256 == sha:
            return version, add_depicted(version, depicted)
    version = AssetVersion(
        number=max((v.number for v in asset.versions), default=0) + 1,
        content_sha256=sha,
        content_type=content_type,
        size_bytes=len(content),
        created_by=created_by,
        shoot_date=shoot_date,
        depicted=[],
    )
    asset.versions.append(version)
    add_depicted(version, depicted)
    return version, Outcome.CREATED
