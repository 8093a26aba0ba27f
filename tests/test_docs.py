"""The docs cover every setting, CLI command and option, finding label and policy field."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from clearance.cli.main import cli
from clearance.findings import Label
from clearance.policy.model import AttrRange, Condition, Policy, Rule, TwoPerson
from clearance.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "clearance") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}"
        out.append((path, cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, path))
    return out


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    assert f"CLEARANCE_{field.upper()}" in _doc("settings.md")


@pytest.mark.parametrize(("path", "cmd"), _commands(cli), ids=lambda v: str(v))
def test_every_command_and_option_is_documented(path: str, cmd: click.Command) -> None:
    text = _doc("cli.md")
    assert f"`{path}" in text, f"{path} missing from docs/cli.md"
    for param in cmd.params:
        if isinstance(param, click.Option):
            assert any(opt in text for opt in param.opts), f"{path} {param.opts} undocumented"


@pytest.mark.parametrize("label", Label.ALL)
def test_every_label_is_documented(label: str) -> None:
    assert f"`{label}`" in _doc("labels.md")


@pytest.mark.parametrize(
    "field",
    sorted({f.alias or n for m in (Policy, Rule, Condition, AttrRange, TwoPerson)
            for n, f in m.model_fields.items()}),
)
def test_every_policy_field_is_documented(field: str) -> None:
    assert f"`{field}" in _doc("policy.md")


def test_every_command_has_help() -> None:
    for path, cmd in _commands(cli):
        assert cmd.help or cmd.short_help, f"{path} has no --help text"
