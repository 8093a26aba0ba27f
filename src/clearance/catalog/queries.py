"""Reading the catalog: titles with their people, assets with their latest versions, known minors.

Every function takes a session and returns frozen public views (:mod:`clearance.catalog.views`),
never live ORM rows. A missing object raises :class:`~clearance.errors.NotFound`.

A person is a **known minor** for an asset version when their age on the version's shoot date
(or, without one, its creation date) is under 18. The people in scope are those recorded as
depicted in the version; when none are recorded, the title's cast (everyone credited as
``cast``), since any of them may appear.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from clearance.catalog.views import (
    ADULT_AGE,
    AssetPublic,
    AssetVersionPublic,
    CreditPublic,
    KnownMinor,
    PersonPublic,
    TitleNamePublic,
    TitlePublic,
    TitleSummary,
    age_on,
)
from clearance.errors import InputError, NotFound
from clearance.storage.db import as_utc
from clearance.storage.models import (
    Asset,
    AssetVersion,
    Credit,
    Person,
    Title,
    VersionPerson,
)


def _person(person: Person) -> PersonPublic:
    return PersonPublic(id=person.id, name=person.name, date_of_birth=person.date_of_birth)


def _title(session: Session, title_id: str) -> Title:
    title = session.scalars(
        select(Title)
        .where(Title.id == title_id)
        .options(
            selectinload(Title.names),
            selectinload(Title.credits).selectinload(Credit.person),
        )
    ).one_or_none()
    if title is None:
        raise NotFound(f"no title {title_id!r} in the catalog")
    return title


def get_title(session: Session, title_id: str) -> TitlePublic:
    """The title ``title_id`` with its names and credits (people with dates of birth)."""
    title = _title(session, title_id)
    return TitlePublic(
        id=title.id,
        original_title=title.original_title,
        type=title.type,
        rating=title.rating,
        audience=title.audience,
        release_year=title.release_year,
        genres=tuple(title.genres or ()),
        countries=tuple(title.countries or ()),
        names=tuple(
            TitleNamePublic(kind=n.kind, locale=n.locale or None, text=n.text) for n in title.names
        ),
        credits=tuple(
            CreditPublic(person=_person(c.person), role=c.role, character=c.character)
            for c in title.credits
        ),
    )


def count_titles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Title)) or 0


def list_titles(session: Session, *, limit: int = 50, offset: int = 0) -> list[TitleSummary]:
    """Titles ordered by id (numeric-aware for ids like ``s2``, ``s10``)."""
    if limit < 0 or offset < 0:
        raise InputError("limit and offset must not be negative")
    rows = session.execute(
        select(Title.id, Title.original_title, Title.type, Title.rating, Title.release_year)
        .order_by(func.length(Title.id), Title.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        TitleSummary(id=i, original_title=t, type=k, rating=r, release_year=y)
        for i, t, k, r, y in rows
    ]


def _version(version: AssetVersion) -> AssetVersionPublic:
    return AssetVersionPublic(
        id=version.id,
        asset_id=version.asset_id,
        number=version.number,
        content_sha256=version.content_sha256,
        content_type=version.content_type,
        size_bytes=version.size_bytes,
        created_by=version.created_by,
        created_at=as_utc(version.created_at),
        shoot_date=version.shoot_date,
        depicted=tuple(_person(link.person) for link in version.depicted),
    )


def title_assets(session: Session, title_id: str) -> list[AssetPublic]:
    """The title's assets, each with its number of versions and its latest version."""
    if session.get(Title, title_id) is None:
        raise NotFound(f"no title {title_id!r} in the catalog")
    assets = session.scalars(
        select(Asset)
        .where(Asset.title_id == title_id)
        .order_by(Asset.kind, Asset.locale, Asset.channel)
        .options(
            selectinload(Asset.versions)
            .selectinload(AssetVersion.depicted)
            .selectinload(VersionPerson.person)
        )
    ).all()
    return [
        AssetPublic(
            id=a.id,
            title_id=a.title_id,
            kind=a.kind,
            locale=a.locale,
            channel=a.channel,
            version_count=len(a.versions),
            latest=_version(max(a.versions, key=lambda v: v.id)) if a.versions else None,
        )
        for a in assets
    ]


def get_asset_version(session: Session, version_id: int) -> AssetVersionPublic:
    version = session.scalars(
        select(AssetVersion)
        .where(AssetVersion.id == version_id)
        .options(selectinload(AssetVersion.depicted).selectinload(VersionPerson.person))
    ).one_or_none()
    if version is None:
        raise NotFound(f"no asset version {version_id} in the catalog")
    return _version(version)


def _minors(
    people: list[tuple[Person, str | None]], on_date: dt.date, source: str
) -> list[KnownMinor]:
    minors: dict[int, KnownMinor] = {}
    for person, character in people:
        if person.date_of_birth is None or person.id in minors:
            continue
        age = age_on(person.date_of_birth, on_date)
        if 0 <= age < ADULT_AGE:
            minors[person.id] = KnownMinor(
                person=_person(person),
                age=age,
                on_date=on_date,
                source=source,
                character=character,
            )
    return sorted(minors.values(), key=lambda m: (m.age, m.person.name))


def _cast(session: Session, title_id: str) -> list[tuple[Person, str | None]]:
    rows = session.execute(
        select(Person, Credit.character)
        .join(Credit, Credit.person_id == Person.id)
        .where(Credit.title_id == title_id, Credit.role == "cast")
        .order_by(Credit.id)
    )
    return [(person, character) for person, character in rows]


def known_minors(
    session: Session, subject: str | int, on_date: dt.date | None = None
) -> list[KnownMinor]:
    """People under 18 on ``on_date``, with their age, youngest first.

    ``subject`` is a title id (``str``: its cast; ``on_date`` defaults to today) or an asset
    version id (``int``: the people depicted in it, else its title's cast; ``on_date`` defaults
    to the version's shoot date, else its creation date). People without a known date of birth
    cannot be known minors (the apparent-age detector covers them).
    """
    if isinstance(subject, str):
        if session.get(Title, subject) is None:
            raise NotFound(f"no title {subject!r} in the catalog")
        return _minors(_cast(session, subject), on_date or dt.date.today(), "cast")
    version = session.get(AssetVersion, subject)
    if version is None:
        raise NotFound(f"no asset version {subject} in the catalog")
    when = on_date or version.shoot_date or as_utc(version.created_at).date()
    depicted = session.scalars(
        select(Person)
        .join(VersionPerson, VersionPerson.person_id == Person.id)
        .where(VersionPerson.version_id == version.id)
        .order_by(Person.id)
    ).all()
    if depicted:
        cast = {p.id: c for p, c in _cast(session, version.asset.title_id)}
        return _minors([(p, cast.get(p.id)) for p in depicted], when, "depicted")
    return _minors(_cast(session, version.asset.title_id), when, "cast")
