"""``clearance demo``: the Cuties / Mignonnes case end to end (see :mod:`clearance.demo`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from clearance.cli.common import handle_errors
from clearance.demo import MOMENTS, SHOOT_DATE, DemoRun, check, run_demo, write_reports
from clearance.demo.case import BANK_STEP
from clearance.screening import Screener
from clearance.settings import Settings, get_settings
from clearance.storage import ready_engine

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from clearance.bank.index import BankIndex

STYLE = {"pass": "green", "review": "yellow", "block": "bold red"}


def _print(run: DemoRun, console: Console) -> None:
    t = run.title
    names = ", ".join(f"{n.text} ({n.locale or n.kind})" for n in t.names)
    console.print(Panel.fit(
        f"[bold]{t.original_title}[/] ({t.id}) — rated [bold]{t.rating}[/]\n"
        f"names: {names}\n{run.import_summary}",
        title="Catalog"))
    console.print(f"Known minors in the cast on the shoot date {SHOOT_DATE.isoformat()} "
                  "(illustrative dates of birth):")
    for m in run.minors:
        console.print(f"  • {m.person.name} as {m.character or 'cast'}: age {m.age}")
    current = ""
    for o in run.outcomes:
        if o.moment != current:
            current = o.moment
            console.rule(f"[bold]{o.moment}")
        d = o.result.decision.outcome
        mark = "[green]✓ as expected[/]" if o.is_met else f"[red]✗ expected {o.expected}[/]"
        console.print(f"[bold]{o.asset}[/] v{o.version}: "
                      f"[{STYLE[d]}]{d.upper()}[/]  {mark}")
        console.print(f"  [dim]“{escape(o.text)}”[/]", highlight=False)
        for f in o.result.findings:
            ev = f.to_dict()["evidence"]
            if ev["kind"] == "text_span":
                what = f"“{ev['text']}”"
            elif ev["kind"] == "image_box":
                what = f"box {ev['x']},{ev['y']} {ev['width']}×{ev['height']}"
            else:
                what = f"{ev['value']}"
            extra = ", ".join(f"{k}={v}" for k, v in f.attributes
                              if k in ("age", "group", "category", "source", "name", "bank",
                                       "distance", "transform"))
            extra += f" ({f.detector})"
            console.print(f"    {f.label:<16} {f.score:.2f}  {escape(what)}  "
                          f"[dim]{escape(extra)}[/]",
                          highlight=False)
        for r in o.result.decision.reasons:
            console.print(f"  → {escape(r)}", highlight=False)
    if run.bank_step_skipped:
        console.rule(f"[bold]{BANK_STEP}")
        console.print(f"[yellow]skipped:[/] {escape(run.bank_step_skipped)}", highlight=False)


@click.command()
@click.option("--report-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where to write demo-report.json and demo-report.md (default: the data "
                   "folder, CLEARANCE_DATA_DIR).")
@click.option("--serve", is_flag=True,
              help="Then put the screened items in the review queue, create one user per role "
                   "(new random passwords, printed) and start the review UI (development "
                   "environment only).")
@click.option("--host", default=None, help="With --serve: address (default CLEARANCE_HOST).")
@click.option("--port", type=int, default=None,
              help="With --serve: port (default CLEARANCE_PORT, 8000).")
@handle_errors
def demo(report_dir: Path | None, serve: bool, host: str | None, port: int | None) -> None:
    """Run the Cuties / Mignonnes case end to end on the configured database.

    Imports the demo catalog (idempotent: run it as often as you like), lists the known minors in
    the cast, screens the title's synopses and key art at three moments of the 2020 campaign,
    then withdraws the original poster (banking it) and screens a thumbnail a partner cut from
    it for another locale, which the hash bank must block; prints the findings, decisions and
    reasons, and writes a JSON and a Markdown report. Exits 1 if any decision differs from what
    a standards reviewer expects.

    With --serve, the items then wait in the review queue and the review service starts; it
    prints how to log in as each role.
    """
    settings = get_settings()
    console = Console(highlight=False)
    console.print(f"Clearance demo — database {settings.resolved_database_url}")
    # the hash bank's index reads the banks through an engine of its own, closed at the end
    with ready_engine(settings.resolved_database_url) as bank_engine:
        screener = Screener.from_settings(settings, bank=_bank_index(settings, bank_engine))
        run = run_demo(settings, screener)
        _print(run, console)
        json_path, md_path = write_reports(run, report_dir or settings.data_dir)
        met = len(run.outcomes) - len(run.failures)
        console.rule()
        bank = "" if run.bank_step_skipped else " and the withdrawal"
        console.print(f"{met}/{len(run.outcomes)} expectations met across {len(MOMENTS)} "
                      f"moments{bank}. Report: {json_path} and {md_path}")
        check(run)
        if serve:
            _serve(settings, screener, run, console, host, port)


def _bank_index(settings: Settings, engine: Engine) -> BankIndex | None:
    """The hash bank's index over the demo's database (the screener's, and so the review
    service's with --serve), or ``None`` without the ``bank`` extra (the bank step is then
    skipped)."""
    from clearance.bank.hashing import availability
    from clearance.bank.index import BankIndex

    return BankIndex.from_settings(settings, engine=engine) if availability() else None


def _serve(settings: Settings, screener: Screener, run: DemoRun, console: Console,
           host: str | None, port: int | None) -> None:
    import uvicorn

    from clearance.cli.serve import check_bind
    from clearance.demo.serve import seed_review
    from clearance.service.app import create_app

    host = host or settings.host
    port = port or settings.port
    check_bind(settings, host)
    seeded = seed_review(settings, run)
    url = f"http://{host}:{port}/"
    console.rule("[bold]Review service")
    console.print(f"{seeded.queued} item(s) waiting in the queue, {seeded.passed} passed "
                  "screening. Open " + url + " and log in as:")
    for login in seeded.logins:
        console.print(f"  {login.role:<16} [bold]{login.username:<10}[/] password "
                      f"[bold]{login.password}[/]", highlight=False)
    console.print("[dim]These passwords are new on every run and shown only here. "
                  "A decision on an item with a minor.* finding needs a reviewer and then a "
                  "senior. Ctrl+C stops the service.[/]")
    app = create_app(settings, screener=screener)
    uvicorn.run(app, host=host, port=port, log_level="warning")
