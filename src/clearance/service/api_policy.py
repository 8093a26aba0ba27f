"""API route for trying a draft policy: ``POST /api/policy/whatif`` (admins) decides the
catalog's stored findings with the draft and with the live policy (no model runs; see
:mod:`clearance.screening.whatif`) and answers every item whose decision changes."""

from __future__ import annotations

from fastapi import APIRouter

from clearance.errors import InputError, PolicyError
from clearance.policy.loader import parse_policy_text
from clearance.policy.model import Policy
from clearance.screening.whatif import WhatIfReport, whatif
from clearance.service.deps import AdminDep, SessionDep, StateDep
from clearance.service.models_public import (
    WhatIfChangePublic,
    WhatIfCountPublic,
    WhatIfMovePublic,
    WhatIfPublic,
)
from clearance.service.schemas import PolicyDraftIn
from clearance.storage.screening_models import DECISIONS

router = APIRouter(tags=["policy"])


def parse_draft(text: str, name: str = "draft.yaml") -> Policy:
    """The draft, or :class:`InputError` (422) listing every problem as ``file:line``."""
    try:
        return parse_policy_text(text, name)
    except PolicyError as exc:
        raise InputError(exc.rendered()) from None


def whatif_view(report: WhatIfReport) -> WhatIfPublic:
    return WhatIfPublic(
        live=report.live, draft=report.draft, evaluated=report.evaluated,
        unscreened=report.unscreened, seconds=round(report.seconds, 3),
        counts=[WhatIfCountPublic(decision=d, live=report.before[d], draft=report.after[d],
                                  change=report.after[d] - report.before[d])
                for d in DECISIONS],
        moves=[WhatIfMovePublic(before=a, after=b, items=n)
               for (a, b), n in sorted(report.moves.items())],
        changed=[WhatIfChangePublic(
            version_id=c.version_id, title_id=c.title_id, asset=c.ref, version=c.number,
            screening_id=c.screening_id, before=c.before, after=c.after,
            rules_before=list(c.rules_before), rules_after=list(c.rules_after),
            reasons_before=list(c.reasons_before), reasons_after=list(c.reasons_after))
            for c in report.changed])


@router.post("/policy/whatif")
def policy_whatif(body: PolicyDraftIn, actor: AdminDep, session: SessionDep,
                  state: StateDep) -> WhatIfPublic:
    """Decide every live version's stored findings with the draft and with the live policy;
    every item whose decision changes, with its reasons under both (admins)."""
    draft = parse_draft(body.policy)
    return whatif_view(whatif(session, state.screener.policy, draft))
