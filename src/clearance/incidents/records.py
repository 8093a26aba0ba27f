"""Incidents as records: opening one, linking what it is about, its states and its owner.

An incident is about one catalog title. It is opened

* by an **alert rule** on its own (``opened_from="alert"``: the rule says ``open_incident:
  true``; :mod:`clearance.incidents.subscribers` does it in the transaction that raises the
  alert), or linked to the title's incident that is still open;
* by a **person** from an alert (``person``);
* or **by hand** (``hand``), with no alert, from a moment the person gives as the onset.

Opening links the alert(s), the **asset versions live at the onset**
(:func:`clearance.catalog.publication.live_at`) each with the record of how it got out
(:mod:`clearance.incidents.versions`), the themes and top posts of the alerts' windows and the
title's petitions. More can be linked later (:func:`link_alert`, :func:`link_version`,
:func:`link_petition`).

**States**: ``open`` → ``responding`` (the first response action moves it there) →
``monitoring`` (the response is done; watching whether it worked) → ``closed`` (with a reason);
``responding`` and ``monitoring`` go back and forth, and a closed incident can be reopened (to
``responding``). Every change is a typed audit event (``incident.*``) and a timeline entry in the
same transaction; opening, reopening and closing are also domain events, which the ``incident``
webhook announces.

Times (``now``) default to the wall clock; the replay passes its stream's time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance import events
from clearance.catalog.publication import live_at
from clearance.content.visible import has_visible_words
from clearance.errors import InputError, NotFound, ReviewConflict, UnknownReference
from clearance.incidents.versions import version_record
from clearance.monitor import signals
from clearance.review import audit
from clearance.review.audit_events import (
    IncidentLinked,
    IncidentOpened,
    IncidentOwnerChanged,
    IncidentStateChanged,
)
from clearance.storage.db import as_utc
from clearance.storage.incident_models import (
    INCIDENT_STATES,
    OPENED_FROM,
    Incident,
    IncidentAlert,
    IncidentEvent,
    IncidentPetition,
    IncidentVersion,
)
from clearance.storage.models import AssetVersion, Title
from clearance.storage.monitor_models import MonitorAlert, MonitorPetition
from clearance.storage.review_models import User

#: Allowed state changes (``closed`` → ``responding`` is a reopening).
TRANSITIONS: Final = {
    "open": ("responding", "monitoring", "closed"),
    "responding": ("monitoring", "closed"),
    "monitoring": ("responding", "closed"),
    "closed": ("responding",),
}
#: Alerts of the title raised this long before the onset are linked when the incident opens.
LINK_RECENT: Final = dt.timedelta(hours=24)
MAX_NAME: Final = 300
MAX_REASON: Final = 4000
TOP_POSTS: Final = 10


def subject(incident_id: int) -> audit.Subject:
    return audit.Subject("incident", str(incident_id))


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def get_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


def list_incidents(session: Session, *, state: str | None = None, title_id: str | None = None,
                   limit: int = 100, offset: int = 0) -> list[Incident]:
    """Incidents, newest first."""
    if state is not None and state not in INCIDENT_STATES:
        raise InputError(f"unknown incident state {state!r}; one of "
                         f"{', '.join(INCIDENT_STATES)}")
    query = select(Incident).order_by(Incident.opened_at.desc(), Incident.id.desc())
    if state is not None:
        query = query.where(Incident.state == state)
    if title_id is not None:
        query = query.where(Incident.title_id == title_id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def open_incident_of(session: Session, title_id: str) -> Incident | None:
    """The title's newest incident that is not closed."""
    return session.scalar(select(Incident).where(Incident.title_id == title_id,
                                                 Incident.state != "closed")
                          .order_by(Incident.id.desc()).limit(1))


def add_event(session: Session, incident: Incident, kind: str, summary: str, *, actor: str,
              at: dt.datetime, data: dict[str, Any] | None = None) -> IncidentEvent:
    """A timeline entry (the incident's own history, in the time of what happened)."""
    row = IncidentEvent(incident_id=incident.id, at=at, kind=kind, actor=actor,
                        summary=summary[:1000], data=data or {})
    session.add(row)
    incident.updated_at = max(as_utc(incident.updated_at), at) if incident.updated_at else at
    return row


def _check_user(session: Session, username: str | None) -> str | None:
    if username is None or not username.strip():
        return None
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        raise InputError(f"no active user {username!r} to own the incident")
    return user.username


