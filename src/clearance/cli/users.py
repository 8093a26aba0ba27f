"""``clearance users ...``: create users, change roles and passwords, issue and revoke API tokens.

This is how the first admin comes to exist (there is no sign-up page) and how tokens for
scripts are made. Changes are recorded in the audit log as made by ``cli:<OS user>`` (or
``system`` when the OS user is unknown), in the same transaction as the change. The database is
the configured one (``CLEARANCE_DATABASE_URL``), brought to the current schema first.
"""

from __future__ import annotations

import datetime as dt
import getpass
import sys

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from clearance.cli.common import (
    database_session,
    err_console,
    format_option,
    handle_errors,
    print_json,
    print_table,
)
from clearance.errors import InputError
from clearance.review import access
from clearance.storage.db import as_utc
from clearance.storage.review_models import ROLES


def _by() -> str:
    """The audit actor name for the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return access.SYSTEM


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise InputError("no password on standard input")
        return password
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                              err=True)
    return value


def _iso(value: dt.datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return "-"
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def _stdout() -> Console:
    is_tty = sys.stdout.isatty()
    return Console(file=sys.stdout, highlight=False, width=None if is_tty else 120)


_ROLE = click.Choice(ROLES)
_PASSWORD_STDIN = click.option("--password-stdin", is_flag=True,
                               help="Read the password from the first line of standard input "
                                    "instead of prompting.")


@click.group()
def users() -> None:
    """Users, roles, passwords and API tokens of the review service."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=_ROLE, required=True, help="submitter, reviewer, senior_reviewer, "
              "admin, or legal (the quarantine alone).")
@click.option("--team", "team", metavar="TEAM", default=None,
              help="The team (created if new) whose items a submitter sees.")
@click.option("--display-name", metavar="NAME", default=None, help="Shown in the UI.")
@_PASSWORD_STDIN
@click.option("--no-password", is_flag=True,
              help="No password: the user can only use API tokens.")
@handle_errors
def create(username: str, role: str, team: str | None, display_name: str | None,
           password_stdin: bool, no_password: bool) -> None:
    """Create USERNAME with a role; asks for the password twice (hidden) unless told otherwise.

    Passwords need at least 10 characters and more than one kind of character.
    """
    if password_stdin and no_password:
        raise InputError("--password-stdin and --no-password contradict each other")
    password = None if no_password else _read_password(password_stdin)
    with database_session() as session:
        user = access.create_user(session, _by(), username, role=role, team_id=team,
                                  password=password, display_name=display_name)
        click.echo(f"created {user.username} ({user.role}"
                   f"{', team ' + user.team_id if user.team_id else ''})")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=_ROLE, metavar="ROLE")
@handle_errors
def set_role(username: str, role: str) -> None:
    """Give USERNAME the ROLE (submitter, reviewer, senior_reviewer, admin or legal)."""
    with database_session() as session:
        user = access.set_role(session, _by(), username, role)
        click.echo(f"{user.username} is now {user.role}")


@users.command("set-password")
@click.argument("username")
@_PASSWORD_STDIN
@handle_errors
def set_password(username: str, password_stdin: bool) -> None:
    """Set USERNAME's password (asked twice, hidden, unless --password-stdin)."""
    password = _read_password(password_stdin)
    with database_session() as session:
        access.set_password(session, _by(), username, password)
        click.echo(f"password of {username} changed")


@users.command("deactivate")
@click.argument("username")
@handle_errors
def deactivate(username: str) -> None:
    """Refuse USERNAME's logins, sessions and tokens from now on (kept for the audit trail)."""
    with database_session() as session:
        access.set_active(session, _by(), username, False)
        click.echo(f"{username} deactivated")


@users.command("activate")
@click.argument("username")
@handle_errors
def activate(username: str) -> None:
    """Let a deactivated USERNAME log in again."""
    with database_session() as session:
        access.set_active(session, _by(), username, True)
        click.echo(f"{username} activated")


@users.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, metavar="NAME",
              help="What the token is for (shown in lists).")
@click.option("--expires-days", type=click.IntRange(min=1), default=None, metavar="D",
              help="Expire after D days (default: never).")
@handle_errors
def token(username: str, name: str, expires_days: int | None) -> None:
    """Issue an API token for USERNAME and print its secret (only once) on standard output.

    Send it as "Authorization: Bearer <secret>". Only its SHA-256 is stored, so a lost secret
    cannot be shown again: revoke it and issue another.
    """
    with database_session() as session:
        row, secret = access.issue_token(session, _by(), username, name, expires_days)
        token_id, expires = row.id, row.expires_at
    err_console.print(
        f"token {token_id} ({escape(name)}) for {escape(username)}, "
        f"expires {_when(expires) if expires else 'never'}. "
        "[bold]Copy the secret now: it is not shown again.[/]", markup=True)
    click.echo(secret)


@users.command("revoke-token")
@click.argument("token_id", type=int)
@handle_errors
def revoke_token(token_id: int) -> None:
    """Revoke API token TOKEN_ID (see `clearance users tokens`); it stops working at once."""
    with database_session() as session:
        access.revoke_token(session, _by(), token_id)
        click.echo(f"token {token_id} revoked")


@users.command("tokens")
@click.argument("username", required=False)
@format_option
@handle_errors
def tokens(username: str | None, fmt: str) -> None:
    """List API tokens (all, or USERNAME's): id, owner, name, prefix, dates. No secrets."""
    table = Table("id", "user", "name", "prefix", "created", "expires", "last used", "revoked")
    found: list[dict[str, object]] = []
    with database_session() as session:
        for row in access.list_tokens(session, username):
            found.append({"id": row.id, "user": row.user.username, "name": row.name,
                          "prefix": row.prefix, "created_at": _iso(row.created_at),
                          "expires_at": _iso(row.expires_at),
                          "last_used_at": _iso(row.last_used_at),
                          "revoked_at": _iso(row.revoked_at)})
            table.add_row(str(row.id), escape(row.user.username), escape(row.name),
                          escape(row.prefix) + "…", _when(row.created_at),
                          _when(row.expires_at), _when(row.last_used_at), _when(row.revoked_at))
    if fmt == "json":
        print_json({"tokens": found})
        return
    print_table(table, f"no API tokens{' for ' + username if username else ''}: issue one "
                "with `clearance users token USERNAME`", _stdout())


@users.command("list")
@format_option
@handle_errors
def list_(fmt: str) -> None:
    """List users: username, display name, role, team, active, password, live tokens."""
    table = Table("username", "display name", "role", "team", "active", "password", "tokens")
    found: list[dict[str, object]] = []
    with database_session() as session:
        for user in access.list_users(session):
            live = access.count_active_tokens(session, user.id)
            found.append({"username": user.username, "display_name": user.display_name,
                          "role": user.role, "team": user.team_id, "active": user.active,
                          "has_password": user.password_hash is not None, "tokens": live})
            table.add_row(escape(user.username), escape(user.display_name), user.role,
                          escape(user.team_id or "-"), "yes" if user.active else "no",
                          "yes" if user.password_hash else "no", str(live))
    if fmt == "json":
        print_json({"users": found})
        return
    print_table(table, "no users: create one with `clearance users create USERNAME --role "
                "ROLE`", _stdout())
