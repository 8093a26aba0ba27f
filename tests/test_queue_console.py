"""Routing, assignment, escalation, saved filters and reason codes, on SQLite and PostgreSQL: the
rules in ``clearance.review`` and their API (``/api/queue/...``, ``/api/items/{id}/...``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api_world import World as ApiWorld
from api_world import world as api_world
from clearance.errors import Forbidden, InputError, NotFound, ReviewConflict, UnknownReference
from clearance.review import queue, routing, saved_filters
from clearance.review.access import Actor
from clearance.review.audit import verify
from clearance.review.queue import QueueFilter
from clearance.storage import session_scope
from clearance.storage.review_models import AuditEvent, Review, Team
from test_queue import BLOCK, LEASE, MINOR, SUGGESTIVE, T0, World
from test_queue_bulk import _seed_items


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    w = World(engine)
    with session_scope(engine) as s:
        s.add(Team(id="fr-desk", name="French desk"))
    yield w
    with Session(engine) as s:
        assert verify(s).ok


def next_for(world: World, actor: Actor, **flt: object) -> int | None:
    """Claim-next's pick for ``actor`` (released again, so the world is unchanged)."""
    with session_scope(world.engine) as s:
        routes = routing.load_routes(s)
        try:
            item = queue.claim(s, actor, None, lease_seconds=LEASE, now=T0,
                               flt=QueueFilter(routes=routes, **flt) if flt else None)  # type: ignore[arg-type]
        except NotFound:
            return None
        s.rollback()
        return item.id


def events_of(world: World, type_: str) -> list[dict[str, object]]:
    with Session(world.engine) as s:
        return [json.loads(e.data) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.type == type_).order_by(AuditEvent.seq))]


def test_escalation_sends_an_item_to_the_seniors(world: World) -> None:
    low = world.submit(SUGGESTIVE, kind="still")
    high = world.submit(BLOCK, kind="thumbnail")
    world.claim(world.alice, low)
    with session_scope(world.engine) as s:
        with pytest.raises(InputError, match="reason"):
            queue.escalate(s, world.alice, low, " \u200b ", now=T0)
        with pytest.raises(ReviewConflict, match="claim item"):
            queue.escalate(s, world.bob, low, "not mine", now=T0)
        item = queue.escalate(s, world.alice, low, "a costume I cannot judge", now=T0)
        assert (item.state, item.claimed_by) == ("queued", None)
        assert item.escalated_by == world.alice.user_id
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="escalated"):
        queue.claim(s, world.bob, low, lease_seconds=LEASE, now=T0)
    assert next_for(world, world.bob) == high  # never the escalated one
    world.claim(world.bob, high)
    assert next_for(world, world.bob) is None
    assert next_for(world, world.sen) == low  # seniors get escalated items first
    world.claim(world.sen, low)
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="already"):
        queue.escalate(s, world.sen, low, "again", now=T0)
    assert world.decide(world.sen, low, "reject").state == "rejected"
    assert events_of(world, "escalation") == [{"reason": "a costume I cannot judge"}]


def test_assignment_gives_an_item_to_one_reviewer(world: World) -> None:
    first = world.submit(BLOCK, kind="thumbnail")  # the riskiest
    mine = world.submit(SUGGESTIVE, kind="still")
    own = world.submit(SUGGESTIVE, kind="synopsis", actor=world.alice)
    with session_scope(world.engine) as s:
        with pytest.raises(Forbidden):
            queue.assign(s, world.alice, mine, "bob")
        with pytest.raises(UnknownReference, match="nobody"):
            queue.assign(s, world.sen, mine, "nobody")
        with pytest.raises(InputError, match="reviewers"):
            queue.assign(s, world.sen, mine, "out")
        with pytest.raises(ReviewConflict, match="own submission"):
            queue.assign(s, world.sen, own, "alice")
        queue.assign(s, world.sen, mine, "bob", now=T0)
    assert next_for(world, world.bob) == mine  # assigned first, before the riskier one
    assert next_for(world, world.alice) == first  # never someone else's
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="assigned"):
        queue.claim(s, world.alice, mine, lease_seconds=LEASE, now=T0)
    assert next_for(world, world.sen) == first  # it is not assigned to the senior
    with session_scope(world.engine) as s:
        queue.assign(s, world.sen, mine, None)
    assert next_for(world, world.bob) == first
    assert [e["to"] for e in events_of(world, "assignment")] == ["bob", None]
    world.review(world.alice, first, "reject")
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="open items"):
        queue.assign(s, world.sen, first, "bob")


