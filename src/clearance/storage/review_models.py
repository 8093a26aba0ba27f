"""The review schema: teams, users, API tokens, review items, reviews, comments, the audit chain
and webhooks (same metadata as :mod:`clearance.storage.models`; migration ``0002``).

* A **team** owns the assets its submitters upload; a submitter sees only their team's items.
* A **user** has one role (:data:`ROLES`, in increasing power: submitter, reviewer,
  senior_reviewer, admin) and a wellness preference (images blurred and greyscale by default).
* An **API token** is stored as the SHA-256 of the secret (the secret is shown once); revocable.
* A **UI session** is a row (migration ``0005``): the signed cookie carries a random secret whose
  SHA-256 is stored, so logging out, a password change or a deactivation ends sessions at once
  (``ended_at``), whatever the cookie's own age says.
* An **authentication event** (``auth_events``, ``0005``) is one failed login, successful login
  or refused API token, by account (a keyed hash of the username, never the name typed) and
  address: what the login and token rate limits count, in the database so that every worker
  process of ``clearance serve --workers N`` counts the same.
* A **review item** is one review round of an asset version: it points at the screening it
  reviews (:class:`~clearance.storage.screening_models.Screening`: findings, decision, trace),
  copies what the queue sorts and filters by (the screening decision, the rules and labels, the
  risk), and holds its state (:data:`ITEM_STATES`) and the current claim (who, until when). Items
  whose screening decided ``pass`` are recorded but never queued. A version screened again with
  another decision gets a new item (the next ``round``); an open item of the earlier round is
  then ``superseded``.
* A **review** is one reviewer's outcome (:data:`OUTCOMES`) on an item; an item with a ``minor.*``
  finding is decided only by two concurring reviews, the second by a senior reviewer.
* A **comment** goes back and forth between reviewers and the submitter.
* An **audit event** is one row of the append-only, hash-chained log (``prev_hash`` -> ``hash``);
  database triggers refuse UPDATE and DELETE on it, and ``clearance audit verify`` recomputes the
  chain, so even an edit that bypasses the triggers is found.
* A **webhook subscription** receives signed JSON on decisions; each attempt is in the
  **delivery** log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearance.storage.models import AssetVersion, Base, _in, utcnow
from clearance.storage.screening_models import Screening

#: Roles in increasing power; each includes what the ones before it may do, except that a
#: submitter's view is limited to their team. ``legal`` stands apart: it alone sees quarantined
#: content (the legal reporting path, :mod:`clearance.quarantine`), and nothing else a reviewer
#: sees; it ranks as a submitter without a team.
ROLES: Final = ("submitter", "reviewer", "senior_reviewer", "admin", "legal")
#: queued: waiting for a (first or second) review; claimed: leased to one reviewer;
#: passed: screening passed, never queued; approved / rejected / changes_requested: final;
#: superseded: a later screening of the version decided differently and opened a new round.
ITEM_STATES: Final = ("queued", "claimed", "passed", "approved", "rejected", "changes_requested",
                      "superseded")
FINAL_STATES: Final = ("passed", "approved", "rejected", "changes_requested", "superseded")
OUTCOMES: Final = ("approve", "reject", "request_changes")
DELIVERY_STATES: Final = ("pending", "delivered", "failed")
#: The ``prev_hash`` of the first audit event.
GENESIS_HASH: Final = "0" * 64


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    #: argon2id hash; ``None`` for a user who only uses API tokens.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Wellness: show images blurred and greyscale until revealed (per-user preference).
    blur_images: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    team: Mapped[Team | None] = relationship()


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: SHA-256 (hex) of the secret; the secret itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the secret, to tell tokens apart in lists.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class ReviewItem(Base):
    __tablename__ = "review_items"
    __table_args__ = (
        CheckConstraint(_in("state", ITEM_STATES), name="state"),
        CheckConstraint(_in("screening_decision", ("pass", "review", "block")),
                        name="screening_decision"),
        UniqueConstraint("version_id", "round"),
        Index(None, "state", "risk", "created_at"),
        Index(None, "team_id"),
        Index(None, "screening_id"),
        Index(None, "assigned_to"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("asset_versions.id", ondelete="CASCADE"))
    #: 1 for the version's first item; a changed screening decision opens the next round.
    round: Mapped[int] = mapped_column(Integer, default=1)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="RESTRICT"))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The screening's decision (copied: the queue orders and filters by it).
    screening_decision: Mapped[str] = mapped_column(String(16))
    #: Rule names that fired, then labels found (for the queue's filter).
    rules: Mapped[list[str]] = mapped_column(JSON)
    #: Queue order: higher first (block 2 + top score, review 1 + top score), then oldest.
    risk: Mapped[float] = mapped_column(Float)
    #: True when a ``minor.*`` finding is present: two concurring reviews, the second senior.
    needs_two: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(32))
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: A reviewer a senior gave the item to (migration ``0011``): theirs to claim first, and
    #: nobody else's below a senior.
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: Escalated to a senior by a reviewer (``0011``): only senior reviewers may claim it.
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    escalation_reason: Mapped[str | None] = mapped_column(Text)

    version: Mapped[AssetVersion] = relationship()
    screening: Mapped[Screening] = relationship()
    reviews: Mapped[list[Review]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Review.id"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Comment.id"
    )

    @property
    def policy_version(self) -> str:
        """``name@version`` of the policy the screening applied."""
        return self.screening.policy

    @property
    def findings(self) -> list[dict[str, Any]]:
        """The screening's findings (``Finding.to_dict(precise=True)`` mappings)."""
        return list(self.screening.findings)

    @property
    def reasons(self) -> list[dict[str, Any]]:
        """The fired rules as ``{rule, outcome, description, text}``, most severe first, read
        from the screening's trace (rule names are stored as such, never parsed from text)."""
        from clearance.policy.engine import Decision

        decision = Decision.from_dict({"decision": self.screening.decision,
                                       "policy": self.screening.policy,
                                       "rules": self.screening.trace})
        return [{"rule": r.rule, "outcome": r.outcome, "description": r.description,
                 "text": r.reason()} for r in decision.fired]


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("review_items.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    outcome: Mapped[str] = mapped_column(String(32))
    #: The reviewer's written reason (required to overturn a block).
    reason: Mapped[str] = mapped_column(Text, default="")
    #: A preset reason code (:mod:`clearance.review.reason_codes`; migration ``0011``).
    reason_code: Mapped[str | None] = mapped_column(String(64))
    #: True when this review made the item's decision final.
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[ReviewItem] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("review_items.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[ReviewItem] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class AuditEvent(Base):
    """One link of the hash chain. ``hash = sha256(prev_hash + canonical JSON of the event)``;
    see :mod:`clearance.review.audit`. ``prev_hash`` is unique, so two appends racing for the same
    predecessor cannot fork the chain: one of them fails and rolls back."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    type: Mapped[str] = mapped_column(String(64), index=True)
    #: ``user:<username>``, ``token:<username>/<token id>`` or ``system``.
    actor: Mapped[str] = mapped_column(String(200))
    #: What it is about: ``item:12``, ``user:alice``, ``token:3``, ``webhook:1``...
    subject: Mapped[str] = mapped_column(String(200), index=True)
    #: Canonical JSON (sorted keys, no spaces) exactly as hashed.
    data: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditPending(Base):
    """An event on its way into the chain (PostgreSQL; migration ``0012``). A transaction's
    events are inserted here without a lock; a deferred constraint trigger moves them into
    :class:`AuditEvent` inside the ``COMMIT`` itself (lock, head, hashes, insert), so the chain's
    lock is never held across a round trip to the client. The table is empty outside a
    transaction. ``body_head`` and ``body_tail`` are the canonical JSON around ``at`` and
    ``data`` + ``seq``, made by Python, so the database hashes exactly what
    :func:`clearance.review.audit.event_hash` hashes without escaping JSON itself."""

    __tablename__ = "audit_pending"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    data: Mapped[str] = mapped_column(Text)
    #: ``{"actor":…,"at":"`` (the append time follows).
    body_head: Mapped[str] = mapped_column(Text)
    #: ``,"subject":…,"type":…}`` (after ``"data":…,"seq":N``).
    body_tail: Mapped[str] = mapped_column(Text)


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: The HMAC-SHA256 key (a secret the subscriber also holds).
    secret: Mapped[str] = mapped_column(String(200))
    #: Event types delivered (``decision`` for now); JSON list.
    events: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(_in("status", DELIVERY_STATES), name="status"),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    #: The JSON body sent (exactly the signed bytes, as text).
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    subscription: Mapped[WebhookSubscription] = relationship()


#: Why a UI session ended.
SESSION_END_REASONS: Final = ("logout", "password", "deactivated")
#: What an authentication event records.
AUTH_EVENT_KINDS: Final = ("login_failure", "login_success", "token_failure")


class UserSession(Base):
    """One UI session: started by a login, ended by logout, a password change or a
    deactivation, or by its expiry."""

    __tablename__ = "user_sessions"
    __table_args__ = (CheckConstraint(_in("end_reason", SESSION_END_REASONS),
                                      name="end_reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the random secret the signed cookie carries.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(16))
    #: Where the login came from (the client address the server saw).
    address: Mapped[str] = mapped_column(String(64), default="")


class AuthEvent(Base):
    """A failed or successful login or a refused API token: the rows the rate limits count."""

    __tablename__ = "auth_events"
    __table_args__ = (
        CheckConstraint(_in("kind", AUTH_EVENT_KINDS), name="kind"),
        Index(None, "account", "at"),
        Index(None, "address", "at"),
        Index(None, "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(16))
    #: A keyed hash of the username asked for (``None`` for API tokens): the name typed may be
    #: a password typed in the wrong field, so it is never stored.
    account: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))


REVIEW_TABLES: Final = (
    "teams", "users", "api_tokens", "review_items", "reviews", "comments", "audit_events",
    "audit_pending", "webhook_subscriptions", "webhook_deliveries", "user_sessions", "auth_events",
)
