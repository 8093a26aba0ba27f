"""UI sessions end when they should (issue 10, item 6), through the running app and the
commands an operator uses.

Reproduced first: a session cookie copied before logging out, before ``clearance users
set-password`` and before ``clearance users deactivate`` (then ``activate``) still opened the
queue and ``/api/me`` afterwards, for the cookie's whole age: it was a signed value and nothing
more. Now every session is a row, and the class of test is: for each way a session must end, a
copy of the cookie taken before is refused after, by pages and API alike, and (except for a
plain logout) so is every other session of the user.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.cli.main import cli
from clearance.review import access
from clearance.service.app import create_app
from clearance.storage.review_models import AuditEvent, UserSession
from ui_world import PASSWORD, UIWorld, build, clone, csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIWorld]:
    w = build(tmp_path_factory.mktemp("sessions-template"))
    w.engine.dispose()
    yield w


@pytest.fixture
def world(template: UIWorld, tmp_path: Path) -> Iterator[UIWorld]:
    w = clone(template, tmp_path / "world")
    yield w
    w.engine.dispose()


def _login(world: UIWorld, username: str) -> TestClient:
    """A browser of its own, logged in as ``username`` through the form."""
    client = TestClient(create_app(world.settings, engine=world.engine, webhook_worker=False))
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf": token}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return client


def _is_in(client: TestClient, cookie: str) -> bool:
    """Whether a request carrying only ``cookie`` (a copy taken earlier) is let in, checked on
    a page and on the API."""
    fresh = TestClient(client.app, cookies={access.SESSION_COOKIE: cookie})
    page = fresh.get("/queue", follow_redirects=False)
    api = fresh.get("/api/me")
    assert (page.status_code == 200) == (api.status_code == 200), (page, api)
    if page.status_code != 200:
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert api.status_code == 401
    return page.status_code == 200


def _cli(world: UIWorld, *args: str, input: str | None = None) -> None:
    env = {"CLEARANCE_DATABASE_URL": world.settings.resolved_database_url,
           "CLEARANCE_DATA_DIR": str(world.settings.data_dir)}
    result = CliRunner(env=env).invoke(cli, ["users", *args], input=input)
    assert result.exit_code == 0, result.output


def _log_out(world: UIWorld, client: TestClient) -> None:
    token = csrf_of(client.get("/settings").text)
    assert client.post("/logout", data={"csrf": token},
                       follow_redirects=False).status_code == 303


def _set_password(world: UIWorld, client: TestClient) -> None:
    _cli(world, "set-password", "rev", "--password-stdin", input="Another-lighthouse-7\n")


def _deactivate(world: UIWorld, client: TestClient) -> None:
    _cli(world, "deactivate", "rev")


def _deactivate_then_activate(world: UIWorld, client: TestClient) -> None:
    _cli(world, "deactivate", "rev")
    _cli(world, "activate", "rev")


#: way a session ends -> whether the user's other sessions end with it
ENDINGS: dict[str, tuple[Callable[[UIWorld, TestClient], None], bool]] = {
    "logout": (_log_out, False),
    "password-change": (_set_password, True),
    "deactivate": (_deactivate, True),
    "deactivate-then-activate": (_deactivate_then_activate, True),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_copied_cookie_is_refused_after_the_session_ends(world: UIWorld,
                                                           ending: str) -> None:
    end, ends_all = ENDINGS[ending]
    browser = _login(world, "rev")
    elsewhere = _login(world, "rev")
    copied = browser.cookies[access.SESSION_COOKIE]
    other = elsewhere.cookies[access.SESSION_COOKIE]
    assert _is_in(browser, copied) and _is_in(browser, other)
    end(world, browser)
    assert not _is_in(browser, copied)
    assert _is_in(browser, other) is not ends_all
    with Session(world.engine) as s:
        reasons = {r.end_reason for r in s.scalars(select(UserSession))}
        ended = s.scalars(select(AuditEvent).where(AuditEvent.type == "session.end")).all()
    assert reasons - {None} == {"logout" if ending == "logout" else
                                "password" if ending == "password-change" else "deactivated"}
    assert ended and all(e.subject == "user:rev" for e in ended)


def test_a_login_is_a_session_of_its_own(world: UIWorld) -> None:
    """Two logins are two sessions: different cookies, different CSRF tokens; logging in is
    audited with the address it came from."""
    first, second = _login(world, "rev"), _login(world, "rev")
    assert first.cookies[access.SESSION_COOKIE] != second.cookies[access.SESSION_COOKIE]
    assert csrf_of(first.get("/settings").text) != csrf_of(second.get("/settings").text)
    with Session(world.engine) as s:
        started = s.scalars(select(AuditEvent).where(AuditEvent.type == "session.start")).all()
    assert [e.subject for e in started] == ["user:rev", "user:rev"]
    assert '"address":"testclient"' in started[0].data
