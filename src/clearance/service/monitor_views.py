"""Read models of the monitor shared by its API routes and pages (thin routes: the queries live
in :mod:`clearance.monitor`; this turns them into what both show)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearance.errors import NotFound
from clearance.monitor import signals
from clearance.monitor.alert_context import alert_view
from clearance.monitor.themes import default_lexicon
from clearance.storage.models import Title
from clearance.storage.monitor_models import MonitorAlert


def title_activity(session: Session, days: float) -> dict[str, Any]:
    until = signals.latest_activity(session) or dt.datetime.now(dt.UTC)
    since = until - dt.timedelta(days=days)
    active = signals.active_titles(session, since)
    names = dict(session.execute(select(Title.id, Title.original_title).where(
        Title.id.in_([t for t, _ in active]))).all()) if active else {}
    alerts = dict(session.execute(
        select(MonitorAlert.title_id, func.count()).where(MonitorAlert.onset >= since)
        .group_by(MonitorAlert.title_id)).all())
    return {"since": since.isoformat(), "until": until.isoformat(),
            "titles": [{"title_id": t, "name": names.get(t, t), "posts": n,
                        "alerts": int(alerts.get(t, 0))} for t, n in active]}


def alert_list(session: Session, *, title_id: str | None, limit: int,
               offset: int = 0) -> list[dict[str, Any]]:
    query = (select(MonitorAlert).order_by(MonitorAlert.onset.desc(), MonitorAlert.id.desc())
             .limit(limit).offset(offset))
    if title_id is not None:
        query = query.where(MonitorAlert.title_id == title_id)
    return [alert_view(session, a) for a in session.scalars(query)]


def one_alert(session: Session, alert_id: int) -> dict[str, Any]:
    alert = session.get(MonitorAlert, alert_id)
    if alert is None:
        raise NotFound(f"no monitor alert {alert_id}")
    return alert_view(session, alert)


def title_signals(session: Session, title_id: str, *, step: int, days: float) -> dict[str, Any]:
    if session.get(Title, title_id) is None:
        raise NotFound(f"no title {title_id!r} in the catalog")
    end = signals.latest_activity(session) or dt.datetime.now(dt.UTC)
    series = signals.title_series(session, title_id, step=step,
                                  start=end - dt.timedelta(days=days),
                                  end=end + dt.timedelta(seconds=step - 1))
    petitions = []
    for p in signals.petitions_of(session, title_id):
        ps = signals.petition_series(session, p, until=end)
        crossing = ps.forecast.crossing() if ps.forecast is not None else None
        petitions.append({
            "petition": ps.key, "action": ps.action,
            "count": ps.counts[-1] if ps.counts else None,
            "velocity_per_hour": round(ps.velocity, 1),
            "forecast_24h": round(ps.forecast.at_hours(24)) if ps.forecast else None,
            "projected_100k": crossing.isoformat() if crossing is not None else None,
            "times": [t.isoformat() for t in ps.times], "counts": list(ps.counts)})
    return {"title_id": title_id, "step": step, "theme_model": default_lexicon().version,
            "starts": [s.isoformat() for s in series.starts],
            "values": {k: list(v) for k, v in series.values.items()}, "petitions": petitions}
