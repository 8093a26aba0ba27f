"""Shadow policies: a draft decides beside the live policy on every new screening, and is never
acted on.

:func:`enable` stores a draft (its YAML, validated like any policy) as the shadow; at most one is
enabled, so enabling another ends the previous one. From then on every screening that
:func:`clearance.screening.records.record_screening` adds — an upload, a re-screen, the command
line — also gets a :class:`~clearance.storage.rescreen_models.ShadowDecision`: what the draft
decides on the same findings with the same campaign context (the context versions' latest
screenings). Nothing reads it for routing: the queue, the webhooks and the audit log follow the
live policy only. The enabled shadow is read from the database in the screening's own
transaction (one small query; the parsed draft is kept in that session's ``info``, not in the
process), so every worker of the service and every command picks up a change at once.

:func:`report` compares the two over a period: the decisions side by side, every screening where
they differ, and — where a person has since decided the item the live policy queued — how often
the shadow agreed with that person (approve: it should pass; reject or request changes: it
should not) against how often the live policy did.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clearance.errors import InputError
from clearance.findings import Finding
from clearance.policy.engine import evaluate
from clearance.policy.loader import parse_policy_text
from clearance.policy.model import Policy
from clearance.storage.db import as_utc
from clearance.storage.models import utcnow
from clearance.storage.rescreen_models import ShadowDecision, ShadowPolicy
from clearance.storage.review_models import ReviewItem
from clearance.storage.screening_models import DECISIONS, Screening

#: Where the session keeps the enabled shadow: ``(transaction, (shadow id, policy) or None)``.
_INFO_KEY: Final = "clearance.shadow_policy"
#: A person's final decision -> whether they let the item pass.
_PERSON_PASSES: Final = {"approved": True, "rejected": False, "changes_requested": False}


def enable(session: Session, source: str, *, file: str, by: str) -> ShadowPolicy:
    """Enable the draft policy ``source`` (YAML; ``file`` names it in errors) as the shadow,
    ending the one enabled before."""
    policy = parse_policy_text(source, file)
    disable(session, by=by)
    row = ShadowPolicy(policy=policy.ref, source=source, enabled_by=by, is_enabled=True)
    session.add(row)
    session.flush()
    session.info.pop(_INFO_KEY, None)
    return row


def disable(session: Session, *, by: str) -> ShadowPolicy | None:
    """End the enabled shadow; the one ended, or ``None`` when none was enabled."""
    row = current(session)
    if row is None:
        return None
    session.execute(update(ShadowPolicy).where(ShadowPolicy.id == row.id)
                    .values(is_enabled=None, disabled_at=utcnow(), disabled_by=by))
    session.refresh(row)
    session.info.pop(_INFO_KEY, None)
    return row


def current(session: Session) -> ShadowPolicy | None:
    return session.scalar(select(ShadowPolicy).where(ShadowPolicy.is_enabled.is_(True)))


def _active(session: Session) -> tuple[int, Policy] | None:
    """The enabled shadow, looked up once per transaction (kept in the session's ``info`` with
    the transaction it was read in) and parsed once per session."""
    txn = session.get_transaction()
    held = session.info.get(_INFO_KEY)
    if isinstance(held, tuple) and held[0] is txn:
        return held[1]  # type: ignore[no-any-return]
    row = current(session)
    parsed: tuple[int, Policy] | None = None
    if row is not None:
        before = held[1] if isinstance(held, tuple) else None
        parsed = before if before is not None and before[0] == row.id else (
            row.id, parse_policy_text(row.source, f"shadow policy {row.id}"))
    session.info[_INFO_KEY] = (txn, parsed)
    return parsed


def _context_findings(session: Session, context: dict[str, int]) -> dict[str, tuple[Finding, ...]]:
    out: dict[str, tuple[Finding, ...]] = {}
    for ref, version_id in context.items():
        stored = session.scalar(select(Screening.findings).where(
            Screening.version_id == version_id).order_by(Screening.id.desc()).limit(1))
        if stored is not None:
            out[ref] = tuple(Finding.from_dict(f) for f in stored)
    return out


def record(session: Session, screening: Screening,
           findings: tuple[Finding, ...]) -> ShadowDecision | None:
    """The enabled shadow's decision on a new screening (none when no shadow is enabled)."""
    active = _active(session)
    if active is None:
        return None
    shadow_id, policy = active
    decision = evaluate(findings, policy, _context_findings(session, dict(screening.context)))
    row = ShadowDecision(shadow_id=shadow_id, screening_id=screening.id,
                         decision=decision.outcome,
                         trace=decision.to_dict(precise=True)["rules"])
    session.add(row)
    session.flush()
    return row


