"""The UI's error page says its status, what it means and where to go; a refused review keeps
what the reviewer typed (a written override reason is never lost to an error page)."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.review import access, audit, items
from clearance.service.app import create_app
from clearance.service.ui_base import ERROR_SENTENCES
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.review_models import Review, ReviewItem
from ui_world import PASSWORD, UIWorld, build, clone, csrf_of, screening_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SYNOPSIS = "A keeper's daughter, twelve, spends a summer at the lighthouse."
BLOCKED = {"item": "synopsis", "kind": "text", "decision": "block", "policy": "default@test",
           "findings": [{"label": "minor.mentioned", "score": 0.9,
                         "evidence": {"kind": "text_span", "start": 20, "end": 26,
                                      "text": "twelve", "sentence": 0},
                         "detector": "constructed", "detector_version": "test"}],
           "rules": [{"rule": "child_copy", "outcome": "block", "description": "a child",
                      "two_person": False,
                      "findings": [{"source": "this", "label": "minor.mentioned", "score": 0.9,
                                    "evidence": {"kind": "text_span", "start": 20, "end": 26,
                                                 "text": "twelve", "sentence": 0},
                                    "detector": "constructed", "detector_version": "test"}]}]}
REASON = "Drawn shapes only: a lighthouse & the sea, <no person>."


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIWorld]:
    w = build(tmp_path_factory.mktemp("ui-errors"))
    w.engine.dispose()
    yield w


@pytest.fixture
def world(template: UIWorld, tmp_path: Path) -> Iterator[UIWorld]:
    w = clone(template, tmp_path / "world")
    yield w
    with Session(w.engine) as s:
        assert audit.verify(s).ok
    w.engine.dispose()


@pytest.fixture
def client(world: UIWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, engine=world.engine,
                               webhook_worker=False)) as c:
        yield c


def login(client: TestClient, username: str) -> str:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf": token, "next": "/"}, follow_redirects=False)
    assert resp.status_code == 303
    return csrf_of(client.get("/settings").text)


def blocked_item(world: UIWorld) -> int:
    """A synopsis that screening blocked (approving it is an override)."""
    blobs = LocalBlobStore(world.settings.resolved_blob_dir)
    with session_scope(world.engine) as s:
        asset = Asset(title_id="t-light", kind="synopsis", locale="en", channel="web")
        s.add(asset)
        s.flush()
        data = SYNOPSIS.encode()
        version = AssetVersion(asset_id=asset.id, number=1, content_sha256=blobs.put(data),
                               content_type="text/plain; charset=utf-8", size_bytes=len(data),
                               created_by="sub")
        s.add(version)
        s.flush()
        sub = access.actor_for(access.get_user(s, "sub"), "session")
        item, _ = items.submit(s, sub, version, screening_of(s, version, BLOCKED),
                               team_id="studio")
        return item.id


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_error_page_says_its_status_what_it_means_and_where_to_go(
        client: TestClient, world: UIWorld) -> None:
    login(client, "rev")
    resp = client.get("/items/99999")
    assert resp.status_code == 404
    page = resp.text
    assert "<title>404 Not found · Clearance</title>" in page
    assert 'id="error-status">HTTP 404<' in page
    assert ERROR_SENTENCES[404] in _text(page)
    assert "no review item 99999" in page
    nav = page.split('class="error-nav"')[1].split("</nav>")[0]
    assert 'href="/queue"' in nav and "Back" in nav
    assert 'class="topbar"' in page and '<a href="/queue"' in page  # the viewer's own menu


def test_an_address_no_route_answers_is_a_page_for_a_browser_and_a_problem_for_the_api(
        client: TestClient) -> None:
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    resp = client.get("/words", headers=browser)  # a mistyped address (the menu says /lexicon)
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
    assert 'id="error-status">HTTP 404<' in resp.text
    assert ERROR_SENTENCES[404] in _text(resp.text) and "no page at /words" in resp.text
    assert 'class="error-nav"' in resp.text
    # under /api, or asked for without HTML, it stays the API's problem+json
    for path, headers in (("/api/nope", browser), ("/words", {"accept": "application/json"}),
                          ("/words", {})):
        resp = client.get(path, headers=headers)
        assert resp.status_code == 404
        assert resp.headers["content-type"] == "application/problem+json", (path, headers)
        assert resp.json()["detail"] == "no such resource"


def test_a_conflict_page_names_409_and_goes_back_where_it_came_from(
        client: TestClient, world: UIWorld) -> None:
    token = login(client, "rev")
    client.post(f"/items/{world.text_item}/claim", data={"csrf": token})
    token = login(client, "senior")
    resp = client.post(f"/items/{world.text_item}/claim", data={"csrf": token},
                       headers={"referer": f"http://testserver/items/{world.text_item}"})
    assert resp.status_code == 409
    assert 'id="error-status">HTTP 409<' in resp.text
    assert ERROR_SENTENCES[409] in _text(resp.text)
    assert f'href="/items/{world.text_item}"' in resp.text.split('class="error-nav"')[1]
    assert "Cannot do that now HTTP\n" not in resp.text


def test_a_refused_override_keeps_the_typed_reason(client: TestClient, world: UIWorld) -> None:
    item = blocked_item(world)
    token = login(client, "rev")
    client.post(f"/items/{item}/claim", data={"csrf": token})
    resp = client.post(f"/items/{item}/decision",
                       data={"csrf": token, "outcome": "approve", "reason": REASON,
                             "comment": "Thanks, cleared.", "then": "next"})
    assert resp.status_code == 409
    page = resp.text
    assert 'id="decision-refused"' in page and "override" in page
    assert f">{html.escape(REASON, quote=False)}</textarea>" in page.replace("&#34;", '"')
    assert ">Thanks, cleared.</textarea>" in page
    assert re.search(r'value="approve" required checked', page)
    assert 'id="decision-form"' in page  # still holding the claim: decide again from here
    with Session(world.engine) as s:  # nothing was recorded
        row = s.get(ReviewItem, item)
        assert row is not None and row.state == "claimed"
        assert s.scalars(select(Review).where(Review.item_id == item)).all() == []


def test_a_refused_request_for_changes_keeps_the_reason(client: TestClient,
                                                        world: UIWorld) -> None:
    token = login(client, "rev")
    item = world.text_item
    client.post(f"/items/{item}/claim", data={"csrf": token})
    resp = client.post(f"/items/{item}/decision",
                       data={"csrf": token, "outcome": "request_changes",
                             "reason": "the age is stated"})
    assert resp.status_code == 422
    assert ">the age is stated</textarea>" in resp.text
    assert 'value="request_changes" checked' in resp.text
    assert "comment" in resp.text
    ok = client.post(f"/items/{item}/decision",
                     data={"csrf": token, "outcome": "approve", "reason": "fine"},
                     follow_redirects=False)
    assert ok.status_code == 303
