"""Screening records: what a screening of a catalog version found and decided, kept as a row.

A :class:`~clearance.storage.screening_models.Screening` is written whenever a *catalog version*
is screened — an upload, the demo, ``clearance screen --title`` on a file that is one of the
title's versions, a catalog-wide re-screen — and never for ad-hoc files or text (``clearance
screen`` stays stateless there). It holds the exact findings (``Finding.to_dict(precise=True)``),
the decision with its trace (rule names as data, never parsed out of reason sentences), the
policy and detector versions and the campaign context (the title's other assets whose findings
were in scope), so the policy can be evaluated again on the stored findings and decide the same.

Screenings are immutable and keyed by their inputs (:func:`input_key`: the content, the policy
version, the detector versions, the context's versions and the findings): screening a version
again with the same inputs returns the stored screening instead of adding a row; another policy
or detector version makes a new one. Reading a stored screening back gives typed values
(:func:`findings_of`, :func:`decision_of`).

This module only reads and writes rows; the model work happens before, outside any transaction
(see :mod:`clearance.screening.campaign`). When a draft policy is enabled as a shadow
(:mod:`clearance.screening.shadow`), each new screening also records the draft's would-be
decision, never acted on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearance import events
from clearance.errors import InputError
from clearance.findings import Finding
from clearance.policy.engine import Decision
from clearance.screening import shadow
from clearance.screening.screener import ScreenResult
from clearance.storage.db import as_utc
from clearance.storage.models import AssetVersion
from clearance.storage.screening_models import SCREENING_SOURCES, Screening


@dataclass(frozen=True, slots=True)
class ScreeningInputs:
    """Everything besides the content that decided a screening: which detectors ran (``name ->
    version``) and which of the title's other asset versions were in scope (``reference ->
    version id``)."""

    detectors: Mapping[str, str]
    context: Mapping[str, int] = field(default_factory=dict)


def detectors_of(names_versions: Iterable[tuple[str, str]],
                 findings: Iterable[Finding] = ()) -> dict[str, str]:
    """``name -> version`` of the detectors that ran, plus any other source of the findings (a
    vendor's recorded response)."""
    out = dict(names_versions)
    for f in findings:
        out.setdefault(f.detector, f.detector_version)
    return dict(sorted(out.items()))


def input_key(content_sha256: str, policy: str, inputs: ScreeningInputs,
              findings: Sequence[Finding]) -> str:
    """SHA-256 over a canonical JSON of what decided a screening — the content, the policy, the
    detector versions, the context and the findings themselves (which also covers inputs from
    outside the detectors, such as a vendor's response): equal keys, equal screening."""
    body = json.dumps({"content": content_sha256, "policy": policy,
                       "detectors": dict(sorted(inputs.detectors.items())),
                       "context": dict(sorted(inputs.context.items())),
                       "findings": [f.to_dict(precise=True) for f in findings]},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def find_screening(session: Session, version: AssetVersion, policy: str,
                   inputs: ScreeningInputs, findings: Sequence[Finding]) -> Screening | None:
    """The stored screening of ``version`` with exactly these inputs, if there is one."""
    key = input_key(version.content_sha256, policy, inputs, findings)
    return session.scalar(select(Screening)
                          .where(Screening.version_id == version.id, Screening.input_key == key)
                          .order_by(Screening.id.desc()).limit(1))


def _check_source(requested_by: str) -> None:
    if requested_by not in SCREENING_SOURCES:
        raise InputError(f"unknown screening source {requested_by!r}; one of "
                         f"{', '.join(SCREENING_SOURCES)}")


def _row(version: AssetVersion, result: ScreenResult, inputs: ScreeningInputs, key: str,
         requested_by: str, actor: str | None) -> Screening:
    decision = result.decision.to_dict(precise=True)
    return Screening(
        version_id=version.id, policy=result.decision.policy, detectors=dict(inputs.detectors),
        findings=[f.to_dict(precise=True) for f in result.findings],
        decision=result.decision.outcome, trace=decision["rules"],
        context=dict(inputs.context),
        input_key=key, requested_by=requested_by, actor=actor)


def _announce(session: Session, version: AssetVersion, row: Screening,
              result: ScreenResult) -> None:
    """What follows a new screening: the shadow policy's decision, and the domain event."""
    shadow.record(session, row, tuple(result.findings))  # a draft's would-be decision, if any
    events.emit(session, events.VersionScreened(
        version_id=version.id, asset_id=version.asset_id, title_id=version.asset.title_id,
        at=as_utc(row.created_at), screening_id=row.id, decision=row.decision,
        policy=row.policy, requested_by=row.requested_by))


def record_screening(session: Session, version: AssetVersion, result: ScreenResult,
                     inputs: ScreeningInputs, *, requested_by: str,
                     actor: str | None = None) -> tuple[Screening, bool]:
    """Store ``result`` as a screening of ``version``; ``(screening, created)``. A screening with
    the same inputs already stored is returned instead (``created`` False)."""
    _check_source(requested_by)
    policy = result.decision.policy
    existing = find_screening(session, version, policy, inputs, result.findings)
    if existing is not None:
        return existing, False
    key = input_key(version.content_sha256, policy, inputs, result.findings)
    row = _row(version, result, inputs, key, requested_by, actor)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same screening, stored meanwhile by a concurrent transaction
        raced = find_screening(session, version, policy, inputs, result.findings)
        if raced is None:
            raise
        return raced, False
    _announce(session, version, row, result)
    return row, True


Recordable = tuple[AssetVersion, ScreenResult, ScreeningInputs]


def find_screenings(session: Session, batch: Sequence[Recordable]) -> list[Screening | None]:
    """The stored screening with exactly these inputs of each ``(version, result, inputs)``, if
    there is one (a query per 500 versions)."""
    keys = [input_key(v.content_sha256, r.decision.policy, i, r.findings) for v, r, i in batch]
    found: dict[tuple[int, str], Screening] = {}
    for start in range(0, len(batch), 500):
        ids = [v.id for v, _, _ in batch[start:start + 500]]
        for row in session.scalars(select(Screening).where(
                Screening.version_id.in_(ids),
                Screening.input_key.in_(keys[start:start + 500])).order_by(Screening.id)):
            found[(row.version_id, row.input_key)] = row
    return [found.get((v.id, k)) for (v, _, _), k in zip(batch, keys, strict=True)]


def record_screenings(session: Session, batch: Sequence[Recordable], *, requested_by: str,
                      actor: str | None = None) -> list[tuple[Screening, bool]]:
    """:func:`record_screening` for many versions at once (a catalog-wide re-screen): one query
    finds the stored ones, one flush adds the rest. If a concurrent transaction stored one of
    them meanwhile, the batch is recorded one by one instead (same outcome)."""
    _check_source(requested_by)
    stored = find_screenings(session, batch)
    out: list[tuple[Screening, bool]] = []
    new: list[tuple[AssetVersion, Screening, ScreenResult]] = []
    for (version, result, inputs), row in zip(batch, stored, strict=True):
        if row is not None:
            out.append((row, False))
            continue
        key = input_key(version.content_sha256, result.decision.policy, inputs,
                        result.findings)
        fresh = _row(version, result, inputs, key, requested_by, actor)
        new.append((version, fresh, result))
        out.append((fresh, True))
    if not new:
        return out
    try:
        with session.begin_nested():
            session.add_all([row for _, row, _ in new])
            session.flush()
    except IntegrityError:
        return [record_screening(session, v, r, i, requested_by=requested_by, actor=actor)
                for v, r, i in batch]
    for version, row, result in new:
        _announce(session, version, row, result)
    return out


def findings_of(screening: Screening) -> tuple[Finding, ...]:
    """The stored findings as :class:`Finding` values (exact scores)."""
    return tuple(Finding.from_dict(f) for f in screening.findings)


def decision_of(screening: Screening) -> Decision:
    """The stored decision with its trace."""
    return Decision.from_dict({"decision": screening.decision, "policy": screening.policy,
                               "rules": screening.trace})


def latest_screening(session: Session, version_id: int) -> Screening | None:
    """The newest screening of a version."""
    return session.scalar(select(Screening).where(Screening.version_id == version_id)
                          .order_by(Screening.id.desc()).limit(1))


def latest_screenings(session: Session, version_ids: Sequence[int]) -> dict[int, Screening]:
    """The newest screening of each of ``version_ids`` that has one."""
    if not version_ids:
        return {}
    rows = session.scalars(select(Screening).where(Screening.version_id.in_(version_ids))
                           .order_by(Screening.id))
    return {row.version_id: row for row in rows}
