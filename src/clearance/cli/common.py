"""What every command shares: the stderr console, the mapping of the exception tree to exit
codes (the table is in :mod:`clearance.cli.main` and ``docs/cli.md``), and one unit of work on
the configured database."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from clearance.errors import ClearanceError
from clearance.settings import get_settings
from clearance.storage import ready_engine, session_scope

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK = 0
EXIT_FAIL_ON = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_INTERNAL = 70

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    """A console on stdout for tables: the terminal's width, or 120 columns when piped."""
    is_tty = sys.stdout.isatty()
    return Console(file=sys.stdout, highlight=False, width=None if is_tty else 120)


def cli_actor() -> str:
    """The audit actor name for the command line: ``cli:<login name>``. Whoever can run the
    command on the server holds the database anyway; the name says who it was."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "cli:unknown"


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


@contextmanager
def database_session() -> Iterator[Session]:
    """A session on the configured database (``CLEARANCE_DATABASE_URL``; the embedded SQLite
    file is migrated first, any other database must be at the current schema — see
    :func:`~clearance.storage.ensure_schema`) that commits when the block ends and rolls back
    if it raises."""
    with ready_engine(get_settings().resolved_database_url) as engine, \
            session_scope(engine) as session:
        yield session
