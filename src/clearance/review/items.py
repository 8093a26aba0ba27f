"""Review items: turning a screening into a queued item, who may see it, and the two-person
round an item is in. The shared ground of :mod:`clearance.review.claims` and
:mod:`clearance.review.decisions`; callers use :mod:`clearance.review.queue`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearance.errors import InputError, NotFound
from clearance.review import audit
from clearance.review.access import SYSTEM, Actor
from clearance.screening import ScreenResult
from clearance.storage.db import as_utc
from clearance.storage.models import AssetVersion
from clearance.storage.review_models import Review, ReviewItem, User

#: Queue risk base per screening decision; the highest finding score (0..1) is added to it.
RISK_BASE: Final[dict[str, float]] = {"block": 2.0, "review": 1.0, "pass": 0.0}
#: Items a reviewer can act on.
OPEN_STATES: Final = ("queued", "claimed")
#: A review outcome -> the item's final state.
FINAL_STATE: Final[dict[str, str]] = {
    "approve": "approved", "reject": "rejected", "request_changes": "changes_requested",
}
#: A final state -> the outcome that led to it.
FINAL_STATE_OUTCOME: Final[dict[str, str]] = {v: k for k, v in FINAL_STATE.items()}
#: Queue order: highest risk first, then oldest, then lowest id (a total order).
QUEUE_ORDER: Final = (ReviewItem.risk.desc(), ReviewItem.created_at.asc(), ReviewItem.id.asc())
#: Label prefix that triggers the two-person rule.
MINOR_PREFIX: Final = "minor."
_REASON_RULE = re.compile(r"^\s*\w+ by rule '([^']+)'")




def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def actor_name(actor: Actor | None) -> str:
    return actor.audit_name if actor is not None else SYSTEM


def subject(item_id: int) -> str:
    return f"item:{item_id}"


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def username_of(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.username if user is not None else None


def iso(at: dt.datetime) -> str:
    return as_utc(at).astimezone(dt.UTC).isoformat()



def _reasons(result: ScreenResult | Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fired rules as ``{rule, outcome, description, text}``: from the decision's trace for a
    :class:`ScreenResult`, or parsed back from the reason sentences of its ``to_dict()``."""
    if isinstance(result, ScreenResult):
        return [{"rule": r.rule, "outcome": r.outcome, "description": r.description,
                 "text": r.reason()} for r in result.decision.fired]
    out: list[dict[str, Any]] = []
    for reason in result.get("reasons") or []:
        if isinstance(reason, Mapping):
            out.append(dict(reason))
            continue
        text = str(reason)
        match = _REASON_RULE.match(text)
        out.append({"rule": match.group(1) if match else None, "text": text})
    return out


def awaiting_senior(item: ReviewItem) -> bool:
    """Whether ``item`` holds a first review of a two-person round and waits for a senior."""
    return item.needs_two and item.state in OPEN_STATES and open_review(item) is not None


def open_review(item: ReviewItem) -> Review | None:
    """The first review of the current, unfinished two-person round, if there is one.

    Rounds are consecutive pairs of reviews: the second of a pair either made the item final or
    disagreed (which closed the round), so a review is open exactly when it is the first of a pair
    with no second yet."""
    if not item.needs_two:
        return None
    reviews = list(item.reviews)
    return reviews[-1] if len(reviews) % 2 == 1 else None


# -- submission----------------------------------------------------------------------------

def submit(session: Session, actor: Actor | None, version: AssetVersion,
           result: ScreenResult | Mapping[str, Any], *, team_id: str | None) -> ReviewItem:
    """Record the screening of ``version`` as a review item (queued unless it passed).

    One item per version: submitting the same version again returns the existing item unchanged
    (also when another transaction inserted it concurrently)."""
    existing = session.scalar(select(ReviewItem).where(ReviewItem.version_id == version.id))
    if existing is not None:
        return existing
    data = result.to_dict() if isinstance(result, ScreenResult) else dict(result)
    decision = data.get("decision")
    if decision not in RISK_BASE:
        raise InputError(f"screening result has no valid decision (got {decision!r})")
    findings = [dict(f) for f in data.get("findings") or []]
    reasons = _reasons(result)
    labels = sorted({str(f["label"]) for f in findings if f.get("label")})
    fired = [str(r["rule"]) for r in reasons if r.get("rule")]
    rules = list(dict.fromkeys([*fired, *labels]))
    top = max((float(f.get("score") or 0.0) for f in findings), default=0.0)
    needs_two = any(label.startswith(MINOR_PREFIX) for label in labels)
    now = utcnow()
    item = ReviewItem(
        version_id=version.id, team_id=team_id,
        submitted_by=actor.user_id if actor is not None else None,
        screening_decision=decision, policy_version=str(data.get("policy") or ""),
        findings=findings, reasons=reasons, rules=rules, risk=RISK_BASE[decision] + top,
        needs_two=needs_two, state="passed" if decision == "pass" else "queued",
        created_at=now, updated_at=now, decided_at=now if decision == "pass" else None,
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        raced = session.scalar(select(ReviewItem).where(ReviewItem.version_id == version.id))
        if raced is None:
            raise
        return raced
    asset = version.asset
    who = actor_name(actor)
    audit.record(session, audit.Submitted(
        subject=audit.Subject.item(item.id), version_id=version.id, asset_id=asset.id,
        title_id=asset.title_id, kind=asset.kind, locale=asset.locale, channel=asset.channel,
        sha256=version.content_sha256, team_id=team_id), actor=who)
    audit.record(session, audit.Screened(
        subject=audit.Subject.item(item.id), decision=decision,
        policy_version=item.policy_version, labels=tuple(labels), rules=tuple(fired),
        risk=round(item.risk, 4), needs_two=needs_two, state=item.state), actor=who)
    return item


# -- visibility---------------------------------------------------------------------------

def visible(actor: Actor) -> ColumnElement[bool]:
    """The items ``actor`` may see: all for reviewers and above; a submitter only their team's
    (and their own submissions)."""
    if actor.at_least("reviewer"):
        return true()
    conditions: list[ColumnElement[bool]] = [ReviewItem.submitted_by == actor.user_id]
    if actor.team_id is not None:
        conditions.append(ReviewItem.team_id == actor.team_id)
    return or_(*conditions) if conditions else false()


def get_item(session: Session, actor: Actor, item_id: int) -> ReviewItem:
    """The item, if ``actor`` may see it. An item of another team is reported as not found (404,
    not 403), so its existence is not disclosed."""
    item = session.scalar(select(ReviewItem).where(ReviewItem.id == item_id, visible(actor)))
    if item is None:
        raise NotFound(f"no review item {item_id}")
    return item
