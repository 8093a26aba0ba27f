"""``clearance policy whatif`` and ``clearance policy shadow ...``: try a draft policy on the
stored findings of the catalog, or run it beside the live one on every new screening (see
:mod:`clearance.screening.whatif` and :mod:`clearance.screening.shadow`)."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import click
from rich.table import Table

from clearance.cli.common import cli_actor, database_session, handle_errors, stdout_console
from clearance.content.reading import read_limited
from clearance.errors import ContentError
from clearance.policy.loader import MAX_POLICY_BYTES, load_policy
from clearance.screening import shadow as shadow_policies
from clearance.screening.rescreen import Selection
from clearance.screening.whatif import WhatIfReport, whatif
from clearance.settings import get_settings
from clearance.storage.models import ASSET_KINDS
from clearance.storage.screening_models import DECISIONS

_DATE = click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"])


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None else None


@click.command("whatif")
@click.argument("draft", type=click.Path(path_type=Path))
@click.option("--title", "title_id", metavar="ID", help="Only this title's assets.")
@click.option("--kind", type=click.Choice(ASSET_KINDS), help="Only assets of this kind.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Compare with this policy instead of the live one (CLEARANCE_POLICY_FILE).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "html"]), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the report to FILE instead of standard output.")
@handle_errors
def whatif_command(draft: Path, title_id: str | None, kind: str | None,
                   policy_file: Path | None, fmt: str, output: Path | None) -> None:
    """Decide the catalog's stored findings with DRAFT.yaml and with the live policy.

    No model runs: each live version's latest screening is decided again by both policies, with
    the same campaign context. Prints the pass/review/block counts under each, the moves between
    them and every item whose decision changes, with its reasons under both. Exit codes: 0 done,
    3 unreadable file, 4 invalid policy, 5 storage error.
    """
    settings = get_settings()
    live = load_policy(policy_file or settings.policy_file)
    candidate = load_policy(draft)
    with database_session() as session:
        report = whatif(session, live, candidate, Selection(title_id=title_id, kind=kind))
    if fmt == "json":
        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "html":
        text = render_html(report)
    else:
        _print_table(report)
        return
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def _print_table(report: WhatIfReport) -> None:
    console = stdout_console()
    counts = Table(title=f"what-if: {report.draft} against {report.live} "
                         f"({report.evaluated} screened versions, {report.seconds:.2f} s)")
    for col in ("decision", "live", "draft", "change"):
        counts.add_column(col, justify="left" if col == "decision" else "right")
    for d in DECISIONS:
        change = report.after[d] - report.before[d]
        counts.add_row(d, str(report.before[d]), str(report.after[d]), f"{change:+d}")
    console.print(counts)
    if report.unscreened:
        console.print(f"{report.unscreened} live version(s) never screened: "
                      "clearance rescreen fills them in")
    if not report.changed:
        console.print("no item changes its decision")
        return
    items = Table(title=f"{len(report.changed)} item(s) change")
    for col in ("title", "asset", "live", "draft", "reasons (live → draft)"):
        items.add_column(col)
    for c in report.changed:
        reasons = "\n".join([*(f"live: {r}" for r in c.reasons_before),
                             *(f"draft: {r}" for r in c.reasons_after)]) or "-"
        items.add_row(c.title_id, f"{c.ref} v{c.number}", c.before, c.after, reasons)
    console.print(items)


def render_html(report: WhatIfReport) -> str:
    """The report as one self-contained HTML page."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{d}</td><td>{report.before[d]}</td><td>{report.after[d]}</td>"
        f"<td>{report.after[d] - report.before[d]:+d}</td></tr>" for d in DECISIONS)
    changed = "".join(
        f"<tr><td>{e(c.title_id)}</td><td>{e(c.ref)} v{c.number}</td><td>{c.before}</td>"
        f"<td>{c.after}</td><td><ul>{''.join(f'<li>{e(r)}</li>' for r in c.reasons_before)}"
        f"</ul></td><td><ul>{''.join(f'<li>{e(r)}</li>' for r in c.reasons_after)}</ul></td>"
        "</tr>" for c in report.changed)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>What-if: {e(report.draft)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}</style></head><body>
<h1>What-if: {e(report.draft)} against {e(report.live)}</h1>
<p>{report.evaluated} screened live versions decided again from their stored findings
({report.unscreened} never screened).</p>
<table><tr><th>decision</th><th>live</th><th>draft</th><th>change</th></tr>{rows}</table>
<h2>{len(report.changed)} item(s) change</h2>
<table><tr><th>title</th><th>asset</th><th>live</th><th>draft</th><th>reasons (live)</th>
<th>reasons (draft)</th></tr>{changed}</table>
</body></html>
"""


# -- shadow ----------------------------------------------------------------------------------

@click.group("shadow")
def shadow_group() -> None:
    """Run a draft policy beside the live one on every new screening (never acted on)."""


@shadow_group.command("enable")
@click.argument("draft", type=click.Path(path_type=Path))
@handle_errors
def shadow_enable(draft: Path) -> None:
    """Enable DRAFT.yaml as the shadow policy (ending the one enabled before)."""
    try:
        source = read_limited(draft, MAX_POLICY_BYTES).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(f"{draft}: not UTF-8 ({exc.reason})") from None
    with database_session() as session:
        row = shadow_policies.enable(session, source, file=str(draft), by=cli_actor())
        click.echo(f"shadow policy {row.policy} enabled (id {row.id}): every new screening "
                   "records its decision")


@shadow_group.command("disable")
@handle_errors
def shadow_disable() -> None:
    """End the shadow policy."""
    with database_session() as session:
        row = shadow_policies.disable(session, by=cli_actor())
        click.echo("no shadow policy was enabled" if row is None
                   else f"shadow policy {row.policy} (id {row.id}) disabled")


@shadow_group.command("report")
@click.option("--since", type=_DATE, metavar="DATE", help="From this time (UTC).")
@click.option("--until", type=_DATE, metavar="DATE", help="Until this time (UTC, excluded).")
@click.option("--shadow", "shadow_id", type=click.IntRange(1), metavar="ID",
              help="This shadow policy (default: the enabled one, else the last).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@handle_errors
def shadow_report(since: dt.datetime | None, until: dt.datetime | None, shadow_id: int | None,
                  fmt: str) -> None:
    """Compare the shadow's decisions with the live ones over a period, and with people's."""
    with database_session() as session:
        rep = shadow_policies.report(session, since=_utc(since), until=_utc(until),
                                     shadow_id=shadow_id)
        data = rep.to_dict()
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = stdout_console()
    table = Table(title=f"shadow {data['policy']}: {data['screenings']} screening(s), "
                        f"{data['differ']} differ")
    table.add_column("live \\ shadow")
    for d in DECISIONS:
        table.add_column(d, justify="right")
    for a in DECISIONS:
        table.add_row(a, *(str(data["matrix"][a][b]) for b in DECISIONS))
    console.print(table)
    console.print(f"people decided {data['decided_by_people']} of the differing items: the "
                  f"shadow agreed with them {data['shadow_agreed']} time(s), the live policy "
                  f"{data['live_agreed']}")
    for diff in rep.differences:
        console.print(f"  screening {diff.screening_id} (version {diff.version_id}): live "
                      f"{diff.live}, shadow {diff.shadow}, person {diff.person or '-'}")
