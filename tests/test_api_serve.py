"""``clearance serve``: refuses to start outside development without a real secret key (before
binding or opening anything), and otherwise hands uvicorn the app on the configured address."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from cryptography.fernet import Fernet
from fastapi import FastAPI

from clearance.cli.main import cli


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key in ("CLEARANCE_SECRET_KEY", "CLEARANCE_DATABASE_URL", "CLEARANCE_HOST",
                "CLEARANCE_PORT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CLEARANCE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.mark.parametrize("secret", [None, "change-me"])
def test_serve_refuses_production_without_a_real_secret(env: Path, secret: str | None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_ENVIRONMENT", "production")
    if secret is not None:
        monkeypatch.setenv("CLEARANCE_SECRET_KEY", secret)
    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 78, result.output
    assert "CLEARANCE_SECRET_KEY" in result.output
    assert started == []
    assert not (env / "data" / "clearance.db").exists()


def test_serve_runs_the_app_on_the_given_address(env: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_ENVIRONMENT", "production")
    monkeypatch.setenv("CLEARANCE_SECRET_KEY", "a-real-secret-for-this-test-0123456789")
    monkeypatch.setenv("CLEARANCE_QUARANTINE_KEY", Fernet.generate_key().decode())
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append((a, k)))
    result = CliRunner().invoke(cli, ["serve", "--host", "127.0.0.2", "--port", "8765"])
    assert result.exit_code == 0, result.output
    (args, kwargs), = calls
    assert isinstance(args[0], FastAPI)
    assert (kwargs["host"], kwargs["port"]) == ("127.0.0.2", 8765)
    assert (env / "data" / "clearance.db").exists()  # migrated before serving


def test_development_key_is_never_served_beyond_loopback(env: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_ENVIRONMENT", "development")
    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 78, result.output
    assert "development-only session key" in result.output
    assert started == []
    ok = CliRunner().invoke(cli, ["serve", "--host", "127.0.0.1"])
    assert ok.exit_code == 0, ok.output
    assert len(started) == 1


def test_worker_socket_has_nodelay() -> None:
    """uvicorn's own worker socket leaves Nagle on (~40 ms per keep-alive response); ours not."""
    import socket

    from clearance.service.server import NoDelayConfig

    plain = uvicorn.Config("x:y", host="127.0.0.1", port=0).bind_socket()
    ours = NoDelayConfig("x:y", host="127.0.0.1", port=0).bind_socket()
    try:
        assert plain.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        assert ours.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        plain.close()
        ours.close()


def test_serve_with_workers_migrates_once_then_runs_them(env: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from clearance.service import server

    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(server, "run_workers", lambda app, **k: calls.append((app, k)))
    result = CliRunner().invoke(cli, ["serve", "--workers", "3", "--port", "8766"])
    assert result.exit_code == 0, result.output
    (app, kwargs), = calls
    assert app == "clearance.service.app:create_app"
    assert (kwargs["workers"], kwargs["port"], kwargs["host"]) == (3, 8766, "127.0.0.1")
    assert (env / "data" / "clearance.db").exists()  # migrated before the workers start
