"""Engines, sessions and schema migrations.

:func:`make_engine` builds an engine for a database URL and makes SQLite behave like a real
transactional database (foreign keys on, ``BEGIN`` emitted by SQLAlchemy so savepoints and DDL
are transactional) that takes concurrent writers in turn instead of refusing them (WAL journal,
a busy timeout, ``BEGIN IMMEDIATE``: see :func:`make_engine`). :func:`session_scope` is the unit
of work: commit on success, roll back on error, and every database failure comes out as
:class:`~clearance.errors.StorageError`.
:func:`upgrade` runs the Alembic migrations shipped inside the package up to head, with no
``alembic.ini`` needed. :func:`ensure_schema` is what every command and the service call: the
embedded SQLite database migrates itself (a fresh machine gets its schema on first use), any
other database must be at the current revision already (``clearance db upgrade``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from clearance.errors import ConfigurationError, StorageError

if TYPE_CHECKING:
    from clearance.events import EventBus

#: The execution option that chooses how an SQLite engine's transactions begin: ``"immediate"``
#: (the default: the write lock is taken at BEGIN) or ``"deferred"`` (for read-only work that
#: should not wait for writers; a deferred transaction must not write).
SQLITE_BEGIN: Final = "sqlite_begin"
#: How long an SQLite connection waits for another's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS: Final = 30_000
#: Where the Alembic environment and revisions live (shipped as package data).
MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"


def as_utc(at: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime. Every timestamp is stored in UTC, but SQLite
    hands ``DateTime(timezone=True)`` columns back naive; PostgreSQL hands them back aware."""
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)


def core(session: Session) -> Connection:
    """``session``'s connection, for a Core statement that needs none of the ORM's work (it
    loads no objects): run through ``Session.execute``, a statement on mapped columns goes the
    ORM's way (its compile state, bulk persistence for DML, execution events), ~0.1-0.2 ms of
    Python each; on the connection it is compiled and run as Core. What is pending in the
    session is flushed first, as ``Session.execute`` would."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection()


def describe_db_error(exc: SQLAlchemyError) -> str:
    """A one-line description of a database error, without SQLAlchemy's long footer."""
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else str(exc)
    return " ".join(text.split())


