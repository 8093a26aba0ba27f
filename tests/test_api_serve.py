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


def test_worker_socket_pickles_as_a_listener_of_its_own() -> None:
    """What a spawned worker receives for the supervisor's socket: a new socket bound to the
    same address (SO_REUSEPORT, TCP_NODELAY), not the shared one."""
    import socket
    from multiprocessing.reduction import ForkingPickler

    from clearance.service.server import SPREAD_CONNECTIONS, NoDelayConfig

    if not SPREAD_CONNECTIONS:
        pytest.skip("no SO_REUSEPORT on this platform")
    shared = NoDelayConfig("x:y", host="127.0.0.1", port=0).bind_socket()
    twins = [ForkingPickler.loads(bytes(ForkingPickler.dumps(shared))) for _ in range(2)]
    try:
        for twin in twins:
            assert twin.fileno() != shared.fileno()
            assert twin.getsockname() == shared.getsockname()
            assert twin.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) != 0
            assert twin.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            twin.listen(64)
        with socket.create_connection(shared.getsockname()):
            pass  # a worker's socket accepts at the shared address
    finally:
        for sock in (shared, *twins):
            sock.close()


PID_APP = '''
import os
import time

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["path"] == "/busy":
        time.sleep(1.5)  # holds this worker's event loop
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(os.getpid()).encode()})
'''


def test_connections_are_spread_across_workers(tmp_path: Path) -> None:
    """Two real workers, each on a listening socket of its own: both start and bind, and 40
    keep-alive connections opened at once, while one of them is busy, are spread over both
    with a fair share each (a hash of the addresses picks the worker)."""
    import http.client
    import socket
    import subprocess
    import sys
    import time

    from clearance.service.server import SPREAD_CONNECTIONS

    if not SPREAD_CONNECTIONS:
        pytest.skip("no SO_REUSEPORT on this platform")
    (tmp_path / "pidapp.py").write_text(PID_APP)
    port = _free_port()
    launch = ("from clearance.service.server import run_workers, serve_options; "
              f"run_workers('pidapp:app', host='127.0.0.1', port={port}, workers=2, "
              "factory=False, **serve_options('warning', access_log=False))")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path)}
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-c", launch], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        pids: set[str] = set()
        deadline = time.monotonic() + 60
        while len(pids) < 2 and time.monotonic() < deadline:  # both workers up
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/")
                pids.add(conn.getresponse().read().decode())
                conn.close()
            except OSError:
                time.sleep(0.2)
        assert len(pids) == 2, (tmp_path / "server.log").read_text(errors="replace")
        busy = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        busy.request("GET", "/busy")
        time.sleep(0.3)  # one worker is now asleep in that request
        socks = [socket.socket() for _ in range(40)]
        for sock in socks:  # a burst, as 50 clients starting at once
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))
        served: dict[str, int] = {}
        for sock in socks:
            sock.settimeout(10)
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.sock = sock  # the connection of the burst
            conn.request("GET", "/")
            pid = conn.getresponse().read().decode()
            served[pid] = served.get(pid, 0) + 1
            conn.close()
        busy.getresponse().read()
        busy.close()
        assert len(served) == 2 and min(served.values()) >= 8, served
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
