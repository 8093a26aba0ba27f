"""``clearance webhooks add|list|remove|deliveries``: manage decision webhooks from the shell.

Subscriptions and deliveries live in the database (``docs/webhooks.md``); ``clearance serve``
sends them. The secret is printed once on ``add`` because the subscriber needs it to verify
signatures; ``list`` never shows it.
"""

from __future__ import annotations

import click
from rich.table import Table

from clearance.cli.catalog import _stdout
from clearance.cli.common import (
    database_session,
    err_console,
    format_option,
    handle_errors,
    print_json,
)
from clearance.review import webhooks as hooks
from clearance.settings import get_settings
from clearance.storage.db import as_utc
from clearance.storage.review_models import DELIVERY_STATES

#: The audit actor for changes made from the shell (the API records the admin user instead).
SYSTEM = "system"


@click.group("webhooks")
def webhooks_group() -> None:
    """Signed decision webhooks: subscriptions and the delivery log."""


@webhooks_group.command("add")
@click.argument("url")
@click.option("--secret", default=None, metavar="S",
              help="Signing secret (at least 16 characters); generated when omitted.")
@click.option("--event", "events", multiple=True, type=click.Choice(hooks.WEBHOOK_EVENTS),
              help="An event type to receive (repeatable; default: decision).")
@handle_errors
def add(url: str, secret: str | None, events: tuple[str, ...]) -> None:
    """Subscribe URL to decisions (or the --event types given); prints the signing secret once.

    Outside development URL must reach a public address unless CLEARANCE_OUTBOUND_ALLOW lists
    it (docs/webhooks.md); a URL with credentials or control characters is refused anywhere.
    """
    settings = get_settings()
    with database_session() as session:
        sub, key = hooks.subscribe(session, SYSTEM, url, secret, events=events or ("decision",),
                                   outbound=settings)
        sub_id = sub.id
    click.echo(f"webhook {sub_id} -> {url}")
    click.echo(f"secret: {key}")
    err_console.print("Store this secret now: it is not shown again.", markup=False)


@webhooks_group.command("list")
@format_option
@handle_errors
def list_(fmt: str) -> None:
    """Active subscriptions (without their secrets)."""
    with database_session() as session:
        subs = hooks.list_subscriptions(session)
        table = Table("id", "url", "events", "created")
        found = [{"id": sub.id, "url": sub.url, "events": list(sub.events),
                  "created_at": as_utc(sub.created_at).isoformat()} for sub in subs]
        for sub in subs:
            table.add_row(str(sub.id), sub.url, ",".join(sub.events), f"{sub.created_at:%Y-%m-%d}")
    if fmt == "json":
        print_json({"subscriptions": found})
        return
    if not subs:
        click.echo("no webhook subscriptions")
        return
    _stdout().print(table)


@webhooks_group.command("remove")
@click.argument("sub_id", metavar="ID", type=int)
@handle_errors
def remove(sub_id: int) -> None:
    """Deactivate subscription ID (its delivery log is kept)."""
    with database_session() as session:
        hooks.unsubscribe(session, SYSTEM, sub_id)
    click.echo(f"webhook {sub_id} removed")


@webhooks_group.command("deliveries")
@click.option("--status", type=click.Choice(DELIVERY_STATES), default=None,
              help="Only deliveries in this state.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@format_option
@handle_errors
def deliveries(status: str | None, limit: int, fmt: str) -> None:
    """The delivery log, newest first: attempts, last status code or error."""
    with database_session() as session:
        rows = hooks.list_deliveries(session, status=status, limit=limit)
        found = [{"id": d.id, "subscription_id": d.subscription_id, "event": d.event_type,
                  "status": d.status, "attempts": d.attempts,
                  "last_status_code": d.last_status_code, "last_error": d.last_error,
                  "next_attempt_at": as_utc(d.next_attempt_at).isoformat()
                  if d.status == "pending" and d.next_attempt_at is not None else None}
                 for d in rows]
        table = Table("id", "webhook", "event", "status", "attempts", "last code", "last error",
                      "next attempt")
        for d in rows:
            table.add_row(str(d.id), str(d.subscription_id), d.event_type, d.status,
                          str(d.attempts), "" if d.last_status_code is None
                          else str(d.last_status_code), (d.last_error or "")[:60],
                          f"{d.next_attempt_at:%Y-%m-%d %H:%M:%S}" if d.status == "pending"
                          else "")
    if fmt == "json":
        print_json({"deliveries": found})
        return
    if not rows:
        click.echo("no deliveries")
        return
    _stdout().print(table)
