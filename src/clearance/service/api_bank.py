"""API routes for the hash bank: banks and their entries, matching a file against every bank, a
version's lineage, and **withdraw everywhere** (the rules are in :mod:`clearance.bank`;
``docs/api.md`` describes every route).

Who may: anyone from reviewer up reads banks, entries and lineage and matches files; a senior
reviewer banks and unbanks content and withdraws everywhere (it takes every near-copy of a
version down for good); an admin creates banks and changes their distance or switches them off.

Hashing is CPU work (a picture's 53 variants in ~0.2 s; a video's frames in seconds), so the
routes that hash uploaded files are ``async``: the caller is authenticated in a short transaction
of its own, the hashing runs in a worker thread one at a time (the uploads' screening limiter),
and a short transaction stores what was banked. Lineage and withdraw everywhere hash catalog
versions that were never hashed in transactions of their own (:mod:`clearance.bank.lineage`),
so those routes end the request's transaction before they start. A route that changes a bank
loads the change into this process's index before it answers (other processes see it within a
second, through the bank revision).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Final

import anyio.to_thread
from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from clearance.bank import banks, hashing, lineage
from clearance.bank.hashing import PerceptualHash
from clearance.bank.index import BankIndex
from clearance.content.images import load_picture
from clearance.detectors.extras import unavailable
from clearance.errors import (
    ContentError,
    InputError,
    NotFound,
    Problem,
    ReviewConflict,
    UnknownReference,
)
from clearance.review.access import Actor
from clearance.service import bank_views, intake
from clearance.service.api_uploads import screening_limiter
from clearance.service.deps import (
    AdminDep,
    ReviewerDep,
    SeniorDep,
    SessionDep,
    StateDep,
    require,
    transaction,
)
from clearance.service.models_public import (
    BankEntryAdded,
    BankEntryPage,
    BankEntryPublic,
    BankFilesAdded,
    BankList,
    BankMatchResult,
    BankPublic,
    LineagePublic,
    WithdrawEverywherePublic,
)
from clearance.service.params import IdPath, Offset
from clearance.service.schemas import (
    BankCreate,
    BankEntryRemove,
    BankUpdate,
    BankVersionIn,
    WithdrawEverywhereIn,
)
from clearance.service.state import ServiceState
from clearance.storage.models import AssetVersion

router = APIRouter(tags=["bank"])

MAX_PAGE: Final = 200
#: The most files one request may bank.
FILES_MAX: Final = 20
#: A reviewer / senior reviewer authenticated in a short transaction that has ended before the
#: route runs (the route hashes for seconds, holding no transaction).
EarlyReviewerDep = Annotated[Actor, Depends(require("reviewer"))]
EarlySeniorDep = Annotated[Actor, Depends(require("senior_reviewer"))]


def bank_index(state: ServiceState) -> BankIndex:
    """The service's bank index, or 503 when the ``bank`` extra is not installed."""
    if state.bank is None:
        raise unavailable("the hash bank (pdqhash, vpdq, faiss-cpu)", hashing.BANK_EXTRA)
    return state.bank


def _reload(state: ServiceState) -> None:
    """Load a committed bank change into this process's index now."""
    if state.bank is not None:
        state.bank.refresh(force=True)


# -- banks -------------------------------------------------------------------------------------

@router.get("/banks")
def list_banks(actor: ReviewerDep, session: SessionDep) -> BankList:
    """Every bank, with its reason, distance, whether it is enabled and its active entries."""
    counts = banks.entry_counts(session)
    return BankList(banks=[bank_views.bank_view(b, counts) for b in banks.list_banks(session)])


@router.post("/banks", status_code=201)
def create_bank(body: BankCreate, actor: AdminDep, session: SessionDep,
                state: StateDep) -> BankPublic:
    """A new bank (admins): a partner's takedown list, or a ``negative`` bank of known-good
    look-alikes whose matches suppress the others (audited ``bank.create``). A name in use
    is a conflict (409)."""
    if any(b.name == body.name for b in banks.list_banks(session)):
        raise ReviewConflict(f"a bank named {body.name!r} exists already")
    bank = banks.create_bank(session, body.name, reason=body.reason, by=actor.audit_name,
                             distance=body.distance, description=body.description,
                             enabled=body.enabled)
    session.commit()
    _reload(state)
    return bank_views.bank_view(bank, {})


@router.patch("/banks/{name:bank}")
def update_bank(name: str, body: BankUpdate, actor: AdminDep, session: SessionDep,
                state: StateDep) -> BankPublic:
    """Change a bank's match distance (0-256) or switch it on or off (admins; audited
    ``bank.update``)."""
    bank = banks.update_bank(session, name, by=actor.audit_name, distance=body.distance,
                             enabled=body.enabled)
    session.commit()
    _reload(state)
    return bank_views.bank_view(bank, banks.entry_counts(session))


