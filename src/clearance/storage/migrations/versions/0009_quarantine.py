"""Quarantine (issue 10): the ``legal`` role and ``quarantine_holds``.

* ``users.role`` accepts ``legal``: the role that alone sees quarantined content (and nothing
  else of the review's). On SQLite the ``users`` table is rebuilt (batch mode); see 0004.
* ``quarantine_holds``: versions withheld from review because their findings put a minor next
  to an exposed intimate region; their bytes are encrypted in the vault.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-11
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_ROLES = "role IN ('submitter', 'reviewer', 'senior_reviewer', 'admin')"
_NEW_ROLES = "role IN ('submitter', 'reviewer', 'senior_reviewer', 'admin', 'legal')"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", sa.text(_NEW_ROLES))
    op.create_table(
        "quarantine_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("sha1", sa.String(length=40), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vault_name", sa.String(length=64), nullable=True),
        sa.Column("plain_removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["review_items.id"],
                                name=op.f("fk_quarantine_holds_item_id_review_items"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["version_id"], ["asset_versions.id"],
                                name=op.f("fk_quarantine_holds_version_id_asset_versions"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_holds")),
        sa.UniqueConstraint("version_id", name=op.f("uq_quarantine_holds_version_id")),
    )
    op.create_index(op.f("ix_quarantine_holds_item_id"), "quarantine_holds", ["item_id"],
                    unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    left = bind.execute(sa.text("SELECT count(*) FROM users WHERE role = 'legal'")).scalar_one()
    if left:
        raise RuntimeError(f"cannot downgrade below 0009: {left} user(s) have the legal role")
    op.drop_index(op.f("ix_quarantine_holds_item_id"), table_name="quarantine_holds")
    op.drop_table("quarantine_holds")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", sa.text(_OLD_ROLES))
