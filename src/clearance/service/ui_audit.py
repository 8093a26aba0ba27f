"""The audit page (senior reviewers and admins; ``docs/ui.md``): ``/audit`` lists the log newest
first with filters — subject, actor, event type or family (``bank.*``), and a range of UTC days —
each event's data shown as labelled fields with a one-line reading (the raw JSON folded beside
it), and the hash chain's status; ``/audit/export`` downloads the whole log (or the events after
``?since=N``) as JSON Lines, byte for byte what ``clearance audit export`` writes
(:func:`clearance.review.audit.jsonl_line`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.errors import Forbidden
from clearance.review import audit
from clearance.service import audit_views
from clearance.service.deps import SessionDep, StateDep
from clearance.service.params import MAX_ID
from clearance.service.ui_base import Page, PageDep, UIRoute, render
from clearance.storage.review_models import AuditEvent

router = APIRouter(route_class=UIRoute, include_in_schema=False)

AUDIT_PAGE: Final = 100
#: Rows read per round trip while exporting.
EXPORT_BATCH: Final = 1000
FILTERS: Final = ("subject", "type", "actor", "from", "to")


def require_senior(page: Page) -> None:
    if not page.is_senior:
        raise Forbidden("the audit log is for senior reviewers and admins "
                        f"({page.actor.username} is {page.actor.role})")


@router.get("/audit")
def audit_page(request: Request, page: PageDep, session: SessionDep,
               subject: str | None = None, type: str | None = None, actor: str | None = None,
               from_: Annotated[str | None, Query(alias="from")] = None,
               to: str | None = None,
               before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:
    """Audit events, newest first, with filters and the hash chain's status."""
    require_senior(page)
    types = [t for t in request.query_params.getlist("type") if t.strip()]
    day_from = audit_views.parse_day(from_, "from")
    day_to = audit_views.parse_day(to, "to")
    query = audit_views.filtered(
        select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(AUDIT_PAGE + 1),
        subject=subject, types=types, actor=actor, day_from=day_from, day_to=day_to)
    if before:
        query = query.where(AuditEvent.seq < before)
    found = list(session.scalars(query))
    events = [audit_views.row(e) for e in found[:AUDIT_PAGE]]
    filters = {k: v for k in FILTERS if (v := request.query_params.get(k, "").strip())}
    older = (urlencode({**filters, "before": found[AUDIT_PAGE - 1].seq})
             if len(found) > AUDIT_PAGE else None)
    names = audit.event_names()
    return render(request, "audit.html", page, events=events, filters=filters,
                  types=names, families=audit_views.type_families(names),
                  chain=audit.verify(session), older_query=older, raw_json=audit_views.raw_json)


def _lines(state: StateDep, since: int) -> Iterator[bytes]:
    """The export, read in batches in a read-only session of its own (the request's
    transaction has ended by the time the body is streamed)."""
    with Session(state.engine) as session:
        last = since
        while True:
            batch = list(session.scalars(select(AuditEvent).where(AuditEvent.seq > last)
                                         .order_by(AuditEvent.seq).limit(EXPORT_BATCH)))
            if not batch:
                return
            yield "".join(audit.jsonl_line(e) for e in batch).encode("utf-8")
            last = batch[-1].seq
            session.expunge_all()


@router.get("/audit/export")
def audit_export(page: PageDep, state: StateDep,
                 since: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> Response:
    """Every event after ``since`` as JSON Lines (a download): the same bytes as
    ``clearance audit export --since N``."""
    require_senior(page)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(_lines(state, since), media_type="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="clearance-audit-{stamp}.jsonl"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
