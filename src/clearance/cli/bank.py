"""``clearance bank ...``: the hash bank from the command line (list, create, update, add, remove,
match, scan, lineage, withdraw). Stable and scriptable: ``--format json|jsonl`` output is
documented in ``docs/cli.md``; the command line acts as ``cli:<login name>`` in the audit log."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine

from clearance.bank import banks, hashing, lineage
from clearance.bank.index import BankIndex
from clearance.bank.scan import Scanned, scan, targets
from clearance.catalog.publication import resolve_version
from clearance.cli.common import (
    EXIT_INPUT,
    cli_actor,
    err_console,
    handle_errors,
    print_table,
    stdout_console,
)
from clearance.content.images import load_picture_file
from clearance.errors import ContentError, InputError, Problem
from clearance.policy.loader import load_policy
from clearance.settings import get_settings
from clearance.storage import LocalBlobStore, ready_engine, session_scope
from clearance.storage.bank_models import BANK_REASONS, DEFAULT_DISTANCE


@contextmanager
def _engine() -> Iterator[Engine]:
    with ready_engine(get_settings().resolved_database_url) as engine:
        yield engine


def _index(engine: Engine) -> BankIndex:
    return BankIndex.from_settings(get_settings(), engine=engine)


def _blobs() -> LocalBlobStore:
    return LocalBlobStore(get_settings().resolved_blob_dir)


@click.group("bank")
def bank_group() -> None:
    """The hash bank: banked near-copies of rejected and withdrawn versions, matching, feed
    scans and withdraw everywhere."""


@bank_group.command("list")
@click.option("--bank", "bank_name", default=None, help="List this bank's entries.")
@click.option("--removed", is_flag=True, help="Include removed entries.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@handle_errors
def list_cmd(bank_name: str | None, removed: bool, fmt: str) -> None:
    """List the banks (entries, distance, enabled), or one bank's entries with --bank."""
    with _engine() as engine, session_scope(engine) as session:
        if bank_name is None:
            counts = banks.entry_counts(session)
            rows: list[dict[str, Any]] = [
                {"name": b.name, "reason": b.reason, "distance": b.distance,
                 "enabled": b.enabled, "entries": counts.get(b.id, 0),
                 "description": b.description} for b in banks.list_banks(session)]
        else:
            rows = [{"id": e.id, "bank": bank_name, "version": e.version_id, "label": e.label,
                     "media": e.media, "sha256": e.sha256, "source": e.source,
                     "reason": e.reason, "added_by": e.added_by,
                     "added_at": e.added_at.isoformat(),
                     "removed_at": e.removed_at.isoformat() if e.removed_at else None}
                    for e in banks.entries(session, bank=bank_name, include_removed=removed)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table()
    for column in (rows[0].keys() if rows else ["(none)"]):
        table.add_column(column)
    for r in rows:
        table.add_row(*(escape(str(v)) for v in r.values()))
    print_table(table, "no banks" if bank_name is None else
                f"no entries in bank {bank_name!r}: `clearance bank add` banks a version")


@bank_group.command("create")
@click.argument("name")
@click.option("--reason", type=click.Choice(BANK_REASONS), required=True,
              help="What the bank holds (negative: known-good look-alikes that suppress "
                   "matches).")
@click.option("--distance", type=int, default=DEFAULT_DISTANCE, show_default=True,
              help="Match distance, 0-256 bits.")
@click.option("--description", default="", help="What the bank is for.")
@handle_errors
def create_cmd(name: str, reason: str, distance: int, description: str) -> None:
    """Create bank NAME (e.g. a partner's takedown list, or a negative bank)."""
    with _engine() as engine, session_scope(engine) as session:
        banks.create_bank(session, name, reason=reason, by=cli_actor(), distance=distance,
                          description=description)
    click.echo(f"bank {name} created ({reason}, distance {distance})")


@bank_group.command("update")
@click.argument("name")
@click.option("--distance", type=int, default=None, help="New match distance, 0-256 bits.")
@click.option("--enabled/--disabled", "enabled", default=None,
              help="Match against the bank, or not.")
@handle_errors
def update_cmd(name: str, distance: int | None, enabled: bool | None) -> None:
    """Change bank NAME's distance or switch it on or off (audited)."""
    with _engine() as engine, session_scope(engine) as session:
        bank = banks.update_bank(session, name, by=cli_actor(), distance=distance,
                                 enabled=enabled)
        text = f"bank {name}: distance {bank.distance}, " \
               f"{'enabled' if bank.enabled else 'disabled'}"
    click.echo(text)


def _file_hashes(path: Path) -> tuple[str, str, list[hashing.PerceptualHash]]:
    """(sha256, media, hashes to bank) of a file: 8 dihedral PDQs, or vPDQ frames."""
    settings = get_settings()
    with path.open("rb") as fh:
        head = fh.read(512)
    if hashing.looks_like_video(head):
        import hashlib

        return (hashlib.sha256(path.read_bytes()).hexdigest(), "video",
                hashing.vpdq_file(path))
    picture = load_picture_file(path, max_bytes=settings.max_image_bytes,
                                max_pixels=settings.max_image_pixels)
    return picture.sha256, "image", hashing.bank_hashes(picture.pixels)


@bank_group.command("add")
@click.argument("items", nargs=-1, required=True)
@click.option("--bank", "bank_name", required=True, help="The bank to add to.")
@click.option("--reason", default="", help="Why (kept with the entry and in the audit log).")
@handle_errors
def add_cmd(items: tuple[str, ...], bank_name: str, reason: str) -> None:
    """Bank ITEMS: image or video files, or catalog versions (an id or
    TITLE/KIND[/LOCALE[/CHANNEL]]/vN). Adding what is banked already changes nothing. A file
    that cannot be read is reported (exit 3) and the others are still banked."""
    problems: list[str] = []
    by = cli_actor()
    with _engine() as engine:
        for ref in items:
            path = Path(ref)
            try:
                if path.exists():
                    sha, media, hashes = _file_hashes(path)
                    with session_scope(engine) as session:
                        added = banks.add_content(
                            session, banks.get_bank(session, bank_name), sha256=sha,
                            media=media, label=path.name, hashes=hashes, source="manual",
                            reason=reason, by=by)
                        entry_id, is_new = added.entry.id, added.is_new
                else:
                    with session_scope(engine) as session:
                        banks.use_blobs(session, _blobs())
                        version = resolve_version(session, ref)
                        got = banks.bank_version(session, bank_name, version, source="manual",
                                                 reason=reason, by=by)
                        if got is None:
                            raise InputError(f"{ref}: {banks.describe(version)} is copy, "
                                             "which has no perceptual hash")
                        entry_id, is_new = got.entry.id, got.is_new
            except (ContentError, InputError) as exc:
                problems.append(exc.message)
                continue
            click.echo(f"{ref}: {'banked' if is_new else 'already in'} {bank_name} "
                       f"(entry {entry_id})")
    for p in problems:
        err_console.print(f"[bold red]error:[/] {escape(p)}", markup=True)
    if problems:
        sys.exit(EXIT_INPUT)


@bank_group.command("remove")
@click.argument("entry_ids", nargs=-1, required=True, type=int)
@click.option("--reason", required=True, help="Why (kept in the audit log).")
@handle_errors
def remove_cmd(entry_ids: tuple[int, ...], reason: str) -> None:
    """Take entries ENTRY_IDS (from 'clearance bank list --bank NAME') out of their bank. The
    entries are kept, marked removed; nothing matches them any more."""
    with _engine() as engine, session_scope(engine) as session:
        for entry_id in entry_ids:
            entry = banks.remove_entry(session, entry_id, reason=reason, by=cli_actor())
            click.echo(f"entry {entry.id} ({entry.label}) removed from {entry.bank.name}")


def _print_scanned(found: list[Scanned], fmt: str, output: Path | None) -> None:
    if fmt == "html":
        from clearance.report_html import render_html

        results = [s.result for s in found if s.result is not None]
        text = render_html(results, title="Clearance bank scan")
        if output is not None:
            output.write_text(text, encoding="utf-8")
        else:
            click.echo(text)
        return
    rows = [s.to_dict() for s in found]
    if fmt in ("json", "jsonl"):
        lines = [json.dumps(r, ensure_ascii=False) for r in rows] if fmt == "jsonl" \
            else [json.dumps(rows, indent=2, ensure_ascii=False)]
        text = "\n".join(lines) + ("\n" if lines else "")
        if output is not None:
            output.write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
        return
    table = Table()
    for column in ("item", "status", "decision", "matches"):
        table.add_column(column)
    for r in rows:
        matches = "; ".join(f"{m['bank']}: {m['label']} (d={m['distance']}"
                            f"{', ' + m['transform'] if m['transform'] != 'original' else ''})"
                            for m in r["matches"]) or r.get("error", "")
        table.add_row(escape(r["item"]), r["status"], r["decision"], escape(matches))
    stdout_console().print(table)


FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "html"]),
                      default="table", show_default=True,
                      help="Output format; html is a report with blurred images.")
