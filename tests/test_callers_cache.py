"""The caller cache (:mod:`clearance.service.callers`): a credential is looked up in the database
once every two seconds, not on every request, and nothing that should end or change it waits
for that: revoking a token (through the API or from the command line in this process), changing
a role, deactivating a user and logging out take effect on the next request. Only a change this
process cannot see (another worker process's, written straight to the table here) is honoured
late, for at most the cache's two seconds (``docs/security.md``). On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from api_world import World, world
from clearance.review import access
from clearance.service import callers
from clearance.storage.review_models import ApiToken


@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[World]:
    with world(tmp_path, database_url) as built:
        yield built


def _token_id(w: World, username: str) -> int:
    with Session(w.engine) as s:
        user = access.get_user(s, username)
        (token,) = access.list_tokens(s, user.username)
        return token.id


def test_a_caller_is_cached_and_revocation_ends_it_at_once(w: World) -> None:
    cache = w.app.state.clearance.callers
    assert w.call("GET", "/api/me", "rita").status_code == 200
    assert len(cache) == 1
    assert w.call("GET", "/api/items", "rita").status_code == 200  # from the cache
    assert w.call("DELETE", f"/api/tokens/{_token_id(w, 'rita')}", "ada").status_code == 204
    assert w.call("GET", "/api/me", "rita").status_code == 401
    # revoked beside the service (the command line's function, in this process)
    assert w.call("GET", "/api/me", "ravi").status_code == 200
    with Session(w.engine) as s:
        access.revoke_token(s, access.SYSTEM, _token_id(w, "ravi"))
        s.commit()
    assert w.call("GET", "/api/me", "ravi").status_code == 401


def test_a_role_change_or_deactivation_applies_to_the_next_request(w: World) -> None:
    assert w.call("GET", "/api/items", "ravi").status_code == 200
    r = w.call("PUT", "/api/users/ravi/role", "ada", json={"role": "submitter"})
    assert r.status_code == 200, r.text
    assert w.call("GET", "/api/items", "ravi").status_code == 403
    assert w.call("GET", "/api/me", "sam").status_code == 200
    with Session(w.engine) as s:
        access.set_active(s, access.SYSTEM, "sam", False)
        s.commit()
    assert w.call("GET", "/api/me", "sam").status_code == 401


def test_a_stamp_of_use_does_not_empty_the_cache(w: World) -> None:
    """``last_used_at`` is written once a minute by use; it changes no answer."""
    cache = w.app.state.clearance.callers
    assert w.call("GET", "/api/me", "rita").status_code == 200
    generation = cache.generation
    with Session(w.engine) as s:
        token = s.get(ApiToken, _token_id(w, "rita"))
        assert token is not None and token.last_used_at is not None
        token.last_used_at = token.last_used_at - dt.timedelta(minutes=5)
        s.commit()
    assert cache.generation == generation
    with Session(w.engine) as s:  # a change that matters does
        token = s.get(ApiToken, _token_id(w, "ada"))
        assert token is not None
        token.expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        s.commit()
    assert cache.generation == generation + 1


def test_a_change_this_process_cannot_see_waits_at_most_the_ttl(w: World) -> None:
    state = w.app.state.clearance
    now = dt.datetime.now(dt.UTC)
    state.clock = lambda: now
    assert w.call("GET", "/api/me", "rita").status_code == 200
    # as another worker process would: straight to the table, no session of this process
    token_id = _token_id(w, "rita")
    with w.engine.begin() as c:
        c.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=now))
    assert w.call("GET", "/api/me", "rita").status_code == 200  # still cached
    state.clock = lambda: now + dt.timedelta(seconds=callers.TTL_SECONDS)
    assert w.call("GET", "/api/me", "rita").status_code == 401


def test_a_token_from_a_throttled_address_is_not_served_from_the_cache(w: World) -> None:
    assert w.call("GET", "/api/me", "rita").status_code == 200
    statuses = [w.client.get("/api/me", headers={"Authorization": f"Bearer clr_guess{n:040d}"}
                             ).status_code for n in range(12)]
    assert 429 in statuses
    assert w.call("GET", "/api/me", "rita").status_code == 429  # the same (test) address


def test_logout_ends_a_cached_session(w: World) -> None:
    with Session(w.engine) as s:
        user = access.get_user(s, "rita")
        cookie, _csrf = access.start_session(s, w.settings.require_secret(), user,
                                            max_age=w.settings.session_max_age)
        s.commit()
    w.client.cookies.set(access.SESSION_COOKIE, cookie)
    try:
        assert w.client.get("/api/me").json()["via"] == "session"
        assert w.client.get("/api/me").status_code == 200  # cached
        # the CSRF token is checked on every request, cached or not
        assert w.client.post("/api/items/1/comments", json={"body": "x"}).status_code == 403
        with Session(w.engine) as s:
            access.end_session(s, w.settings.require_secret(), cookie,
                               w.settings.session_max_age)
            s.commit()
        assert w.client.get("/api/me").status_code == 401
    finally:
        w.client.cookies.clear()
