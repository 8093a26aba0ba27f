"""Routing and assignment: which reviewer team — or which reviewer — works which items.

**Routes** (``review_routes``, managed by admins) send items to reviewer teams by the asset's
locale, the rules and labels that fired, the submitting team and the screening decision. Routes
are tried in order (``position``, then id) and the first whose conditions all hold wins; a
condition is a list (any of), and an empty list holds for every item. An item no route matches
is *unrouted*. The route is read when the queue is read, not stored on the item, so a changed
route applies at once to everything waiting.

**Assignment** (``review_items.assigned_to``): a senior gives an open item to one reviewer.

**Escalation** (``review_items.escalated_at``): a reviewer holding an item sends it to the senior
reviewers with a reason (:func:`clearance.review.escalation.escalate`).

What they change for a reviewer below senior (:func:`eligibility`, used by claims): an item
assigned to someone else, escalated, or routed to another team (or to a team at all, for a
reviewer without one) is not theirs to claim; claim-next hands out first what is assigned to
them, then what is routed to their team, then the unrouted rest. Senior reviewers and admins may
claim anything (the two-person rule and one's own submissions aside); claim-next hands them what
is assigned to them first, then escalated items, then their team's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, case, false, literal, or_, select, true
from sqlalchemy.orm import Session

from clearance.errors import InputError, NotFound, ReviewConflict, UnknownReference
from clearance.review import audit
from clearance.review.access import Actor, require_role
from clearance.review.audit import Subject
from clearance.review.audit_events import RouteAdded, RouteRemoved
from clearance.review.filters import QueueFilter, rule_condition
from clearance.storage.console_models import ReviewRoute
from clearance.storage.db import core
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.review_models import ReviewItem, Team

#: The most routes a database keeps (each is a branch of the queue's routing expression).
MAX_ROUTES: Final = 200
#: The most values in one condition list.
MAX_VALUES: Final = 100
DECISIONS: Final = ("block", "review")


@dataclass(frozen=True, slots=True)
class Route:
    id: int
    position: int
    team_id: str
    locales: tuple[str, ...]
    rules: tuple[str, ...]
    teams: tuple[str, ...]
    decisions: tuple[str, ...]
    note: str

    def condition(self) -> ColumnElement[bool]:
        """The items this route's conditions hold for, as SQL."""
        parts: list[ColumnElement[bool]] = []
        if self.locales:
            versions = (select(AssetVersion.id).join(Asset, Asset.id == AssetVersion.asset_id)
                        .where(Asset.locale.in_(self.locales)))
            parts.append(ReviewItem.version_id.in_(versions))
        if self.rules:
            parts.append(or_(*[rule_condition(r) for r in self.rules]))
        if self.teams:
            parts.append(ReviewItem.team_id.in_(self.teams))
        if self.decisions:
            parts.append(ReviewItem.screening_decision.in_(self.decisions))
        return and_(*parts) if parts else true()

    def matches(self, item: ReviewItem, locale: str) -> bool:
        """The same test in Python, for one item whose asset's locale is ``locale``."""
        return ((not self.locales or locale in self.locales)
                and (not self.rules or any(r in item.rules for r in self.rules))
                and (not self.teams or item.team_id in self.teams)
                and (not self.decisions or item.screening_decision in self.decisions))

    def describe(self) -> str:
        """``locale fr, rule minor.apparent`` or ``every item``."""
        parts = [f"{label} {', '.join(values)}" for label, values in (
            ("locale", self.locales), ("rule or label", self.rules),
            ("submitted by", self.teams), ("screening", self.decisions)) if values]
        return "; ".join(parts) or "every item"


def _of(row: Any) -> Route:
    return Route(row.id, row.position, row.team_id, tuple(row.locales), tuple(row.rules),
                 tuple(row.teams), tuple(row.decisions), row.note)


#: :func:`load_routes`' statement, built once: columns, not ORM objects (every claim reads the
#: routes; an ORM select of none cost ~0.1 ms of Python in ``bench/bench_load.py``'s profile).
_ROUTES: Final = (select(ReviewRoute.id, ReviewRoute.position, ReviewRoute.team_id,
                         ReviewRoute.locales, ReviewRoute.rules, ReviewRoute.teams,
                         ReviewRoute.decisions, ReviewRoute.note)
                  .order_by(ReviewRoute.position, ReviewRoute.id))


def load_routes(session: Session) -> tuple[Route, ...]:
    """Every route, in the order they are tried."""
    return tuple(_of(r) for r in core(session).execute(_ROUTES))


def routed_team(routes: Sequence[Route]) -> ColumnElement[str | None] | None:
    """The team each item is routed to, as a SQL expression (``NULL``: unrouted); ``None`` when
    there are no routes (every item unrouted)."""
    if not routes:
        return None
    return case(*[(r.condition(), literal(r.team_id)) for r in routes], else_=None)


def route_of(routes: Sequence[Route], item: ReviewItem, locale: str) -> Route | None:
    """The route ``item`` follows (the first that matches), if any."""
    return next((r for r in routes if r.matches(item, locale)), None)


def eligibility(actor: Actor, routes: Sequence[Route]) -> list[ColumnElement[bool]]:
    """What a reviewer below senior may claim, given routing, assignment and escalation."""
    if actor.is_senior:
        return []
    team = routed_team(routes)
    if team is None:
        routed_ok: ColumnElement[bool] = true()
    elif actor.team_id is None:
        routed_ok = team.is_(None)
    else:
        routed_ok = or_(team.is_(None), team == actor.team_id)
    return [ReviewItem.escalated_at.is_(None),
            or_(ReviewItem.assigned_to == actor.user_id,
                and_(ReviewItem.assigned_to.is_(None), routed_ok))]


