"""``clearance catalog publish | withdraw | live``: publication state from the command line.

A version is named by its id or as ``TITLE/KIND[/LOCALE[/CHANNEL]]/vN`` (see
:func:`clearance.catalog.publication.resolve_version`). The command line acts as
``cli:<login name>`` in the audit log, as ``clearance users`` does: whoever can run it on the
server holds the database anyway.
"""

from __future__ import annotations

import datetime as dt
import json

import click
from rich.markup import escape
from rich.table import Table

from clearance.catalog.publication import live_at, publish, resolve_version, withdraw
from clearance.cli.common import (
    cli_actor,
    database_session,
    err_console,
    handle_errors,
    stdout_console,
)


def _describe(title_id: str, kind: str, locale: str, channel: str, number: int) -> str:
    return f"{title_id}/{kind}/{locale}/{channel}/v{number}"


@click.command("publish")
@click.argument("version")
@handle_errors
def publish_cmd(version: str) -> None:
    """Make VERSION the live version of its asset (it must be approved, or have passed
    screening). The asset's previous live version, if any, ends as replaced.

    VERSION is a version id or TITLE/KIND[/LOCALE[/CHANNEL]]/vN. Exit codes: 0 published,
    5 no such version, 8 the version is not cleared or was withdrawn.
    """
    with database_session() as session:
        row = resolve_version(session, version)
        asset = row.asset
        pub = publish(session, row, by=cli_actor())
        name = _describe(asset.title_id, asset.kind, asset.locale, asset.channel, row.number)
        since = pub.live_from
    click.echo(f"{name} is live since {since:%Y-%m-%d %H:%M} UTC")


@click.command("withdraw")
@click.argument("version")
@click.option("--reason", required=True, help="Why it is withdrawn (kept in the audit log).")
@handle_errors
def withdraw_cmd(version: str, reason: str) -> None:
    """Withdraw VERSION everywhere: it stops being live and can never be published again.

    VERSION is a version id or TITLE/KIND[/LOCALE[/CHANNEL]]/vN. Exit codes: 0 withdrawn (or
    already), 3 no reason given, 5 no such version.
    """
    with database_session() as session:
        row = resolve_version(session, version)
        asset = row.asset
        withdraw(session, row, by=cli_actor(), reason=reason)
        name = _describe(asset.title_id, asset.kind, asset.locale, asset.channel, row.number)
    click.echo(f"{name} is withdrawn")


@click.command("live")
@click.argument("title_id")
@click.option("--at", "at", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M",
                                                          "%Y-%m-%dT%H:%M:%S"]),
              help="The moment to ask about (UTC; default now).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@handle_errors
def live_cmd(title_id: str, at: dt.datetime | None, fmt: str) -> None:
    """List the versions of TITLE_ID's assets that were live at a moment (default now)."""
    when = at.replace(tzinfo=dt.UTC) if at is not None else dt.datetime.now(dt.UTC)
    with database_session() as session:
        rows = live_at(session, title_id, when)
    if fmt == "json":
        click.echo(json.dumps({"title_id": title_id, "at": when.isoformat(), "live": [
            {"asset_id": r.asset_id, "kind": r.kind, "locale": r.locale, "channel": r.channel,
             "version_id": r.version_id, "number": r.number,
             "live_from": r.live_from.isoformat(),
             "live_until": r.live_until.isoformat() if r.live_until else None,
             "published_by": r.published_by} for r in rows]}, indent=2))
        return
    if not rows:
        err_console.print(f"nothing of {escape(title_id)} was live at {when:%Y-%m-%d %H:%M} UTC")
        return
    table = Table(title=f"live at {when:%Y-%m-%d %H:%M} UTC", title_justify="left")
    for column in ("asset", "version", "live since", "published by"):
        table.add_column(column)
    for r in rows:
        table.add_row(escape(f"{r.kind}/{r.locale}/{r.channel}"), f"v{r.number} (#{r.version_id})",
                      f"{r.live_from:%Y-%m-%d %H:%M}", escape(r.published_by))
    stdout_console().print(table)
