"""``clearance catalog ...`` (import, show, titles; publish, withdraw and live from
:mod:`clearance.cli.publication`) and ``clearance db upgrade``.

The database comes from the settings (``CLEARANCE_DATABASE_URL``; by default a SQLite file in
``CLEARANCE_DATA_DIR``) and the blob store from ``CLEARANCE_BLOB_DIR``. The embedded SQLite file
migrates itself, so a fresh machine works without a setup step; any other database must be
brought up to date on purpose with ``clearance db upgrade``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from contextlib import AbstractContextManager
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from clearance.catalog import (
    count_titles,
    get_title,
    import_catalog,
    list_titles,
    title_assets,
)
from clearance.catalog.importer import ImportReport
from clearance.catalog.views import ADULT_AGE, AssetPublic, TitlePublic, age_on
from clearance.cli.common import (
    err_console,
    format_option,
    handle_errors,
    is_quiet,
    print_json,
    stdout_console,
)
from clearance.errors import ImportProblem, InputError
from clearance.settings import Settings, get_settings
from clearance.storage import (
    LocalBlobStore,
    current_revision,
    make_engine,
    ready_engine,
    session_scope,
    upgrade,
)

DEFAULT_CREATED_BY = "catalog-import"


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"


def _database(settings: Settings) -> AbstractContextManager[Engine]:
    """An engine on the configured database at the current schema (SQLite migrates itself)."""
    return ready_engine(settings.resolved_database_url)


def _stdout() -> Console:
    return stdout_console()


@click.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Bring the configured database to the current schema (safe to run again).

    The database is CLEARANCE_DATABASE_URL, by default a SQLite file in CLEARANCE_DATA_DIR.
    The embedded SQLite file also migrates itself on first use; a PostgreSQL database is only
    ever migrated by this command (every other command refuses one that is out of date).
    """
    settings = get_settings()
    url = settings.resolved_database_url
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        revision = current_revision(engine)
    finally:
        engine.dispose()
    if before == revision:
        click.echo(f"database {_safe_url(url)} already at revision {revision}")
    else:
        click.echo(f"database {_safe_url(url)} upgraded from {before or 'empty'} to revision "
                   f"{revision}")


@click.group()
def catalog() -> None:
    """Titles, people, credits, assets and their versions."""


@catalog.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--created-by",
    default=DEFAULT_CREATED_BY,
    show_default=True,
    metavar="NAME",
    help="Who new asset versions are recorded as created by (unless the file says).",
)
@click.option(
    "--allow-files-outside",
    is_flag=True,
    help="Let a YAML/JSON catalog's 'file:' references name files outside its folder "
    "(absolute paths, '..', symbolic links leading out); refused by default.",
)
@handle_errors
def import_(files: tuple[Path, ...], created_by: str, allow_files_outside: bool) -> None:
    """Import catalog FILES: Netflix-layout .csv, or Clearance .yaml/.yml/.json.

    Re-importing a file is safe: unchanged titles are counted as unchanged and nothing is
    duplicated. Bad rows are reported as file:line: message (hint) and skipped; the rest are
    imported. A file that cannot be read at all (not UTF-8, missing columns) is rejected whole
    and the other files are still imported. Exit codes: 0 all clean, 3 some rows were skipped
    or a file was rejected, 5 database or blob store failure. Format: docs/catalog-format.md.
    """
    settings = get_settings()
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    has_problems = False
    with _database(settings) as engine:
        for path in files:
            try:
                report = _import_one(engine, blobs, path, created_by, allow_files_outside)
            except ImportProblem as exc:
                has_problems = True
                err_console.print(f"[bold red]rejected:[/] {escape(exc.message)}", markup=True)
                for problem in exc.problems:
                    err_console.print(problem.rendered(), markup=False)
                continue
            for warning in report.warnings:
                err_console.print(f"[yellow]warning:[/] {escape(warning.rendered())}", markup=True)
            for problem in report.problems:
                err_console.print(problem.rendered(), markup=False)
            has_problems = has_problems or report.has_problems
            click.echo(report.summary())
    if has_problems:
        sys.exit(InputError.exit_code)


