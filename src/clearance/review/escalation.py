"""Escalation to a senior and assignment to a reviewer (see :mod:`clearance.review.routing` for
what they change for claims).

* :func:`escalate`: the holder of a live claim sends the item to the senior reviewers with a
  written reason. Their claim ends (the item is queued again), the item page shows the reason to
  reviewers (never to the submitter), and from then on only a senior may claim it; claim-next
  hands escalated items to seniors before the rest.
* :func:`assign`: a senior (or admin) gives an open item to a reviewer, or takes it back. The
  assignee gets it first from claim-next and nobody else below senior may claim it; a claim
  someone holds meanwhile is left alone.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from clearance.content.visible import has_visible_words
from clearance.errors import InputError, ReviewConflict, UnknownReference
from clearance.review import audit
from clearance.review.access import Actor, require_role
from clearance.review.audit import Subject
from clearance.review.audit_events import Assigned, Escalated
from clearance.review.items import OPEN_STATES, get_item, username_of, utcnow
from clearance.storage.db import as_utc
from clearance.storage.review_models import ReviewItem, User

MAX_REASON_CHARS = 5000


def escalate(session: Session, actor: Actor, item_id: int, reason: str,
             now: dt.datetime | None = None) -> ReviewItem:
    """Send a claimed item to the senior reviewers (the claim's holder, with a reason)."""
    require_role(actor, "reviewer")
    reason = reason.strip()
    if not has_visible_words(reason):
        raise InputError("an escalation needs a reason (in visible words)")
    if len(reason) > MAX_REASON_CHARS:
        raise InputError(f"an escalation reason is at most {MAX_REASON_CHARS} characters")
    now = now or utcnow()
    item = get_item(session, actor, item_id)
    if item.escalated_at is not None:
        raise ReviewConflict(f"item {item_id} is already escalated")
    lease = as_utc(item.lease_expires_at) if item.lease_expires_at is not None else None
    if item.state != "claimed" or item.claimed_by != actor.user_id or lease is None \
            or lease <= now:
        raise ReviewConflict(f"claim item {item_id} first: you escalate what you are looking at")
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.state == "claimed",
               ReviewItem.claimed_by == actor.user_id, ReviewItem.escalated_at.is_(None))
        .values(state="queued", claimed_by=None, lease_expires_at=None, updated_at=now,
                escalated_at=now, escalated_by=actor.user_id, escalation_reason=reason)
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise ReviewConflict(f"your claim on item {item_id} changed meanwhile; claim it again")
    session.refresh(item)
    audit.record(session, Escalated(subject=Subject.item(item_id), reason=reason),
                 actor=actor.audit_name)
    return item


def assign(session: Session, actor: Actor, item_id: int, username: str | None,
           now: dt.datetime | None = None) -> ReviewItem:
    """Give an open item to ``username`` (a reviewer or above, active), or take it back
    (``None``); seniors and admins."""
    require_role(actor, "senior_reviewer")
    item = get_item(session, actor, item_id)
    if item.state not in OPEN_STATES:
        raise ReviewConflict(f"item {item_id} is {item.state}; only open items are assigned")
    target: User | None = None
    if username is not None:
        target = session.query(User).filter(User.username == username.strip()).one_or_none()
        if target is None or not target.active:
            raise UnknownReference(f"no active user {username!r}")
        if target.role not in ("reviewer", "senior_reviewer", "admin"):
            raise InputError(f"{target.username} is {target.role}: items are assigned to "
                             "reviewers")
        if item.submitted_by == target.id:
            raise ReviewConflict(f"item {item_id} is {target.username}'s own submission")
    previous = username_of(session, item.assigned_to)
    item.assigned_to = target.id if target is not None else None
    item.assigned_at = (now or utcnow()) if target is not None else None
    session.flush()
    audit.record(session, Assigned(subject=Subject.item(item_id),
                                   to=target.username if target is not None else None,
                                   previous=previous), actor=actor.audit_name)
    return item
