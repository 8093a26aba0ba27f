"""Screenings as records, publication state, one version numbering, review rounds, stored jobs.

* ``screenings``: one row per run of detectors + policy over an asset version. Every existing
  review item's findings, decision and reasons move into one (``requested_by = 'migration'``);
  the item then points at it (``screening_id``) and loses its own copies of them.
* ``review_items``: ``round`` (1 for existing items) replaces one-item-per-version; the state
  ``superseded`` is added (an open item whose version was screened again with another decision).
* ``asset_versions.number``: 1-based per asset in the order versions were added.
* ``publications``: which version was live on its asset's channel and locale, from when until when.
* ``jobs`` / ``job_steps``: background batches kept in the database.

On SQLite, ``review_items`` is rebuilt (batch mode); :func:`clearance.storage.db.upgrade` runs
migrations there with foreign keys off (and checks them afterwards), so the rebuild does not
cascade into reviews and comments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATES = "('queued', 'claimed', 'passed', 'approved', 'rejected', 'changes_requested')"
_NEW_STATES = ("('queued', 'claimed', 'passed', 'approved', 'rejected', 'changes_requested', "
               "'superseded')")
_SOURCES = ("('cli', 'api', 'ui', 'demo', 'import', 'rescreen', 'shadow', 'context', "
            "'migration')")


def _create_tables() -> None:
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=False),
        sa.Column("detectors", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("input_key", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("decision IN ('pass', 'review', 'block')",
                           name=op.f("ck_screenings_decision")),
        sa.CheckConstraint(f"requested_by IN {_SOURCES}", name=op.f("ck_screenings_requested_by")),
        sa.ForeignKeyConstraint(["version_id"], ["asset_versions.id"],
                                name=op.f("fk_screenings_version_id_asset_versions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
    )
    op.create_index(op.f("ix_screenings_version_id_created_at"), "screenings",
                    ["version_id", "created_at"], unique=False)
    op.create_index(op.f("ix_screenings_version_id_input_key"), "screenings",
                    ["version_id", "input_key"], unique=True)

    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("live_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("live_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.CheckConstraint("end_reason IN ('replaced', 'withdrawn', 'unpublished')",
                           name=op.f("ck_publications_end_reason")),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"],
                                name=op.f("fk_publications_asset_id_assets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["asset_versions.id"],
                                name=op.f("fk_publications_version_id_asset_versions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    op.create_index(op.f("ix_publications_version_id"), "publications", ["version_id"],
                    unique=False)
    op.create_index(op.f("ix_publications_asset_id_live_from"), "publications",
                    ["asset_id", "live_from"], unique=False)
    op.create_index("uq_publications_live_asset", "publications", ["asset_id"], unique=True,
                    sqlite_where=sa.text("live_until IS NULL"),
                    postgresql_where=sa.text("live_until IS NULL"))

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'interrupted')",
                           name=op.f("ck_jobs_state")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_jobs_owner_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_state_created_at"), "jobs", ["state", "created_at"],
                    unique=False)
    op.create_index(op.f("ix_jobs_owner_id"), "jobs", ["owner_id"], unique=False)
    op.create_table(
        "job_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('file', 'text')", name=op.f("ck_job_steps_kind")),
        sa.CheckConstraint("state IN ('pending', 'done', 'failed')",
                           name=op.f("ck_job_steps_state")),
        sa.ForeignKeyConstraint(["item_id"], ["review_items.id"],
                                name=op.f("fk_job_steps_item_id_review_items"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_job_steps_job_id_jobs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_steps")),
        sa.UniqueConstraint("job_id", "position", name=op.f("uq_job_steps_job_id_position")),
    )


def _number_versions() -> None:
    """``asset_versions.number``: 1-based per asset in id order (no table rebuild on SQLite)."""
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    if is_sqlite:
        op.execute("ALTER TABLE asset_versions ADD COLUMN number INTEGER NOT NULL DEFAULT 0")
    else:
        op.add_column("asset_versions", sa.Column("number", sa.Integer(), nullable=True))
    op.execute("UPDATE asset_versions SET number = (SELECT COUNT(*) FROM asset_versions AS v2 "
               "WHERE v2.asset_id = asset_versions.asset_id AND v2.id <= asset_versions.id)")
    if not is_sqlite:
        op.alter_column("asset_versions", "number", existing_type=sa.Integer(), nullable=False)
    op.create_index(op.f("ix_asset_versions_asset_id_number"), "asset_versions",
                    ["asset_id", "number"], unique=True)


def _trace_of(reasons: list[dict[str, Any]], decision: str) -> list[dict[str, Any]]:
    """The fired rules of an old item's reasons. The findings behind each rule were not kept
    then; the reason sentence is kept as ``text`` so it is shown as it was."""
    trace: list[dict[str, Any]] = []
    for r in reasons or []:
        text = str(r.get("text") or "")
        outcome = r.get("outcome")
        if outcome not in ("pass", "review", "block"):
            first = text.split(" ", 1)[0].lower()
            outcome = first if first in ("pass", "review", "block") else decision
        rule = r.get("rule") or "unknown"
        trace.append({"rule": str(rule), "outcome": outcome,
                      "description": str(r.get("description") or text), "findings": [],
                      "text": text})
    return trace


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _move_items_into_screenings() -> None:
    bind = op.get_bind()
    op.add_column("review_items", sa.Column("round", sa.Integer(), nullable=True))
    op.add_column("review_items", sa.Column("screening_id", sa.Integer(), nullable=True))
    items = bind.execute(sa.text(
        "SELECT id, version_id, screening_decision, policy_version, findings, reasons, "
        "created_at FROM review_items ORDER BY id")).mappings().all()
    screenings = sa.table(
        "screenings", sa.column("id", sa.Integer), sa.column("version_id", sa.Integer),
        sa.column("policy", sa.String), sa.column("detectors", sa.JSON),
        sa.column("findings", sa.JSON), sa.column("decision", sa.String),
        sa.column("trace", sa.JSON), sa.column("context", sa.JSON),
        sa.column("input_key", sa.String), sa.column("requested_by", sa.String),
        sa.column("actor", sa.String), sa.column("created_at"))  # as read: no conversion
    for item in items:
        findings = _json(item["findings"]) or []
        detectors = {str(f.get("detector")): str(f.get("detector_version"))
                     for f in findings if isinstance(f, dict) and f.get("detector")}
        key = hashlib.sha256(f"migrated review item {item['id']}".encode()).hexdigest()
        result = bind.execute(screenings.insert().values(
            version_id=item["version_id"], policy=item["policy_version"], detectors=detectors,
            findings=findings, decision=item["screening_decision"],
            trace=_trace_of(_json(item["reasons"]), item["screening_decision"]), context={},
            input_key=key, requested_by="migration", actor=None,
            created_at=item["created_at"]).returning(screenings.c.id))
        screening_id = result.scalar_one()
        bind.execute(sa.text("UPDATE review_items SET screening_id = :s, round = 1 WHERE id = :i"),
                     {"s": screening_id, "i": item["id"]})


def upgrade() -> None:
    _create_tables()
    _number_versions()
    _move_items_into_screenings()
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.alter_column("round", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("screening_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_review_items_version_id", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_review_items_version_id_round"),
                                          ["version_id", "round"])
        batch_op.create_foreign_key(batch_op.f("fk_review_items_screening_id_screenings"),
                                    "screenings", ["screening_id"], ["id"], ondelete="RESTRICT")
        batch_op.create_index(batch_op.f("ix_review_items_screening_id"), ["screening_id"],
                              unique=False)
        batch_op.drop_constraint(op.f("ck_review_items_state"), type_="check")
        batch_op.create_check_constraint("state", sa.text(f"state IN {_NEW_STATES}"))
        batch_op.drop_column("findings")
        batch_op.drop_column("reasons")
        batch_op.drop_column("policy_version")


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("policy_version", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("findings", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("reasons", sa.JSON(), nullable=True))
    rows = bind.execute(sa.text(
        "SELECT r.id, s.policy, s.findings, s.trace FROM review_items r "
        "JOIN screenings s ON s.id = r.screening_id")).mappings().all()
    for row in rows:
        reasons = [{"rule": t.get("rule"), "outcome": t.get("outcome"),
                    "description": t.get("description"), "text": t.get("text", "")}
                   for t in _json(row["trace"]) or []]
        bind.execute(sa.text("UPDATE review_items SET policy_version = :p, findings = :f, "
                             "reasons = :r WHERE id = :i"),
                     {"p": row["policy"], "f": json.dumps(_json(row["findings"])),
                      "r": json.dumps(reasons), "i": row["id"]})
    bind.execute(sa.text("DELETE FROM review_items WHERE round > 1"))
    bind.execute(sa.text("UPDATE review_items SET state = 'queued' WHERE state = 'superseded'"))
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.alter_column("policy_version", existing_type=sa.String(length=100),
                              nullable=False)
        batch_op.alter_column("findings", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("reasons", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint(op.f("ck_review_items_state"), type_="check")
        batch_op.create_check_constraint("state", sa.text(f"state IN {_OLD_STATES}"))
        batch_op.drop_index(batch_op.f("ix_review_items_screening_id"))
        batch_op.drop_constraint(batch_op.f("fk_review_items_screening_id_screenings"),
                                 type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_review_items_version_id_round"), type_="unique")
        batch_op.create_unique_constraint("uq_review_items_version_id", ["version_id"])
        batch_op.drop_column("screening_id")
        batch_op.drop_column("round")
    op.drop_table("job_steps")
    op.drop_index(op.f("ix_jobs_owner_id"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_state_created_at"), table_name="jobs")
    op.drop_table("jobs")
    op.drop_index("uq_publications_live_asset", table_name="publications")
    op.drop_index(op.f("ix_publications_asset_id_live_from"), table_name="publications")
    op.drop_index(op.f("ix_publications_version_id"), table_name="publications")
    op.drop_table("publications")
    op.drop_index(op.f("ix_screenings_version_id_input_key"), table_name="screenings")
    op.drop_index(op.f("ix_screenings_version_id_created_at"), table_name="screenings")
    op.drop_table("screenings")
    op.drop_index(op.f("ix_asset_versions_asset_id_number"), table_name="asset_versions")
    with op.batch_alter_table("asset_versions", schema=None) as batch_op:
        batch_op.drop_column("number")
