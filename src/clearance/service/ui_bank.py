"""The hash bank's pages: the bank page and the withdraw-everywhere confirm step.

* ``/bank`` (reviewers and above) lists the banks and one bank's entries, newest first, each with
  a thumbnail that is **blurred and greyscale on the server** unless the viewer turned that off;
  *Reveal* on an entry is audited (``bank.reveal``) and grants the unblurred thumbnail
  (:mod:`clearance.service.reveals`), as on the item page; a viewer who turned blurring off has
  each picture shown recorded as a reveal. Senior reviewers bank a catalog version by its id
  and take an entry out with a reason.
* ``/versions/{id}/withdraw`` (senior reviewers and admins) is the **confirm step** of withdraw
  everywhere: the version, its replacement, and every variant and near-copy that would be
  withdrawn with where it lives, its state and its replacement. Nothing changes until the senior
  gives a reason and confirms; the form sends back the ids it listed (``expect``), so if the list
  changed meanwhile the action is refused (409) rather than withdrawing what nobody saw.

Withdraw everywhere and its preview hash catalog versions in transactions of their own
(:mod:`clearance.bank.lineage`), so those handlers end the request's transaction first. The
rules live in :mod:`clearance.bank`; this module reads forms, calls them and renders.
"""

from __future__ import annotations

import io
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse
from PIL import Image, UnidentifiedImageError

from clearance.bank import banks, lineage
from clearance.errors import Forbidden, InputError, NotFound
from clearance.service import bank_views, reveals
from clearance.service.deps import SessionDep, StateDep
from clearance.service.params import BodyId, Flag, IdPath, IdQuery, Offset, parse_id
from clearance.service.ui_base import Page, PageDep, UIRoute, redirect, render
from clearance.storage.models import AssetVersion

router = APIRouter(route_class=UIRoute, include_in_schema=False)

ENTRY_PAGE: Final = 50
#: Thumbnails are at most this many pixels a side.
THUMB_SIDE: Final = 240


def _require(page: Page, role: str) -> None:
    if role == "reviewer" and not page.is_reviewer:
        raise Forbidden(f"the bank is for reviewers ({page.actor.username} is "
                        f"{page.actor.role})")
    if role == "senior" and not page.is_senior:
        raise Forbidden(f"that is for senior reviewers ({page.actor.username} is "
                        f"{page.actor.role})")


def _bank_url(bank: str, **extra: str | int) -> str:
    return "/bank?" + urlencode({"bank": bank, **extra})


def _thumbnail_url(state: StateDep, page: Page, entry_id: int, *, granted: bool) -> str:
    url = f"/bank/entries/{entry_id}/thumbnail"
    if not granted:
        return url
    grant = reveals.grant(state.secret, "bank-entry", entry_id, page.actor.user_id)
    return f"{url}?{urlencode({'reveal': grant})}"


@router.get("/bank")
def bank_page(request: Request, page: PageDep, session: SessionDep, state: StateDep,
              bank: str | None = None, offset: Offset = 0,
              removed: Flag = 0, revealed: IdQuery = 0, reveal: str | None = None) -> Response:
    """The banks, and one bank's entries with blurred thumbnails (``revealed`` with its
    ``reveal`` grant: that entry's unblurred)."""
    _require(page, "reviewer")
    counts = banks.entry_counts(session)
    all_banks = [bank_views.bank_view(b, counts) for b in banks.list_banks(session)]
    chosen = bank or next((b.name for b in all_banks if b.entries), "withdrawn")
    current = banks.get_bank(session, chosen)
    rows = banks.entries(session, bank=chosen, include_removed=bool(removed),
                         limit=ENTRY_PAGE + 1, offset=offset)
    has_more = len(rows) > ENTRY_PAGE
    entries = []
    if not reveals.is_granted(state.secret, reveal, "bank-entry", revealed, page.actor.user_id):
        revealed = 0
    for e in rows[:ENTRY_PAGE]:
        version = e.version
        unblurred = e.media == "image" and (not page.blur_images or e.id == revealed)
        if unblurred and e.id != revealed:  # blurring turned off: this view is a reveal
            banks.record_reveal(session, e, by=page.actor.audit_name)
        entries.append({"entry": e, "has_picture": e.media == "image",
                        "place": None if version is None else version.asset,
                        "number": None if version is None else version.number,
                        "item_id": bank_views.latest_item_id(session, e.version_id),
                        "thumbnail": _thumbnail_url(state, page, e.id, granted=unblurred)})
    return render(request, "bank.html", page, banks=all_banks, current=current,
                  entries=entries, offset=offset, has_more=has_more, show_removed=bool(removed),
                  next_url=_bank_url(chosen, offset=offset + ENTRY_PAGE, removed=removed),
                  prev_url=_bank_url(chosen, offset=max(0, offset - ENTRY_PAGE),
                                     removed=removed),
                  blurred=page.blur_images, revealed=revealed)


