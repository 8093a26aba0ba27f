"""The review web UI: server-rendered pages over plain forms (``ui.router``, mounted at ``/``).

Pages (see ``docs/ui.md``): ``/login``, ``/`` (the queue for reviewers, ``/mine`` for
submitters), ``/queue`` with filters and claim-next, ``/items/{id}`` (in
:mod:`clearance.service.ui_items`), ``/mine``, ``/audit`` (senior reviewers and admins) and
``/settings`` (the blur preference); the hash bank's ``/bank`` and the withdraw-everywhere
confirm step ``/versions/{id}/withdraw`` (in :mod:`clearance.service.ui_bank`); ``/audit`` and its
export (in :mod:`clearance.service.ui_audit`); ``/metrics`` (in
:mod:`clearance.service.ui_metrics`). Every state
change goes through :mod:`clearance.review.queue` / :mod:`clearance.review.access` (the bank's
through :mod:`clearance.bank`), so the UI, the API and the command line share one set of rules
and one audit log; this module only reads forms, calls them and renders the result.
Authentication, CSRF and error pages are in :mod:`clearance.service.ui_base`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.errors import Unauthenticated
from clearance.review import access, queue, routing, throttle
from clearance.review.context import comment_author
from clearance.service import queue_views, ui_view
from clearance.service.deps import SessionDep, StateDep, client_address
from clearance.service.params import Flag, IdQuery, Offset, parse_id
from clearance.service.ui_audit import router as audit_router
from clearance.service.ui_bank import router as bank_router
from clearance.service.ui_base import (
    LOGIN_CSRF_COOKIE,
    LOGIN_FORM_MAX_AGE,
    OptionalPageDep,
    PageDep,
    UIRoute,
    redirect,
    render,
    safe_next,
    set_session_cookie,
    state_of,
)
from clearance.service.ui_incidents import router as incidents_router
from clearance.service.ui_items import router as items_router
from clearance.service.ui_lexicon import router as lexicon_router
from clearance.service.ui_metrics import router as metrics_router
from clearance.service.ui_monitor import router as monitor_router
from clearance.service.ui_policy import router as policy_router
from clearance.service.ui_queue import router as queue_router
from clearance.storage.models import ASSET_KINDS
from clearance.storage.review_models import ITEM_STATES, ReviewItem, User

router = APIRouter(route_class=UIRoute, include_in_schema=False)
router.include_router(items_router)
router.include_router(bank_router)
router.include_router(policy_router)
router.include_router(monitor_router)
router.include_router(incidents_router)
router.include_router(metrics_router)
router.include_router(audit_router)
router.include_router(queue_router)
router.include_router(lexicon_router)

QUEUE_PAGE = 50
Csrf = Annotated[str, Form()]


# -- login and logout ----------------------------------------------------------------------

def _login_form(request: Request, *, next_url: str, error: str | None = None,
                username: str | None = None, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, status_code=status_code, login_csrf=token,
                      next=next_url, error=error, username=username)
    settings = state_of(request).settings
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=LOGIN_FORM_MAX_AGE, httponly=True,
                        samesite="lax", path="/login",
                        secure=settings.environment != "development")
    return response


@router.get("/login")
def login_form(request: Request, page: OptionalPageDep, next: str | None = None) -> Response:
    """The login form (or straight on, for someone already logged in)."""
    target = safe_next(next)
    if page is None:
        return _login_form(request, next_url=target)
    return redirect(target)


@router.post("/login")
def login(request: Request, session: SessionDep, state: StateDep,
          username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          csrf: Csrf = "", next: Annotated[str, Form()] = "/") -> Response:
    """Check the password and start a session (a signed cookie carrying a CSRF token). The
    form comes before any session, so its CSRF token is a double-submit cookie instead.
    Failures are limited per account and per address (:mod:`clearance.review.throttle`): an
    attempt past the limit is 429 with ``Retry-After``, before the password is checked."""
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf or not expected or not secrets.compare_digest(csrf, expected):
        return _login_form(request, next_url=target, username=username, status_code=403,
                           error="The login form expired; please try again.")
    name = username.strip()
    if not name or not password:
        return _login_form(request, next_url=target, username=username, status_code=422,
                           error="Enter your username and password.")
    address, now = client_address(request), state.clock()
    wait = throttle.login_wait(session, state.secret, name, address, now=now)
    if not wait.is_allowed:
        response = _login_form(request, next_url=target, username=username, status_code=429,
                               error=f"Too many failed logins: try again in {wait.seconds} "
                                     "seconds.")
        response.headers["Retry-After"] = str(wait.seconds)
        return response
    try:
        actor = access.login(session, name, password)
    except Unauthenticated as exc:
        known = session.scalar(select(User.username).where(User.username == name))
        throttle.record_login_failure(session, state.secret, name, address, known_user=known,
                                      now=now)
        return _login_form(request, next_url=target, username=username, status_code=401,
                           error=exc.message[:1].upper() + exc.message[1:] + ".")
    throttle.record_login_success(session, state.secret, name, address, now=now)
    user = access.get_user(session, actor.username)
    value, _csrf = access.start_session(session, state.secret, user,
                                        max_age=state.settings.session_max_age,
                                        address=address, now=now)
    response = redirect(target)
    set_session_cookie(response, state.settings, value)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, page: PageDep, session: SessionDep, state: StateDep) -> Response:
    """End the session: its row ends (a copy of the cookie is refused from now on) and the
    cookie is dropped."""
    access.end_session(session, state.secret, request.cookies.get(access.SESSION_COOKIE, ""),
                       state.settings.session_max_age)
    response = redirect("/login")
    response.delete_cookie(access.SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(page: PageDep) -> Response:
    """Reviewers start at the queue, submitters at their items."""
    return redirect("/queue" if page.is_reviewer else "/mine")


# -- the queue -----------------------------------------------------------------------------

def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {uid: name for uid, name in rows}


def _row(item: ReviewItem, names: dict[int, str]) -> dict[str, Any]:
    asset = item.version.asset
    claimed = item.state == "claimed" and item.claimed_by is not None
    return {"item": item, "title_id": asset.title_id, "title_name": asset.title.original_title,
            "claimed_by": names.get(item.claimed_by or 0) if claimed else None,
            "awaiting": queue.awaiting_senior(item), "claimable": item.state == "queued"}


@router.get("/queue")
def queue_page(request: Request, page: PageDep, session: SessionDep, state: StateDep,
               rule: str | None = None, title: str | None = None,
               locale: str | None = None, older: str | None = None, state_: Annotated[
                   str, Query(alias="state")] = "open",
               overdue: str | None = None, after: IdQuery = 0, escalated: IdQuery = 0,
               routed: str | None = None, offset: Offset = 0) -> Response:
    """The queue, highest risk first, with filters (the rule filter offers the live policy's
    rule names), each row's age against its service-level target, and claim-next."""
    filters = queue_views.filter_values(request.query_params)
    routes = routing.load_routes(session)
    flt = queue_views.queue_filter(filters, state.settings, routes)
    items = queue.list_queue(session, page.actor, flt, limit=QUEUE_PAGE + 1, offset=offset)
    has_more = len(items) > QUEUE_PAGE
    items = items[:QUEUE_PAGE]
    names = _usernames(session, {u for i in items for u in (i.claimed_by, i.assigned_to)
                                 if u is not None})
    rows = [_row(i, names) for i in items]
    now = dt.datetime.now(dt.UTC)
    for row in rows:
        row["preview"] = ui_view.row_preview(state.blobs, row["item"].version)
        row["level"] = queue_views.row_level(row["item"], state.settings, now)
        row["bulk"] = queue_views.bulk_selectable(row["item"], page.actor, now)
        row["routing"] = queue_views.row_routing(row["item"], routes, names)
    return render(request, "queue.html", page, rows=rows, filters=filters,
                  states=("open", "all", *ITEM_STATES), offset=offset, has_more=has_more,
                  choices=queue_views.rule_choices(state), after=after, escalated=escalated,
                  carried=queue_views.carried(filters),
                  console=queue_views.console_extras(session, page.actor, routes),
                  targets=state.settings.review_target_hours,
                  next_query=urlencode({**filters, "offset": offset + QUEUE_PAGE}),
                  prev_query=urlencode({**filters, "offset": max(0, offset - QUEUE_PAGE)}))


