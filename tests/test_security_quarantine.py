"""Quarantine and the legal reporting path (issue 10, "Also"), tested with constructed findings
only: the picture is a drawing of coloured blocks, and a fake detector (at the boundary, an
implementation of the Detector ABC) reports the findings each test names.

Reproduced first: an upload whose findings put an apparent minor next to exposed buttocks was
queued like any other (the queue's riskiest item, shown blurred to every reviewer, its bytes in
the blob store in the clear). Now it is withheld: answered 451, shown to no reviewer, submitter
or admin on any route, its bytes encrypted in the vault and gone from the blob store, and only
the legal role lists it, exports the report package (bytes only when asked) and opens it, every
access audited.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import select

import fresh_db
from api_world import World, png_bytes, seed, settings_for
from clearance.cli.main import cli
from clearance.detectors.base import Detector, Example, Item
from clearance.errors import ConfigurationError, StorageError
from clearance.findings import Emits, Finding, ImageBox
from clearance.policy.loader import load_policy
from clearance.quarantine import quarantine_labels
from clearance.quarantine.vault import DEV_KEY_FILE, VAULT_DIR, Vault
from clearance.review import access
from clearance.screening import Screener
from clearance.service import create_app
from clearance.settings import Settings, quarantine_key_problem
from clearance.storage import LocalBlobStore, make_engine, session_scope
from clearance.storage.quarantine_models import QuarantineHold
from clearance.storage.review_models import AuditEvent

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

HELD = ("minor.apparent", "exposure.buttocks.exposed")


class ConstructedFindings(Detector):
    """Reports, on every image, one finding per label it was built with."""

    name: ClassVar[str] = "constructed"
    version: ClassVar[str] = "test"
    kinds: ClassVar[frozenset[Any]] = frozenset({"image"})
    emits: ClassVar[Emits] = {}

    def __init__(self, labels: Sequence[str]) -> None:
        super().__init__()
        self.labels = tuple(labels)

    def detect(self, item: Item, analysis: Any = None) -> Sequence[Finding]:
        return tuple(Finding(label, 0.9, ImageBox(10, 10, 30, 30), self.name, self.version)
                     for label in self.labels)

    @classmethod
    def examples(cls) -> Sequence[Example]:
        return ()


def _app(tmp_path: Path, labels: Sequence[str], **overrides: Any) -> tuple[FastAPI, World]:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    fresh_db.migrate(url)
    engine = make_engine(url)
    tokens = seed(engine)
    with session_scope(engine) as s:
        access.create_user(s, access.SYSTEM, "lena", role="legal")
        _, tokens["lena"] = access.issue_token(s, access.SYSTEM, "lena", "tests")
    settings = settings_for(tmp_path, url, **overrides)
    screener = Screener([ConstructedFindings(labels)], load_policy(),
                        max_text_bytes=settings.max_text_bytes)
    app = create_app(settings, engine=engine, screener=screener, webhook_worker=False)
    return app, World(app, TestClient(app), engine, settings, tokens)


@pytest.fixture
def held(tmp_path: Path) -> Iterator[World]:
    _, w = _app(tmp_path, HELD)
    with w.client:
        yield w
    w.engine.dispose()


def _upload(w: World, as_: str = "alice", data: bytes | None = None) -> Any:
    return w.call("POST", "/api/titles/t1/assets", as_,
                  data={"kind": "key_art", "locale": "und", "channel": "web"},
                  files={"file": ("poster.png", data or png_bytes(), "image/png")})


def _events(w: World, type_: str) -> list[AuditEvent]:
    with session_scope(w.engine) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.type == type_)))


@pytest.mark.parametrize(("labels", "is_held"), [
    (("minor.apparent", "exposure.buttocks.exposed"), True),
    (("minor.known", "exposure.genitalia_female.exposed"), True),
    (("minor.apparent", "exposure.genitalia.exposed"), True),  # a vendor's unspecified region
    (("minor.known", "exposure.anus.exposed"), True),
    (("minor.apparent", "exposure.breast_female.exposed"), True),
    (("minor.apparent", "exposure.breast_female.covered"), False),
    (("minor.apparent", "exposure.breast_male.exposed"), False),  # a boy on a beach
    (("minor.apparent", "exposure.belly.exposed"), False),
    (("minor.mentioned", "exposure.buttocks.exposed"), False),  # the copy, not the picture
    (("exposure.buttocks.exposed",), False),
    (("minor.known", "minor.apparent"), False),
])
def test_the_rule(labels: tuple[str, ...], is_held: bool) -> None:
    assert bool(quarantine_labels({"label": x} for x in labels)) is is_held


def test_an_upload_that_may_be_illegal_is_withheld_from_everyone_but_legal(
        held: World) -> None:
    answer = _upload(held)
    assert answer.status_code == 451, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    with session_scope(held.engine) as s:
        [hold] = s.scalars(select(QuarantineHold)).all()
        item_id, sha = hold.item_id, hold.sha256
        assert hold.sealed_at is not None and hold.plain_removed_at is not None
        assert (hold.md5, hold.sha1) != (None, None)
    assert item_id is not None
    # nobody in review sees it: not listed, 404 by id, content and page alike
    for who in ("rita", "sam", "ada", "alice", "lena"):
        assert held.call("GET", f"/api/items/{item_id}", who).status_code == 404, who
        assert held.call("GET", f"/api/items/{item_id}/content", who).status_code == 404, who
    for who in ("rita", "sam", "ada"):
        assert held.call("GET", "/api/items", who, params={"state": "all"}).json()["items"] == []
    assert held.call("GET", "/api/items/mine", "alice").json()["items"] == []
    with session_scope(held.engine) as s:
        cookie, _ = access.start_session(s, held.settings.require_secret(),
                                         access.get_user(s, "sam"),
                                         max_age=held.settings.session_max_age)
    page = held.client.get(f"/items/{item_id}", headers={"Cookie": f"clearance_session={cookie}"})
    assert page.status_code == 404
    # its bytes left the blob store for the vault, encrypted
    assert not LocalBlobStore(held.settings.resolved_blob_dir).exists(sha)
    sealed = [p for p in (held.settings.data_dir / VAULT_DIR).glob("*.bin")]
    assert len(sealed) == 1 and b"PNG" not in sealed[0].read_bytes()
    # the same bytes again: withheld again, not a 404 nor the item
    assert _upload(held).status_code == 451


def test_the_legal_role_alone_lists_exports_and_opens_it(held: World) -> None:
    original = png_bytes()
    assert _upload(held, data=original).status_code == 451
    with session_scope(held.engine) as s:
        item_id = s.scalars(select(QuarantineHold.item_id)).one()
    routes = ["/api/quarantine", f"/api/quarantine/{item_id}/report",
              f"/api/quarantine/{item_id}/content"]
    for who in ("ada", "sam", "rita", "alice"):  # admins included
        for route in routes:
            assert held.call("GET", route, who).status_code == 403, (who, route)
    [listed] = held.call("GET", "/api/quarantine", "lena").json()["holds"]
    assert listed["labels"] == sorted(HELD) and listed["item_id"] == item_id
    report = held.call("GET", f"/api/quarantine/{item_id}/report", "lena").json()
    assert "base64" not in report["file"] and report["file"]["bytes_included"] is False
    import hashlib

    assert report["file"]["sha256"] == hashlib.sha256(original).hexdigest()
    assert report["file"]["md5"] == hashlib.md5(original).hexdigest()
    assert report["file"]["size_bytes"] == len(original)
    assert report["upload"]["title_id"] == "t1" and report["upload"]["team_id"] == "studio"
    assert report["upload"]["uploaded_by"].startswith("token:alice/")
    assert {f["label"] for f in report["incident"]["findings"]} == set(HELD)
    assert report["channels"] == ["NCMEC CyberTipline", "IWF"]
    assert report["seen_by"] == []  # nobody has seen the bytes yet
    opened = held.call("GET", f"/api/quarantine/{item_id}/content", "lena")
    assert opened.status_code == 200 and opened.content == original
    full = held.call("GET", f"/api/quarantine/{item_id}/report", "lena",
                     params={"include_bytes": "true"}).json()
    assert base64.b64decode(full["file"]["base64"]) == original
    assert [e["event"] for e in full["custody"]][:3] == ["submission", "screening",
                                                         "quarantine.hold"]
    lena = full["generated_by"]
    assert lena.startswith("token:lena/") and full["seen_by"] == [lena]
    # every access is audited, under the legal user's name
    assert [(e.type, e.actor) for e in _events(held, "quarantine.hold")] == [
        ("quarantine.hold", "system")]
    for type_, count in (("quarantine.list", 1), ("quarantine.export", 2),
                         ("quarantine.view", 1)):
        rows = _events(held, type_)
        assert len(rows) == count and all(e.actor == lena for e in rows), type_
    assert [json.loads(e.data)["with_bytes"] for e in _events(held, "quarantine.export")] == [
        False, True]


def test_the_command_line_exports_as_a_legal_user(held: World, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    original = png_bytes()
    assert _upload(held, data=original).status_code == 451
    with session_scope(held.engine) as s:
        item_id = s.scalars(select(QuarantineHold.item_id)).one()
    monkeypatch.chdir(tmp_path)
    env = {"CLEARANCE_DATABASE_URL": held.settings.resolved_database_url,
           "CLEARANCE_DATA_DIR": str(held.settings.data_dir)}
    refused = CliRunner(env=env).invoke(cli, ["quarantine", "export", str(item_id), "--as",
                                              "ada"])
    assert refused.exit_code == 7 and "legal" in refused.output
    plain = CliRunner(env=env).invoke(cli, ["quarantine", "export", str(item_id), "--as",
                                            "lena", "-o", "plain"])
    assert plain.exit_code == 0, plain.output
    assert [p.name for p in (tmp_path / "plain").iterdir()] == ["report.json"]
    report = json.loads((tmp_path / "plain" / "report.json").read_text())
    assert report["generated_by"] == "user:lena" and "base64" not in report["file"]
    full = CliRunner(env=env).invoke(cli, ["quarantine", "export", str(item_id), "--as", "lena",
                                           "-o", "full", "--with-bytes"])
    assert full.exit_code == 0, full.output
    report = json.loads((tmp_path / "full" / "report.json").read_text())
    assert (tmp_path / "full" / report["file"]["file_name"]).read_bytes() == original


@pytest.mark.parametrize("labels", [("minor.apparent", "exposure.belly.exposed"),
                                    ("exposure.buttocks.exposed",)])
def test_other_combinations_are_reviewed_as_usual(tmp_path: Path,
                                                  labels: tuple[str, ...]) -> None:
    _, w = _app(tmp_path, labels)
    with w.client:
        answer = _upload(w)
        assert answer.status_code == 201, answer.text
        assert w.call("GET", f"/api/items/{answer.json()['id']}", "rita").status_code == 200
    with session_scope(w.engine) as s:
        assert s.scalars(select(QuarantineHold)).all() == []
    w.engine.dispose()


# -- the key ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["change-me", "", "x" * 44, base64.urlsafe_b64encode(
    b"\0" * 32).decode(), base64.urlsafe_b64encode(b"ab" * 16).decode(), "not base64 !"])
def test_a_weak_or_malformed_key_is_refused(key: str, tmp_path: Path) -> None:
    assert quarantine_key_problem(key) is not None
    if key:
        with pytest.raises(ConfigurationError, match="CLEARANCE_QUARANTINE_KEY"):
            Settings(environment="test", data_dir=tmp_path,
                     quarantine_key=key).require_quarantine_key()


def test_production_needs_a_key_of_its_own(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    fresh_db.migrate(url)
    engine = make_engine(url)
    try:
        prod = settings_for(tmp_path, url, environment="production")
        with pytest.raises(ConfigurationError, match="CLEARANCE_QUARANTINE_KEY is not set"):
            create_app(prod, engine=engine, webhook_worker=False)
        key = Fernet.generate_key().decode()
        assert quarantine_key_problem(key) is None
        create_app(settings_for(tmp_path, url, environment="production", quarantine_key=key),
                   engine=engine, webhook_worker=False)
        assert not (tmp_path / "data" / VAULT_DIR / DEV_KEY_FILE).exists()
    finally:
        engine.dispose()


def test_the_vault_without_a_key_of_its_own_and_with_the_wrong_one(tmp_path: Path) -> None:
    dev = Vault.from_settings(Settings(environment="development", data_dir=tmp_path))
    key_file = tmp_path / VAULT_DIR / DEV_KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    name = dev.seal(b"drawn blocks")
    assert dev.open(name) == b"drawn blocks"
    assert b"drawn blocks" not in (tmp_path / VAULT_DIR / f"{name}.bin").read_bytes()
    other = Vault(tmp_path / VAULT_DIR, Fernet.generate_key())
    with pytest.raises(StorageError, match="cannot be decrypted"):
        other.open(name)


def test_serve_refuses_production_without_a_quarantine_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLEARANCE_QUARANTINE_KEY", raising=False)
    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    env = {"CLEARANCE_ENVIRONMENT": "production", "CLEARANCE_DATA_DIR": str(tmp_path / "data"),
           "CLEARANCE_SECRET_KEY": "a-real-secret-for-this-test-0123456789",
           "CLEARANCE_DATABASE_URL": ""}
    result = CliRunner(env=env).invoke(cli, ["serve"])
    assert result.exit_code == 78, result.output
    assert "CLEARANCE_QUARANTINE_KEY" in result.output and started == []
