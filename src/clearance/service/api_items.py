"""API routes for uploads and review items: submit, list, read, claim, decide, comment.

Handlers stay thin: the rules live in :mod:`clearance.review.queue` (who may claim or decide
what) and :mod:`clearance.service.intake` (what an upload must be); a handler parses the request,
calls them in the request's transaction, and shapes the answer with
:mod:`clearance.service.views`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from clearance.errors import ContentError, InputError, Problem
from clearance.review import queue
from clearance.review.access import Actor
from clearance.service import views
from clearance.service.deps import ReviewerDep, SessionDep, StateDep, SubmitterDep
from clearance.service.intake import (
    AssetSpec,
    Content,
    check_size,
    parse_depicts,
    read_content,
    submit_content,
    text_content,
)
from clearance.service.schemas import CommentIn, DecisionIn
from clearance.service.state import ServiceState
from clearance.storage import session_scope

router = APIRouter(tags=["items"])

#: A batch of more than this many files is screened in the background (202 + a job).
SYNC_BATCH_MAX: Final = 4
#: The most files one batch may hold.
BATCH_MAX: Final = 50
MAX_PAGE: Final = 200

KindForm = Annotated[str, Form(description="key_art, thumbnail, still, synopsis, tagline, "
                                           "title_text")]
LocaleForm = Annotated[str, Form(description="BCP 47 tag; und for a textless image")]
ChannelForm = Annotated[str, Form(description="where it is published, e.g. web, press-kit")]
DepictsForm = Annotated[str | None, Form(description="comma-separated catalog person ids")]
ShootForm = Annotated[dt.date | None, Form(description="YYYY-MM-DD, for the depicted's ages")]


def _read_upload(state: ServiceState, upload: UploadFile) -> tuple[str, bytes]:
    """An uploaded file's name and bytes, refused (413) past the upload limit without reading
    more than one byte beyond it."""
    name = upload.filename or "upload"
    if upload.size is not None:
        check_size(state.settings, name, upload.size)
    data = upload.file.read(state.settings.max_upload_bytes + 1)
    check_size(state.settings, name, len(data))
    return name, data


def _created(body: dict[str, Any], item_id: int, created: bool) -> JSONResponse:
    return JSONResponse(body, status_code=201 if created else 200,
                        headers={"Location": f"/api/items/{item_id}"})


@router.post("/titles/{title_id}/assets", status_code=201)
def upload_asset(title_id: str, actor: SubmitterDep, session: SessionDep, state: StateDep,
                 kind: KindForm, channel: ChannelForm = "default", locale: LocaleForm = "und",
                 file: Annotated[UploadFile | None, File(description="the image (or a UTF-8 "
                                                                     "text file for copy)")] = None,
                 text: Annotated[str | None, Form(description="the copy")] = None,
                 depicts: DepictsForm = None, shoot_date: ShootForm = None) -> JSONResponse:
    """Submit one asset version (an image file, or copy as ``text`` or a text file): stored,
    screened in its title's campaign and queued. 201 with the item; 200 with the existing item
    when the same content was already submitted for this asset."""
    spec = AssetSpec(title_id, kind, locale, channel, parse_depicts(depicts), shoot_date)
    if (file is None) == (text is None):
        raise InputError("send either a file or text (exactly one)")
    if file is not None:
        name, data = _read_upload(state, file)
        content = read_content(state.settings, spec, name, data)
    else:
        content = text_content(state.settings, "text", text or "")
    item, created = submit_content(session, state, actor, spec, content)
    return _created(views.item_detail(session, actor, item), item.id, created)


def _batch_inputs(state: ServiceState, files: list[UploadFile], texts: list[str]
                  ) -> list[tuple[str, bytes | str]]:
    inputs: list[tuple[str, bytes | str]] = [_read_upload(state, f) for f in files]
    inputs += [(f"text-{n}", t) for n, t in enumerate(texts, 1)]
    if not inputs:
        raise InputError("a batch needs at least one file or text")
    if len(inputs) > BATCH_MAX:
        raise InputError(f"a batch holds at most {BATCH_MAX} files ({len(inputs)} sent)")
    return inputs


def _content(state: ServiceState, spec: AssetSpec, name: str, raw: bytes | str) -> Content:
    if isinstance(raw, str):
        return text_content(state.settings, name, raw)
    return read_content(state.settings, spec, name, raw)


@router.post("/batches", status_code=201)
def upload_batch(actor: SubmitterDep, session: SessionDep, state: StateDep,
                 title_id: Annotated[str, Form()], kind: KindForm,
                 channel: ChannelForm = "default", locale: LocaleForm = "und",
                 files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (FastAPI form)
                 texts: Annotated[list[str], Form()] = [],  # noqa: B006
                 depicts: DepictsForm = None, shoot_date: ShootForm = None) -> JSONResponse:
    """Several versions of one asset at once. Up to four are screened now (201 with the items;
    if any file cannot be used, 422 naming every such file and nothing is stored); more are
    screened in the background (202 with the job to follow)."""
    spec = AssetSpec(title_id, kind, locale, channel, parse_depicts(depicts), shoot_date)
    inputs = _batch_inputs(state, files, texts)
    if len(inputs) <= SYNC_BATCH_MAX:
        contents, problems = [], []
        for name, raw in inputs:
            try:
                contents.append(_content(state, spec, name, raw))
            except ContentError as exc:
                problems.append(Problem(exc.message, field=name))
        if problems:
            raise ContentError(f"{len(problems)} of {len(inputs)} upload(s) cannot be used: "
                               + "; ".join(p.message for p in problems), problems=problems)
        items = [submit_content(session, state, actor, spec, c)[0] for c in contents]
        return JSONResponse({"items": views.item_list(session, actor, items)}, status_code=201)
    steps = [(name, _step(state, actor, spec, name, raw)) for name, raw in inputs]
    # The job writes in transactions of its own: end this request's first (SQLite allows one
    # writer, and authenticating may have written the token's last use).
    session.commit()
    job = state.jobs.submit(actor.user_id, steps)
    url = f"/api/jobs/{job.id}"
    return JSONResponse({"job": job.to_dict(), "url": url}, status_code=202,
                        headers={"Location": url})


def _step(state: ServiceState, actor: Actor, spec: AssetSpec, name: str,
          raw: bytes | str) -> Callable[[], int]:
    """One background file: checked, stored, screened and queued in its own transaction."""

    def run() -> int:
        content = _content(state, spec, name, raw)
        with session_scope(state.engine) as session:
            item, _ = submit_content(session, state, actor, spec, content)
            return item.id

    return run


@router.get("/jobs/{job_id}")
def get_job(job_id: str, actor: SubmitterDep, state: StateDep) -> dict[str, Any]:
    """A background batch's progress: ``done`` of ``total``, the items made, per-file errors."""
    owner = None if actor.at_least("admin") else actor.user_id
    return state.jobs.get(job_id, owner_id=owner).to_dict()


