"""Incidents (issue 14): ``incidents`` and what is linked to them — alerts, asset versions (with
the record of their screening and review when linked), petitions — their response actions with
their measured effects, and the timeline (``clearance.storage.incident_models``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_KINDS = ("'withdraw_everywhere', 'replace', 'statement', 'copy_rewritten', 'rating_changed', "
          "'placement_changed', 'escalation'")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def _incident_fk(table: str) -> sa.ForeignKeyConstraint:
    return _fk(table, "incident_id", "incidents", "CASCADE")


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("opened_from", sa.String(length=8), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("onset", _TS, nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("top_posts", sa.JSON(), nullable=False),
        sa.Column("dedup_key", sa.String(length=100), nullable=True),
        sa.CheckConstraint("opened_from IN ('alert', 'person', 'hand')",
                           name=op.f("ck_incidents_opened_from")),
        sa.CheckConstraint("state IN ('open', 'responding', 'monitoring', 'closed')",
                           name=op.f("ck_incidents_state")),
        _fk("incidents", "alert_id", "monitor_alerts", "SET NULL"),
        _fk("incidents", "title_id", "titles", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(op.f("ix_incidents_dedup_key"), "incidents", ["dedup_key"], unique=True)
    op.create_index(op.f("ix_incidents_title_id_state"), "incidents", ["title_id", "state"],
                    unique=False)
    op.create_table(
        "incident_actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("effect", sa.JSON(), nullable=True),
        sa.Column("measured_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_incident_actions_kind")),
        _incident_fk("incident_actions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_actions")),
    )
    op.create_index(op.f("ix_incident_actions_incident_id_at"), "incident_actions",
                    ["incident_id", "at"], unique=False)
    op.create_table(
        "incident_alerts",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", _TS, nullable=False),
        _fk("incident_alerts", "alert_id", "monitor_alerts", "CASCADE"),
        _incident_fk("incident_alerts"),
        sa.PrimaryKeyConstraint("incident_id", "alert_id", name=op.f("pk_incident_alerts")),
    )
    op.create_index(op.f("ix_incident_alerts_alert_id"), "incident_alerts", ["alert_id"],
                    unique=False)
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _incident_fk("incident_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
    )
    op.create_index(op.f("ix_incident_events_incident_id_at"), "incident_events",
                    ["incident_id", "at"], unique=False)
    op.create_table(
        "incident_petitions",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", _TS, nullable=False),
        _incident_fk("incident_petitions"),
        _fk("incident_petitions", "petition_id", "monitor_petitions", "CASCADE"),
        sa.PrimaryKeyConstraint("incident_id", "petition_id",
                                name=op.f("pk_incident_petitions")),
    )
    op.create_table(
        "incident_versions",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("linked_at", _TS, nullable=False),
        sa.CheckConstraint("role IN ('live', 'added')", name=op.f("ck_incident_versions_role")),
        _incident_fk("incident_versions"),
        _fk("incident_versions", "version_id", "asset_versions", "CASCADE"),
        sa.PrimaryKeyConstraint("incident_id", "version_id", name=op.f("pk_incident_versions")),
    )
    op.create_index(op.f("ix_incident_versions_version_id"), "incident_versions",
                    ["version_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_versions_version_id"), table_name="incident_versions")
    op.drop_table("incident_versions")
    op.drop_table("incident_petitions")
    op.drop_index(op.f("ix_incident_events_incident_id_at"), table_name="incident_events")
    op.drop_table("incident_events")
    op.drop_index(op.f("ix_incident_alerts_alert_id"), table_name="incident_alerts")
    op.drop_table("incident_alerts")
    op.drop_index(op.f("ix_incident_actions_incident_id_at"), table_name="incident_actions")
    op.drop_table("incident_actions")
    op.drop_index(op.f("ix_incidents_title_id_state"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_dedup_key"), table_name="incidents")
    op.drop_table("incidents")
