"""Review items: turning a screening into a queued item, who may see it, and the two-person
round an item is in. The shared ground of :mod:`clearance.review.claims` and
:mod:`clearance.review.decisions`; callers use :mod:`clearance.review.queue`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearance.errors import InputError, NotFound
from clearance.policy.engine import needs_two_by_default
from clearance.quarantine.holds import held_versions, hold
from clearance.review import audit
from clearance.review.access import LEGAL, SYSTEM, Actor
from clearance.review.audit_events import RoundOpened
from clearance.screening.records import ScreeningInputs, detectors_of, record_screening
from clearance.screening.screener import ScreenResult
from clearance.storage.db import as_utc
from clearance.storage.models import AssetVersion
from clearance.storage.review_models import Review, ReviewItem, User
from clearance.storage.screening_models import Screening

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
#: The label prefix of the default two-person trigger (the policy's ``two_person.labels``).
MINOR_PREFIX: Final = "minor."


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def actor_name(actor: Actor | None) -> str:
    return actor.audit_name if actor is not None else SYSTEM


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def username_of(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.username if user is not None else None


def iso(at: dt.datetime) -> str:
    return as_utc(at).astimezone(dt.UTC).isoformat()



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

def _latest_round(session: Session, version_id: int) -> ReviewItem | None:
    return session.scalar(select(ReviewItem).where(ReviewItem.version_id == version_id)
                          .order_by(ReviewItem.round.desc()).limit(1))


def _needs_two(rule: Mapping[str, Any]) -> bool:
    """Whether one fired rule of a stored trace needs two people: as the deciding policy's
    ``two_person`` setting said, or (a trace stored without it) the default setting's answer."""
    said = rule.get("two_person")
    if isinstance(said, bool):
        return said
    labels = [str(f.get("label", "")) for f in rule.get("findings") or []
              if isinstance(f, Mapping)]
    return needs_two_by_default(str(rule.get("outcome", "")), labels)


def _routing(screening: Screening) -> tuple[list[str], list[str], float, bool]:
    """What the queue sorts and filters by: fired rule names (from the trace, as data), labels
    found, risk and whether the two-person rule applies (a fired rule the policy's
    ``two_person`` names: by default one that reviews or blocks because of a minor, never a
    minor merely mentioned)."""
    labels = sorted({str(f["label"]) for f in screening.findings if f.get("label")})
    fired = [str(r["rule"]) for r in screening.trace if r.get("rule")]
    top = max((float(f.get("score") or 0.0) for f in screening.findings), default=0.0)
    deciding = [r for r in screening.trace
                if isinstance(r, Mapping) and r.get("outcome") in ("review", "block")]
    if deciding:
        needs_two = any(_needs_two(r) for r in deciding)
    else:  # a decision no rule made (constructed, a vendor's): the default over every finding
        needs_two = needs_two_by_default(screening.decision, labels)
    return fired, labels, RISK_BASE[screening.decision] + top, needs_two


