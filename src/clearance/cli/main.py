"""The ``clearance`` command line.

Every command maps the one exception tree (:mod:`clearance.errors`) to exit codes, so scripts can
rely on them (``docs/cli.md``):

====  =====================================================================
 0    success
 1    ``--fail-on`` threshold reached, or the demo's expected outcome not met
 2    usage error (unknown option, missing argument)
 3    input error (empty or oversized text, unreadable file, bad rows skipped)
 4    invalid policy
 5    storage error (database, blob store)
 6    a detector's model is unavailable
 7    access refused (unknown or wrong credentials, or a role that may not)
 8    review conflict (the item's state or the review rules refuse it)
 70   internal error (a bug: please report it)
 78   configuration error
====  =====================================================================
"""

from __future__ import annotations

import os
import sys

import click
from rich.markup import escape

from clearance import __version__
from clearance.cli.common import (
    EXIT_INTERNAL,
    announce_database,
    err_console,
    verbosity_options,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="clearance")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Clearance: clear film and series marketing for child-safety and brand risk.

    Screens copy (synopses, taglines, titles) into findings, applies a versioned policy to decide
    pass / review / block with readable reasons, and keeps the catalog those decisions refer to.
    Every command takes -q/--quiet and -v/--verbose.
    """
    announce_database(ctx)


def _with_verbosity(command: click.Command) -> None:
    """Give ``command`` (and, for a group, every command under it) -q/--quiet and -v/--verbose."""
    if not any(p.name in ("quiet", "verbose") for p in command.params):
        command.params.extend(verbosity_options())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_verbosity(sub)


def _register() -> None:
    from clearance.cli import catalog, demo, policy, screen

    cli.add_command(screen.screen)
    cli.add_command(policy.policy)
    cli.add_command(catalog.catalog)
    cli.add_command(catalog.db)
    cli.add_command(demo.demo)
    from clearance.cli import users as users_cli
    cli.add_command(users_cli.users)
    from clearance.cli import audit as audit_cli
    cli.add_command(audit_cli.audit_group)
    from clearance.cli import webhooks as webhooks_cli
    cli.add_command(webhooks_cli.webhooks_group)
    from clearance.cli import serve as serve_cli
    cli.add_command(serve_cli.serve)
    from clearance.cli import monitor as monitor_cli
    cli.add_command(monitor_cli.monitor_group)
    from clearance.cli import bank as bank_cli
    cli.add_command(bank_cli.bank_group)
    from clearance.cli import rescreen as rescreen_cli
    cli.add_command(rescreen_cli.rescreen_command)
    from clearance.cli import quarantine as quarantine_cli
    cli.add_command(quarantine_cli.quarantine_group)
    from clearance.cli import incident as incident_cli
    cli.add_command(incident_cli.incident_group)
    from clearance.cli import backup as backup_cli
    cli.add_command(backup_cli.backup_command)
    cli.add_command(backup_cli.restore_command)
    _with_verbosity(cli)


_register()


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        err_console.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))}\n"
            "This is a bug in Clearance; run with CLEARANCE_DEBUG=1 to see the traceback.",
            markup=True,
        )
        if os.environ.get("CLEARANCE_DEBUG"):
            raise
        sys.exit(EXIT_INTERNAL)
