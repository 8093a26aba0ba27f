"""Publication through the API: the team that submitted a cleared version (or a reviewer) makes
it live, a blocked or queued one is refused, another team's version is not found, withdrawal is a
senior's act and final, and "what was live" answers for a moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from api_world import BENIGN, World, world
from test_api_auth import assert_problem


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as built:
        yield built


def _version_id(w: World, item_id: int) -> int:
    version: int = w.call("GET", f"/api/items/{item_id}", "rita").json()["version_id"]
    return version


def test_publish_replace_and_withdraw(w: World) -> None:
    first = w.upload_text("alice", BENIGN)
    assert first.status_code == 201 and first.json()["state"] == "passed"
    v1 = first.json()["version_id"]
    assert first.json()["version_number"] == 1
    live = w.call("POST", f"/api/versions/{v1}/publish", "alice")
    assert live.status_code == 201, live.text
    body = live.json()
    assert (body["version_number"], body["kind"], body["end_reason"]) == (1, "synopsis", None)
    assert w.call("POST", f"/api/versions/{v1}/publish", "alice").status_code == 200
    # another team's version: not found to a submitter (not disclosed)
    assert_problem(w.call("POST", f"/api/versions/{v1}/publish", "bob"), 404)

    second = w.upload_text("alice", "A family comedy about a lighthouse keeper and two dogs.")
    v2 = second.json()["version_id"]
    assert second.json()["version_number"] == 2
    assert w.call("POST", f"/api/versions/{v2}/publish", "rita").status_code == 201
    now = w.call("GET", "/api/titles/t1/live", "alice").json()
    assert [(x["kind"], x["version_number"]) for x in now["live"]] == [("synopsis", 2)]

    # withdrawal: seniors only, a reason required, and final
    assert_problem(w.call("POST", f"/api/versions/{v2}/withdraw", "rita",
                          json={"reason": "backlash"}), 403)
    assert_problem(w.call("POST", f"/api/versions/{v2}/withdraw", "sam", json={}), 422)
    gone = w.call("POST", f"/api/versions/{v2}/withdraw", "sam", json={"reason": "backlash"})
    assert gone.status_code == 200 and gone.json()["end_reason"] == "withdrawn"
    assert w.call("GET", "/api/titles/t1/live", "alice").json()["live"] == []
    refused = w.call("POST", f"/api/versions/{v2}/publish", "rita")
    assert_problem(refused, 409)
    assert "withdrawn" in refused.json()["detail"]
    # what was live a moment before the withdrawal
    before = (dt.datetime.fromisoformat(gone.json()["live_until"])
              - dt.timedelta(microseconds=1)).isoformat()
    then = w.call("GET", "/api/titles/t1/live", "alice", params={"at": before}).json()
    assert [x["version_number"] for x in then["live"]] == [2]
    types = [e["type"] for e in w.call("GET", "/api/audit", "sam",
                                       params={"subject": f"version:{v2}"}).json()["events"]]
    assert types == ["publication", "withdrawal"]


def test_a_queued_version_is_not_published(w: World) -> None:
    item_id = w.queued_item("alice")
    refused = w.call("POST", f"/api/versions/{_version_id(w, item_id)}/publish", "rita")
    assert_problem(refused, 409)
    assert "only an approved" in refused.json()["detail"]
    assert_problem(w.call("POST", "/api/versions/999999/publish", "rita"), 404)
    assert_problem(w.call("GET", "/api/titles/nope/live", "rita"), 404)
