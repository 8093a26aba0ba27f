"""``clearance rescreen``: re-screen the catalog's live asset versions and route the results to
the review queue (see :mod:`clearance.screening.rescreen`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from clearance.cli.common import (
    cli_actor,
    err_console,
    handle_errors,
    is_quiet,
    note,
    stdout_console,
)
from clearance.detectors.bank import BankLookup
from clearance.errors import InputError
from clearance.policy.loader import load_policy
from clearance.screening.engines import (
    DEFAULT_BATCH,
    ENGINES,
    LocalEngine,
    RayEngine,
    make_engine,
)
from clearance.screening.rescreen import Selection, Summary, rescreen
from clearance.screening.screener import Screener
from clearance.settings import Settings, get_settings
from clearance.storage import ready_engine
from clearance.storage.models import ASSET_KINDS
from clearance.storage.screening_models import DECISIONS

#: Without a terminal, a progress line every this many seconds.
_LOG_EVERY_S = 10.0


def _bank(settings: Settings) -> BankLookup | None:
    from clearance.bank.hashing import availability

    if not availability():
        return None
    from clearance.bank.index import BankIndex

    return BankIndex.from_settings(settings)


class _Report:
    """Progress on stderr: a bar with the total and the ETA on a terminal, a line every few
    seconds otherwise."""

    def __init__(self) -> None:
        self.quiet = is_quiet()
        self.is_tty = err_console.is_terminal
        self.bar = Progress(TextColumn("rescreen"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                            console=err_console, transient=True,
                            disable=self.quiet or not self.is_tty)
        self.task = self.bar.add_task("rescreen", total=None)
        self.started = time.monotonic()
        self.logged = self.started

    def planned(self, selected: int, to_run: int) -> None:
        self.bar.update(self.task, total=selected)
        note(f"rescreen: {selected} live version(s) selected, {to_run} to run detectors on, "
             f"{selected - to_run} from the findings cache")

    def advance(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)
        now = time.monotonic()
        if not self.is_tty and not self.quiet and (now - self.logged >= _LOG_EVERY_S
                                                   or done == total):
            self.logged = now
            rate = done / max(now - self.started, 1e-9)
            eta = (total - done) / rate if rate > 0 else 0.0
            err_console.print(f"rescreen: {done}/{total} ({100 * done / max(total, 1):.0f}%), "
                              f"ETA {eta:.0f} s")


def _table(summary: Summary, dry_run: bool) -> None:
    table = Table(title="rescreen (dry run: nothing written)" if dry_run else "rescreen")
    table.add_column("")
    table.add_column("versions", justify="right")
    rows = [("selected", summary.selected), ("screened (new screening)", summary.screened),
            ("  pass", summary.decisions["pass"]), ("  review", summary.decisions["review"]),
            ("  block", summary.decisions["block"]), ("unchanged", summary.unchanged),
            ("queued for review", summary.queued), ("failed", summary.failed),
            ("ran detectors", summary.ran)]
    for name, n in rows:
        table.add_row(name, str(n))
    stdout_console().print(table)
    click.echo(f"{summary.cached} detector result(s) from the findings cache; "
               f"{summary.seconds:.1f} s")


@click.command("rescreen")
@click.option("--title", "title_id", metavar="ID", help="Only this title's assets.")
@click.option("--kind", type=click.Choice(ASSET_KINDS), help="Only assets of this kind.")
@click.option("--locale", metavar="L", help="Only assets of this locale (en-US, fr-FR, ...).")
@click.option("--channel", metavar="C", help="Only assets of this channel.")
@click.option("--decision", type=click.Choice(DECISIONS),
              help="Only versions whose latest screening decided this.")
@click.option("--screened-before", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              metavar="DATE",
              help="Only versions not screened since DATE (UTC; never screened included).")
@click.option("--engine", "engine_name", type=click.Choice(ENGINES), default="local",
              show_default=True, help="Where the detectors run: local processes, or Ray.")
@click.option("--address", metavar="ADDR",
              help="--engine ray: the cluster to join (HOST:PORT of 'ray start --head', or "
                   "ray://...); default a local Ray instance.")
@click.option("--workers", type=click.IntRange(1, 4096), metavar="N",
              help="Worker processes (local) or actors (ray); default one per CPU core.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=DEFAULT_BATCH,
              show_default=True, metavar="N", help="Versions per batch handed to a worker.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Decide with this policy instead of the configured one (CLEARANCE_POLICY_FILE).")
@click.option("--dry-run", is_flag=True,
              help="Run and report, writing nothing (no screening, cache entry or queue item).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Summary format.")
@handle_errors
def rescreen_command(title_id: str | None, kind: str | None, locale: str | None,
                     channel: str | None, decision: str | None,
                     screened_before: dt.datetime | None, engine_name: str,
                     address: str | None, workers: int | None, batch_size: int,
                     policy_file: Path | None, dry_run: bool, fmt: str) -> None:
    """Re-screen the catalog's live asset versions and queue what needs a person.

    Each asset's live version (its open publication, else its newest) is screened with the
    configured detectors and policy (detectors run only where the findings cache has no entry:
    a policy change runs no model), recorded as a screening, and every review/block is queued
    for the asset's team (or CLEARANCE_DEFAULT_TEAM) unless the version's current round already
    decided the same. A second run with nothing changed records and queues nothing; a run
    killed midway is continued by the next. --format json prints
    {"screened", "pass", "review", "block", "queued", ...}. Exit codes: 0 done, 3 some versions
    could not be screened (listed on stderr), 4 invalid policy, 5 storage error, 6 a detector's
    extra is missing, 78 engine could not start.
    """
    settings = get_settings()
    selection = Selection(title_id=title_id, kind=kind, locale=locale, channel=channel,
                          decision=decision,
                          screened_before=screened_before.replace(tzinfo=dt.UTC)
                          if screened_before is not None else None)
    policy = load_policy(policy_file or settings.policy_file)
    screener = Screener.from_settings(settings, policy=policy, bank=_bank(settings))
    n = workers or os.cpu_count() or 1
    versions = screener.versions

    def engine() -> LocalEngine | RayEngine:
        return make_engine(engine_name, settings, versions, workers=n, address=address,
                           batch_size=batch_size)

    report = _Report()
    with ready_engine(settings.resolved_database_url) as db, report.bar:
        summary = rescreen(db, screener, selection,
                           engine=engine, dry_run=dry_run, actor=cli_actor(),
                           default_team=settings.default_team, progress=report.advance,
                           on_plan=report.planned)
    _output(summary, fmt, dry_run)
    for line in summary.errors:
        err_console.print(f"[yellow]failed:[/] {escape(line)}", markup=True, highlight=False)
    if summary.failed:
        err_console.print(f"{summary.failed} version(s) could not be screened")
        sys.exit(InputError.exit_code)


def _output(summary: Summary, fmt: str, dry_run: bool) -> None:
    if fmt == "json":
        payload = summary.to_dict()
        payload["dry_run"] = dry_run
        click.echo(json.dumps(payload))
    else:
        _table(summary, dry_run)

