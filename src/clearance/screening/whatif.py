"""What-if: a draft policy against the live one, over the stored findings of the whole catalog.

No model runs. For every live asset version (or a selection, as in
:mod:`clearance.screening.rescreen`) with a stored screening, the findings of its latest
screening are decided again by both policies (:func:`clearance.policy.engine.evaluate`, pure),
each with the same campaign context as that screening (its ``context`` versions at their latest
screening's findings), so the difference is the policies' alone. The report counts
pass/review/block under each, the moves between them, and lists every item whose decision
changes with the reasons under both. Versions never screened are counted (``unscreened``):
``clearance rescreen`` fills them in.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.findings import Finding
from clearance.policy.engine import Decision, evaluate
from clearance.policy.model import Policy
from clearance.screening.campaign import asset_ref
from clearance.screening.records import findings_of
from clearance.screening.rescreen import Selection, select_targets
from clearance.storage.models import AssetVersion
from clearance.storage.screening_models import DECISIONS, Screening

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ChangedItem:
    """One version the draft decides differently."""

    version_id: int
    title_id: str
    ref: str
    number: int
    screening_id: int
    before: str
    after: str
    reasons_before: tuple[str, ...]
    reasons_after: tuple[str, ...]
    rules_before: tuple[str, ...]
    rules_after: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"version_id": self.version_id, "title_id": self.title_id, "asset": self.ref,
                "version": self.number, "screening_id": self.screening_id,
                "before": self.before, "after": self.after,
                "rules_before": list(self.rules_before), "rules_after": list(self.rules_after),
                "reasons_before": list(self.reasons_before),
                "reasons_after": list(self.reasons_after)}


@dataclass(slots=True)
class WhatIfReport:
    live: str
    draft: str
    evaluated: int = 0
    unscreened: int = 0
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    moves: Counter[tuple[str, str]] = field(default_factory=Counter)
    changed: list[ChangedItem] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "live": self.live, "draft": self.draft, "evaluated": self.evaluated,
            "unscreened": self.unscreened,
            "counts": {d: {"live": self.before[d], "draft": self.after[d],
                           "change": self.after[d] - self.before[d]} for d in DECISIONS},
            "moves": [{"from": a, "to": b, "items": n}
                      for (a, b), n in sorted(self.moves.items())],
            "changed": [c.to_dict() for c in self.changed],
            "seconds": round(self.seconds, 3),
        }


def _latest(session: Session, version_ids: Sequence[int]) -> dict[int, Screening]:
    out: dict[int, Screening] = {}
    for start in range(0, len(version_ids), _CHUNK):
        chunk = version_ids[start:start + _CHUNK]
        for row in session.scalars(select(Screening).where(Screening.version_id.in_(chunk))
                                   .order_by(Screening.id)):
            out[row.version_id] = row
    return out


def whatif(session: Session, live: Policy, draft: Policy,
           selection: Selection | None = None) -> WhatIfReport:
    """Decide the stored findings of the selected live versions with ``live`` and ``draft``."""
    started = time.monotonic()
    report = WhatIfReport(live.ref, draft.ref)
    targets = [v for vids in select_targets(session, selection or Selection()).values()
               for v in vids]
    latest = _latest(session, targets)
    wanted = {vid for s in latest.values() for vid in s.context.values()} - set(latest)
    latest.update(_latest(session, sorted(wanted)))
    findings: dict[int, tuple[Finding, ...]] = {vid: findings_of(s) for vid, s in latest.items()}
    for vid in targets:
        screening = latest.get(vid)
        if screening is None:
            report.unscreened += 1
            continue
        context = {ref: findings[other] for ref, other in screening.context.items()
                   if other in findings}
        a = evaluate(findings[vid], live, context)
        b = evaluate(findings[vid], draft, context)
        report.evaluated += 1
        report.before[a.outcome] += 1
        report.after[b.outcome] += 1
        if a.outcome != b.outcome:
            report.moves[(a.outcome, b.outcome)] += 1
            version = session.get(AssetVersion, vid)
            if version is not None:
                report.changed.append(_changed(version, screening, a, b))
    report.changed.sort(key=lambda c: (c.title_id, c.ref, c.version_id))
    report.seconds = time.monotonic() - started
    return report


def _changed(version: AssetVersion, screening: Screening, a: Decision,
             b: Decision) -> ChangedItem:
    return ChangedItem(version.id, version.asset.title_id, asset_ref(version.asset),
                       version.number, screening.id, a.outcome, b.outcome, tuple(a.reasons),
                       tuple(b.reasons), tuple(a.rule_names), tuple(b.rule_names))
