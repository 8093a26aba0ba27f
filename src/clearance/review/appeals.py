"""Appeals: a submitter disagrees with a rejection; a senior who did not decide it reviews it.

* :func:`open_appeal` — the item's submitter, or a member of its team, appeals a **rejected**
  item with a written reason (one appeal per item, i.e. per review round). Audited
  ``appeal.open``; reviewers see it on the item page and on ``/appeals``.
* :func:`decide_appeal` — a senior reviewer (or admin) **who gave no review on the item**
  (neither of the decision's reviewers nor any earlier one) upholds or overturns it, with a
  written reason, which is also posted to the item's conversation so the submitter reads it.

  * **uphold**: the rejection stands.
  * **overturn** of an item decided by one person: the senior's approval is recorded as a
    review and becomes the final decision (``approved``; an ``override`` as well when
    screening blocked it, which the senior's written reason covers); the version leaves the
    ``rejected`` hash bank, and webhook subscribers get the new decision.
  * **overturn** of an item under the **two-person rule**: the senior's approval is the *first*
    review of a new round; the item is queued again awaiting a second senior (not the
    appealing one), so an appeal never completes a two-person item with one person.

  Audited ``appeal.decide`` (with the item's usual ``review`` / ``decision`` events).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.content.visible import has_visible_words
from clearance.errors import Forbidden, InputError, NotFound, ReviewConflict
from clearance.review import audit
from clearance.review.access import Actor, require_role
from clearance.review.audit import Subject
from clearance.review.audit_events import AppealDecided, AppealOpened, ReviewStep
from clearance.review.items import (
    get_item,
    is_postgres,
    not_quarantined,
    username_of,
    utcnow,
)
from clearance.storage.console_models import Appeal
from clearance.storage.review_models import Review, ReviewItem

MAX_REASON: Final = 5000
AppealOutcome = Literal["uphold", "overturn"]


def _reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not has_visible_words(reason):
        raise InputError(f"{what} needs a reason (in visible words)")
    if len(reason) > MAX_REASON:
        raise InputError(f"{what}'s reason is at most {MAX_REASON} characters")
    return reason


def appeal_of(session: Session, item_id: int) -> Appeal | None:
    return session.scalar(select(Appeal).where(Appeal.item_id == item_id))


def may_appeal(item: ReviewItem, actor: Actor) -> bool:
    """Whether ``actor`` is the submitting side of ``item`` (its submitter or team)."""
    return (item.submitted_by is not None and item.submitted_by == actor.user_id) or (
        actor.team_id is not None and item.team_id == actor.team_id)


def open_appeal(session: Session, actor: Actor, item_id: int, reason: str,
                now: dt.datetime | None = None) -> Appeal:
    """Appeal a rejected item (its submitter or team)."""
    item = get_item(session, actor, item_id)
    if not may_appeal(item, actor):
        raise Forbidden("a rejection is appealed by the team that submitted it")
    if item.state != "rejected":
        raise ReviewConflict(f"item {item_id} is {item.state.replace('_', ' ')}: only a "
                             "rejection is appealed")
    if appeal_of(session, item_id) is not None:
        raise ReviewConflict(f"item {item_id} was appealed already (one appeal per review)")
    row = Appeal(item_id=item_id, appellant_id=actor.user_id,
                 reason=_reason(reason, "an appeal"), state="open",
                 created_at=now or utcnow(), decision_reason="")
    session.add(row)
    session.flush()
    audit.record(session, AppealOpened(subject=Subject.item(item_id), appeal_id=row.id,
                                       reason=row.reason), actor=actor.audit_name)
    return row


def reviewers_of(item: ReviewItem) -> set[int]:
    return {r.reviewer_id for r in item.reviews}


def decide_appeal(session: Session, actor: Actor, item_id: int, outcome: str, reason: str,
                  now: dt.datetime | None = None) -> Appeal:
    """Uphold or overturn the open appeal of ``item_id`` (a senior who gave no review on it)."""
    from clearance.review.decisions import _add_comment, _announce

    require_role(actor, "senior_reviewer")
    if outcome not in ("uphold", "overturn"):
        raise InputError(f"unknown appeal outcome {outcome!r} (uphold or overturn)")
    reason = _reason(reason, "an appeal decision")
    now = now or utcnow()
    get_item(session, actor, item_id)
    query = select(ReviewItem).where(ReviewItem.id == item_id).execution_options(
        populate_existing=True)
    if is_postgres(session):
        query = query.with_for_update(of=ReviewItem)
    item = session.scalar(query)
    if item is None:  # pragma: no cover - get_item found it
        raise NotFound(f"no review item {item_id}")
    session.refresh(item, ["reviews"])
    appeal = appeal_of(session, item_id)
    if appeal is None or appeal.state != "open":
        raise ReviewConflict(f"item {item_id} has no open appeal")
    if actor.user_id in reviewers_of(item):
        raise ReviewConflict("you reviewed this item: its appeal is for a senior who did not "
                             "decide it")
    if item.state != "rejected":  # pragma: no cover - a rejection is final
        raise ReviewConflict(f"item {item_id} is {item.state}")
    who = actor.audit_name
    state = "upheld" if outcome == "uphold" else "overturned"
    appeal.state, appeal.decided_by, appeal.decided_at = state, actor.user_id, now
    appeal.decision_reason = reason
    item_state = item.state
    if outcome == "overturn":
        item_state = _overturn(session, actor, item, reason, now, _announce)
    session.flush()
    audit.record(session, AppealDecided(subject=Subject.item(item_id), appeal_id=appeal.id,
                                        outcome=state, reason=reason, item_state=item_state),
                 actor=who)
    _add_comment(session, actor, item, f"Appeal {state}: {reason}", now)
    return appeal


def _overturn(session: Session, actor: Actor, item: ReviewItem, reason: str, now: dt.datetime,
              announce: Callable[..., None]) -> str:
    """Record the senior's approval: final for one person, a first review for two."""
    review = Review(item_id=item.id, reviewer_id=actor.user_id, outcome="approve",
                    reason=reason, final=not item.needs_two, created_at=now,
                    reason_code=None)
    session.add(review)
    item.claimed_by, item.lease_expires_at, item.updated_at = None, None, now
    if item.needs_two:
        item.state, item.decided_at = "queued", None
    else:
        item.state, item.decided_at = "approved", now
    session.flush()
    who = actor.audit_name
    step: ReviewStep = "first" if item.needs_two else "single"
    audit.record(session, audit.Reviewed(subject=Subject.item(item.id), review_id=review.id,
                                         outcome="approve", reason=reason, step=step,
                                         final=not item.needs_two), actor=who)
    _leave_rejected_bank(session, item, who)
    if not item.needs_two:
        reviewers = (username_of(session, actor.user_id) or "",)
        audit.record(session, audit.Decided(
            subject=Subject.item(item.id), outcome="approve", state="approved",
            reviewers=reviewers, screening_decision=item.screening_decision, reason=reason),
            actor=who)
        if item.screening_decision == "block":
            audit.record(session, audit.Overridden(
                subject=Subject.item(item.id), screening_decision="block", outcome="approve",
                reviewers=reviewers, reasons=(reason,)), actor=who)
        announce(session, item, list(reviewers), reason, now)
    return item.state


