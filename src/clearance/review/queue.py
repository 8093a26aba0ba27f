"""The review queue: screened asset versions waiting for a human, claims, reviews and decisions.

* :func:`submit` routes a stored screening of an asset version into review: the version's first
  screening makes its first **review item**, a later one that decides the same changes nothing,
  and one that decides differently opens the next round (``submit_result`` records a
  :class:`~clearance.screening.ScreenResult` as a screening first). A screening ``pass`` is
  recorded as ``passed`` and never queued; ``review`` and ``block`` are queued by **risk** = 2
  for block / 1 for review / 0 for pass, plus the highest finding score, so every block comes
  before every review and the most confident finding first.
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

This module is the one entry point (the API, the UI and the command line use it); the work is
split by verb: :mod:`~clearance.review.items` (submit, visibility, rounds),
:mod:`~clearance.review.claims`, :mod:`~clearance.review.decisions` (reviews, decisions,
comments, reveals) and :mod:`~clearance.review.context` (cast ages, other assets, history).
``docs/review.md`` describes the workflow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, defer, selectinload

from clearance.review import routing
from clearance.review.access import Actor, require_role
from clearance.review.bulk import BulkOutcome, bulk_decide
from clearance.review.claims import claim, expire_leases, release
from clearance.review.decisions import add_comment, decide, record_reveal
from clearance.review.escalation import assign, escalate
from clearance.review.filters import QueueFilter, conditions
from clearance.review.items import (
    FINAL_STATE,
    FINAL_STATE_OUTCOME,
    MINOR_PREFIX,
    OPEN_STATES,
    QUEUE_ORDER,
    RISK_BASE,
    awaiting_senior,
    get_item,
    not_quarantined,
    submit,
    submit_result,
    utcnow,
    visible,
)
from clearance.storage.models import AssetVersion
from clearance.storage.review_models import Comment, ReviewItem
from clearance.storage.screening_models import Screening

__all__ = [
    "FINAL_STATE",
    "FINAL_STATE_OUTCOME",
    "MINOR_PREFIX",
    "OPEN_STATES",
    "RISK_BASE",
    "BulkOutcome",
    "QueueFilter",
    "add_comment",
    "assign",
    "awaiting_senior",
    "bulk_decide",
    "claim",
    "decide",
    "escalate",
    "expire_leases",
    "get_item",
    "item_context",
    "list_queue",
    "list_submitted",
    "record_reveal",
    "release",
    "submit",
    "submit_result",
    "visible",
]


#: What a listing shows of each item, loaded in a few queries for the whole page instead of a
#: few per item (bench/bench_load.py counted 120 statements for a 50-item page without them).
#: A queue page needs the asset, the screening's policy and the reviews (for "awaiting a
#: senior"), not the findings, trace or comments (deferred: loaded only if touched).
_SCREENING_HEAD: Final = selectinload(ReviewItem.screening).options(
    defer(Screening.findings), defer(Screening.trace))
_QUEUE_LOADS: Final = (
    selectinload(ReviewItem.version).selectinload(AssetVersion.asset),
    selectinload(ReviewItem.reviews),
    _SCREENING_HEAD,
)
#: A submitter's page shows the comments and their authors too.
_SUBMITTED_LOADS: Final = (
    selectinload(ReviewItem.version).selectinload(AssetVersion.asset),
    selectinload(ReviewItem.reviews),
    selectinload(ReviewItem.comments).selectinload(Comment.author),
    _SCREENING_HEAD,
)


def list_queue(session: Session, actor: Actor, flt: QueueFilter | None = None, *,
               limit: int = 50, offset: int = 0, now: dt.datetime | None = None
               ) -> list[ReviewItem]:
    """The queue in order (highest risk first, then oldest), for reviewers and above."""
    require_role(actor, "reviewer")
    flt = flt or QueueFilter()
    query = (select(ReviewItem)
             .where(*conditions(flt, now or utcnow()), *routing.filter_conditions(flt, actor),
                    not_quarantined())
             .options(*_QUEUE_LOADS)
             .order_by(*QUEUE_ORDER).limit(max(0, limit)).offset(max(0, offset)))
    return list(session.scalars(query))


def list_submitted(session: Session, actor: Actor, *, limit: int = 50, offset: int = 0
                   ) -> list[ReviewItem]:
    """Items of the actor's team (or their own submissions when they have no team), newest
    first: what a submitter follows."""
    mine: ColumnElement[bool] = ReviewItem.submitted_by == actor.user_id
    if actor.team_id is not None:
        mine = or_(mine, ReviewItem.team_id == actor.team_id)
    query = (select(ReviewItem).where(mine, not_quarantined()).options(*_SUBMITTED_LOADS)
             .order_by(ReviewItem.created_at.desc(), ReviewItem.id.desc())
             .limit(max(0, limit)).offset(max(0, offset)))
    return list(session.scalars(query))


def item_context(session: Session, actor: Actor, item_id: int) -> dict[str, Any]:
    """The title context of an item; see :func:`clearance.review.context.item_context`."""
    from clearance.review.context import item_context as build

    return build(session, actor, get_item(session, actor, item_id))
