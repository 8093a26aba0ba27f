"""What the queue page and the item page share about "the list a reviewer works through": the
filter fields of ``/queue`` read from a query string or a form, the rule filter's choices (the
live policy's rule names and the finding labels, never free text) and each row's service level.

The queue's filters travel with the reviewer: *Claim next* on ``/queue`` posts them, the item it
opens carries them as ``?q=`` and the decision form sends them back, so *then open the next item*
takes the next item of the same filtered list (:func:`clearance.review.claims.claim`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.findings import Label
from clearance.review import appeals, service_levels
from clearance.review.access import Actor
from clearance.review.filters import QueueFilter
from clearance.review.items import awaiting_senior
from clearance.review.reason_codes import ReasonCode, for_outcome
from clearance.review.routing import Route, load_routes, route_of
from clearance.review.saved_filters import list_filters
from clearance.service.params import parse_hours
from clearance.service.state import ServiceState
from clearance.settings import Settings
from clearance.storage.console_models import Appeal
from clearance.storage.db import as_utc
from clearance.storage.review_models import OUTCOMES, ReviewItem, User

#: The queue page's filter fields, as named in its query string.
FILTER_FIELDS: Final = ("rule", "title", "locale", "older", "state", "overdue", "routed")
#: The most characters of a carried filter query (``?q=``) read back.
MAX_QUERY_CHARS: Final = 2000


def filter_values(params: Mapping[str, str]) -> dict[str, str]:
    """The non-empty filter fields among ``params`` (a query string's or a form's)."""
    return {name: str(params[name]).strip() for name in FILTER_FIELDS
            if str(params.get(name) or "").strip()}


def parse_carried(query: str | None) -> dict[str, str]:
    """The filter fields of a carried query string (``rule=x&state=open``)."""
    if not query:
        return {}
    return filter_values(dict(parse_qsl(query[:MAX_QUERY_CHARS], keep_blank_values=False)))


def carried(values: Mapping[str, str]) -> str:
    """``values`` as the query string the item page carries (``q``)."""
    return urlencode(filter_values(values))


def queue_filter(values: Mapping[str, str], settings: Settings,
                 routes: Sequence[Route] = ()) -> QueueFilter:
    """The :class:`QueueFilter` of the queue page's fields (an unknown state or a bad number of
    hours is :class:`~clearance.errors.InputError`, answered 422); ``routes`` for the
    ``routed`` filter (:func:`clearance.review.routing.load_routes`)."""
    return QueueFilter(rule=values.get("rule") or None, title_id=values.get("title") or None,
                       locale=values.get("locale") or None,
                       older_than_hours=parse_hours(values.get("older"), "older"),
                       state=values.get("state") or "open",
                       overdue=values.get("overdue") in ("1", "on", "true"),
                       targets=settings.review_target_hours,
                       routed=values.get("routed") or None, routes=tuple(routes))


@dataclass(frozen=True, slots=True)
class RuleChoices:
    """The rule filter's options: the live policy's rule names, then the finding labels."""

    policy: str
    rules: tuple[str, ...]
    labels: tuple[str, ...]

    def knows(self, value: str) -> bool:
        return value in self.rules or value in self.labels


def rule_choices(state: ServiceState) -> RuleChoices:
    """The live policy's rule names (in the policy's order) and the finding labels."""
    policy = state.screener.policy
    return RuleChoices(policy.ref, tuple(r.name for r in policy.rules), tuple(Label.ALL))


@dataclass(frozen=True, slots=True)
class RowLevel:
    """A queue row's age and service level, as the page shows them."""

    age: str
    label: str
    status: str


def row_level(item: ReviewItem, settings: Settings, now: dt.datetime) -> RowLevel:
    """How long ``item`` has waited and, while it is open, where it stands against its target."""
    lvl = service_levels.level(item, settings.review_target_hours, now)
    is_open = item.state in ("queued", "claimed")
    return RowLevel(service_levels.span(lvl.age), lvl.label if is_open else "",
                    lvl.status if is_open else "ok")


def bulk_selectable(item: ReviewItem, actor: Actor, now: dt.datetime) -> bool:
    """Whether ``item``'s row offers a bulk-decision checkbox to ``actor``: queued, or claimed by
    them (or with a lapsed lease), not their own submission, not awaiting the second review
    of the two-person rule (given on the item's page only), and — below senior — neither
    escalated nor assigned to someone else."""
    if item.submitted_by is not None and item.submitted_by == actor.user_id:
        return False
    if awaiting_senior(item):
        return False
    if not actor.is_senior and (item.escalated_at is not None or item.assigned_to not in (
            None, actor.user_id)):
        return False
    if item.state == "queued":
        return True
    lease = as_utc(item.lease_expires_at) if item.lease_expires_at else None
    return item.state == "claimed" and (item.claimed_by == actor.user_id
                                        or (lease is not None and lease <= now))


