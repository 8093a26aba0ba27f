"""The review UI over HTTP (TestClient, a real SQLite database): login, sessions and CSRF, the
pages each role sees, submitter isolation, blur and reveal, and the review flow with the
two-person rule as a reviewer and a senior would click through it."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.review import audit
from clearance.service.app import create_app
from clearance.storage import session_scope
from clearance.storage.review_models import AuditEvent, ReviewItem
from clearance.storage.screening_models import Screening
from test_ui_errors import SYNOPSIS, blocked_item  # a blocked synopsis, built by hand
from ui_world import PASSWORD, UIWorld, build, clone, csrf_of

with warnings.catch_warnings():  # starlette warns that it prefers httpx2 (not installed)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PAGES = ["/", "/queue", "/mine", "/settings", "/audit", "/items/1", "/items/1/content"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIWorld]:
    w = build(tmp_path_factory.mktemp("ui-template"))
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
def app_client(world: UIWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, engine=world.engine,
                               webhook_worker=False)) as client:
        yield client


def login(client: TestClient, username: str, password: str = PASSWORD,
          next_url: str = "/") -> str:
    """Log in through the form; returns the session's CSRF token (from the next page)."""
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"username": username, "password": password,
                                       "csrf": token, "next": next_url},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return csrf_of(client.get("/settings").text)


def events(world: UIWorld, item_id: int) -> list[tuple[str, str]]:
    with Session(world.engine) as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.subject == f"item:{item_id}")
                         .order_by(AuditEvent.seq))
        return [(e.type, e.actor) for e in rows]


def item_state(world: UIWorld, item_id: int) -> str:
    with Session(world.engine) as s:
        item = s.get(ReviewItem, item_id)
        assert item is not None
        return item.state


