"""API routes for uploads: one asset version, or a batch of versions of one asset.

An upload is screened for up to seconds, so these routes are ``async`` and hold no database
transaction, no database slot and no thread while the models run. The caller is authenticated in
a short transaction of its own (:data:`~clearance.service.deps.EarlySubmitterDep`); then the
phases of :mod:`clearance.service.intake` run, each database phase in a short slot-guarded
transaction (:func:`~clearance.service.deps.transaction`) and the screening in a worker thread
that is waited for in the event loop, one upload at a time (:func:`screening_limiter`; the models
are not thread-safe anyway). Claims and decisions therefore never wait for a screening to finish.

A batch of more than :data:`SYNC_BATCH_MAX` files is accepted as a stored background job (202 and
its URL; :mod:`clearance.service.jobs`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Final, Literal, TypeVar

import anyio
import anyio.to_thread
from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from clearance.errors import ContentError, InputError, Problem, Withheld
from clearance.quarantine import seal_all
from clearance.quarantine.holds import held_versions
from clearance.review import audit, queue
from clearance.review.access import Actor
from clearance.review.audit_events import JobStarted
from clearance.screening.campaign import CampaignScreening
from clearance.service import intake, views
from clearance.service.deps import EarlySubmitterDep, StateDep, transaction
from clearance.service.intake import AssetSpec, Content, Stored
from clearance.service.jobs import StepInput, create_job, job_subject
from clearance.service.models_public import ItemBatch, ItemDetail, JobAccepted
from clearance.service.state import ScreenerIdentity, ServiceState
from clearance.storage.review_models import ReviewItem

#: The answer to an upload that was quarantined as it was screened.
WITHHELD: Final[dict[int | str, dict[str, Any]]] = {451: {"description": (
    "Withheld: screening found a minor next to an exposed intimate region; the content is "
    "quarantined for the legal reporting path (problem+json)")}}

router = APIRouter(tags=["items"])
T = TypeVar("T")

#: A batch of more than this many files is screened in the background (202 + a job).
SYNC_BATCH_MAX: Final = 4
#: The most files one batch may hold.
BATCH_MAX: Final = 50

KindForm = Annotated[Literal["key_art", "thumbnail", "still", "synopsis", "tagline",
                             "title_text", "trailer", "clip"],
                     Form(description="the kind of asset")]
LocaleForm = Annotated[str, Form(description="BCP 47 tag; und for a textless image")]
ChannelForm = Annotated[str, Form(description="where it is published, e.g. web, press-kit")]
DepictsForm = Annotated[str | None, Form(description="comma-separated catalog person ids")]
ShootForm = Annotated[dt.date | None, Form(description="YYYY-MM-DD, for the depicted's ages")]


def screening_limiter(request: Request) -> anyio.CapacityLimiter:
    """One upload's screening at a time, waited for in the event loop (holding no thread of
    the pool that requests holding a transaction need)."""
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "screening_limiter", None)
    if limiter is None:  # created in the event loop, on first use
        limiter = request.app.state.screening_limiter = anyio.CapacityLimiter(1)
    return limiter


async def _read_upload(state: ServiceState, upload: UploadFile) -> tuple[str, bytes]:
    """An uploaded file's name and bytes, refused (413) past the upload limit without reading
    more than one byte beyond it."""
    name = upload.filename or "upload"
    if upload.size is not None:
        intake.check_size(state.settings, name, upload.size)
    data = await upload.read(state.settings.max_upload_bytes + 1)
    intake.check_size(state.settings, name, len(data))
    return name, data


def _content(state: ServiceState, spec: AssetSpec, name: str, raw: bytes | str) -> Content:
    if isinstance(raw, str):
        return intake.text_content(state.settings, name, raw)
    return intake.read_content(state.settings, spec, name, raw)


def _store_all(session: Session, state: ServiceState, actor: Actor, spec: AssetSpec,
               contents: Sequence[Content], identity: ScreenerIdentity) -> list[Stored]:
    return [intake.store(session, state.blobs, actor, spec, c, identity) for c in contents]


def _route_all(session: Session, actor: Actor, stored: Sequence[Stored],
               outcomes: Sequence[CampaignScreening | None]) -> list[tuple[int, bool]]:
    """Phase 3 for every upload of a request; committed before the answer is built, so the
    audit chain's lock is held for the appends only."""
    out = []
    for done, outcome in zip(stored, outcomes, strict=True):
        if outcome is None:
            assert done.item_id is not None
            out.append((done.item_id, False))
        else:
            item, created = intake.route(session, actor, outcome, requested_by="api")
            out.append((item.id, created))
    session.commit()
    return out


