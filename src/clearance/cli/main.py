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
 70   internal error (a bug: please report it)
 78   configuration error
====  =====================================================================
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from clearance import __version__
from clearance.errors import ClearanceError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK = 0
EXIT_FAIL_ON = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_INTERNAL = 70

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`ClearanceError` into a message on stderr and its exit code."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ClearanceError as exc:
            err_console.print(f"[bold red]error:[/] {escape(exc.rendered())}", markup=True,
                              highlight=False)
            sys.exit(exc.exit_code)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="clearance")
def cli() -> None:
    """Clearance: clear film and series marketing for child-safety and brand risk.

    Screens copy (synopses, taglines, titles) into findings, applies a versioned policy to decide
    pass / review / block with readable reasons, and keeps the catalog those decisions refer to.
    """


def _register() -> None:
    from clearance.cli import catalog, demo, policy, screen

    cli.add_command(screen.screen)
    cli.add_command(policy.policy)
    cli.add_command(catalog.catalog)
    cli.add_command(catalog.db)
    cli.add_command(demo.demo)


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
        import os

        if os.environ.get("CLEARANCE_DEBUG"):
            raise
        sys.exit(EXIT_INTERNAL)
