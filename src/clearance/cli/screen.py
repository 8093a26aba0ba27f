"""``clearance screen``: screen copy given inline, in text files, or in a catalog CSV."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from clearance.catalog.queries import get_title, title_assets
from clearance.cli.common import EXIT_FAIL_ON, err_console, handle_errors
from clearance.cli.output import render_table
from clearance.csvrows import read_rows
from clearance.detectors.base import Item
from clearance.errors import ContentError, InputError, Problem
from clearance.findings import Finding
from clearance.policy.loader import load_policy
from clearance.screening import Screener, ScreenResult
from clearance.settings import Settings, get_settings
from clearance.storage import LocalBlobStore, migrated_engine, session_scope

BATCH = 64
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"}


def _progress(total: int) -> Progress:
    return Progress(TextColumn("screening"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=err_console, transient=True,
                    disable=not sys.stderr.isatty())


def _csv_items(screener: Screener, path: Path, column: str, rating_column: str | None,
               id_column: str | None, problems: list[Problem]) -> Iterator[Item]:
    required = [column] + [c for c in (rating_column, id_column) if c]
    for row in read_rows(path, required, problems):
        name = f"{path}:{row.line}"
        if id_column and row.values.get(id_column):
            name = row.values[id_column]
        text = row.values[column]
        try:
            yield screener.text_item(text, name=name,
                                     rating=row.values.get(rating_column or "") or None)
        except ContentError as exc:
            problems.append(Problem(exc.message, str(path), row.line, field=column,
                                    hint="the row was skipped"))


def title_copy(settings: Settings, title_id: str) -> tuple[str | None, dict[str, str]]:
    """A catalog title's rating and the latest text version of each of its assets, keyed
    ``kind/locale/channel``."""
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    copies: dict[str, str] = {}
    with migrated_engine(settings.resolved_database_url) as engine, \
            session_scope(engine) as session:
        title = get_title(session, title_id)
        for asset in title_assets(session, title_id):
            v = asset.latest
            if v is None or not v.content_type.startswith("text/"):
                continue
            copies[f"{asset.kind}/{asset.locale}/{asset.channel}"] = \
                blobs.get(v.content_sha256).decode("utf-8", errors="replace")
    return title.rating, copies


def _batched(items: Iterator[Item], n: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for it in items:
        batch.append(it)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def _emit(results: Sequence[ScreenResult], fmt: str, out: TextIO) -> None:
    if fmt == "jsonl":
        for r in results:
            out.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    elif fmt == "html":
        from clearance.report_html import render_html

        out.write(render_html(results))
    elif fmt == "json":
        payload = [r.to_dict() for r in results]
        out.write(json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=False,
                             indent=2) + "\n")
    else:
        render_table(results, out)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--text", "texts", multiple=True, metavar="TEXT",
              help="Copy to screen (repeatable).")
@click.option("--rating", help="The title's rating, e.g. TV-MA (for --text and .txt files).")
@click.option("--title", "title_id", metavar="ID",
              help="A catalog title: its rating, and its assets' copy for title-scope rules.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path),
              help="Policy file (default: the built-in policy, or CLEARANCE_POLICY_FILE).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "html"]),
              default="table",
              show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write results to this file instead of stdout.")
@click.option("--column", default="description", show_default=True,
              help="CSV column holding the copy.")
@click.option("--rating-column", default="rating", show_default=True,
              help="CSV column holding the rating ('' for none).")
@click.option("--id-column", default="show_id", show_default=True,
              help="CSV column naming each row ('' to use file:line).")
@click.option("--semantic", type=click.Choice(["auto", "always", "off"]),
              help="Semantic stage of suggestive.text (default: CLEARANCE_SEMANTIC or auto).")
@click.option("--fail-on", type=click.Choice(["block", "review", "never"]), default="never",
              show_default=True, help="Exit 1 when any decision is at least this severe.")
@handle_errors
def screen(paths: tuple[Path, ...], texts: tuple[str, ...], rating: str | None,
           title_id: str | None, policy_file: Path | None, fmt: str, output: Path | None,
           column: str, rating_column: str, id_column: str, semantic: str | None,
           fail_on: str) -> None:
    """Screen copy and print one decision per item with its findings and reasons.

    PATHS may be .txt files (each screened whole), - for standard input, or .csv files (each row's
    --column screened; the Netflix catalog layout works as is). Bad rows are reported with
    file:line and skipped; the rest are screened. Exit codes: 0 done, 1 --fail-on reached,
    3 some input was unusable, 4 invalid policy.
    """
    if not paths and not texts:
        raise click.UsageError("give --text TEXT or at least one PATH (see --help)")
    overrides: dict[str, object] = {}
    if semantic:
        overrides["semantic"] = semantic
    settings = get_settings(**overrides)
    policy = load_policy(policy_file or settings.policy_file)
    screener = Screener.from_settings(settings, policy=policy)

    campaign: dict[str, tuple[Finding, ...]] = {}
    campaign_texts: dict[str, str] = {}
    if title_id is not None:
        title_rating, campaign_texts = title_copy(settings, title_id)
        rating = rating or title_rating
        campaign = screener.campaign_findings(campaign_texts, rating=rating)

    def others(text: str) -> dict[str, tuple[Finding, ...]]:
        """The campaign without the asset whose copy is being screened."""
        return {ref: fs for ref, fs in campaign.items() if campaign_texts[ref] != text}

    problems: list[Problem] = []
    results: list[ScreenResult] = []
    for n, t in enumerate(texts, 1):
        try:
            results.append(screener.screen_text(t, name=f"text-{n}" if len(texts) > 1 else "text",
                                                rating=rating, title_findings=others(t)))
        except ContentError as exc:
            problems.append(Problem(exc.message, f"--text #{n}"))

    for path in paths:
        if str(path) == "-":
            data = sys.stdin.buffer.read()
            try:
                text = data.decode("utf-8")
                results.append(screener.screen_text(text, name="stdin", rating=rating,
                                                    title_findings=others(text)))
            except UnicodeDecodeError as exc:
                problems.append(Problem(f"not UTF-8 (byte {exc.start})", "stdin"))
            except ContentError as exc:
                problems.append(Problem(exc.message, "stdin"))
            continue
        if not path.exists():
            problems.append(Problem("no such file", str(path)))
            continue
        suffix = path.suffix.lower()
        if suffix == ".csv":
            total = max(0, path.read_bytes().count(b"\n") - 1)
            items = _csv_items(screener, path, column, rating_column or None, id_column or None,
                               problems)
            with _progress(total) as prog:
                task = prog.add_task("screen", total=total)
                for batch in _batched(items, BATCH):
                    results.extend(screener.screen_many(batch))
                    prog.advance(task, len(batch))
        elif suffix in IMAGE_SUFFIXES:
            problems.append(Problem("image screening is not available in this release",
                                           str(path), hint="screen copy (.txt, .csv, --text)"))
        else:
            try:
                text = path.read_bytes().decode("utf-8")
                results.append(screener.screen_text(text, name=str(path), rating=rating,
                                                    title_findings=others(text)))
            except UnicodeDecodeError as exc:
                problems.append(Problem(f"not UTF-8 (byte {exc.start})", str(path),
                                               hint="save the file as UTF-8"))
            except ContentError as exc:
                problems.append(Problem(exc.message, str(path)))
            except OSError as exc:
                problems.append(Problem(f"cannot read: {exc.strerror}", str(path)))

    if output is not None:
        with output.open("w", encoding="utf-8") as fh:
            _emit(results, fmt, fh)
    elif results:
        _emit(results, fmt, sys.stdout)
    for p in problems:
        err_console.print(f"[yellow]skipped:[/] {escape(p.rendered())}", markup=True,
                          highlight=False)
    if problems:
        if not results:
            raise InputError(f"nothing could be screened ({len(problems)} problem(s))")
        err_console.print(f"{len(results)} item(s) screened, {len(problems)} skipped")
        sys.exit(InputError.exit_code)
    rank = {"pass": 0, "review": 1, "block": 2, "never": 3}
    if any(rank[r.decision.outcome] >= rank[fail_on] for r in results):
        sys.exit(EXIT_FAIL_ON)