def _parse(url: str | URL) -> URL:
    """The URL parsed; one that is not a database URL is a :class:`ConfigurationError` naming
    the setting, never repeating the URL (it may hold a password)."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a port that is not a number fails here, not at connect
        return parsed
    except (ArgumentError, ValueError) as exc:
        why = ("its port is not a number" if isinstance(exc, ValueError) and "int()" in str(exc)
               else "not of the form dialect+driver://user:password@host:port/database")
        raise ConfigurationError(
            f"CLEARANCE_DATABASE_URL is not a usable database URL ({why})") from None


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database)


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url``; for a SQLite file its folder is created first.

    SQLite connections get ``PRAGMA foreign_keys=ON`` and SQLAlchemy-controlled ``BEGIN`` (the
    ``sqlite3`` driver's legacy mode would otherwise break savepoints and transactional DDL), a
    busy timeout (:data:`SQLITE_BUSY_TIMEOUT_MS`) and, for a file, the WAL journal (readers
    never block the writer). Transactions begin ``IMMEDIATE``: SQLite has one writer at a time,
    and a deferred transaction that read first and then writes is refused at once with
    "database is locked" when another wrote meanwhile -- no busy timeout helps, because its
    snapshot is stale. Measured with 8 threads each doing 25 read-then-insert transactions
    through :func:`session_scope` on one file: deferred 179 of 200 refused, WAL alone 180, a
    process-wide lock around commit still refused most, ``BEGIN IMMEDIATE`` 0 (4.6 s) and WAL
    with ``BEGIN IMMEDIATE`` 0 (1.8 s). ``execution_options(sqlite_begin="deferred")`` gives
    read-only work concurrent snapshots instead.
    """
    parsed = _parse(url)
    sqlite_file = _sqlite_file(parsed)
    if sqlite_file is not None:
        try:
            sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create the database folder {sqlite_file.parent}: {exc.strerror or exc}"
            ) from exc
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError as exc:
        raise ConfigurationError(f"no database driver for {parsed.drivername!r}: {exc}") from exc
    except (ArgumentError, SQLAlchemyError) as exc:
        raise ConfigurationError(f"cannot use database URL {parsed!r}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        _make_sqlite_transactional(engine, is_file=sqlite_file is not None)
    return engine


def _make_sqlite_transactional(engine: Engine, *, is_file: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
            if is_file:
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # The write lock is taken at BEGIN: concurrent writers then wait their turn (busy
        # timeout) instead of one being refused at once with "database is locked" when it
        # upgrades a read to a write (see make_engine). Read-only work may ask for "deferred".
        deferred = connection.get_execution_options().get(SQLITE_BEGIN) == "deferred"
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


#: How long a pooled connection may sit unused before its next checkout pings it first.
IDLE_PING_SECONDS: Final = 10.0
_CHECKED_IN: Final = "clearance.checked_in"


def ping_when_idle(engine: Engine, seconds: float = IDLE_PING_SECONDS) -> None:
    """Check a pooled connection that sat unused for ``seconds`` or more before handing it out
    (an empty statement; one that fails is discarded and another taken, as SQLAlchemy's
    ``pool_pre_ping`` does), instead of pinging on every checkout.

    Why: ``pool_pre_ping`` is a round trip on every transaction; ``bench/bench_load.py``
    measured ~8 round trips per request, so the ping was one in eight, on both the service's
    and PostgreSQL's CPU, to guard against what happens to connections at rest (a database
    restart, an idle timeout, a proxy that drops quiet connections). A connection in steady use
    is not pinged; if the database restarts under load, requests on connections used within
    the last ``seconds`` fail once (503) and SQLAlchemy then discards the whole pool."""
    import time

    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is None or time.monotonic() - since < seconds:
            return  # new, or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure means: not this connection
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


@contextmanager
def session_scope(engine: Engine, *, bus: EventBus | None = None) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back if it raises.

    Database failures are raised as :class:`StorageError`; Clearance's own errors pass through
    unchanged (after the rollback). The domain events emitted in it go through ``bus`` (without
    one, a bus with only the built-in subscribers: see :mod:`clearance.events`).
    """
    session = Session(engine, expire_on_commit=False)
    if bus is not None:
        bus.attach(session)
    try:
        yield session
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        raise StorageError(f"database error: {describe_db_error(exc)}") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(connection: Any | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    """The newest migration revision shipped with this version of Clearance (read once per
    process: the migrations shipped do not change under a running one)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise StorageError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot read the schema revision: {describe_db_error(exc)}") from exc


def upgrade(url: str | URL | Engine, revision: str = "head") -> None:
    """Run the migrations on ``url`` (or an engine) up to ``revision``, in one transaction.

    On SQLite, foreign keys are switched off on the migrating connection (outside the
    transaction, where SQLite honours the pragma) and checked with ``PRAGMA foreign_key_check``
    before commit: a batch migration rebuilds a table by copying it and dropping the original,
    and with foreign keys on that drop would cascade into every table that refers to it."""
    from alembic import command
    from alembic.util import CommandError

    engine = url if isinstance(url, Engine) else make_engine(url)
    is_sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:
            driver = connection.connection.driver_connection if is_sqlite else None
            if driver is not None:
                driver.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    command.upgrade(_alembic_config(connection), revision)
                    if is_sqlite:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise StorageError(
                                f"database migration failed: {len(broken)} row(s) would break "
                                f"foreign keys (first: table {broken[0][0]}, row {broken[0][1]})")
            finally:
                if driver is not None:
                    driver.execute("PRAGMA foreign_keys=ON")
    except SQLAlchemyError as exc:
        raise StorageError(f"database migration failed: {describe_db_error(exc)}") from exc
    except CommandError as exc:
        raise StorageError(f"database migration failed: {exc}") from exc
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def ensure_schema(engine: Engine) -> None:
    """Make sure ``engine``'s database has the schema this version of Clearance needs.

    The embedded case (any ``sqlite:`` URL) migrates itself: it is one user's file, and a fresh
    machine must work with nothing set up. Any other database is shared and is only ever migrated
    on purpose, by ``clearance db upgrade``: one at an older revision (or empty) is refused with a
    message saying so, and one at a revision this version does not know (newer) is refused too."""
    current, head = current_revision(engine), head_revision()
    if engine.dialect.name == "sqlite":
        if current != head:
            upgrade(engine)
        return
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise StorageError(f"the database at {where} has no Clearance schema yet: run "
                           "'clearance db upgrade' (with the same CLEARANCE_DATABASE_URL) first")
    from alembic.script import ScriptDirectory

    known = {rev.revision for rev in
             ScriptDirectory.from_config(_alembic_config()).walk_revisions()}
    if current not in known:
        raise StorageError(f"the database at {where} is at schema revision {current}, which "
                           f"this version of Clearance does not know (its newest is {head}): "
                           "upgrade Clearance")
    raise StorageError(f"the database at {where} is at schema revision {current}; this version "
                       f"of Clearance needs {head}: run 'clearance db upgrade' (with the same "
                       "CLEARANCE_DATABASE_URL) first")


@contextmanager
def ready_engine(url: str | URL) -> Iterator[Engine]:
    """An engine on ``url`` whose schema is current (see :func:`ensure_schema`), disposed of
    afterwards."""
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        yield engine
    finally:
        engine.dispose()
