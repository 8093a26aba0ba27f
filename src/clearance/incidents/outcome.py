"""Measuring an incident's response: every action's effect (:mod:`clearance.incidents.effect`),
stored on the action so it outlives the posts' retention, and the incident's **theme shift**:
what the posts were about in the window before the first action against the latest window of
the same length (after the last action, up to the monitor's stream time, or to the closing).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.incidents.actions import effective_at
from clearance.incidents.effect import HOUR, WINDOW_HOURS, compare, measure
from clearance.monitor import signals
from clearance.storage.db import as_utc
from clearance.storage.incident_models import Incident, IncidentAction


def actions_of(session: Session, incident_id: int) -> list[IncidentAction]:
    return list(session.scalars(select(IncidentAction).where(
        IncidentAction.incident_id == incident_id).order_by(IncidentAction.at,
                                                            IncidentAction.id)))


def measure_actions(session: Session, incident: Incident, *, hours: int = WINDOW_HOURS,
                    now: dt.datetime | None = None) -> list[IncidentAction]:
    """Measure (again) the effect of every action of ``incident``, stored on each action; the
    other actions inside an action's windows are listed as ``overlaps``."""
    if incident.title_id is None:
        return []
    now = now or signals.latest_activity(session)
    actions = actions_of(session, incident.id)
    times = {a.id: effective_at(session, a) for a in actions}
    for action in actions:
        at = times[action.id]
        if at is None:
            effect: dict[str, Any] = {"status": "not yet measurable: the replacement is not "
                                                "live yet", "window_hours": hours}
        else:
            effect = measure(session, incident.title_id, at, hours=hours, now=now)
            lo, hi = at - hours * HOUR, at + (hours + 1) * HOUR
            effect["overlaps"] = [{"action_id": o.id, "kind": o.kind,
                                   "at": t.isoformat()} for o in actions
                                  if o.id != action.id and (t := times[o.id]) is not None
                                  and lo <= t < hi]
        action.effect = effect
        action.measured_at = dt.datetime.now(dt.UTC)
    session.flush()
    return actions


def theme_shift(session: Session, incident: Incident, *, hours: int = WINDOW_HOURS,
                now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The shift from before the first action to the latest window (see the module); ``None``
    without an action or data after it."""
    if incident.title_id is None:
        return None
    actions = actions_of(session, incident.id)
    if not actions:
        return None
    first = signals.floor_to(as_utc(actions[0].at), 3600)
    end = as_utc(incident.closed_at) if incident.closed_at else (
        now or signals.latest_activity(session))
    if end is None:
        return None
    end = signals.floor_to(end, 3600)
    start = max(end - hours * HOUR, first + HOUR)
    if end <= start:
        return None
    result = compare(session, incident.title_id, (first - hours * HOUR, first), (start, end))
    shift = result["shift"]
    return {"before": {"start": (first - hours * HOUR).isoformat(), "end": first.isoformat()},
            "after": {"start": start.isoformat(), "end": end.isoformat()},
            "shift": shift,
            "subjects": {s: m["share"] for s, m in result["subjects"].items()},
            "themes": {t: m["share"] for t, m in result["themes"].items()},
            "volume": result["volume"], "negative": result["negative"]["share"]}
