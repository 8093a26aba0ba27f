"""Login and API token rate limits (issue 10, item 5), through the running app on SQLite and
PostgreSQL.

Reproduced first: 60 wrong passwords in a row through the login form, each one checked (401),
then the right one logged in; 60 bad bearer tokens, each one looked up. The class of test: an
attacker who hammers the form, who waits exactly as long as told, who sprays many accounts from
one address, who spreads attempts over several worker processes, or who tries to lock a victim
out; and the same for bearer tokens. The clock is the service's own (``state.clock``), moved on
by the test instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clearance.review import access, throttle
from clearance.service.app import create_app
from clearance.storage import make_engine
from clearance.storage.review_models import AuditEvent, AuthEvent
from ui_world import PASSWORD, UIWorld, build, csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

WRONG = "Not-the-password-1"


class Clock:
    """The service's clock, moved on by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIWorld]:
    w = build(tmp_path_factory.mktemp("login-template"))
    w.engine.dispose()
    yield w


@pytest.fixture
def world(database_url: str, tmp_path: Path, sqlite_template: UIWorld) -> Iterator[UIWorld]:
    if database_url.startswith("sqlite"):
        from ui_world import clone

        w = clone(sqlite_template, tmp_path / "world")
    else:
        w = build(tmp_path / "world", database_url=database_url)
    yield w
    w.engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _app(world: UIWorld, clock: Clock, engine: Engine | None = None) -> FastAPI:
    app = create_app(world.settings, engine=engine or world.engine, webhook_worker=False)
    app.state.clearance.clock = clock
    return app


def _browser(app: FastAPI, address: str = "203.0.113.7") -> TestClient:
    return TestClient(app, client=(address, 50000))


def _attempt(browser: TestClient, username: str, password: str, *,
             with_csrf: bool = True) -> Any:
    """One well-formed login attempt (a fresh form, its CSRF token sent back)."""
    browser.cookies.delete(access.SESSION_COOKIE)
    token = csrf_of(browser.get("/login").text) if with_csrf else ""
    return browser.post("/login", data={"username": username, "password": password,
                                        "csrf": token}, follow_redirects=False)


def _audit(world: UIWorld, type_: str) -> list[AuditEvent]:
    with Session(world.engine) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.type == type_)
                              .order_by(AuditEvent.seq)))


def test_hammering_the_form_checks_at_most_ten_passwords(world: UIWorld, clock: Clock) -> None:
    """The probe's case: 60 wrong passwords as fast as possible, then the right one."""
    browser = _browser(_app(world, clock))
    answers = [_attempt(browser, "rev", WRONG) for _ in range(60)]
    checked = [a for a in answers if a.status_code == 401]
    refused = [a for a in answers if a.status_code == 429]
    assert len(checked) + len(refused) == 60 and 1 <= len(checked) <= throttle.LIMIT
    right = _attempt(browser, "rev", PASSWORD)
    assert right.status_code == 429 and int(right.headers["Retry-After"]) >= 1
    assert "Too many failed logins" in right.text
    assert access.SESSION_COOKIE not in right.cookies


def test_waiting_as_told_gives_ten_guesses_per_fifteen_minutes(world: UIWorld,
                                                               clock: Clock) -> None:
    """An attacker who waits exactly as long as each answer says: ten checked guesses, then
    a lock that lasts until the first of them is fifteen minutes old, and no longer."""
    browser = _browser(_app(world, clock))
    checked = 0
    started = clock.now
    while clock.now - started < dt.timedelta(minutes=14):
        answer = _attempt(browser, "rev", WRONG)
        if answer.status_code == 429:
            wait = int(answer.headers["Retry-After"])
            if wait > throttle.BACKOFF_MAX:  # the lock, not the backoff
                break
            clock.advance(wait)
        else:
            assert answer.status_code == 401
            checked += 1
    assert checked == throttle.LIMIT
    assert _attempt(browser, "rev", PASSWORD).status_code == 429
    clock.now = started + throttle.WINDOW + dt.timedelta(seconds=1)
    assert _attempt(browser, "rev", PASSWORD).status_code == 303
    failures = _audit(world, "login.failure")
    assert len(failures) == throttle.LIMIT
    assert all(json.loads(e.data)["username"] == "rev" for e in failures)
    locks = _audit(world, "auth.throttle")
    assert [json.loads(e.data)["scope"] for e in locks] == ["account", "address"]
    assert all(e.subject == "address:203.0.113.7" for e in locks)