def _leave_rejected_bank(session: Session, item: ReviewItem, by: str) -> None:
    """The version leaves the ``rejected`` bank its rejection put it in (it is not rejected
    any more); other banks (withdrawn, by hand) keep it."""
    from clearance.bank import banks

    try:
        bank = banks.get_bank(session, "rejected")
    except NotFound:
        return
    entry = banks.active_entry(session, bank, item.version.content_sha256)
    if entry is not None and entry.source == "review":
        banks.remove_entry(session, entry.id, reason=f"appeal of item {item.id} overturned",
                           by=by)


def list_appeals(session: Session, actor: Actor, *, state: str = "open", limit: int = 100,
                 offset: int = 0) -> list[Appeal]:
    """Appeals for seniors: the open ones oldest first (the order to work them in), or the
    decided ones newest first (``state``: ``open``, ``upheld``, ``overturned`` or ``all``)."""
    require_role(actor, "senior_reviewer")
    query = select(Appeal)
    if state == "open":
        query = query.where(Appeal.state == "open").order_by(Appeal.created_at, Appeal.id)
    elif state in ("upheld", "overturned", "all"):
        if state != "all":
            query = query.where(Appeal.state == state)
        query = query.order_by(Appeal.created_at.desc(), Appeal.id.desc())
    else:
        raise InputError(f"unknown appeal state {state!r} (open, upheld, overturned, all)")
    query = query.join(ReviewItem, ReviewItem.id == Appeal.item_id).where(not_quarantined())
    return list(session.scalars(query.limit(max(0, limit)).offset(max(0, offset))))