def preference(actor: Actor, routes: Sequence[Route]) -> ColumnElement[int]:
    """Claim-next's first sort key: 0 for what is assigned to the actor, 1 for what is routed to
    their team (and, for a senior, escalated items), 2 for the rest."""
    whens: list[tuple[ColumnElement[bool], int]] = [(ReviewItem.assigned_to == actor.user_id, 0)]
    if actor.is_senior:
        whens.append((ReviewItem.escalated_at.is_not(None), 1))
    team = routed_team(routes)
    if team is not None and actor.team_id is not None:
        whens.append((team == actor.team_id, 1))
    return case(*whens, else_=2)


def refuse(item: ReviewItem, actor: Actor, routes: Sequence[Route]) -> None:
    """Refuse a named claim that routing, assignment or escalation keeps from ``actor``
    (:class:`ReviewConflict`)."""
    if actor.is_senior:
        return
    if item.escalated_at is not None:
        raise ReviewConflict(f"item {item.id} was escalated to the senior reviewers")
    if item.assigned_to is not None:
        if item.assigned_to != actor.user_id:
            raise ReviewConflict(f"item {item.id} is assigned to another reviewer")
        return
    route = route_of(routes, item, item.version.asset.locale)
    if route is not None and route.team_id != actor.team_id:
        raise ReviewConflict(f"item {item.id} is routed to team {route.team_id} "
                             f"({route.describe()})")


def visible_filter(actor: Actor, routes: Sequence[Route], value: str) -> ColumnElement[bool]:
    """The queue's ``routed`` filter: ``mine`` (assigned to the actor, or routed to their team),
    ``unrouted``, ``assigned`` (assigned to anyone) or a team id."""
    team = routed_team(routes)
    if value == "mine":
        mine: list[ColumnElement[bool]] = [ReviewItem.assigned_to == actor.user_id]
        if team is not None and actor.team_id is not None:
            mine.append(and_(ReviewItem.assigned_to.is_(None), team == actor.team_id))
        return or_(*mine)
    if value == "assigned":
        return ReviewItem.assigned_to.is_not(None)
    if value == "escalated":
        return ReviewItem.escalated_at.is_not(None)
    if value == "unrouted":
        return true() if team is None else team.is_(None)
    return false() if team is None else team == value


def filter_conditions(flt: QueueFilter, actor: Actor) -> list[ColumnElement[bool]]:
    """The ``routed`` part of a queue filter (the rest is :func:`clearance.review.filters.
    conditions`)."""
    if not flt.routed:
        return []
    return [visible_filter(actor, flt.routes, flt.routed)]


# -- managing routes (admins) ----------------------------------------------------------------

def _clean(values: Sequence[str], what: str) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(out) > MAX_VALUES:
        raise InputError(f"{what}: at most {MAX_VALUES} values")
    for v in out:
        if len(v) > 100 or any(not ch.isprintable() or ch.isspace() for ch in v):
            raise InputError(f"{what}: {v!r} is not a value (no spaces, at most 100 "
                             "characters)")
    return out


def add_route(session: Session, actor: Actor, team_id: str, *, locales: Sequence[str] = (),
              rules: Sequence[str] = (), teams: Sequence[str] = (),
              decisions: Sequence[str] = (), note: str = "", position: int | None = None,
              now: dt.datetime | None = None) -> ReviewRoute:
    """Add a route to ``team_id`` (an existing team), last unless ``position`` is given."""
    require_role(actor, "admin")
    if session.get(Team, team_id) is None:
        raise UnknownReference(f"no team {team_id!r}")
    wanted = {"locales": _clean(locales, "locales"), "rules": _clean(rules, "rules"),
              "teams": _clean(teams, "teams"), "decisions": _clean(decisions, "decisions")}
    bad = [d for d in wanted["decisions"] if d not in DECISIONS]
    if bad:
        raise InputError(f"decisions: {', '.join(bad)} (block or review)")
    if len(note) > 200:
        raise InputError("note: at most 200 characters")
    count = len(load_routes(session))
    if count >= MAX_ROUTES:
        raise InputError(f"there are {count} routes already (at most {MAX_ROUTES})")
    if position is None:
        last = session.scalar(select(ReviewRoute.position).order_by(
            ReviewRoute.position.desc()).limit(1))
        position = (last or 0) + 10
    row = ReviewRoute(position=position, team_id=team_id, note=note.strip(),
                      created_by=actor.audit_name, created_at=now or dt.datetime.now(dt.UTC),
                      **{k: list(v) for k, v in wanted.items()})
    session.add(row)
    session.flush()
    audit.record(session, RouteAdded(subject=Subject("route", str(row.id)), team_id=team_id,
                                     position=position, note=row.note, **wanted),
                 actor=actor.audit_name)
    return row


def remove_route(session: Session, actor: Actor, route_id: int) -> None:
    require_role(actor, "admin")
    row = session.get(ReviewRoute, route_id)
    if row is None:
        raise NotFound(f"no route {route_id}")
    team = row.team_id
    session.delete(row)
    session.flush()
    audit.record(session, RouteRemoved(subject=Subject("route", str(route_id)), team_id=team),
                 actor=actor.audit_name)
