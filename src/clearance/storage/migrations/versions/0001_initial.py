"""Initial catalog schema: titles, names, people, credits, assets, versions, depicted people.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _created_at() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "people",
        _id(),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("name", "date_of_birth", name=op.f("uq_people_name_date_of_birth")),
    )
    op.create_index(op.f("ix_people_name"), "people", ["name"])

    op.create_table(
        "titles",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("original_title", sa.String(length=500), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.String(length=32), nullable=True),
        sa.Column("audience", sa.String(length=64), nullable=True),
        sa.Column("release_year", sa.Integer(), nullable=True),
        sa.Column("genres", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        _created_at(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("type IN ('movie', 'series')", name=op.f("ck_titles_type")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_titles")),
    )

    op.create_table(
        "title_names",
        _id(),
        sa.Column("title_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "kind IN ('original', 'localised', 'alias', 'hashtag')",
            name=op.f("ck_title_names_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_title_names_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_title_names")),
        sa.UniqueConstraint(
            "title_id",
            "kind",
            "locale",
            "text",
            name=op.f("uq_title_names_title_id_kind_locale_text"),
        ),
    )
    op.create_index(op.f("ix_title_names_text"), "title_names", ["text"])

    op.create_table(
        "credits",
        _id(),
        sa.Column("title_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("character", sa.String(length=300), nullable=True),
        sa.CheckConstraint("role IN ('cast', 'director', 'crew')", name=op.f("ck_credits_role")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_credits_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_credits_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credits")),
        sa.UniqueConstraint(
            "title_id", "person_id", "role", name=op.f("uq_credits_title_id_person_id_role")
        ),
    )
    op.create_index(op.f("ix_credits_person_id"), "credits", ["person_id"])

    op.create_table(
        "assets",
        _id(),
        sa.Column("title_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        _created_at(),
        sa.CheckConstraint(
            "kind IN ('key_art', 'thumbnail', 'still', 'synopsis', 'tagline', 'title_text')",
            name=op.f("ck_assets_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_assets_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint(
            "title_id",
            "kind",
            "locale",
            "channel",
            name=op.f("uq_assets_title_id_kind_locale_channel"),
        ),
    )

    op.create_table(
        "asset_versions",
        _id(),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _created_at(),
        sa.Column("shoot_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_asset_versions_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_versions")),
        sa.UniqueConstraint(
            "asset_id", "content_sha256", name=op.f("uq_asset_versions_asset_id_content_sha256")
        ),
    )
    op.create_index(op.f("ix_asset_versions_content_sha256"), "asset_versions", ["content_sha256"])

    op.create_table(
        "version_people",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_version_people_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["asset_versions.id"],
            name=op.f("fk_version_people_version_id_asset_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "person_id", name=op.f("pk_version_people")),
    )
    op.create_index(op.f("ix_version_people_person_id"), "version_people", ["person_id"])


def downgrade() -> None:
    for table in (
        "version_people",
        "asset_versions",
        "assets",
        "credits",
        "title_names",
        "titles",
        "people",
    ):
        op.drop_table(table)
