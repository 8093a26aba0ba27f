"""API routes for review items: list, read, claim, decide, comment (uploads are in
:mod:`clearance.service.api_uploads`).

Handlers stay thin: the rules live in :mod:`clearance.review.queue` (who may claim or decide
what); a handler parses the request, calls them in the request's transaction, and shapes the
answer with :mod:`clearance.service.views`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Connection, Select
from sqlalchemy.orm import Session

from clearance.review import claims, queue
from clearance.review.access import Actor
from clearance.review.filters import conditions
from clearance.review.items import QUEUE_ORDER, not_quarantined, utcnow
from clearance.service import answers, item_rows, reveals, views
from clearance.service.deps import (
    ReviewerDep,
    SessionDep,
    StateDep,
    SubmitterDep,
    in_transaction,
    reading,
)
from clearance.service.models_public import CommentPublic, ItemDetail, ItemPage, RevealPublic
from clearance.service.params import Hours, IdPath, Offset
from clearance.service.schemas import CommentIn, DecisionIn
from clearance.storage.review_models import ReviewItem

router = APIRouter(tags=["items"])

MAX_PAGE: Final = 200
#: The queue's state filter: ``open`` (queued and claimed), ``all``, or one item state.
QueueState = Literal["open", "all", "queued", "claimed", "passed", "approved", "rejected",
                     "changes_requested", "superseded"]


@router.get("/items", response_model=ItemPage)
async def list_items(request: Request, actor: ReviewerDep, service: StateDep,
                     rule: str | None = None, title: str | None = None,
                     locale: str | None = None, older_than_hours: Hours = None,
                     state: QueueState = "open",
                     limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                     offset: Offset = 0) -> Response:
    """The review queue (reviewers and above): highest risk first, then oldest."""
    if older_than_hours is None:  # no condition depends on the time: one statement serves
        query = _queue_query(rule, title, locale, state)
    else:
        query = _queue_query.__wrapped__(rule, title, locale, state, older_than_hours)

    def page(db: Connection) -> bytes:
        return answers.encode({"items": item_rows.item_page(db, actor, query, limit=limit,
                                                            offset=offset),
                               "limit": limit, "offset": offset})

    return answers.json_answer(await reading(request, service, page))


@functools.lru_cache(maxsize=256)
def _queue_query(rule: str | None, title: str | None, locale: str | None, state: str,
                 older_than_hours: float | None = None) -> Select[Any]:
    """What :func:`clearance.review.queue.list_queue` selects, as rows
    (:mod:`clearance.service.item_rows`)."""
    flt = queue.QueueFilter(rule=rule, title_id=title, locale=locale,
                            older_than_hours=older_than_hours, state=state)
    return item_rows.page_query([*conditions(flt, utcnow()), not_quarantined()], QUEUE_ORDER)


@router.get("/items/mine")
def list_mine(actor: SubmitterDep, session: SessionDep,
              limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
              offset: Offset = 0) -> ItemPage:
    """The caller's team's items (or their own submissions), newest first."""
    items = queue.list_submitted(session, actor, limit=limit, offset=offset)
    return ItemPage(items=views.item_list(session, actor, items), limit=limit, offset=offset)


@router.get("/items/{item_id}", response_model=ItemDetail)
async def get_item(item_id: IdPath, request: Request, actor: SubmitterDep,
                   state: StateDep) -> Response:
    """One item with findings, reasons, reviews, comments and title context (404 when the
    caller may not see it)."""

    def work(db: Connection) -> bytes:
        return answers.encode(item_rows.item_detail(db, actor, item_id))

    return answers.json_answer(await reading(request, state, work))


@router.get("/items/{item_id}/content", response_class=Response, responses={200: {
    "description": "The asset version's bytes, with their stored content type.",
    "content": {"image/*": {"schema": {"type": "string", "format": "binary"}},
                "text/plain": {"schema": {"type": "string"}}}}})
def get_content(item_id: IdPath, actor: SubmitterDep, session: SessionDep, state: StateDep,
                reveal: Annotated[str | None, Query(
                    max_length=500, description="a grant from POST .../reveal")] = None,
                ) -> Response:
    """The asset version's bytes (image, video or UTF-8 text), for reviewers and the item's
    team. A reviewer's fetch of a picture is an audited reveal (``how: api``) unless it carries
    the grant of a reveal already recorded (``POST /api/items/{id}/reveal``)."""
    item = queue.get_item(session, actor, item_id)
    version = item.version
    is_picture = version.content_type.startswith(("image/", "video/"))
    if is_picture and actor.at_least("reviewer") and not reveals.is_granted(
            state.secret, reveal, "item", item.id, actor.user_id):
        queue.record_reveal(session, actor, item.id, how="api")
    data = state.blobs.get(version.content_sha256)
    return Response(data, media_type=version.content_type, headers={
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'inline; filename="item-{item.id}"',
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })


#: Where :func:`_changed` keeps the item it changed until the commit.
_CHANGED_KEY: Final = "clearance.service.changed_item"


def _changed(session: Session, actor: Actor, item_id: int,
             change: Callable[[], ReviewItem]) -> bytes:
    """The item after ``change`` (its JSON), read in the same transaction before it commits
    (the audit chain's lock is taken by the commit itself, :mod:`clearance.review.audit`, so
    it is not held while the answer is built; a failed commit is still the caller's error)."""
    item = change()
    session.flush()
    # Held until the commit: the identity map is weak, and the commit-time handlers (webhook
    # outbox, bank) read this item's version and asset by id -- found there, not re-selected.
    session.info[_CHANGED_KEY] = item
    return answers.encode(item_rows.item_detail(session, actor, item_id))


@router.post("/items/{item_id}/claim", response_model=ItemDetail)
async def claim_item(item_id: IdPath, request: Request, actor: ReviewerDep,
                     state: StateDep) -> Response:
    """Lease the item to the caller for ``CLEARANCE_REVIEW_LEASE_SECONDS`` (409 when someone
    else holds it, or the rules refuse it)."""
    lease = state.settings.review_lease_seconds

    def work(session: Session) -> bytes:
        return _changed(session, actor, item_id, lambda: queue.claim(
            session, actor, item_id, lease_seconds=lease))

    return answers.json_answer(await in_transaction(request, state, work))


@router.post("/queue/claim-next", response_model=ItemDetail)
async def claim_next(request: Request, actor: ReviewerDep, state: StateDep) -> Response:
    """Lease the next item the caller may review, in queue order (404 when there is none)."""
    lease = state.settings.review_lease_seconds

    def work(session: Session) -> bytes:
        item_id = claims.claim_next(session, actor, lease_seconds=lease)
        return answers.encode(item_rows.item_detail(session, actor, item_id))

    return answers.json_answer(await in_transaction(request, state, work))


@router.post("/items/{item_id}/release", response_model=ItemDetail)
async def release_item(item_id: IdPath, request: Request, actor: ReviewerDep,
                       state: StateDep) -> Response:
    """Give a claim back (holder only)."""

    def work(session: Session) -> bytes:
        return _changed(session, actor, item_id, lambda: queue.release(session, actor, item_id))

    return answers.json_answer(await in_transaction(request, state, work))


@router.post("/items/{item_id}/decision", response_model=ItemDetail)
async def decide_item(item_id: IdPath, body: DecisionIn, request: Request, actor: ReviewerDep,
                      state: StateDep) -> Response:
    """Record the caller's review; final unless the two-person rule needs a second one."""

    def work(session: Session) -> bytes:
        return _changed(session, actor, item_id, lambda: queue.decide(
            session, actor, item_id, body.outcome, reason=body.reason, comment=body.comment,
            reason_code=body.reason_code))

    return answers.json_answer(await in_transaction(request, state, work))


@router.post("/items/{item_id}/comments", status_code=201)
def comment_item(item_id: IdPath, body: CommentIn, actor: SubmitterDep,
                 session: SessionDep) -> CommentPublic:
    """A comment, by a reviewer or by the item's team."""
    return views.comment_view(queue.add_comment(session, actor, item_id, body.body), actor)


@router.post("/items/{item_id}/reveal")
def reveal_item(item_id: IdPath, actor: ReviewerDep, session: SessionDep,
                state: StateDep) -> RevealPublic:
    """Record that the caller reveals the item's image unblurred (audited), and the content URL
    that serves the original to the caller for ten minutes without recording it again."""
    queue.record_reveal(session, actor, item_id)
    grant = reveals.grant(state.secret, "item", item_id, actor.user_id)
    return RevealPublic(item_id=item_id, recorded=True,
                        content_url=f"/api/items/{item_id}/content?{urlencode({'reveal': grant})}",
                        expires_at=dt.datetime.now(dt.UTC)
                        + dt.timedelta(seconds=reveals.GRANT_SECONDS))