# -- the report ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Difference:
    screening_id: int
    version_id: int
    at: dt.datetime
    live: str
    shadow: str
    live_rules: tuple[str, ...]
    shadow_rules: tuple[str, ...]
    #: The person's final decision on the item the live policy queued, if any.
    person: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"screening_id": self.screening_id, "version_id": self.version_id,
                "at": self.at.isoformat(), "live": self.live, "shadow": self.shadow,
                "live_rules": list(self.live_rules), "shadow_rules": list(self.shadow_rules),
                "person": self.person}


@dataclass(slots=True)
class ShadowReport:
    shadow_id: int
    policy: str
    since: dt.datetime | None
    until: dt.datetime | None
    screenings: int = 0
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    differences: list[Difference] = field(default_factory=list)
    #: Differences a person has decided, and in how many the shadow / the live policy agreed.
    decided_by_people: int = 0
    shadow_agreed: int = 0
    live_agreed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "shadow_id": self.shadow_id, "policy": self.policy,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "screenings": self.screenings,
            "agree": sum(n for (a, b), n in self.pairs.items() if a == b),
            "differ": len(self.differences),
            "matrix": {a: {b: self.pairs[(a, b)] for b in DECISIONS} for a in DECISIONS},
            "decided_by_people": self.decided_by_people, "shadow_agreed": self.shadow_agreed,
            "live_agreed": self.live_agreed,
            "differences": [d.to_dict() for d in self.differences],
        }


def _person(session: Session, screening_id: int) -> str | None:
    state = session.scalar(select(ReviewItem.state).where(ReviewItem.screening_id ==
                                                          screening_id)
                           .order_by(ReviewItem.round.desc()).limit(1))
    return state if state in _PERSON_PASSES else None


def report(session: Session, *, since: dt.datetime | None = None,
           until: dt.datetime | None = None, shadow_id: int | None = None) -> ShadowReport:
    """Live against shadow over the screenings recorded in ``[since, until)`` (by default the
    enabled shadow, else the one enabled last)."""
    if shadow_id is None:
        row = current(session) or session.scalar(select(ShadowPolicy)
                                                 .order_by(ShadowPolicy.id.desc()).limit(1))
    else:
        row = session.get(ShadowPolicy, shadow_id)
    if row is None:
        raise InputError("no shadow policy has been enabled (clearance policy shadow enable)")
    out = ShadowReport(row.id, row.policy, since, until)
    q = (select(ShadowDecision, Screening).join(Screening,
                                                 Screening.id == ShadowDecision.screening_id)
         .where(ShadowDecision.shadow_id == row.id).order_by(Screening.id))
    if since is not None:
        q = q.where(Screening.created_at >= since)
    if until is not None:
        q = q.where(Screening.created_at < until)
    for shadow, screening in session.execute(q).all():
        out.screenings += 1
        out.pairs[(screening.decision, shadow.decision)] += 1
        if screening.decision == shadow.decision:
            continue
        person = _person(session, screening.id)
        out.differences.append(Difference(
            screening.id, screening.version_id, as_utc(screening.created_at),
            screening.decision, shadow.decision,
            tuple(str(r.get("rule")) for r in screening.trace),
            tuple(str(r.get("rule")) for r in shadow.trace), person))
        if person is not None:
            passes = _PERSON_PASSES[person]
            out.decided_by_people += 1
            out.shadow_agreed += (shadow.decision == "pass") == passes
            out.live_agreed += (screening.decision == "pass") == passes
    return out