@router.get("/items")
def list_items(actor: ReviewerDep, session: SessionDep,
               rule: str | None = None, title: str | None = None, locale: str | None = None,
               older_than_hours: Annotated[float | None, Query(ge=0)] = None,
               state: str = "open", limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
               offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """The review queue (reviewers and above): highest risk first, then oldest."""
    flt = queue.QueueFilter(rule=rule, title_id=title, locale=locale,
                            older_than_hours=older_than_hours, state=state)
    items = queue.list_queue(session, actor, flt, limit=limit, offset=offset)
    return {"items": views.item_list(session, actor, items), "limit": limit, "offset": offset}


@router.get("/items/mine")
def list_mine(actor: SubmitterDep, session: SessionDep,
              limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
              offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """The caller's team's items (or their own submissions), newest first."""
    items = queue.list_submitted(session, actor, limit=limit, offset=offset)
    return {"items": views.item_list(session, actor, items), "limit": limit, "offset": offset}


@router.get("/items/{item_id}")
def get_item(item_id: int, actor: SubmitterDep, session: SessionDep) -> dict[str, Any]:
    """One item with findings, reasons, reviews, comments and title context (404 when the
    caller may not see it)."""
    return views.item_detail(session, actor, queue.get_item(session, actor, item_id))


@router.get("/items/{item_id}/content", response_class=Response)
def get_content(item_id: int, actor: SubmitterDep, session: SessionDep,
                state: StateDep) -> Response:
    """The asset version's bytes (image or UTF-8 text), for reviewers and the item's team."""
    item = queue.get_item(session, actor, item_id)
    version = item.version
    data = state.blobs.get(version.content_sha256)
    return Response(data, media_type=version.content_type, headers={
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'inline; filename="item-{item.id}"',
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })


def _item(session: SessionDep, actor: Actor, item_id: int) -> dict[str, Any]:
    """The item after a change: the change is committed first, so the audit chain's lock (held
    to the end of a writing transaction) is not held while the response is built."""
    session.commit()
    return views.item_detail(session, actor, queue.get_item(session, actor, item_id))


@router.post("/items/{item_id}/claim")
def claim_item(item_id: int, actor: ReviewerDep, session: SessionDep,
               state: StateDep) -> dict[str, Any]:
    """Lease the item to the caller for ``CLEARANCE_REVIEW_LEASE_SECONDS`` (409 when someone
    else holds it, or the rules refuse it)."""
    queue.claim(session, actor, item_id, lease_seconds=state.settings.review_lease_seconds)
    return _item(session, actor, item_id)


@router.post("/queue/claim-next")
def claim_next(actor: ReviewerDep, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """Lease the next item the caller may review, in queue order (404 when there is none)."""
    item = queue.claim(session, actor, None, lease_seconds=state.settings.review_lease_seconds)
    return _item(session, actor, item.id)


@router.post("/items/{item_id}/release")
def release_item(item_id: int, actor: ReviewerDep, session: SessionDep) -> dict[str, Any]:
    """Give a claim back (holder only)."""
    queue.release(session, actor, item_id)
    return _item(session, actor, item_id)


@router.post("/items/{item_id}/decision")
def decide_item(item_id: int, body: DecisionIn, actor: ReviewerDep,
                session: SessionDep) -> dict[str, Any]:
    """Record the caller's review; final unless the two-person rule needs a second one."""
    queue.decide(session, actor, item_id, body.outcome, reason=body.reason,
                 comment=body.comment)
    return _item(session, actor, item_id)


@router.post("/items/{item_id}/comments", status_code=201)
def comment_item(item_id: int, body: CommentIn, actor: SubmitterDep,
                 session: SessionDep) -> dict[str, Any]:
    """A comment, by a reviewer or by the item's team."""
    return views.comment_view(queue.add_comment(session, actor, item_id, body.body))


@router.post("/items/{item_id}/reveal", status_code=204, response_class=Response)
def reveal_item(item_id: int, actor: ReviewerDep, session: SessionDep) -> Response:
    """Record that the caller revealed the item's image unblurred (audited)."""
    queue.record_reveal(session, actor, item_id)
    return Response(status_code=204)