def test_routes_send_items_to_reviewer_teams(world: World) -> None:
    fran = world.user("fran", "reviewer", "fr-desk")
    fr_item = world.submit(SUGGESTIVE, kind="still", locale="fr")
    en_item = world.submit(SUGGESTIVE, kind="still", locale="en")
    minor = world.submit(MINOR, kind="key_art", locale="en")  # the riskiest
    with session_scope(world.engine) as s:
        with pytest.raises(Forbidden):
            routing.add_route(s, world.sen, "fr-desk", locales=["fr"])
        with pytest.raises(UnknownReference, match="no-such-team"):
            routing.add_route(s, world.admin, "no-such-team", locales=["fr"])
        with pytest.raises(InputError, match="block or review"):
            routing.add_route(s, world.admin, "fr-desk", decisions=["pass"])
        routing.add_route(s, world.admin, "fr-desk", locales=["fr", "fr-CA"], note="French")
        routing.add_route(s, world.admin, "studio", rules=["minor.apparent"])
    with session_scope(world.engine) as s:
        routes = routing.load_routes(s)
        assert [r.team_id for r in routes] == ["fr-desk", "studio"]
        assert routes[0].describe() == "locale fr, fr-CA"
    # alice (no team) gets only the unrouted item; fran her team's first, then unrouted ones
    assert next_for(world, world.alice) == en_item
    assert next_for(world, fran) == fr_item
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="fr-desk"):
        queue.claim(s, world.alice, fr_item, lease_seconds=LEASE, now=T0)
    assert next_for(world, world.sen) == minor  # seniors take anything, riskiest first
    # the queue's "For" filter
    with Session(world.engine) as s:
        routes = routing.load_routes(s)

        def listed(actor: Actor, routed: str) -> list[int]:
            return [i.id for i in queue.list_queue(s, actor, QueueFilter(
                routed=routed, routes=routes))]

        assert listed(fran, "mine") == [fr_item]
        assert listed(world.alice, "unrouted") == [en_item]
        assert listed(world.alice, "studio") == [minor]
        assert listed(world.alice, "nobody") == []
    assert next_for(world, fran, routed="unrouted") == en_item
    with session_scope(world.engine) as s:
        for r in routing.load_routes(s):
            routing.remove_route(s, world.admin, r.id)
    assert next_for(world, world.alice) == minor
    assert [e["team_id"] for e in events_of(world, "route.remove")] == ["fr-desk", "studio"]


def test_reason_codes_go_with_the_review(world: World) -> None:
    item = world.submit(SUGGESTIVE, kind="still")
    world.claim(world.alice, item)
    with session_scope(world.engine) as s, pytest.raises(InputError, match="not one for"):
        queue.decide(s, world.alice, item, "reject", reason_code="adult-cast", now=T0)
    with session_scope(world.engine) as s:
        queue.decide(s, world.alice, item, "reject", reason_code="rating-mismatch", now=T0)
    with Session(world.engine) as s:
        review = s.scalars(select(Review).where(Review.item_id == item)).one()
        assert review.reason_code == "rating-mismatch"
    assert events_of(world, "review")[-1]["reason_code"] == "rating-mismatch"
    other = world.submit(SUGGESTIVE, kind="thumbnail")
    world.review(world.bob, other, "reject")
    assert "reason_code" not in events_of(world, "review")[-1]  # the old shape without one


