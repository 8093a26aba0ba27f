"""API routes for working the queue at volume: bulk decisions, escalation and assignment, saved
filters, routes of items to reviewer teams, and the team's metrics.

The rules are :mod:`clearance.review.bulk`'s (each item claimed and decided under the usual
rules, a two-person item's first review only), :mod:`clearance.review.escalation`,
:mod:`clearance.review.saved_filters`, :mod:`clearance.review.routing` and
:mod:`clearance.review.metrics`; a handler parses, calls, and shapes the answer.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from clearance.errors import NotFound
from clearance.review import appeals, metrics, queue, routing, saved_filters
from clearance.review.access import Actor
from clearance.review.bulk import MAX_BULK
from clearance.review.items import username_of
from clearance.screening import team_lexicon
from clearance.service import queue_views
from clearance.service.deps import (
    AdminDep,
    ReviewerDep,
    SeniorDep,
    SessionDep,
    StateDep,
    SubmitterDep,
)
from clearance.service.models_public import UtcTime
from clearance.service.params import BodyId, IdPath, Offset
from clearance.service.schemas import Outcome
from clearance.storage.console_models import Appeal, LexiconTerm
from clearance.storage.review_models import ReviewItem

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
    #: A preset reason code of the outcome (``GET /api/queue/reason-codes``).
    reason_code: str | None = Field(default=None, max_length=64)


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
                                comment=body.comment, reason_code=body.reason_code,
                                lease_seconds=state.settings.review_lease_seconds)
    return BulkDecisionPublic(results=[
        BulkItemPublic(item_id=r.item_id, result=r.result, state=r.state, detail=r.detail)
        for r in results])


# -- reason codes, escalation, assignment ---------------------------------------------------

class ReasonCodePublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    outcome: str
    label: str


class ReasonCodesPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codes: list[ReasonCodePublic]


@router.get("/queue/reason-codes")
def reason_codes(actor: ReviewerDep) -> ReasonCodesPublic:
    """The preset reason codes, each for one outcome (reviewers)."""
    from clearance.review.reason_codes import REASON_CODES

    return ReasonCodesPublic(codes=[ReasonCodePublic(code=c.code, outcome=c.outcome,
                                                     label=c.label) for c in REASON_CODES])


class EscalationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reason: str = Field(min_length=1, max_length=5000)


class AssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    #: A reviewer's username, or null to take the item back.
    username: str | None = Field(max_length=64)


class RoutingPublic(BaseModel):
    """An item's assignment and escalation, and the team its route sends it to."""

    model_config = ConfigDict(extra="forbid")

    item_id: int
    state: str
    assigned_to: str | None
    assigned_at: UtcTime | None
    escalated: bool
    escalated_at: UtcTime | None
    escalated_by: str | None
    escalation_reason: str | None
    routed_team: str | None


def _routing(session: SessionDep, item: ReviewItem) -> RoutingPublic:
    routes = routing.load_routes(session)
    route = routing.route_of(routes, item, item.version.asset.locale)
    return RoutingPublic(
        item_id=item.id, state=item.state, assigned_to=username_of(session, item.assigned_to),
        assigned_at=item.assigned_at, escalated=item.escalated_at is not None,
        escalated_at=item.escalated_at, escalated_by=username_of(session, item.escalated_by),
        escalation_reason=item.escalation_reason,
        routed_team=route.team_id if route is not None else None)


@router.get("/items/{item_id}/routing")
def get_routing(item_id: IdPath, actor: ReviewerDep, session: SessionDep) -> RoutingPublic:
    """Who the item is for: its assignee, its escalation, the team its route sends it to."""
    return _routing(session, queue.get_item(session, actor, item_id))


@router.post("/items/{item_id}/escalate")
def escalate_item(item_id: IdPath, body: EscalationIn, actor: ReviewerDep,
                  session: SessionDep) -> RoutingPublic:
    """Send the item the caller holds to the senior reviewers, with a reason: the claim ends
    and only a senior may claim it (409 without a live claim, or when already escalated)."""
    return _routing(session, queue.escalate(session, actor, item_id, body.reason))


@router.post("/items/{item_id}/assign")
def assign_item(item_id: IdPath, body: AssignmentIn, actor: SeniorDep,
                session: SessionDep) -> RoutingPublic:
    """Give an open item to a reviewer, or take it back (``username`` null); seniors."""
    return _routing(session, queue.assign(session, actor, item_id, body.username))


# -- saved filters -------------------------------------------------------------------------

class SavedFilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=saved_filters.MAX_NAME)
    #: The queue page's query string (``rule=...&locale=fr``); fields that are not filters
    #: are dropped.
    query: str = Field(default="", max_length=saved_filters.MAX_QUERY)
    shared: bool = False


class SavedFilterPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    name: str
    query: str
    owner: str
    shared: bool
    created_at: UtcTime


class SavedFiltersPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filters: list[SavedFilterPublic]