async def submit_contents(request: Request, state: ServiceState, actor: Actor,
                          spec: AssetSpec, contents: Sequence[Content],
                          answer: Callable[[Session, Actor, list[int]], T]
                          ) -> tuple[T, list[bool]]:
    """The three phases for the checked uploads of one request; ``(answer, created)`` with
    the answer built by ``answer(session, actor, item ids)`` in phase 3's session after its
    commit (one slot, and the audit chain's lock already released)."""
    identity = await run_in_threadpool(state.screener_identity)
    # The bytes go to the (content-addressed) blob store before the transaction, so phase 1
    # only finds them there rather than writing megabytes while it holds a slot.
    await run_in_threadpool(lambda: [state.blobs.put(c.data) for c in contents])
    try:
        async with transaction(request, state) as session:
            stored = await run_in_threadpool(_store_all, session, state, actor, spec, contents,
                                             identity)
    except Withheld:  # quarantined content again: its plain copy leaves the store again
        if state.vault is not None:
            await run_in_threadpool(seal_all, state.engine, state.blobs, state.vault)
        raise
    outcomes: list[CampaignScreening | None] = []
    for done in stored:
        if done.plan is None:
            outcomes.append(None)
            continue
        outcomes.append(await anyio.to_thread.run_sync(
            intake.screen, state, done.plan, limiter=screening_limiter(request)))
    async with transaction(request, state) as session:
        routed = await run_in_threadpool(_route_all, session, actor, stored, outcomes)
        ids = [i for i, _ in routed]
        withheld = await run_in_threadpool(_withheld, session, ids)
        if not withheld:
            body = await run_in_threadpool(answer, session, actor, ids)
    if withheld:
        if state.vault is not None:  # sealed now, not at the next housekeeping round
            await run_in_threadpool(seal_all, state.engine, state.blobs, state.vault)
        raise Withheld(f"{len(withheld)} of {len(ids)} upload(s) withheld: screening found a "
                       "minor next to an exposed intimate region, so the content is "
                       "quarantined for the legal reporting path and shown to no reviewer")
    return body, [c for _, c in routed]


def _withheld(session: Session, ids: Sequence[int]) -> list[int]:
    """Which of these items are quarantined (:mod:`clearance.quarantine`)."""
    if not ids:
        return []
    return list(session.scalars(select(ReviewItem.id).where(
        ReviewItem.id.in_(ids), ReviewItem.version_id.in_(held_versions()))))


def _details(session: Session, actor: Actor, ids: Sequence[int]) -> list[ItemDetail]:
    return [views.item_detail(session, actor, queue.get_item(session, actor, i)) for i in ids]


def _batch(session: Session, actor: Actor, ids: Sequence[int]) -> ItemBatch:
    return ItemBatch(items=views.item_list(session, actor,
                                           [queue.get_item(session, actor, i) for i in ids]))


@router.post("/titles/{title_id}/assets", status_code=201, responses={
    200: {"model": ItemDetail, "description": "The same content was already submitted for "
                                              "this asset: its item."}, **WITHHELD})
async def upload_asset(request: Request, response: Response, title_id: str,
                       actor: EarlySubmitterDep, state: StateDep, kind: KindForm,
                       channel: ChannelForm = "default", locale: LocaleForm = "und",
                       file: Annotated[UploadFile | None,
                                       File(description="the image, the video (trailer, clip) "
                                                        "or a UTF-8 text file for copy")
                                       ] = None,
                       text: Annotated[str | None, Form(description="the copy")] = None,
                       depicts: DepictsForm = None, shoot_date: ShootForm = None) -> ItemDetail:
    """Submit one asset version (an image or video file, or copy as ``text`` or a text file):
    stored, screened in its title's campaign and queued. 201 with the item; 200 with the
    existing item when the same content was already submitted for this asset."""
    spec = AssetSpec(title_id, kind, locale, channel, intake.parse_depicts(depicts), shoot_date)
    intake.check_uploader(actor)
    if (file is None) == (text is None):
        raise InputError("send either a file or text (exactly one)")
    if file is not None:
        name, data = await _read_upload(state, file)
        content = await run_in_threadpool(intake.read_content, state.settings, spec, name, data)
    else:
        content = await run_in_threadpool(intake.text_content, state.settings, "text",
                                          text or "")
    details, created = await submit_contents(request, state, actor, spec, [content], _details)
    item = details[0]
    response.status_code = 201 if created[0] else 200
    response.headers["Location"] = f"/api/items/{item.id}"
    return item


