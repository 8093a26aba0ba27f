"""The review queue: screened asset versions waiting for a human, claims, reviews and decisions.

* :func:`submit` turns one screened asset version into one **review item** (idempotent per
  version). A screening ``pass`` is recorded as ``passed`` and never queued; ``review`` and
  ``block`` are queued by **risk** = 2 for block / 1 for review / 0 for pass, plus the highest
  finding score, so every block comes before every review and the most confident finding first.
* Reviewers take work by **claiming** an item (one named item, or the next eligible one in queue
  order). A claim is a **lease**: it lapses at ``lease_expires_at`` and the item can then be
  claimed by someone else (or put back by :func:`expire_leases`). Two reviewers can never hold
  one item: the claiming UPDATE is conditional (``state = 'queued'`` or the lease has lapsed) and
  its row count is checked, and on PostgreSQL the next item is picked with
  ``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent reviewers are handed different items.
* Nobody reviews their own submission. Approving an item whose screening said ``block`` is an
  **override**: only a senior reviewer (or admin) may do it, and only with a written reason.
* The **two-person rule**: an item with any ``minor.*`` finding is decided by two concurring
  reviews by two different people, the second by a senior. Reviews of such an item come in
  *rounds* of two: the first review leaves the item queued "awaiting senior"; a concurring
  senior second review makes it final; a disagreeing one closes the round (both are kept) and
  the item is queued again for a fresh round.
* Every step is an audit event in the same transaction (see :mod:`clearance.review.audit`), and
  a final decision is announced to webhook subscribers (:func:`clearance.review.webhooks.enqueue`).

The title context shown next to an item (cast ages, other assets, history) is in
:mod:`clearance.review.context`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, String, and_, cast, false, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearance.errors import Forbidden, InputError, NotFound, ReviewConflict
from clearance.review import audit
from clearance.review.access import SYSTEM, Actor, require_role
from clearance.screening import ScreenResult
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.review_models import (
    ITEM_STATES,
    OUTCOMES,
    Comment,
    Review,
    ReviewItem,
    User,
)

#: Queue risk base per screening decision; the highest finding score (0..1) is added to it.
RISK_BASE: Final[dict[str, float]] = {"block": 2.0, "review": 1.0, "pass": 0.0}
#: Items a reviewer can act on.
OPEN_STATES: Final = ("queued", "claimed")
#: A review outcome -> the item's final state.
FINAL_STATE: Final[dict[str, str]] = {
    "approve": "approved", "reject": "rejected", "request_changes": "changes_requested",
}
#: Label prefix that triggers the two-person rule.
MINOR_PREFIX: Final = "minor."
MAX_COMMENT_CHARS: Final = 10_000
#: How many candidates claim-next tries when a conditional UPDATE loses a race (no SKIP LOCKED).
_CLAIM_ATTEMPTS: Final = 20
_REASON_RULE = re.compile(r"^\s*\w+ by rule '([^']+)'")


# -- helpers -------------------------------------------------------------------------------

def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(at: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back; they were stored as UTC."""
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at


def _actor_name(actor: Actor | None) -> str:
    return actor.audit_name if actor is not None else SYSTEM


