"""``clearance audit verify`` and ``clearance audit export``: check and hand over the audit log.

``verify`` recomputes the hash chain from the first event, so an edit made by someone who got
past the append-only triggers (dropped them, edited the file) is still found; it exits 1 and
names the first broken event, so a cron job or CI step can alert on it. ``export`` writes the
events as JSON Lines, for an auditor or a write-once archive. See ``docs/audit.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clearance.cli.common import (
    EXIT_FAIL_ON,
    database_session,
    err_console,
    handle_errors,
    note,
)
from clearance.errors import InputError
from clearance.review import audit


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log: verify its hash chain, export it."""


@audit_group.command("verify")
@handle_errors
def verify() -> None:
    """Recompute the audit chain; exit 1 naming the first altered, missing or inserted event."""
    with database_session() as session:
        report = audit.verify(session)
    if not report.ok:
        err_console.print(f"audit chain broken at event {report.broken_seq}: {report.problem} "
                          f"({report.checked} events before it are intact)", markup=False)
        sys.exit(EXIT_FAIL_ON)
    click.echo(f"{report.checked} events, chain intact")


@audit_group.command("export")
@click.option("--since", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="Only events after sequence number N (to append to an earlier export).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@handle_errors
def export(since: int, output: Path | None) -> None:
    """Write audit events as JSON Lines (one event per line, with its hashes)."""
    with database_session() as session:
        if output is None:
            count = audit.export_jsonl(session, sys.stdout, since=since)
        else:
            try:
                with output.open("w", encoding="utf-8") as out:
                    count = audit.export_jsonl(session, out, since=since)
            except OSError as exc:
                raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    note(f"exported {count} events")
