"""Migrations run from an empty database to head, match the models, and are safe to re-run."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from clearance.errors import ConfigurationError, StorageError
from clearance.storage import current_revision, head_revision, make_engine, upgrade
from clearance.storage.models import Base
from clearance.storage.review_models import REVIEW_TABLES

TABLES = {
    "titles",
    "title_names",
    "people",
    "credits",
    "assets",
    "asset_versions",
    "version_people",
    "alembic_version",
    *REVIEW_TABLES,
}


def test_migrations_run_from_empty_and_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(database_url)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) == TABLES
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []
        upgrade(engine)  # again: a no-op
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_sqlite_file_folder_is_created_and_foreign_keys_are_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'clearance.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
    assert (tmp_path / "a" / "b" / "clearance.db").is_file()


def test_bad_database_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="invalid database URL"):
        make_engine("not a url")
    with pytest.raises(ConfigurationError, match="no database driver"):
        make_engine("nosuchdb://x/y")


def test_unreachable_database_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError):
        upgrade(f"sqlite:///{blocker / 'clearance.db'}")
