"""API routes for review items: list, read, claim, decide, comment (uploads are in
:mod:`clearance.service.api_uploads`).

Handlers stay thin: the rules live in :mod:`clearance.review.queue` (who may claim or decide
what); a handler parses the request, calls them in the request's transaction, and shapes the
answer with :mod:`clearance.service.views`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Response

from clearance.review import queue
from clearance.review.access import Actor
from clearance.service import reveals, views
from clearance.service.deps import ReviewerDep, SessionDep, StateDep, SubmitterDep
from clearance.service.models_public import CommentPublic, ItemDetail, ItemPage, RevealPublic
from clearance.service.params import Hours, IdPath, Offset
from clearance.service.schemas import CommentIn, DecisionIn

router = APIRouter(tags=["items"])

MAX_PAGE: Final = 200
#: The queue's state filter: ``open`` (queued and claimed), ``all``, or one item state.
QueueState = Literal["open", "all", "queued", "claimed", "passed", "approved", "rejected",
                     "changes_requested", "superseded"]


@router.get("/items")
def list_items(actor: ReviewerDep, session: SessionDep,
               rule: str | None = None, title: str | None = None, locale: str | None = None,
               older_than_hours: Hours = None,
               state: QueueState = "open",
               limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
               offset: Offset = 0) -> ItemPage:
    """The review queue (reviewers and above): highest risk first, then oldest."""
    flt = queue.QueueFilter(rule=rule, title_id=title, locale=locale,
                            older_than_hours=older_than_hours, state=state)
    items = queue.list_queue(session, actor, flt, limit=limit, offset=offset)
    return ItemPage(items=views.item_list(session, actor, items), limit=limit, offset=offset)


@router.get("/items/mine")
def list_mine(actor: SubmitterDep, session: SessionDep,
              limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
              offset: Offset = 0) -> ItemPage:
    """The caller's team's items (or their own submissions), newest first."""
    items = queue.list_submitted(session, actor, limit=limit, offset=offset)
    return ItemPage(items=views.item_list(session, actor, items), limit=limit, offset=offset)


@router.get("/items/{item_id}")
def get_item(item_id: IdPath, actor: SubmitterDep, session: SessionDep) -> ItemDetail:
    """One item with findings, reasons, reviews, comments and title context (404 when the
    caller may not see it)."""
    return views.item_detail(session, actor, queue.get_item(session, actor, item_id))


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


def _item(session: SessionDep, actor: Actor, item_id: int) -> ItemDetail:
    """The item after a change: the change is committed first, so the audit chain's lock (held
    to the end of a writing transaction) is not held while the response is built."""
    session.commit()
    return views.item_detail(session, actor, queue.get_item(session, actor, item_id))


@router.post("/items/{item_id}/claim")
def claim_item(item_id: IdPath, actor: ReviewerDep, session: SessionDep,
               state: StateDep) -> ItemDetail:
    """Lease the item to the caller for ``CLEARANCE_REVIEW_LEASE_SECONDS`` (409 when someone
    else holds it, or the rules refuse it)."""
    queue.claim(session, actor, item_id, lease_seconds=state.settings.review_lease_seconds)
    return _item(session, actor, item_id)


@router.post("/queue/claim-next")
def claim_next(actor: ReviewerDep, session: SessionDep, state: StateDep) -> ItemDetail:
    """Lease the next item the caller may review, in queue order (404 when there is none)."""
    item = queue.claim(session, actor, None, lease_seconds=state.settings.review_lease_seconds)
    return _item(session, actor, item.id)


@router.post("/items/{item_id}/release")
def release_item(item_id: IdPath, actor: ReviewerDep, session: SessionDep) -> ItemDetail:
    """Give a claim back (holder only)."""
    queue.release(session, actor, item_id)
    return _item(session, actor, item_id)


@router.post("/items/{item_id}/decision")
def decide_item(item_id: IdPath, body: DecisionIn, actor: ReviewerDep,
                session: SessionDep) -> ItemDetail:
    """Record the caller's review; final unless the two-person rule needs a second one."""
    queue.decide(session, actor, item_id, body.outcome, reason=body.reason,
                 comment=body.comment)
    return _item(session, actor, item_id)


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

