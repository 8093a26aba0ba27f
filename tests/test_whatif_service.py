"""The what-if for an admin's draft in the service: ``POST /api/policy/whatif`` and the
``/policy/whatif`` page answer the counts that change and every changed item with its reasons
under both policies; admins only; an invalid draft is 422 with every problem located."""

from __future__ import annotations

import warnings
from pathlib import Path

from api_world import BENIGN, world
from clearance.service.app import create_app
from ui_world import build, csrf_of

with warnings.catch_warnings():  # starlette warns that it prefers httpx2 (not installed)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

DRAFT = """
policy: draft
version: "1"
description: every mature title's copy is looked at
rules:
  - name: mature-rating
    description: a mature title's copy is looked at
    outcome: review
    when:
      finding: rating.mature
"""


def test_the_api_lists_every_item_the_draft_changes(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        assert w.upload_text("alice", BENIGN).status_code == 201  # t1 is rated TV-MA: a pass
        assert w.upload_text("alice", BENIGN, title="t2").status_code == 201  # TV-14: a pass
        r = w.call("POST", "/api/policy/whatif", "ada", json={"policy": DRAFT})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["evaluated"] == 2 and body["draft"] == "draft@1"
        assert [c["title_id"] for c in body["changed"]] == ["t1"]
        change = body["changed"][0]
        assert (change["before"], change["after"]) == ("pass", "review")
        assert change["rules_after"] == ["mature-rating"] and change["reasons_after"]
        assert {c["decision"]: c["change"] for c in body["counts"]} == {
            "pass": -1, "review": 1, "block": 0}
        assert w.call("POST", "/api/policy/whatif", "rita",
                      json={"policy": DRAFT}).status_code == 403
        bad = w.call("POST", "/api/policy/whatif", "ada",
                     json={"policy": DRAFT.replace("rating.mature", "rating.mature.typo")})
        assert bad.status_code == 422 and "draft.yaml:" in bad.json()["detail"]


def test_the_page_takes_an_uploaded_draft(tmp_path: Path) -> None:
    w = build(tmp_path / "ui")
    with TestClient(create_app(w.settings, engine=w.engine, webhook_worker=False)) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "admin", "password": "Lighthouse-42",
                                    "csrf": token, "next": "/"})
        page = client.get("/policy/whatif")
        assert page.status_code == 200 and 'id="whatif-form"' in page.text
        csrf = csrf_of(page.text)
        shown = client.post("/policy/whatif", data={"csrf": csrf},
                            files={"draft": ("draft.yaml", DRAFT.encode(), "text/yaml")})
        assert shown.status_code == 200, shown.text
        assert 'id="whatif-counts"' in shown.text and "draft@1" in shown.text
        bad = client.post("/policy/whatif", data={"csrf": csrf, "policy": "rules: [1]"})
        assert bad.status_code == 422 and 'id="whatif-error"' in bad.text
        client.cookies.clear()
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "rev", "password": "Lighthouse-42",
                                    "csrf": token, "next": "/"})
        assert client.get("/policy/whatif").status_code == 403
    w.engine.dispose()