# -- entries -----------------------------------------------------------------------------------

@router.get("/banks/{name:bank}/entries")
def list_entries(name: str, actor: ReviewerDep, session: SessionDep,
                 include_removed: bool = False,
                 limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                 offset: Offset = 0) -> BankEntryPage:
    """A bank's entries, newest first (``include_removed`` for the removed ones too)."""
    rows = banks.entries(session, bank=name, include_removed=include_removed, limit=limit,
                         offset=offset)
    return BankEntryPage(entries=[bank_views.entry_view(e) for e in rows], limit=limit,
                         offset=offset)


@router.post("/banks/{name:bank}/entries", status_code=201, responses={
    200: {"model": BankEntryAdded, "description": "The version's content was in the bank "
                                                  "already: its entry."}})
def add_version(name: str, body: BankVersionIn, actor: SeniorDep, session: SessionDep,
                state: StateDep, response: Response) -> BankEntryAdded:
    """Bank a catalog version by its id (senior reviewers; audited ``bank.add``). 201 with the
    new entry; 200 when that content is in the bank already; 422 for copy (no perceptual
    hash)."""
    bank = banks.get_bank(session, name)
    version = session.get(AssetVersion, body.version_id)
    if version is None:
        raise UnknownReference(f"no asset version {body.version_id}")
    banks.use_blobs(session, state.blobs)
    added = banks.bank_version(session, bank, version, source="manual", reason=body.reason,
                               by=actor.audit_name)
    if added is None:
        raise InputError(f"version {version.id} ({banks.describe(version)}) is copy, which has "
                         "no perceptual hash to bank")
    session.commit()
    _reload(state)
    response.status_code = 201 if added.is_new else 200
    return BankEntryAdded(entry=bank_views.entry_view(added.entry), is_new=added.is_new)


@router.post("/banks/{name:bank}/entries/{entry_id}/remove")
def remove_entry(name: str, entry_id: IdPath, body: BankEntryRemove, actor: SeniorDep,
                 session: SessionDep, state: StateDep) -> BankEntryPublic:
    """Take an entry out of its bank, with a reason (senior reviewers; audited
    ``bank.remove``). The entry is kept, marked removed; nothing matches it any more."""
    banks.get_entry(session, entry_id, bank=name)
    entry = banks.remove_entry(session, entry_id, reason=body.reason, by=actor.audit_name)
    session.commit()
    _reload(state)
    return bank_views.entry_view(entry)


# -- files -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Hashed:
    """An uploaded file, checked and hashed."""

    name: str
    data: bytes
    sha256: str
    media: str
    hashes: tuple[PerceptualHash, ...]


async def _read(state: ServiceState, upload: UploadFile) -> tuple[str, bytes]:
    """An uploaded file's name and bytes, refused (413) past the upload limit without reading
    more than one byte beyond it."""
    name = upload.filename or "upload"
    if upload.size is not None:
        intake.check_size(state.settings, name, upload.size)
    data = await upload.read(state.settings.max_upload_bytes + 1)
    intake.check_size(state.settings, name, len(data))
    return name, data


def _hash(state: ServiceState, name: str, data: bytes, *, for_bank: bool) -> Hashed:
    """Check a file's type by its bytes (a video container, else an image the intake decodes)
    and hash it: to bank (a picture's variants, a video's frames) or to look up."""
    sha = hashlib.sha256(data).hexdigest()
    if intake.video_type(data[:64]) is not None:
        return Hashed(name, data, sha, "video", tuple(hashing.vpdq_bytes(data, name=name)))
    settings = state.settings
    picture = load_picture(data, name, max_bytes=min(settings.max_image_bytes,
                                                     settings.max_upload_bytes),
                           max_pixels=settings.max_image_pixels)
    pixels = picture.pixels
    found = hashing.bank_hashes(pixels) if for_bank else hashing.query_hashes(pixels)
    return Hashed(name, data, sha, "image", tuple(found))


def _hash_all(state: ServiceState, inputs: Sequence[tuple[str, bytes]]) -> list[Hashed]:
    """Every file hashed to bank; if any cannot be used, one 422 naming each such file."""
    out, problems = [], []
    for name, data in inputs:
        try:
            out.append(_hash(state, name, data, for_bank=True))
        except ContentError as exc:
            problems.append(Problem(exc.message, field=name))
    if problems:
        raise ContentError(f"{len(problems)} of {len(inputs)} file(s) cannot be banked: "
                           + "; ".join(p.message for p in problems), problems=problems)
    return out


