"""Catalog-scale screening (issue 13): the findings cache, shadow policies and their decisions.

* ``findings_cache``: one detector's findings on one content, keyed by the content's SHA-256, the
  detector's name and version and its other inputs; ``clearance rescreen`` runs a detector only
  where the entry is missing.
* ``shadow_policies``: a draft policy enabled beside the live one (at most one at a time:
  ``is_enabled`` is unique, null once disabled).
* ``shadow_decisions``: what the shadow would have decided on each new screening.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "findings_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("detector", sa.String(length=64), nullable=False),
        sa.Column("detector_version", sa.String(length=200), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_findings_cache")),
    )
    op.create_index(op.f("ix_findings_cache_content_sha256"), "findings_cache",
                    ["content_sha256"], unique=False)
    op.create_table(
        "shadow_policies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("enabled_by", sa.String(length=200), nullable=False),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_by", sa.String(length=200), nullable=True),
        sa.Column("is_enabled", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_policies")),
        sa.UniqueConstraint("is_enabled", name=op.f("uq_shadow_policies_is_enabled")),
    )
    op.create_table(
        "shadow_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("shadow_id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("decision IN ('pass', 'review', 'block')",
                           name=op.f("ck_shadow_decisions_decision")),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"],
                                name=op.f("fk_shadow_decisions_screening_id_screenings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shadow_id"], ["shadow_policies.id"],
                                name=op.f("fk_shadow_decisions_shadow_id_shadow_policies"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_decisions")),
    )
    op.create_index(op.f("ix_shadow_decisions_screening_id"), "shadow_decisions",
                    ["screening_id"], unique=True)
    op.create_index(op.f("ix_shadow_decisions_shadow_id_created_at"), "shadow_decisions",
                    ["shadow_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_shadow_decisions_shadow_id_created_at"),
                  table_name="shadow_decisions")
    op.drop_index(op.f("ix_shadow_decisions_screening_id"), table_name="shadow_decisions")
    op.drop_table("shadow_decisions")
    op.drop_table("shadow_policies")
    op.drop_index(op.f("ix_findings_cache_content_sha256"), table_name="findings_cache")
    op.drop_table("findings_cache")