def _import_one(engine: Engine, blobs: LocalBlobStore, path: Path, created_by: str,
                allow_files_outside: bool = False) -> ImportReport:
    with (
        Progress(
            TextColumn(f"importing {escape(path.name)}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
            disable=is_quiet() or not err_console.is_terminal,
        ) as progress,
        session_scope(engine) as session,
    ):
        task = progress.add_task("import", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return import_catalog(session, blobs, path, created_by=created_by, progress=advance,
                              allow_files_outside=allow_files_outside)


@catalog.command("show")
@click.argument("title_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--on",
    "on_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Show ages on this date (YYYY-MM-DD, e.g. a shoot date); default today.",
)
@handle_errors
def show(title_id: str, fmt: str, on_date: dt.datetime | None) -> None:
    """Show a title: names, rating, credits with dates of birth and ages, assets.

    People under 18 on the --on date are marked as known minors.
    """
    when = on_date.date() if on_date else dt.date.today()
    with _database(get_settings()) as engine, session_scope(engine) as session:
        title = get_title(session, title_id)
        assets = title_assets(session, title_id)
    if fmt == "json":
        payload = title.model_dump(mode="json")
        payload["ages_on"] = when.isoformat()
        for credit in payload["credits"]:
            dob = credit["person"]["date_of_birth"]
            credit["person"]["age"] = (
                None if dob is None else age_on(dt.date.fromisoformat(dob), when)
            )
        payload["assets"] = [a.model_dump(mode="json") for a in assets]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _show_table(title, assets, when)


def _show_table(title: TitlePublic, assets: list[AssetPublic], when: dt.date) -> None:
    out = _stdout()
    out.print(f"[bold]{escape(title.original_title)}[/] ({escape(title.id)}, {title.type})")
    facts = [
        ("rating", title.rating),
        ("audience", title.audience),
        ("release year", None if title.release_year is None else str(title.release_year)),
        ("genres", ", ".join(title.genres) or None),
        ("countries", ", ".join(title.countries) or None),
    ]
    for label, value in facts:
        out.print(f"  {label + ':':14}{escape(value or '-')}")
    for name in title.names:
        locale = f" [{name.locale}]" if name.locale else ""
        out.print(f"  {name.kind + ':':14}{escape(name.text + locale)}")
    people = Table(title=f"credits (ages on {when.isoformat()})", title_justify="left")
    for column in ("role", "name", "character", "date of birth", "age"):
        people.add_column(column)
    for credit in title.credits:
        age = credit.person.age_on(when)
        age_text = "-" if age is None else str(age)
        if age is not None and 0 <= age < ADULT_AGE:
            age_text = f"[bold red]{age} (minor)[/]"
        dob = credit.person.date_of_birth
        people.add_row(
            credit.role,
            escape(credit.person.name),
            escape(credit.character or ""),
            dob.isoformat() if dob else "unknown",
            age_text,
        )
    out.print(people)
    table = Table(title="assets", title_justify="left")
    for column in ("kind", "locale", "channel", "versions", "latest", "created by", "created"):
        table.add_column(column)
    for asset in assets:
        latest = asset.latest
        table.add_row(
            asset.kind,
            asset.locale,
            escape(asset.channel),
            str(asset.version_count),
            f"v{latest.number} (#{latest.id}) {latest.content_sha256[:12]}" if latest else "-",
            escape(latest.created_by) if latest else "-",
            latest.created_at.strftime("%Y-%m-%d") if latest else "-",
        )
    out.print(table if assets else "no assets")


@catalog.command("titles")
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(min=0), help="How many to list."
)
@click.option(
    "--offset", default=0, show_default=True, type=click.IntRange(min=0), help="How many to skip."
)
@format_option
@handle_errors
def titles(limit: int, offset: int, fmt: str) -> None:
    """List titles in the catalog (id, title, type, rating, year)."""
    with _database(get_settings()) as engine, session_scope(engine) as session:
        rows = list_titles(session, limit=limit, offset=offset)
        total = count_titles(session)
    if fmt == "json":
        print_json({"total": total, "offset": offset, "limit": limit, "titles": [
            {"id": r.id, "title": r.original_title, "type": r.type, "rating": r.rating,
             "year": r.release_year} for r in rows]})
        return
    table = Table()
    for column in ("id", "title", "type", "rating", "year"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            escape(row.id),
            escape(row.original_title),
            row.type,
            escape(row.rating or "-"),
            "-" if row.release_year is None else str(row.release_year),
        )
    out = _stdout()
    if rows:
        out.print(table)
    out.print(f"{len(rows)} of {total} titles shown")


def _add_publication_commands() -> None:
    from clearance.cli.publication import live_cmd, publish_cmd, withdraw_cmd

    for command in (publish_cmd, withdraw_cmd, live_cmd):
        catalog.add_command(command)


_add_publication_commands()