def queue_form(rule: Annotated[str, Form()] = "", title: Annotated[str, Form()] = "",
               locale: Annotated[str, Form()] = "", older: Annotated[str, Form()] = "",
               state: Annotated[str, Form()] = "", overdue: Annotated[str, Form()] = "",
               routed: Annotated[str, Form()] = "", q: Annotated[str, Form()] = ""
               ) -> dict[str, str]:
    """The queue's filters a form posts: as fields (the queue page's *Claim next*) or carried
    as one query string (``q``, the item page's)."""
    values = queue_views.parse_carried(q)
    values.update(queue_views.filter_values({"rule": rule, "title": title, "locale": locale,
                                             "older": older, "state": state,
                                             "overdue": overdue, "routed": routed}))
    return values


QueueFormDep = Annotated[dict[str, str], Depends(queue_form)]


@router.post("/queue/claim-next")
def claim_next(page: PageDep, session: SessionDep, state: StateDep,
               values: QueueFormDep) -> Response:
    """Claim the next item this reviewer may take among the queue's current filters (the form
    posts them), and open it carrying the filters, so a decision can go on to the next one."""
    flt = queue_views.queue_filter(values, state.settings, routing.load_routes(session))
    item = queue.claim(session, page.actor, None,
                       lease_seconds=state.settings.review_lease_seconds, flt=flt)
    return redirect(item_url(item.id, values))


