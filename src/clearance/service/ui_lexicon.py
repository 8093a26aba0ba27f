"""Team word lists in the UI (``docs/ui.md``): ``/lexicon`` shows a team's list — its version,
its terms with category and language, who added them in which version, and (``?removed=1``) the
removed ones — to reviewers; admins add a term (``POST /lexicon/{team}/terms``) and remove one
(``POST /lexicon/{team}/terms/{id}/remove``). The rules are
:mod:`clearance.screening.team_lexicon`'s."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select

from clearance.errors import Forbidden
from clearance.screening import team_lexicon
from clearance.service.deps import SessionDep
from clearance.service.params import Flag, IdPath
from clearance.service.ui_base import Page, PageDep, UIRoute, redirect, render
from clearance.storage.review_models import Team

router = APIRouter(route_class=UIRoute, include_in_schema=False)


def _require_reviewer(page: Page) -> None:
    if not page.is_reviewer:
        raise Forbidden(f"team word lists are for reviewers ({page.actor.username} is "
                        f"{page.actor.role})")


@router.get("/lexicon")
def lexicon_page(request: Request, page: PageDep, session: SessionDep,
                 team: str | None = None, removed: Flag = 0) -> Response:
    """A team's word list (the first team by default) with the form to add a term."""
    _require_reviewer(page)
    teams = list(session.scalars(select(Team.id).order_by(Team.id)))
    chosen = team or (teams[0] if teams else None)
    version, terms = (team_lexicon.list_terms(session, chosen, include_removed=bool(removed))
                      if chosen is not None else (0, []))
    return render(request, "lexicon.html", page, teams=teams, team=chosen, version=version,
                  terms=terms, removed=bool(removed), can_manage=page.actor.at_least("admin"),
                  categories=team_lexicon.categories(),
                  languages=team_lexicon.TERM_LANGUAGES)


@router.post("/lexicon/{team_id}/terms")
def add_term(team_id: str, page: PageDep, session: SessionDep,
             term: Annotated[str, Form()] = "", category: Annotated[str, Form()] = "",
             language: Annotated[str, Form()] = "") -> Response:
    team_lexicon.add_term(session, page.actor, team_id, term, category, language)
    return redirect(f"/lexicon?team={team_id}")


@router.post("/lexicon/{team_id}/terms/{term_id}/remove")
def remove_term(team_id: str, term_id: IdPath, page: PageDep, session: SessionDep) -> Response:
    team_lexicon.remove_term(session, page.actor, team_id, term_id)
    return redirect(f"/lexicon?team={team_id}")