def open_incident(session: Session, *, title_id: str | None = None, name: str = "", by: str,
                  opened_from: str = "hand", alert_id: int | None = None,
                  owner: str | None = None, onset: dt.datetime | None = None,
                  now: dt.datetime | None = None, dedup_key: str | None = None) -> Incident:
    """Open an incident (see the module docstring); from an alert, ``title_id`` and ``onset``
    default to the alert's."""
    if opened_from not in OPENED_FROM:
        raise InputError(f"opened_from must be one of {', '.join(OPENED_FROM)}")
    now = _now(now)
    alert = None
    if alert_id is not None:
        alert = session.get(MonitorAlert, alert_id)
        if alert is None:
            raise UnknownReference(f"no alert {alert_id}")
        if title_id is not None and alert.title_id != title_id:
            raise InputError(f"alert {alert_id} is about {alert.title_id}, not {title_id}")
        title_id = alert.title_id
        onset = onset or as_utc(alert.onset)
    elif opened_from == "alert":
        raise InputError("an incident opened from an alert needs the alert")
    if title_id is None:
        raise InputError("an incident needs the title it is about (or an alert about one)")
    title = session.get(Title, title_id)
    if title is None:
        raise UnknownReference(f"no title {title_id!r} in the catalog")
    name = " ".join(name.split()) or (
        f"{title.original_title}: {alert.rule}" if alert is not None
        else f"{title.original_title}: backlash")
    if not has_visible_words(name) or len(name) > MAX_NAME:
        raise InputError(f"an incident's name needs visible words, at most {MAX_NAME} "
                         "characters")
    onset = onset or now
    if onset > now + dt.timedelta(minutes=5):
        raise InputError("an incident's onset cannot be in the future")
    incident = Incident(title_id=title_id, name=name, state="open",
                        owner=_check_user(session, owner), opened_from=opened_from,
                        opened_by=by, alert_id=alert_id, onset=onset, opened_at=now,
                        updated_at=now, close_reason="", themes={}, top_posts=[],
                        dedup_key=dedup_key)
    session.add(incident)
    session.flush()
    how = {"alert": f"by alert rule {alert.rule if alert else ''}".strip(),
           "person": f"by {by} from alert {alert_id}", "hand": f"by hand by {by}"}[opened_from]
    add_event(session, incident, "opened", f"opened {how}; onset {onset:%Y-%m-%d %H:%M} UTC",
              actor=by, at=now, data={"opened_from": opened_from, "alert_id": alert_id})
    linked = _link_live_versions(session, incident, now, by)
    alerts = [alert] if alert is not None else []
    alerts += [a for a in session.scalars(
        select(MonitorAlert).where(MonitorAlert.title_id == title_id,
                                   MonitorAlert.onset >= onset - LINK_RECENT,
                                   MonitorAlert.onset <= now).order_by(MonitorAlert.id))
        if alert is None or a.id != alert.id]
    for a in alerts:
        link_alert(session, incident, a, by=by, now=now, audited=False)
    for petition in signals.petitions_of(session, title_id):  # (also with no alert)
        link_petition(session, incident, petition, by=by, now=now, audited=False)
    audit.record(session, IncidentOpened(
        subject=subject(incident.id), title_id=title_id, incident_name=name,
        opened_from=opened_from, alert_id=alert_id, owner=incident.owner,
        onset=onset.isoformat(), versions=tuple(linked)), actor=by)
    events.emit(session, events.IncidentOpened(incident_id=incident.id, title_id=title_id,
                                               opened_from=opened_from, at=now))
    return incident


def _link_live_versions(session: Session, incident: Incident, now: dt.datetime,
                        by: str) -> list[int]:
    if incident.title_id is None:  # pragma: no cover - checked on opening
        return []
    ids = []
    for live in live_at(session, incident.title_id, as_utc(incident.onset)):
        version = session.get_one(AssetVersion, live.version_id)
        _add_version(session, incident, version, "live", now, by)
        ids.append(version.id)
    return ids


def _add_version(session: Session, incident: Incident, version: AssetVersion, role: str,
                 now: dt.datetime, by: str) -> IncidentVersion | None:
    if session.get(IncidentVersion, (incident.id, version.id)) is not None:
        return None
    record = version_record(session, version)
    row = IncidentVersion(incident_id=incident.id, version_id=version.id, role=role,
                          record=record, linked_at=now)
    session.add(row)
    what = "live at the onset" if role == "live" else "linked"
    add_event(session, incident, "version", f"{record['label']} ({record['ref']}) {what}: "
              f"{record['cleared']}", actor=by, at=now, data={"version_id": version.id,
                                                              "role": role})
    return row


def title_version(session: Session, incident: Incident, version_id: int) -> AssetVersion:
    """The asset version ``version_id`` named in a request about ``incident``: it must exist
    (:class:`UnknownReference`) and be of the incident's title (:class:`InputError`)."""
    version = session.get(AssetVersion, version_id)
    if version is None:
        raise UnknownReference(f"no asset version {version_id}")
    if version.asset.title_id != incident.title_id:
        raise InputError(f"version {version_id} belongs to {version.asset.title_id}, not to "
                         f"the incident's title {incident.title_id}")
    return version


def link_version(session: Session, incident: Incident, version_id: int, *, by: str,
                 now: dt.datetime | None = None) -> bool:
    """Link an asset version of the incident's title by hand; ``False`` if it was linked."""
    version = title_version(session, incident, version_id)
    row = _add_version(session, incident, version, "added", _now(now), by)
    if row is not None:
        audit.record(session, IncidentLinked(subject=subject(incident.id), what="version",
                                             ref=version_id), actor=by)
    return row is not None


