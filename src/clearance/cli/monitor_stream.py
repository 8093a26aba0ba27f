"""``clearance monitor replay`` and ``clearance monitor consume``: the monitor's NATS JetStream
side (:mod:`clearance.monitor.stream`)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from clearance.cli.common import err_console, handle_errors, is_quiet
from clearance.errors import InputError
from clearance.settings import get_settings


@click.command("replay")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--speed", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="How many times faster than the posts' own time to publish (60: an hour "
              "of posts a minute); 0 publishes as fast as the server takes them.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format of the summary.")
@handle_errors
def replay(file: Path, speed: float, fmt: str) -> None:
    """Publish a post file to the JetStream stream in its own time order.

    FILE is JSON Lines in any post shape 'clearance monitor ingest' reads (or its CSV). Lines are
    sorted by their posts' times and published to CLEARANCE_MONITOR_STREAM on
    <CLEARANCE_MONITOR_SUBJECT>.<platform>, spaced by the time between the posts divided by
    --speed, with the post's key as Nats-Msg-Id. Bad lines are reported as file:line and not
    published (exit 3).
    """
    from clearance.monitor.stream import replay as run_replay

    settings = get_settings()
    with Progress(TextColumn(f"replaying {escape(file.name)}"), BarColumn(),
                  MofNCompleteColumn(), console=err_console, transient=True,
                  disable=is_quiet() or not err_console.is_terminal) as progress:
        task = progress.add_task("replay", total=None)
        report = asyncio.run(run_replay(
            settings, file, speed=speed,
            on_progress=lambda done, total: progress.update(task, completed=done,
                                                            total=total)))
    for problem in report.problems:
        err_console.print(problem.rendered(), markup=False, highlight=False)
    summary = report.as_dict()
    click.echo(json.dumps(summary) if fmt == "json"
               else " ".join(f"{k}={v}" for k, v in summary.items()))
    if report.problems:
        sys.exit(InputError.exit_code)


@click.command("consume")
@click.option("--batch", type=click.IntRange(1, 10_000), default=500, show_default=True,
              help="Messages fetched and stored per transaction.")
@click.option("--until-idle", type=click.FloatRange(min=0.1), default=None,
              help="Stop after this many seconds without a message (default: run until "
              "interrupted).")
@click.option("--max-messages", type=click.IntRange(min=1), default=None,
              help="Stop after this many messages.")
@click.option("--alerts/--no-alerts", default=True, show_default=True,
              help="Evaluate the alert rules as the stream's 5-minute buckets close.")
@click.option("--rules", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Alert rules file (YAML); default: the shipped rules (docs/monitor.md).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format of the summary.")
@handle_errors
def consume(batch: int, until_idle: float | None, max_messages: int | None, alerts: bool,
            rules: Path | None, fmt: str) -> None:
    """Consume posts from the JetStream stream into the monitor.

    A durable consumer (CLEARANCE_MONITOR_CONSUMER): each batch is scored, linked and stored in
    one transaction, then acknowledged, so every post is stored exactly once whatever crashes
    when (at least once delivery, dedup by post id) and a restarted consumer resumes after the
    last message it acknowledged. Survives the server going away and coming back. With
    --alerts, the rules run whenever the stream's time enters a new 5-minute bucket; the text
    of posts past the retention period is removed hourly.
    """
    from clearance.monitor import runtime
    from clearance.monitor.stream import ConsumeReport
    from clearance.monitor.stream import consume as run_consume

    settings = get_settings()
    with runtime.open_monitor(settings, need_scorer=True) as monitor:
        watcher = runtime.AlertWatcher(monitor, rules) if alerts else None
        stop = asyncio.Event()
        last_expiry = [0.0]

        async def after(report: ConsumeReport) -> None:
            if watcher is not None:
                raised = await asyncio.to_thread(watcher.check, report.latest)
                for alert in raised:
                    err_console.print(f"alert {alert.id}: {alert.message}", markup=False)
            if time.monotonic() - last_expiry[0] > 3600:
                last_expiry[0] = time.monotonic()
                await asyncio.to_thread(runtime.expire, monitor)

        async def run() -> ConsumeReport:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            return await run_consume(settings, monitor.pipeline, batch=batch,
                                     until_idle=until_idle, max_messages=max_messages,
                                     stop=stop, after_batch=after)

        report = asyncio.run(run())
    summary = report.as_dict()
    click.echo(json.dumps(summary) if fmt == "json"
               else " ".join(f"{k}={v}" for k, v in summary.items()))