@router.get("/queue/filters")
def list_saved_filters(actor: ReviewerDep, session: SessionDep) -> SavedFiltersPublic:
    """The caller's saved filters, then those others shared."""
    return SavedFiltersPublic(filters=[
        SavedFilterPublic(id=f.id, name=f.name, query=f.query, owner=owner, shared=f.shared,
                          created_at=f.created_at)
        for f, owner in saved_filters.list_filters(session, actor)])


@router.post("/queue/filters", status_code=201)
def save_saved_filter(body: SavedFilterIn, actor: ReviewerDep,
                      session: SessionDep) -> SavedFilterPublic:
    """Save the caller's filter ``name`` (replacing one of that name)."""
    query = queue_views.carried(queue_views.parse_carried(body.query))
    row = saved_filters.save_filter(session, actor, body.name, query, shared=body.shared)
    return SavedFilterPublic(id=row.id, name=row.name, query=row.query, owner=actor.username,
                             shared=row.shared, created_at=row.created_at)


@router.delete("/queue/filters/{filter_id}", status_code=204, response_class=Response)
def delete_saved_filter(filter_id: IdPath, actor: ReviewerDep, session: SessionDep) -> Response:
    """Delete a saved filter (its owner, or an admin)."""
    saved_filters.delete_filter(session, actor, filter_id)
    return Response(status_code=204)


# -- routes ----------------------------------------------------------------------------------

Values = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]],
                   Field(max_length=routing.MAX_VALUES)]


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    team_id: str = Field(min_length=1, max_length=64)
    locales: Values = []
    rules: Values = []
    teams: Values = []
    decisions: list[Literal["block", "review"]] = []
    note: str = Field(default="", max_length=200)
    #: Where it is tried (lower first); after every route when absent.
    position: Annotated[int, Field(ge=0, le=1_000_000)] | None = None


class RoutePublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    position: int
    team_id: str
    locales: list[str]
    rules: list[str]
    teams: list[str]
    decisions: list[str]
    note: str


class RoutesPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    routes: list[RoutePublic]


def _route(r: routing.Route) -> RoutePublic:
    return RoutePublic(id=r.id, position=r.position, team_id=r.team_id, locales=list(r.locales),
                       rules=list(r.rules), teams=list(r.teams), decisions=list(r.decisions),
                       note=r.note)


@router.get("/queue/routes")
def list_routes(actor: ReviewerDep, session: SessionDep) -> RoutesPublic:
    """The routes, in the order they are tried (reviewers)."""
    return RoutesPublic(routes=[_route(r) for r in routing.load_routes(session)])


@router.post("/queue/routes", status_code=201)
def add_route(body: RouteIn, actor: AdminDep, session: SessionDep) -> RoutePublic:
    """Add a route of items to a reviewer team (admins; 404 for an unknown team)."""
    row = routing.add_route(session, actor, body.team_id, locales=body.locales,
                            rules=body.rules, teams=body.teams, decisions=body.decisions,
                            note=body.note, position=body.position)
    return _route(next(r for r in routing.load_routes(session) if r.id == row.id))


@router.delete("/queue/routes/{route_id}", status_code=204, response_class=Response)
def delete_route(route_id: IdPath, actor: AdminDep, session: SessionDep) -> Response:
    """Remove a route (admins)."""
    routing.remove_route(session, actor, route_id)
    return Response(status_code=204)


# -- appeals ---------------------------------------------------------------------------------

class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reason: str = Field(min_length=1, max_length=appeals.MAX_REASON)


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    outcome: Literal["uphold", "overturn"]
    reason: str = Field(min_length=1, max_length=appeals.MAX_REASON)


class AppealPublic(BaseModel):
    """An appeal of a rejection; reviewers' names are shown to reviewers only."""

    model_config = ConfigDict(extra="forbid")

    id: int
    item_id: int
    #: ``open``, ``upheld`` or ``overturned``.
    state: str
    reason: str
    appellant: str | None
    created_at: UtcTime
    decided_by: str | None
    decided_at: UtcTime | None
    decision_reason: str
    #: The item's state now (``approved`` after an overturn, or ``queued`` awaiting a second
    #: senior under the two-person rule).
    item_state: str


class AppealsPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    appeals: list[AppealPublic]


def _appeal(session: SessionDep, actor: Actor, row: Appeal) -> AppealPublic:
    view = queue_views.appeal_view(session, actor, row)
    assert view is not None
    item = session.get(ReviewItem, row.item_id)
    return AppealPublic(id=row.id, item_id=row.item_id, state=row.state, reason=row.reason,
                        appellant=view.appellant, created_at=row.created_at,
                        decided_by=view.decided_by, decided_at=row.decided_at,
                        decision_reason=row.decision_reason,
                        item_state=item.state if item is not None else "gone")


