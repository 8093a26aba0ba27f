"""The JSON API under ``/api`` (``docs/api.md`` describes every route). Every route needs an
authenticated caller — an API token (``Authorization: Bearer clr_...``) or the UI's session
cookie with its CSRF token — and checks the caller's role; errors are problem+json
(:mod:`clearance.service.problems`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from clearance.review import access
from clearance.service import api_admin, api_items
from clearance.service.deps import SessionDep, SubmitterDep
from clearance.service.schemas import PreferencesIn
from clearance.storage.review_models import User

router = APIRouter(prefix="/api")
me_router = APIRouter(tags=["me"])


def _me(session: SessionDep, actor: SubmitterDep) -> dict[str, Any]:
    user = session.get(User, actor.user_id)
    return {"id": actor.user_id, "username": actor.username, "role": actor.role,
            "team_id": actor.team_id, "via": actor.via, "token_id": actor.token_id,
            "display_name": user.display_name if user else actor.username,
            "blur_images": user.blur_images if user else True}


@me_router.get("/me")
def me(actor: SubmitterDep, session: SessionDep) -> dict[str, Any]:
    """Who the caller is: username, role, team, how they authenticated, their preferences."""
    return _me(session, actor)


@me_router.put("/me/preferences")
def set_preferences(body: PreferencesIn, actor: SubmitterDep,
                    session: SessionDep) -> dict[str, Any]:
    """The caller's wellness preference: images blurred and greyscale until revealed."""
    access.set_blur_preference(session, actor, body.blur_images)
    return _me(session, actor)


router.include_router(me_router)
router.include_router(api_items.router)
router.include_router(api_admin.router)
