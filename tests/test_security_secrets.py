"""Session secrets (issue 10, items 2 and 3): placeholders are no secret anywhere, a
non-loopback address needs a real and strong secret even in development, and outside
development a secret needs at least 32 bytes of entropy-looking text.

Reproduced first: ``CLEARANCE_SECRET_KEY=change-me clearance serve --host 0.0.0.0`` in
development served sessions signed with ``change-me``; production accepted ``"x"`` and ``" "``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.cli.main import cli
from clearance.cli.serve import check_bind, is_loopback
from clearance.errors import ConfigurationError
from clearance.settings import (
    DEVELOPMENT_SECRET,
    SECRET_RECIPE,
    Settings,
    is_placeholder_secret,
    weak_secret_reason,
)

PLACEHOLDERS = ["change-me", "changeme", "CHANGE_ME", "Change Me", "secret", "SECRET",
                "password", "development-only-secret", "", "   ", "\t\n", "x", "a" * 64,
                "*" * 40, "<your-secret-key>", "${CLEARANCE_SECRET_KEY}", "{{ secret }}",
                "change-me-please-0123456789abcdefghijklmnop",
                "django-insecure-0123456789abcdefghijklmnopqrstuv", "s3cr3t", "test"]
WEAK = ["s3cr3t-value", "ui-test-secret-0123456789",  # short
        "ab" * 20,  # two distinct characters
        "0123456789" * 4,  # a pattern repeated
        "a" * 25 + "bcdefghi"]  # eight distinct, but 1.5 bits per character
STRONG = [secrets.token_urlsafe(48), secrets.token_hex(32), "api-test-secret-0123456789abcdef",
          "correct horse battery staple, then 42 more words"]
NETWORK_HOSTS = ["0.0.0.0", "::", "[::]", "192.168.1.10", "10.0.0.1", "example.org", ""]
LOOPBACK_HOSTS = ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"]
ENVIRONMENTS = ["development", "test", "production"]


def _settings(environment: str, secret: str | None) -> Settings:
    return Settings(environment=environment, secret_key=secret)  # type: ignore[arg-type]


@pytest.mark.parametrize("secret", PLACEHOLDERS)
def test_a_placeholder_is_no_secret_in_any_environment(secret: str) -> None:
    assert is_placeholder_secret(secret)
    dev = _settings("development", secret)
    assert not dev.has_real_secret
    assert dev.require_secret() == DEVELOPMENT_SECRET  # never the placeholder itself
    for environment in ("test", "production"):
        with pytest.raises(ConfigurationError, match="CLEARANCE_SECRET_KEY"):
            _settings(environment, secret).require_secret()


@pytest.mark.parametrize("secret", WEAK)
@pytest.mark.parametrize("environment", ["test", "production"])
def test_a_weak_secret_is_refused_outside_development(secret: str, environment: str) -> None:
    assert weak_secret_reason(secret) is not None
    with pytest.raises(ConfigurationError, match="too weak") as refused:
        _settings(environment, secret).require_secret()
    assert "secrets.token_urlsafe(48)" in refused.value.message  # says how to make one
    assert _settings("development", secret).require_secret() == secret  # loopback use is fine


@pytest.mark.parametrize("secret", STRONG)
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_strong_secret_is_used_everywhere(secret: str, environment: str) -> None:
    assert weak_secret_reason(secret) is None
    assert _settings(environment, secret).require_secret() == secret


@pytest.mark.parametrize("host", NETWORK_HOSTS)
@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("secret", [None, *PLACEHOLDERS[:8], *WEAK])
def test_a_network_address_needs_a_real_strong_secret(host: str, environment: str,
                                                      secret: str | None) -> None:
    assert not is_loopback(host)
    with pytest.raises(ConfigurationError):
        check_bind(_settings(environment, secret), host)


@pytest.mark.parametrize("host", NETWORK_HOSTS + LOOPBACK_HOSTS)
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_strong_secret_may_serve_anywhere(host: str, environment: str) -> None:
    check_bind(_settings(environment, STRONG[0]), host)


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
def test_development_without_a_secret_serves_loopback_only(host: str) -> None:
    assert is_loopback(host)
    for secret in (None, "change-me", "short-dev-secret"):
        check_bind(_settings("development", secret), host)


def test_serve_refuses_the_probes_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe: development, CLEARANCE_SECRET_KEY=change-me, --host 0.0.0.0 served a forgeable
    session key. Now it exits 78 before anything is bound or opened."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLEARANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CLEARANCE_ENVIRONMENT", "development")
    monkeypatch.setenv("CLEARANCE_SECRET_KEY", "change-me")
    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == ConfigurationError.exit_code, result.output
    assert "development-only session key" in result.output
    assert started == [] and not (tmp_path / "data").exists()


def test_the_recipe_makes_a_secret_that_is_accepted() -> None:
    assert SECRET_RECIPE == 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
    docs = (Path(__file__).resolve().parents[1] / "docs" / "settings.md").read_text("utf-8")
    assert "secrets.token_urlsafe(48)" in docs
    for _ in range(200):
        assert weak_secret_reason(secrets.token_urlsafe(48)) is None


@settings(max_examples=300, deadline=None)
@given(secret=st.one_of(st.none(), st.text(max_size=80)),
       environment=st.sampled_from(ENVIRONMENTS), host=st.sampled_from(NETWORK_HOSTS))
def test_whatever_the_value_a_served_key_is_never_a_placeholder(
        secret: str | None, environment: str, host: str) -> None:
    """The class of the bug: for any value, the key that signs sessions is a placeholder only
    when it is the development key on loopback, and a network address gets a strong key."""
    s = _settings(environment, secret)
    try:
        key = s.require_secret()
    except ConfigurationError:
        assert environment != "development"
    else:
        assert key == DEVELOPMENT_SECRET or not is_placeholder_secret(key)
        if environment != "development":
            assert weak_secret_reason(key) is None
    try:
        check_bind(s, host)
    except ConfigurationError:
        return
    assert secret is not None and weak_secret_reason(secret) is None
