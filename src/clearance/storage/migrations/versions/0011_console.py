"""The review console (issue 15): assignment, escalation and reason codes on the review tables;
saved queue filters, routes of items to reviewer teams, appeals of rejections and team word
lists (``clearance.storage.console_models``).

* ``review_items``: ``assigned_to`` / ``assigned_at`` (a senior gave the item to a reviewer),
  ``escalated_at`` / ``escalated_by`` / ``escalation_reason`` (a reviewer sent it to the
  seniors). ``reviews``: ``reason_code`` (a preset code beside the written reason). All
  nullable: existing rows are neither assigned, escalated nor coded.
* ``saved_filters``, ``review_routes``, ``appeals``, ``team_lexicons``, ``lexicon_terms``: new,
  empty.

On SQLite ``review_items`` and ``reviews`` are rebuilt (batch mode; foreign keys are off while
migrations run there, so the rebuild cascades into nothing); see 0004.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-13
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", _TS, nullable=True))
        batch_op.add_column(sa.Column("escalated_at", _TS, nullable=True))
        batch_op.add_column(sa.Column("escalated_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("escalation_reason", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_review_items_assigned_to"), ["assigned_to"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_review_items_assigned_to_users"), "users",
                                    ["assigned_to"], ["id"], ondelete="SET NULL")
        batch_op.create_foreign_key(batch_op.f("fk_review_items_escalated_by_users"), "users",
                                    ["escalated_by"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_code", sa.String(length=64), nullable=True))

    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        _fk("saved_filters", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_filters_user_id_name")),
    )
    op.create_index(op.f("ix_saved_filters_user_id"), "saved_filters", ["user_id"],
                    unique=False)

    op.create_table(
        "review_routes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("locales", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="RESTRICT",
                                name=op.f("fk_review_routes_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_routes")),
    )
    op.create_index(op.f("ix_review_routes_position"), "review_routes", ["position"],
                    unique=False)

    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("appellant_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.CheckConstraint("state IN ('open', 'upheld', 'overturned')",
                           name=op.f("ck_appeals_state")),
        _fk("appeals", "item_id", "review_items", "CASCADE"),
        _fk("appeals", "appellant_id", "users", "SET NULL"),
        _fk("appeals", "decided_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("item_id", name=op.f("uq_appeals_item_id")),
    )
    op.create_index(op.f("ix_appeals_state_created_at"), "appeals", ["state", "created_at"],
                    unique=False)

    op.create_table(
        "team_lexicons",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE",
                                name=op.f("fk_team_lexicons_team_id_teams")),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_team_lexicons")),
    )
    op.create_table(
        "lexicon_terms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("added_in", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
        sa.Column("removed_in", sa.Integer(), nullable=True),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.Column("removed_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE",
                                name=op.f("fk_lexicon_terms_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicon_terms")),
    )
    op.create_index(op.f("ix_lexicon_terms_team_id_removed_in"), "lexicon_terms",
                    ["team_id", "removed_in"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_lexicon_terms_team_id_removed_in"), table_name="lexicon_terms")
    op.drop_table("lexicon_terms")
    op.drop_table("team_lexicons")
    op.drop_index(op.f("ix_appeals_state_created_at"), table_name="appeals")
    op.drop_table("appeals")
    op.drop_index(op.f("ix_review_routes_position"), table_name="review_routes")
    op.drop_table("review_routes")
    op.drop_index(op.f("ix_saved_filters_user_id"), table_name="saved_filters")
    op.drop_table("saved_filters")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("reason_code")
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_review_items_escalated_by_users"),
                                 type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_review_items_assigned_to_users"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_review_items_assigned_to"))
        batch_op.drop_column("escalation_reason")
        batch_op.drop_column("escalated_by")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_to")
