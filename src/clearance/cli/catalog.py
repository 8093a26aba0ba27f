"""``clearance catalog ...`` and ``clearance db ...`` (placeholder: being built)."""

from __future__ import annotations

import click


@click.group()
def catalog() -> None:
    """Titles, people, credits, assets and their versions."""


@click.group()
def db() -> None:
    """Database schema management."""
