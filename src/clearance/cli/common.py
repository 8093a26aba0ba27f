"""What every command shares: the stderr console, how much it says (``--quiet``/``--verbose``),
the mapping of the exception tree to exit codes (the table is in :mod:`clearance.cli.main` and
``docs/cli.md``), and one unit of work on the configured database.

How much a command says is kept in the click context's ``meta`` (shared by a command and its
group), never in a module global: ``-q/--quiet`` leaves only results, warnings about skipped
input and errors; ``-v/--verbose`` adds what the command used (policy, detectors, database) and
Clearance's own log lines (``-vv``: debug).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Final, ParamSpec, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
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

#: Where a command's verbosity is kept in ``click.Context.meta``: -1 quiet, 0 normal, 1+ verbose.
VERBOSITY_KEY: Final = "clearance.verbosity"


def verbosity() -> int:
    """-1 with ``--quiet``, 0 by default, 1 with ``-v``, 2 with ``-vv`` (outside a command: 0)."""
    ctx = click.get_current_context(silent=True)
    return int(ctx.meta.get(VERBOSITY_KEY, 0)) if ctx is not None else 0


def is_quiet() -> bool:
    return verbosity() < 0


def is_verbose() -> bool:
    return verbosity() > 0


def set_verbosity(level: int) -> None:
    """Record the command's verbosity (the ``--quiet``/``--verbose`` callbacks) and set the level
    of Clearance's loggers to match: errors only when quiet, info or debug when verbose."""
    ctx = click.get_current_context()
    ctx.meta[VERBOSITY_KEY] = level
    logger = logging.getLogger("clearance")
    if level < 0:
        logger.setLevel(logging.ERROR)
    elif level > 0:
        logger.setLevel(logging.INFO if level == 1 else logging.DEBUG)
        if not any(getattr(h, "clearance_cli", False) for h in logger.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
            handler.clearance_cli = True  # type: ignore[attr-defined]
            logger.addHandler(handler)


def verbosity_options() -> list[click.Option]:
    """``-q/--quiet`` and ``-v/--verbose``, as every command (and group) takes them."""

    def quiet(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            set_verbosity(-1)

    def verbose(_ctx: click.Context, _param: click.Parameter, value: int) -> None:
        if value:
            set_verbosity(value)

    return [
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, is_eager=True,
                     callback=quiet, help="Print only results, warnings about skipped input "
                                          "and errors: no progress, no notes."),
        click.Option(["-v", "--verbose"], count=True, expose_value=False, is_eager=True,
                     callback=verbose, help="Say what was used (policy, detectors, database) "
                                            "and show Clearance's log (-vv: debug)."),
    ]


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL (``None`` for any other database, or in memory)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # not a URL: the command's own use of it says so
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:"):
        return None
    return Path(database)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def announce_database(ctx: click.Context) -> None:
    """Say once, on stderr, which database a command used when it created a new one (a command
    run in a new folder otherwise silently makes ``data/clearance.db`` there), and with
    ``--verbose`` which database it used in any case. Watches the first connection of the
    command's engines; the watch ends with the command."""
    try:
        url = get_settings().resolved_database_url
    except ClearanceError:  # bad settings: the command itself reports them
        return
    path = sqlite_file(url)
    existed = path is None or path.exists()
    told: list[bool] = []

    def on_connect(_dbapi: object, _record: object) -> None:
        if told:
            return
        told.append(True)
        if not existed and path is not None and path.exists():
            note(f"created a new database: {_shown(path)} (CLEARANCE_DATA_DIR or "
                 "CLEARANCE_DATABASE_URL chooses another)")
        else:
            shown = _shown(path) if path is not None else \
                make_url(url).render_as_string(hide_password=True)
            note(f"database: {shown}", verbose=True)

    event.listen(Engine, "connect", on_connect)
    ctx.call_on_close(lambda: event.remove(Engine, "connect", on_connect))


def note(message: str, *, verbose: bool = False) -> None:
    """An informational line on stderr (plain text, never markup): left out with ``--quiet``;
    with ``verbose=True`` shown only with ``--verbose``."""
    level = verbosity()
    if level < 0 or (verbose and level < 1):
        return
    err_console.print(message, markup=False, highlight=False)


def stdout_console() -> Console:
    """A console on stdout for tables: the terminal's width, or 120 columns when piped."""
    is_tty = sys.stdout.isatty()
    return Console(file=sys.stdout, highlight=False, width=None if is_tty else 120)


def print_table(table: Table, empty: str, console: Console | None = None) -> None:
    """``table`` on stdout, or, when it has no rows, the sentence ``empty`` (what there is
    none of and, where it helps, how to make one) instead of a bare header."""
    if table.row_count == 0:
        click.echo(empty)
    else:
        (console or stdout_console()).print(table)


#: ``--format table|json`` as every list command takes it: a table for people, JSON for scripts.
format_option = click.option("--format", "fmt", type=click.Choice(["table", "json"]),
                             default="table", show_default=True,
                             help="table for people; json (one object) for scripts.")


def print_json(value: object) -> None:
    """``value`` as indented JSON on standard output (dates and times as ISO 8601, UTC)."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: object) -> str:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


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