# -- login, sessions, CSRF -----------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_login_without_a_session(app_client: TestClient, path: str) -> None:
    resp = app_client.get(path, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"].startswith("/login")
    if path != "/":
        assert resp.headers["location"] == "/login?next=" + path.replace("/", "%2F")


def test_a_forged_or_expired_cookie_is_sent_to_login(app_client: TestClient) -> None:
    app_client.cookies.set("clearance_session", "forged.value.sig")
    resp = app_client.get("/queue", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login")


def test_login_sets_a_hardened_session_cookie_and_follows_next(app_client: TestClient) -> None:
    token = csrf_of(app_client.get("/login?next=/audit").text)
    resp = app_client.post("/login", data={"username": "senior", "password": PASSWORD,
                                           "csrf": token, "next": "/audit"},
                           follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/audit"
    cookie = next(c for c in resp.headers.get_list("set-cookie")
                  if c.startswith("clearance_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # development serves plain http on loopback
    assert app_client.get("/audit").status_code == 200


def test_session_cookie_is_secure_outside_development(template: UIWorld,
                                                      tmp_path: Path) -> None:
    w = clone(template, tmp_path / "prod", environment="production",
              quarantine_key=Fernet.generate_key().decode())
    with TestClient(create_app(w.settings, engine=w.engine, webhook_worker=False),
                    base_url="https://testserver") as client:
        token = csrf_of(client.get("/login").text)
        resp = client.post("/login", data={"username": "rev", "password": PASSWORD,
                                           "csrf": token}, follow_redirects=False)
        cookie = next(c for c in resp.headers.get_list("set-cookie")
                      if c.startswith("clearance_session="))
        assert "Secure" in cookie and "HttpOnly" in cookie
    w.engine.dispose()


def test_wrong_password_is_refused_without_a_session(app_client: TestClient) -> None:
    token = csrf_of(app_client.get("/login").text)
    resp = app_client.post("/login", data={"username": "rev", "password": "nope-nope-1",
                                           "csrf": token}, follow_redirects=False)
    assert resp.status_code == 401
    assert "wrong username or password" in resp.text.lower()
    assert "clearance_session" not in app_client.cookies


def test_login_form_needs_its_csrf_token(app_client: TestClient) -> None:
    app_client.get("/login")
    resp = app_client.post("/login", data={"username": "rev", "password": PASSWORD},
                           follow_redirects=False)
    assert resp.status_code == 403
    assert "clearance_session" not in app_client.cookies


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(app_client: TestClient, target: str) -> None:
    token = csrf_of(app_client.get("/login").text)
    resp = app_client.post("/login", data={"username": "rev", "password": PASSWORD,
                                           "csrf": token, "next": target},
                           follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/"


@pytest.mark.parametrize("csrf", [None, "", "wrong-token"])
def test_a_post_without_the_csrf_token_is_refused(app_client: TestClient, world: UIWorld,
                                                  csrf: str | None) -> None:
    login(app_client, "rev")
    data = {} if csrf is None else {"csrf": csrf}
    resp = app_client.post(f"/items/{world.image_item}/claim", data=data,
                           follow_redirects=False)
    assert resp.status_code == 403
    assert "CSRF" in resp.text
    assert item_state(world, world.image_item) == "queued"
    assert ("claim", "user:rev") not in events(world, world.image_item)


def test_logout_needs_csrf_and_ends_the_session(app_client: TestClient) -> None:
    token = login(app_client, "rev")
    assert app_client.post("/logout", data={}, follow_redirects=False).status_code == 403
    resp = app_client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login"
    assert app_client.get("/queue", follow_redirects=False).status_code == 303


# -- pages per role ------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "home"), [("sub", "/mine"), ("rev", "/queue"),
                                            ("senior", "/queue"), ("admin", "/queue")])
def test_home_depends_on_the_role(app_client: TestClient, user: str, home: str) -> None:
    login(app_client, user)
    resp = app_client.get("/", follow_redirects=False)
    assert resp.headers["location"] == home


@pytest.mark.parametrize(("user", "path", "status"), [
    ("sub", "/queue", 403), ("sub", "/audit", 403), ("rev", "/audit", 403),
    ("sub", "/mine", 200), ("sub", "/settings", 200), ("rev", "/queue", 200),
    ("senior", "/audit", 200), ("admin", "/audit", 200),
])
def test_pages_per_role(app_client: TestClient, user: str, path: str, status: int) -> None:
    login(app_client, user)
    resp = app_client.get(path)
    assert resp.status_code == status
    assert resp.headers["content-type"].startswith("text/html")


def test_queue_lists_items_by_risk_with_filters(app_client: TestClient, world: UIWorld) -> None:
    login(app_client, "rev")
    page = app_client.get("/queue").text
    ids = [int(i) for i in re.findall(r'<tr data-href="/items/(\d+)"', page)]
    assert ids == [world.image_item, world.text_item]  # 1.93 before 1.80
    assert 'class="tag">minor.apparent<' in page and "Claim next" in page
    only = app_client.get("/queue", params={"rule": "minor_in_copy"}).text
    assert re.findall(r'<tr data-href="/items/(\d+)"', only) == [str(world.text_item)]
    assert "Nothing in the queue matches" in app_client.get(
        "/queue", params={"locale": "fr"}).text
    assert app_client.get("/queue", params={"older": "soon"}).status_code == 422


def test_submitter_sees_only_their_team(app_client: TestClient, world: UIWorld) -> None:
    login(app_client, "outsider")
    for path in (f"/items/{world.image_item}", f"/items/{world.image_item}/content"):
        assert app_client.get(path).status_code == 404
    assert "The Lighthouse" not in app_client.get("/mine").text
    token = csrf_of(app_client.get("/settings").text)
    resp = app_client.post(f"/items/{world.image_item}/comments",
                           data={"csrf": token, "body": "hello"})
    assert resp.status_code == 404
    login(app_client, "sub")
    mine = app_client.get("/mine").text
    assert f'id="item-{world.image_item}"' in mine and f'id="item-{world.text_item}"' in mine
    assert 'class="filters js-upload"' in mine and '<option value="key_art">' in mine


# -- the item page: blur, overlays, reveal -------------------------------------------------

def test_item_page_blurs_the_image_and_draws_boxes(app_client: TestClient,
                                                   world: UIWorld) -> None:
    login(app_client, "rev")
    page = app_client.get(f"/items/{world.image_item}").text
    assert 'class="frame blurred"' in page
    # boxes in percent of the 640x400 image: minor.apparent at x=248 y=60 w=56 h=60
    assert "left:38.75%;top:15.00%;width:8.75%;height:15.00%" in page
    assert "minor.apparent 0.71" in page and "text.ocr 0.88" in page
    assert "Robin Tide" in page and 'class="badge block">12<' in page  # age at shoot
    assert 'id="decision-form"' not in page  # not claimed yet
    content = app_client.get(f"/items/{world.image_item}/content")  # blurred by the server
    assert content.headers["content-type"] == "image/jpeg"
    assert content.content.startswith(b"\xff\xd8")


def test_copy_is_shown_with_its_findings_marked(app_client: TestClient, world: UIWorld) -> None:
    login(app_client, "rev")
    page = app_client.get(f"/items/{world.text_item}").text
    assert '<mark title="minor.mentioned">a girl of twelve</mark>' in page
    assert 'class="frame' not in page


def test_a_findings_attributes_and_closest_examples_are_shown(app_client: TestClient,
                                                              world: UIWorld) -> None:
    """The findings table shows what the evidence line does not: a finding's attributes (age,
    cues, the model's probability) and, for the copy classifier, the closest training examples
    it compared the window with (its reason, issue 9)."""
    item = blocked_item(world)
    near = ["An enigmatic beauty seduces men with a look.", "Une chanteuse ensorcelle le public."]
    with session_scope(world.engine) as s:
        screening = s.get_one(Screening, s.get_one(ReviewItem, item).screening_id)
        screening.findings = [*screening.findings, {
            "label": "minor.sexualised", "score": 0.79,
            "evidence": {"kind": "text_span", "start": 0, "end": len(SYNOPSIS),
                         "text": SYNOPSIS, "sentence": 0},
            "detector": "minor-sexualised", "detector_version": "test",
            "attributes": {"age": 12, "age_band": None, "p_framing": 0.8792,
                           "cues": "adults", "nearest": " | ".join(near)}}]
    login(app_client, "rev")
    page = app_client.get(f"/items/{item}").text
    row = next(r for r in page.split("<tr>") if '<span class="tag">minor.sexualised<' in r)
    details = row.split('class="finding-details muted">')[1].split("</div>")[0]
    assert re.sub(r"<[^>]+>", "", details) == "age 12 · p framing 0.879 · cues adults"
    assert "age band" not in details  # an empty attribute is left out
    assert "closest training examples (2)" in row
    assert all(f"<li>{n}</li>" in row for n in near)
    # the minor.mentioned finding has no nearest examples, only its attributes (none here)
    other = next(r for r in page.split("<tr>") if '<span class="tag">minor.mentioned<' in r)
    assert "closest training examples" not in other


def test_finding_details_leave_out_what_the_evidence_line_says() -> None:
    from clearance.finding_text import finding_details

    fact = {"label": "rating.mature", "evidence": {"kind": "fact", "name": "rating",
                                                   "value": "TV-MA"},
            "attributes": {"rating": "TV-MA", "system": "us-tv"}}
    assert finding_details(fact) == ((("system", "us-tv"),), ())
    banked = {"label": "match.withdrawn",
              "evidence": {"kind": "fact", "name": "banked_version", "value": "s1/key_art/v1"},
              "attributes": {"banked": "s1/key_art/v1", "distance": 22}}
    assert finding_details(banked) == ((("distance", "22"),), ())
    span = {"label": "minor.mentioned", "evidence": {"kind": "text_span", "text": "Amy, 11"},
            "attributes": {"age": 11, "term": "amy, 11", "group": "child", "age_band": None}}
    assert finding_details(span) == ((("age", "11"), ("group", "child")), ())


def test_reveal_is_audited_for_reviewers(app_client: TestClient, world: UIWorld) -> None:
    token = login(app_client, "rev")
    resp = app_client.post(f"/items/{world.image_item}/reveal", data={"csrf": token},
                           headers={"Accept": "application/json"})
    answer = resp.json()
    assert {k: answer[k] for k in ("item_id", "revealed", "recorded")} == {
        "item_id": world.image_item, "revealed": True, "recorded": True}
    assert answer["content_url"].startswith(f"/items/{world.image_item}/content?reveal=")
    assert ("reveal", "user:rev") in events(world, world.image_item)
    resp = app_client.post(f"/items/{world.image_item}/reveal", data={"csrf": token},
                           follow_redirects=False)
    assert resp.headers["location"].startswith(f"/items/{world.image_item}?reveal=")
    assert 'class="frame"' in app_client.get(resp.headers["location"]).text


def test_submitter_reveal_of_own_upload_is_not_a_review_act(app_client: TestClient,
                                                            world: UIWorld) -> None:
    token = login(app_client, "sub")
    resp = app_client.post(f"/items/{world.image_item}/reveal", data={"csrf": token},
                           headers={"Accept": "application/json"})
    assert resp.status_code == 200 and resp.json()["recorded"] is False
    assert not [e for e in events(world, world.image_item) if e[0] == "reveal"]


def test_blur_preference_is_honoured_and_audited(app_client: TestClient,
                                                 world: UIWorld) -> None:
    token = login(app_client, "rev")
    assert 'name="blur_images" value="1" checked' in app_client.get("/settings").text
    resp = app_client.post("/settings", data={"csrf": token}, follow_redirects=False)
    assert resp.headers["location"] == "/settings?saved=1"
    with Session(world.engine) as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert (last.type, last.subject) == ("user.update", "user:rev")
        assert json.loads(last.data)["blur_images"] is False
    page = app_client.get(f"/items/{world.image_item}").text
    assert 'class="frame"' in page and "Reveal image" not in page
    assert ("reveal", "user:rev") in events(world, world.image_item)  # each view recorded
    app_client.post("/settings", data={"csrf": token, "blur_images": "1"})
    assert 'class="frame blurred"' in app_client.get(f"/items/{world.image_item}").text


# -- the review flow -----------------------------------------------------------------------

def test_two_person_flow_through_the_pages(app_client: TestClient, world: UIWorld) -> None:
    item = world.image_item
    token = login(app_client, "rev")
    resp = app_client.post("/queue/claim-next", data={"csrf": token}, follow_redirects=False)
    assert resp.headers["location"] == f"/items/{item}"
    page = app_client.get(f"/items/{item}").text
    assert 'id="decision-form"' in page and "You hold this item" in page
    refused = app_client.post(f"/items/{item}/decision",
                              data={"csrf": token, "outcome": "request_changes"})
    assert refused.status_code == 422 and "comment" in refused.text
    app_client.post(f"/items/{item}/decision",
                    data={"csrf": token, "outcome": "approve", "reason": "a lighthouse"})
    page = app_client.get(f"/items/{item}").text
    assert 'id="awaiting-senior"' in page and 'id="decision-form"' not in page
    conflict = app_client.post(f"/items/{item}/claim", data={"csrf": token})
    assert conflict.status_code == 409 and "different person" in conflict.text

    token = login(app_client, "senior")
    app_client.post(f"/items/{item}/claim", data={"csrf": token})
    app_client.post(f"/items/{item}/decision",
                    data={"csrf": token, "outcome": "approve", "comment": "cleared"})
    assert item_state(world, item) == "approved"

    login(app_client, "sub")
    mine = app_client.get("/mine").text
    row = mine[mine.index(f'id="item-{item}"'):]
    assert 'class="badge approved"' in row[:1500] and "cleared" in row
    token = csrf_of(mine)
    app_client.post(f"/items/{item}/comments",
                    data={"csrf": token, "body": "thanks", "next": "/mine"})
    assert "thanks" in app_client.get("/mine").text

    login(app_client, "admin")
    audit_page = app_client.get("/audit", params={"subject": f"item:{item}"}).text
    assert 'id="chain-status">chain intact' in audit_page.replace('"pass" ', '" ') or \
        "chain intact" in audit_page
    types = re.findall(r'<span class="tag">([a-z.]+)</span>', audit_page)
    assert {"claim", "review", "decision", "comment"} <= set(types)
    assert events(world, item)[-1] == ("comment", "user:sub")


def test_pages_show_the_per_asset_version_number(app_client: TestClient, world: UIWorld) -> None:
    login(app_client, "rev")
    assert "key art v1 · und · web" in app_client.get("/queue").text
    page = app_client.get(f"/items/{world.image_item}").text
    assert '<td class="mono">v1 · ' in page
