"""``clearance serve``'s production defaults (``docs/cli.md``, measured by
``bench/bench_load.py``): two worker processes with a PostgreSQL database, one with the embedded
SQLite file; uvloop's event loop and httptools' parser; Clearance's request lines instead of
uvicorn's access log."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from clearance.cli.main import cli
from clearance.service import server
from clearance.storage import upgrade


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLEARANCE_ENVIRONMENT", "development")
    monkeypatch.setenv("CLEARANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CLEARANCE_DATABASE_URL", raising=False)
    monkeypatch.setenv(server.WORKERS_ENV, "")  # serve sets it: restored after the test
    return tmp_path


def test_serve_options_are_the_fast_ones() -> None:
    options = server.serve_options("info")
    assert (options["loop"], options["http"]) == ("uvloop", server.ONE_WRITE_HTTP)
    assert options["access_log"] is False  # uvicorn's prints queries; ours does not
    # a worker slow to import the app on a busy machine is not killed and restarted forever
    assert options["timeout_worker_healthcheck"] == server.HEALTHCHECK_SECONDS >= 30
    uvicorn.Config("x:y", **options)  # every option is one uvicorn knows
    assert options["log_config"]["loggers"]["clearance.access"]["level"] == "INFO"
    quiet = server.serve_options("info", access_log=False)
    assert quiet["log_config"]["loggers"]["clearance.access"]["level"] == "WARNING"


@pytest.mark.postgres
def test_serve_runs_two_workers_on_postgresql(env: Path, postgres_url: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade(postgres_url)
    monkeypatch.setenv("CLEARANCE_DATABASE_URL", postgres_url)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(server, "run_workers", lambda app, **k: calls.append(k))
    result = CliRunner().invoke(cli, ["serve", "--port", "8767"])
    assert result.exit_code == 0, result.output
    (kwargs,) = calls
    assert kwargs["workers"] == server.DEFAULT_WORKERS == 2
    assert (kwargs["loop"], kwargs["http"]) == ("uvloop", server.ONE_WRITE_HTTP)
    assert "2 workers" in result.output


def test_serve_runs_one_process_on_sqlite(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    monkeypatch.setattr(server, "run_workers", lambda *a, **k: pytest.fail("no workers"))
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    (kwargs,) = started
    assert (kwargs["loop"], kwargs["http"], kwargs["access_log"]) == (
        "uvloop", server.ONE_WRITE_HTTP, False)
    assert os.environ[server.WORKERS_ENV] == "1"  # CLEARANCE_DB_WORK=auto: threads


def test_run_workers_tells_the_workers_how_many_they_are(env: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    class Supervisor:
        def __init__(self, config: Any, sockets: Any) -> None:
            for sock in sockets:
                sock.close()

        def run(self) -> None:  # the workers would be spawned here, with this environment
            seen.append(os.environ[server.WORKERS_ENV])

    monkeypatch.setattr(server, "Multiprocess", Supervisor)
    server.run_workers("clearance.service.app:create_app", host="127.0.0.1", port=0,
                       workers=3)
    assert seen == ["3"]


@pytest.mark.parametrize(("workers", "db_work", "on_loop"), [
    ("2", "auto", True), ("1", "auto", False), ("", "auto", False),  # unset: no parent here
    ("2", "threads", False), ("1", "loop", True)])
def test_auto_db_work_follows_the_number_of_workers(workers: str, db_work: str, on_loop: bool,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from clearance.service.app import work_on_loop
    from clearance.settings import Settings

    monkeypatch.setenv(server.WORKERS_ENV, workers)
    assert work_on_loop(Settings(db_work=db_work)) is on_loop  # type: ignore[arg-type]


def test_the_app_freezes_what_start_up_built(env: Path) -> None:
    """A running app's start-up objects are out of the collector's reach (``gc.freeze``): a
    full collection scanned them all, ~0.4 s each under load (bench/bench_load.py)."""
    import gc

    from fastapi.testclient import TestClient

    from clearance.service import create_app
    from clearance.settings import Settings

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    app = create_app(Settings(), webhook_worker=False)
    try:
        with TestClient(app) as client:
            assert gc.get_freeze_count() > 10_000
            assert client.get("/healthz").json() == {"status": "ok"}
    finally:
        gc.unfreeze()
