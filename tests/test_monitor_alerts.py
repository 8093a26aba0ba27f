"""Alerts: a backlash after three quiet days raises volume, negativity and theme alerts once each,
with its window, top posts, themes, languages and the title's live versions with their screening
decisions; petitions raise velocity and forecast alerts; an 'alert' webhook is written in the same
transaction, and a deletion request scrubs it; the report draws it without fetching anything."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from clearance.catalog.publication import publish
from clearance.findings import Fact, Finding
from clearance.monitor import alerts, retention
from clearance.monitor.alert_context import alert_view, raise_alerts
from clearance.monitor.catalog_names import linker_from_catalog
from clearance.monitor.dashboard import overview_charts, title_overview
from clearance.monitor.ingest import Pipeline, ingest_file
from clearance.monitor.petitions import Snapshot
from clearance.monitor.report import render_html
from clearance.monitor.scoring import Scorer
from clearance.monitor.store import store_snapshots
from clearance.policy.engine import Decision
from clearance.review import queue, webhooks
from clearance.screening import ScreenResult
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.monitor_models import MonitorAlert
from clearance.storage.review_models import WebhookDelivery
from monitor_world import BACKLASH, load_catalog, x_line

T0 = dt.datetime(2020, 8, 20, 12, 0, tzinfo=dt.UTC)   # the backlash begins
QUIET = ["Watching Cuties on Netflix tonight", "Anyone seen the film Cuties yet?",
         "Cuties trailer is out on Netflix", "Adding Cuties to my Netflix list"]


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


@pytest.fixture
def world(engine: Engine, blobs: LocalBlobStore, tmp_path: Path,
          scorer: Scorer) -> Iterator[tuple[Pipeline, int]]:
    """The catalog, a key art version live since four days before the backlash (screening:
    pass), three quiet days of posts and an hour of backlash from T0."""
    load_catalog(engine, blobs, tmp_path)
    with session_scope(engine) as s:
        art = Asset(title_id="s2032", kind="key_art", locale="und", channel="web")
        s.add(art)
        s.flush()
        version = AssetVersion(asset_id=art.id, content_sha256="a" * 64,
                               content_type="image/png", size_bytes=1, created_by="test")
        s.add(version)
        s.flush()
        finding = Finding("rating.mature", 1.0, Fact("rating", "TV-MA"), "rating", "1")
        queue.submit_result(s, None, version, ScreenResult(
            "x", "image", Decision("pass", "default@1"), (finding,)),  # type: ignore[arg-type]
            team_id=None)
        publish(s, version, by="user:mo", now=T0 - dt.timedelta(days=4))
        version_id = version.id
        linker = linker_from_catalog(s, blobs, service_names=("Netflix",))
    rng = random.Random(7)
    lines, n = [], 0
    at = T0 - dt.timedelta(days=3)
    while at < T0 + dt.timedelta(hours=1):
        burst = at >= T0
        for _ in range(40 if burst else rng.choice((0, 1, 1, 2, 2, 3))):
            n += 1
            text = (BACKLASH if burst else QUIET)[n % 5 if burst else n % 4]
            stamp = at + dt.timedelta(seconds=rng.randrange(300))
            lines.append(x_line(str(n), f"{text} ({n})", stamp, followers=n % 97,
                                lang="fr" if burst and n % 10 == 0 else "en"))
        at += dt.timedelta(minutes=5)
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pipeline = Pipeline(engine, linker, scorer)
    ingest_file(pipeline, path, batch=5000)
    yield pipeline, version_id


def _raise(engine: Engine) -> list[MonitorAlert]:
    with session_scope(engine) as s:
        fired = alerts.evaluate(s, alerts.load_rules())
        return raise_alerts(s, fired)


def test_a_backlash_raises_each_alert_once_with_what_it_is_about(
        world: tuple[Pipeline, int]) -> None:
    pipeline, version_id = world
    with session_scope(pipeline.engine) as s:
        webhooks.subscribe(s, "test", "https://hooks.example.com/in", events=("alert",))
    raised = _raise(pipeline.engine)
    by_rule = {a.rule: a for a in raised}
    assert {"volume-spike", "negative-spike", "child-sexualisation"} <= set(by_rule)
    spike = by_rule["volume-spike"]
    onset = spike.onset if spike.onset.tzinfo else spike.onset.replace(tzinfo=dt.UTC)
    assert T0 - dt.timedelta(minutes=10) <= onset <= T0 + dt.timedelta(minutes=15)
    with session_scope(pipeline.engine) as s:
        view = alert_view(s, s.get_one(MonitorAlert, spike.id))
    assert view["live_versions"] == [{
        "version_id": version_id, "asset_id": view["live_versions"][0]["asset_id"],
        "kind": "key_art", "locale": "und", "channel": "web", "number": 1,
        "live_from": (T0 - dt.timedelta(days=4)).isoformat(), "published_by": "user:mo",
        "decision": "pass", "policy": "default@1", "labels": ["rating.mature"],
        "review_state": "passed"}]
    assert len(view["top_posts"]) == 5
    reach = [p["reach"] for p in view["top_posts"]]
    assert reach == sorted(reach, reverse=True) and all(p["text"] for p in view["top_posts"])
    assert view["themes"]["child_sexualisation"] > 0.2
    assert set(view["languages"]) == {"en", "fr"}
    # the same firings are not raised twice
    assert _raise(pipeline.engine) == []
    # one signed 'alert' message per alert, written with it; a deletion request scrubs it
    with session_scope(pipeline.engine) as s:
        deliveries = s.scalars(select(WebhookDelivery).where(
            WebhookDelivery.event_type == "alert")).all()
        assert len(deliveries) == len(raised)
        body = json.loads(next(d.payload for d in deliveries
                               if json.loads(d.payload)["data"]["id"] == spike.id))
        key = body["data"]["top_posts"][0]["key"]
        done = retention.forget(s, key, by="test")
    assert done.deliveries_scrubbed >= 1
    with session_scope(pipeline.engine) as s:
        payloads = [d.payload for d in s.scalars(select(WebhookDelivery))]
        view = alert_view(s, s.get_one(MonitorAlert, spike.id))
    assert all(key not in p or "[deleted]" in p for p in payloads)
    assert view["top_posts"][0]["text"] == "[deleted]"


def test_petition_velocity_and_forecast_alerts(world: tuple[Pipeline, int]) -> None:
    pipeline, _ = world
    snaps = [Snapshot("https://petition.example.org/remove-cuties",
                      "Remove the Cuties film from Netflix", T0 + dt.timedelta(hours=h),
                      5_000 + 4_000 * h) for h in range(0, 13)]
    with session_scope(pipeline.engine) as s:
        assert store_snapshots(s, snaps, pipeline.linker) == 13
        assert store_snapshots(s, snaps, pipeline.linker) == 0      # idempotent
    with session_scope(pipeline.engine) as s:
        fired = alerts.evaluate(s, alerts.load_rules(), now=T0 + dt.timedelta(hours=12),
                                titles=["s2032"])
    kinds = {f.rule.name: f for f in fired}
    assert kinds["petition-velocity"].value == pytest.approx(4_000)
    forecast = kinds["petition-forecast"]
    assert "projected to pass 100,000 by 2020-08-21" in forecast.detail   # 53,000 + 4,000/h


def test_dashboard_charts_and_report_fetch_nothing(world: tuple[Pipeline, int]) -> None:
    pipeline, _ = world
    _raise(pipeline.engine)
    with session_scope(pipeline.engine) as s:
        view = title_overview(s, "s2032", days=4)
        charts = overview_charts(view)
        page = render_html(s, view)
    assert view.totals()["volume"] > 1500
    assert len(charts) == 3 and all(c.startswith("<svg") for c in charts)
    assert "alert-mark" in charts[0]
    assert "<script" not in page and 'src="http' not in page and "href=\"http" not in page
    assert "Cuties" in page and "key_art" in page