def _subject(item_id: int) -> str:
    return f"item:{item_id}"


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _username(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.username if user is not None else None


def _reasons(result: ScreenResult | Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fired rules as ``{rule, outcome, description, text}``: from the decision's trace for a
    :class:`ScreenResult`, or parsed back from the reason sentences of its ``to_dict()``."""
    if isinstance(result, ScreenResult):
        return [{"rule": r.rule, "outcome": r.outcome, "description": r.description,
                 "text": r.reason()} for r in result.decision.fired]
    out: list[dict[str, Any]] = []
    for reason in result.get("reasons") or []:
        if isinstance(reason, Mapping):
            out.append(dict(reason))
            continue
        text = str(reason)
        match = _REASON_RULE.match(text)
        out.append({"rule": match.group(1) if match else None, "text": text})
    return out


def awaiting_senior(item: ReviewItem) -> bool:
    """Whether ``item`` holds a first review of a two-person round and waits for a senior."""
    return item.needs_two and item.state in OPEN_STATES and _open_review(item) is not None


def _open_review(item: ReviewItem) -> Review | None:
    """The first review of the current, unfinished two-person round, if there is one.

    Rounds are consecutive pairs of reviews: the second of a pair either made the item final or
    disagreed (which closed the round), so a review is open exactly when it is the first of a pair
    with no second yet."""
    if not item.needs_two:
        return None
    reviews = list(item.reviews)
    return reviews[-1] if len(reviews) % 2 == 1 else None


# -- submission ----------------------------------------------------------------------------

def submit(session: Session, actor: Actor | None, version: AssetVersion,
           result: ScreenResult | Mapping[str, Any], *, team_id: str | None) -> ReviewItem:
    """Record the screening of ``version`` as a review item (queued unless it passed).

    One item per version: submitting the same version again returns the existing item unchanged
    (also when another transaction inserted it concurrently)."""
    existing = session.scalar(select(ReviewItem).where(ReviewItem.version_id == version.id))
    if existing is not None:
        return existing
    data = result.to_dict() if isinstance(result, ScreenResult) else dict(result)
    decision = data.get("decision")
    if decision not in RISK_BASE:
        raise InputError(f"screening result has no valid decision (got {decision!r})")
    findings = [dict(f) for f in data.get("findings") or []]
    reasons = _reasons(result)
    labels = sorted({str(f["label"]) for f in findings if f.get("label")})
    fired = [str(r["rule"]) for r in reasons if r.get("rule")]
    rules = list(dict.fromkeys([*fired, *labels]))
    top = max((float(f.get("score") or 0.0) for f in findings), default=0.0)
    needs_two = any(label.startswith(MINOR_PREFIX) for label in labels)
    now = _utcnow()
    item = ReviewItem(
        version_id=version.id, team_id=team_id,
        submitted_by=actor.user_id if actor is not None else None,
        screening_decision=decision, policy_version=str(data.get("policy") or ""),
        findings=findings, reasons=reasons, rules=rules, risk=RISK_BASE[decision] + top,
        needs_two=needs_two, state="passed" if decision == "pass" else "queued",
        created_at=now, updated_at=now, decided_at=now if decision == "pass" else None,
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        raced = session.scalar(select(ReviewItem).where(ReviewItem.version_id == version.id))
        if raced is None:
            raise
        return raced
    asset = version.asset
    who = _actor_name(actor)
    audit.record(session, "submission", who, _subject(item.id), {
        "version_id": version.id, "asset_id": asset.id, "title_id": asset.title_id,
        "kind": asset.kind, "locale": asset.locale, "channel": asset.channel,
        "sha256": version.content_sha256, "team_id": team_id,
    })
    audit.record(session, "screening", who, _subject(item.id), {
        "decision": decision, "policy_version": item.policy_version, "labels": labels,
        "rules": fired, "risk": round(item.risk, 4), "needs_two": needs_two,
        "state": item.state,
    })
    return item


# -- reading -------------------------------------------------------------------------------

def visible(actor: Actor) -> ColumnElement[bool]:
    """The items ``actor`` may see: all for reviewers and above; a submitter only their team's
    (and their own submissions)."""
    if actor.at_least("reviewer"):
        return true()
    conditions: list[ColumnElement[bool]] = [ReviewItem.submitted_by == actor.user_id]
    if actor.team_id is not None:
        conditions.append(ReviewItem.team_id == actor.team_id)
    return or_(*conditions) if conditions else false()


def get_item(session: Session, actor: Actor, item_id: int) -> ReviewItem:
    """The item, if ``actor`` may see it. An item of another team is reported as not found (404,
    not 403), so its existence is not disclosed."""
    item = session.scalar(select(ReviewItem).where(ReviewItem.id == item_id, visible(actor)))
    if item is None:
        raise NotFound(f"no review item {item_id}")
    return item


@dataclass(frozen=True)
class QueueFilter:
    """Queue filters. ``state``: ``open`` (queued and claimed), ``all``, or one item state."""

    rule: str | None = None
    title_id: str | None = None
    locale: str | None = None
    older_than_hours: float | None = None
    state: str = "open"


def _filtered(flt: QueueFilter, now: dt.datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if flt.state == "open":
        where.append(ReviewItem.state.in_(OPEN_STATES))
    elif flt.state in ITEM_STATES:
        where.append(ReviewItem.state == flt.state)
    elif flt.state != "all":
        raise InputError(f"unknown state filter {flt.state!r} "
                         f"(open, all, {', '.join(ITEM_STATES)})")
    if flt.rule:
        # ``rules`` is a JSON list of strings; match one element exactly, quotes included.
        needle = json.dumps(flt.rule).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(cast(ReviewItem.rules, String).like(f"%{needle}%", escape="\\"))
    if flt.title_id or flt.locale:
        versions = select(AssetVersion.id).join(Asset, Asset.id == AssetVersion.asset_id)
        if flt.title_id:
            versions = versions.where(Asset.title_id == flt.title_id)
        if flt.locale:
            versions = versions.where(Asset.locale == flt.locale)
        where.append(ReviewItem.version_id.in_(versions))
    if flt.older_than_hours is not None:
        if flt.older_than_hours < 0:
            raise InputError("older_than_hours must not be negative")
        where.append(ReviewItem.created_at < now - dt.timedelta(hours=flt.older_than_hours))
    return where


_QUEUE_ORDER: Final = (ReviewItem.risk.desc(), ReviewItem.created_at.asc(), ReviewItem.id.asc())


def list_queue(session: Session, actor: Actor, flt: QueueFilter = QueueFilter(), *,
               limit: int = 50, offset: int = 0, now: dt.datetime | None = None
               ) -> list[ReviewItem]:
    """The queue in order (highest risk first, then oldest), for reviewers and above."""
    require_role(actor, "reviewer")
    query = (select(ReviewItem).where(*_filtered(flt, now or _utcnow()))
             .order_by(*_QUEUE_ORDER).limit(max(0, limit)).offset(max(0, offset)))
    return list(session.scalars(query))


def list_submitted(session: Session, actor: Actor, *, limit: int = 50, offset: int = 0
                   ) -> list[ReviewItem]:
    """Items of the actor's team (or their own submissions when they have no team), newest
    first: what a submitter follows."""
    mine: ColumnElement[bool] = ReviewItem.submitted_by == actor.user_id
    if actor.team_id is not None:
        mine = or_(mine, ReviewItem.team_id == actor.team_id)
    query = (select(ReviewItem).where(mine)
             .order_by(ReviewItem.created_at.desc(), ReviewItem.id.desc())
             .limit(max(0, limit)).offset(max(0, offset)))
    return list(session.scalars(query))


# -- claims --------------------------------------------------------------------------------

def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    """Queued, or claimed with a lapsed lease."""
    return or_(ReviewItem.state == "queued",
               and_(ReviewItem.state == "claimed", ReviewItem.lease_expires_at <= now))


def _eligible(actor: Actor) -> list[ColumnElement[bool]]:
    """What claim-next skips for ``actor``: their own submissions; items awaiting a senior second
    review unless they are senior; items whose open first review is their own."""
    review_count = (select(func.count(Review.id)).where(Review.item_id == ReviewItem.id)
                    .correlate(ReviewItem).scalar_subquery())
    last_reviewer = (select(Review.reviewer_id).where(Review.item_id == ReviewItem.id)
                     .order_by(Review.id.desc()).limit(1).correlate(ReviewItem)
                     .scalar_subquery())
    has_open = and_(ReviewItem.needs_two, review_count % 2 == 1)
    where: list[ColumnElement[bool]] = [
        or_(ReviewItem.submitted_by.is_(None), ReviewItem.submitted_by != actor.user_id),
    ]
    if actor.is_senior:
        where.append(~and_(has_open, last_reviewer == actor.user_id))
    else:
        where.append(~has_open)
    return where


def _refuse_ineligible(item: ReviewItem, actor: Actor) -> None:
    if item.submitted_by is not None and item.submitted_by == actor.user_id:
        raise ReviewConflict(f"item {item.id} is your own submission; someone else must review it")
    first = _open_review(item)
    if first is not None:
        if first.reviewer_id == actor.user_id:
            raise ReviewConflict(f"you gave item {item.id}'s first review; the second must be "
                                 "by a different person")
        if not actor.is_senior:
            raise ReviewConflict(f"item {item.id} is awaiting a senior second review "
                                 "(two-person rule for minor.* findings)")


def _take(session: Session, actor: Actor, item_id: int, now: dt.datetime, lease: dt.timedelta
          ) -> bool:
    """The conditional claiming UPDATE; true when this transaction got the item."""
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, _claimable(now))
        .values(state="claimed", claimed_by=actor.user_id, lease_expires_at=now + lease,
                updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def _next_candidate(session: Session, actor: Actor, now: dt.datetime, skip: Sequence[int]
                    ) -> int | None:
    query = select(ReviewItem.id).where(_claimable(now), *_eligible(actor))
    if skip:
        query = query.where(ReviewItem.id.not_in(skip))
    query = query.order_by(*_QUEUE_ORDER).limit(1)
    if _is_postgres(session):
        query = query.with_for_update(skip_locked=True, of=ReviewItem)
    return session.scalar(query)


def _held_by_someone(item: ReviewItem, now: dt.datetime) -> bool:
    return (item.state == "claimed" and item.lease_expires_at is not None
            and _aware(item.lease_expires_at) > now)


def claim(session: Session, actor: Actor, item_id: int | None = None, *, lease_seconds: int,
          now: dt.datetime | None = None) -> ReviewItem:
    """Lease an item to ``actor`` (reviewer or above) for ``lease_seconds``.

    ``item_id=None`` takes the next eligible item in queue order (:class:`NotFound` when there
    is none). A named item that is held by someone else, final, the actor's own submission,
    awaiting a senior second review (for a non-senior) or first-reviewed by the actor in this
    round is refused with :class:`ReviewConflict`."""
    require_role(actor, "reviewer")
    if lease_seconds <= 0:
        raise InputError("lease_seconds must be positive")
    now = now or _utcnow()
    lease = dt.timedelta(seconds=lease_seconds)
    if item_id is None:
        tried: list[int] = []
        for _ in range(_CLAIM_ATTEMPTS):
            candidate = _next_candidate(session, actor, now, tried)
            if candidate is None:
                break
            previous = session.get(ReviewItem, candidate)
            holder = previous.claimed_by if previous is not None else None
            if _take(session, actor, candidate, now, lease):
                return _claimed(session, actor, candidate, holder, now)
            tried.append(candidate)
        raise NotFound("no item in the queue is waiting for you")
    item = get_item(session, actor, item_id)
    if item.state not in OPEN_STATES:
        raise ReviewConflict(f"item {item_id} is {item.state}; it cannot be claimed")
    _refuse_ineligible(item, actor)
    if _held_by_someone(item, now) and item.claimed_by == actor.user_id:
        # Renewing one's own live lease.
        item.lease_expires_at = now + lease
        item.updated_at = now
        session.flush()
        audit.record(session, "claim", actor.audit_name, _subject(item.id),
                     {"lease_expires_at": _iso(now + lease), "renewed": True})
        return item
    holder = item.claimed_by
    if not _take(session, actor, item.id, now, lease):
        session.refresh(item)
        if _held_by_someone(item, now):
            who = _username(session, item.claimed_by) or "someone else"
            raise ReviewConflict(f"item {item_id} is claimed by {who} until "
                                 f"{_iso(_aware(item.lease_expires_at or now))}")
        raise ReviewConflict(f"item {item_id} is {item.state}; it cannot be claimed")
    return _claimed(session, actor, item.id, holder, now)


def _iso(at: dt.datetime) -> str:
    return _aware(at).astimezone(dt.UTC).isoformat()


def _claimed(session: Session, actor: Actor, item_id: int, previous_holder: int | None,
             now: dt.datetime) -> ReviewItem:
    item = session.get(ReviewItem, item_id, populate_existing=True)
    if item is None:  # pragma: no cover - the row was just updated in this transaction
        raise NotFound(f"no review item {item_id}")
    if previous_holder is not None and previous_holder != actor.user_id:
        audit.record(session, "release", SYSTEM, _subject(item_id), {
            "reason": "lease expired", "held_by": _username(session, previous_holder)})
    audit.record(session, "claim", actor.audit_name, _subject(item_id), {
        "lease_expires_at": _iso(item.lease_expires_at or now)})
    return item


def release(session: Session, actor: Actor, item_id: int) -> ReviewItem:
    """Give a claim back (its holder only); the item is queued again."""
    item = get_item(session, actor, item_id)
    if item.state != "claimed" or item.claimed_by != actor.user_id:
        raise ReviewConflict(f"you do not hold item {item_id}")
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.state == "claimed",
               ReviewItem.claimed_by == actor.user_id)
        .values(state="queued", claimed_by=None, lease_expires_at=None, updated_at=_utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise ReviewConflict(f"you do not hold item {item_id}")
    session.refresh(item)
    audit.record(session, "release", actor.audit_name, _subject(item_id), {"reason": "released"})
    return item


def expire_leases(session: Session, now: dt.datetime | None = None) -> int:
    """Queue again every claimed item whose lease has lapsed; returns how many.

    The rows are locked first (skipping rows a concurrent claim holds) and audited afterwards,
    so this never waits for a row while holding the audit log's append lock."""
    now = now or _utcnow()
    query = select(ReviewItem.id, ReviewItem.claimed_by).where(
        ReviewItem.state == "claimed", ReviewItem.lease_expires_at <= now
    ).order_by(ReviewItem.id)
    if _is_postgres(session):
        query = query.with_for_update(skip_locked=True, of=ReviewItem)
    expired: list[tuple[int, int | None]] = []
    for item_id, holder in session.execute(query).all():
        result = session.execute(
            update(ReviewItem)
            .where(ReviewItem.id == item_id, ReviewItem.state == "claimed",
                   ReviewItem.lease_expires_at <= now)
            .values(state="queued", claimed_by=None, lease_expires_at=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            expired.append((item_id, holder))
    for item_id, holder in expired:
        audit.record(session, "release", SYSTEM, _subject(item_id),
                     {"reason": "lease expired", "held_by": _username(session, holder)})
    session.expire_all()
    return len(expired)


# -- decisions -----------------------------------------------------------------------------

def _locked_item(session: Session, actor: Actor, item_id: int) -> ReviewItem:
    """The item re-read from the database, row-locked on PostgreSQL until the transaction ends."""
    get_item(session, actor, item_id)
    query = select(ReviewItem).where(ReviewItem.id == item_id).execution_options(
        populate_existing=True)
    if _is_postgres(session):
        query = query.with_for_update(of=ReviewItem)
    item = session.scalar(query)
    if item is None:
        raise NotFound(f"no review item {item_id}")
    session.refresh(item, ["reviews"])
    return item


def decide(session: Session, actor: Actor, item_id: int, outcome: str, *, reason: str = "",
           comment: str = "", now: dt.datetime | None = None) -> ReviewItem:
    """Record ``actor``'s review of a claimed item and, when the rules allow, the final decision.

    Refused (:class:`ReviewConflict`) unless the actor holds a live claim on it; never one's own
    submission; approving a screening ``block`` needs a senior and a written reason; on a
    two-person item the second review must be a senior's and by someone else. ``request_changes``
    needs a comment (:class:`InputError`)."""
    require_role(actor, "reviewer")
    if outcome not in OUTCOMES:
        raise InputError(f"unknown outcome {outcome!r} (one of {', '.join(OUTCOMES)})")
    reason, comment = reason.strip(), comment.strip()
    if outcome == "request_changes" and not comment:
        raise InputError("request_changes needs a comment telling the submitter what to change")
    now = now or _utcnow()
    item = _locked_item(session, actor, item_id)
    if item.state != "claimed" or item.claimed_by != actor.user_id:
        raise ReviewConflict(f"claim item {item_id} first")
    if item.lease_expires_at is None or _aware(item.lease_expires_at) <= now:
        raise ReviewConflict(f"your lease on item {item_id} expired; claim it again")
    _refuse_ineligible(item, actor)
    is_override = outcome == "approve" and item.screening_decision == "block"
    if is_override:
        if not actor.is_senior:
            raise ReviewConflict("approving an item that screening blocked is an override: it "
                                 "needs a senior reviewer")
        if not reason:
            raise ReviewConflict("approving an item that screening blocked is an override: "
                                 "write the reason")
    first = _open_review(item)
    review = Review(item_id=item.id, reviewer_id=actor.user_id, outcome=outcome, reason=reason,
                    final=False, created_at=now)
    session.add(review)
    if not item.needs_two:
        final, round_reviews = True, [review]
    elif first is None:
        final, round_reviews = False, [review]
    else:
        final, round_reviews = first.outcome == outcome, [first, review]
    item.claimed_by, item.lease_expires_at, item.updated_at = None, None, now
    if final:
        review.final = True
        item.state, item.decided_at = FINAL_STATE[outcome], now
    else:
        item.state = "queued"
    session.flush()
    reviewers = [_username(session, r.reviewer_id) or "" for r in round_reviews]
    step = ("single" if not item.needs_two else "first" if first is None
            else "concurring" if final else "disagreeing")
    audit.record(session, "review", actor.audit_name, _subject(item.id), {
        "review_id": review.id, "outcome": outcome, "reason": reason, "step": step,
        "final": final,
    })
    if final:
        audit.record(session, "decision", actor.audit_name, _subject(item.id), {
            "outcome": outcome, "state": item.state, "reviewers": reviewers,
            "screening_decision": item.screening_decision, "reason": reason,
        })
        if is_override:
            audit.record(session, "override", actor.audit_name, _subject(item.id), {
                "screening_decision": "block", "outcome": outcome, "reviewers": reviewers,
                "reasons": [r.reason for r in round_reviews],
            })
    if comment:
        _add_comment(session, actor, item, comment, now)
    if final:
        _announce(session, item, reviewers)
    return item


def _announce(session: Session, item: ReviewItem, reviewers: list[str]) -> None:
    from clearance.review import webhooks  # imported late: webhooks imports httpx

    version = item.version
    asset = version.asset
    webhooks.enqueue(session, "decision", {
        "item_id": item.id, "version_id": version.id, "title_id": asset.title_id,
        "asset": {"kind": asset.kind, "locale": asset.locale, "channel": asset.channel},
        "outcome": FINAL_STATE_OUTCOME[item.state], "screening_decision": item.screening_decision,
        "policy_version": item.policy_version, "reviewers": reviewers,
        "decided_at": _iso(item.decided_at or _utcnow()),
    })


FINAL_STATE_OUTCOME: Final[dict[str, str]] = {v: k for k, v in FINAL_STATE.items()}


# -- comments and reveals ------------------------------------------------------------------

def _add_comment(session: Session, actor: Actor, item: ReviewItem, body: str,
                 now: dt.datetime) -> Comment:
    if not body:
        raise InputError("a comment needs some text")
    if len(body) > MAX_COMMENT_CHARS:
        raise InputError(f"a comment is at most {MAX_COMMENT_CHARS} characters")
    row = Comment(item_id=item.id, author_id=actor.user_id, body=body, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, "comment", actor.audit_name, _subject(item.id),
                 {"comment_id": row.id, "body": body})
    return row


def add_comment(session: Session, actor: Actor, item_id: int, body: str) -> Comment:
    """A comment on an item by a reviewer or by a member of the item's team."""
    item = get_item(session, actor, item_id)
    return _add_comment(session, actor, item, body.strip(), _utcnow())


def record_reveal(session: Session, actor: Actor, item_id: int) -> None:
    """Audit that ``actor`` (reviewer or above) revealed the item's image unblurred."""
    if not actor.at_least("reviewer"):
        raise Forbidden("revealing is recorded for reviewers; this needs the reviewer role")
    item = get_item(session, actor, item_id)
    audit.record(session, "reveal", actor.audit_name, _subject(item.id),
                 {"version_id": item.version_id})


def item_context(session: Session, actor: Actor, item_id: int) -> dict[str, Any]:
    """The title context of an item; see :func:`clearance.review.context.item_context`."""
    from clearance.review.context import item_context as build

    return build(session, actor, get_item(session, actor, item_id))
