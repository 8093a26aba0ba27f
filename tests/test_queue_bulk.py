"""Bulk decisions on SQLite and PostgreSQL: one outcome for several items, each claimed and decided
under the usual rules (skipped with the reason when refused), and the two-person rule kept — a
bulk decision gives a two-person item its first review at most, never the completing second."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api_world import World as ApiWorld
from api_world import constructed_result
from api_world import world as api_world
from clearance.errors import InputError, ReviewConflict
from clearance.review import queue
from clearance.review.audit import verify
from clearance.storage import session_scope
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.review_models import AuditEvent, Review
from test_queue import BLOCK, LEASE, MINOR, SUGGESTIVE, T0, World


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    yield World(engine)
    with Session(engine) as s:
        assert verify(s).ok


def bulk(world: World, actor: object, ids: list[int], outcome: str,
         **kw: str) -> dict[int, tuple[str, str | None, str]]:
    with session_scope(world.engine) as s:
        out = queue.bulk_decide(s, actor, ids, outcome, lease_seconds=LEASE,  # type: ignore[arg-type]
                                now=T0, **kw)
    return {r.item_id: (r.result, r.state, r.detail) for r in out}


def test_bulk_decides_each_item_under_the_usual_rules(world: World) -> None:
    plain = [world.submit(SUGGESTIVE, kind=k) for k in ("key_art", "still", "thumbnail")]
    blocked = world.submit(BLOCK, kind="synopsis")
    held = world.submit(SUGGESTIVE, kind="tagline")
    world.claim(world.bob, held)
    own = world.submit(SUGGESTIVE, kind="title_text", actor=world.alice)
    got = bulk(world, world.alice, [*plain, blocked, held, own, plain[0], 999_999], "approve",
               reason="fine for all audiences")
    assert [got[i][:2] for i in plain] == [("decided", "approved")] * 3
    assert got[blocked][0] == "skipped" and "needs a senior" in got[blocked][2]
    assert got[held][0] == "skipped" and "claimed by bob" in got[held][2]
    assert got[own][0] == "skipped" and "your own submission" in got[own][2]
    assert got[999_999] == ("skipped", None, "no review item 999999")
    assert len(got) == 7  # the repeated id counts once
    # nothing of a skipped item changed: no claim left behind, no review
    assert world.item(blocked).state == "queued" and world.item(blocked).claimed_by is None
    assert world.item(held).claimed_by == world.bob.user_id
    # the senior's override needs the written reason, in bulk as one by one
    assert bulk(world, world.sen, [blocked], "approve")[blocked][0] == "skipped"
    assert bulk(world, world.sen, [blocked], "approve",
                reason="a costume, not skin")[blocked][:2] == ("decided", "approved")
    kinds = [e[0] for e in world.events(plain[1])]
    assert kinds[-3:] == ["claim", "review", "decision"]
    summary = [e for e in world.events() if e[0] == "queue.bulk"]
    assert summary[0][1] == "user:alice" and summary[0][2]["decided"] == plain
    assert summary[0][2]["skipped"] == [blocked, held, own, 999_999]


def test_bulk_never_completes_an_item_that_needs_two_people(world: World) -> None:
    minor = world.submit(MINOR)
    other = world.submit(MINOR, kind="still")
    assert world.item(minor).needs_two
    # a first review in bulk: recorded, not final; the item awaits a senior
    got = bulk(world, world.alice, [minor], "reject")
    assert got[minor] == ("first_review", "queued", "")
    assert queue.awaiting_senior(world.item(minor))
    # the senior's bulk decision would be the second review: skipped, nothing recorded
    got = bulk(world, world.sen, [minor, other], "reject")
    assert got[minor][0] == "skipped" and "second review" in got[minor][2]
    assert got[other] == ("first_review", "queued", "")  # a fresh round: first review only
    item = world.item(minor)
    assert item.state == "queued" and item.decided_at is None and len(item.reviews) == 1
    # even a senior holding the claim cannot complete it in bulk (checked under the lock)
    world.claim(world.sen, minor)
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="second review"):
        queue.decide(s, world.sen, minor, "reject", now=T0, second_review_allowed=False)
    # on its own page the senior's concurring review completes it
    assert world.decide(world.sen, minor, "reject").state == "rejected"


def test_a_first_review_landing_meanwhile_is_not_completed_in_bulk(world: World) -> None:
    """The listing showed the item without a review; by the time of the bulk decision alice
    gave it its first review. The senior's bulk decision must not become the second review."""
    minor = world.submit(MINOR)
    world.review(world.alice, minor, "reject")
    with session_scope(world.engine) as s:
        got = queue.bulk_decide(s, world.sen, [minor], "reject", lease_seconds=LEASE, now=T0)
    assert got[0].result == "skipped"
    with Session(world.engine) as s:
        assert len(s.scalars(select(Review).where(Review.item_id == minor)).all()) == 1


