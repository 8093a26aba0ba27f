"""UI sessions kept in the database, and the authentication events the rate limits count
(issue 10, items 5 and 6).

* ``user_sessions``: one row per UI session (the cookie carries a random secret, its SHA-256 is
  kept), ended by logout, a password change or a deactivation. Cookies issued before this
  revision name no row and are refused: everyone logs in once more.
* ``auth_events``: failed and successful logins and refused API tokens, by account (a keyed
  hash of the username) and address.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.CheckConstraint("end_reason IN ('logout', 'password', 'deactivated')",
                           name=op.f("ck_user_sessions_end_reason")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"],
                    unique=False)
    op.create_table(
        "auth_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('login_failure', 'login_success', 'token_failure')",
                           name=op.f("ck_auth_events_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_events")),
    )
    op.create_index(op.f("ix_auth_events_account_at"), "auth_events", ["account", "at"],
                    unique=False)
    op.create_index(op.f("ix_auth_events_address_at"), "auth_events", ["address", "at"],
                    unique=False)
    op.create_index(op.f("ix_auth_events_at"), "auth_events", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_auth_events_at"), table_name="auth_events")
    op.drop_index(op.f("ix_auth_events_address_at"), table_name="auth_events")
    op.drop_index(op.f("ix_auth_events_account_at"), table_name="auth_events")
    op.drop_table("auth_events")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
