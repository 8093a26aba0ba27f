"""``clearance demo --replay``: the Cuties case after release, replayed through the monitor and
an incident, on the configured database (embedded SQLite by default; nothing else running: no
NATS, the pipeline is fed directly).

1. **Before** (:mod:`clearance.demo.replay_setup`): the campaign as it went out on 18 August
   2020 — key art v1 and synopsis v1 screened (both blocked), approved against the block by two
   senior reviewers, published; the partners' copies of the key art in the catalog.
2. **The stream** (:mod:`clearance.demo.replay_stream`, synthetic, from the case's facts):
   posts, the petition and news, five minutes at a time through the monitor's own pipeline
   (scoring, linking, storing), the alert rules run at every closed five-minute bucket, at
   stream time, as ``clearance monitor consume`` runs them. The default rules are used; the
   ``child-sexualisation`` rule opens an incident, which links the versions live at the onset.
3. **The response**, at the moments the story gives: withdraw everywhere (key art v1 with every
   variant and near-copy), the description rewritten (synopsis v2, screened and published once
   it passes), the key art replaced (key art v2, the same), the statement, the incident put under
   monitoring, the escalation once the posts turn to the film.
4. **Did it work**: each action's effect measured in matched 12-hour windows
   (:mod:`clearance.incidents.effect`), the theme shift of the incident, what screening saw and a
   draft policy change tried with the what-if (:mod:`clearance.incidents.learning`).
5. **Checks** — the alert came before the petition passed 100,000 signatures; the incident is
   tied to key art v1 and synopsis v1; every variant of the key art is withdrawn; every action's
   effect is measured; the theme shift is named — each a :class:`Step`; the command exits 1 if
   one fails. An HTML report with the charts is written beside the demo's reports.

Idempotent: run again on the same database, every step finds what the first run did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, select

from clearance.bank import lineage
from clearance.catalog.publication import latest_item, publish, was_withdrawn
from clearance.demo import replay_setup as setup
from clearance.demo import replay_stream as stream
from clearance.demo.art import draw_poster
from clearance.demo.case import TITLE_ID, _vendor_findings
from clearance.demo.replay_setup import REVISED_SYNOPSIS, Originals
from clearance.errors import ExpectationFailed
from clearance.incidents import actions as acts
from clearance.incidents import records
from clearance.incidents.learning import learn
from clearance.incidents.outcome import actions_of, measure_actions, theme_shift
from clearance.incidents.report import write_report
from clearance.incidents.views import incident_view, passed_at
from clearance.monitor import alerts as alert_rules
from clearance.monitor import signals
from clearance.monitor.alert_context import raise_alerts
from clearance.monitor.catalog_names import linker_from_catalog
from clearance.monitor.feeds import store_articles
from clearance.monitor.ingest import Pipeline
from clearance.monitor.petitions import DEBATE_THRESHOLD
from clearance.monitor.posts import Post
from clearance.monitor.scoring import Scorer
from clearance.monitor.store import store_batch, store_snapshots
from clearance.screening import Screener
from clearance.settings import Settings
from clearance.storage import LocalBlobStore, ready_engine, session_scope
from clearance.storage.db import as_utc
from clearance.storage.incident_models import Incident
from clearance.storage.models import AssetVersion
from clearance.storage.monitor_models import MonitorPetition

UTC = dt.UTC
STEP: Final = dt.timedelta(minutes=5)
RESPONDER: Final = "user:jo"
WITHDRAW_AT: Final = dt.datetime(2020, 8, 20, 10, 0, tzinfo=UTC)
REWRITE_AT: Final = dt.datetime(2020, 8, 20, 13, 0, tzinfo=UTC)
REPLACE_AT: Final = dt.datetime(2020, 8, 20, 16, 0, tzinfo=UTC)
STATEMENT_AT: Final = dt.datetime(2020, 8, 20, 19, 0, tzinfo=UTC)
MONITORING_AT: Final = dt.datetime(2020, 8, 21, 9, 0, tzinfo=UTC)
ESCALATE_AT: Final = dt.datetime(2020, 8, 23, 12, 0, tzinfo=UTC)
#: A replacement in review is decided this long after it was added, and goes live this long
#: after it was added (once screening passed it or reviewers approved it).
REVIEWED_AFTER: Final = dt.timedelta(minutes=15)
LIVE_AFTER: Final = dt.timedelta(minutes=30)
WITHDRAWAL_REASON: Final = ("inappropriate artwork, not representative of the film (the "
                            "August 2020 apology)")
STATEMENT: Final = ("We're deeply sorry for the inappropriate artwork that we used for "
                    "Mignonnes/Cuties. It was not OK, nor was it representative of this French "
                    "film which won an award at Sundance. We've now updated the pictures and "
                    "description.")
ESCALATION: Final = ("the criticism has moved from the poster to the film itself: the "
                     "decision on the film is content policy's, with legal")


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    ok: bool
    detail: str


@dataclass
class ReplayRun:
    incident: dict[str, Any] = field(default_factory=dict)
    alert_at: dt.datetime | None = None
    petition_100k_at: dt.datetime | None = None
    withdrawn: list[dict[str, Any]] = field(default_factory=list)
    theme_shift: dict[str, Any] | None = None
    learning: dict[str, Any] = field(default_factory=dict)
    report: Path | None = None
    steps: list[Step] = field(default_factory=list)

    @property
    def failures(self) -> list[Step]:
        return [s for s in self.steps if not s.ok]

    @property
    def lead_time(self) -> dt.timedelta | None:
        if self.alert_at is None or self.petition_100k_at is None:
            return None
        return self.petition_100k_at - self.alert_at

    def summary(self) -> dict[str, Any]:
        """The ``--format json`` object: exactly ``alert_at``, ``petition_100k_at``,
        ``incident``, ``withdrawn``, ``actions`` and ``theme_shift``."""
        lead = self.lead_time
        incident = {k: self.incident.get(k) for k in (
            "id", "name", "title_id", "state", "owner", "opened_from", "onset", "opened_at")}
        incident["versions"] = [v["ref"] for v in self.incident.get("versions", [])
                                if v.get("role") == "live"]
        incident["alert_lead_hours"] = round(lead.total_seconds() / 3600, 1) if lead else None
        incident["report"] = str(self.report) if self.report else None
        incident["checks"] = [{"step": s.name, "ok": s.ok, "detail": s.detail}
                              for s in self.steps]
        actions = [{"id": a["id"], "kind": a["kind"], "at": a["at"], "by": a["by"],
                    "summary": a["effect_summary"], "detail": a["detail"],
                    "effect": a["effect"]} for a in self.incident.get("actions", [])]
        return {"alert_at": self.alert_at.isoformat() if self.alert_at else None,
                "petition_100k_at": self.petition_100k_at.isoformat()
                if self.petition_100k_at else None,
                "incident": incident, "withdrawn": self.withdrawn, "actions": actions,
                "theme_shift": self.theme_shift}


def _buckets(posts: Iterator[Post]) -> Iterator[tuple[dt.datetime, list[Post]]]:
    """The posts grouped by five-minute bucket, every bucket from the start to the end."""
    at = stream.START
    pending = next(posts, None)
    while at < stream.END:
        batch = []
        while pending is not None and pending.created_at < at + STEP:
            batch.append(pending)
            pending = next(posts, None)
        yield at, batch
        at += STEP


class _Replay:
    """The replay's state while the stream runs."""

    def __init__(self, settings: Settings, engine: Engine, screener: Screener,
                 originals: Originals) -> None:
        self.settings, self.engine, self.screener = settings, engine, screener
        self.blobs = LocalBlobStore(settings.resolved_blob_dir)
        self.originals = originals
        self.rules = alert_rules.load_rules()
        self.incident_id: int | None = None
        self.done: set[str] = set()

    def find_incident(self) -> int | None:
        with session_scope(self.engine) as session:
            row = session.scalar(select(Incident.id).where(
                Incident.title_id == TITLE_ID, Incident.opened_from == "alert",
                Incident.opened_at >= stream.START, Incident.opened_at < stream.END)
                .order_by(Incident.id).limit(1))
            if row is not None:
                self.done |= {a.kind for a in actions_of(session, row)}
                incident = session.get_one(Incident, row)
                if incident.state in ("monitoring", "closed"):
                    self.done.add("monitoring")
            return row

    def schedule(self) -> list[tuple[dt.datetime, str, Callable[[dt.datetime], None]]]:
        return [(WITHDRAW_AT, "withdraw_everywhere", self.withdraw),
                (REWRITE_AT, "copy_rewritten", self.rewrite),
                (REPLACE_AT, "replace", self.replace),
                (STATEMENT_AT, "statement", self.statement),
                (MONITORING_AT, "monitoring", self.monitoring),
                (ESCALATE_AT, "escalation", self.escalate)]

    def withdraw(self, at: dt.datetime) -> None:
        assert self.incident_id is not None
        with session_scope(self.engine) as session:  # the responder takes the incident
            records.set_owner(session, records.get_incident(session, self.incident_id),
                              RESPONDER.removeprefix("user:"), by=RESPONDER, now=at)
        acts.withdraw_everywhere(self.engine, self.blobs, self.incident_id,
                                 str(self.originals.key_art), by=RESPONDER,
                                 reason=WITHDRAWAL_REASON, now=at)

    def _replacement(self, at: dt.datetime, version_id: int, content: bytes, content_type: str,
                     extra: tuple[Any, ...] = ()) -> None:
        assert self.incident_id is not None
        action = acts.replace(self.engine, self.blobs, self.screener, self.incident_id,
                              str(version_id), content, content_type=content_type, by=RESPONDER,
                              now=at, extra=extra)
        new_id = int(action.detail["replacement"]["version_id"])
        setup.clear_in_review(self.engine, new_id, at + REVIEWED_AFTER,
                              reason="the replacement answers the incident's complaint")
        with session_scope(self.engine) as session:
            item = latest_item(session, new_id)
            if item is not None and item.state in ("approved", "passed") \
                    and was_withdrawn(session, new_id) is None:
                publish(session, session.get_one(AssetVersion, new_id), by="user:casey",
                        now=at + LIVE_AFTER)

    def rewrite(self, at: dt.datetime) -> None:
        self._replacement(at, self.originals.synopsis, REVISED_SYNOPSIS.encode(),
                          "text/plain; charset=utf-8")

    def replace(self, at: dt.datetime) -> None:
        self._replacement(at, self.originals.key_art, draw_poster("replacement"), "image/png",
                          _vendor_findings("replacement"))

    def statement(self, at: dt.datetime) -> None:
        assert self.incident_id is not None
        with session_scope(self.engine) as session:
            acts.statement(session, self.incident_id, STATEMENT, channel="x (@netflix)",
                           by=RESPONDER, at=at)

    def monitoring(self, at: dt.datetime) -> None:
        assert self.incident_id is not None
        with session_scope(self.engine) as session:
            records.set_state(session, records.get_incident(session, self.incident_id),
                              "monitoring", by=RESPONDER, now=at,
                              reason="the poster and the description are replaced and the "
                                     "statement is out; watching whether the backlash fades")

    def escalate(self, at: dt.datetime) -> None:
        assert self.incident_id is not None
        with session_scope(self.engine) as session:
            acts.escalate(session, self.incident_id, to="content policy and legal",
                          reason=ESCALATION, by=RESPONDER, at=at)

    def run_stream(self, scorer: Scorer) -> None:
        """Feed the stream and run the rules at the close of every five-minute bucket that
        brought something until the incident is open, and at every hour; everything between
        two runs of the rules is stored in the transaction that runs them."""
        with session_scope(self.engine) as session:
            linker = linker_from_catalog(session, self.blobs)
        pipeline = Pipeline(self.engine, linker, scorer)
        snapshots = list(stream.petition())
        news = stream.news()
        posts = stream.posts(withdrawn=WITHDRAW_AT, rewritten=REWRITE_AT,
                             statement=STATEMENT_AT)
        self.incident_id = self.find_incident()
        pending = [s for s in self.schedule() if s[1] not in self.done]
        batch: list[Post] = []
        since = stream.START
        for at, bucket in _buckets(posts):
            end = at + STEP
            batch.extend(bucket)
            arrived = bool(bucket) or any(at <= s.at < end for s in snapshots)
            # before the incident: whenever something arrived (a spike needs posts) and on the
            # hour (the theme rules judge closed hours); after it: on the hour
            if end.minute != 0 and (self.incident_id is not None or not arrived):
                continue
            scored = pipeline.prepare(batch)
            with session_scope(self.engine) as session:
                store_batch(session, scored)
                store_snapshots(session, [s for s in snapshots if since <= s.at < end], linker)
                store_articles(session, [a for a in news if since <= a.published_at < end],
                               linker, scorer)
                raise_alerts(session, alert_rules.evaluate(session, self.rules, now=end),
                             at=end)
            batch, since = [], end
            if self.incident_id is None:
                self.incident_id = self.find_incident()
            while pending and pending[0][0] < end and self.incident_id is not None:
                when, _, do = pending.pop(0)
                do(when)


