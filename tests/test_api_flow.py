"""The review story through the API alone: a studio submits copy, a reviewer and a senior
decide it under the two-person rule, the studio reads the outcome and answers, another studio
sees none of it, admins manage users, tokens and webhooks, and the audit chain holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api_world import RISKY, World, world
from test_api_auth import assert_problem


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as built:
        yield built


def test_two_person_review_from_submission_to_decision(w: World) -> None:
    item_id = w.queued_item("alice")
    # Nobody reviews their own submission; a submitter cannot claim at all.
    assert_problem(w.call("POST", f"/api/items/{item_id}/claim", "alice"), 403)

    claimed = w.call("POST", "/api/queue/claim-next", "rita").json()
    assert (claimed["id"], claimed["state"], claimed["claimed_by"]) == (item_id, "claimed", "rita")
    assert claimed["lease_expires_at"] is not None
    # Deciding needs the claim.
    assert_problem(w.call("POST", f"/api/items/{item_id}/decision", "ravi",
                          json={"outcome": "reject"}), 409)
    first = w.call("POST", f"/api/items/{item_id}/decision", "rita",
                   json={"outcome": "reject", "reason": "sexualised framing of a teen"}).json()
    assert first["state"] == "queued" and first["awaiting_senior"] is True
    # The second review must be by a senior.
    assert_problem(w.call("POST", f"/api/items/{item_id}/claim", "ravi"), 409)
    assert w.call("POST", "/api/queue/claim-next", "sam").json()["id"] == item_id
    assert w.call("POST", f"/api/items/{item_id}/reveal", "sam").status_code == 200
    final = w.call("POST", f"/api/items/{item_id}/decision", "sam",
                   json={"outcome": "reject", "comment": "Please rewrite without the dance."})
    assert final.status_code == 200, final.text
    body = final.json()
    assert (body["state"], body["outcome"]) == ("rejected", "reject")
    assert [r["reviewer"] for r in body["reviews"]] == ["rita", "sam"]
    assert body["reviews"][-1]["final"] is True

    # The studio sees the outcome and the comment, not who reviewed, and can answer.
    mine = w.call("GET", "/api/items/mine", "alice").json()["items"]
    assert [(i["id"], i["state"]) for i in mine] == [(item_id, "rejected")]
    seen = w.call("GET", f"/api/items/{item_id}", "alice").json()
    assert [c["body"] for c in seen["comments"]] == ["Please rewrite without the dance."]
    assert all(r["reviewer"] is None for r in seen["reviews"])
    reply = w.call("POST", f"/api/items/{item_id}/comments", "alice",
                   json={"body": "Rewritten in v2."})
    assert reply.status_code == 201 and reply.json()["author"] == "alice"

    types = [e["type"] for e in w.call("GET", "/api/audit", "sam",
                                       params={"subject": f"item:{item_id}"}).json()["events"]]
    for expected in ("submission", "screening", "claim", "review", "reveal", "decision",
                     "comment"):
        assert expected in types
    verified = w.call("GET", "/api/audit/verify", "ada").json()
    assert verified["ok"] is True and verified["checked"] > 10


def test_another_team_cannot_see_or_touch_an_item(w: World) -> None:
    item_id = w.queued_item("alice")
    for method, path in (("GET", f"/api/items/{item_id}"),
                         ("GET", f"/api/items/{item_id}/content"),
                         ("POST", f"/api/items/{item_id}/comments")):
        body = assert_problem(w.call(method, path, "bob", json={"body": "peek"}), 404)
        assert body["detail"] == f"no review item {item_id}"
    assert w.call("GET", "/api/items/mine", "bob").json()["items"] == []
    assert [i["id"] for i in w.call("GET", "/api/items/mine", "alice").json()["items"]] \
        == [item_id]
    assert [i["id"] for i in w.call("GET", "/api/items", "rita").json()["items"]] == [item_id]


def test_queue_filters_and_paging(w: World) -> None:
    a = w.queued_item("alice", kind="synopsis", locale="en")
    b = w.queued_item("alice", text=RISKY + " Now in French.", kind="synopsis", locale="fr")
    ids = lambda **q: [i["id"] for i in w.call("GET", "/api/items", "rita",  # noqa: E731
                                               params=q).json()["items"]]
    assert sorted(ids()) == [a, b]
    assert ids(locale="fr") == [b]
    assert ids(title="t2") == []
    assert sorted(ids(rule="teen-sexualised-copy")) == [a, b]
    assert ids(older_than_hours=1) == []
    assert len(ids(limit=1)) == 1 and ids(limit=1, offset=1) != ids(limit=1)
    assert ids(state="rejected") == []
    assert_problem(w.call("GET", "/api/items", "rita", params={"state": "bogus"}), 422)


def test_release_and_claim_conflicts(w: World) -> None:
    item_id = w.queued_item("alice")
    assert w.call("POST", f"/api/items/{item_id}/claim", "rita").status_code == 200
    assert_problem(w.call("POST", f"/api/items/{item_id}/release", "ravi"), 409)
    released = w.call("POST", f"/api/items/{item_id}/release", "rita").json()
    assert released["state"] == "queued" and released["claimed_by"] is None
    assert w.call("POST", f"/api/items/{item_id}/claim", "ravi").json()["claimed_by"] == "ravi"
    assert_problem(w.call("POST", "/api/queue/claim-next", "rita"), 404)


def test_preferences_and_me(w: World) -> None:
    me = w.call("GET", "/api/me", "rita").json()
    assert (me["username"], me["role"], me["via"], me["blur_images"]) == \
        ("rita", "reviewer", "token", True)
    after = w.call("PUT", "/api/me/preferences", "rita", json={"blur_images": False}).json()
    assert after["blur_images"] is False
    assert_problem(w.call("PUT", "/api/me/preferences", "rita", json={"blur_images": "no"}), 422)


def test_admin_manages_users_tokens_and_webhooks(w: World) -> None:
    created = w.call("POST", "/api/users", "ada",
                     json={"username": "nina", "role": "submitter", "team_id": "newco",
                           "display_name": "Nina N"})
    assert created.status_code == 201, created.text
    assert created.json()["team_id"] == "newco"
    assert_problem(w.call("POST", "/api/users", "ada",
                          json={"username": "nina", "role": "reviewer"}), 422)
    assert_problem(w.call("POST", "/api/users", "ada",
                          json={"username": "weak", "role": "reviewer", "password": "short"}),
                   422)
    promoted = w.call("PUT", "/api/users/nina/role", "ada", json={"role": "reviewer"}).json()
    assert promoted["role"] == "reviewer"
    assert_problem(w.call("PUT", "/api/users/ghost/role", "ada", json={"role": "admin"}), 404)

    token = w.call("POST", "/api/users/nina/tokens", "ada", json={"name": "laptop",
                                                                   "expires_days": 30}).json()
    assert token["secret"].startswith("clr_") and token["expires_at"]
    nina = {"Authorization": f"Bearer {token['secret']}"}
    assert w.client.get("/api/me", headers=nina).json()["role"] == "reviewer"
    users = {u["username"]: u for u in w.call("GET", "/api/users", "ada").json()["users"]}
    assert [t["name"] for t in users["nina"]["tokens"]] == ["laptop"]
    assert "secret" not in users["nina"]["tokens"][0]
    assert w.call("DELETE", f"/api/tokens/{token['id']}", "ada").status_code == 204
    assert_problem(w.client.get("/api/me", headers=nina), 401)

    hook = w.call("POST", "/api/webhooks", "ada",
                  json={"url": "https://hooks.example.test/clearance"})
    assert hook.status_code == 201 and hook.json()["secret"]
    assert_problem(w.call("POST", "/api/webhooks", "ada", json={"url": "ftp://x"}), 422)
    listed = w.call("GET", "/api/webhooks", "ada").json()["webhooks"]
    assert [h["url"] for h in listed] == ["https://hooks.example.test/clearance"]
    assert "secret" not in listed[0]
    assert w.call("DELETE", f"/api/webhooks/{listed[0]['id']}", "ada").status_code == 204
    assert w.call("GET", "/api/webhooks", "ada").json()["webhooks"] == []
    assert w.call("GET", "/api/webhooks/deliveries", "ada").json() == {"deliveries": []}


def test_a_decision_enqueues_a_webhook_delivery(w: World) -> None:
    w.call("POST", "/api/webhooks", "ada", json={"url": "https://hooks.example.test/c"})
    item_id = w.queued_item("alice")
    for who in ("rita", "sam"):
        w.call("POST", f"/api/items/{item_id}/claim", who)
        r = w.call("POST", f"/api/items/{item_id}/decision", who,
                   json={"outcome": "request_changes", "comment": "Lose the dance line."})
        assert r.status_code == 200, r.text
    deliveries = w.call("GET", "/api/webhooks/deliveries", "ada").json()["deliveries"]
    assert [(d["event_type"], d["status"]) for d in deliveries] == [("decision", "pending")]


def test_the_running_app_delivers_decision_webhooks(tmp_path: Path) -> None:
    """The app's lifespan runs the webhook worker: a decision reaches a real local receiver,
    signed with the subscription's secret."""
    import http.server
    import json
    import threading
    import time

    from clearance.review import webhooks

    received: list[tuple[dict[str, str], bytes]] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with world(tmp_path / "hooked", webhook_worker=True,
                   outbound_allow=["127.0.0.1"]) as w:
            hook = w.call("POST", "/api/webhooks", "ada",
                          json={"url": f"http://127.0.0.1:{server.server_port}/hook"}).json()
            item_id = w.queued_item("alice")
            for who in ("rita", "sam"):
                w.call("POST", f"/api/items/{item_id}/claim", who)
                w.call("POST", f"/api/items/{item_id}/decision", who, json={"outcome": "reject"})
            deadline = time.monotonic() + 10
            while not received and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        server.shutdown()
        server.server_close()
    assert len(received) == 1
    headers, body = received[0]
    assert webhooks.verify_signature(hook["secret"], headers["x-clearance-timestamp"], body,
                                     headers["x-clearance-signature"])
    data = json.loads(body)["data"]
    assert (data["item_id"], data["outcome"]) == (item_id, "reject")


def test_periodic_housekeeping_keeps_running_after_a_failure() -> None:
    import threading

    from clearance.service.jobs import Periodic

    calls: list[int] = []
    done = threading.Event()

    def tick() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a database hiccup")
        done.set()

    task = Periodic("test-periodic", 0.01, tick)
    task.start()
    try:
        assert done.wait(5)
    finally:
        task.stop()
    assert len(calls) >= 2
