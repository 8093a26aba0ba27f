"""Migrations run from an empty database to head, match the models, and are safe to re-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from clearance.errors import ConfigurationError, StorageError
from clearance.storage import (
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    session_scope,
    upgrade,
)
from clearance.storage.bank_models import BANK_TABLES
from clearance.storage.console_models import CONSOLE_TABLES
from clearance.storage.incident_models import INCIDENT_TABLES
from clearance.storage.job_models import JOB_TABLES
from clearance.storage.models import AssetVersion, Base
from clearance.storage.monitor_models import MONITOR_TABLES
from clearance.storage.quarantine_models import QUARANTINE_TABLES
from clearance.storage.rescreen_models import RESCREEN_TABLES
from clearance.storage.review_models import REVIEW_TABLES, ReviewItem
from clearance.storage.screening_models import SCREENING_TABLES, Screening

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
    *SCREENING_TABLES,
    *JOB_TABLES,
    *BANK_TABLES,
    *QUARANTINE_TABLES,
    *MONITOR_TABLES,
    *RESCREEN_TABLES,
    *INCIDENT_TABLES,
    *CONSOLE_TABLES,
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
    with pytest.raises(ConfigurationError,
                       match="CLEARANCE_DATABASE_URL is not a usable database URL"):
        make_engine("not a url")
    with pytest.raises(ConfigurationError, match="no database driver"):
        make_engine("nosuchdb://x/y")


def test_unreachable_database_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError):
        upgrade(f"sqlite:///{blocker / 'clearance.db'}")


_AT = "2026-11-30 10:00:00"
#: A review item as revision 0002 stored it: findings and reasons inside the item.
_OLD_ROWS = (
    "INSERT INTO titles (id, original_title, type, rating, genres, countries, created_at, "
    f"updated_at) VALUES ('t1', 'Cuties', 'movie', 'TV-MA', '[]', '[]', '{_AT}', '{_AT}')",
    f"INSERT INTO assets (id, title_id, kind, locale, channel, created_at) VALUES "
    f"(1, 't1', 'synopsis', 'en', 'web', '{_AT}'), (2, 't1', 'key_art', 'und', 'web', '{_AT}')",
    "INSERT INTO asset_versions (id, asset_id, content_sha256, content_type, size_bytes, "
    "created_by, created_at) VALUES "
    f"(10, 1, '{'a' * 64}', 'text/plain', 5, 'x', '{_AT}'), "
    f"(11, 2, '{'b' * 64}', 'image/png', 5, 'x', '{_AT}'), "
    f"(12, 1, '{'c' * 64}', 'text/plain', 5, 'x', '{_AT}')",
    f"INSERT INTO teams (id, name, created_at) VALUES ('fr', 'FR', '{_AT}')",
    "INSERT INTO users (id, username, display_name, role, team_id, active, blur_images, "
    f"created_at) VALUES (1, 'rev', 'Rev', 'reviewer', NULL, TRUE, TRUE, '{_AT}')",
    "INSERT INTO review_items (id, version_id, team_id, submitted_by, screening_decision, "
    "policy_version, findings, reasons, rules, risk, needs_two, state, created_at, updated_at) "
    "VALUES (5, 12, 'fr', NULL, 'block', 'clearance-default@2026.11.1', :findings, :reasons, "
    f":rules, 2.95, TRUE, 'queued', '{_AT}', '{_AT}')",
    "INSERT INTO reviews (id, item_id, reviewer_id, outcome, reason, final, created_at) "
    f"VALUES (1, 5, 1, 'reject', 'no', FALSE, '{_AT}')",
    f"INSERT INTO comments (id, item_id, author_id, body, created_at) VALUES "
    f"(1, 5, 1, 'why', '{_AT}')",
)


_OLD_ITEM = {
    "findings": json.dumps([{
        "label": "minor.mentioned", "score": 0.95,
        "evidence": {"kind": "text_span", "start": 0, "end": 7, "text": "Amy, 11", "sentence": 0},
        "detector": "minor.mentioned", "detector_version": "3", "attributes": {"age": 11}}]),
    "reasons": json.dumps([{
        "rule": "child-sexualised-copy", "outcome": "block",
        "description": "copy puts a child next to sexualising framing",
        "text": "BLOCK by rule 'child-sexualised-copy': copy puts a child next to sexualising "
                "framing — minor.mentioned \"Amy, 11\" (age 11)"}]),
    "rules": json.dumps(["child-sexualised-copy", "minor.mentioned"]),
}


def test_0003_moves_review_items_into_screenings_and_keeps_their_reviews(
        database_url: str) -> None:
    """Existing items keep their findings, reasons, reviews and comments (on SQLite the table is
    rebuilt: with foreign keys on, that would have cascaded into reviews and comments)."""
    upgrade(database_url, "0002")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for statement in _OLD_ROWS:
                sql = statement.replace("TRUE", "1") if engine.dialect.name == "sqlite" \
                    else statement
                connection.execute(text(sql), _OLD_ITEM if ":findings" in sql else {})
        upgrade(engine)
        with session_scope(engine) as session:
            item = session.get(ReviewItem, 5)
            assert item is not None
            assert (item.round, item.state, item.policy_version) == \
                (1, "queued", "clearance-default@2026.11.1")
            screening = session.get(Screening, item.screening_id)
            assert screening is not None
            assert (screening.version_id, screening.decision, screening.requested_by) == \
                (12, "block", "migration")
            assert screening.detectors == {"minor.mentioned": "3"}
            assert item.findings[0]["attributes"] == {"age": 11}
            assert [r["rule"] for r in item.reasons] == ["child-sexualised-copy"]
            assert item.reasons[0]["text"].startswith("BLOCK by rule 'child-sexualised-copy'")
            assert [r.outcome for r in item.reviews] == ["reject"]
            assert [c.body for c in item.comments] == ["why"]
            numbers = {v.id: v.number for v in session.query(AssetVersion)}
            assert numbers == {10: 1, 11: 1, 12: 2}
    finally:
        engine.dispose()


def test_sqlite_migrates_itself_other_databases_are_refused_until_upgraded(
        database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        if engine.dialect.name == "sqlite":
            ensure_schema(engine)
            assert current_revision(engine) == head_revision()
            return
        with pytest.raises(StorageError, match=r"no Clearance schema yet: run 'clearance db "
                                               r"upgrade'"):
            ensure_schema(engine)
        upgrade(engine, "0002")
        with pytest.raises(StorageError, match=r"at schema revision 0002; this version of "
                                               r"Clearance needs .*'clearance db upgrade'"):
            ensure_schema(engine)
        assert current_revision(engine) == "0002"  # refused, not migrated
        upgrade(engine)
        ensure_schema(engine)
    finally:
        engine.dispose()
