"""The production setup (deploy/compose.yaml, deploy/Dockerfile, docs/deploy.md) checked against
the code, without a container runtime: the services a deployment needs are there and wired in
order, every Clearance command and option the compose file runs exists, every ``CLEARANCE_*``
variable it sets is a setting, the settings it makes (with real secrets put in) pass the
production checks, nothing secret is written in it, and the docs describe what it runs."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from ruamel.yaml import YAML

from clearance.cli.main import cli
from clearance.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
_VAR = re.compile(r"\$\{([A-Z_]+)(?::?[-?][^}]*)?\}")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load((DEPLOY / "compose.yaml").read_text("utf-8"))
    return data


def substituted(value: str, env: dict[str, str]) -> str:
    """``${VAR:?message}`` / ``${VAR:-default}`` as compose fills them from ``env``."""
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in env:
            return env[name]
        default = re.search(r":-([^}]*)\}", match.group(0))
        if default is not None:
            return default.group(1)
        raise AssertionError(f"{name} is required and unset")
    return _VAR.sub(one, value)


def clearance_services(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in spec["services"].items()
            if svc.get("image", "").startswith("clearance:")}


def test_the_stack_has_what_a_deployment_needs() -> None:
    spec = compose()
    services = spec["services"]
    assert {"postgres", "nats", "migrate", "service", "monitor"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert "--jetstream" in services["nats"]["command"]
    for name in ("postgres", "nats", "service"):
        assert "healthcheck" in services[name], name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("service", "monitor"):
        assert services[name]["depends_on"]["migrate"]["condition"] == \
            "service_completed_successfully"
    assert services["monitor"]["depends_on"]["nats"]["condition"] == "service_healthy"
    assert services["service"]["ports"] == ["127.0.0.1:8000:8000"]  # behind a TLS proxy
    for name, svc in clearance_services(spec).items():
        assert "clearance-data:/var/lib/clearance" in svc["volumes"], name
    assert set(spec["volumes"]) >= {"postgres-data", "nats-data", "clearance-data"}


@pytest.mark.parametrize("name", ["migrate", "service", "monitor"])
def test_every_command_the_stack_runs_exists(name: str) -> None:
    """Click parses every option before --help answers, so an unknown command or option fails
    here as it would in the container."""
    command = list(compose()["services"][name]["command"])
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, (command, result.output)


def test_the_settings_it_makes_pass_the_production_checks() -> None:
    spec = compose()
    env = {"POSTGRES_PASSWORD": secrets.token_urlsafe(32),
           "CLEARANCE_SECRET_KEY": secrets.token_urlsafe(48),
           "CLEARANCE_QUARANTINE_KEY": Fernet.generate_key().decode()}
    for name, svc in clearance_services(spec).items():
        environment = {k: substituted(str(v), env) for k, v in svc["environment"].items()}
        fields = {k.removeprefix("CLEARANCE_").lower(): v for k, v in environment.items()
                  if k.startswith("CLEARANCE_")}
        assert set(fields) <= set(Settings.model_fields), (name, set(fields) - set(
            Settings.model_fields))
        settings = Settings.model_validate(
            {k: (v if k != "review_target_hours" else __import__("json").loads(v))
             for k, v in fields.items()})
        assert settings.environment == "production"
        assert settings.require_secret() == env["CLEARANCE_SECRET_KEY"]
        assert settings.require_quarantine_key() == env["CLEARANCE_QUARANTINE_KEY"]
        assert settings.resolved_database_url.startswith("postgresql+psycopg://clearance:")
        assert settings.monitor_nats_url == "nats://nats:4222"


def test_no_secret_is_written_in_the_deploy_files() -> None:
    secret = ("POSTGRES_PASSWORD", "CLEARANCE_SECRET_KEY", "CLEARANCE_QUARANTINE_KEY")
    for name, svc in compose()["services"].items():
        for key, value in (svc.get("environment") or {}).items():
            if key in secret:  # only ever the required variable itself, never a value
                assert re.fullmatch(rf"\$\{{{key}:\?[^}}]+\}}", str(value)), (name, key)
            if key == "CLEARANCE_DATABASE_URL":
                assert ":${POSTGRES_PASSWORD:?" in str(value), (name, value)
    example = (DEPLOY / "env.example").read_text("utf-8")
    values = dict(line.split("=", 1) for line in example.splitlines()
                  if line and not line.startswith("#"))
    assert {k: v for k, v in values.items() if k != "FORWARDED_ALLOW_IPS"} == {
        "POSTGRES_PASSWORD": "", "CLEARANCE_SECRET_KEY": "", "CLEARANCE_QUARANTINE_KEY": ""}
    ignored = (ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert "/deploy/.env" in ignored and "/deploy/backups/" in ignored


def test_the_image_runs_clearance_as_an_unprivileged_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text("utf-8")
    assert 'ENTRYPOINT ["clearance"]' in dockerfile
    assert re.search(r"^USER clearance$", dockerfile, flags=re.M)
    assert "'.[images,text-models,bank,monitor]'" in dockerfile


def test_the_docs_describe_the_stack_and_the_backups() -> None:
    doc = (ROOT / "docs" / "deploy.md").read_text("utf-8")
    for name in compose()["services"]:
        assert f"| `{name}` |" in doc, name
    for phrase in ("clearance backup", "clearance restore", "--database-url", "--data-dir",
                   "chain intact", "CLEARANCE_QUARANTINE_KEY", "FORWARDED_ALLOW_IPS"):
        assert phrase in doc, phrase
