"""Response actions on an incident's timeline, each done and recorded in one transaction.

=====================  ================================================================
kind                   what it does
=====================  ================================================================
withdraw_everywhere    the hash bank's action (:mod:`clearance.bank.lineage`): the version
                       and every variant and near-copy, withdrawn and banked
replace                a new version of the asset (key art), screened in its campaign and
                       routed into the review queue like any upload; it goes live only
                       once cleared and published (``clearance catalog publish``)
copy_rewritten         the same for copy (a synopsis, a tagline)
statement              a statement published: its text, channel and time
rating_changed         the title's rating changed (the catalog is updated)
placement_changed      where the title or asset is shown changed (from, to)
escalation             the incident handed up: to whom, why
=====================  ================================================================

**All or nothing.** An action and its effects commit together with the action's record, its
timeline entry and its audit event (``incident.action``); if anything fails before the commit
nothing of it stays: withdrawing ten variants where the sixth fails leaves all ten as they were
(tested by making the database refuse the sixth). The one exception is a replacement's content:
it is stored and screened before the transaction that queues it and records the action (model
work never runs inside a transaction), so a replacement whose screening fails leaves an
unscreened, unpublished version — doing it again finds the same version (content-addressed).

The first action on an ``open`` incident moves it to ``responding``. A closed incident takes no
action (reopen it first).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clearance.bank import lineage
from clearance.catalog.publication import resolve_version
from clearance.catalog.write import add_asset_version
from clearance.content.visible import has_visible_words
from clearance.errors import InputError, NotFound, ReviewConflict, UnknownReference
from clearance.findings import Finding
from clearance.incidents.records import add_event, get_incident, set_state, subject
from clearance.incidents.versions import short_ref, version_record, version_ref
from clearance.review import audit
from clearance.review.audit_events import IncidentActionRecorded
from clearance.review.items import submit
from clearance.screening.campaign import screen_version
from clearance.screening.records import latest_screenings
from clearance.screening.screener import Screener
from clearance.storage.blobs import BlobStore
from clearance.storage.db import as_utc, session_scope
from clearance.storage.incident_models import Incident, IncidentAction
from clearance.storage.models import AssetVersion, Title
from clearance.storage.screening_models import Publication, Screening

MAX_TEXT: Final = 4000
MAX_FIELD: Final = 200
COPY_KINDS: Final = ("synopsis", "tagline", "title_text")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _text(value: str, what: str, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if not has_visible_words(value):
        raise InputError(f"{what} needs visible words")
    if len(value) > limit:
        raise InputError(f"{what} is at most {limit} characters")
    return value


def record_action(session: Session, incident: Incident, kind: str, *, by: str,
                  at: dt.datetime, detail: dict[str, Any], summary: str) -> IncidentAction:
    """Record a done action on the incident (its row, timeline entry and audit event)."""
    if incident.state == "closed":
        raise ReviewConflict(f"incident {incident.id} is closed: reopen it before acting on it")
    action = IncidentAction(incident_id=incident.id, kind=kind, at=at, by=by, detail=detail,
                            effect=None, created_at=dt.datetime.now(dt.UTC))
    session.add(action)
    session.flush()
    add_event(session, incident, "action", f"{kind.replace('_', ' ')}: {summary}", actor=by,
              at=at, data={"action_id": action.id, "kind": kind})
    audit.record(session, IncidentActionRecorded(
        subject=subject(incident.id), action_id=action.id, kind=kind, at=at.isoformat(),
        summary=summary[:500]), actor=by)
    if incident.state == "open":
        set_state(session, incident, "responding", by=by, now=at,
                  reason=f"first response: {kind.replace('_', ' ')}")
    return action


def _version_of(session: Session, incident: Incident, ref: str) -> AssetVersion:
    try:
        version = resolve_version(session, ref)
    except NotFound as exc:  # named in the request, not in its address
        raise UnknownReference(exc.message) from exc
    if version.asset.title_id != incident.title_id:
        raise InputError(f"{version_ref(version)} is not an asset of the incident's title "
                         f"{incident.title_id}")
    return version


def withdraw_everywhere(engine: Engine, blobs: BlobStore, incident_id: int, ref: str, *,
                        by: str, reason: str, now: dt.datetime | None = None,
                        expect: list[int] | None = None) -> IncidentAction:
    """Withdraw ``ref`` and every variant and near-copy of it, and record it, in one
    transaction (the near-copies are found first, outside it: hashing is slow)."""
    reason = _text(reason, "a withdrawal's reason", 2000)
    with session_scope(engine) as session:
        _version_of(session, get_incident(session, incident_id), ref)
    found = lineage.plan(engine, blobs, ref)
    lineage.check_expected(found, expect)
    at = _now(now)
    with session_scope(engine) as session:
        incident = get_incident(session, incident_id)
        done, before = lineage.apply_withdrawal(session, blobs, found, by=by, reason=reason,
                                                now=at)
        labels = {found.version_id: found.label} | {r.version_id: r.label for r in found.related}
        detail = {"version_id": found.version_id, "ref": found.label, "reason": reason,
                  "withdrawn": [{"version_id": v, "ref": labels[v]} for v in done],
                  "already_withdrawn": [{"version_id": v, "ref": labels[v]} for v in before],
                  "related": [{"version_id": r.version_id, "ref": r.label,
                               "relation": r.relation, "distance": r.distance,
                               "transform": r.transform} for r in found.related],
                  "replacement_id": found.replacement_id}
        return record_action(session, incident, "withdraw_everywhere", by=by, at=at,
                             detail=detail,
                             summary=f"{found.label} and {len(found.related)} variant(s) and "
                                     f"near-copies: {len(done)} withdrawn now, "
                                     f"{len(before)} before")


def replace(engine: Engine, blobs: BlobStore, screener: Screener, incident_id: int, ref: str,
            content: bytes, *, content_type: str, by: str, team_id: str | None = None,
            now: dt.datetime | None = None, kind: str | None = None,
            extra: tuple[Finding, ...] = ()) -> IncidentAction:
    """Store ``content`` as a new version of ``ref``'s asset, screen it in its campaign and
    route it into the review queue, and record the action (``replace`` for pictures,
    ``copy_rewritten`` for copy unless ``kind`` says). ``extra``: findings made elsewhere (a
    vendor's saved response) judged with the detectors'."""
    with session_scope(engine) as session:
        incident = get_incident(session, incident_id)
        old = _version_of(session, incident, ref)
        new, _ = add_asset_version(session, blobs, old.asset, content,
                                   content_type=content_type, created_by=by)
        session.flush()
        if new.id == old.id:
            raise InputError(f"the replacement is the same content as {version_ref(old)}")
        new_id = new.id
    screening_id, _ = screen_version(engine, blobs, screener, new_id, requested_by="cli",
                                     actor=by, extra=extra)
    with session_scope(engine) as session:
        return link_replacement(session, incident_id, ref, str(new_id), by=by, now=now,
                                kind=kind, screening_id=screening_id, team_id=team_id)


def link_replacement(session: Session, incident_id: int, ref: str, new_ref: str, *, by: str,
                     now: dt.datetime | None = None, kind: str | None = None,
                     screening_id: int | None = None,
                     team_id: str | None = None) -> IncidentAction:
    """Record a replacement that was added and screened already (an upload through the normal
    path); it is routed into the review queue if it was not yet."""
    incident = get_incident(session, incident_id)
    old = _version_of(session, incident, ref)
    new = _version_of(session, incident, new_ref)
    if new.asset_id != old.asset_id or new.id == old.id:
        raise InputError(f"{version_ref(new)} is not another version of {version_ref(old)}'s "
                         "asset")
    is_copy = old.asset.kind in COPY_KINDS
    kind = kind or ("copy_rewritten" if is_copy else "replace")
    if kind not in ("replace", "copy_rewritten"):
        raise InputError(f"a replacement is 'replace' or 'copy_rewritten', not {kind!r}")
    if kind == "copy_rewritten" and not is_copy:
        raise InputError(f"{version_ref(old)} is a picture: use 'replace'")
    screening = session.get(Screening, screening_id) if screening_id is not None else None
    if screening is None:
        screening = latest_screenings(session, [new.id]).get(new.id)
    if screening is None:
        raise ReviewConflict(f"{version_ref(new)} was never screened: upload it through the "
                             "review service or screen it first")
    item, _ = submit(session, None, new, screening, team_id=team_id or old.asset.team_id)
    record = version_record(session, new)
    detail = {"replaced": {"version_id": old.id, "ref": version_ref(old)},
              "replacement": {"version_id": new.id, "ref": version_ref(new)},
              "screening": {"id": screening.id, "decision": screening.decision,
                            "policy": screening.policy},
              "review": {"item_id": item.id, "state": item.state},
              "cleared": record["cleared"]}
    return record_action(session, incident, kind, by=by, at=_now(now), detail=detail,
                         summary=f"{short_ref(old)} → {short_ref(new)}: screening "
                                 f"{screening.decision}, review {item.state}")


def statement(session: Session, incident_id: int, text: str, *, channel: str, by: str,
              at: dt.datetime | None = None) -> IncidentAction:
    """A statement published on ``channel`` at ``at``."""
    text = _text(text, "a statement")
    channel = _text(channel, "a statement's channel", MAX_FIELD)
    when = _now(at)
    return record_action(session, get_incident(session, incident_id), "statement", by=by,
                         at=when, detail={"text": text, "channel": channel,
                                          "published_at": when.isoformat()},
                         summary=f"on {channel}: {text[:160]}")


def rating_changed(session: Session, incident_id: int, rating: str, *, by: str,
                   reason: str = "", at: dt.datetime | None = None) -> IncidentAction:
    """The title's rating changed to ``rating`` (the catalog is updated in the same
    transaction)."""
    incident = get_incident(session, incident_id)
    rating = _text(rating, "a rating", 20)
    title = session.get(Title, incident.title_id) if incident.title_id else None
    if title is None:
        raise NotFound("the incident's title is not in the catalog")
    old, title.rating = title.rating, rating
    return record_action(session, incident, "rating_changed", by=by, at=_now(at),
                         detail={"title_id": title.id, "from": old, "to": rating,
                                 "reason": reason.strip()},
                         summary=f"{title.id} rated {old or 'unrated'} → {rating}")


def placement_changed(session: Session, incident_id: int, *, placement_from: str,
                      placement_to: str, by: str, reason: str = "",
                      version_id: int | None = None,
                      at: dt.datetime | None = None) -> IncidentAction:
    """Where the title (or one version) is shown changed, e.g. ``kids row`` → ``removed``."""
    incident = get_incident(session, incident_id)
    old = _text(placement_from, "the placement it had", MAX_FIELD)
    new = _text(placement_to, "the placement it has now", MAX_FIELD)
    ref = None
    if version_id is not None:
        ref = version_ref(_version_of(session, incident, str(version_id)))
    return record_action(session, incident, "placement_changed", by=by, at=_now(at),
                         detail={"from": old, "to": new, "version": ref,
                                 "reason": reason.strip()},
                         summary=f"{ref or incident.title_id}: {old} → {new}")


def escalate(session: Session, incident_id: int, *, to: str, reason: str, by: str,
             at: dt.datetime | None = None) -> IncidentAction:
    """The incident handed up to ``to`` (a person, a team, legal), with why."""
    to = _text(to, "whom it is escalated to", MAX_FIELD)
    reason = _text(reason, "an escalation's reason")
    return record_action(session, get_incident(session, incident_id), "escalation", by=by,
                         at=_now(at), detail={"to": to, "reason": reason},
                         summary=f"to {to}: {reason[:160]}")


def effective_at(session: Session, action: IncidentAction) -> dt.datetime | None:
    """When the action took effect on the public: a replacement when it went live (``None``
    while it has not), anything else when it was done."""
    if action.kind not in ("replace", "copy_rewritten"):
        return as_utc(action.at)
    new_id = int(action.detail["replacement"]["version_id"])
    live_from = session.scalar(select(Publication.live_from).where(
        Publication.version_id == new_id).order_by(Publication.live_from).limit(1))
    return as_utc(live_from) if live_from is not None else None