def test_saved_filters(world: World) -> None:
    with session_scope(world.engine) as s:
        mine = saved_filters.save_filter(s, world.alice, "French minors",
                                         "locale=fr&rule=minor.apparent")
        saved_filters.save_filter(s, world.bob, "Team view", "routed=mine", shared=True)
        saved_filters.save_filter(s, world.bob, "Bob only", "state=all")
        with pytest.raises(InputError, match="name"):
            saved_filters.save_filter(s, world.alice, "\u200b", "")
    with session_scope(world.engine) as s:
        again = saved_filters.save_filter(s, world.alice, "French minors", "locale=fr")
        assert again.id == mine.id and again.query == "locale=fr"
    with Session(world.engine) as s:
        seen = [(f.name, owner) for f, owner in saved_filters.list_filters(s, world.alice)]
    assert seen == [("French minors", "alice"), ("Team view", "bob")]
    with session_scope(world.engine) as s:
        shared_id = next(f.id for f, _ in saved_filters.list_filters(s, world.alice)
                         if f.name == "Team view")
        with pytest.raises(Forbidden):
            saved_filters.delete_filter(s, world.alice, shared_id)
    with session_scope(world.engine) as s:
        private = next(f.id for f, _ in saved_filters.list_filters(s, world.bob)
                       if f.name == "Bob only")
        with pytest.raises(NotFound):
            saved_filters.delete_filter(s, world.alice, private)
        saved_filters.delete_filter(s, world.admin, shared_id)
    assert [e["name"] for e in events_of(world, "queue.filter.save")] == [
        "French minors", "Team view", "Bob only", "French minors"]
    assert [e["name"] for e in events_of(world, "queue.filter.delete")] == ["Team view"]


# -- the API -------------------------------------------------------------------------------

@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[ApiWorld]:
    with api_world(tmp_path, database_url) as built:
        yield built


