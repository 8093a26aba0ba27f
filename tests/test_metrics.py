"""The review metrics on SQLite and PostgreSQL (``clearance.review.metrics``, ``/metrics``,
``GET /api/metrics``): throughput, time to decision, queue age against the service-level
targets, reviewer agreement (second reviews that differ) and overrides, from a constructed
history whose numbers are known."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from api_world import World as ApiWorld
from api_world import world as api_world
from clearance.errors import Forbidden
from clearance.review import metrics
from clearance.review.audit import verify
from clearance.service.app import create_app
from clearance.storage import session_scope
from clearance.storage.review_models import Review, ReviewItem
from test_queue import BLOCK, MINOR, SUGGESTIVE, T0, World
from test_ui_queue import login
from ui_world import UIWorld, build

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NOW = T0 + dt.timedelta(minutes=1)


def _created(world: World, item_id: int, hours_before_t0: float) -> None:
    with session_scope(world.engine) as s:
        s.execute(update(ReviewItem).where(ReviewItem.id == item_id).values(
            created_at=T0 - dt.timedelta(hours=hours_before_t0)))


@pytest.fixture
def history(engine: Engine) -> Iterator[tuple[World, dict[str, int]]]:
    world = World(engine)
    ids = {
        "a": world.submit(SUGGESTIVE, kind="still"),
        "b": world.submit(BLOCK, kind="thumbnail"),
        "c": world.submit(MINOR, kind="key_art"),
        "d": world.submit(SUGGESTIVE, kind="synopsis"),
        "e": world.submit(SUGGESTIVE, kind="tagline"),
        "f": world.submit(MINOR, kind="title_text"),
    }
    for key, hours in {"a": 2, "b": 10, "c": 5, "d": 30, "e": 19, "f": 1}.items():
        _created(world, ids[key], hours)
    world.review(world.alice, ids["a"], "reject")
    world.review(world.sen, ids["b"], "approve", reason="a costume, not skin")
    world.review(world.alice, ids["c"], "reject")
    world.review(world.sen, ids["c"], "approve", reason="an adult")  # differs: no decision
    world.review(world.bob, ids["c"], "reject")
    world.review(world.sen2, ids["c"], "reject")  # concurs: rejected
    world.review(world.alice, ids["f"], "reject")  # awaits a senior
    yield world, ids
    with Session(engine) as s:
        assert verify(s).ok


def test_metrics_of_a_known_history(history: tuple[World, dict[str, int]]) -> None:
    world, ids = history
    with Session(world.engine) as s:
        m = metrics.compute(s, world.sen, days=7, now=NOW)
    assert m.decisions == 3
    assert m.by_outcome == {"approved": 1, "rejected": 2}
    assert m.reviews == 7
    assert [d.decisions for d in m.per_day if d.decisions] == [3]
    assert m.per_day[-1].day == NOW.date().isoformat() and len(m.per_day) == 8
    assert m.time_to_decision.count == 3
    assert m.time_to_decision.median_hours == pytest.approx(5, abs=0.01)
    assert m.time_to_decision.mean_hours == pytest.approx(17 / 3, abs=0.01)
    assert m.time_to_decision.p90_hours == pytest.approx(10, abs=0.01)
    assert set(m.time_by_screening) == {"block", "review"}
    assert m.time_by_screening["review"].count == 1
    # queue now: d (31 min past 30 h: overdue), e (due soon), f (awaiting a senior)
    q = m.queue
    assert (q.open, q.claimed, q.awaiting_senior, q.overdue, q.due_soon) == (3, 0, 1, 1, 1)
    assert q.oldest_hours == pytest.approx(30 + 1 / 60, abs=0.01)
    assert dict(q.buckets) == {"under 1 h": 0, "1–4 h": 1, "4–24 h": 1, "1–3 d": 1,
                               "over 3 d": 0}
    # agreement: c's two rounds closed, the first with a second review that differed
    a = m.agreement
    assert (a.rounds, a.agreed, a.differed, a.agreement_rate) == (2, 1, 1, 0.5)
    assert [(o.item_id, o.reviewers, o.reasons) for o in m.overrides] == [
        (ids["b"], ["sen"], ["a costume, not skin"])]
    people = {r.username: (r.reviews, r.first_reviews, r.second_reviews,
                           r.differed_as_second, r.overrides) for r in m.reviewers}
    assert people == {"alice": (3, 2, 0, 0, 0), "sen": (2, 0, 1, 1, 1),
                      "bob": (1, 1, 0, 0, 0), "sen2": (1, 0, 1, 0, 0)}
    # a window that ends before the decisions sees none of them, but the queue as it is now
    with Session(world.engine) as s:
        old = metrics.compute(s, world.admin, days=1, now=T0 + dt.timedelta(days=3))
    assert old.decisions == 0 and old.reviews == 0 and old.agreement.rounds == 0
    assert old.queue.open == 3 and old.queue.overdue == 3
    with Session(world.engine) as s, pytest.raises(Forbidden):
        metrics.compute(s, world.alice, now=NOW)


@pytest.fixture
def ui(tmp_path: Path, database_url: str) -> Iterator[tuple[UIWorld, TestClient]]:
    w = build(tmp_path / "world", database_url=database_url)
    with TestClient(create_app(w.settings, engine=w.engine, webhook_worker=False)) as c:
        yield w, c
    w.engine.dispose()


def test_metrics_page_for_seniors(ui: tuple[UIWorld, TestClient]) -> None:
    world, client = ui
    token = login(client, "rev")
    assert client.get("/metrics").status_code == 403
    client.post(f"/items/{world.text_item}/claim", data={"csrf": token})
    client.post(f"/items/{world.text_item}/decision", data={
        "csrf": token, "outcome": "reject"})
    login(client, "senior")
    page = client.get("/metrics", params={"days": 30})
    assert page.status_code == 200
    assert 'href="/metrics"' in page.text  # the navigation offers it
    cards = re.search(r'id="m-queue">.*?class="big">(\d+)<', page.text, flags=re.S)
    assert cards is not None and cards.group(1) in ("1", "2")
    assert re.search(r'<td>rev</td><td class="num">1</td>', page.text)
    assert client.get("/metrics", params={"days": "0"}).status_code == 422
    assert client.get("/metrics", params={"days": "inf"}).status_code == 422


@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[ApiWorld]:
    with api_world(tmp_path, database_url) as built:
        yield built


def test_api_metrics(w: ApiWorld) -> None:
    w.queued_item()
    r = w.call("GET", "/api/metrics", "sam", params={"days": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["days"] == 2 and body["queue"]["open"] == 1 and body["decisions"] == 0
    assert body["agreement"] == {"rounds": 0, "agreed": 0, "differed": 0,
                                 "agreement_rate": None}
    assert body["queue"]["buckets"][0][0] == "under 1 h"
    assert w.call("GET", "/api/metrics", "rita").status_code == 403
    assert w.call("GET", "/api/metrics", "sam", params={"days": 0}).status_code == 422


def test_metrics_count_reason_codes_per_outcome(engine: Engine) -> None:
    world = World(engine)
    ids = [world.submit(SUGGESTIVE, channel=f"c{n}") for n in range(6)]
    two = world.submit(MINOR, channel="minor")
    blocked = world.submit(BLOCK, channel="blocked")
    world.review(world.alice, ids[0], "reject", reason_code="rating-mismatch")
    world.review(world.bob, ids[1], "reject")  # no code
    world.review(world.alice, ids[2], "request_changes", comment="Crop it.",
                 reason_code="crop-or-replace")
    world.review(world.bob, ids[3], "reject", reason_code="rating-mismatch")
    # both reviews of a two-person round count, each with its own code
    world.review(world.alice, two, "reject", reason_code="minor-sexualised")
    world.review(world.sen2, two, "reject", reason_code="minor-sexualised")
    world.review(world.sen, blocked, "approve", reason="a costume",
                 reason_code="acceptable-in-context")
    # a review before the window is not counted
    old = T0 - dt.timedelta(days=10)
    world.claim(world.alice, ids[4], now=old)
    world.decide(world.alice, ids[4], "reject", now=old, reason_code="explicit")
    # a code no longer preset keeps its name
    world.review(world.bob, ids[5], "reject", reason_code="rating-mismatch")
    with session_scope(engine) as s:
        s.execute(update(Review).where(Review.item_id == ids[5]).values(reason_code="retired"))
    with Session(engine) as s:
        m = metrics.compute(s, world.sen, days=7, now=NOW)
    got = [(r.outcome, r.code, r.reviews) for r in m.reason_codes]
    assert got == [
        ("approve", "acceptable-in-context", 1), ("approve", "adult-cast", 0),
        ("approve", "detector-error", 0), ("approve", None, 0),
        ("reject", "minor-sexualised", 2), ("reject", "rating-mismatch", 2),
        ("reject", "explicit", 0), ("reject", "withdrawn-material", 0),
        ("reject", "retired", 1), ("reject", None, 1),
        ("request_changes", "crop-or-replace", 1), ("request_changes", "rewrite-copy", 0),
        ("request_changes", "age-evidence", 0), ("request_changes", None, 0)]
    labels = {(r.outcome, r.code): r.label for r in m.reason_codes}
    assert labels[("reject", "rating-mismatch")] == (
        "Not suitable for the title's rating or audience")
    assert labels[("reject", "retired")] == "retired"
    assert labels[("reject", None)] == "no reason code"
    assert sum(r.reviews for r in m.reason_codes) == m.reviews == 8
    # a window of 30 days reaches the old review; one that starts after them all sees none
    with Session(engine) as s:
        month = metrics.compute(s, world.sen, days=30, now=NOW)
        later = metrics.compute(s, world.sen, days=1, now=T0 + dt.timedelta(days=3))
    assert [(r.code, r.reviews) for r in month.reason_codes if r.outcome == "reject"][:3] == [
        ("minor-sexualised", 2), ("rating-mismatch", 2), ("explicit", 1)]
    # every preset code and "none" per outcome, none used; the retired code is not listed
    assert len(later.reason_codes) == len(m.reason_codes) - 1
    assert not any(r.reviews for r in later.reason_codes)


def test_metrics_page_and_api_show_reason_codes(ui: tuple[UIWorld, TestClient]) -> None:
    world, client = ui
    token = login(client, "rev")
    client.post(f"/items/{world.text_item}/claim", data={"csrf": token})
    resp = client.post(f"/items/{world.text_item}/decision", data={
        "csrf": token, "outcome": "reject", "reason_code": "rating-mismatch"},
        follow_redirects=False)
    assert resp.status_code == 303
    login(client, "senior")
    page = client.get("/metrics", params={"days": 30}).text
    table = page[page.index('id="reason-codes"'):]
    table = table[:table.index("</table>")]
    row = re.search(r'<tr data-outcome="reject" data-code="rating-mismatch">(.*?)</tr>', table,
                    flags=re.S)
    assert row is not None and "Not suitable for the title&#39;s rating or audience" in row[1]
    assert '<td class="num">1</td>' in row[1]
    none = re.search(r'<tr data-outcome="reject" data-code="">(.*?)</tr>', table, flags=re.S)
    assert none is not None and '<td class="num">0</td>' in none[1]
    api = client.get("/api/metrics", params={"days": 30})
    assert api.status_code == 200, api.text
    assert {"outcome": "reject", "code": "rating-mismatch",
            "label": "Not suitable for the title's rating or audience",
            "reviews": 1} in api.json()["reason_codes"]
