"""Incidents (migration ``0010``): a backlash, the assets that caused it, what was done about it
and whether it worked (:mod:`clearance.incidents`; ``docs/incidents.md``).

* ``incidents`` — one per backlash: the catalog title it is about, a name, the state (``open``,
  ``responding``, ``monitoring``, ``closed``), the owner, how it was opened (``alert``: by an
  alert rule on its own; ``person``: by a person from an alert; ``hand``: by a person with no
  alert), when the backlash began (``onset``) and the themes and top posts of its alerts.
* ``incident_alerts`` and ``incident_petitions`` — the alerts and petitions linked to it.
* ``incident_versions`` — the asset versions linked to it, with a **record** frozen when they
  were linked: the version's place, its live publication, its screening (decision, policy, rules
  that fired, finding labels with counts) and its review (who approved it and when, and whether
  that was an override). ``role`` is ``live`` for the versions live at the onset (the
  candidates for "which asset caused it") and ``added`` for one linked by hand.
* ``incident_actions`` — the response: withdraw everywhere, replace, statement, copy rewritten,
  rating or placement changed, escalation; each with what it did (``detail``) and, once
  measured, its **effect** on the public's reaction (:mod:`clearance.incidents.effect`).
* ``incident_events`` — the timeline: opening, every state and owner change, every link and
  action, at the moment it happened (stream time where the incident follows a replayed stream).

Nothing here is ever deleted; the audit log (``incident.*`` events) keeps who changed what.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from clearance.storage.models import Base, _in, utcnow

INCIDENT_STATES: Final = ("open", "responding", "monitoring", "closed")
#: How an incident was opened: by an alert rule on its own, by a person from an alert, by hand.
OPENED_FROM: Final = ("alert", "person", "hand")
VERSION_ROLES: Final = ("live", "added")
ACTION_KINDS: Final = ("withdraw_everywhere", "replace", "statement", "copy_rewritten",
                       "rating_changed", "placement_changed", "escalation")
INCIDENT_TABLES: Final = ("incidents", "incident_alerts", "incident_versions",
                          "incident_petitions", "incident_actions", "incident_events")


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(_in("state", INCIDENT_STATES), name="state"),
        CheckConstraint(_in("opened_from", OPENED_FROM), name="opened_from"),
        Index(None, "title_id", "state"),
        Index(None, "dedup_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title_id: Mapped[str | None] = mapped_column(ForeignKey("titles.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), default="open")
    #: The username of who owns it (``None``: nobody yet).
    owner: Mapped[str | None] = mapped_column(String(200))
    opened_from: Mapped[str] = mapped_column(String(8))
    #: The audit name of who opened it (``system`` for an alert rule).
    opened_by: Mapped[str] = mapped_column(String(200))
    #: The alert it was opened from, if any.
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitor_alerts.id", ondelete="SET NULL"))
    #: When the backlash began (the alert's onset, or given by hand).
    onset: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str] = mapped_column(Text, default="")
    #: ``{theme: share}`` and post ids of its alerts' windows (texts are read when shown).
    themes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    top_posts: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: Set when an alert rule opened it (``alert:<id>``): one incident per firing.
    dedup_key: Mapped[str | None] = mapped_column(String(100))


class IncidentAlert(Base):
    __tablename__ = "incident_alerts"
    __table_args__ = (Index(None, "alert_id"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"),
                                             primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("monitor_alerts.id", ondelete="CASCADE"),
                                          primary_key=True)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IncidentVersion(Base):
    __tablename__ = "incident_versions"
    __table_args__ = (CheckConstraint(_in("role", VERSION_ROLES), name="role"),
                      Index(None, "version_id"))

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"),
                                             primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("asset_versions.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(8))
    #: The version's screening, findings, review and publication when it was linked.
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IncidentPetition(Base):
    __tablename__ = "incident_petitions"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"),
                                             primary_key=True)
    petition_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_petitions.id", ondelete="CASCADE"), primary_key=True)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IncidentAction(Base):
    __tablename__ = "incident_actions"
    __table_args__ = (CheckConstraint(_in("kind", ACTION_KINDS), name="kind"),
                      Index(None, "incident_id", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    #: When it took effect (a replacement: when it went live, once it did).
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: The audit name of who did it.
    by: Mapped[str] = mapped_column(String(200))
    #: What it did: versions withdrawn, the new version, the statement's text and channel...
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Its measured effect (:mod:`clearance.incidents.effect`), once measured.
    effect: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    measured_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IncidentEvent(Base):
    __tablename__ = "incident_events"
    __table_args__ = (Index(None, "incident_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: ``opened``, ``state``, ``owner``, ``alert``, ``version``, ``petition``, ``action``.
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