def submit(session: Session, actor: Actor | None, version: AssetVersion, screening: Screening,
           *, team_id: str | None) -> tuple[ReviewItem, bool]:
    """Route a screening of ``version`` into review; ``(item, created)``.

    * The version's first screening makes round 1 (queued, or ``passed`` and never queued).
    * A later screening that decides what the current round's screening decided changes
      nothing: the current item is returned (a version is never queued twice for one decision).
    * One that decides differently opens the next round on it; an open item of the earlier
      round is ``superseded`` (its claim dropped), and both are audited.

    Two transactions racing to open the same round cannot both succeed (``version_id, round`` is
    unique): the loser gets the winner's item.

    A screening whose findings put a minor next to an exposed intimate region quarantines the
    version (:func:`clearance.quarantine.holds.hold`) in this same transaction: its items are
    then shown to nobody in review."""
    if screening.version_id != version.id:
        raise InputError(f"screening {screening.id} is of version {screening.version_id}, "
                         f"not {version.id}")
    current = _latest_round(session, version.id)
    if current is not None and current.screening_decision == screening.decision:
        hold(session, current, version, screening)
        return current, False
    fired, labels, risk, needs_two = _routing(screening)
    now = utcnow()
    decision = screening.decision
    item = ReviewItem(
        version_id=version.id, round=(current.round + 1) if current is not None else 1,
        screening_id=screening.id, team_id=team_id,
        submitted_by=actor.user_id if actor is not None else None,
        screening_decision=decision, rules=list(dict.fromkeys([*fired, *labels])), risk=risk,
        needs_two=needs_two, state="passed" if decision == "pass" else "queued",
        created_at=now, updated_at=now, decided_at=now if decision == "pass" else None,
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        raced = _latest_round(session, version.id)
        if raced is None:
            raise
        return raced, False
    who = actor_name(actor)
    if current is not None and current.state in OPEN_STATES:
        current.state, current.claimed_by, current.lease_expires_at = "superseded", None, None
        current.updated_at = current.decided_at = now
    asset = version.asset
    audit.record(session, audit.Submitted(
        subject=audit.Subject.item(item.id), version_id=version.id, asset_id=asset.id,
        title_id=asset.title_id, kind=asset.kind, locale=asset.locale, channel=asset.channel,
        sha256=version.content_sha256, team_id=team_id), actor=who)
    audit.record(session, audit.Screened(
        subject=audit.Subject.item(item.id), decision=decision,
        policy_version=screening.policy, labels=tuple(labels), rules=tuple(fired),
        risk=round(item.risk, 4), needs_two=needs_two, state=item.state), actor=who)
    if current is not None:
        audit.record(session, RoundOpened(
            subject=audit.Subject.item(item.id), version_id=version.id, round=item.round,
            screening_id=screening.id, decision=decision, previous_item_id=current.id,
            previous_decision=current.screening_decision,
            previous_state=current.state), actor=who)
    hold(session, item, version, screening)
    return item, True


def submit_result(session: Session, actor: Actor | None, version: AssetVersion,
                  result: ScreenResult, *, team_id: str | None, requested_by: str = "api",
                  context: dict[str, int] | None = None) -> tuple[ReviewItem, bool]:
    """Record ``result`` as a screening of ``version`` and route it into review (for a result
    made outside :mod:`clearance.screening.campaign`: constructed findings, a vendor's)."""
    inputs = ScreeningInputs(detectors_of((), result.findings), context or {})
    screening, _ = record_screening(session, version, result, inputs, requested_by=requested_by,
                                    actor=actor_name(actor))
    return submit(session, actor, version, screening, team_id=team_id)


# -- visibility---------------------------------------------------------------------------

def not_quarantined() -> ColumnElement[bool]:
    """Items whose version is not quarantined: the only ones anybody sees in review."""
    return ReviewItem.version_id.not_in(held_versions())


def visible(actor: Actor) -> ColumnElement[bool]:
    """The items ``actor`` may see: all for reviewers and above; a submitter only their team's
    (and their own submissions); never a quarantined one (the legal role sees those through
    :mod:`clearance.quarantine`, and nothing in review)."""
    if actor.role == LEGAL:
        return false()
    if actor.at_least("reviewer"):
        return not_quarantined()
    conditions: list[ColumnElement[bool]] = [ReviewItem.submitted_by == actor.user_id]
    if actor.team_id is not None:
        conditions.append(ReviewItem.team_id == actor.team_id)
    return and_(or_(*conditions), not_quarantined())


def visibility_key(actor: Actor) -> Hashable:
    """What :func:`visible` depends on: equal for callers it treats alike (every reviewer and
    above sees the same items), so a statement built for one of them serves them all."""
    if actor.role == LEGAL:
        return "legal"
    if actor.at_least("reviewer"):
        return "reviewer"
    return ("own", actor.user_id, actor.team_id)


def get_item(session: Session, actor: Actor, item_id: int) -> ReviewItem:
    """The item, if ``actor`` may see it. An item of another team is reported as not found (404,
    not 403), so its existence is not disclosed."""
    item = session.scalar(select(ReviewItem).where(ReviewItem.id == item_id, visible(actor)))
    if item is None:
        raise NotFound(f"no review item {item_id}")
    return item