@pytest.mark.parametrize(("ids", "outcome", "kw", "match"), [
    ([], "reject", {}, "at least one"),
    (list(range(1, 102)), "reject", {}, "at most 100"),
    ([1], "shrug", {}, "unknown outcome"),
    ([1], "request_changes", {"comment": " \u200b "}, "needs a comment"),
])
def test_bulk_refuses_bad_input_before_anything_changes(
        world: World, ids: list[int], outcome: str, kw: dict[str, str], match: str) -> None:
    world.submit(SUGGESTIVE)
    with session_scope(world.engine) as s, pytest.raises(InputError, match=match):
        queue.bulk_decide(s, world.alice, ids, outcome, lease_seconds=LEASE, now=T0, **kw)
    assert world.item(1).state == "queued"


# -- the API -------------------------------------------------------------------------------

def _seed_items(w: ApiWorld, n: int, *, minor: bool = False) -> list[int]:
    label = "minor.apparent" if minor else "suggestive.text"
    data = {"decision": "review", "policy": "default@test",
            "findings": [{"label": label, "score": 0.7, "detector": "constructed",
                          "detector_version": "1",
                          "evidence": {"kind": "fact", "name": label, "value": "x"}}],
            "rules": [{"rule": "constructed", "outcome": "review", "description": "made",
                       "findings": [{"source": "this", "label": label, "score": 0.7,
                                     "detector": "constructed", "detector_version": "1",
                                     "evidence": {"kind": "fact", "name": label,
                                                  "value": "x"}}]}]}
    ids = []
    with session_scope(w.engine) as s:
        for i in range(n):
            asset = Asset(title_id="t1", kind="still", locale="en",
                          channel=f"c{'m' if minor else 'p'}{i}")
            s.add(asset)
            s.flush()
            version = AssetVersion(asset_id=asset.id, content_sha256=f"{i:064x}",
                                   content_type="image/png", size_bytes=1, created_by="alice")
            s.add(version)
            s.flush()
            item, _ = queue.submit_result(s, None, version, constructed_result(data),
                                          team_id="studio")
            ids.append(item.id)
    return ids


@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[ApiWorld]:
    with api_world(tmp_path, database_url) as built:
        yield built


def test_api_bulk_decision(w: ApiWorld) -> None:
    plain = _seed_items(w, 2)
    minor = _seed_items(w, 1, minor=True)[0]
    r = w.call("POST", "/api/queue/bulk-decision", "rita",
               json={"item_ids": [*plain, minor], "outcome": "reject", "reason": "off-brief"})
    assert r.status_code == 200, r.text
    results = {x["item_id"]: x for x in r.json()["results"]}
    assert [results[i]["result"] for i in plain] == ["decided", "decided"]
    assert results[plain[0]]["state"] == "rejected"
    assert results[minor]["result"] == "first_review" and results[minor]["state"] == "queued"
    again = w.call("POST", "/api/queue/bulk-decision", "sam",
                   json={"item_ids": [minor], "outcome": "reject"}).json()["results"][0]
    assert again["result"] == "skipped" and "second review" in again["detail"]
    assert w.call("POST", "/api/queue/bulk-decision", "alice",
                  json={"item_ids": plain, "outcome": "reject"}).status_code == 403
    for body in ({"item_ids": [], "outcome": "reject"},
                 {"item_ids": ["1"], "outcome": "reject"},
                 {"item_ids": [1], "outcome": "reject", "extra": 1},
                 {"item_ids": [1], "outcome": "request_changes"}):
        assert w.call("POST", "/api/queue/bulk-decision", "rita",
                      json=body).status_code == 422, body
    with Session(w.engine) as s:
        assert verify(s).ok
        bulk_events = s.scalars(select(AuditEvent).where(AuditEvent.type == "queue.bulk")).all()
        assert [e.actor.split("/")[0] for e in bulk_events] == ["token:rita", "token:sam"]