@router.post("/items/{item_id}/appeal", status_code=201, tags=["appeals"])
def appeal_item(item_id: IdPath, body: AppealIn, actor: SubmitterDep,
                session: SessionDep) -> AppealPublic:
    """Appeal a rejected item with a reason (its submitter or team; 409 when it is not
    rejected or was appealed already)."""
    return _appeal(session, actor, appeals.open_appeal(session, actor, item_id, body.reason))


@router.get("/items/{item_id}/appeal", tags=["appeals"])
def get_appeal(item_id: IdPath, actor: SubmitterDep, session: SessionDep) -> AppealPublic:
    """The item's appeal (404 when it has none)."""
    queue.get_item(session, actor, item_id)
    row = appeals.appeal_of(session, item_id)
    if row is None:
        raise NotFound(f"item {item_id} has no appeal")
    return _appeal(session, actor, row)


@router.post("/items/{item_id}/appeal/decision", tags=["appeals"])
def decide_appeal(item_id: IdPath, body: AppealDecisionIn, actor: SeniorDep,
                  session: SessionDep) -> AppealPublic:
    """Uphold or overturn the item's open appeal (a senior who gave no review on it; 409
    otherwise)."""
    return _appeal(session, actor, appeals.decide_appeal(session, actor, item_id, body.outcome,
                                                         body.reason))


@router.get("/appeals", tags=["appeals"])
def list_appeals(actor: SeniorDep, session: SessionDep,
                 state: Literal["open", "upheld", "overturned", "all"] = "open",
                 limit: Annotated[int, Query(ge=1, le=200)] = 50,
                 offset: Offset = 0) -> AppealsPublic:
    """Appeals for seniors: the open ones oldest first, or the decided ones newest first."""
    rows = appeals.list_appeals(session, actor, state=state, limit=limit, offset=offset)
    return AppealsPublic(appeals=[_appeal(session, actor, r) for r in rows])


# -- team word lists ---------------------------------------------------------------------------

class LexiconTermIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    term: str = Field(min_length=1, max_length=team_lexicon.MAX_TERM)
    category: Literal["sexualised_dance", "body_appearance", "sexual_awakening", "seduction",
                      "sexual_content", "abuse_topic"]
    language: Literal["en", "fr", "es", "de", "any"] = "any"


class LexiconTermPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    term: str
    category: str
    language: str
    added_in: int
    added_by: str
    added_at: UtcTime
    removed_in: int | None
    removed_by: str | None
    removed_at: UtcTime | None


class LexiconPublic(BaseModel):
    """A team's word list: its version and its terms (the removed ones too, when asked)."""

    model_config = ConfigDict(extra="forbid")

    team_id: str
    version: int
    terms: list[LexiconTermPublic]


def _term(row: LexiconTerm) -> LexiconTermPublic:
    return LexiconTermPublic(id=row.id, term=row.term, category=row.category,
                             language=row.language, added_in=row.added_in,
                             added_by=row.added_by, added_at=row.added_at,
                             removed_in=row.removed_in, removed_by=row.removed_by,
                             removed_at=row.removed_at)


TeamPath = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/teams/{team_id}/lexicon", tags=["lexicon"])
def get_lexicon(team_id: TeamPath, actor: ReviewerDep, session: SessionDep,
                removed: bool = False) -> LexiconPublic:
    """The team's word list (reviewers; ``removed=true`` adds the removed terms)."""
    version, terms = team_lexicon.list_terms(session, team_id, include_removed=removed)
    return LexiconPublic(team_id=team_id, version=version, terms=[_term(t) for t in terms])


@router.post("/teams/{team_id}/lexicon", status_code=201, tags=["lexicon"])
def add_lexicon_term(team_id: TeamPath, body: LexiconTermIn, actor: AdminDep,
                     session: SessionDep) -> LexiconTermPublic:
    """Add a term to the team's word list (admins): the list's version goes up by one, and the
    team's copy is screened with it from now on (409 for a term already in the list)."""
    return _term(team_lexicon.add_term(session, actor, team_id, body.term, body.category,
                                       body.language))


@router.delete("/teams/{team_id}/lexicon/{term_id}", status_code=204, response_class=Response,
               tags=["lexicon"])
def remove_lexicon_term(team_id: TeamPath, term_id: IdPath, actor: AdminDep,
                        session: SessionDep) -> Response:
    """Remove a term from the team's word list (admins; 409 when it was removed already)."""
    team_lexicon.remove_term(session, actor, team_id, term_id)
    return Response(status_code=204)


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


class ReasonCodeCountPublic(_Out):
    """Reviews given in the window with one outcome and reason code (``null``: none given)."""

    outcome: str
    code: str | None
    label: str
    reviews: int


class MetricsPublic(_Out):
    """Throughput, time to decision, queue age, reviewer agreement, overrides and reason
    codes."""

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
    #: Per outcome: each preset reason code with the reviews given with it in the window (most
    #: used first), codes no longer preset, then ``code: null`` for the reviews without one.
    reason_codes: list[ReasonCodeCountPublic]


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
