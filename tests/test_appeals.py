"""Appeals on SQLite and PostgreSQL: the submitting team appeals a rejection with a reason; a
senior who gave no review on the item upholds or overturns it — an overturn approves an item one
person decides (and tells the webhooks), but only opens a new round under the two-person rule —
through the rules, the API and the item page."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api_world import World as ApiWorld
from api_world import world as api_world
from clearance.errors import Forbidden, InputError, ReviewConflict
from clearance.review import appeals, queue
from clearance.review.audit import verify
from clearance.service.app import create_app
from clearance.storage import session_scope
from clearance.storage.review_models import (
    AuditEvent,
    Comment,
    ReviewItem,
    WebhookDelivery,
    WebhookSubscription,
)
from test_queue import BLOCK, MINOR, SUGGESTIVE, World
from test_queue_bulk import _seed_items
from test_ui_queue import add_copy_item, login
from ui_world import UIWorld, build

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    w = World(engine)
    yield w
    with Session(engine) as s:
        assert verify(s).ok


def events(world: World, item_id: int) -> list[str]:
    return [e[0] for e in world.events(item_id)]


def test_an_appeal_is_for_a_rejection_by_its_team(world: World) -> None:
    item = world.submit(SUGGESTIVE)
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="queued"):
        appeals.open_appeal(s, world.sub, item, "it is fine")
    world.review(world.alice, item, "reject")
    with session_scope(world.engine) as s:
        with pytest.raises(Forbidden, match="team that submitted"):
            appeals.open_appeal(s, world.alice, item, "not mine to appeal")
        with pytest.raises(InputError, match="reason"):
            appeals.open_appeal(s, world.sub, item, " \u200b ")
        appeals.open_appeal(s, world.sub, item, "The dance is a folk dance, filmed by adults.")
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="already"):
        appeals.open_appeal(s, world.sub, item, "again")
    with Session(world.engine) as s:
        assert [a.item_id for a in appeals.list_appeals(s, world.sen)] == [item]
        with pytest.raises(Forbidden):
            appeals.list_appeals(s, world.alice)
    assert events(world, item)[-1] == "appeal.open"


def test_only_a_senior_who_did_not_decide_it_decides_the_appeal(world: World) -> None:
    item = world.submit(SUGGESTIVE)
    world.review(world.sen, item, "reject")
    with session_scope(world.engine) as s:
        appeals.open_appeal(s, world.sub, item, "please look again")
    with session_scope(world.engine) as s:
        with pytest.raises(Forbidden):
            appeals.decide_appeal(s, world.alice, item, "overturn", "looks fine")
        with pytest.raises(ReviewConflict, match="you reviewed this item"):
            appeals.decide_appeal(s, world.sen, item, "overturn", "I changed my mind")
        with pytest.raises(InputError, match="uphold or overturn"):
            appeals.decide_appeal(s, world.sen2, item, "maybe", "hmm")
        appeals.decide_appeal(s, world.sen2, item, "uphold", "The rejection follows the policy.")
    assert world.item(item).state == "rejected"
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="no open appeal"):
        appeals.decide_appeal(s, world.admin, item, "overturn", "again")
    with Session(world.engine) as s:
        bodies = [c.body for c in s.scalars(select(Comment).where(Comment.item_id == item))]
    assert bodies == ["Appeal upheld: The rejection follows the policy."]
    assert world.events(item)[-2][2] == {"appeal_id": 1, "outcome": "upheld",
                    "reason": "The rejection follows the policy.", "item_state": "rejected"}


def test_overturning_a_single_review_approves_and_announces(world: World) -> None:
    item = world.submit(BLOCK)
    with session_scope(world.engine) as s:
        s.add(WebhookSubscription(url="https://hooks.example/decisions", secret="s" * 20,
                                  events=["decision"]))
    world.review(world.alice, item, "reject")
    with session_scope(world.engine) as s:
        appeals.open_appeal(s, world.sub, item, "It is a costume.")
    with session_scope(world.engine) as s:
        appeals.decide_appeal(s, world.sen, item, "overturn", "A costume on an adult actor.")
    decided = world.item(item)
    assert decided.state == "approved" and decided.decided_at is not None
    assert [(r.outcome, r.final) for r in decided.reviews] == [("reject", True),
                                                               ("approve", True)]
    assert events(world, item)[-5:] == ["review", "decision", "override", "appeal.decide",
                                        "comment"]
    with Session(world.engine) as s:
        payloads = [json.loads(d.payload)["data"]["outcome"]
                    for d in s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    assert payloads == ["reject", "approve"]


def test_overturning_a_two_person_rejection_opens_a_round_for_a_second_senior(
        world: World) -> None:
    item = world.submit(MINOR)
    world.review(world.alice, item, "reject")
    world.review(world.sen, item, "reject")
    assert world.item(item).state == "rejected"
    with session_scope(world.engine) as s:
        appeals.open_appeal(s, world.sub, item, "She is 19; the cast list says so.")
    with session_scope(world.engine) as s:
        appeals.decide_appeal(s, world.sen2, item, "overturn",
                              "The actor is an adult, born 2005.")
    reopened = world.item(item)
    assert reopened.state == "queued" and reopened.decided_at is None
    assert queue.awaiting_senior(reopened)
    # the appealing senior cannot give the second review; another senior can
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="different"):
        queue.claim(s, world.sen2, item, lease_seconds=600)
    assert world.review(world.admin, item, "approve",
                        reason="Agreed: an adult.").state == "approved"
    with Session(world.engine) as s:
        last = s.scalars(select(AuditEvent).where(AuditEvent.type == "appeal.decide")).one()
    assert json.loads(last.data)["item_state"] == "queued"


# -- the API and the page ------------------------------------------------------------------

@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[ApiWorld]:
    with api_world(tmp_path, database_url) as built:
        yield built


def test_api_appeals(w: ApiWorld) -> None:
    item = _seed_items(w, 1)[0]
    with session_scope(w.engine) as s:  # the seeded item is the studio's, as alice's would be
        s.get_one(ReviewItem, item).submitted_by = None
    w.call("POST", f"/api/items/{item}/claim", "rita")
    w.call("POST", f"/api/items/{item}/decision", "rita", json={"outcome": "reject"})
    assert w.call("GET", f"/api/items/{item}/appeal", "alice").status_code == 404
    assert w.call("POST", f"/api/items/{item}/appeal", "bob",
                  json={"reason": "x"}).status_code == 404  # another team's item
    r = w.call("POST", f"/api/items/{item}/appeal", "alice",
               json={"reason": "A folk dance, filmed by adults."})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["state"], body["appellant"], body["item_state"]) == ("open", "alice",
                                                                      "rejected")
    assert w.call("POST", f"/api/items/{item}/appeal", "alice",
                  json={"reason": "again"}).status_code == 409
    listed = w.call("GET", "/api/appeals", "sam").json()["appeals"]
    assert [a["item_id"] for a in listed] == [item]
    assert w.call("GET", "/api/appeals", "rita").status_code == 403
    assert w.call("POST", f"/api/items/{item}/appeal/decision", "rita",
                  json={"outcome": "uphold", "reason": "x"}).status_code == 403
    r = w.call("POST", f"/api/items/{item}/appeal/decision", "sam",
               json={"outcome": "overturn", "reason": "Adults, a folk dance."})
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["item_state"], r.json()["decided_by"]) == (
        "overturned", "approved", "sam")
    seen = w.call("GET", f"/api/items/{item}/appeal", "alice").json()
    assert seen["state"] == "overturned" and seen["decided_by"] is None  # no names for alice
    assert w.call("GET", "/api/appeals", "sam", params={"state": "overturned"}).json()[
        "appeals"][0]["item_id"] == item


@pytest.fixture
def ui(tmp_path: Path, database_url: str) -> Iterator[tuple[UIWorld, TestClient]]:
    world = build(tmp_path / "world", database_url=database_url)
    with TestClient(create_app(world.settings, engine=world.engine,
                               webhook_worker=False)) as client:
        yield world, client
    world.engine.dispose()


def test_appeal_through_the_item_page(ui: tuple[UIWorld, TestClient]) -> None:
    world, client = ui
    item = add_copy_item(world, "fr", "Un été au phare.")
    token = login(client, "rev")
    client.post(f"/items/{item}/claim", data={"csrf": token})
    client.post(f"/items/{item}/decision", data={"csrf": token, "outcome": "reject"})
    assert 'id="appeal-form"' not in client.get(f"/items/{item}").text  # not the reviewer's
    token = login(client, "sub")
    page = client.get(f"/items/{item}").text
    assert 'id="appeal-form"' in page
    resp = client.post(f"/items/{item}/appeal", data={"csrf": token,
                                                      "reason": "Un été, rien de plus."},
                       follow_redirects=False)
    assert resp.status_code == 303
    page = client.get(f"/items/{item}").text
    assert "Un été, rien de plus." in page and 'id="appeal-form"' not in page
    token = login(client, "rev")
    assert client.get("/appeals").status_code == 403
    assert 'id="appeal-decision-form"' not in client.get(f"/items/{item}").text
    token = login(client, "senior")
    listed = client.get("/appeals").text
    assert re.search(rf'href="/items/{item}#appeal">{item}</a>', listed)
    assert 'href="/appeals"' in listed  # in the navigation
    assert 'id="appeal-decision-form"' in client.get(f"/items/{item}").text
    client.post(f"/items/{item}/appeal/decision", data={
        "csrf": token, "outcome": "overturn", "reason": "Nothing wrong with it."})
    page = client.get(f"/items/{item}").text
    assert "Decision: approved" in page and "Overturned</strong> by senior" in page
    token = login(client, "sub")
    page = client.get(f"/items/{item}").text
    assert "Appeal overturned: Nothing wrong with it." in page
    assert "by senior" not in page  # reviewers' names stay with reviewers
    with Session(world.engine) as s:
        assert verify(s).ok