OUTPUT = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                      default=None, help="Write the report to this file instead of stdout.")


@bank_group.command("match")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@FORMAT
@OUTPUT
@handle_errors
def match_cmd(paths: tuple[Path, ...], fmt: str, output: Path | None) -> None:
    """Match image and video files (or folders) against every bank, without keeping any state.
    Exit 3 when a file could not be read (the others are still matched)."""
    _scan(paths, fmt, output, changed_only=False, keep_state=False)


@bank_group.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--changed", is_flag=True,
              help="Report only what changed since the last scan of the same paths.")
@FORMAT
@OUTPUT
@handle_errors
def scan_cmd(paths: tuple[Path, ...], changed: bool, fmt: str, output: Path | None) -> None:
    """Scan a partner's or channel's folders of images and videos, or manifests (.jsonl: one
    {"path", "channel", "locale", "partner"} a line), against every bank. One result per file
    with its matches (bank, version, distance); the scan is remembered so --changed reports only
    new, changed and gone files. Exit 3 when a file or manifest line was bad (the rest is
    scanned)."""
    _scan(paths, fmt, output, changed_only=changed, keep_state=True)


def _scan(paths: tuple[Path, ...], fmt: str, output: Path | None, *, changed_only: bool,
          keep_state: bool) -> None:
    settings = get_settings()
    problems: list[Problem] = []
    with _engine() as engine:
        index = _index(engine)
        policy = load_policy(settings.policy_file)
        if keep_state:
            found = scan(engine, index, policy, list(paths),
                         max_bytes=settings.max_image_bytes,
                         max_pixels=settings.max_image_pixels, problems=problems)
        else:
            from clearance.bank.scan import scan_one

            found = [scan_one(t, index, policy, max_bytes=settings.max_image_bytes,
                              max_pixels=settings.max_image_pixels)
                     for t in targets(list(paths), problems)]
    if changed_only:
        found = [s for s in found if s.status != "unchanged"]
    _print_scanned(found, fmt, output)
    errors = [s.error for s in found if s.error] + [p.rendered() for p in problems]
    for e in errors:
        err_console.print(f"[bold red]error:[/] {escape(e or '')}", markup=True)
    if errors:
        sys.exit(EXIT_INPUT)


