"""The catalog schema as SQLAlchemy 2 ORM models (the one SQL schema, SQLite and PostgreSQL).

A **Title** (film or series) has names (original, localised, aliases, hashtags), people through
**credits** (cast, director, crew) and marketing **assets** (one per title, kind, locale and
channel). An asset's content lives in **asset versions**: immutable rows that point into the
content-addressed blob store by SHA-256, with who made them and when (and, for images, the shoot
date). The people depicted in a version are recorded in ``version_people``.

The Alembic migrations in ``clearance/storage/migrations`` create exactly this schema; a test
compares the two. Column and table names are explicit constants, never derived from class names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    Session,
    mapped_column,
    relationship,
)

from clearance.errors import StorageError

#: Constraint naming convention, shared with the migrations so names match on every database.
NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TITLE_TYPES: Final = ("movie", "series")
NAME_KINDS: Final = ("original", "localised", "alias", "hashtag", "handle")
CREDIT_ROLES: Final = ("cast", "director", "crew")
ASSET_KINDS: Final = ("key_art", "thumbnail", "still", "synopsis", "tagline", "title_text",
                      "trailer", "clip")
#: Asset kinds whose content is a video (hashed with vPDQ by the hash bank).
VIDEO_KINDS: Final = ("trailer", "clip")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Title(Base):
    """A film or series, keyed by an external id (a Netflix ``show_id`` or a catalog id)."""

    __tablename__ = "titles"
    __table_args__ = (CheckConstraint(_in("type", TITLE_TYPES), name="type"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    original_title: Mapped[str] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(16))
    rating: Mapped[str | None] = mapped_column(String(32))
    audience: Mapped[str | None] = mapped_column(String(64))
    release_year: Mapped[int | None] = mapped_column(Integer)
    genres: Mapped[list[str]] = mapped_column(JSON, default=list)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    names: Mapped[list[TitleName]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="TitleName.id"
    )
    credits: Mapped[list[Credit]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="Credit.id"
    )
    assets: Mapped[list[Asset]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="Asset.id"
    )


class TitleName(Base):
    """One name of a title: the original, a localised title, an alias, a hashtag or an official
    account's handle (``@CutiesFilm``: the monitor links posts by it)."""

    __tablename__ = "title_names"
    __table_args__ = (
        CheckConstraint(_in("kind", NAME_KINDS), name="kind"),
        UniqueConstraint("title_id", "kind", "locale", "text"),
        Index(None, "text"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    #: BCP 47 tag (``fr``, ``pt-BR``). Stored as ``""`` (never NULL) when the name has no locale
    #: so the unique constraint holds on every database; the catalog API shows it as ``None``.
    locale: Mapped[str] = mapped_column(String(35), default="")
    text: Mapped[str] = mapped_column(String(500))

    title: Mapped[Title] = relationship(back_populates="names")


class Person(Base):
    """Cast or crew. ``(name, date_of_birth)`` identifies a person; see ``catalog.people``."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("name", "date_of_birth"), Index(None, "name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(300))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)


class Credit(Base):
    """A person's part in a title (cast with an optional character, director, crew)."""

    __tablename__ = "credits"
    __table_args__ = (
        CheckConstraint(_in("role", CREDIT_ROLES), name="role"),
        UniqueConstraint("title_id", "person_id", "role"),
        Index(None, "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    character: Mapped[str | None] = mapped_column(String(300))

    title: Mapped[Title] = relationship(back_populates="credits")
    person: Mapped[Person] = relationship()


class Asset(Base):
    """A piece of marketing for one title, kind, locale and channel; its content is versioned."""

    __tablename__ = "assets"
    __table_args__ = (
        CheckConstraint(_in("kind", ASSET_KINDS), name="kind"),
        UniqueConstraint("title_id", "kind", "locale", "channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    #: BCP 47 tag; ``und`` when the asset has no language (a textless image).
    locale: Mapped[str] = mapped_column(String(35))
    channel: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The team whose submitters may add versions (set by the first upload; ``None`` for an
    #: imported asset until an admin names one). Reviewers and admins are not bound by it.
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"),
                                                index=True)

    title: Mapped[Title] = relationship(back_populates="assets")
    versions: Mapped[list[AssetVersion]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="AssetVersion.id"
    )


class AssetVersion(Base):
    """Immutable content of an asset, addressed by SHA-256 in the blob store.

    ``number`` is the one version numbering shown everywhere (CLI, API, UI, docs: "key_art v2"):
    1-based per asset, in the order versions were added. ``id`` is the database key."""

    __tablename__ = "asset_versions"
    __table_args__ = (
        UniqueConstraint("asset_id", "content_sha256"),
        Index(None, "asset_id", "number", unique=True),
        Index(None, "content_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    shoot_date: Mapped[dt.date | None] = mapped_column(Date)

    asset: Mapped[Asset] = relationship(back_populates="versions")
    depicted: Mapped[list[VersionPerson]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="VersionPerson.person_id"
    )


class VersionPerson(Base):
    """A person depicted in (or voiced in) an asset version."""

    __tablename__ = "version_people"
    __table_args__ = (Index(None, "person_id"),)

    version_id: Mapped[int] = mapped_column(
        ForeignKey("asset_versions.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )

    version: Mapped[AssetVersion] = relationship(back_populates="depicted")
    person: Mapped[Person] = relationship()


@event.listens_for(AssetVersion, "before_update")
def _refuse_version_update(mapper: Mapper[Any], connection: Any, target: AssetVersion) -> None:
    """Asset versions are immutable: a changed column is refused at flush time."""
    state = inspect(target)
    changed = [a.key for a in state.attrs if a.key in mapper.columns and a.history.has_changes()]
    if changed:
        raise StorageError(
            f"asset version {target.id} is immutable (tried to change {', '.join(changed)}); "
            "add a new version instead"
        )


@event.listens_for(Session, "before_flush")
def _number_new_versions(session: Session, _context: Any, _instances: Any) -> None:
    """Give every new asset version without a number the next one of its asset (1-based), so
    no code path can add a version outside the one numbering. Versions of one asset added in the
    same flush are numbered in the order they were added."""
    fresh = [v for v in session.new if isinstance(v, AssetVersion) and v.number is None]
    if not fresh:
        return
    nxt: dict[int, int] = {}
    for version in fresh:
        asset = version.asset if version.asset is not None else session.get(Asset,
                                                                            version.asset_id)
        key = id(asset)
        if key not in nxt:
            taken = 0
            if asset is not None and asset.id is not None:
                with session.no_autoflush:
                    taken = session.scalar(select(func.coalesce(func.max(AssetVersion.number), 0))
                                           .where(AssetVersion.asset_id == asset.id)) or 0
                    taken = max([taken, *(v.number or 0 for v in asset.versions)])
            nxt[key] = taken + 1
        version.number = nxt[key]
        nxt[key] += 1
