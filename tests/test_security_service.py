"""Service-side controls of issue 10 that need no world of their own: the database's details
stay in the log (item 17), the webhook subscription route applies the service's outbound rule,
reviewer names stay hidden from submitters in comments as in reviews (item 16), and names are
shown escaped on every page (item 18's display half).

Each was reproduced first: ``/healthz`` answered 503 naming the database host, port and name;
``POST /api/webhooks`` refused the allow-listed local receiver (the strict rule applied); a
submitter saw the reviewer's username as the author of the review's comment; a display name
with a right-to-left override was shown as written.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from api_world import SECRET, World, world
from clearance.service import create_app
from clearance.settings import Settings
from clearance.storage import make_engine
from conftest import _postgres_unreachable, postgres_admin_url

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as built:
        yield built


# -- /healthz and every 503 (item 17) -------------------------------------------------------

def _unreachable_databases() -> list[object]:
    """Databases the service cannot use, with the words their errors would give away."""
    cases: list[object] = [pytest.param(
        "postgresql+psycopg://clearance@127.0.0.1:1/secret_db_name", ("127.0.0.1", "port 1"),
        id="nothing-listening")]
    missing = postgres_admin_url().rsplit("/", 1)[0] + "/secret_db_name"
    cases.append(pytest.param(missing, ("secret_db_name", "5432"), id="missing-database",
                              marks=pytest.mark.postgres))
    return cases


@pytest.mark.parametrize(("url", "secrets"), _unreachable_databases())
def test_an_unavailable_database_is_named_only_in_the_log(
        tmp_path: Path, url: str, secrets: tuple[str, ...],
        caplog: pytest.LogCaptureFixture) -> None:
    if "secret_db_name" in secrets and _postgres_unreachable() is not None:
        pytest.skip("PostgreSQL is unreachable")
    settings = Settings(environment="test", secret_key=SECRET, data_dir=tmp_path / "data",
                        semantic="off")
    engine: Engine = make_engine(url, connect_args={"connect_timeout": 3})
    app = create_app(settings, engine=engine, webhook_worker=False)
    caplog.set_level(logging.ERROR, logger="clearance.service")
    client = TestClient(app)  # no lifespan: its job runner would need the database
    try:
        token = client.get("/login").cookies["clearance_login_csrf"]
        answers = [
            client.get("/healthz"),  # anonymous
            client.get("/api/me", headers={"Authorization": "Bearer clr_" + "x" * 43}),
            client.post("/login", data={"username": "ada", "password": "x" * 12,
                                        "csrf": token},
                        headers={"Cookie": f"clearance_login_csrf={token}"}),
        ]
    finally:
        engine.dispose()
    for answer in answers:
        assert answer.status_code == 503, (answer.request.url, answer.text)
        for secret in (*secrets, "Connection refused", "does not exist"):
            assert secret not in answer.text, (answer.request.url, secret)
    assert answers[0].headers["content-type"] == "application/problem+json"
    assert "unavailable" in answers[0].json()["detail"]
    logged = caplog.text
    assert any(secret in logged for secret in secrets), logged


# -- webhooks subscribed through the service ------------------------------------------------

def test_the_webhook_route_applies_the_services_outbound_rule(tmp_path: Path) -> None:
    local = {"url": "http://127.0.0.1:9/hook"}
    with world(tmp_path / "strict") as w:  # test environment: public addresses only
        refused = w.call("POST", "/api/webhooks", "ada", json=local)
        assert refused.status_code == 422 and "127.0.0.1" in refused.json()["detail"]
        metadata = w.call("POST", "/api/webhooks", "ada",
                          json={"url": "http://169.254.169.254/latest/meta-data/"})
        assert metadata.status_code == 422
    with world(tmp_path / "allowed", outbound_allow=["127.0.0.1"]) as w:
        assert w.call("POST", "/api/webhooks", "ada", json=local).status_code == 201
        other = w.call("POST", "/api/webhooks", "ada", json={"url": "http://127.0.0.2:9/"})
        assert other.status_code == 422  # exactly what the allow-list names


# -- reviewer names (item 16) ---------------------------------------------------------------

def ui_cookie(w: World, username: str) -> dict[str, str]:
    """A UI session of ``username`` (as the login form would start it)."""
    from clearance.review import access
    from clearance.storage import session_scope

    with session_scope(w.engine) as s:
        value, _ = access.start_session(s, SECRET, access.get_user(s, username),
                                        max_age=w.settings.session_max_age)
    return {"Cookie": f"{access.SESSION_COOKIE}={value}"}


def test_no_page_or_answer_names_a_reviewer_to_a_submitter(w: World) -> None:
    item_id = w.queued_item("alice")
    assert w.call("POST", f"/api/items/{item_id}/claim", "rita").status_code == 200
    decided = w.call("POST", f"/api/items/{item_id}/decision", "rita",
                     json={"outcome": "request_changes", "comment": "Crop the poster."})
    assert decided.status_code == 200, decided.text
    reply = w.call("POST", f"/api/items/{item_id}/comments", "alice",
                   json={"body": "Cropped, see v2."})
    assert reply.status_code == 201 and reply.json()["author"] == "alice"
    seen_by_alice = [
        w.call("GET", f"/api/items/{item_id}", "alice").text,
        w.call("GET", "/api/items/mine", "alice").text,
        w.client.get(f"/items/{item_id}", headers=ui_cookie(w, "alice")).text,
        w.client.get("/mine", headers=ui_cookie(w, "alice")).text,
    ]
    for text in seen_by_alice:
        assert "rita" not in text
    for text in (seen_by_alice[0], *seen_by_alice[2:]):  # the ones that show comments
        assert "Crop the poster." in text and "Cropped, see v2." in text
    detail = w.call("GET", f"/api/items/{item_id}", "alice").json()
    by_reviewer = [c for c in detail["comments"] if c["body"] == "Crop the poster."]
    assert by_reviewer and by_reviewer[0]["author"] is None
    assert [c["author"] for c in detail["context"]["comments"]] == [None, "alice"]
    assert all(r["reviewer"] is None for r in detail["reviews"])
    # reviewers still see who wrote what
    named = w.call("GET", f"/api/items/{item_id}", "sam").json()
    assert [c["author"] for c in named["comments"]] == ["rita", "alice"]


# -- names shown escaped (item 18's display half) ---------------------------------------------

RLO, ZWSP = "\u202e", "\u200b"
#: Invisible and control characters that must never reach a page raw (line breaks and tabs in
#: copy and comments may).
_RAW = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad\x00-\x08\x0b\x0c"
                  r"\x0e-\x1f\x7f]")


def test_names_and_words_with_hidden_characters_are_shown_escaped(w: World) -> None:
    """A display name, a title's name, a cast member's name, a review's reason, a comment and
    the reviewer's name: each carrying a right-to-left override and a zero-width space, shown
    escaped as <U+202E> and <U+200B> on every page that shows it."""
    from sqlalchemy import update

    from clearance.storage import session_scope
    from clearance.storage.models import Person, Title
    from clearance.storage.review_models import User

    with session_scope(w.engine) as s:
        s.execute(update(User).values(display_name=f"Alice{RLO}ecilA{ZWSP}"))
        s.execute(update(Title).where(Title.id == "t1")
                  .values(original_title=f"Harbour{RLO} Lights{ZWSP}"))
        s.execute(update(Person).values(name=f"Robin{RLO} Tide"))
    item_id = w.queued_item("alice")
    assert w.call("POST", f"/api/items/{item_id}/claim", "rita").status_code == 200
    decided = w.call("POST", f"/api/items/{item_id}/decision", "rita", json={
        "outcome": "reject", "reason": f"Framing{RLO} of a teen{ZWSP}.",
        "comment": f"Line one{ZWSP}\nline two{RLO}."})
    assert decided.status_code == 200, decided.text
    pages = {
        "item (reviewer)": w.client.get(f"/items/{item_id}", headers=ui_cookie(w, "sam")),
        "item (submitter)": w.client.get(f"/items/{item_id}", headers=ui_cookie(w, "alice")),
        "mine": w.client.get("/mine", headers=ui_cookie(w, "alice")),
        "queue": w.client.get("/queue?state=all", headers=ui_cookie(w, "sam")),
        "settings": w.client.get("/settings", headers=ui_cookie(w, "alice")),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert not _RAW.search(page.text), (name, _RAW.search(page.text))
        assert "&lt;U+202E&gt;" in page.text, name
    item_page = pages["item (reviewer)"].text
    for shown in ("Harbour&lt;U+202E&gt; Lights&lt;U+200B&gt;", "Robin&lt;U+202E&gt; Tide",
                  "Framing&lt;U+202E&gt; of a teen&lt;U+200B&gt;.",
                  "Line one&lt;U+200B&gt;\nline two&lt;U+202E&gt;."):
        assert shown in item_page, shown
    assert "Alice&lt;U+202E&gt;ecilA&lt;U+200B&gt;" in pages["settings"].text


@pytest.mark.parametrize(("field", "value"), [
    ("title_id", f"t1{RLO}"), ("locale", f"en{ZWSP}"), ("channel", f"we{RLO}b"),
    ("channel", "ｗｅｂ"), ("locale", "еn")])  # full-width; a Cyrillic е
def test_the_upload_spec_applies_the_identifier_rule(w: World, field: str, value: str) -> None:
    form = {"kind": "synopsis", "locale": "en", "channel": "web", "text": "A film."}
    title = value if field == "title_id" else "t1"
    if field != "title_id":
        form[field] = value
    answer = w.call("POST", f"/api/titles/{title}/assets", "alice", data=form)
    assert answer.status_code == 422, answer.text
    assert field.replace("_", " ") in answer.json()["detail"]
