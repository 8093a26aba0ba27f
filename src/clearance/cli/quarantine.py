"""``clearance quarantine ...``: the legal reporting path on the command line.

Content screened as a minor next to an exposed intimate region is quarantined
(:mod:`clearance.quarantine`): no reviewer sees it; the ``legal`` role builds the report package a
legal channel (NCMEC CyberTipline, IWF) asks for. Every command names the legal user it acts as
(``--as``), and what it does is audited under that name, as in the service.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from clearance import quarantine
from clearance.cli.common import (
    database_session,
    err_console,
    format_option,
    handle_errors,
    print_json,
)
from clearance.errors import InputError
from clearance.quarantine.vault import Vault
from clearance.review import access
from clearance.settings import get_settings
from clearance.storage import LocalBlobStore, ready_engine
from clearance.storage.db import as_utc

_AS = click.option("--as", "as_user", required=True, metavar="USERNAME",
                   help="the legal user this is done as (audited under that name)")


def _legal(session: Session, username: str) -> access.Actor:
    """``username`` as a command-line actor, who must hold the legal role."""
    user = access.get_user(session, username)
    if not user.active:
        raise InputError(f"user {username!r} is deactivated")
    actor = access.actor_for(user, "cli")
    access.require_role(actor, "legal")
    return actor


@click.group("quarantine")
def quarantine_group() -> None:
    """The quarantine and the legal reporting path (the legal role)."""


@quarantine_group.command("list")
@_AS
@format_option
@handle_errors
def list_holds(as_user: str, fmt: str) -> None:
    """Every quarantined item: what held it, its hashes, when (audited)."""
    with database_session() as session:
        rows = quarantine.holds(session, _legal(session, as_user))
        if fmt == "json":
            print_json({"holds": [
                {"item_id": row.item_id, "version_id": row.version_id,
                 "labels": list(row.labels), "sha256": row.sha256,
                 "held_at": as_utc(row.held_at).isoformat(),
                 "sealed_at": as_utc(row.sealed_at).isoformat() if row.sealed_at else None}
                for row in rows]})
            return
        table = Table("item", "version", "labels", "sha256", "held", "sealed")
        for row in rows:
            table.add_row(str(row.item_id), str(row.version_id), escape(", ".join(row.labels)),
                          row.sha256[:16], as_utc(row.held_at).strftime("%Y-%m-%d %H:%M"),
                          "yes" if row.sealed_at else "not yet")
        Console(highlight=False).print(table)


@quarantine_group.command("export")
@click.argument("item_id", type=click.IntRange(1, 2**31 - 1), metavar="ITEM")
@_AS
@click.option("-o", "--output", "folder", type=click.Path(path_type=Path), default=None,
              help="folder to write report.json (and the file) into; default "
                   "quarantine-ITEM in the current folder")
@click.option("--with-bytes", is_flag=True,
              help="also write the quarantined file itself (decrypted) next to the report")
@handle_errors
def export(item_id: int, as_user: str, folder: Path | None, with_bytes: bool) -> None:
    """Write ITEM's report package for a legal channel: report.json (findings, hashes, size,
    where it came from, who uploaded and who saw it) and, with --with-bytes, the file. Audited
    as quarantine.export."""
    settings = get_settings()
    vault = Vault.from_settings(settings)
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    target = folder if folder is not None else Path(f"quarantine-{item_id}")
    if target.exists() and any(target.iterdir()):
        raise InputError(f"{target} exists and is not empty: choose another folder (-o)")
    with database_session() as session:
        actor = _legal(session, as_user)
        package = quarantine.report(session, actor, item_id, vault, blobs,
                                    with_bytes=with_bytes)
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = package["file"].pop("base64", None)
    if data is not None:
        suffix = mimetypes.guess_extension(package["file"]["content_type"]) or ".bin"
        name = f"{package['file']['sha256']}{suffix}"
        (target / name).write_bytes(base64.b64decode(data))
        package["file"]["file_name"] = name
    (target / "report.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")
    err_console.print(f"wrote {escape(str(target))}/report.json"
                      + (" and the file" if data is not None else " (no bytes)"))


@quarantine_group.command("seal")
@handle_errors
def seal() -> None:
    """Encrypt the bytes of items quarantined by command-line screenings into the vault and
    remove their plain copies (the review service does this itself every half minute)."""
    settings = get_settings()
    with ready_engine(settings.resolved_database_url) as engine:
        sealed = quarantine.seal_all(engine, LocalBlobStore(settings.resolved_blob_dir),
                                     Vault.from_settings(settings))
    err_console.print(f"sealed {sealed} quarantined file(s)")
