"""``clearance monitor signals|alerts|report``: the monitor's read side (and running the alert
rules by hand)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from clearance.cli.common import handle_errors, print_table
from clearance.errors import InputError
from clearance.settings import get_settings
from clearance.storage import ready_engine, session_scope


def _when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    from clearance.monitor.posts import PostProblem, parse_time

    try:
        return parse_time(value)
    except PostProblem as exc:
        raise InputError(f"--since/--until: {exc}") from None


@click.command("signals")
@click.argument("title_id")
@click.option("--step", type=click.Choice(["5m", "1h"]), default="1h", show_default=True,
              help="Bucket length.")
@click.option("--days", type=click.FloatRange(min=0.01, max=366), default=2.0,
              show_default=True, help="How far back from --until.")
@click.option("--until", default=None, help="End of the period (ISO 8601; default: the newest "
              "bucket).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output format.")
@handle_errors
def signals_command(title_id: str, step: str, days: float, until: str | None, fmt: str) -> None:
    """A title's signals per 5 minutes or per hour: volume, negative, offensive, reach and the
    themes, with the shares, and its petitions' velocity and forecast."""
    from clearance.monitor import signals
    from clearance.monitor.themes import default_lexicon
    from clearance.storage.models import Title

    seconds = 300 if step == "5m" else 3600
    with ready_engine(get_settings().resolved_database_url) as engine, \
            session_scope(engine) as session:
        if session.get(Title, title_id) is None:
            from clearance.errors import NotFound

            raise NotFound(f"no title {title_id!r} in the catalog")
        end = _when(until) or signals.latest_activity(session) or dt.datetime.now(dt.UTC)
        series = signals.title_series(session, title_id, step=seconds,
                                      start=end - dt.timedelta(days=days),
                                      end=end + dt.timedelta(seconds=seconds - 1))
        petitions = [signals.petition_series(session, p, until=end)
                     for p in signals.petitions_of(session, title_id)]
    rows: list[dict[str, object]] = [
        {"start": at.isoformat(), **{c: series.values[c][i] for c in signals.COLUMNS}}
        for i, at in enumerate(series.starts)]
    if fmt == "json":
        click.echo(json.dumps({
            "title_id": title_id, "step": seconds, "theme_model": default_lexicon().version,
            "buckets": rows,
            "petitions": [{"petition": p.key, "action": p.action,
                           "count": p.counts[-1] if p.counts else None,
                           "velocity_per_hour": round(p.velocity, 1),
                           "forecast_24h": round(p.forecast.at_hours(24)) if p.forecast else None,
                           "projected_100k": (c.isoformat() if p.forecast and (
                               c := p.forecast.crossing()) else None)}
                          for p in petitions]}, indent=2))
        return
    if fmt == "csv":
        click.echo(",".join(["start", *signals.COLUMNS]))
        for r in rows:
            click.echo(",".join(str(r[c]) for c in ["start", *signals.COLUMNS]))
        return
    table = Table(title=f"{title_id}, per {step}")
    for name in ("start", "volume", "negative", "offensive", "themes"):
        table.add_column(name)
    for r in rows:
        if r["volume"]:
            themes = ", ".join(f"{t}={r[t]}" for t in signals.COLUMNS[4:] if r[t])
            table.add_row(str(r["start"]), str(r["volume"]), str(r["negative"]),
                          str(r["offensive"]), escape(themes))
    print_table(table, f"no posts about {title_id} in this window (posts come in with "
                "`clearance monitor ingest` or `clearance monitor consume`)")
    for p in petitions:
        click.echo(f"petition {p.key}: {p.counts[-1] if p.counts else 0:,} signatures, "
                   f"{p.velocity:,.0f}/hour")


@click.command("alerts")
@click.option("--evaluate", is_flag=True, help="Run the rules first and raise what fired.")
@click.option("--rules", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Alert rules file (YAML); default: the shipped rules.")
@click.option("--since", default=None, help="With --evaluate: raise firings from this time on "
              "(ISO 8601; default: the last day of stream time), to backfill.")
@click.option("--title", "title_id", default=None, help="Only this title's alerts.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True,
              help="How many alerts to list, newest first.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@handle_errors
def alerts_command(evaluate: bool, rules: Path | None, since: str | None,
                   title_id: str | None, limit: int, fmt: str) -> None:
    """List the monitor's alerts (and with --evaluate, run the rules first).

    Each alert has its rule, signal, window, score, themes, languages, top posts by reach and
    the title's live asset versions at the onset with their screening decisions. A firing
    already raised, or within its rule's cooldown, is not raised again; raising an alert also
    writes its signed 'alert' webhook.
    """
    from clearance.monitor import alerts, runtime
    from clearance.monitor.alert_context import alert_view
    from clearance.storage.monitor_models import MonitorAlert

    settings = get_settings()
    if evaluate:
        ruleset = alerts.load_rules(rules)
        with runtime.open_monitor(settings, need_scorer=False) as monitor:
            runtime.evaluate_alerts(monitor, ruleset, since=_when(since),
                                    titles=[title_id] if title_id else None)
    with ready_engine(settings.resolved_database_url) as engine, \
            session_scope(engine) as session:
        query = select(MonitorAlert).order_by(MonitorAlert.onset.desc(),
                                              MonitorAlert.id.desc()).limit(limit)
        if title_id is not None:
            query = query.where(MonitorAlert.title_id == title_id)
        views = [alert_view(session, a) for a in session.scalars(query)]
    if fmt == "json":
        click.echo(json.dumps(views, indent=2))
        return
    table = Table()
    for c in ("id", "onset", "title", "rule", "message", "live versions"):
        table.add_column(c, overflow="fold")
    for v in views:
        live = ", ".join(f"{x['kind']} v{x['number']} {x['decision']}"
                         for x in v["live_versions"]) or "-"
        table.add_row(str(v["id"]), v["onset"][:16], escape(str(v["title_id"])),
                      escape(v["rule"]), escape(v["message"]), escape(live))
    print_table(table, f"no alerts{' for ' + title_id if title_id else ''} (--evaluate runs "
                "the alert rules over what was ingested)")


@click.command("report")
@click.argument("title_id")
@click.option("--format", "fmt", type=click.Choice(["html"]), default="html", show_default=True,
              help="Output format: one standalone HTML page (inline SVG charts).")
@click.option("--days", type=click.FloatRange(min=0.01, max=366), default=30.0,
              show_default=True, help="How far back from the newest bucket.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: <TITLE>-report.html).")
@handle_errors
def report_command(title_id: str, fmt: str, days: float, output: Path | None) -> None:
    """Write a title's monitor report: the dashboard's charts (volume, negativity, themes,
    petition count and forecast), totals, alerts and news, as one HTML file with no external
    resources."""
    from clearance.monitor.dashboard import title_overview
    from clearance.monitor.report import render_html

    del fmt
    target = output or Path(f"{title_id}-report.html")
    with ready_engine(get_settings().resolved_database_url) as engine, \
            session_scope(engine) as session:
        page = render_html(session, title_overview(session, title_id, days=days))
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
    click.echo(str(target))
