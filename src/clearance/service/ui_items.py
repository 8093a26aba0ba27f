"""The item page and its actions: view, content, claim, release, reveal, decide, comment.

The image is sent by ``/items/{id}/content`` (to the viewer allowed to see the item) **blurred
and greyscale on the server** unless the viewer turned that off in ``/settings``; the boxes and
labels of the findings are drawn over it either way, so a reviewer knows where to look before
deciding to look. The original bytes are sent only with a reveal grant (``?reveal=``,
:mod:`clearance.service.reveals`), and a grant is minted only where the reveal is recorded:
*Reveal* POSTs to ``/items/{id}/reveal``, which for a reviewer is an audited ``reveal`` event
(:func:`clearance.review.queue.record_reveal`); the page's script then loads the original in
place of the blurred one, and without the script the form redirects to the page with the grant.
For a reviewer who turned blurring off, each view of the page is recorded as a reveal
(``how="preference"``). Submitters may reveal their own team's uploads; that is not a review
act and is not recorded. A video is not sent at all until revealed (there is no blurred video).

For reviewers the page also says where the hash bank stands: "in bank X since D" when the
version's content is banked, and its **near-copies elsewhere** (its lineage: the other catalog
versions matching it, in any title, locale or channel, with their state), computed from stored
hashes only (a version never hashed shows none rather than being hashed on a page view). Senior
reviewers get the **Withdraw everywhere** link to the confirm step
(:mod:`clearance.service.ui_bank`). A trailer or clip is shown as a video, blurred likewise.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse

from clearance.errors import Forbidden, InputError, NotFound, ReviewConflict
from clearance.review import queue, routing
from clearance.service import bank_views, queue_views, reveals, ui_view
from clearance.service.deps import SessionDep, StateDep
from clearance.service.params import IdPath
from clearance.service.ui_base import Page, PageDep, UIRoute, redirect, render, safe_next
from clearance.storage.db import as_utc
from clearance.storage.review_models import ReviewItem, User

router = APIRouter(route_class=UIRoute, include_in_schema=False)
#: The longest side of a queue row's thumbnail (px).
THUMB_SIDE = 96


def holds_claim(item: ReviewItem, page: Page, now: dt.datetime | None = None) -> bool:
    """Whether the viewer holds a live claim on ``item`` (and so may decide it)."""
    lease = as_utc(item.lease_expires_at) if item.lease_expires_at else None
    return (item.state == "claimed" and item.claimed_by == page.actor.user_id
            and lease is not None and lease > (now or dt.datetime.now(dt.UTC)))


def _claimable(item: ReviewItem, page: Page, now: dt.datetime) -> bool:
    if not page.is_reviewer or item.submitted_by == page.actor.user_id:
        return False
    lease = as_utc(item.lease_expires_at) if item.lease_expires_at else None
    return item.state == "queued" or (item.state == "claimed" and lease is not None
                                      and lease <= now)


def _is_image(content_type: str) -> bool:
    return content_type.lower().startswith("image/")


def _is_video(content_type: str) -> bool:
    return content_type.lower().startswith("video/")


def _grant(state: StateDep, page: Page, item_id: int) -> str:
    return reveals.grant(state.secret, "item", item_id, page.actor.user_id)


def _picture_view(session: SessionDep, state: StateDep, page: Page, item: ReviewItem,
                  reveal: str | None) -> tuple[bool, str]:
    """Whether the page shows the item's picture unblurred (a live grant, or blurring turned
    off: then this view is recorded as a reveal), and the URL it shows the picture from."""
    base = f"/items/{item.id}/content"
    granted = reveals.is_granted(state.secret, reveal, "item", item.id, page.actor.user_id)
    if not granted and page.blur_images:
        return False, base
    if not granted and page.is_reviewer:
        queue.record_reveal(session, page.actor, item.id, how="preference")
    return True, f"{base}?{urlencode({'reveal': _grant(state, page, item.id)})}"


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: IdPath, page: PageDep, session: SessionDep,
              state: StateDep, reveal: str | None = None, q: str | None = None) -> Response:
    """Everything a reviewer needs to decide one item, on one page."""
    return _item_view(request, item_id, page, session, state, reveal=reveal, q=q)


def _item_view(request: Request, item_id: int, page: Page, session: SessionDep,
               state: StateDep, *, reveal: str | None = None, q: str | None = None,
               status_code: int = 200, refused: str | None = None,
               typed: dict[str, str] | None = None) -> Response:
    """The item page; after a refused decision, with why (``refused``) and what the reviewer
    had typed and picked (``typed``) still in the form."""
    now = dt.datetime.now(dt.UTC)
    item = queue.get_item(session, page.actor, item_id)
    ctx = queue.item_context(session, page.actor, item_id)
    version = item.version
    is_image = _is_image(version.content_type)
    image_size: tuple[int, int] | None = None
    segments: list[ui_view.Segment] | None = None
    try:
        data = state.blobs.get(version.content_sha256)
    except NotFound:
        data = None
    is_video = _is_video(version.content_type)
    if data is not None and is_image:
        image_size = ui_view.oriented_size(data)
    elif data is not None and not is_video:
        segments = ui_view.segments(data.decode("utf-8", errors="replace"), item.findings)
    banked: list[bank_views.BankedRow] = []
    near: list[bank_views.NearCopyRow] | None = None
    if page.is_reviewer:  # other titles' and teams' versions: not for a submitter's eyes
        banked = bank_views.banked_rows(session, version)
        near = bank_views.near_copy_rows(session, version, state.blobs)
    claimed_by = None
    if item.state == "claimed" and item.claimed_by is not None:
        holder = session.get(User, item.claimed_by)
        claimed_by = holder.username if holder is not None else None
    awaiting = queue.awaiting_senior(item)
    reviews: list[dict[str, Any]] = ctx.get("reviews") or []
    unblurred, content_url = (_picture_view(session, state, page, item, reveal)
                              if is_image or is_video else (True, f"/items/{item.id}/content"))
    return render(
        request, "item.html", page, status_code=status_code, refused=refused, typed=typed,
        item=item, ctx=ctx, is_image=is_image, is_video=is_video,
        image_size=image_size, segments=segments, banked=banked, near_copies=near,
        can_withdraw=page.is_senior and (is_image or is_video),
        overlays=ui_view.overlays(item.findings, image_size),
        findings=ui_view.finding_rows(item.findings),
        reasons=[ui_view.reason_text(r) for r in item.reasons],
        blurred=not unblurred, revealed=unblurred and page.blur_images,
        content_url=content_url,
        holds_claim=holds_claim(item, page, now), can_claim=_claimable(item, page, now),
        claimed_by=claimed_by if not holds_claim(item, page, now) else None,
        awaiting=awaiting, first_review=reviews[-1] if awaiting and reviews else None,
        queue_query=queue_views.carried(queue_views.parse_carried(q)),
        console=queue_views.item_console(session, page.actor, item),
    )


@router.get("/items/{item_id}/content")
def item_content(item_id: IdPath, page: PageDep, session: SessionDep, state: StateDep,
                 reveal: str | None = None) -> Response:
    """The item's content for the page: the copy; the picture blurred on the server, or as
    the browser can show it with a live reveal grant (a video only with one)."""
    version = queue.get_item(session, page.actor, item_id).version
    data = state.blobs.get(version.content_sha256)
    is_image, is_video = _is_image(version.content_type), _is_video(version.content_type)
    cache = "private, max-age=3600"
    if (is_image or is_video) and not reveals.is_granted(state.secret, reveal, "item", item_id,
                                                         page.actor.user_id):
        if is_video:
            raise Forbidden(f"item {item_id} is a video: it is sent only once revealed "
                            f"(POST /items/{item_id}/reveal)")
        data, media_type = reveals.blurred_rendition(data), "image/jpeg"
    elif is_image:
        (data, media_type), cache = ui_view.browser_image(data), "private, no-store"
    elif is_video:
        media_type, cache = version.content_type, "private, no-store"
    else:
        media_type = "text/plain; charset=utf-8"
    return Response(data, media_type=media_type, headers={
        "Cache-Control": cache, "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


@router.get("/items/{item_id}/thumb")
def item_thumb(item_id: IdPath, page: PageDep, session: SessionDep, state: StateDep) -> Response:
    """The queue row's thumbnail of an image item: small, blurred and greyscale, whatever the
    viewer's preference (the queue is scanned, not looked at); never the original."""
    version = queue.get_item(session, page.actor, item_id).version
    if not _is_image(version.content_type):
        raise NotFound(f"item {item_id} is not an image")
    data = reveals.blurred_rendition(state.blobs.get(version.content_sha256), side=THUMB_SIDE)
    return Response(data, media_type="image/jpeg", headers={
        "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})


@router.post("/items/{item_id}/claim")
def claim(item_id: IdPath, page: PageDep, session: SessionDep, state: StateDep,
          q: Annotated[str, Form()] = "") -> Response:
    queue.claim(session, page.actor, item_id, lease_seconds=state.settings.review_lease_seconds)
    carried = queue_views.carried(queue_views.parse_carried(q))
    return redirect(f"/items/{item_id}" + (f"?{urlencode({'q': carried})}" if carried else ""))


@router.post("/items/{item_id}/release")
def release(item_id: IdPath, page: PageDep, session: SessionDep) -> Response:
    queue.release(session, page.actor, item_id)
    return redirect(f"/items/{item_id}")


@router.post("/items/{item_id}/reveal")
def reveal(request: Request, item_id: IdPath, page: PageDep, session: SessionDep,
           state: StateDep) -> Response:
    """Record a reviewer's reveal (audited), then show the image unblurred: the script gets
    the granted content URL, the plain form the page with the grant."""
    if page.is_reviewer:
        queue.record_reveal(session, page.actor, item_id)
    else:
        queue.get_item(session, page.actor, item_id)  # own team's upload: visibility only
    query = urlencode({"reveal": _grant(state, page, item_id)})
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"item_id": item_id, "revealed": True,
                             "recorded": page.is_reviewer,
                             "content_url": f"/items/{item_id}/content?{query}"})
    return redirect(f"/items/{item_id}?{query}")


