"""API routes for working the queue at volume: bulk decisions.

The rules are :mod:`clearance.review.bulk`'s (each item claimed and decided under the usual
rules, a two-person item's first review only); a handler parses, calls, and shapes the answer.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from clearance.review import queue
from clearance.review.bulk import MAX_BULK
from clearance.service.deps import ReviewerDep, SessionDep, StateDep
from clearance.service.params import BodyId
from clearance.service.schemas import Outcome

router = APIRouter(tags=["queue"])


class BulkDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    #: The items to decide, in this order (a repeated id counts once).
    item_ids: Annotated[list[BodyId], Field(min_length=1, max_length=MAX_BULK)]
    outcome: Outcome
    #: Required to approve a screening ``block`` (an override, seniors only).
    reason: str = Field(default="", max_length=5000)
    #: Required with ``request_changes``; posted to each item's conversation.
    comment: str = Field(default="", max_length=10_000)


class BulkItemPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: int
    #: ``decided`` (final), ``first_review`` (a two-person round's first review: the item now
    #: awaits a senior) or ``skipped`` (``detail`` says why; nothing of it changed).
    result: Literal["decided", "first_review", "skipped"]
    #: The item's state afterwards; null when the caller may not see it.
    state: str | None
    detail: str


class BulkDecisionPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[BulkItemPublic]


@router.post("/queue/bulk-decision")
def bulk_decision(body: BulkDecisionIn, actor: ReviewerDep, session: SessionDep,
                  state: StateDep) -> BulkDecisionPublic:
    """Decide several items with one outcome (reviewers and above): each is claimed and decided
    under the usual rules, or skipped with the reason; an item that needs two people gets a
    first review only, never the completing second one."""
    results = queue.bulk_decide(session, actor, body.item_ids, body.outcome, reason=body.reason,
                                comment=body.comment,
                                lease_seconds=state.settings.review_lease_seconds)
    return BulkDecisionPublic(results=[
        BulkItemPublic(item_id=r.item_id, result=r.result, state=r.state, detail=r.detail)
        for r in results])
