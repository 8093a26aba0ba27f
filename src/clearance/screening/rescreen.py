"""Re-screening the catalog: every live asset version (or a selection), through the findings
cache and an engine, into screening records and the review queue.

:func:`rescreen` works in four steps, keeping model work out of every transaction:

1. **Select** (:func:`select_targets`): each asset's live version (its open publication, else
   its newest), filtered by title, kind, locale, channel, the decision of its latest screening,
   or "not screened since".
2. **Plan** (:mod:`clearance.screening.rescreen_plan`, reads only): per title, every live version
   with its rating, depicted known minors and the findings-cache entries of every detector that
   reads it. A version whose entries are all there needs no model; the others become
   :class:`~clearance.screening.tasks.ScreenTask` values naming the detectors to skip.
3. **Run** the tasks on an engine (:mod:`clearance.screening.engines`: local processes or Ray),
   which streams results back as they finish. Titles with nothing to run are decided first, so a
   policy change re-decides the whole catalog without starting a worker.
4. **Record** each title once all its versions have findings, in short transactions: the new
   cache entries, a screening record per selected version (decided with the title's other live
   versions as campaign context, exactly as :mod:`clearance.screening.campaign` does), and the
   review routing (:func:`clearance.review.items.submit`): a ``review``/``block`` goes to the
   queue of the asset's team (or ``CLEARANCE_DEFAULT_TEAM``) unless the version's current round
   already decided the same; a ``pass`` opens a round only on a version that has one.

Screening records are keyed by their inputs, so a run with nothing changed records nothing and
queues nothing, and a run killed midway leaves whole titles behind it: the next run finds their
screenings and cache entries and continues with the rest, doubling nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from clearance.errors import InputError
from clearance.findings import Finding
from clearance.policy.engine import evaluate
from clearance.review.access import ensure_team
from clearance.review.items import submit
from clearance.screening import cache
from clearance.screening.engines import Engine as WorkEngine
from clearance.screening.records import (
    Recordable,
    ScreeningInputs,
    detectors_of,
    find_screenings,
    record_screenings,
)
from clearance.screening.rescreen_plan import TitlePlan, VersionPlan, plan_titles
from clearance.screening.screener import Screener, ScreenResult
from clearance.screening.tasks import TaskResult
from clearance.storage.db import as_utc, session_scope
from clearance.storage.models import ASSET_KINDS, Asset, AssetVersion
from clearance.storage.review_models import ReviewItem
from clearance.storage.screening_models import DECISIONS, Publication, Screening

#: Selected versions written per transaction.
WRITE_BATCH = 200
#: Titles planned per read.
PLAN_BATCH = 200

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Selection:
    """Which live versions to re-screen (every filter optional)."""

    title_id: str | None = None
    kind: str | None = None
    locale: str | None = None
    channel: str | None = None
    decision: str | None = None
    screened_before: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in ASSET_KINDS:
            raise InputError(f"unknown asset kind {self.kind!r}; one of {', '.join(ASSET_KINDS)}")
        if self.decision is not None and self.decision not in DECISIONS:
            raise InputError(f"unknown decision {self.decision!r}; one of {', '.join(DECISIONS)}")


@dataclass(slots=True)
class Summary:
    """What a run did. ``screened``: versions given a new screening record (``pass`` +
    ``review`` + ``block`` of them); ``unchanged``: versions whose screening with these inputs
    was already stored; ``queued``: review items it added to the queue."""

    selected: int = 0
    screened: int = 0
    unchanged: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    queued: int = 0
    failed: int = 0
    #: Versions sent to the engine, and detector results read from the findings cache.
    ran: int = 0
    cached: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    #: Peak memory per worker (kB), by worker name.
    worker_rss_kb: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"screened": self.screened, "pass": self.decisions["pass"],
                "review": self.decisions["review"], "block": self.decisions["block"],
                "queued": self.queued, "selected": self.selected, "unchanged": self.unchanged,
                "failed": self.failed, "ran": self.ran, "cached": self.cached,
                "workers": len(self.worker_rss_kb), "seconds": round(self.seconds, 3)}


# -- 1. selection ----------------------------------------------------------------------------

def _latest(session: Session, version_ids: Sequence[int]) -> dict[int, tuple[str, dt.datetime]]:
    """The decision and time of each version's latest screening."""
    out: dict[int, tuple[str, dt.datetime]] = {}
    for start in range(0, len(version_ids), 500):
        chunk = version_ids[start:start + 500]
        latest = (select(func.max(Screening.id)).where(Screening.version_id.in_(chunk))
                  .group_by(Screening.version_id))
        for vid, decision, at in session.execute(
                select(Screening.version_id, Screening.decision, Screening.created_at)
                .where(Screening.id.in_(latest))):
            out[vid] = (decision, as_utc(at))
    return out


