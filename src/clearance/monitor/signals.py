"""Signals: a title's per-5-minute or per-hour series, read from the aggregates.

:func:`title_series` returns every bucket from ``start`` to ``end`` (empty buckets as zeros, so a
detector sees the quiet too) with the volume, negative and offensive counts, reach and one count
per theme; shares are derived (``negative / volume``). :func:`petition_series` returns a
petition's snapshots and forecast. These are what the dashboard draws, the report writes and the
alert rules judge; one indexed range read per title (``monitor_buckets``' primary key starts with
``title_id, version_id, step, start``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearance.monitor.petitions import Forecast, forecast, velocity
from clearance.storage.db import as_utc
from clearance.storage.monitor_models import (
    THEMES,
    MonitorBucket,
    MonitorPetition,
    MonitorPetitionCount,
)

COLUMNS = ("volume", "negative", "offensive", "reach", *THEMES)


@dataclass(frozen=True, slots=True)
class Series:
    """A title's buckets: ``starts[i]`` and ``values[column][i]``."""

    title_id: str
    version_id: int
    step: int
    starts: tuple[dt.datetime, ...]
    values: dict[str, tuple[int, ...]]

    def __len__(self) -> int:
        return len(self.starts)

    def share(self, column: str) -> list[float | None]:
        return [c / v if v else None for c, v in zip(self.values[column],
                                                     self.values["volume"], strict=True)]

    def total(self, column: str) -> int:
        return sum(self.values[column])


def floor_to(at: dt.datetime, step: int) -> dt.datetime:
    seconds = int(at.timestamp())
    return dt.datetime.fromtimestamp(seconds - seconds % step, dt.UTC)


def title_series(session: Session, title_id: str, *, step: int, start: dt.datetime,
                 end: dt.datetime, version_id: int = 0) -> Series:
    """Buckets of ``title_id`` with ``start <= bucket < end`` (both floored to ``step``)."""
    first, last = floor_to(start, step), floor_to(end, step)
    rows = session.execute(
        select(MonitorBucket.start, *(getattr(MonitorBucket, c) for c in COLUMNS))
        .where(MonitorBucket.title_id == title_id, MonitorBucket.version_id == version_id,
               MonitorBucket.step == step, MonitorBucket.start >= first,
               MonitorBucket.start < last)
        .order_by(MonitorBucket.start)).all()
    found = {int(as_utc(row[0]).timestamp()): row[1:] for row in rows}
    starts, cols = [], {c: [] for c in COLUMNS}  # type: ignore[var-annotated]
    t = int(first.timestamp())
    while t < int(last.timestamp()):
        starts.append(dt.datetime.fromtimestamp(t, dt.UTC))
        row = found.get(t)
        for i, c in enumerate(COLUMNS):
            cols[c].append(int(row[i]) if row is not None else 0)
        t += step
    return Series(title_id, version_id, step, tuple(starts),
                  {c: tuple(v) for c, v in cols.items()})


def first_bucket(session: Session, title_id: str, step: int = 300) -> dt.datetime | None:
    at = session.scalar(select(func.min(MonitorBucket.start)).where(
        MonitorBucket.title_id == title_id, MonitorBucket.step == step,
        MonitorBucket.version_id == 0))
    return as_utc(at) if at is not None else None


def latest_activity(session: Session) -> dt.datetime | None:
    """The newest bucket of any title: the monitor's "now" in stream time."""
    at = session.scalar(select(func.max(MonitorBucket.start)).where(MonitorBucket.step == 300))
    return as_utc(at) + dt.timedelta(seconds=300) if at is not None else None


def active_titles(session: Session, since: dt.datetime) -> list[tuple[str, int]]:
    """Titles with posts since ``since``, busiest first: ``(title_id, volume)``."""
    rows = session.execute(
        select(MonitorBucket.title_id, func.sum(MonitorBucket.volume))
        .where(MonitorBucket.step == 3600, MonitorBucket.version_id == 0,
               MonitorBucket.start >= floor_to(since, 3600))
        .group_by(MonitorBucket.title_id).order_by(func.sum(MonitorBucket.volume).desc()))
    return [(tid, int(n)) for tid, n in rows]


def quoted_versions(session: Session, title_id: str, since: dt.datetime) -> list[tuple[int, int]]:
    """Copy versions of ``title_id`` quoted since ``since``: ``(version_id, posts)``."""
    rows = session.execute(
        select(MonitorBucket.version_id, func.sum(MonitorBucket.volume))
        .where(MonitorBucket.title_id == title_id, MonitorBucket.step == 3600,
               MonitorBucket.version_id != 0, MonitorBucket.start >= floor_to(since, 3600))
        .group_by(MonitorBucket.version_id).order_by(func.sum(MonitorBucket.volume).desc()))
    return [(int(v), int(n)) for v, n in rows]


@dataclass(frozen=True, slots=True)
class PetitionSeries:
    petition_id: int
    key: str
    action: str
    title_id: str | None
    times: tuple[dt.datetime, ...]
    counts: tuple[int, ...]
    velocity: float = 0.0
    forecast: Forecast | None = field(default=None)


def petitions_of(session: Session, title_id: str | None) -> list[MonitorPetition]:
    query = select(MonitorPetition).order_by(MonitorPetition.id)
    if title_id is not None:
        query = query.where(MonitorPetition.title_id == title_id)
    return list(session.scalars(query))


def petition_series(session: Session, petition: MonitorPetition, *,
                    until: dt.datetime | None = None) -> PetitionSeries:
    query = (select(MonitorPetitionCount.at, MonitorPetitionCount.count)
             .where(MonitorPetitionCount.petition_id == petition.id)
             .order_by(MonitorPetitionCount.at))
    if until is not None:
        query = query.where(MonitorPetitionCount.at <= until)
    rows = session.execute(query).all()
    times = tuple(as_utc(at) for at, _ in rows)
    counts = tuple(int(c) for _, c in rows)
    if not times:
        return PetitionSeries(petition.id, petition.petition_key, petition.action,
                              petition.title_id, (), ())
    secs = [t.timestamp() for t in times]
    return PetitionSeries(petition.id, petition.petition_key, petition.action,
                          petition.title_id, times, counts,
                          velocity([*secs], [float(c) for c in counts]),
                          forecast(secs, [float(c) for c in counts]))
