"""``clearance serve`` logs one line per request (method, path, status, ms; never the query), and
bad settings are refused with a message naming each setting, not pydantic's text and links."""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from clearance.cli.main import cli
from clearance.errors import ConfigurationError
from clearance.service.app import create_app
from clearance.service.request_log import ACCESS_LOGGER, log_config
from clearance.settings import Settings, get_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

LINE = re.compile(r"^(GET|POST|PUT|DELETE|PATCH) (\S+) (\d{3}) \d+\.\d ms$")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for key in ("CLEARANCE_SECRET_KEY", "CLEARANCE_DATABASE_URL", "CLEARANCE_HOST",
                "CLEARANCE_PORT", "CLEARANCE_ENVIRONMENT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CLEARANCE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_each_request_is_one_line_without_its_query(env: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(data_dir=env / "data", environment="development")
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    with TestClient(create_app(settings, webhook_worker=False)) as client:
        client.get("/healthz", params={"token": "clr_SECRET123", "reveal": "grant-xyz"})
        client.get("/items/1/content?reveal=grant-abc", follow_redirects=False)
        client.get("/nowhere%0AGET%20/forged%20200")
        client.post("/api/items/1/claim", headers={"Authorization": "Bearer clr_SECRET456"})
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(lines) == 4, lines
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m.group(1), m.group(2), m.group(3)) for m in parsed if m] == [
        ("GET", "/healthz", "200"), ("GET", "/items/1/content", "303"),
        ("GET", "/nowhere%0AGET%20/forged%20200", "404"), ("POST", "/api/items/1/claim", "401")]
    text = "\n".join(lines)
    assert "SECRET" not in text and "grant" not in text and "Bearer" not in text


def test_serve_logs_requests_and_not_uvicorns_query_lines(env: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append(k))
    assert CliRunner().invoke(cli, ["serve", "--port", "8767"]).exit_code == 0
    assert CliRunner().invoke(cli, ["serve", "--no-access-log"]).exit_code == 0
    on, off = calls
    assert on["access_log"] is False and off["access_log"] is False  # it prints the query
    assert on["log_config"]["loggers"][ACCESS_LOGGER]["level"] == "INFO"
    assert off["log_config"]["loggers"][ACCESS_LOGGER]["level"] == "WARNING"
    logging.config.dictConfig(log_config("info"))  # a configuration logging accepts
    assert logging.getLogger(ACCESS_LOGGER).isEnabledFor(logging.INFO)


@pytest.mark.parametrize(("variable", "value", "said"), [
    ("CLEARANCE_PORT", "abc", "CLEARANCE_PORT: should be a whole number (got 'abc')"),
    ("CLEARANCE_MAX_TEXT_BYTES", "-5", "CLEARANCE_MAX_TEXT_BYTES: should be more than 0"),
    ("CLEARANCE_ENVIRONMENT", "prod",
     "CLEARANCE_ENVIRONMENT: should be 'development', 'production' or 'test' (got 'prod')"),
])
def test_bad_settings_name_the_setting(env: Path, monkeypatch: pytest.MonkeyPatch,
                                       variable: str, value: str, said: str) -> None:
    monkeypatch.setenv(variable, value)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("served"))
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 78
    assert said in result.output
    assert f"invalid setting {variable}: " in result.output
    for raw in ("pydantic", "http", "validation error for", "type=", "input_value"):
        assert raw not in result.output


def test_unparsable_and_secret_settings(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_REVIEW_TARGET_HOURS", "{not json")
    with pytest.raises(ConfigurationError) as err:
        get_settings()
    assert err.value.rendered() == (
        "invalid setting CLEARANCE_REVIEW_TARGET_HOURS: cannot be read: a list or mapping is "
        "written as JSON (environment or .env; see docs/settings.md)")
    monkeypatch.delenv("CLEARANCE_REVIEW_TARGET_HOURS")
    monkeypatch.setenv("CLEARANCE_DATABASE_URL", "postgresql://clearance:hunter2-pw@db/x")
    monkeypatch.setenv("CLEARANCE_SESSION_MAX_AGE", "0")
    monkeypatch.setenv("CLEARANCE_PORT", "eighty")
    with pytest.raises(ConfigurationError) as err:
        get_settings()
    shown = err.value.rendered()
    assert shown.startswith("invalid settings: CLEARANCE_PORT, CLEARANCE_SESSION_MAX_AGE") or \
        shown.startswith("invalid settings: CLEARANCE_SESSION_MAX_AGE, CLEARANCE_PORT")
    assert "hunter2" not in shown
    assert "CLEARANCE_SESSION_MAX_AGE: should be" in shown
    assert "CLEARANCE_PORT: should be a whole number (got 'eighty')" in shown


@pytest.mark.parametrize("url", ["postgresql://clearance:hunter2@db:notaport/x",
                                 "hunter2 is not a url"])
def test_a_bad_database_url_names_the_setting_not_the_url(url: str) -> None:
    from clearance.storage import make_engine

    with pytest.raises(ConfigurationError) as err:
        make_engine(url)
    assert err.value.message.startswith("CLEARANCE_DATABASE_URL is not a usable database URL")
    assert "hunter2" not in err.value.rendered()