def select_targets(session: Session, selection: Selection) -> dict[str, list[int]]:
    """Title id -> the live version ids selected, titles in id order."""
    q = (select(Asset.id, Asset.title_id, AssetVersion.id, AssetVersion.number)
         .join(AssetVersion, AssetVersion.asset_id == Asset.id))
    if selection.title_id is not None:
        q = q.where(Asset.title_id == selection.title_id)
    if selection.kind is not None:
        q = q.where(Asset.kind == selection.kind)
    if selection.locale is not None:
        q = q.where(Asset.locale == selection.locale)
    if selection.channel is not None:
        q = q.where(Asset.channel == selection.channel)
    newest: dict[int, tuple[int, int, str]] = {}
    versions: dict[int, set[int]] = {}
    for asset_id, title_id, vid, number in session.execute(q):
        versions.setdefault(asset_id, set()).add(vid)
        if asset_id not in newest or number > newest[asset_id][0]:
            newest[asset_id] = (number, vid, title_id)
    live = dict(session.execute(select(Publication.asset_id, Publication.version_id)
                                .where(Publication.live_until.is_(None))).all())
    chosen: dict[int, str] = {}
    for asset_id, (_, vid, title_id) in newest.items():
        open_vid = live.get(asset_id)
        chosen[open_vid if open_vid is not None and open_vid in versions[asset_id] else vid] = \
            title_id
    if selection.decision is not None or selection.screened_before is not None:
        latest = _latest(session, sorted(chosen))
        keep: dict[int, str] = {}
        for vid, title_id in chosen.items():
            seen = latest.get(vid)
            if selection.decision is not None and (seen is None or seen[0] != selection.decision):
                continue
            before = selection.screened_before
            if before is not None and seen is not None and seen[1] >= as_utc(before):
                continue
            keep[vid] = title_id
        chosen = keep
    out: dict[str, list[int]] = {}
    for vid, title_id in sorted(chosen.items(), key=lambda kv: (kv[1], kv[0])):
        out.setdefault(title_id, []).append(vid)
    return out


# -- 4. recording ----------------------------------------------------------------------------

@dataclass(slots=True)
class _Pending:
    """A title waiting for its results."""

    plan: TitlePlan
    waiting: set[int]
    fresh: dict[int, dict[str, tuple[Finding, ...]]] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


class _Recorder:
    """Decides and stores finished titles, a transaction per batch."""

    def __init__(self, db: Engine, screener: Screener, summary: Summary, *, dry_run: bool,
                 actor: str, default_team: str | None, progress: Progress | None,
                 total: int, write_batch: int) -> None:
        self.db = db
        self.screener = screener
        self.pairs = [(d.name, d.version) for d in screener.detectors]
        self.summary = summary
        self.dry_run = dry_run
        self.actor = actor
        self.default_team = default_team
        self.progress = progress
        self.total = total
        self.write_batch = write_batch
        self.done = 0
        self.batch: list[_Pending] = []
        self.waiting = 0
        self._team_ready = False

    def add(self, pending: _Pending) -> None:
        self.batch.append(pending)
        self.waiting += len(pending.plan.targets)
        if self.waiting >= self.write_batch:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch, self.waiting = self.batch, [], 0
        with session_scope(self.db) as session:
            if self.default_team is not None and not self._team_ready and not self.dry_run:
                ensure_team(session, self.default_team)
                self._team_ready = True
            entries: dict[cache.CacheSlot, Sequence[Finding]] = {}
            for p in batch:
                for vid, by in p.fresh.items():
                    v = p.plan.versions[vid]
                    for name, fs in by.items():
                        entries[v.slots[name]] = fs
            decided = [d for p in batch for d in self._title(p)]
            self._record(session, decided)
            if not self.dry_run:
                cache.store(session, entries)
            else:
                session.rollback()
        self.done += sum(len(p.plan.targets) for p in batch)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _findings(self, p: _Pending, v: VersionPlan) -> tuple[Finding, ...] | None:
        if v.version_id in p.failed:
            return None
        if v.fallback is not None:
            return v.fallback
        if v.missing and v.version_id not in p.fresh:
            return None  # an image in context with no cache and no screening: left out
        fresh = p.fresh.get(v.version_id, {})
        return tuple(f for name in v.slots for f in (fresh[name] if name in fresh
                                                     else v.cached[name]))

    def _title(self, p: _Pending) -> list[tuple[VersionPlan, ScreenResult, ScreeningInputs]]:
        """Each selected version of a finished title, decided with the others in scope."""
        found = {vid: self._findings(p, v) for vid, v in p.plan.versions.items()}
        out = []
        for vid in p.plan.targets:
            v = p.plan.versions[vid]
            findings = found[vid]
            if findings is None:
                self.summary.failed += 1
                self.summary.errors.append(f"{p.plan.title_id} {v.name}: "
                                           f"{p.failed.get(vid, 'no findings')}")
                continue
            context: dict[str, tuple[Finding, ...]] = {}
            in_scope: dict[str, int] = {}
            for o in p.plan.versions.values():
                fs = found[o.version_id]
                if o.version_id != vid and fs is not None:
                    context[o.ref], in_scope[o.ref] = fs, o.version_id
            decision = evaluate(findings, self.screener.policy, context)
            out.append((v, ScreenResult(v.name, v.kind, decision, findings),
                        ScreeningInputs(detectors_of(self.pairs, findings), in_scope)))
        return out

    def _record(self, session: Session,
                decided: Sequence[tuple[VersionPlan, ScreenResult, ScreeningInputs]]) -> None:
        """Store the screenings (one query for the stored ones, one flush for the new) and route
        them to review."""
        ids = [v.version_id for v, _, _ in decided]
        versions = {row.id: row for start in range(0, len(ids), 500)
                    for row in session.scalars(
                        select(AssetVersion).where(AssetVersion.id.in_(ids[start:start + 500]))
                        .options(selectinload(AssetVersion.asset)))}
        rounds: dict[int, ReviewItem] = {}
        for start in range(0, len(ids), 500):
            for item in session.scalars(select(ReviewItem).where(
                    ReviewItem.version_id.in_(ids[start:start + 500])).order_by(
                    ReviewItem.round)):
                rounds[item.version_id] = item
        batch: list[Recordable] = []
        for v, result, inputs in decided:
            version = versions.get(v.version_id)
            if version is None:
                self.summary.failed += 1
                self.summary.errors.append(f"{v.name}: gone from the catalog")
                continue
            batch.append((version, result, inputs))
        recorded: Sequence[tuple[Screening | None, bool]]
        if self.dry_run:
            recorded = [(row, row is None) for row in find_screenings(session, batch)]
        else:
            recorded = record_screenings(session, batch, requested_by="rescreen",
                                         actor=self.actor)
        for (version, result, _), (screening, created) in zip(batch, recorded, strict=True):
            outcome = result.decision.outcome
            if created:
                self.summary.screened += 1
                self.summary.decisions[outcome] += 1
            else:
                self.summary.unchanged += 1
            current = rounds.get(version.id)
            if outcome == "pass" and current is None:
                continue  # a pass is routed only onto a version already in review
            if current is not None and current.screening_decision == outcome:
                continue  # the current round decided the same: nothing new
            if self.dry_run or screening is None:
                self.summary.queued += outcome != "pass"
                continue
            team = version.asset.team_id or self.default_team
            item, is_new = submit(session, None, version, screening, team_id=team)
            if is_new and item.state == "queued":
                self.summary.queued += 1