@dataclass(frozen=True, slots=True)
class RowRouting:
    """Who a queue row is for: its route's team, the reviewer it is assigned to, whether it was
    escalated."""

    team: str | None
    assigned_to: str | None
    escalated: bool


def row_routing(item: ReviewItem, routes: Sequence[Route], names: Mapping[int, str]
                ) -> RowRouting:
    route = route_of(routes, item, item.version.asset.locale) if routes else None
    return RowRouting(route.team_id if route is not None else None,
                      names.get(item.assigned_to) if item.assigned_to is not None else None,
                      item.escalated_at is not None)


@dataclass(frozen=True, slots=True)
class SavedFilterRow:
    id: int
    name: str
    query: str
    owner: str
    shared: bool
    mine: bool


@dataclass(frozen=True, slots=True)
class ConsoleExtras:
    """What the queue page shows besides its rows: the saved filters, the routing filter's
    choices and the preset reason codes of the bulk decision."""

    saved: list[SavedFilterRow]
    route_teams: list[str]
    routes: int
    codes: dict[str, tuple[ReasonCode, ...]]


def reason_code_groups() -> dict[str, tuple[ReasonCode, ...]]:
    return {outcome: for_outcome(outcome) for outcome in OUTCOMES}


def console_extras(session: Session, actor: Actor, routes: Sequence[Route]) -> ConsoleExtras:
    saved = [SavedFilterRow(f.id, f.name, f.query, owner, f.shared, f.user_id == actor.user_id)
             for f, owner in list_filters(session, actor)]
    return ConsoleExtras(saved, sorted({r.team_id for r in routes}), len(routes),
                         reason_code_groups())


@dataclass(frozen=True, slots=True)
class ItemConsole:
    """The item page's routing, assignment and escalation, and the choices its forms offer."""

    route: Route | None
    assigned_to: str | None
    escalated_by: str | None
    escalation_reason: str | None
    #: Who a senior may assign it to (active reviewers and above, not its submitter).
    assignable: list[str]
    codes: dict[str, tuple[ReasonCode, ...]]
    appeal: AppealView | None = None
    #: The viewer is the submitting side of a rejected, unappealed item.
    can_appeal: bool = False
    #: The viewer is a senior who gave no review on an item with an open appeal.
    can_decide_appeal: bool = False


def item_console(session: Session, actor: Actor, item: ReviewItem) -> ItemConsole:
    is_reviewer = actor.at_least("reviewer")
    routes = load_routes(session) if is_reviewer else ()
    route = route_of(routes, item, item.version.asset.locale) if routes else None
    names = {uid: name for uid, name in session.execute(
        select(User.id, User.username).where(User.id.in_(
            [u for u in (item.assigned_to, item.escalated_by) if u is not None])))}
    assignable: list[str] = []
    if actor.is_senior and item.state in ("queued", "claimed"):
        assignable = list(session.scalars(
            select(User.username).where(User.active, User.role.in_(
                ("reviewer", "senior_reviewer", "admin")),
                User.id != (item.submitted_by or 0)).order_by(User.username)))
    appeal = appeals.appeal_of(session, item.id)
    return ItemConsole(
        route if is_reviewer else None,
        names.get(item.assigned_to) if is_reviewer and item.assigned_to else None,
        names.get(item.escalated_by) if is_reviewer and item.escalated_by else None,
        item.escalation_reason if is_reviewer else None, assignable, reason_code_groups(),
        appeal=appeal_view(session, actor, appeal),
        can_appeal=(appeal is None and item.state == "rejected"
                    and appeals.may_appeal(item, actor)),
        can_decide_appeal=(appeal is not None and appeal.state == "open" and actor.is_senior
                           and actor.user_id not in appeals.reviewers_of(item)))


@dataclass(frozen=True, slots=True)
class AppealView:
    """An item's appeal as its page shows it (reviewers' names only to reviewers)."""

    state: str
    reason: str
    appellant: str | None
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str


def appeal_view(session: Session, actor: Actor, appeal: Appeal | None) -> AppealView | None:
    if appeal is None:
        return None
    names = {uid: name for uid, name in session.execute(
        select(User.id, User.username).where(User.id.in_(
            [u for u in (appeal.appellant_id, appeal.decided_by) if u is not None])))}
    is_reviewer = actor.at_least("reviewer")
    return AppealView(appeal.state, appeal.reason, names.get(appeal.appellant_id or 0),
                      appeal.created_at,
                      names.get(appeal.decided_by or 0) if is_reviewer else None,
                      appeal.decided_at, appeal.decision_reason)
