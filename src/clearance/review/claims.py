"""Claims: a reviewer leases an item before reviewing it, so two people never work on one item.

The claiming UPDATE is conditional (``state = 'queued'``, or ``'claimed'`` with a lapsed lease)
and its row count is checked, so on every database a claim either takes the item or is refused.
Claim-next picks the next eligible item in queue order; on PostgreSQL with
``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent reviewers are handed different items instead
of queueing up for the same row; elsewhere it retries with the next candidate when it loses.
Eligibility: never one's own submission, an item awaiting a senior second review only for a
senior, and never an item whose open first review is one's own.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from clearance.errors import InputError, NotFound, ReviewConflict
from clearance.review import audit, routing
from clearance.review.access import SYSTEM, Actor, require_role
from clearance.review.audit import Subject
from clearance.review.filters import QueueFilter, conditions
from clearance.review.items import (
    OPEN_STATES,
    QUEUE_ORDER,
    get_item,
    is_postgres,
    iso,
    open_review,
    username_of,
    utcnow,
)
from clearance.storage.db import as_utc, core
from clearance.storage.review_models import Review, ReviewItem

#: How many candidates claim-next tries when a conditional UPDATE loses a race (no SKIP LOCKED).
_CLAIM_ATTEMPTS: Final = 20

def _claimable(now: Any) -> ColumnElement[bool]:
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


def refuse_ineligible(item: ReviewItem, actor: Actor) -> None:
    if item.submitted_by is not None and item.submitted_by == actor.user_id:
        raise ReviewConflict(f"item {item.id} is your own submission; someone else must review it")
    first = open_review(item)
    if first is not None:
        if first.reviewer_id == actor.user_id:
            raise ReviewConflict(f"you gave item {item.id}'s first review; the second must be "
                                 "by a different person")
        if not actor.is_senior:
            raise ReviewConflict(f"item {item.id} is awaiting a senior second review "
                                 "(the two-person rule: the policy asks two people to decide it)")


#: The conditional claiming UPDATE, built once (a statement reused keeps its cache key).
_TAKE: Final = (update(ReviewItem)
                .where(ReviewItem.id == bindparam("item_id"), _claimable(bindparam("now")))
                .values(state="claimed", claimed_by=bindparam("user_id"),
                        lease_expires_at=bindparam("until"), updated_at=bindparam("now"))
                .execution_options(synchronize_session=False))


def _take(session: Session, actor: Actor, item_id: int, now: dt.datetime, lease: dt.timedelta
          ) -> bool:
    """The conditional claiming UPDATE; true when this transaction got the item."""
    result = core(session).execute(_TAKE, {"item_id": item_id, "now": now, "user_id": actor.user_id,
                                     "until": now + lease})
    return getattr(result, "rowcount", 0) == 1


def _candidates(actor: Actor, routes: Sequence[routing.Route], now: Any,
                flt: QueueFilter | None = None) -> Select[int, int | None]:
    query = select(ReviewItem.id, ReviewItem.claimed_by).where(
        _claimable(now), *_eligible(actor), *routing.eligibility(actor, routes))
    if flt is not None:
        query = query.where(*conditions(flt, now, states=False),
                            *routing.filter_conditions(flt, actor))
    return query.order_by(routing.preference(actor, routes), *QUEUE_ORDER).limit(1)


@functools.lru_cache(maxsize=512)
def _next_query(actor: Actor, routes: tuple[routing.Route, ...], postgres: bool
                ) -> Select[int, int | None]:
    """Claim-next's unfiltered first try, built once per caller and routing (the time bound)."""
    query = _candidates(actor, routes, bindparam("now"))
    return query.with_for_update(skip_locked=True, of=ReviewItem) if postgres else query


def _next_candidate(session: Session, actor: Actor, now: dt.datetime, skip: Sequence[int],
                    flt: QueueFilter | None, routes: Sequence[routing.Route]
                    ) -> tuple[int, int | None] | None:
    """The next item ``actor`` may claim: its id and who holds it now (a lapsed claim's
    holder), read with the row (locked on PostgreSQL) rather than loading the item."""
    if flt is None and not skip:
        row = core(session).execute(_next_query(actor, tuple(routes), is_postgres(session)),
                              {"now": now}).first()
        return None if row is None else (row.id, row.claimed_by)
    query = _candidates(actor, routes, now, flt)
    if skip:
        query = query.where(ReviewItem.id.not_in(skip))
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True, of=ReviewItem)
    row = core(session).execute(query).first()
    return None if row is None else (row.id, row.claimed_by)


def _held_by_someone(item: ReviewItem, now: dt.datetime) -> bool:
    return (item.state == "claimed" and item.lease_expires_at is not None
            and as_utc(item.lease_expires_at) > now)