def test_api_escalate_assign_and_routing(w: ApiWorld) -> None:
    item = _seed_items(w, 1)[0]
    assert w.call("POST", f"/api/items/{item}/claim", "rita").status_code == 200
    r = w.call("POST", f"/api/items/{item}/escalate", "rita", json={"reason": "ask a senior"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["state"], body["escalated"], body["escalated_by"],
            body["escalation_reason"]) == ("queued", True, "rita", "ask a senior")
    assert w.call("POST", f"/api/items/{item}/claim", "ravi").status_code == 409
    assert w.call("POST", f"/api/items/{item}/escalate", "rita",
                  json={"reason": "x"}).status_code == 409
    assert w.call("POST", f"/api/items/{item}/assign", "rita",
                  json={"username": "ravi"}).status_code == 403
    r = w.call("POST", f"/api/items/{item}/assign", "sam", json={"username": "ravi"})
    assert r.status_code == 200 and r.json()["assigned_to"] == "ravi"
    assert w.call("POST", f"/api/items/{item}/assign", "sam",
                  json={"username": "nobody"}).status_code == 422
    assert w.call("POST", f"/api/items/{item}/assign", "sam",
                  json={"username": "alice"}).status_code == 422
    assert w.call("GET", f"/api/items/{item}/routing", "ravi").json()["assigned_to"] == "ravi"
    assert w.call("GET", f"/api/items/{item}/routing", "alice").status_code == 403
    # routes: admins add and remove, reviewers read
    assert w.call("POST", "/api/queue/routes", "sam",
                  json={"team_id": "studio", "locales": ["en"]}).status_code == 403
    r = w.call("POST", "/api/queue/routes", "ada",
               json={"team_id": "studio", "locales": ["en"], "decisions": ["review"],
                     "note": "English"})
    assert r.status_code == 201, r.text
    route = r.json()
    assert route["team_id"] == "studio" and route["locales"] == ["en"]
    assert w.call("POST", "/api/queue/routes", "ada",
                  json={"team_id": "nope"}).status_code == 422
    assert w.call("POST", "/api/queue/routes", "ada",
                  json={"team_id": "studio", "decisions": ["pass"]}).status_code == 422
    assert [x["id"] for x in w.call("GET", "/api/queue/routes", "rita").json()["routes"]] == [
        route["id"]]
    assert w.call("GET", f"/api/items/{item}/routing", "sam").json()["routed_team"] == "studio"
    assert w.call("DELETE", f"/api/queue/routes/{route['id']}", "ada").status_code == 204
    assert w.call("DELETE", f"/api/queue/routes/{route['id']}", "ada").status_code == 404
    codes = w.call("GET", "/api/queue/reason-codes", "rita").json()["codes"]
    assert {"code": "rating-mismatch", "outcome": "reject",
            "label": "Not suitable for the title's rating or audience"} in codes


def test_api_saved_filters(w: ApiWorld) -> None:
    r = w.call("POST", "/api/queue/filters", "rita",
               json={"name": "French", "query": "locale=fr&bogus=1&offset=50", "shared": True})
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["query"] == "locale=fr" and saved["owner"] == "rita"
    assert w.call("POST", "/api/queue/filters", "alice",
                  json={"name": "x"}).status_code == 403
    listed = w.call("GET", "/api/queue/filters", "ravi").json()["filters"]
    assert [(f["name"], f["owner"], f["shared"]) for f in listed] == [("French", "rita", True)]
    assert w.call("DELETE", f"/api/queue/filters/{saved['id']}", "ravi").status_code == 403
    assert w.call("DELETE", f"/api/queue/filters/{saved['id']}", "rita").status_code == 204
    assert w.call("GET", "/api/queue/filters", "rita").json()["filters"] == []
    r = w.call("POST", "/api/queue/bulk-decision", "rita",
               json={"item_ids": _seed_items(w, 1), "outcome": "reject",
                     "reason_code": "adult-cast"})
    assert r.status_code == 422 and "not one for reject" in r.text


def test_api_single_decision_takes_a_reason_code(w: ApiWorld) -> None:
    item, other = _seed_items(w, 2)
    assert w.call("POST", f"/api/items/{item}/claim", "rita").status_code == 200
    # another outcome's code, an unknown one, or a code too long: refused, nothing recorded
    for code in ("adult-cast", "no-such-code", "x" * 65):
        r = w.call("POST", f"/api/items/{item}/decision", "rita",
                   json={"outcome": "reject", "reason_code": code})
        assert r.status_code == 422, (code, r.text)
    assert "not one for reject" in w.call(
        "POST", f"/api/items/{item}/decision", "rita",
        json={"outcome": "reject", "reason_code": "adult-cast"}).text
    detail = w.call("GET", f"/api/items/{item}", "rita").json()
    assert detail["state"] == "claimed" and detail["reviews"] == []
    r = w.call("POST", f"/api/items/{item}/decision", "rita",
               json={"outcome": "reject", "reason": "a school setting",
                     "reason_code": "rating-mismatch"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "rejected"
    assert [(x["outcome"], x["reason"], x["reason_code"]) for x in body["reviews"]] == [
        ("reject", "a school setting", "rating-mismatch")]
    # the submitter reads the code too (without the reviewer's name)
    seen = w.call("GET", f"/api/items/{item}", "alice").json()["reviews"]
    assert [(x["reviewer"], x["reason_code"]) for x in seen] == [(None, "rating-mismatch")]
    with Session(w.engine) as s:
        review = s.scalars(select(Review).where(Review.item_id == item)).one()
        assert review.reason_code == "rating-mismatch"
        events = [json.loads(e.data) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.type == "review",
                                     AuditEvent.subject == f"item:{item}"))]
        assert [e.get("reason_code") for e in events] == ["rating-mismatch"]
        assert verify(s).ok
    # without a code the review has none (the field is optional)
    w.call("POST", f"/api/items/{other}/claim", "rita")
    r = w.call("POST", f"/api/items/{other}/decision", "rita", json={"outcome": "approve"})
    assert r.status_code == 200 and r.json()["reviews"][0]["reason_code"] is None
