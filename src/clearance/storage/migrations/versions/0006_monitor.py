"""The after-release monitor: posts, their links to titles, aggregates, petitions, articles,
alerts, deletion requests and ingest checkpoints (``clearance.storage.monitor_models``); the name
kind ``handle`` (a title's official accounts) in ``title_names``.

On SQLite ``title_names`` is rebuilt (batch mode) to change its check constraint; see 0004.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = "('original', 'localised', 'alias', 'hashtag')"
_NEW_KINDS = "('original', 'localised', 'alias', 'hashtag', 'handle')"
_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_THEMES = ("child_sexualisation", "age_rating", "cultural_racial", "boycott", "praise")


def upgrade() -> None:
    with op.batch_alter_table("title_names", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_title_names_kind"), type_="check")
        batch_op.create_check_constraint("kind", sa.text(f"kind IN {_NEW_KINDS}"))
    op.create_table(
        "monitor_posts",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("post_key", sa.String(length=600), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=False),
        sa.Column("sentiment", sa.String(length=8), nullable=False),
        sa.Column("negative", sa.Float(), nullable=False),
        sa.Column("is_offensive", sa.Boolean(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("text_removed", sa.String(length=16), nullable=True),
        sa.Column("stream_seq", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("sentiment IN ('negative', 'neutral', 'positive')",
                           name=op.f("ck_monitor_posts_sentiment")),
        sa.CheckConstraint("text_removed IS NULL OR text_removed IN ('retention', 'deleted')",
                           name=op.f("ck_monitor_posts_text_removed")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_posts")),
    )
    op.create_index(op.f("ix_monitor_posts_post_key"), "monitor_posts", ["post_key"],
                    unique=True)
    op.create_index(op.f("ix_monitor_posts_created_at"), "monitor_posts", ["created_at"])
    op.create_table(
        "monitor_post_links",
        sa.Column("post_id", _BIG, nullable=False),
        sa.Column("title_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["monitor_posts.id"], ondelete="CASCADE",
                                name=op.f("fk_monitor_post_links_post_id_monitor_posts")),
        sa.ForeignKeyConstraint(["title_id"], ["titles.id"], ondelete="CASCADE",
                                name=op.f("fk_monitor_post_links_title_id_titles")),
        sa.PrimaryKeyConstraint("post_id", "title_id", "version_id",
                                name=op.f("pk_monitor_post_links")),
    )
    op.create_index(op.f("ix_monitor_post_links_title_id_created_at"), "monitor_post_links",
                    ["title_id", "created_at"])
    op.create_table(
        "monitor_buckets",
        sa.Column("title_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("offensive", sa.Integer(), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=False),
        *(sa.Column(theme, sa.Integer(), nullable=False) for theme in _THEMES),
        sa.ForeignKeyConstraint(["title_id"], ["titles.id"], ondelete="CASCADE",
                                name=op.f("fk_monitor_buckets_title_id_titles")),
        sa.PrimaryKeyConstraint("title_id", "version_id", "step", "start",
                                name=op.f("pk_monitor_buckets")),
    )
    op.create_table(
        "monitor_forgotten",
        sa.Column("post_key", sa.String(length=600), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("post_key", name=op.f("pk_monitor_forgotten")),
    )
    op.create_table(
        "monitor_checkpoints",
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_monitor_checkpoints")),
    )
    op.create_table(
        "monitor_petitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("petition_key", sa.String(length=1000), nullable=False),
        sa.Column("action", sa.String(length=1000), nullable=False),
        sa.Column("title_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["title_id"], ["titles.id"], ondelete="SET NULL",
                                name=op.f("fk_monitor_petitions_title_id_titles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_petitions")),
    )
    op.create_index(op.f("ix_monitor_petitions_petition_key"), "monitor_petitions",
                    ["petition_key"], unique=True)
    op.create_table(
        "monitor_petition_counts",
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["petition_id"], ["monitor_petitions.id"], ondelete="CASCADE",
                                name=op.f("fk_monitor_petition_counts_petition_id_"
                                          "monitor_petitions")),
        sa.PrimaryKeyConstraint("petition_id", "at", name=op.f("pk_monitor_petition_counts")),
    )
    op.create_table(
        "monitor_articles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_key", sa.String(length=1000), nullable=False),
        sa.Column("feed", sa.String(length=1000), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sentiment", sa.String(length=8), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("title_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_articles")),
    )
    op.create_index(op.f("ix_monitor_articles_article_key"), "monitor_articles",
                    ["article_key"], unique=True)
    op.create_index(op.f("ix_monitor_articles_published_at"), "monitor_articles",
                    ["published_at"])
    op.create_table(
        "monitor_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("signal", sa.String(length=40), nullable=False),
        sa.Column("title_id", sa.String(length=64), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("onset", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("top_posts", sa.JSON(), nullable=False),
        sa.Column("live_versions", sa.JSON(), nullable=False),
        sa.Column("dedup_key", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["title_id"], ["titles.id"], ondelete="SET NULL",
                                name=op.f("fk_monitor_alerts_title_id_titles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_alerts")),
    )
    op.create_index(op.f("ix_monitor_alerts_dedup_key"), "monitor_alerts", ["dedup_key"],
                    unique=True)
    op.create_index(op.f("ix_monitor_alerts_title_id_onset"), "monitor_alerts",
                    ["title_id", "onset"])


def downgrade() -> None:
    for table in ("monitor_alerts", "monitor_articles", "monitor_petition_counts",
                  "monitor_petitions", "monitor_checkpoints", "monitor_forgotten",
                  "monitor_buckets", "monitor_post_links", "monitor_posts"):
        op.drop_table(table)
    bind = op.get_bind()
    left = bind.execute(sa.text("SELECT count(*) FROM title_names WHERE kind = 'handle'")
                        ).scalar_one()
    if left:
        raise RuntimeError(f"cannot downgrade below 0006: {left} handle name(s) exist")
    with op.batch_alter_table("title_names", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_title_names_kind"), type_="check")
        batch_op.create_check_constraint("kind", sa.text(f"kind IN {_OLD_KINDS}"))
