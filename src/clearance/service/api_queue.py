"""API routes for working the queue at volume: bulk decisions and the team's metrics.

The rules are :mod:`clearance.review.bulk`'s (each item claimed and decided under the usual
rules, a two-person item's first review only) and :mod:`clearance.review.metrics`'s; a handler
parses, calls, and shapes the answer.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from clearance.review import metrics, queue
from clearance.review.bulk import MAX_BULK
from clearance.service.deps import ReviewerDep, SeniorDep, SessionDep, StateDep
from clearance.service.models_public import UtcTime
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


# -- metrics ---------------------------------------------------------------------------------

class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DurationsPublic(_Out):
    """Durations in hours (``null`` with none to summarise)."""

    count: int
    median_hours: float | None
    p90_hours: float | None
    mean_hours: float | None


class DayCountPublic(_Out):
    day: str
    decisions: int
    by_outcome: dict[str, int]


class QueueAgePublic(_Out):
    open: int
    claimed: int
    awaiting_senior: int
    oldest_hours: float | None
    median_hours: float | None
    due_soon: int
    overdue: int
    #: ``[label, items]`` per age bucket, youngest first.
    buckets: list[tuple[str, int]]


class AgreementPublic(_Out):
    rounds: int
    agreed: int
    differed: int
    agreement_rate: float | None


class OverridePublic(_Out):
    item_id: int
    decided_at: UtcTime
    reviewers: list[str]
    reasons: list[str]


class ReviewerStatsPublic(_Out):
    username: str
    reviews: int
    first_reviews: int
    second_reviews: int
    differed_as_second: int
    overrides: int


class MetricsPublic(_Out):
    """Throughput, time to decision, queue age, reviewer agreement and overrides."""

    since: UtcTime
    until: UtcTime
    days: float
    decisions: int
    by_outcome: dict[str, int]
    reviews: int
    per_day: list[DayCountPublic]
    time_to_decision: DurationsPublic
    time_by_screening: dict[str, DurationsPublic]
    queue: QueueAgePublic
    agreement: AgreementPublic
    overrides: list[OverridePublic]
    reviewers: list[ReviewerStatsPublic]


@router.get("/metrics", tags=["metrics"])
def get_metrics(actor: SeniorDep, session: SessionDep, state: StateDep,
                days: Annotated[float, Query(gt=0, le=metrics.MAX_DAYS,
                                             allow_inf_nan=False)] = 7.0) -> MetricsPublic:
    """The review team's metrics over the last ``days`` days (senior reviewers and admins): the
    numbers of the ``/metrics`` page."""
    report = metrics.compute(session, actor, days=days,
                             targets=state.settings.review_target_hours)
    data = dataclasses.asdict(report)
    data["agreement"]["agreement_rate"] = report.agreement.agreement_rate
    return MetricsPublic.model_validate(data)
