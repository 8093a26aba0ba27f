"""The review console's own tables (migration ``0011``): what a team working the queue at volume
keeps — saved queue filters, the routing of items to reviewer teams, appeals of rejections and
team word lists. The review tables gain assignment, escalation and reason codes in the same
migration (:mod:`clearance.storage.review_models`).

* ``saved_filters`` — a reviewer's named queue filter (the queue page's query string), kept for
  them alone or ``shared`` with every reviewer.
* ``review_routes`` — which reviewer team works which items, in order (the first route an item
  matches wins): by the asset's locale, the rules and labels that fired, the submitting team and
  the screening decision (each a list: any of; an empty list matches everything). Admins manage
  them; :mod:`clearance.review.routing` reads them.
* ``appeals`` — a submitter's appeal of a rejected item, with their reason; one per item (a
  review round). A senior who did not decide the item upholds or overturns it.
* ``team_lexicons`` and ``lexicon_terms`` — a team's word list, layered over the shipped
  suggestive lexicon when the team's copy is screened (:mod:`clearance.detectors.team_lexicon`).
  A list has a **version**, raised by every change; a term records the version that added it
  and the one that removed it, so any version of the list can be rebuilt. Rows are never
  deleted: a removed term keeps its history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clearance.storage.models import Base, _in, utcnow

APPEAL_STATES: Final = ("open", "upheld", "overturned")
CONSOLE_TABLES: Final = ("saved_filters", "review_routes", "appeals", "team_lexicons",
                         "lexicon_terms")


class SavedFilter(Base):
    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: The queue page's filter query string (``rule=...&locale=fr``), normalised.
    query: Mapped[str] = mapped_column(String(2000))
    #: Listed for every reviewer, not only its owner.
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewRoute(Base):
    __tablename__ = "review_routes"
    __table_args__ = (Index(None, "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Routes are tried in this order (then by id); the first that matches wins.
    position: Mapped[int] = mapped_column(Integer)
    #: The reviewer team the matching items go to.
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))
    #: Asset locales (any of; empty: every locale).
    locales: Mapped[list[str]] = mapped_column(JSON)
    #: Rule names or finding labels that fired (any of; empty: any).
    rules: Mapped[list[str]] = mapped_column(JSON)
    #: Submitting teams (any of; empty: any).
    teams: Mapped[list[str]] = mapped_column(JSON)
    #: Screening decisions (``block``, ``review``; empty: both).
    decisions: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def conditions(self) -> dict[str, Any]:
        return {"locales": list(self.locales), "rules": list(self.rules),
                "teams": list(self.teams), "decisions": list(self.decisions)}


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint(_in("state", APPEAL_STATES), name="state"),
        UniqueConstraint("item_id"),
        Index(None, "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"))
    appellant_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    #: Why the submitter disagrees with the rejection.
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: The senior's written reason for upholding or overturning.
    decision_reason: Mapped[str] = mapped_column(Text, default="")


class TeamLexicon(Base):
    __tablename__ = "team_lexicons"

    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"),
                                         primary_key=True)
    #: Raised by every change (a term added or removed); 0 before the first.
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))


class LexiconTerm(Base):
    __tablename__ = "lexicon_terms"
    __table_args__ = (Index(None, "team_id", "removed_in"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    #: As typed (the lexicon pattern syntax of docs/labels.md: ``*`` a word's rest, a space any
    #: run of spaces or hyphens).
    term: Mapped[str] = mapped_column(String(200))
    #: One of the shipped suggestive lexicon's categories.
    category: Mapped[str] = mapped_column(String(64))
    #: ``en``, ``fr``, ``es``, ``de``, or ``any``.
    language: Mapped[str] = mapped_column(String(16))
    #: The list version this term entered with.
    added_in: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The list version that removed it (``None``: in the list).
    removed_in: Mapped[int | None] = mapped_column(Integer)
    removed_by: Mapped[str | None] = mapped_column(String(200))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