def link_alert(session: Session, incident: Incident, alert: MonitorAlert, *, by: str,
               now: dt.datetime | None = None, audited: bool = True) -> bool:
    """Link an alert (its themes and top posts join the incident's); ``False`` if linked."""
    if alert.title_id != incident.title_id:
        raise InputError(f"alert {alert.id} is about {alert.title_id}, not {incident.title_id}")
    if session.get(IncidentAlert, (incident.id, alert.id)) is not None:
        return False
    now = _now(now)
    session.add(IncidentAlert(incident_id=incident.id, alert_id=alert.id, linked_at=now))
    themes = dict(incident.themes or {})
    for theme, share in (alert.themes or {}).items():
        themes[theme] = max(float(share), float(themes.get(theme, 0.0)))
    incident.themes = dict(sorted(themes.items(), key=lambda kv: -kv[1]))
    posts = list(incident.top_posts or [])
    posts += [p for p in alert.top_posts or [] if p not in posts]
    incident.top_posts = posts[:TOP_POSTS]
    add_event(session, incident, "alert", f"alert {alert.id} ({alert.rule}): {alert.message}",
              actor=by, at=now, data={"alert_id": alert.id})
    if audited:
        audit.record(session, IncidentLinked(subject=subject(incident.id), what="alert",
                                             ref=alert.id), actor=by)
    if incident.title_id is not None:  # petitions started since the incident opened
        for petition in signals.petitions_of(session, incident.title_id):
            link_petition(session, incident, petition, by=by, now=now, audited=audited)
    return True


def link_petition(session: Session, incident: Incident, petition: MonitorPetition, *, by: str,
                  now: dt.datetime | None = None, audited: bool = True) -> bool:
    if session.get(IncidentPetition, (incident.id, petition.id)) is not None:
        return False
    now = _now(now)
    session.add(IncidentPetition(incident_id=incident.id, petition_id=petition.id,
                                 linked_at=now))
    add_event(session, incident, "petition", f"petition {petition.petition_key}: "
              f"{petition.action or '(no text)'}", actor=by, at=now,
              data={"petition_id": petition.id})
    if audited:
        audit.record(session, IncidentLinked(subject=subject(incident.id), what="petition",
                                             ref=petition.id), actor=by)
    return True


def set_state(session: Session, incident: Incident, state: str, *, by: str, reason: str = "",
              now: dt.datetime | None = None) -> Incident:
    """Move the incident to ``state`` (:data:`TRANSITIONS`); closing needs a reason."""
    if state not in INCIDENT_STATES:
        raise InputError(f"unknown incident state {state!r}; one of "
                         f"{', '.join(INCIDENT_STATES)}")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InputError(f"a reason is at most {MAX_REASON} characters")
    old = incident.state
    if state == old:
        return incident
    if state not in TRANSITIONS[old]:
        raise ReviewConflict(f"incident {incident.id} is {old}: it can go to "
                             f"{', '.join(TRANSITIONS[old])}, not {state}")
    if state == "closed" and not has_visible_words(reason):
        raise InputError("closing an incident needs a reason (what was done, what it showed)")
    now = _now(now)
    incident.state = state
    if state == "closed":
        incident.closed_at, incident.close_reason = now, reason
    elif old == "closed":
        incident.closed_at = None
    verb = "reopened" if old == "closed" else state
    add_event(session, incident, "state", f"{old} → {state}" + (f": {reason}" if reason else ""),
              actor=by, at=now, data={"from": old, "to": state, "reason": reason})
    session.flush()
    audit.record(session, IncidentStateChanged(subject=subject(incident.id), old=old, new=state,
                                               reason=reason), actor=by)
    if state == "closed":
        events.emit(session, events.IncidentClosed(incident_id=incident.id,
                                                   title_id=incident.title_id, by=by,
                                                   reason=reason, at=now))
    elif verb == "reopened":
        events.emit(session, events.IncidentOpened(incident_id=incident.id,
                                                   title_id=incident.title_id,
                                                   opened_from=incident.opened_from, at=now,
                                                   reopened=True))
    return incident


def set_owner(session: Session, incident: Incident, owner: str | None, *, by: str,
              now: dt.datetime | None = None) -> Incident:
    """Give the incident to ``owner`` (a username; ``None`` or empty: nobody)."""
    new = _check_user(session, owner)
    old = incident.owner
    if new == old:
        return incident
    incident.owner = new
    add_event(session, incident, "owner", f"owner {old or 'nobody'} → {new or 'nobody'}",
              actor=by, at=_now(now), data={"from": old, "to": new})
    session.flush()
    audit.record(session, IncidentOwnerChanged(subject=subject(incident.id), old=old, new=new),
                 actor=by)
    return incident


def linked_versions(session: Session, incident_id: int, *, role: str | None = None
                    ) -> Sequence[IncidentVersion]:
    query = select(IncidentVersion).where(IncidentVersion.incident_id == incident_id)
    if role is not None:
        query = query.where(IncidentVersion.role == role)
    return session.scalars(query.order_by(IncidentVersion.version_id)).all()