@router.post("/items/{item_id}/decision")
def decide(request: Request, item_id: IdPath, page: PageDep, session: SessionDep,
           state: StateDep,
           outcome: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
           comment: Annotated[str, Form()] = "", then: Annotated[str, Form()] = "",
           q: Annotated[str, Form()] = "", reason_code: Annotated[str, Form()] = ""
           ) -> Response:
    """One review; final, or the first of a two-person round (the queue's rules decide). With
    ``then=next`` the next item of the queue the reviewer came from (its filters carried as
    ``q``) is claimed and opened; with none left, the queue says so.

    A review the rules refuse (an override by a reviewer, a reason or comment missing, the claim
    lost) changes nothing (its savepoint is rolled back) and answers with the item page again,
    its status (403, 409, 422) and why, and the outcome, reason and comment as typed, so a
    written reason is never lost to an error page."""
    try:
        with session.begin_nested():
            queue.decide(session, page.actor, item_id, outcome, reason=reason.strip(),
                         comment=comment.strip(), reason_code=reason_code or None)
    except (Forbidden, ReviewConflict, InputError) as exc:
        if "application/json" in request.headers.get("accept", ""):
            raise
        status = 403 if isinstance(exc, Forbidden) else \
            409 if isinstance(exc, ReviewConflict) else 422
        return _item_view(request, item_id, page, session, state, q=q or None,
                          status_code=status, refused=exc.message,
                          typed={"outcome": outcome, "reason": reason, "comment": comment,
                                 "then": then, "reason_code": reason_code})
    if then != "next":
        return redirect(f"/items/{item_id}")
    return redirect(next_item(session, state, page, item_id, q))


def next_item(session: SessionDep, state: StateDep, page: Page, done: int, q: str) -> str:
    """Claim the next item of the carried queue filters; its page, or the queue saying that
    nothing is left (``after``: the item just done)."""
    values = queue_views.parse_carried(q)
    try:
        item = queue.claim(session, page.actor, None,
                           lease_seconds=state.settings.review_lease_seconds,
                           flt=queue_views.queue_filter(values, state.settings,
                                                        routing.load_routes(session)))
    except NotFound:
        return "/queue?" + urlencode({**values, "after": done})
    carried = queue_views.carried(values)
    return f"/items/{item.id}" + (f"?{urlencode({'q': carried})}" if carried else "")


@router.post("/items/{item_id}/comments")
def comment(item_id: IdPath, page: PageDep, session: SessionDep,
            body: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "") -> Response:
    queue.add_comment(session, page.actor, item_id, body)
    return redirect(safe_next(next, f"/items/{item_id}#comments"))