# -- the run ---------------------------------------------------------------------------------

def rescreen(db: Engine, screener: Screener, selection: Selection, *,
             engine: Callable[[], WorkEngine] | None, dry_run: bool = False,
             actor: str = "rescreen", default_team: str | None = None,
             progress: Progress | None = None,
             on_plan: Callable[[int, int], None] | None = None,
             write_batch: int = WRITE_BATCH) -> Summary:
    """Re-screen the selected live versions (see the module docstring). ``screener`` is the
    driver's: its policy decides and its detectors name the cache keys (its models are never
    loaded here). ``engine`` makes the engine for the model work (started only when there is
    some). ``progress(done, total)`` is called as selected versions are decided; ``on_plan``
    once the plan is made, with the number of selected versions and of versions to run;
    ``write_batch``: selected versions stored per transaction (what a crash can lose)."""
    started = time.monotonic()
    summary = Summary()
    with session_scope(db) as session:
        targets = select_targets(session, selection)
    summary.selected = sum(len(v) for v in targets.values())
    plans: list[TitlePlan] = []
    title_ids = list(targets)
    for start in range(0, len(title_ids), PLAN_BATCH):
        chunk = {t: targets[t] for t in title_ids[start:start + PLAN_BATCH]}
        with session_scope(db) as session:
            plans.extend(plan_titles(session, screener, chunk))
    tasks = [t for p in plans for t in p.tasks]
    summary.ran = len(tasks)
    summary.cached = sum(len(v.cached) for p in plans for v in p.versions.values()
                         if v.version_id in p.targets)
    if on_plan is not None:
        on_plan(summary.selected, len(tasks))
    if tasks and engine is None:
        raise InputError(f"{len(tasks)} version(s) need detectors run and no engine was given")
    recorder = _Recorder(db, screener, summary, dry_run=dry_run, actor=actor,
                         default_team=default_team, progress=progress, total=summary.selected,
                         write_batch=write_batch)
    pending: dict[int, _Pending] = {}
    for p in plans:
        waiting = {t.version_id for t in p.tasks}
        entry = _Pending(p, waiting)
        if waiting:
            for vid in waiting:
                pending[vid] = entry
        else:
            recorder.add(entry)
    recorder.flush()
    if tasks and engine is not None:
        with engine() as work:
            for result in work.run(tasks):
                _arrived(pending, recorder, summary, result)
    recorder.flush()
    summary.seconds = time.monotonic() - started
    return summary


def _arrived(pending: dict[int, _Pending], recorder: _Recorder, summary: Summary,
             result: TaskResult) -> None:
    entry = pending.pop(result.version_id, None)
    if entry is None:
        return
    if result.worker:
        summary.worker_rss_kb[result.worker] = max(result.max_rss_kb,
                                                   summary.worker_rss_kb.get(result.worker, 0))
    if result.error is not None:
        entry.failed[result.version_id] = result.error
    else:
        entry.fresh[result.version_id] = dict(result.findings)
    entry.waiting.discard(result.version_id)
    if not entry.waiting:
        recorder.add(entry)
