"""``clearance demo`` (being built)."""

from __future__ import annotations

import click


@click.command()
def demo() -> None:
    """Run the Cuties case end to end."""
