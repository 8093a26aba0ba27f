"""What an alert carries, and raising it.

:func:`raise_alerts` stores each :class:`~clearance.monitor.alerts.Firing` as a
:class:`~clearance.storage.monitor_models.MonitorAlert` with:

* the **signal** and **window** (onset to the end of the bucket that fired) and the detector's
  score, value and expectation;
* the **top posts** in the window by reach (their ids: the text is read when the alert is shown,
  so a post deleted since shows as deleted there too), up to :data:`TOP_POSTS`;
* the **themes** (the share of the window's posts in each) and **languages** (posts per language);
* the **live asset versions** of the title at the onset (:func:`clearance.catalog.publication.
  live_at`) with each one's latest screening decision (pass/review/block, the policy, the labels
  found) and review state — the candidates for "which asset caused it";

and emits :class:`~clearance.events.AlertRaised` in the same transaction, whose built-in
subscriber writes the signed ``alert`` webhook (:mod:`clearance.monitor.subscribers`).
:func:`alert_view` is the one JSON shape of an alert for the API, the UI, the report and the
webhook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearance import events
from clearance.catalog.publication import latest_item, live_at
from clearance.monitor import signals
from clearance.monitor.alerts import Firing
from clearance.screening.records import latest_screenings
from clearance.storage.db import as_utc
from clearance.storage.models import Title
from clearance.storage.monitor_models import THEMES, MonitorAlert, MonitorPost, MonitorPostLink

TOP_POSTS: Final = 5


def _window_posts(session: Session, title_id: str, start: dt.datetime, end: dt.datetime
                  ) -> tuple[list[int], dict[str, int]]:
    base = (select(MonitorPost.id)
            .join(MonitorPostLink, MonitorPostLink.post_id == MonitorPost.id)
            .where(MonitorPostLink.title_id == title_id, MonitorPostLink.version_id == 0,
                   MonitorPostLink.created_at >= start, MonitorPostLink.created_at < end))
    top = list(session.scalars(base.order_by(MonitorPost.reach.desc(), MonitorPost.id)
                               .limit(TOP_POSTS)))
    langs = session.execute(
        select(MonitorPost.lang, func.count())
        .join(MonitorPostLink, MonitorPostLink.post_id == MonitorPost.id)
        .where(MonitorPostLink.title_id == title_id, MonitorPostLink.version_id == 0,
               MonitorPostLink.created_at >= start, MonitorPostLink.created_at < end)
        .group_by(MonitorPost.lang).order_by(func.count().desc())).all()
    return top, {str(lang): int(n) for lang, n in langs}


def live_versions(session: Session, title_id: str, at: dt.datetime) -> list[dict[str, Any]]:
    """The title's live versions at ``at`` with their screening decisions and review states."""
    live = live_at(session, title_id, at)
    screenings = latest_screenings(session, [v.version_id for v in live])
    out = []
    for v in live:
        screening = screenings.get(v.version_id)
        item = latest_item(session, v.version_id)
        out.append({
            "version_id": v.version_id, "asset_id": v.asset_id, "kind": v.kind,
            "locale": v.locale, "channel": v.channel, "number": v.number,
            "live_from": v.live_from.isoformat(), "published_by": v.published_by,
            "decision": screening.decision if screening is not None else None,
            "policy": screening.policy if screening is not None else None,
            "labels": sorted({f.get("label", "") for f in screening.findings})
            if screening is not None else [],
            "review_state": item.state if item is not None else None})
    return out


def raise_alerts(session: Session, firings: Sequence[Firing], *,
                 at: dt.datetime | None = None) -> list[MonitorAlert]:
    """Store ``firings`` as alerts with their context, announcing each (see the module).
    ``at``: when they are raised (default the wall clock; a replayed stream passes its time)."""
    raised = []
    for f in firings:
        series = signals.title_series(session, f.title_id, step=300, start=f.onset,
                                      end=f.window_end)
        volume = series.total("volume")
        themes = {t: round(series.total(t) / volume, 3) for t in THEMES
                  if volume and series.total(t)}
        top, langs = _window_posts(session, f.title_id, f.onset, f.window_end)
        name = session.scalar(select(Title.original_title).where(Title.id == f.title_id))
        alert = MonitorAlert(
            rule=f.rule.name, signal=f.rule.signal if f.rule.kind in ("spike", "theme")
            else f.rule.kind, title_id=f.title_id, version_id=0, step=f.step, onset=f.onset,
            window_start=f.onset, window_end=f.window_end, score=round(f.score, 4),
            value=f.value, expected=None if f.expected is None else round(f.expected, 3),
            message=f"{name or f.title_id}: {f.rule.name} — {f.detail}"[:1000],
            themes=themes, languages=langs, top_posts=top,
            live_versions=live_versions(session, f.title_id, f.onset), dedup_key=f.key,
            created_at=at or dt.datetime.now(dt.UTC))
        session.add(alert)
        session.flush()
        events.emit(session, events.AlertRaised(alert_id=alert.id, rule=alert.rule,
                                                title_id=f.title_id, signal=alert.signal,
                                                onset=f.onset, at=alert.created_at,
                                                opens_incident=f.rule.open_incident))
        raised.append(alert)
    return raised


def post_view(post: MonitorPost) -> dict[str, Any]:
    return {"id": post.id, "key": post.post_key, "platform": post.platform,
            "created_at": as_utc(post.created_at).isoformat(), "lang": post.lang,
            "reach": post.reach, "sentiment": post.sentiment, "themes": list(post.themes),
            "text": post.text if post.text is not None else f"[{post.text_removed}]",
            "author": post.author, "url": post.url}


def alert_view(session: Session, alert: MonitorAlert) -> dict[str, Any]:
    """The alert as JSON-ready data, its top posts read now (deleted text stays deleted)."""
    posts = {p.id: p for p in session.scalars(select(MonitorPost).where(
        MonitorPost.id.in_(alert.top_posts or [])))}
    return {"id": alert.id, "rule": alert.rule, "signal": alert.signal,
            "title_id": alert.title_id, "step": alert.step,
            "onset": as_utc(alert.onset).isoformat(),
            "window": {"start": as_utc(alert.window_start).isoformat(),
                       "end": as_utc(alert.window_end).isoformat()},
            "score": alert.score, "value": alert.value, "expected": alert.expected,
            "message": alert.message, "themes": dict(alert.themes),
            "languages": dict(alert.languages),
            "top_posts": [post_view(posts[i]) for i in alert.top_posts or [] if i in posts],
            "live_versions": list(alert.live_versions),
            "created_at": as_utc(alert.created_at).isoformat()}
