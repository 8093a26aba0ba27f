"""The monitor put together from settings, for the command line and the service.

:func:`open_monitor` opens the database (current schema), the blob store and — when scoring is
needed — the models and the linker built from the catalog (names, tags, handles, cast, copy).
The helpers below run one kind of source through it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from clearance.errors import InputError, Problem
from clearance.monitor import alerts, feeds, retention, signals
from clearance.monitor.alert_context import raise_alerts
from clearance.monitor.alerts import RuleSet
from clearance.monitor.catalog_names import linker_from_catalog
from clearance.monitor.ingest import Pipeline
from clearance.monitor.linking import Linker
from clearance.monitor.petitions import Snapshot, read_snapshots
from clearance.monitor.scoring import Scorer
from clearance.monitor.store import store_snapshots
from clearance.net import OutboundRule
from clearance.settings import Settings
from clearance.storage import LocalBlobStore, ready_engine, session_scope
from clearance.storage.monitor_models import MonitorAlert


@dataclass
class Monitor:
    settings: Settings
    engine: Engine
    blobs: LocalBlobStore
    linker: Linker
    scorer: Scorer | None = None

    @property
    def pipeline(self) -> Pipeline:
        if self.scorer is None:  # pragma: no cover - opened without models
            raise RuntimeError("the monitor was opened without its models")
        return Pipeline(self.engine, self.linker, self.scorer)


@dataclass
class SourceReport:
    source: str
    stored: int = 0
    read: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "read": self.read, "stored": self.stored,
                "bad": len(self.problems)}


def build_linker(engine: Engine, blobs: LocalBlobStore, settings: Settings) -> Linker:
    with session_scope(engine) as session:
        return linker_from_catalog(session, blobs,
                                   service_names=tuple(settings.monitor_service_names))


@contextmanager
def open_monitor(settings: Settings, *, need_scorer: bool) -> Iterator[Monitor]:
    with ready_engine(settings.resolved_database_url) as engine:
        blobs = LocalBlobStore(settings.resolved_blob_dir)
        linker = build_linker(engine, blobs, settings)
        yield Monitor(settings, engine, blobs, linker, Scorer() if need_scorer else None)


def ingest_petitions(monitor: Monitor, path: Path, petition: str | None) -> SourceReport:
    report = SourceReport(str(path))
    snaps: list[Snapshot] = []
    for _line, item in read_snapshots(path, petition):
        if isinstance(item, Problem):
            report.problems.append(item)
        else:
            snaps.append(item)
    report.read = len(snaps)
    with session_scope(monitor.engine) as session:
        report.stored = store_snapshots(session, snaps, monitor.linker)
    return report


def ingest_feed(monitor: Monitor, source: str) -> SourceReport:
    if monitor.scorer is None:  # pragma: no cover
        raise RuntimeError("the monitor was opened without its models")
    data = feeds.read_source(source, OutboundRule.from_settings(monitor.settings))
    articles, problems = feeds.parse(data, source)
    report = SourceReport(source, read=len(articles), problems=problems)
    with session_scope(monitor.engine) as session:
        report.stored = feeds.store_articles(session, articles, monitor.linker, monitor.scorer)
    return report


def delete_from_stream(settings: Settings, seq: int | None) -> bool:
    """Delete a forgotten post's message from the stream; ``False`` when there is none or the
    server cannot be reached (the request is kept and the stream's own retention ends it)."""
    if seq is None:
        return False
    from clearance.monitor.stream import delete_messages

    try:
        return asyncio.run(delete_messages(settings, [seq])) > 0
    except InputError:
        return False


def evaluate_alerts(monitor: Monitor, rules: RuleSet, *, since: dt.datetime | None = None,
                    titles: list[str] | None = None, now: dt.datetime | None = None,
                    raised_at: dt.datetime | None = None) -> list[MonitorAlert]:
    """Run ``rules`` and raise what fired (one transaction: the alerts, their webhooks and the
    incidents their rules open). ``raised_at``: the alerts' time (default the wall clock)."""
    with session_scope(monitor.engine) as session:
        firings = alerts.evaluate(session, rules, since=since, titles=titles, now=now)
        return raise_alerts(session, firings, at=raised_at)


class AlertWatcher:
    """Runs the rules while a stream is consumed, whenever the stream's time enters a new
    5-minute bucket (the buckets before it are closed then)."""

    def __init__(self, monitor: Monitor, rules_file: Path | None = None) -> None:
        self.monitor = monitor
        self.rules = alerts.load_rules(rules_file)
        self._bucket: dt.datetime | None = None

    def check(self, latest: dt.datetime | None) -> list[MonitorAlert]:
        """``latest``: the newest post time the consumer has stored (stream time)."""
        if latest is None:
            return []
        now = signals.floor_to(latest, 300)   # the buckets before the open one are closed
        if now == self._bucket:
            return []
        self._bucket = now
        return evaluate_alerts(self.monitor, self.rules, now=now)


def expire(monitor: Monitor) -> int:
    with session_scope(monitor.engine) as session:
        return retention.expire(session, days=monitor.settings.monitor_retention_days)