async def _batch_inputs(state: ServiceState, files: list[UploadFile], texts: list[str]
                        ) -> list[tuple[str, bytes | str]]:
    if not files and not texts:
        raise InputError("a batch needs at least one file or text")
    if len(files) + len(texts) > BATCH_MAX:
        raise InputError(f"a batch holds at most {BATCH_MAX} files "
                         f"({len(files) + len(texts)} sent)")
    inputs: list[tuple[str, bytes | str]] = [await _read_upload(state, f) for f in files]
    inputs += [(f"text-{n}", t) for n, t in enumerate(texts, 1)]
    return inputs


def _checked(state: ServiceState, spec: AssetSpec, inputs: Sequence[tuple[str, bytes | str]]
             ) -> list[Content]:
    """Every input checked; if any cannot be used, one 422 naming each such file."""
    contents, problems = [], []
    for name, raw in inputs:
        try:
            contents.append(_content(state, spec, name, raw))
        except ContentError as exc:
            problems.append(Problem(exc.message, field=name))
    if problems:
        raise ContentError(f"{len(problems)} of {len(inputs)} upload(s) cannot be used: "
                           + "; ".join(p.message for p in problems), problems=problems)
    return contents


def _accept_job(session: Session, actor: Actor, spec: AssetSpec,
                steps: Sequence[StepInput]) -> JobAccepted:
    intake.check_target(session, actor, spec)  # refused now, not file by file later
    job = create_job(session, owner_id=actor.user_id, params=intake.batch_params(actor, spec),
                     steps=steps)
    audit.record(session, JobStarted(subject=job_subject(job.id), kind=job.kind,
                                     title_id=spec.title_id, asset_kind=spec.kind,
                                     locale=spec.locale, channel=spec.channel,
                                     files=len(steps)), actor=actor.audit_name)
    view = views.job_view(job)
    return JobAccepted(job=view, url=view.url)


@router.post("/batches", status_code=201, responses={
    202: {"model": JobAccepted, "description": "More than four files: accepted as a "
                                               "background job."}, **WITHHELD})
async def upload_batch(request: Request, response: Response, actor: EarlySubmitterDep,
                       state: StateDep,
                       title_id: Annotated[str, Form(min_length=1, max_length=64)],
                       kind: KindForm,
                       channel: ChannelForm = "default", locale: LocaleForm = "und",
                       files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (a form)
                       texts: Annotated[list[str], Form()] = [],  # noqa: B006
                       depicts: DepictsForm = None,
                       shoot_date: ShootForm = None) -> ItemBatch | JobAccepted:
    """Several versions of one asset at once. Up to four are screened now (201 with the items;
    if any file cannot be used, 422 naming every such file and nothing is stored); more are
    stored as a background job (202 with the job to follow)."""
    spec = AssetSpec(title_id, kind, locale, channel, intake.parse_depicts(depicts), shoot_date)
    intake.check_uploader(actor)
    inputs = await _batch_inputs(state, files, texts)
    if len(inputs) <= SYNC_BATCH_MAX:
        contents = await run_in_threadpool(_checked, state, spec, inputs)
        batch, _ = await submit_contents(request, state, actor, spec, contents, _batch)
        return batch
    steps = [StepInput(name, "text" if isinstance(raw, str) else "file",
                       await run_in_threadpool(state.blobs.put, raw.encode("utf-8")
                                               if isinstance(raw, str) else raw))
             for name, raw in inputs]
    async with transaction(request, state) as session:
        accepted = await run_in_threadpool(_accept_job, session, actor, spec, steps)
    if state.jobs is not None:
        state.jobs.wake()
    response.status_code = 202
    response.headers["Location"] = accepted.url
    return accepted