@router.post("/queue/bulk-decision")
def bulk_decision(request: Request, page: PageDep, session: SessionDep, state: StateDep,
                  values: QueueFormDep, item: Annotated[list[str], Form()] = [],  # noqa: B006
                  outcome: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
                  comment: Annotated[str, Form()] = "",
                  reason_code: Annotated[str, Form()] = "") -> Response:
    """Decide the selected rows with one outcome (:func:`clearance.review.bulk.bulk_decide`:
    item by item under the usual rules, a two-person item's first review only) and show what
    happened to each."""
    ids = [parse_id(text, "item") for text in item]
    results = queue.bulk_decide(session, page.actor, ids, outcome, reason=reason,
                                comment=comment, reason_code=reason_code or None,
                                lease_seconds=state.settings.review_lease_seconds)
    carried = queue_views.carried(values)
    return render(request, "bulk.html", page, results=results, outcome=outcome,
                  back="/queue" + (f"?{carried}" if carried else ""))


def item_url(item_id: int, values: Mapping[str, str]) -> str:
    """The item page, carrying the queue's filters (``?q=``) when there are any."""
    q = queue_views.carried(values)
    return f"/items/{item_id}" + (f"?{urlencode({'q': q})}" if q else "")


# -- the submitter's items -----------------------------------------------------------------

@router.get("/mine")
def mine(request: Request, page: PageDep, session: SessionDep) -> Response:
    """The items of the viewer's team (or their own submissions), with decisions and comments."""
    items = queue.list_submitted(session, page.actor, limit=200)
    rows = []
    for item in items:
        row = _row(item, {})
        row["comments"] = [{"author": comment_author(page.actor, c.author), "body": c.body,
                            "created_at": c.created_at} for c in item.comments]
        rows.append(row)
    heading = "Submitted by my team" if page.is_reviewer else "My items"
    return render(request, "mine.html", page, rows=rows, heading=heading,
                  asset_kinds=ASSET_KINDS)


# -- settings ------------------------------------------------------------------------------

@router.get("/settings")
def settings_page(request: Request, page: PageDep, saved: Flag = 0) -> Response:
    return render(request, "settings.html", page, saved=bool(saved))


@router.post("/settings")
def save_settings(page: PageDep, session: SessionDep,
                  blur_images: Annotated[str | None, Form()] = None) -> Response:
    """The wellness preference (a checkbox: absent means unticked); the change is audited."""
    access.set_blur_preference(session, page.actor, blur_images is not None)
    return redirect("/settings?saved=1")

