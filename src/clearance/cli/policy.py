"""``clearance policy ...``: check a policy file, or print the built-in policy."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from clearance.cli.common import handle_errors
from clearance.policy.loader import DEFAULT_POLICY_NAME, load_policy


@click.group()
def policy() -> None:
    """Validate and inspect policies, try drafts on the catalog (see docs/policy.md)."""


@policy.command()
@click.argument("file", type=click.Path(path_type=Path))
@handle_errors
def check(file: Path) -> None:
    """Validate FILE and report every problem as file:line: message (hint). Exit 4 if invalid."""
    p = load_policy(file)
    click.echo(f"{file}: ok — policy {p.ref}, {len(p.rules)} rule(s)")


@policy.command()
def show() -> None:
    """Print the built-in default policy (a starting point for your own)."""
    ref = resources.files("clearance.policy").joinpath(DEFAULT_POLICY_NAME)
    click.echo(ref.read_text(encoding="utf-8"), nl=False)


def _register() -> None:
    from clearance.cli.policy_whatif import shadow_group, whatif_command

    policy.add_command(whatif_command)
    policy.add_command(shadow_group)


_register()