def claim(session: Session, actor: Actor, item_id: int | None = None, *, lease_seconds: int,
          now: dt.datetime | None = None, flt: QueueFilter | None = None) -> ReviewItem:
    """Lease an item to ``actor`` (reviewer or above) for ``lease_seconds``.

    ``item_id=None`` takes the next eligible item in queue order, among those ``flt`` keeps
    when given (:class:`NotFound` when there is none); what is assigned to the actor comes
    first, then what is routed to their team (or, for a senior, escalated), and a reviewer
    below senior never gets what is assigned to someone else, escalated or routed to another
    team (:mod:`clearance.review.routing`), nor may claim it by name. A named item that is held
    by someone else, final, the actor's own submission, awaiting a senior second review (for a
    non-senior) or first-reviewed by the actor in this round is refused with
    :class:`ReviewConflict`."""
    if item_id is None:
        return _load(session, claim_next(session, actor, lease_seconds=lease_seconds, now=now,
                                         flt=flt))
    now, lease = _lease(actor, lease_seconds, now)
    routes = routing.load_routes(session)
    item = get_item(session, actor, item_id)
    if item.state not in OPEN_STATES:
        raise ReviewConflict(f"item {item_id} is {item.state}; it cannot be claimed")
    refuse_ineligible(item, actor)
    if _held_by_someone(item, now) and item.claimed_by == actor.user_id:
        # Renewing one's own live lease.
        item.lease_expires_at = now + lease
        item.updated_at = now
        session.flush()
        audit.record(session, audit.Claimed(subject=Subject.item(item.id),
                                            lease_expires_at=iso(now + lease), renewed=True),
                     actor=actor.audit_name)
        return item
    routing.refuse(item, actor, routes)
    holder = item.claimed_by
    if not _take(session, actor, item.id, now, lease):
        session.refresh(item)
        if _held_by_someone(item, now):
            who = username_of(session, item.claimed_by) or "someone else"
            raise ReviewConflict(f"item {item_id} is claimed by {who} until "
                                 f"{iso(as_utc(item.lease_expires_at or now))}")
        raise ReviewConflict(f"item {item_id} is {item.state}; it cannot be claimed")
    _record_claim(session, actor, item.id, holder, now + lease)
    return _load(session, item.id)


def claim_next(session: Session, actor: Actor, *, lease_seconds: int,
               now: dt.datetime | None = None, flt: QueueFilter | None = None) -> int:
    """:func:`claim` of the next eligible item, answering its id (what the API's claim-next
    needs: the item is not loaded as an object)."""
    now, lease = _lease(actor, lease_seconds, now)
    routes = routing.load_routes(session)
    tried: list[int] = []
    for _ in range(_CLAIM_ATTEMPTS):
        found = _next_candidate(session, actor, now, tried, flt, routes)
        if found is None:
            break
        candidate, holder = found
        if _take(session, actor, candidate, now, lease):
            _record_claim(session, actor, candidate, holder, now + lease)
            return candidate
        tried.append(candidate)
    raise NotFound("no item in the queue is waiting for you")


def _lease(actor: Actor, lease_seconds: int, now: dt.datetime | None
           ) -> tuple[dt.datetime, dt.timedelta]:
    """Who may claim (reviewers and above) and for how long: the time now and the lease."""
    require_role(actor, "reviewer")
    if lease_seconds <= 0:
        raise InputError("lease_seconds must be positive")
    return now or utcnow(), dt.timedelta(seconds=lease_seconds)


def _load(session: Session, item_id: int) -> ReviewItem:
    """The item as the claiming UPDATE left it."""
    item = session.get(ReviewItem, item_id, populate_existing=True)
    if item is None:  # pragma: no cover - the row was just updated in this transaction
        raise NotFound(f"no review item {item_id}")
    return item


def _record_claim(session: Session, actor: Actor, item_id: int, previous_holder: int | None,
                  lease_until: dt.datetime) -> None:
    """Audit a claim (and the lapsed claim it took over from someone else)."""
    if previous_holder is not None and previous_holder != actor.user_id:
        audit.record(session, audit.Released(
            subject=Subject.item(item_id), reason="lease expired",
            held_by=username_of(session, previous_holder)), actor=SYSTEM)
    audit.record(session, audit.Claimed(subject=Subject.item(item_id),
                                        lease_expires_at=iso(lease_until)),
                 actor=actor.audit_name)


def release(session: Session, actor: Actor, item_id: int) -> ReviewItem:
    """Give a claim back (its holder only); the item is queued again."""
    item = get_item(session, actor, item_id)
    if item.state != "claimed" or item.claimed_by != actor.user_id:
        raise ReviewConflict(f"you do not hold item {item_id}")
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.state == "claimed",
               ReviewItem.claimed_by == actor.user_id)
        .values(state="queued", claimed_by=None, lease_expires_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise ReviewConflict(f"you do not hold item {item_id}")
    session.refresh(item)
    audit.record(session, audit.Released(subject=Subject.item(item_id), reason="released"),
                 actor=actor.audit_name)
    return item


def expire_leases(session: Session, now: dt.datetime | None = None) -> int:
    """Queue again every claimed item whose lease has lapsed; returns how many.

    The rows are locked first (skipping rows a concurrent claim holds) and audited afterwards,
    so this never waits for a row while holding the audit log's append lock."""
    now = now or utcnow()
    query = select(ReviewItem.id, ReviewItem.claimed_by).where(
        ReviewItem.state == "claimed", ReviewItem.lease_expires_at <= now
    ).order_by(ReviewItem.id)
    if is_postgres(session):
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
        audit.record(session, audit.Released(subject=Subject.item(item_id), reason="lease expired",
                                             held_by=username_of(session, holder)), actor=SYSTEM)
    session.expire_all()
    return len(expired)
