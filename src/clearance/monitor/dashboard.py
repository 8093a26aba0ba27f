"""What the dashboard and the report show for a title: its timelines and alerts, as data and as
SVG charts (:mod:`clearance.monitor.charts`).

:func:`title_overview` reads one period (default the last 30 days up to the newest bucket:
hourly buckets, or 5-minute ones for two days or less) — the volume, negative share, theme
shares, reach, the copy versions quoted, the petitions with their forecasts, the alerts and the
news — in a handful of indexed queries (``bench/bench_monitor.py`` times it at 10M posts).
:func:`overview_charts` draws it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.errors import NotFound
from clearance.monitor import signals
from clearance.monitor.charts import Chart, Line, line_chart
from clearance.storage.db import as_utc
from clearance.storage.models import Title
from clearance.storage.monitor_models import THEMES, MonitorAlert, MonitorArticle


@dataclass(frozen=True, slots=True)
class TitleOverview:
    title_id: str
    name: str
    start: dt.datetime
    end: dt.datetime
    series: signals.Series
    petitions: list[signals.PetitionSeries]
    alerts: list[MonitorAlert]
    quoted: list[tuple[int, int]]
    articles: list[MonitorArticle]

    def totals(self) -> dict[str, Any]:
        volume = self.series.total("volume")
        return {"volume": volume, "negative": self.series.total("negative"),
                "offensive": self.series.total("offensive"),
                "negative_share": round(self.series.total("negative") / volume, 3)
                if volume else None,
                "themes": {t: self.series.total(t) for t in THEMES}}


def title_overview(session: Session, title_id: str, *, days: float = 30.0,
                   end: dt.datetime | None = None) -> TitleOverview:
    title = session.get(Title, title_id)
    if title is None:
        raise NotFound(f"no title {title_id!r} in the catalog")
    end = end or signals.latest_activity(session) or dt.datetime.now(dt.UTC)
    start = end - dt.timedelta(days=days)
    step = 300 if days <= 2 else 3600
    series = signals.title_series(session, title_id, step=step, start=start,
                                  end=end + dt.timedelta(seconds=step - 1))
    petitions = [signals.petition_series(session, p, until=end)
                 for p in signals.petitions_of(session, title_id)]
    alerts = list(session.scalars(select(MonitorAlert).where(
        MonitorAlert.title_id == title_id, MonitorAlert.onset >= start)
        .order_by(MonitorAlert.onset.desc()).limit(200)))
    articles = [a for a in session.scalars(
        select(MonitorArticle).where(MonitorArticle.published_at >= start)
        .order_by(MonitorArticle.published_at.desc()).limit(500))
        if title_id in (a.title_ids or [])][:20]
    return TitleOverview(title_id, title.original_title, start, end, series, petitions,
                         alerts, signals.quoted_versions(session, title_id, start), articles)


def overview_charts(view: TitleOverview) -> list[str]:
    """The title's charts as SVG strings: volume, negativity, themes, each petition."""
    s = view.series
    marks = [(as_utc(a.onset), f"alert {a.id}: {a.message}") for a in view.alerts]
    unit = "posts per 5 min" if s.step == 300 else "posts per hour"
    out = [line_chart(Chart(f"Volume ({unit})", [Line("posts", s.starts, s.values["volume"],
                                                      kind="bars")], unit="posts",
                            marks=marks))]
    out.append(line_chart(Chart("Negativity (share of posts)", [
        Line("negative", s.starts, s.share("negative"), colour="#c0392b"),
        Line("offensive", s.starts, s.share("offensive"), colour="#7d3c98")],
        y_max=1.0, as_percent=True, marks=marks)))
    out.append(line_chart(Chart("Themes (share of posts)", [
        Line(t.replace("_", " "), s.starts, s.share(t)) for t in THEMES],
        y_max=1.0, as_percent=True, marks=marks)))
    for p in view.petitions:
        lines = [Line("signatures", p.times, [float(c) for c in p.counts])]
        if p.forecast is not None and p.times:
            ahead = [p.forecast.origin + dt.timedelta(hours=h) for h in range(0, 73, 3)]
            lines.append(Line("forecast", ahead, [p.forecast.at_hours(h) for h in
                                                  range(0, 73, 3)], kind="dashed",
                              colour="#566573"))
        crossing = p.forecast.crossing() if p.forecast is not None else None
        note = (f"; projected to pass 100,000 by {crossing:%Y-%m-%d %H:00} UTC"
                if crossing is not None and p.counts and p.counts[-1] < 100_000 else "")
        out.append(line_chart(Chart(f"Petition: {p.action or p.key}{note}", lines,
                                    unit="signatures")))
    return out
