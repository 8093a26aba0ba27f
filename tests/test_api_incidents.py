"""The incident routes on SQLite and PostgreSQL, with roles: a submitter sees none, a reviewer
reads, a senior opens, moves, assigns, links and acts (each action by its kind), measures; the
learning and the HTML report; a closed incident refuses an action with 409, a bad moment is a
422 naming the field; withdraw everywhere through the API."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.exceptions import StarletteDeprecationWarning

from clearance.bank.hashing import availability as bank_availability
from clearance.demo.art import draw_poster
from clearance.review import access
from clearance.service import create_app
from clearance.settings import Settings
from clearance.storage import LocalBlobStore, session_scope
from incident_world import IncidentWorld

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


class Api:
    def __init__(self, client: TestClient, tokens: dict[str, str], world: IncidentWorld) -> None:
        self.client, self.tokens, self.world = client, tokens, world

    def __call__(self, method: str, path: str, who: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers={
            "Authorization": f"Bearer {self.tokens[who]}"}, **kwargs)


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Api]:
    settings = Settings(data_dir=tmp_path / "data", environment="development",
                        secret_key="incident-api-secret-0123456789abcdef", semantic="off")
    world = IncidentWorld(engine, LocalBlobStore(settings.resolved_blob_dir), tmp_path)
    tokens = {}
    with session_scope(engine) as s:
        for name in ("sub", "rita", "jo"):
            _, tokens[name] = access.issue_token(s, access.SYSTEM, name, "t")
    app = create_app(settings, engine=engine, screener=world.screener(), webhook_worker=False)
    with TestClient(app) as client:
        yield Api(client, tokens, world)


def test_roles_open_act_and_read(api: Api) -> None:
    assert api("GET", "/api/incidents", "sub").status_code == 403
    body = {"title_id": "s2032", "name": "Poster backlash", "owner": "jo",
            "onset": "2020-08-19T09:00:00Z"}
    assert api("POST", "/api/incidents", "rita", json=body).status_code == 403
    opened = api("POST", "/api/incidents", "jo", json=body)
    assert opened.status_code == 201, opened.text
    incident = opened.json()
    iid = incident["id"]
    assert incident["opened_from"] == "hand" and incident["onset"].startswith("2020-08-19T09")
    assert {v["role"] for v in incident["versions"]} == {"live"}
    assert api("GET", f"/api/incidents/{iid}", "rita").json()["name"] == "Poster backlash"
    bad = api("POST", f"/api/incidents/{iid}/actions", "jo",
              json={"kind": "statement", "text": "Sorry.", "channel": "x",
                    "at": "1970-01-01T00:00:00Z"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("body")
    for action in ({"kind": "statement", "text": "We are sorry.", "channel": "x",
                    "at": "2020-08-20T19:00:00Z"},
                   {"kind": "rating_changed", "rating": "TV-14", "reason": "re-rated"},
                   {"kind": "placement_changed", "from": "kids row", "to": "removed",
                    "version_id": api.world.key_art},
                   {"kind": "escalation", "to": "legal", "reason": "the film"}):
        done = api("POST", f"/api/incidents/{iid}/actions", "jo", json=action)
        assert done.status_code == 201, done.text
        assert done.json()["kind"] == action["kind"]
    assert api("POST", f"/api/incidents/{iid}/actions", "rita",
               json={"kind": "escalation", "to": "x", "reason": "y"}).status_code == 403
    owner = api("PUT", f"/api/incidents/{iid}/owner", "jo", json={"owner": "robin"})
    assert owner.json()["owner"] == "robin"
    measured = api("POST", f"/api/incidents/{iid}/measure", "jo", json={"hours": 6})
    assert measured.status_code == 200 and len(measured.json()["actions"]) == 4
    learning = api("GET", f"/api/incidents/{iid}/learning", "rita")
    assert learning.status_code == 200 and learning.json()["causes"]
    report = api("GET", f"/api/incidents/{iid}/report", "rita")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "Poster backlash" in report.text and "<script" not in report.text
    closed = api("POST", f"/api/incidents/{iid}/state", "jo",
                 json={"state": "closed", "reason": "faded"})
    assert closed.json()["state"] == "closed"
    refused = api("POST", f"/api/incidents/{iid}/actions", "jo",
                  json={"kind": "escalation", "to": "legal", "reason": "again"})
    assert refused.status_code == 409
    assert api("POST", f"/api/incidents/{iid}/state", "jo",
               json={"state": "monitoring"}).status_code == 409
    listed = api("GET", "/api/incidents?state=closed", "rita").json()["incidents"]
    assert [i["id"] for i in listed] == [iid]
    assert api("GET", "/api/incidents/99999", "rita").status_code == 404
    # what the body names and does not exist is 422; what the address names, 404
    for path, body in ((f"/api/incidents/{iid}/links", {"version_id": 99999}),
                       (f"/api/incidents/{iid}/links", {"alert_id": 99999}),
                       ("/api/incidents", {"title_id": "no-such-title"}),
                       ("/api/incidents", {"alert_id": 99999})):
        answer = api("POST", path, "jo", json=body)
        assert answer.status_code == 422, (path, body, answer.text)
        assert "99999" in answer.json()["detail"] or "no-such-title" in answer.json()["detail"]
    assert api("POST", "/api/incidents/99999/links", "jo",
               json={"version_id": api.world.key_art}).status_code == 404


def test_replacement_and_withdraw_everywhere_through_the_api(api: Api) -> None:
    iid = api("POST", "/api/incidents", "jo", json={"title_id": "s2032"}).json()["id"]
    new = api.world.version("key_art", "und", draw_poster("replacement"), "image/png")
    unscreened = api("POST", f"/api/incidents/{iid}/actions", "jo",
                     json={"kind": "replace", "version_id": api.world.key_art,
                           "replacement_id": new})
    assert unscreened.status_code == 409  # never screened: upload it through the service
    api.world.clear(new, "pass", ())
    linked = api("POST", f"/api/incidents/{iid}/actions", "jo",
                 json={"kind": "replace", "version_id": api.world.key_art,
                       "replacement_id": new})
    assert linked.status_code == 201, linked.text
    assert linked.json()["detail"]["review"]["state"] in ("approved", "passed")
    if not bank_availability():
        return
    withdrawn = api("POST", f"/api/incidents/{iid}/actions", "jo",
                    json={"kind": "withdraw_everywhere", "version_id": api.world.key_art,
                          "reason": "inappropriate artwork",
                          "at": dt.datetime(2020, 8, 20, 10, tzinfo=dt.UTC).isoformat()})
    assert withdrawn.status_code == 201, withdrawn.text
    assert withdrawn.json()["detail"]["withdrawn"][0]["version_id"] == api.world.key_art
    view = api("GET", f"/api/incidents/{iid}", "rita").json()
    # in the order they took effect: the withdrawal was dated back to 2020
    assert [a["kind"] for a in view["actions"]] == ["withdraw_everywhere", "replace"]