@bank_group.command("lineage")
@click.argument("version")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@handle_errors
def lineage_cmd(version: str, fmt: str) -> None:
    """VERSION's variants and near-copies across titles, locales and channels, and what
    replaced each."""
    with _engine() as engine:
        found = lineage.plan(engine, _blobs(), version)
    _print_lineage(found.to_dict(), fmt)


def _print_lineage(data: dict[str, Any], fmt: str, *, title: str = "") -> None:
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    rep = data["replacement_label"]
    click.echo(f"{title}{data['label']} (version {data['version']})"
               f"{', withdrawn' if data['withdrawn'] else ''}"
               f"{', replaced by ' + rep if rep else ', no replacement'}")
    table = Table()
    for column in ("version", "relation", "distance", "transform", "withdrawn", "replacement"):
        table.add_column(column)
    for r in data["related"]:
        rel = r["relation"] + (" (source)" if r["direction"] == "source" else "")
        table.add_row(escape(f"{r['label']} (#{r['version']})"), rel, str(r["distance"]),
                      r["transform"], "yes" if r["withdrawn"] else "no",
                      escape(r["replacement_label"] or "-"))
    if data["related"]:
        stdout_console().print(table)
    else:
        click.echo("no variants or near-copies in the catalog")


@bank_group.command("withdraw")
@click.argument("version")
@click.option("--reason", required=True, help="Why (kept in the audit log and the bank).")
@click.option("--dry-run", is_flag=True, help="List what would be withdrawn; change nothing.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@handle_errors
def withdraw_cmd(version: str, reason: str, dry_run: bool, fmt: str) -> None:
    """Withdraw everywhere: VERSION and every variant and near-copy of it in the catalog are
    withdrawn in one transaction (publication ended, audited, banked in 'withdrawn', a
    'withdrawal' webhook to their channel), and the replacement of each is shown. All or
    nothing. VERSION is an id or TITLE/KIND[/LOCALE[/CHANNEL]]/vN."""
    with _engine() as engine:
        result = lineage.withdraw_everywhere(engine, _blobs(), version, by=cli_actor(),
                                             reason=reason, is_dry_run=dry_run)
    data = result.to_dict()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    verb = "would withdraw" if dry_run else "withdrew"
    _print_lineage(data, "table", title="")
    click.echo(f"{verb} {len(result.withdrawn)} version(s); "
               f"{len(result.already_withdrawn)} were withdrawn already")
