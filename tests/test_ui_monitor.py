"""The monitor in the review service (TestClient, a real SQLite database): the pages (titles,
a title's SVG timelines, an alert with its live versions) and the API routes, reviewers and
above only; deletion requests through the API are for admins."""

from __future__ import annotations

import datetime as dt
import random
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from clearance.catalog.publication import publish
from clearance.findings import Fact, Finding
from clearance.monitor import alerts
from clearance.monitor.alert_context import raise_alerts
from clearance.monitor.catalog_names import linker_from_catalog
from clearance.monitor.ingest import Pipeline, ingest_file
from clearance.policy.engine import Decision
from clearance.review import queue
from clearance.screening import ScreenResult
from clearance.service.app import create_app
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Asset, AssetVersion, TitleName
from ui_world import UIWorld, build, clone

with warnings.catch_warnings():  # starlette warns that it prefers httpx2 (not installed)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from monitor_world import x_line
from test_ui import login

T0 = dt.datetime(2020, 8, 20, 12, 0, tzinfo=dt.UTC)
ANGRY = ["The Lighthouse film poster sexualises a child, disgusting",
         "Boycott The Lighthouse film, sign the petition", "@LighthouseFilm this poster is vile",
         "The Lighthouse film is rated PG? not for kids"]


def add_monitor_data(engine: Engine, blobs: LocalBlobStore, folder: Path) -> int:
    """A live key art (screening pass) of t-light since four days before T0, two quiet days of
    posts and an hour of backlash from T0, alerts raised; returns the live version's id."""
    with session_scope(engine) as s:
        s.add(TitleName(title_id="t-light", kind="handle", locale="", text="@LighthouseFilm"))
        art = Asset(title_id="t-light", kind="key_art", locale="und", channel="social")
        s.add(art)
        s.flush()
        version = AssetVersion(asset_id=art.id, content_sha256="b" * 64,
                               content_type="image/png", size_bytes=1, created_by="test")
        s.add(version)
        s.flush()
        finding = Finding("rating.mature", 1.0, Fact("rating", "PG"), "rating", "1")
        queue.submit_result(s, None, version, ScreenResult(
            "x", "image", Decision("pass", "default@1"), (finding,)),  # type: ignore[arg-type]
            team_id=None)
        publish(s, version, by="user:mo", now=T0 - dt.timedelta(days=4))
        version_id = version.id
        linker = linker_from_catalog(s, blobs)
    rng = random.Random(3)
    lines, n, at = [], 0, T0 - dt.timedelta(days=2)
    while at < T0 + dt.timedelta(hours=1):
        for _ in range(30 if at >= T0 else rng.choice((0, 1, 2))):
            n += 1
            text = ANGRY[n % 4] if at >= T0 else "Watching The Lighthouse film tonight"
            lines.append(x_line(str(n), f"{text} {n}", at + dt.timedelta(seconds=n % 300),
                                followers=n))
        at += dt.timedelta(minutes=5)
    path = folder / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from clearance.monitor.scoring import Scorer

    ingest_file(Pipeline(engine, linker, Scorer()), path, batch=5000)
    with session_scope(engine) as s:
        raise_alerts(s, alerts.evaluate(s, alerts.load_rules()))
    return version_id


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[UIWorld, int]]:
    folder = tmp_path_factory.mktemp("ui-monitor-template")
    w = build(folder)
    version_id = add_monitor_data(w.engine, LocalBlobStore(w.settings.resolved_blob_dir), folder)
    yield w, version_id
    w.engine.dispose()


@pytest.fixture
def client(template: tuple[UIWorld, int], tmp_path: Path) -> Iterator[TestClient]:
    w = clone(template[0], tmp_path)
    with TestClient(create_app(w.settings, engine=w.engine, webhook_worker=False)) as c:
        yield c
    w.engine.dispose()


def test_the_monitor_pages_are_for_reviewers(client: TestClient,
                                             template: tuple[UIWorld, int]) -> None:
    login(client, "sub")
    assert client.get("/monitor").status_code == 403
    assert client.get("/api/monitor/alerts").status_code == 403
    login(client, "rev")
    page = client.get("/monitor")
    assert page.status_code == 200
    assert 'href="/monitor/titles/t-light"' in page.text and "volume-spike" in page.text
    title = client.get("/monitor/titles/t-light?days=3")
    assert title.status_code == 200
    assert title.text.count("<svg") == 3 and "alert-mark" in title.text
    assert "<script src=\"http" not in title.text and "cdn" not in title.text.lower()
    assert "key_art v1" in title.text
    assert client.get("/monitor/titles/nope").status_code == 404


def test_an_empty_monitor_says_how_posts_come_in(tmp_path: Path) -> None:
    w = build(tmp_path)  # no posts at all
    with TestClient(create_app(w.settings, engine=w.engine, webhook_worker=False)) as c:
        login(c, "rev")
        page = c.get("/monitor")
    w.engine.dispose()
    assert page.status_code == 200
    empty = page.text.split('id="monitor-empty"')[1].split("</td>")[0]
    for hint in ("clearance monitor ingest", "clearance monitor consume",
                 "clearance demo --replay", "docs/monitor.md"):
        assert hint in empty, hint


def test_an_alert_page_shows_live_versions_and_top_posts(client: TestClient,
                                                         template: tuple[UIWorld, int]) -> None:
    login(client, "rev")
    listed = client.get("/api/monitor/alerts?title_id=t-light").json()["alerts"]
    spike = next(a for a in listed if a["rule"] == "volume-spike")
    assert spike["live_versions"][0]["version_id"] == template[1]
    assert spike["live_versions"][0]["decision"] == "pass"
    page = client.get(f"/monitor/alerts/{spike['id']}")
    assert page.status_code == 200
    assert "key_art" in page.text and "pass" in page.text and "rating.mature" in page.text
    assert spike["top_posts"][0]["text"] in page.text.replace("&#39;", "'")
    one = client.get(f"/api/monitor/alerts/{spike['id']}").json()
    assert one["id"] == spike["id"] and len(one["top_posts"]) == 5
    assert client.get("/api/monitor/alerts/999999").status_code == 404


def test_the_api_gives_titles_and_signals(client: TestClient) -> None:
    login(client, "rev")
    titles = client.get("/api/monitor/titles?days=3").json()
    assert titles["titles"][0]["title_id"] == "t-light" and titles["titles"][0]["alerts"] >= 1
    signals = client.get("/api/monitor/titles/t-light/signals?step=5m&days=0.5").json()
    assert signals["step"] == 300 and len(signals["starts"]) == len(signals["values"]["volume"])
    assert max(signals["values"]["volume"]) >= 25
    assert client.get("/api/monitor/titles/nope/signals").status_code == 404


def test_deletion_requests_through_the_api_are_for_admins(client: TestClient) -> None:
    csrf = login(client, "rev")
    body = {"post_keys": ["x:5"]}
    assert client.post("/api/monitor/forget", json=body,
                       headers={"X-CSRF-Token": csrf}).status_code == 403
    csrf = login(client, "admin")
    done = client.post("/api/monitor/forget", json=body, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200, done.text
    assert done.json()["forgotten"][0] == {"post_key": "x:5", "was_stored": True,
                                           "text_removed": True,
                                           "webhook_messages_scrubbed": 0}
