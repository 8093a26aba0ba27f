"""The one JSON shape of an incident, for the API, the command line, the UI, the report and the
``incident`` webhook (which carries :func:`incident_summary`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.catalog.publication import was_withdrawn
from clearance.incidents.effect import headline
from clearance.incidents.outcome import actions_of
from clearance.incidents.records import linked_versions
from clearance.monitor import signals
from clearance.monitor.alert_context import post_view
from clearance.monitor.petitions import DEBATE_THRESHOLD
from clearance.quarantine.holds import is_held
from clearance.storage.db import as_utc
from clearance.storage.incident_models import (
    Incident,
    IncidentAction,
    IncidentAlert,
    IncidentEvent,
    IncidentPetition,
    IncidentVersion,
)
from clearance.storage.models import Title
from clearance.storage.monitor_models import MonitorAlert, MonitorPetition, MonitorPost
from clearance.storage.screening_models import Publication


def _iso(value: Any) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def incident_summary(session: Session, incident: Incident) -> dict[str, Any]:
    """What a list shows and the webhook carries."""
    title = session.get(Title, incident.title_id) if incident.title_id else None
    versions = linked_versions(session, incident.id)
    return {"id": incident.id, "name": incident.name, "title_id": incident.title_id,
            "title": title.original_title if title is not None else None,
            "state": incident.state, "owner": incident.owner,
            "opened_from": incident.opened_from, "opened_by": incident.opened_by,
            "alert_id": incident.alert_id, "onset": _iso(incident.onset),
            "opened_at": _iso(incident.opened_at), "updated_at": _iso(incident.updated_at),
            "closed_at": _iso(incident.closed_at), "close_reason": incident.close_reason,
            "versions": [{"version_id": v.version_id, "ref": v.record.get("ref"),
                          "role": v.role} for v in versions],
            "themes": dict(incident.themes or {})}


def action_view(action: IncidentAction) -> dict[str, Any]:
    effect = action.effect
    return {"id": action.id, "kind": action.kind, "at": _iso(action.at), "by": action.by,
            "detail": dict(action.detail), "effect": effect,
            "effect_summary": headline(effect) if effect else None,
            "measured_at": _iso(action.measured_at)}


def passed_at(times: Sequence[dt.datetime], counts: Sequence[int],
              threshold: int) -> dt.datetime | None:
    """When a petition's count passed ``threshold``: linear between the two snapshots around
    it, to the minute (the first snapshot when it starts above)."""
    for i, (at, count) in enumerate(zip(times, counts, strict=True)):
        if count < threshold:
            continue
        if i == 0:
            return at
        t0, c0 = times[i - 1], counts[i - 1]
        moment = t0 + (at - t0) * ((threshold - c0) / (count - c0))
        return moment.replace(second=0, microsecond=0)
    return None


def petition_views(session: Session, incident_id: int) -> list[dict[str, Any]]:
    out = []
    ids = session.scalars(select(IncidentPetition.petition_id).where(
        IncidentPetition.incident_id == incident_id)).all()
    for petition in session.scalars(select(MonitorPetition).where(MonitorPetition.id.in_(ids))
                                    .order_by(MonitorPetition.id)):
        series = signals.petition_series(session, petition)
        passed = passed_at(series.times, series.counts, DEBATE_THRESHOLD)
        out.append({"id": petition.id, "key": petition.petition_key, "action": petition.action,
                    "count": series.counts[-1] if series.counts else 0,
                    "first_at": _iso(series.times[0]) if series.times else None,
                    "last_at": _iso(series.times[-1]) if series.times else None,
                    "velocity": round(series.velocity, 1),
                    "passed_100k_at": _iso(passed)})
    return out


def _now_state(session: Session, version_id: int) -> str:
    """Where the version stands now (the record keeps how it stood when linked)."""
    if was_withdrawn(session, version_id) is not None:
        return "withdrawn"
    live = session.scalar(select(Publication.id).where(Publication.version_id == version_id,
                                                       Publication.live_until.is_(None)))
    return "live" if live is not None else "not live"


def _version_view(session: Session, row: IncidentVersion) -> dict[str, Any]:
    """A linked version as shown: its record and where it stands now; a quarantined version
    only by its place (what it holds is for the legal role alone: docs/security.md)."""
    base = {"version_id": row.version_id, "role": row.role, "linked_at": _iso(row.linked_at),
            "now": _now_state(session, row.version_id)}
    if is_held(session, row.version_id):
        return base | {key: row.record.get(key) for key in (
            "ref", "label", "title_id", "kind", "locale", "channel", "number")} | {
            "quarantined": True, "screening": None, "review": None, "publication": None,
            "cleared": "quarantined: shown to the legal role only"}
    return base | dict(row.record) | {"quarantined": False}


def incident_view(session: Session, incident: Incident) -> dict[str, Any]:
    """Everything: the summary, the versions with their records (and ``now``: ``live``,
    ``withdrawn`` or ``not live``), the alerts, petitions, top
    posts (read now: a deleted post stays deleted), the actions with their effects and the
    timeline."""
    out = incident_summary(session, incident)
    out["versions"] = [_version_view(session, v) for v in linked_versions(session, incident.id)]
    alert_ids = session.scalars(select(IncidentAlert.alert_id).where(
        IncidentAlert.incident_id == incident.id)).all()
    out["alerts"] = [{"id": a.id, "rule": a.rule, "signal": a.signal, "onset": _iso(a.onset),
                      "raised_at": _iso(a.created_at), "message": a.message,
                      "themes": dict(a.themes or {})}
                     for a in session.scalars(select(MonitorAlert).where(
                         MonitorAlert.id.in_(alert_ids)).order_by(MonitorAlert.created_at,
                                                                  MonitorAlert.id))]
    out["petitions"] = petition_views(session, incident.id)
    posts = {p.id: p for p in session.scalars(select(MonitorPost).where(
        MonitorPost.id.in_(incident.top_posts or [])))}
    out["top_posts"] = [post_view(posts[i]) for i in incident.top_posts or [] if i in posts]
    out["actions"] = [action_view(a) for a in actions_of(session, incident.id)]
    out["timeline"] = [{"at": _iso(e.at), "kind": e.kind, "actor": e.actor,
                        "summary": e.summary, "data": dict(e.data or {})}
                       for e in session.scalars(select(IncidentEvent).where(
                           IncidentEvent.incident_id == incident.id)
                           .order_by(IncidentEvent.at, IncidentEvent.id))]
    return out
