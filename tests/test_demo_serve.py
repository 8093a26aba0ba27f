"""``clearance demo --serve``: the demo's items wait in the review queue, one user per role with
a fresh printed password, and the service shows them to a reviewer."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from clearance.demo import run_demo
from clearance.demo.serve import DEMO_USERS, seed_review
from clearance.errors import ConfigurationError, Unauthenticated
from clearance.review import access
from clearance.screening import Screener
from clearance.settings import Settings
from clearance.storage import ready_engine, session_scope
from clearance.storage.review_models import ReviewItem

with warnings.catch_warnings():  # starlette warns that it prefers httpx2 (not installed)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_seeded_queue_logins_and_rerun(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, environment="development")
    screener = Screener.from_settings(settings)
    run = run_demo(settings, screener)
    first = seed_review(settings, run)
    # key art v1 and v2, English v1 and v2, French v1 and the thumbnail of the withdrawn
    # poster blocked or for review; French v2 passes
    assert (first.queued, first.passed) == (6, 1)
    assert [(x.username, x.role) for x in first.logins] == [(u, r) for u, r, _ in DEMO_USERS]
    assert len({x.password for x in first.logins}) == len(first.logins)

    second = seed_review(settings, run)  # re-run: same items, new passwords
    assert (second.queued, second.passed) == (6, 1)
    with ready_engine(settings.resolved_database_url) as engine, \
            session_scope(engine) as session:
        assert session.query(ReviewItem).count() == 7
        for old, new in zip(first.logins, second.logins, strict=True):
            with pytest.raises(Unauthenticated):
                access.login(session, old.username, old.password)
            assert access.login(session, new.username, new.password).role == new.role

    reviewer = next(x for x in second.logins if x.username == "reviewer")
    app = create_app_for(settings, screener)
    with TestClient(app) as client:
        res = client.post("/login", data={"username": reviewer.username,
                                          "password": reviewer.password,
                                          "csrf": _login_csrf(client)},
                          follow_redirects=False)
        assert res.status_code in (302, 303), res.text
        queue_page = client.get("/queue")
        assert queue_page.status_code == 200
        assert "Mignonnes" in queue_page.text or "s2032" in queue_page.text


def test_demo_serve_is_for_development_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, environment="production", secret_key="x" * 40)
    with pytest.raises(ConfigurationError, match="development"):
        seed_review(settings, run=None)  # type: ignore[arg-type]  # refused before use


def create_app_for(settings: Settings, screener: Screener):  # type: ignore[no-untyped-def]
    from clearance.service.app import create_app

    return create_app(settings, screener=screener, webhook_worker=False)


def _login_csrf(client: TestClient) -> str:
    import re

    page = client.get("/login")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)
