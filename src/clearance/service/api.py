"""The JSON API under ``/api`` (``docs/api.md`` describes every route). Every route needs an
authenticated caller — an API token (``Authorization: Bearer clr_...``) or the UI's session
cookie with its CSRF token — and checks the caller's role; errors are problem+json
(:mod:`clearance.service.problems`)."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter

from clearance.review import access
from clearance.service import (
    api_admin,
    api_bank,
    api_catalog,
    api_incidents,
    api_items,
    api_jobs,
    api_monitor,
    api_policy,
    api_quarantine,
    api_queue,
    api_uploads,
    views,
)
from clearance.service.deps import SessionDep, SubmitterDep
from clearance.service.models_public import MePublic, Problem
from clearance.service.schemas import PreferencesIn
from clearance.storage.review_models import User

#: The errors any API route may answer, described once for OpenAPI (the bodies are problem+json,
#: :mod:`clearance.service.problems`).
PROBLEM_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    status: {"model": Problem, "description": f"{title} (problem+json)"}
    for status, title in ((401, "Not authenticated"), (403, "Forbidden"), (404, "Not found"),
                          (409, "Conflict"), (422, "Invalid input"),
                          (503, "Database unavailable"))
}

router = APIRouter(prefix="/api", responses=PROBLEM_RESPONSES)
me_router = APIRouter(tags=["me"])


@me_router.get("/me")
def me(actor: SubmitterDep, session: SessionDep) -> MePublic:
    """Who the caller is: username, role, team, how they authenticated, their preferences."""
    return views.me_view(actor, session.get(User, actor.user_id))


@me_router.put("/me/preferences")
def set_preferences(body: PreferencesIn, actor: SubmitterDep, session: SessionDep) -> MePublic:
    """The caller's wellness preference: images blurred and greyscale until revealed."""
    access.set_blur_preference(session, actor, body.blur_images)
    return views.me_view(actor, session.get(User, actor.user_id))


router.include_router(me_router)
router.include_router(api_uploads.router)
router.include_router(api_items.router)
router.include_router(api_queue.router)
router.include_router(api_jobs.router)
router.include_router(api_catalog.router)
router.include_router(api_bank.router)
router.include_router(api_monitor.router)
router.include_router(api_admin.router)
router.include_router(api_policy.router)
router.include_router(api_quarantine.router)
router.include_router(api_incidents.router)
