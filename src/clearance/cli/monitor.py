"""``clearance monitor``: the after-release monitor's commands (``docs/monitor.md``).

``monitor spikes`` runs the spike detector (:mod:`clearance.monitor.spikes`) over a series file in
NAB's layout and writes one verdict per row, so a series can be checked by hand, scored with NAB's
rules (``bench/bench_nab.py``) or fed to another tool. ``ingest`` and ``forget`` are here; the
stream (``replay``, ``consume``) and the read side (``signals``, ``alerts``, ``report``) are in
:mod:`clearance.cli.monitor_stream` and :mod:`clearance.cli.monitor_read`.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any, TextIO

import click
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn

from clearance.cli.common import cli_actor, err_console, handle_errors, is_quiet
from clearance.errors import InputError
from clearance.monitor.series import Series, read_series
from clearance.monitor.spikes import DEFAULT_SETTINGS, SpikeSeries, detect
from clearance.settings import get_settings
from clearance.storage import session_scope

OUTPUT_COLUMNS = ("timestamp", "value", "score", "flag")


@click.group("monitor")
def monitor_group() -> None:
    """After release: ingest posts, petitions and news, link them to titles, watch the signals,
    alert on spikes."""


@monitor_group.command("spikes")
@click.argument("series", type=click.Path(dir_okay=False, path_type=Path), metavar="SERIES.csv")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True,
              help="Output format: CSV with the columns timestamp,value,score,flag.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@handle_errors
def spikes(series: Path, fmt: str, output: Path | None) -> None:
    """Find spikes in a series and say where an alert fires.

    SERIES.csv is in NAB's layout: a header line timestamp,value, then one row per point in
    time order (timestamps ISO 8601, UTC unless they carry a zone, or POSIX seconds; values are
    counts, or any numbers such as a share negative).

    Writes one row per input row, with the columns:

    \b
      timestamp  copied exactly as read
      value      copied exactly as read
      score      -log10 of the estimated chance of a point this extreme in this
                 series (0: unremarkable; 3: one point in a thousand)
      flag       1 where an alert fires, else 0 (score >= 3.25 after a day of
                 warm-up, at most one alert a day)

    Online: each row is judged from that row and the rows before it only, so appending rows
    never changes the output of the rows already there. A file with unusable rows (no header,
    a value that is not a number, an unreadable or out-of-order timestamp) is refused with every
    problem as file:line, and nothing is written (exit 3).
    """
    del fmt  # one format for now; the option keeps the contract's spelling
    data = read_series(series)
    result = detect(data.times, data.numbers, DEFAULT_SETTINGS)
    if output is None:
        _write_csv(sys.stdout, data, result)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as out:
            _write_csv(out, data, result)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None


def _write_csv(out: TextIO, data: Series, result: SpikeSeries) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    for stamp, value, score, flag in zip(data.timestamps, data.values, result.scores,
                                         result.flags, strict=True):
        writer.writerow((stamp, value, f"{score:.4f}", "1" if flag else "0"))


# -- ingest and forget ---------------------------------------------------------------------

@monitor_group.command("ingest")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--kind", type=click.Choice(["posts", "petitions", "feed"]), default="posts",
              show_default=True, help="What the sources hold: posts (JSON Lines in the X, "
              "Reddit or Bluesky shapes, or the documented CSV), petition snapshots (CSV or "
              "JSON, petition.parliament.uk's shape too), or RSS/Atom feeds (files or URLs).")
@click.option("--petition", default=None, help="The petition a snapshot file is about, when "
              "its rows do not say (its URL); default: the file's name.")
@click.option("--batch", type=click.IntRange(1, 100_000), default=1000, show_default=True,
              help="Posts per transaction.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format of the summary.")
@handle_errors
def ingest(sources: tuple[str, ...], kind: str, petition: str | None, batch: int,
           fmt: str) -> None:
    """Ingest posts, petition snapshots or feeds into the monitor.

    Posts are scored (language, sentiment, offensive, themes), linked to catalog titles and
    stored with the per-title aggregates, one transaction per batch. Idempotent: a post already
    stored (same platform and id) is not stored or counted again, and a file that was ingested
    part-way resumes after the last line stored (checkpointed). Lines that are not usable posts
    are reported as file:line: why and skipped; the rest is stored (exit 3 when any were
    skipped).
    """
    from clearance.monitor import runtime

    settings = get_settings()
    results: list[dict[str, object]] = []
    bad = 0
    with runtime.open_monitor(settings, need_scorer=True) as monitor:
        for source in sources:
            if kind == "posts":
                report = _ingest_posts(monitor, Path(source), batch)
                bad += report.bad_lines
                for problem in report.problems:
                    err_console.print(problem.rendered(), markup=False, highlight=False)
                if report.bad_lines > len(report.problems):
                    err_console.print(f"... and {report.bad_lines - len(report.problems)} more "
                                      f"bad lines in {source}", markup=False)
                results.append(report.as_dict())
            else:
                try:
                    done = (runtime.ingest_petitions(monitor, Path(source), petition)
                            if kind == "petitions" else runtime.ingest_feed(monitor, source))
                except InputError as exc:
                    err_console.print(f"error: {exc.rendered()}", markup=False)
                    bad += 1
                    results.append({"source": source, "error": exc.message})
                    continue
                for problem in done.problems:
                    err_console.print(problem.rendered(), markup=False, highlight=False)
                bad += len(done.problems)
                results.append(done.as_dict())
    if fmt == "json":
        click.echo(json.dumps(results, indent=2))
    else:
        for r in results:
            click.echo(" ".join(f"{k}={v}" for k, v in r.items() if k != "problems"))
    if bad:
        sys.exit(InputError.exit_code)


def _ingest_posts(monitor: Any, path: Path, batch: int) -> Any:
    from clearance.monitor.ingest import ingest_file

    with Progress(TextColumn(f"ingesting {escape(path.name)}"), SpinnerColumn(),
                  TextColumn("{task.fields[stored]} stored, {task.fields[dup]} already there"),
                  console=err_console, transient=True,
                  disable=is_quiet() or not err_console.is_terminal) as progress:
        task = progress.add_task("ingest", total=None, stored=0, dup=0)

        def advance(report: Any) -> None:
            progress.update(task, stored=report.stored, dup=report.duplicates)

        return ingest_file(monitor.pipeline, path, batch=batch, on_batch=advance)


@monitor_group.command("forget")
@click.argument("post_keys", nargs=-1, metavar="POST...")
@click.option("--expired", is_flag=True, help="Instead: remove the text, author and URL of "
              "every post older than CLEARANCE_MONITOR_RETENTION_DAYS.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@handle_errors
def forget(post_keys: tuple[str, ...], expired: bool, fmt: str) -> None:
    """Honour deletion requests: remove a post's text everywhere.

    POST is the post's key, platform:id (x:1296887316556980230, reddit:t1_g2k3l4m,
    bsky:at://...), as 'clearance monitor alerts' shows it. Its text, author and URL are removed
    from the post, from stored alert webhook messages and from the JetStream stream, and are
    never stored again if the post comes back. --expired applies the retention period instead.
    """
    from clearance.monitor import retention, runtime

    if not post_keys and not expired:
        raise InputError("name at least one post (platform:id), or give --expired")
    settings = get_settings()
    out: list[dict[str, object]] = []
    with runtime.open_monitor(settings, need_scorer=False) as monitor, \
            session_scope(monitor.engine) as session:
        if expired:
            n = retention.expire(session, days=settings.monitor_retention_days)
            out.append({"expired": n, "days": settings.monitor_retention_days})
        done = [retention.forget(session, key, by=cli_actor()) for key in post_keys]
    for item in done:
        removed_from_stream = runtime.delete_from_stream(settings, item.stream_seq)
        out.append({"post": item.post_key, "was_stored": item.was_stored,
                    "text_removed": item.had_text,
                    "webhook_messages_scrubbed": item.deliveries_scrubbed,
                    "removed_from_stream": removed_from_stream})
    if fmt == "json":
        click.echo(json.dumps(out, indent=2))
    else:
        for r in out:
            click.echo(" ".join(f"{k}={v}" for k, v in r.items()))


def _register() -> None:
    from clearance.cli import monitor_read, monitor_stream

    monitor_group.add_command(monitor_stream.replay)
    monitor_group.add_command(monitor_stream.consume)
    monitor_group.add_command(monitor_read.signals_command)
    monitor_group.add_command(monitor_read.alerts_command)
    monitor_group.add_command(monitor_read.report_command)


_register()
