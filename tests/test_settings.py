"""Settings: read from the environment when asked, never at import; no working default secret
outside development."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.errors import ConfigurationError
from clearance.settings import get_settings


def test_defaults_are_the_embedded_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLEARANCE_DATABASE_URL", raising=False)
    s = get_settings(data_dir=tmp_path / "d")
    assert s.resolved_database_url == f"sqlite:///{(tmp_path / 'd' / 'clearance.db').resolve()}"
    assert s.resolved_blob_dir == tmp_path / "d" / "blobs"


def test_environment_is_read_when_settings_are_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_SEMANTIC", "off")
    monkeypatch.setenv("CLEARANCE_MAX_TEXT_BYTES", "123")
    s = get_settings()
    assert s.semantic == "off" and s.max_text_bytes == 123


def test_invalid_setting_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARANCE_SEMANTIC", "sometimes")
    with pytest.raises(ConfigurationError, match="CLEARANCE_SEMANTIC") as err:
        get_settings()
    assert "CLEARANCE_SEMANTIC: should be 'auto', 'always' or 'off' (got 'sometimes')" in \
        err.value.rendered()


@pytest.mark.parametrize("secret", [None, "change-me"])
def test_no_default_secret_outside_development(secret: str | None) -> None:
    with pytest.raises(ConfigurationError, match="CLEARANCE_SECRET_KEY"):
        get_settings(environment="production", secret_key=secret).require_secret()
    assert get_settings(environment="development", secret_key=secret).require_secret()
    strong = "s3cr3t-value-Zq8vT2xLr9Kd4Wn7Yb1Hc"
    assert get_settings(environment="production", secret_key=strong).require_secret() == strong