def _bank_files(session: Session, actor: Actor, name: str, hashed: Sequence[Hashed],
                reason: str) -> BankFilesAdded:
    bank = banks.get_bank(session, name)
    added = [banks.add_content(session, bank, sha256=h.sha256, media=h.media, label=h.name,
                               hashes=h.hashes, source="manual", reason=reason,
                               by=actor.audit_name) for h in hashed]
    return BankFilesAdded(entries=[BankEntryAdded(entry=bank_views.entry_view(a.entry),
                                                  is_new=a.is_new) for a in added])


@router.post("/banks/{name:bank}/files", status_code=201)
async def add_files(request: Request, name: str, actor: EarlySeniorDep, state: StateDep,
                    files: Annotated[list[UploadFile], File(description="images or videos")],
                    reason: Annotated[str, Form(max_length=2000)] = "") -> BankFilesAdded:
    """Bank image or video files directly (senior reviewers; audited ``bank.add`` each):
    type-checked by their bytes and hashed, then banked in one transaction; if any file
    cannot be used, 422 naming each such file and nothing is banked. Each file is
    limited to ``CLEARANCE_MAX_UPLOAD_BYTES`` (413) and its bytes are kept, so the bank page
    can show it (blurred)."""
    bank_index(state)
    if not files:
        raise InputError("send at least one file")
    if len(files) > FILES_MAX:
        raise InputError(f"at most {FILES_MAX} files at a time ({len(files)} sent)")
    inputs = [await _read(state, f) for f in files]
    async with transaction(request, state) as session:  # 404 before any hashing
        await run_in_threadpool(banks.get_bank, session, name)
    hashed = await anyio.to_thread.run_sync(_hash_all, state, inputs,
                                            limiter=screening_limiter(request))
    await run_in_threadpool(lambda: [state.blobs.put(h.data) for h in hashed])
    async with transaction(request, state) as session:
        body = await run_in_threadpool(_bank_files, session, actor, name, hashed, reason)
    await run_in_threadpool(_reload, state)
    return body


@router.post("/banks/match")
async def match_file(request: Request, actor: EarlyReviewerDep, state: StateDep,
                     file: Annotated[UploadFile, File(description="an image or a video")]
                     ) -> BankMatchResult:
    """Match an image or video against every enabled bank (reviewers): each banked entry
    within its bank's distance, closest first, with the bank, the banked version, the distance
    and the variant (rotation, mirror, crop) that matched. Nothing is stored."""
    index = bank_index(state)
    name, data = await _read(state, file)

    def run() -> BankMatchResult:
        found = _hash(state, name, data, for_bank=False)
        index.refresh(force=True)
        matches = index.match(found.hashes)
        return BankMatchResult(item=name, media="video" if found.media == "video" else "image",
                               sha256=found.sha256,
                               matches=[bank_views.match_view(m) for m in matches])

    return await anyio.to_thread.run_sync(run, limiter=screening_limiter(request))


# -- lineage and withdraw everywhere -----------------------------------------------------------

@router.get("/versions/{version_id}/lineage")
def version_lineage(version_id: IdPath, actor: ReviewerDep, session: SessionDep,
                    state: StateDep) -> LineagePublic:
    """The version's variants (the same bytes in other assets) and near-copies across titles,
    locales and channels, which was cut from which, and what replaced each (reviewers). Copy
    has no perceptual hash and so no lineage: 404."""
    version = session.get(AssetVersion, version_id)
    if version is not None and version.content_type.startswith("text/"):
        raise NotFound(f"version {version_id} is copy: copy has no perceptual hash, so no "
                       "lineage")
    session.commit()  # the lineage hashes in transactions of its own
    found = lineage.plan(state.engine, state.blobs, str(version_id))
    return bank_views.lineage_view(session, found)


@router.post("/versions/{version_id}/withdraw-everywhere")
def withdraw_everywhere(version_id: IdPath, body: WithdrawEverywhereIn, actor: SeniorDep,
                        session: SessionDep, state: StateDep) -> WithdrawEverywherePublic:
    """Withdraw the version and every variant and near-copy of it (senior reviewers): with
    ``dry_run`` the list of what would be withdrawn and the replacement of each, changing
    nothing; without, all of them withdrawn in one transaction (all or nothing: publication
    ended, audited, banked in ``withdrawn``, a ``withdrawal`` webhook each). ``expect`` (the
    ids a dry run listed) makes it refuse with 409 if the list changed since."""
    session.commit()  # withdraw everywhere runs its own transactions
    result = lineage.withdraw_everywhere(state.engine, state.blobs, str(version_id),
                                         by=actor.audit_name, reason=body.reason,
                                         is_dry_run=body.dry_run, expect=body.expect)
    if not body.dry_run:
        _reload(state)
    return bank_views.withdraw_view(session, result)
