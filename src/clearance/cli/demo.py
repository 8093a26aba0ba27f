"""``clearance demo``: the Cuties / Mignonnes case end to end (see :mod:`clearance.demo`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from clearance.cli.common import handle_errors
from clearance.cli.output import evidence_cell
from clearance.demo import MOMENTS, SHOOT_DATE, DemoRun, check, run_demo, write_reports
from clearance.demo.case import BANK_STEP
from clearance.screening import Screener
from clearance.settings import Settings, get_settings
from clearance.storage import ready_engine

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from clearance.bank.index import BankIndex
    from clearance.demo.replay import ReplayRun

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
            what = evidence_cell(f.to_dict())  # the words read in a box before the box
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
@click.option("--replay", is_flag=True,
              help="Replay the case after release instead: a synthetic stream of posts, a "
                   "petition and news through the monitor, the alert, the incident tied to the "
                   "live versions, withdraw everywhere, the replacements, the statement and "
                   "the measured effect of each; writes incident-N.html.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True,
              help="With --replay: the timeline (table) or one JSON summary on stdout.")
@handle_errors
def demo(report_dir: Path | None, serve: bool, host: str | None, port: int | None,
         replay: bool, fmt: str) -> None:
    """Run the Cuties / Mignonnes case end to end on the configured database.

    Imports the demo catalog (idempotent: run it as often as you like), lists the known minors in
    the cast, screens the title's synopses and key art at three moments of the 2020 campaign,
    then withdraws the original poster (banking it) and screens a thumbnail a partner cut from
    it for another locale, which the hash bank must block; prints the findings, decisions and
    reasons, and writes a JSON and a Markdown report. Exits 1 if any decision differs from what
    a standards reviewer expects.

    With --serve, the items then wait in the review queue and the review service starts; it
    prints how to log in as each role.

    With --replay, the case after release (docs/incidents.md): the first alert must come before
    the petition passes 100,000 signatures, the incident must be tied to key_art v1 and
    synopsis v1, every variant of the key art must be withdrawn, each action's effect measured
    and the theme shift named; exits 1 otherwise. --format json prints one object with
    alert_at, petition_100k_at, incident, withdrawn, actions and theme_shift.
    """
    settings = get_settings()
    if replay:
        _replay(settings, report_dir or settings.data_dir, fmt, serve, host, port)
        return
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


def _replay(settings: Settings, report_dir: Path, fmt: str, serve: bool, host: str | None,
            port: int | None) -> None:
    from clearance.demo.replay import check as check_replay
    from clearance.demo.replay import run_replay

    console = Console(highlight=False, stderr=fmt == "json")
    console.print(f"Clearance demo --replay — database {settings.resolved_database_url}")
    # August 2020: nothing was banked yet, so the replay's screenings consult no bank
    screener = Screener.from_settings(settings)
    run = run_replay(settings, screener, report_dir)
    if fmt == "json":
        click.echo(json.dumps(run.summary(), ensure_ascii=False, indent=2))
    else:
        print_replay(run, console)
    check_replay(run)
    if serve:
        _serve_replay(settings, screener, run, console, host, port)


def print_replay(run: ReplayRun, console: Console) -> None:
    """The replay's timeline, effects, shift, learning and checks."""
    view = run.incident
    console.rule(f"[bold]Incident {view.get('id')}: {escape(str(view.get('name')))}")
    events = [(e["at"], escape(e["summary"])) for e in view.get("timeline", [])]
    if run.petition_100k_at is not None:
        lead = run.lead_time
        events.append((run.petition_100k_at.isoformat(),
                       "[bold]the petition passed 100,000 signatures[/]"
                       + (f" — the first alert came {lead.total_seconds() / 3600:.1f} hours "
                          "earlier" if lead is not None else "")))
    for at, text in sorted(events):
        console.print(f"{at[:16].replace('T', ' ')}  {text}", highlight=False)
    console.rule("[bold]Effects (12-hour windows before and after)")
    for a in view.get("actions", []):
        console.print(f"[bold]{a['kind'].replace('_', ' ')}[/] at {a['at'][:16]}: "
                      f"{escape(a['effect_summary'] or 'not measured')}", highlight=False)
    shift = (run.theme_shift or {}).get("shift")
    console.print(f"[bold]Theme shift:[/] {escape(shift['summary']) if shift else 'none'}",
                  highlight=False)
    console.print(f"[bold]Learning:[/] {escape(str(run.learning.get('summary', '')))}",
                  highlight=False)
    draft = run.learning.get("draft")
    if draft:
        w = draft["whatif"]
        console.print(f"  draft {escape(draft['policy'])}: {w['changed_others']} other "
                      f"item(s) of {w['evaluated']} would change", highlight=False)
    console.rule()
    for step in run.steps:
        mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
        console.print(f"{mark} {escape(step.name)}: {escape(step.detail)}", highlight=False)
    console.print(f"Report: {run.report}")


def _serve_replay(settings: Settings, screener: Screener, run: ReplayRun, console: Console,
                  host: str | None, port: int | None) -> None:
    import uvicorn

    from clearance.cli.serve import check_bind
    from clearance.demo.serve import seed_users
    from clearance.service.app import create_app

    host = host or settings.host
    port = port or settings.port
    check_bind(settings, host)
    logins = seed_users(settings)
    url = f"http://{host}:{port}/incidents/{run.incident.get('id')}"
    console.rule("[bold]Review service")
    console.print(f"Open {url} and log in as:")
    for login in logins:
        console.print(f"  {login.role:<16} [bold]{login.username:<10}[/] password "
                      f"[bold]{login.password}[/]", highlight=False)
    console.print("[dim]These passwords are new on every run and shown only here. Ctrl+C "
                  "stops the service.[/]")
    uvicorn.run(create_app(settings, screener=screener), host=host, port=port,
                log_level="warning")


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
