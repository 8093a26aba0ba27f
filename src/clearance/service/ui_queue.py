"""The queue console's forms and pages beyond the queue itself (``docs/ui.md``): saved filters,
the routes of items to reviewer teams, escalation to a senior and assignment to a reviewer.

* ``POST /queue/filters`` saves the queue's current filters under a name (for oneself, or shared
  with every reviewer); ``POST /queue/filters/{id}/delete`` deletes one (its owner, or an admin).
* ``/queue/routes`` lists the routes (reviewers); admins add (``POST /queue/routes``) and remove
  (``POST /queue/routes/{id}/delete``) them.
* ``POST /items/{id}/escalate`` (the holder of the claim, with a reason) and
  ``POST /items/{id}/assign`` (seniors: a reviewer's username, or empty to take it back).
* Appeals: ``POST /items/{id}/appeal`` (the submitting team, on a rejected item, with a reason),
  ``POST /items/{id}/appeal/decision`` (a senior who gave no review on it: uphold or overturn,
  with a reason) and ``/appeals`` (seniors: the open appeals, oldest first, and the decided).

The rules are :mod:`clearance.review.saved_filters`, :mod:`clearance.review.routing`,
:mod:`clearance.review.escalation` and :mod:`clearance.review.appeals`; these handlers read forms,
call them and redirect.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select

from clearance.errors import Forbidden
from clearance.review import appeals, queue, routing, saved_filters
from clearance.service import queue_views
from clearance.service.deps import SessionDep, StateDep
from clearance.service.params import IdPath
from clearance.service.ui_base import Page, PageDep, UIRoute, redirect, render
from clearance.storage.review_models import ReviewItem, Team

router = APIRouter(route_class=UIRoute, include_in_schema=False)


def _require_reviewer(page: Page) -> None:
    if not page.is_reviewer:
        raise Forbidden(f"the queue is for reviewers ({page.actor.username} is "
                        f"{page.actor.role})")


def _require_admin(page: Page) -> None:
    if not page.actor.at_least("admin"):
        raise Forbidden(f"routes are managed by admins ({page.actor.username} is "
                        f"{page.actor.role})")


def _queue(q: str) -> str:
    carried = queue_views.carried(queue_views.parse_carried(q))
    return "/queue" + (f"?{carried}" if carried else "")


@router.post("/queue/filters")
def save_filter(page: PageDep, session: SessionDep, name: Annotated[str, Form()] = "",
                q: Annotated[str, Form()] = "",
                shared: Annotated[str | None, Form()] = None) -> Response:
    """Save the queue's current filters (``q``) as ``name``."""
    query = queue_views.carried(queue_views.parse_carried(q))
    saved_filters.save_filter(session, page.actor, name, query, shared=shared is not None)
    return redirect(_queue(query))


@router.post("/queue/filters/{filter_id}/delete")
def delete_filter(filter_id: IdPath, page: PageDep, session: SessionDep) -> Response:
    saved_filters.delete_filter(session, page.actor, filter_id)
    return redirect("/queue")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


@router.get("/queue/routes")
def routes_page(request: Request, page: PageDep, session: SessionDep,
                state: StateDep) -> Response:
    """The routes, in the order they are tried, with the form to add one (admins)."""
    _require_reviewer(page)
    teams = list(session.scalars(select(Team.id).order_by(Team.id)))
    return render(request, "routes.html", page, routes=routing.load_routes(session),
                  teams=teams, choices=queue_views.rule_choices(state),
                  can_manage=page.actor.at_least("admin"))


@router.post("/queue/routes")
def add_route(page: PageDep, session: SessionDep, team: Annotated[str, Form()] = "",
              locales: Annotated[str, Form()] = "",
              rules: Annotated[list[str], Form()] = [],  # noqa: B006
              teams: Annotated[str, Form()] = "",
              decisions: Annotated[list[str], Form()] = [],  # noqa: B006
              note: Annotated[str, Form()] = "") -> Response:
    """Add a route (admins): comma-separated locales and submitting teams, the rules and
    decisions ticked."""
    _require_admin(page)
    routing.add_route(session, page.actor, team.strip(), locales=_split(locales), rules=rules,
                      teams=_split(teams), decisions=decisions, note=note)
    return redirect("/queue/routes")


@router.post("/queue/routes/{route_id}/delete")
def delete_route(route_id: IdPath, page: PageDep, session: SessionDep) -> Response:
    _require_admin(page)
    routing.remove_route(session, page.actor, route_id)
    return redirect("/queue/routes")


@router.post("/items/{item_id}/escalate")
def escalate(item_id: IdPath, page: PageDep, session: SessionDep,
             reason: Annotated[str, Form()] = "", q: Annotated[str, Form()] = "") -> Response:
    """Send the item one holds to the senior reviewers, and go back to the queue."""
    queue.escalate(session, page.actor, item_id, reason)
    back = _queue(q)
    return redirect(back + ("&" if "?" in back else "?") + urlencode({"escalated": item_id}))


@router.post("/items/{item_id}/assign")
def assign(item_id: IdPath, page: PageDep, session: SessionDep,
           username: Annotated[str, Form()] = "") -> Response:
    """Give the item to a reviewer, or take it back (an empty username); seniors."""
    queue.assign(session, page.actor, item_id, username.strip() or None)
    return redirect(f"/items/{item_id}")


@router.post("/items/{item_id}/appeal")
def appeal(item_id: IdPath, page: PageDep, session: SessionDep,
           reason: Annotated[str, Form()] = "") -> Response:
    """Appeal a rejection (the submitting team)."""
    appeals.open_appeal(session, page.actor, item_id, reason)
    return redirect(f"/items/{item_id}#appeal")


@router.post("/items/{item_id}/appeal/decision")
def decide_appeal(item_id: IdPath, page: PageDep, session: SessionDep,
                  outcome: Annotated[str, Form()] = "",
                  reason: Annotated[str, Form()] = "") -> Response:
    """Uphold or overturn an appeal (a senior who gave no review on the item)."""
    appeals.decide_appeal(session, page.actor, item_id, outcome, reason)
    return redirect(f"/items/{item_id}#appeal")


APPEAL_STATES = ("open", "upheld", "overturned", "all")


@router.get("/appeals")
def appeals_page(request: Request, page: PageDep, session: SessionDep,
                 state: str = "open") -> Response:
    """The appeals: open ones oldest first, or the decided ones."""
    if not page.is_senior:
        raise Forbidden("appeals are reviewed by senior reviewers "
                        f"({page.actor.username} is {page.actor.role})")
    rows = appeals.list_appeals(session, page.actor, state=state, limit=200)
    items = {r.item_id: session.get(ReviewItem, r.item_id) for r in rows}
    views = [(r, items[r.item_id], queue_views.appeal_view(session, page.actor, r))
             for r in rows]
    return render(request, "appeals.html", page, rows=views, state=state,
                  states=APPEAL_STATES)
