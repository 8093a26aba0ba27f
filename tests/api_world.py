"""A review world for the API tests: users of every role in two teams with API tokens, two
catalog titles (one with a cast member who was a child at the shoot), and a TestClient on the
app. Screening runs the real detectors without the semantic model (``semantic=off``), built
once per test run and shared, so copy uploads take milliseconds.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import Engine
from starlette.exceptions import StarletteDeprecationWarning

import fresh_db
from clearance.findings import Finding
from clearance.policy.engine import Decision
from clearance.review import access
from clearance.screening import Screener, ScreenResult
from clearance.service import create_app
from clearance.settings import Settings
from clearance.storage import make_engine, session_scope
from clearance.storage.models import Credit, Person, Title

with warnings.catch_warnings():
    # Starlette >= 1.x deprecates httpx for its test client in favour of httpx2 (not installed).
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

SECRET = "api-test-secret-0123456789abcdef"
#: username: (role, team)
USERS: dict[str, tuple[str, str | None]] = {
    "alice": ("submitter", "studio"),
    "bob": ("submitter", "rival"),
    "rita": ("reviewer", None),
    "ravi": ("reviewer", None),
    "sam": ("senior_reviewer", None),
    "ada": ("admin", None),
}
#: Copy that the default policy queues for review (a teenager next to sexualising framing).
RISKY = "Teen girls twerk in skimpy outfits."
BENIGN = "A family comedy about a lighthouse keeper and his dog."


@functools.cache
def shared_screener() -> Screener:
    return Screener.from_settings(Settings(semantic="off"))


def constructed_result(data: Mapping[str, Any]) -> ScreenResult:
    """A screening result built by hand from its JSON shape (``findings`` as
    ``Finding.to_dict`` writes them, ``decision``, ``policy`` and the fired ``rules`` as
    ``Decision.to_dict`` writes them), for items seeded without running a detector."""
    return ScreenResult(str(data.get("item", "constructed")), str(data.get("kind", "text")),
                        Decision.from_dict(data),
                        tuple(Finding.from_dict(f) for f in data.get("findings") or ()))


def png_bytes(width: int = 96, height: int = 64) -> bytes:
    """A drawn PNG (blocks of colour; never a person)."""
    px = np.zeros((height, width, 3), dtype=np.uint8)
    px[:, : width // 2] = (40, 90, 160)
    px[height // 3:, width // 2:] = (230, 200, 60)
    out = io.BytesIO()
    Image.fromarray(px).save(out, format="PNG")
    return out.getvalue()


@dataclass
class World:
    app: FastAPI
    client: TestClient
    engine: Engine
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def call(self, method: str, path: str, as_: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}) or {})
        if as_ is not None:
            headers.update(self.auth(as_))
        return self.client.request(method, path, headers=headers, **kwargs)

    def upload_text(self, as_: str, text: str, *, title: str = "t1", kind: str = "synopsis",
                    locale: str = "en", channel: str = "web") -> Any:
        return self.call("POST", f"/api/titles/{title}/assets", as_,
                         data={"kind": kind, "locale": locale, "channel": channel,
                               "text": text})

    def queued_item(self, as_: str = "alice", text: str = RISKY, **kwargs: Any) -> int:
        r = self.upload_text(as_, text, **kwargs)
        assert r.status_code == 201, r.text
        item_id: int = r.json()["id"]
        return item_id


def seed(engine: Engine) -> dict[str, str]:
    """Users with one API token each, and the two titles; returns username -> token secret."""
    tokens: dict[str, str] = {}
    with session_scope(engine) as s:
        for name, (role, team) in USERS.items():
            # Token-only users: argon2 hashing (~0.4 s a password) is for the login tests.
            access.create_user(s, access.SYSTEM, name, role=role, team_id=team)
            _, secret = access.issue_token(s, access.SYSTEM, name, "tests")
            tokens[name] = secret
        t1 = Title(id="t1", original_title="Harbour Lights", type="movie", rating="TV-MA")
        t2 = Title(id="t2", original_title="Quiet Bay", type="series", rating="TV-14")
        s.add_all([t1, t2])
        s.flush()
        young = Person(name="Robin Tide", date_of_birth=dt.date(2010, 7, 9))
        s.add(young)
        s.flush()
        s.add(Credit(title_id="t1", person_id=young.id, role="cast", character="Kit"))
    return tokens


def settings_for(tmp_path: Path, url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"environment": "test", "secret_key": SECRET,
                              "data_dir": tmp_path / "data", "database_url": url,
                              "semantic": "off"}
    values.update(overrides)
    return Settings(**values)


@contextmanager
def world(tmp_path: Path, database_url: str | None = None, *, webhook_worker: bool = False,
          **overrides: Any) -> Iterator[World]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{tmp_path / 'api.db'}"
    fresh_db.migrate(url)
    engine = make_engine(url)
    try:
        tokens = seed(engine)
        settings = settings_for(tmp_path, url, **overrides)
        app = create_app(settings, engine=engine, screener=shared_screener(),
                         webhook_worker=webhook_worker)
        with TestClient(app) as client:
            yield World(app, client, engine, settings, tokens)
    finally:
        engine.dispose()
