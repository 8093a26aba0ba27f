"""The what-if page (admins): ``/policy/whatif`` takes a draft policy (a YAML file or pasted
text), decides the stored findings of every live catalog version with it and with the live
policy (:mod:`clearance.screening.whatif`: no model runs) and shows the counts that change and
every changed item with its reasons under both. Nothing is stored."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Form, Request, Response, UploadFile

from clearance.errors import Forbidden, InputError
from clearance.policy.loader import MAX_POLICY_BYTES
from clearance.screening.whatif import whatif
from clearance.service.api_policy import parse_draft, whatif_view
from clearance.service.deps import SessionDep, StateDep
from clearance.service.ui_base import Page, PageDep, UIRoute, render

router = APIRouter(route_class=UIRoute, include_in_schema=False)

TEMPLATE: Final = "whatif.html"


def _require_admin(page: Page) -> None:
    if not page.actor.at_least("admin"):
        raise Forbidden(f"the what-if page is for admins ({page.actor.username} is "
                        f"{page.actor.role})")


@router.get("/policy/whatif")
def whatif_form(request: Request, page: PageDep, state: StateDep) -> Response:
    """The form: upload or paste a draft policy."""
    _require_admin(page)
    return render(request, TEMPLATE, page, live=state.screener.policy.ref, report=None,
                  error=None, source="")


@router.post("/policy/whatif")
async def whatif_run(request: Request, page: PageDep, session: SessionDep, state: StateDep,
                     draft: UploadFile | None = None,
                     policy: Annotated[str, Form()] = "") -> Response:
    """Run the draft (the uploaded file, else the pasted text) against the live policy."""
    _require_admin(page)
    name, text = "draft.yaml", policy
    if draft is not None and draft.filename:
        data = await draft.read(MAX_POLICY_BYTES + 1)
        if len(data) > MAX_POLICY_BYTES:
            raise InputError(f"{draft.filename}: a policy is at most {MAX_POLICY_BYTES} bytes")
        name, text = draft.filename, data.decode("utf-8", errors="replace")
    live = state.screener.policy
    try:
        if not text.strip():
            raise InputError("upload a draft policy file or paste its YAML")
        report = whatif_view(whatif(session, live, parse_draft(text, name)))
    except InputError as exc:
        return render(request, TEMPLATE, page, status_code=422, live=live.ref, report=None,
                      error=exc.rendered(), source=text)
    return render(request, TEMPLATE, page, live=live.ref, report=report, error=None,
                  source=text)
