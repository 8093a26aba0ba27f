"""The hash bank: perceptual hashes of content, named banks and their entries, the bank
revision, scan state; the asset kinds ``trailer`` and ``clip``.

* ``media_hashes``: PDQ / vPDQ hashes per content SHA-256 (variant 0-7, frame, quality).
* ``banks`` with ``rejected`` and ``withdrawn`` created (distance 31, enabled), so every fresh
  database has them; ``bank_entries``; ``bank_state`` (one row, revision 0); ``scan_files``.
* ``assets.kind`` accepts ``trailer`` and ``clip`` (videos). On SQLite the ``assets`` table is
  rebuilt (batch mode): :func:`clearance.storage.db.upgrade` runs migrations with foreign keys
  off there, so the rebuild does not cascade into versions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = "('key_art', 'thumbnail', 'still', 'synopsis', 'tagline', 'title_text')"
_NEW_KINDS = ("('key_art', 'thumbnail', 'still', 'synopsis', 'tagline', 'title_text', "
              "'trailer', 'clip')")


def upgrade() -> None:
    op.create_table(
        "media_hashes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("variant", sa.Integer(), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('pdq', 'vpdq')", name=op.f("ck_media_hashes_kind")),
        sa.CheckConstraint("variant >= 0 AND variant <= 63",
                           name=op.f("ck_media_hashes_variant")),
        sa.CheckConstraint("quality >= 0 AND quality <= 100",
                           name=op.f("ck_media_hashes_quality")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_hashes")),
        sa.UniqueConstraint("sha256", "kind", "variant", "frame",
                            name=op.f("uq_media_hashes_sha256_kind_variant_frame")),
    )
    banks = op.create_table(
        "banks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint("reason IN ('rejected', 'withdrawn', 'takedown', 'negative')",
                           name=op.f("ck_banks_reason")),
        sa.CheckConstraint("distance >= 0 AND distance <= 256", name=op.f("ck_banks_distance")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_banks")),
        sa.UniqueConstraint("name", name=op.f("uq_banks_name")),
    )
    op.create_table(
        "bank_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.Column("removed_revision", sa.Integer(), nullable=True),
        sa.CheckConstraint("source IN ('review', 'withdrawal', 'manual', "
                           "'withdraw_everywhere')", name=op.f("ck_bank_entries_source")),
        sa.CheckConstraint("media IN ('image', 'video')", name=op.f("ck_bank_entries_media")),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"],
                                name=op.f("fk_bank_entries_bank_id_banks"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["asset_versions.id"],
                                name=op.f("fk_bank_entries_version_id_asset_versions"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entries")),
    )
    op.create_index(op.f("ix_bank_entries_bank_id_sha256"), "bank_entries",
                    ["bank_id", "sha256"], unique=False)
    op.create_index(op.f("ix_bank_entries_version_id"), "bank_entries", ["version_id"],
                    unique=False)
    op.create_index(op.f("ix_bank_entries_revision"), "bank_entries", ["revision"],
                    unique=False)
    op.create_index(op.f("ix_bank_entries_removed_revision"), "bank_entries",
                    ["removed_revision"], unique=False)
    state = op.create_table(
        "bank_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_state")),
    )
    op.create_table(
        "scan_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("result_key", sa.String(length=64), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_files")),
        sa.UniqueConstraint("scope", "path", name=op.f("uq_scan_files_scope_path")),
    )
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(state, [{"id": 1, "revision": 0}])
    op.bulk_insert(banks, [
        {"name": name, "reason": reason, "description": description, "distance": 31,
         "enabled": True, "created_by": "system", "created_at": now, "revision": 0}
        for name, reason, description in (
            ("rejected", "rejected", "versions rejected in review"),
            ("withdrawn", "withdrawn", "versions withdrawn from the market"))])
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_assets_kind"), type_="check")
        batch_op.create_check_constraint("kind", sa.text(f"kind IN {_NEW_KINDS}"))


def downgrade() -> None:
    bind = op.get_bind()
    left = bind.execute(sa.text("SELECT count(*) FROM assets WHERE kind IN ('trailer', 'clip')"
                                )).scalar_one()
    if left:
        raise RuntimeError(f"cannot downgrade below 0004: {left} trailer/clip asset(s) exist")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_assets_kind"), type_="check")
        batch_op.create_check_constraint("kind", sa.text(f"kind IN {_OLD_KINDS}"))
    op.drop_table("scan_files")
    op.drop_table("bank_state")
    op.drop_index(op.f("ix_bank_entries_removed_revision"), table_name="bank_entries")
    op.drop_index(op.f("ix_bank_entries_revision"), table_name="bank_entries")
    op.drop_index(op.f("ix_bank_entries_version_id"), table_name="bank_entries")
    op.drop_index(op.f("ix_bank_entries_bank_id_sha256"), table_name="bank_entries")
    op.drop_table("bank_entries")
    op.drop_table("banks")
    op.drop_table("media_hashes")