@router.get("/bank/entries/{entry_id}/thumbnail")
def entry_thumbnail(entry_id: IdPath, page: PageDep, session: SessionDep, state: StateDep,
                    reveal: str | None = None) -> Response:
    """A small rendition of an entry's picture (its bytes are kept for catalog versions and
    files banked through the service; 404 for a file banked from the command line): blurred on
    the server, unless ``reveal`` is a live grant of a recorded reveal."""
    _require(page, "reviewer")
    entry = banks.get_entry(session, entry_id)
    if entry.media != "image":
        raise NotFound(f"bank entry {entry_id} is a video: no thumbnail")
    data = state.blobs.get(entry.sha256)
    granted = reveals.is_granted(state.secret, reveal, "bank-entry", entry_id,
                                 page.actor.user_id)
    try:
        if granted:
            with Image.open(io.BytesIO(data)) as im:
                im.thumbnail((THUMB_SIDE, THUMB_SIDE))
                out = io.BytesIO()
                im.convert("RGB").save(out, format="JPEG", quality=80)
            body = out.getvalue()
        else:
            body = reveals.blurred_rendition(data, side=THUMB_SIDE)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise NotFound(f"bank entry {entry_id}'s picture cannot be shown") from exc
    return Response(body, media_type="image/jpeg", headers={
        "Cache-Control": "private, no-store" if granted else "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


@router.post("/bank/entries/{entry_id}/reveal")
def reveal_entry(request: Request, entry_id: IdPath, page: PageDep, session: SessionDep,
                 state: StateDep) -> Response:
    """Record a reviewer's reveal of an entry's picture (audited), then show it unblurred (the
    script gets the granted thumbnail URL, the plain form the page with the grant)."""
    _require(page, "reviewer")
    entry = banks.get_entry(session, entry_id)
    banks.record_reveal(session, entry, by=page.actor.audit_name)
    grant = reveals.grant(state.secret, "bank-entry", entry_id, page.actor.user_id)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"entry_id": entry_id, "revealed": True, "recorded": True,
                             "content_url": _thumbnail_url(state, page, entry_id,
                                                           granted=True)})
    return redirect(_bank_url(entry.bank.name, revealed=entry_id, reveal=grant)
                    + f"#entry-{entry_id}")


@router.post("/bank/entries/{entry_id}/remove")
def remove_entry(entry_id: IdPath, page: PageDep, session: SessionDep, state: StateDep,
                 reason: Annotated[str, Form()] = "") -> Response:
    """Take an entry out of its bank, with a reason (senior reviewers; audited)."""
    _require(page, "senior")
    entry = banks.remove_entry(session, entry_id, reason=reason, by=page.actor.audit_name)
    name = entry.bank.name
    session.commit()
    if state.bank is not None:
        state.bank.refresh(force=True)
    return redirect(_bank_url(name))


@router.post("/bank/{name}/versions")
def bank_version(name: str, page: PageDep, session: SessionDep, state: StateDep,
                 version_id: Annotated[str, Form()] = "",
                 reason: Annotated[str, Form()] = "") -> Response:
    """Bank a catalog version by its id (senior reviewers; audited)."""
    _require(page, "senior")
    version = session.get(AssetVersion, parse_id(version_id, "version id"))
    if version is None:
        raise NotFound(f"no asset version {version_id}")
    banks.use_blobs(session, state.blobs)
    added = banks.bank_version(session, name, version, source="manual", reason=reason,
                               by=page.actor.audit_name)
    if added is None:
        raise InputError(f"{banks.describe(version)} is copy, which has no perceptual hash")
    session.commit()
    if state.bank is not None:
        state.bank.refresh(force=True)
    return redirect(_bank_url(name))


# -- withdraw everywhere -----------------------------------------------------------------------

@router.get("/versions/{version_id}/withdraw")
def withdraw_page(request: Request, version_id: IdPath, page: PageDep, session: SessionDep,
                  state: StateDep, done: Flag = 0) -> Response:
    """The confirm step: every variant and near-copy that withdraw everywhere would take down,
    with its replacement; or, after the action (``done``), what it took down."""
    _require(page, "senior")
    session.commit()  # the preview hashes never-hashed versions in transactions of its own
    found = lineage.plan(state.engine, state.blobs, str(version_id))
    version = session.get_one(AssetVersion, version_id)
    rows = bank_views.related_rows(session, found.related)
    todo = [r for r in rows if r.state != "withdrawn"]
    return render(request, "withdraw.html", page, found=found, version=version,
                  asset=version.asset, rows=rows, expect=[found.version_id,
                                                          *(r.version_id for r in rows)],
                  todo=len(todo) + (0 if found.is_withdrawn else 1), done=bool(done),
                  item_id=bank_views.latest_item_id(session, version_id))


@router.post("/versions/{version_id}/withdraw")
def withdraw(version_id: IdPath, page: PageDep, session: SessionDep, state: StateDep,
             reason: Annotated[str, Form()] = "",
             expect: Annotated[list[BodyId] | None, Form()] = None) -> Response:
    """Withdraw everywhere what the confirm step listed (``expect``), in one transaction."""
    _require(page, "senior")
    if not expect:
        raise InputError("confirm the list first: open the withdraw-everywhere page again")
    session.commit()  # withdraw everywhere runs its own transactions
    lineage.withdraw_everywhere(state.engine, state.blobs, str(version_id),
                                by=page.actor.audit_name, reason=reason, expect=expect)
    if state.bank is not None:
        state.bank.refresh(force=True)
    return redirect(f"/versions/{version_id}/withdraw?done=1")