def _petition_100k(engine: Engine) -> dt.datetime | None:
    """When the replay's petition passed 100,000 (as the incident shows it)."""
    with session_scope(engine) as session:
        petition = session.scalar(select(MonitorPetition).where(
            MonitorPetition.petition_key == stream.PETITION_KEY))
        if petition is None:
            return None
        series = signals.petition_series(session, petition)
    return passed_at(series.times, series.counts, DEBATE_THRESHOLD)


def run_replay(settings: Settings, screener: Screener, report_dir: Path) -> ReplayRun:
    """Run the replay (see the module docstring); the checks are in ``run.steps``."""
    run = ReplayRun()
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    with ready_engine(settings.resolved_database_url) as engine:
        originals = setup.ensure_catalog(engine, blobs)
        screenings = setup.screen_originals(engine, blobs, screener, originals)
        setup.approve_and_publish(engine, screenings)
        replay = _Replay(settings, engine, screener, originals)
        replay.run_stream(Scorer())
        if replay.incident_id is None:
            run.steps.append(Step("incident opened", False, "no alert rule opened an incident"))
            return run
        with session_scope(engine) as session:
            incident = records.get_incident(session, replay.incident_id)
            measure_actions(session, incident, now=stream.END)
            run.theme_shift = theme_shift(session, incident, now=stream.END)
            run.learning = learn(session, incident, screener.policy)
            run.incident = incident_view(session, incident)
            found = lineage.lineage(session, session.get_one(AssetVersion, originals.key_art))
        run.petition_100k_at = _petition_100k(engine)
        _check(run, originals, found)
        run.report = write_report(engine, replay.incident_id, report_dir,
                                  learning=run.learning, shift=run.theme_shift,
                                  lead_time=run.lead_time)
    return run


