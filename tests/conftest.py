"""Shared fixtures.

Storage: ``database_url`` runs a test on SQLite (a fresh file) and on PostgreSQL (a fresh schema
on the server at ``CLEARANCE_TEST_POSTGRES_URL``, dropped or recycled afterwards). When that
server cannot be reached the PostgreSQL half is skipped, unless ``CI`` is set, where it fails: CI
must test the production database for real. ``engine`` is that database migrated to head (by
``fresh_db.migrate``: a copy of a template, or a recycled schema, instead of running the
migrations for every test); ``blobs`` a blob store in a temporary folder.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

import fresh_db
from clearance.storage import LocalBlobStore, make_engine

DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("CLEARANCE_TEST_POSTGRES_URL") or DEFAULT_TEST_POSTGRES_URL


@functools.cache
def _postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used, or ``None`` when it can (checked once per run)."""
    url = postgres_admin_url()
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        first_line = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return f"PostgreSQL at {make_url(url)!r} is unreachable ({first_line})"
    finally:
        engine.dispose()
    return None


def _require_postgres() -> str:
    reason = _postgres_unreachable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so the PostgreSQL tests must run", pytrace=False)
        pytest.skip(f"{reason}; set CLEARANCE_TEST_POSTGRES_URL to run the PostgreSQL tests")
    return postgres_admin_url()


@pytest.fixture(scope="session", autouse=True)
def _fresh_databases() -> Iterator[None]:
    """Drops the template databases of ``fresh_db`` when the run ends."""
    yield
    fresh_db.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema of their own (dropped afterwards, or
    recycled for a later test when it holds exactly what the migrations build: ``fresh_db``)."""
    admin_url = _require_postgres()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    fresh_db.created_schema(admin_url, schema)
    try:
        url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        fresh_db.release(admin_url, schema)  # recycled for a later test, or dropped


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a PostgreSQL schema of this test's own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'clearance.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The database at ``database_url``, migrated to head (see ``fresh_db``)."""
    fresh_db.migrate(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture
def shared_data_dir() -> Path:
    """``../shared/data`` next to the repository (or ``CLEARANCE_SHARED_DATA``); skip if absent."""
    env = os.environ.get("CLEARANCE_SHARED_DATA")
    folder = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not folder.is_dir():
        pytest.skip(f"shared data folder {folder} is absent (set CLEARANCE_SHARED_DATA)")
    return folder
