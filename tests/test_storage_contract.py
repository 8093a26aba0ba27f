"""The storage contract, run on SQLite and PostgreSQL: upserts, constraints, versions, minors."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearance.catalog import (
    Outcome,
    add_asset_version,
    add_title_name,
    get_asset_version,
    get_title,
    known_minors,
    title_assets,
    upsert_asset,
    upsert_credit,
    upsert_person,
    upsert_title,
)
from clearance.catalog.views import age_on
from clearance.errors import InputError, NotFound, StorageError
from clearance.storage import LocalBlobStore, session_scope, sha256_hex
from clearance.storage.models import AssetVersion, Credit, Person, Title, TitleName

SHOOT = dt.date(2019, 8, 1)


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _seed(engine: Engine, blobs: LocalBlobStore) -> int:
    """A title with an adult, a minor and an undated person; returns the synopsis version id."""
    with session_scope(engine) as session:
        title, _ = upsert_title(
            session,
            id="t1",
            original_title="Mignonnes",
            type="movie",
            rating="TV-MA",
            genres=["Dramas"],
        )
        add_title_name(session, title, kind="localised", locale="en", text="Cuties")
        add_title_name(session, title, kind="hashtag", text="#Cuties")
        minor, _ = upsert_person(session, "Amy Actor", dt.date(2007, 11, 30))
        adult, _ = upsert_person(session, "Grown Actor", dt.date(1980, 1, 1))
        undated, _ = upsert_person(session, "Nobody Knows")
        upsert_credit(session, title, minor, role="cast", character="Amy")
        upsert_credit(session, title, adult, role="cast")
        upsert_credit(session, title, undated, role="director")
        asset, _ = upsert_asset(session, title, kind="synopsis", locale="en", channel="catalog")
        version, outcome = add_asset_version(
            session,
            blobs,
            asset,
            b"A synopsis.",
            content_type="text/plain",
            created_by="tester",
            shoot_date=SHOOT,
        )
        assert outcome is Outcome.CREATED
        session.flush()
        return version.id


def test_title_upserts_are_idempotent(engine: Engine, blobs: LocalBlobStore) -> None:
    _seed(engine, blobs)
    with session_scope(engine) as session:
        title, outcome = upsert_title(session, id="t1", original_title="Mignonnes", type="movie")
        assert outcome is Outcome.UNCHANGED  # None fields keep the stored values
        assert add_title_name(session, title, kind="localised", locale="en", text="Cuties") == (
            Outcome.UNCHANGED
        )
        person, outcome = upsert_person(session, "Amy Actor", dt.date(2007, 11, 30))
        assert outcome is Outcome.UNCHANGED
        assert upsert_credit(session, title, person, role="cast") is Outcome.UNCHANGED
        assert upsert_credit(session, title, person.id, role="cast", character="Amy B") is (
            Outcome.UPDATED
        )
        _, outcome = upsert_title(
            session, id="t1", original_title="Mignonnes", type="movie", rating="R"
        )
        assert outcome is Outcome.UPDATED
    with session_scope(engine) as session:
        assert _count(session, Title) == 1
        assert _count(session, TitleName) == 2
        assert _count(session, Person) == 3
        assert _count(session, Credit) == 3
        view = get_title(session, "t1")
    assert view.rating == "R"
    assert view.genres == ("Dramas",)
    assert [c.character for c in view.credits if c.person.name == "Amy Actor"] == ["Amy B"]
    assert view.names_of("hashtag") == ("#Cuties",)


def test_undated_people_are_matched_by_name_and_can_be_dated(engine: Engine) -> None:
    with session_scope(engine) as session:
        first, outcome = upsert_person(session, "Sam  Lee")
        assert outcome is Outcome.CREATED
        session.flush()
        again, outcome = upsert_person(session, "Sam Lee")
        assert (again.id, outcome) == (first.id, Outcome.UNCHANGED)
        dated, outcome = upsert_person(session, "Sam Lee", dt.date(2001, 2, 3))
        assert (dated.id, outcome) == (first.id, Outcome.UPDATED)
        other, outcome = upsert_person(session, "Sam Lee", dt.date(1970, 1, 1))
        assert outcome is Outcome.CREATED
        session.flush()
        # Two dated people share the name: an undated mention is a new, undated person.
        unknown, outcome = upsert_person(session, "Sam Lee")
        assert outcome is Outcome.CREATED
        session.flush()
        assert len({first.id, other.id, unknown.id}) == 3


def test_unique_constraints_hold(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Title(id="t1", original_title="A", type="movie", genres=[], countries=[]))
        session.add(Person(name="P", date_of_birth=dt.date(2000, 1, 1)))
    duplicates: list[object] = [
        Title(id="t1", original_title="B", type="movie", genres=[], countries=[]),
        Person(name="P", date_of_birth=dt.date(2000, 1, 1)),
        TitleName(title_id="t1", kind="alias", locale="", text="x"),
    ]
    with session_scope(engine) as session:
        session.add(TitleName(title_id="t1", kind="alias", locale="", text="x"))
    for row in duplicates:
        with Session(engine) as session:
            session.add(row)
            with pytest.raises(IntegrityError):
                session.commit()
    with Session(engine) as session:  # foreign keys are enforced (SQLite too)
        session.add(TitleName(title_id="missing", kind="alias", locale="", text="x"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_unknown_choices_are_refused(engine: Engine) -> None:
    with session_scope(engine) as session:
        with pytest.raises(InputError, match="unknown title type"):
            upsert_title(session, id="t", original_title="t", type="film")
        title, _ = upsert_title(session, id="t", original_title="t", type="movie")
        with pytest.raises(InputError, match="unknown asset kind"):
            upsert_asset(session, title, kind="poster", locale="en", channel="web")
        with pytest.raises(InputError, match="unknown credit role"):
            upsert_credit(session, title, 1, role="star")


def test_versions_are_content_addressed_and_immutable(
    engine: Engine, blobs: LocalBlobStore
) -> None:
    version_id = _seed(engine, blobs)
    with session_scope(engine) as session:
        title = session.get(Title, "t1")
        assert title is not None
        asset, outcome = upsert_asset(
            session, title, kind="synopsis", locale="en", channel="catalog"
        )
        assert outcome is Outcome.UNCHANGED
        same, outcome = add_asset_version(
            session,
            blobs,
            asset,
            b"A synopsis.",
            content_type="text/plain",
            created_by="someone else",
        )
        assert (same.id, outcome) == (version_id, Outcome.UNCHANGED)
        assert same.created_by == "tester"
        _, outcome = add_asset_version(
            session,
            blobs,
            asset,
            b"A better synopsis.",
            content_type="text/plain",
            created_by="editor",
        )
        assert outcome is Outcome.CREATED
    with session_scope(engine) as session:
        assert _count(session, AssetVersion) == 2
        [listed] = title_assets(session, "t1")
        assert listed.version_count == 2
        assert listed.latest is not None
        assert listed.latest.content_sha256 == sha256_hex(b"A better synopsis.")
        assert listed.latest.created_at.tzinfo is not None
        assert blobs.get(listed.latest.content_sha256) == b"A better synopsis."
        assert get_asset_version(session, version_id).shoot_date == SHOOT
    with pytest.raises(StorageError, match="immutable"), session_scope(engine) as session:
        stored = session.get(AssetVersion, version_id)
        assert stored is not None
        stored.content_sha256 = sha256_hex(b"tampered")
        session.flush()
    with session_scope(engine) as session:
        assert get_asset_version(session, version_id).content_sha256 == sha256_hex(b"A synopsis.")


def test_depicted_people_are_added_to_an_existing_version(
    engine: Engine, blobs: LocalBlobStore
) -> None:
    version_id = _seed(engine, blobs)
    with session_scope(engine) as session:
        adult, _ = upsert_person(session, "Grown Actor", dt.date(1980, 1, 1))
        title = session.get(Title, "t1")
        assert title is not None
        asset, _ = upsert_asset(session, title, kind="synopsis", locale="en", channel="catalog")
        _, outcome = add_asset_version(
            session,
            blobs,
            asset,
            b"A synopsis.",
            content_type="text/plain",
            created_by="x",
            depicted=[adult],
        )
        assert outcome is Outcome.UPDATED
    with session_scope(engine) as session:
        assert [p.name for p in get_asset_version(session, version_id).depicted] == ["Grown Actor"]
        # Depicted people are who is in scope: the adult, so no known minor.
        assert known_minors(session, version_id) == []


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (dt.date(2001, 8, 1), dt.date(2019, 8, 1), 18),  # 18th birthday: an adult that day
        (dt.date(2001, 8, 2), dt.date(2019, 8, 1), 17),  # the day before
        (dt.date(2000, 2, 29), dt.date(2018, 2, 28), 17),  # leap day: older on 1 March
        (dt.date(2000, 2, 29), dt.date(2018, 3, 1), 18),
        (dt.date(2000, 2, 29), dt.date(2016, 2, 29), 16),
        (dt.date(2010, 1, 1), dt.date(2009, 1, 1), -1),  # not born yet
    ],
)
def test_age_on(born: dt.date, on: dt.date, age: int) -> None:
    assert age_on(born, on) == age


def test_known_minors_at_the_shoot_date(engine: Engine, blobs: LocalBlobStore) -> None:
    version_id = _seed(engine, blobs)
    with session_scope(engine) as session:
        [minor] = known_minors(session, version_id)  # the version's shoot date
        assert (minor.person.name, minor.age, minor.on_date) == ("Amy Actor", 11, SHOOT)
        assert (minor.source, minor.character) == ("cast", "Amy")
        assert minor.person.date_of_birth == dt.date(2007, 11, 30)
        # The day before her 18th birthday she is still a minor; on it, she is not.
        [still] = known_minors(session, "t1", dt.date(2025, 11, 29))
        assert still.age == 17
        assert known_minors(session, "t1", dt.date(2025, 11, 30)) == []
        with pytest.raises(NotFound):
            known_minors(session, "missing")
        with pytest.raises(NotFound):
            known_minors(session, 999_999)
        with pytest.raises(NotFound):
            get_title(session, "missing")