def _check(run: ReplayRun, originals: Originals, found: lineage.Lineage) -> None:
    view = run.incident
    alerts = view.get("alerts", [])
    if alerts:
        run.alert_at = min(as_utc(dt.datetime.fromisoformat(a["raised_at"])) for a in alerts)
    steps = run.steps
    steps.append(Step("alert", run.alert_at is not None,
                      f"first alert at {run.alert_at:%Y-%m-%d %H:%M} UTC" if run.alert_at
                      else "no alert was raised"))
    lead = run.lead_time
    steps.append(Step("alert before the petition passed 100,000",
                      lead is not None and lead.total_seconds() > 0,
                      f"lead time {lead.total_seconds() / 3600:.1f} hours" if lead is not None
                      else "the petition never passed 100,000 or no alert"))
    live = {v["version_id"] for v in view.get("versions", []) if v["role"] == "live"}
    steps.append(Step("incident tied to key_art v1 and synopsis v1",
                      {originals.key_art, originals.synopsis} <= live,
                      ", ".join(v["ref"] for v in view.get("versions", [])
                                if v["role"] == "live") or "no version live at the onset"))
    variants = [found.version_id, *(r.version_id for r in found.related)]
    left = [r.label for r in found.related if not r.is_withdrawn]
    if not found.is_withdrawn:
        left.insert(0, found.label)
    missing = set(originals.variants) - set(variants)
    run.withdrawn = [{"version_id": found.version_id, "ref": found.label}] + [
        {"version_id": r.version_id, "ref": r.label, "relation": r.relation,
         "distance": r.distance} for r in found.related if r.is_withdrawn]
    steps.append(Step("every variant of the key art withdrawn", not left and not missing,
                      f"{len(variants)} withdrawn" if not left and not missing else
                      f"not withdrawn: {', '.join(left) or '-'}; not found as variants: "
                      f"{sorted(missing) or '-'}"))
    actions = view.get("actions", [])
    kinds = {a["kind"] for a in actions}
    unmeasured = [a["kind"] for a in actions
                  if not a["effect"] or a["effect"].get("status") not in ("measured", "partial")]
    want = {"withdraw_everywhere", "copy_rewritten", "replace", "statement", "escalation"}
    steps.append(Step("every action done and its effect measured",
                      want <= kinds and not unmeasured,
                      f"{len(actions)} actions" + (f"; not measured: {unmeasured}"
                                                   if unmeasured else "")
                      + (f"; missing: {sorted(want - kinds)}" if want - kinds else "")))
    shift: dict[str, Any] | None = (run.theme_shift or {}).get("shift")
    steps.append(Step("theme shift named",
                      shift is not None and (shift["from"], shift["to"]) == ("poster", "film"),
                      str(shift["summary"]) if shift is not None else "no shift found"))


def check(run: ReplayRun) -> None:
    if run.failures:
        raise ExpectationFailed("the replay did not happen as the case did: " + "; ".join(
            f"{s.name} ({s.detail})" for s in run.failures))