def test_the_limit_holds_across_worker_processes(world: UIWorld, clock: Clock) -> None:
    """Attempts spread over two apps with engines of their own (two worker processes) count
    together: the state is in the database."""
    second_engine = make_engine(world.settings.resolved_database_url)
    try:
        workers = [_browser(_app(world, clock)), _browser(_app(world, clock, second_engine))]
        checked = 0
        for n in range(60):
            answer = _attempt(workers[n % 2], "rev", WRONG)
            checked += answer.status_code == 401
            if answer.status_code == 429 and int(answer.headers["Retry-After"]) <= 60:
                clock.advance(int(answer.headers["Retry-After"]))
        assert checked == throttle.LIMIT
    finally:
        second_engine.dispose()


def test_spraying_many_accounts_from_one_address_is_limited(world: UIWorld,
                                                           clock: Clock) -> None:
    browser = _browser(_app(world, clock))
    checked = 0
    for n in range(40):
        answer = _attempt(browser, ["rev", "senior", "admin", "sub", f"nobody{n}"][n % 5], WRONG)
        checked += answer.status_code == 401
        if answer.status_code == 429 and int(answer.headers["Retry-After"]) <= 60:
            clock.advance(int(answer.headers["Retry-After"]))
    assert checked == throttle.LIMIT
    # another address is not held back by this one
    assert _attempt(_browser(browser.app, "198.51.100.9"), "rev", PASSWORD).status_code == 303
    # names that are no account are never stored or audited
    with Session(world.engine) as s:
        stored = " ".join(f"{r.account} {r.address}" for r in s.scalars(select(AuthEvent)))
    assert "nobody" not in stored
    assert all("nobody" not in e.data for e in _audit(world, "login.failure"))


def test_an_attacker_cannot_lock_the_owner_out_of_their_known_address(world: UIWorld,
                                                                      clock: Clock) -> None:
    app = _app(world, clock)
    owner, attacker = _browser(app, "192.0.2.10"), _browser(app, "198.51.100.66")
    assert _attempt(owner, "rev", PASSWORD).status_code == 303  # the owner's usual address
    for _ in range(60):
        answer = _attempt(attacker, "rev", WRONG)
        if answer.status_code == 429 and int(answer.headers["Retry-After"]) <= 60:
            clock.advance(int(answer.headers["Retry-After"]))
    assert _attempt(attacker, "rev", PASSWORD).status_code == 429
    assert _attempt(owner, "rev", PASSWORD).status_code == 303
    # from an address the account never used, the owner waits, at most one window
    traveller = _browser(app, "203.0.113.200")
    locked = _attempt(traveller, "rev", PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) <= throttle.WINDOW.total_seconds()
    clock.advance(int(locked.headers["Retry-After"]))
    assert _attempt(traveller, "rev", PASSWORD).status_code == 303


def test_only_well_formed_attempts_count(world: UIWorld, clock: Clock) -> None:
    """Posts without the form's CSRF token (403) or without a password (422) are not checked
    and not counted: they cannot lock anyone out."""
    browser = _browser(_app(world, clock))
    for _ in range(30):
        assert _attempt(browser, "rev", WRONG, with_csrf=False).status_code == 403
        assert _attempt(browser, "rev", "").status_code == 422
    assert _audit(world, "login.failure") == []
    assert _attempt(browser, "rev", PASSWORD).status_code == 303


# -- API tokens ------------------------------------------------------------------------------

def test_bad_bearer_tokens_are_limited_per_address(world: UIWorld, clock: Clock) -> None:
    with Session(world.engine) as s:
        _, good = access.issue_token(s, access.SYSTEM, "rev", "tests")
        s.commit()
    app = _app(world, clock)
    prober, bystander = _browser(app, "198.51.100.66"), _browser(app, "192.0.2.10")
    statuses = []
    for n in range(60):
        answer = prober.get("/api/me", headers={"Authorization": f"Bearer clr_guess{n:040d}"})
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert answer.headers["content-type"] == "application/problem+json"
            assert int(answer.headers["Retry-After"]) >= 1
    assert 1 <= statuses.count(401) <= throttle.LIMIT
    assert set(statuses) == {401, 429}
    mine = {"Authorization": f"Bearer {good}"}
    assert prober.get("/api/me", headers=mine).status_code == 429  # checked no more
    assert bystander.get("/api/me", headers=mine).status_code == 200  # another address
    refused = _audit(world, "token.failure")
    assert len(refused) == statuses.count(401)
    assert all(e.subject == "address:198.51.100.66" and good not in e.data for e in refused)
    clock.advance(throttle.WINDOW.total_seconds() + 1)
    assert prober.get("/api/me", headers=mine).status_code == 200
