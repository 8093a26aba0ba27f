"""``clearance screen``: screen copy (inline, text files, catalog CSV) and images."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

import click
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from clearance.cli.common import (
    EXIT_FAIL_ON,
    cli_actor,
    err_console,
    handle_errors,
    is_quiet,
    note,
)
from clearance.cli.output import render_table
from clearance.cli.screen_inputs import (
    INPUT_FORMATS,
    ScreenInputs,
    load_title,
    record_catalog_screenings,
    resolve_depicted,
)
from clearance.errors import InputError, Problem
from clearance.policy.loader import load_policy
from clearance.report_html import render_html, thumbnail
from clearance.screening import Screener, ScreenResult
from clearance.settings import get_settings


def _progress(total: int | None) -> Progress:
    """The progress line on a terminal: done of total, a bar and the time left where the total
    is known (a CSV's records, a folder's files), else a spinner and the count."""
    columns: list[ProgressColumn | str] = [TextColumn("screening")]
    if total is None:
        columns += [SpinnerColumn(), TextColumn("{task.completed} item(s)")]
    else:
        columns += [BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    columns.append(TimeElapsedColumn())
    return Progress(*columns, console=err_console, transient=True,
                    disable=is_quiet() or not sys.stderr.isatty())


def _keep_for_report(result: ScreenResult, fmt: str) -> ScreenResult:
    """Results hold their item for the HTML report only, with a small copy of the picture;
    other formats drop it so a folder of thousands of images is not kept in memory."""
    source = result.source
    if source is None or source.image is None:
        return result
    if fmt != "html":
        return replace(result, source=None)
    return replace(result, source=replace(source, image=thumbnail(source.image)))


def check_output(output: Path) -> None:
    """Refuse, before any screening, an ``--output`` that cannot be written: a missing folder,
    a folder, or no permission. (``/dev/stdout`` and other devices stay allowed; a write that
    fails later, e.g. a full disk, is refused by :func:`write_output`.)"""
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"cannot write {output}: the folder {parent} does not exist",
                         problems=[Problem("no such folder", str(output),
                                           hint="create the folder first")])
    if output.is_dir():
        raise InputError(f"cannot write {output}: it is a folder")
    target = output if output.exists() else parent
    if not os.access(target, os.W_OK):
        raise InputError(f"cannot write {output}: permission denied")


def write_output(output: Path, results: Sequence[ScreenResult], fmt: str,
                 titles: dict[str, str] | None = None) -> None:
    """Write the results to ``output``; a failure (disk full, permission) is an InputError."""
    try:
        with output.open("w", encoding="utf-8") as fh:
            _emit(results, fmt, fh, titles)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc


def _emit(results: Sequence[ScreenResult], fmt: str, out: TextIO,
          titles: dict[str, str] | None = None) -> None:
    if fmt == "jsonl":
        for r in results:
            out.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    elif fmt == "html":
        out.write(render_html(results, titles=titles))
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
@click.option("--rating", help="The title's rating, e.g. TV-MA (default: the --title's).")
@click.option("--title", "title_id", metavar="ID",
              help="A catalog title: its rating, its credits for --depicts, and its assets' copy "
                   "for title-scope rules. An input that is one of the title's versions (same "
                   "bytes) has its screening recorded in the catalog.")
@click.option("--depicts", multiple=True, metavar="NAME[=AGE]",
              help="A person shown in the images (repeatable): NAME=AGE, or a name credited on "
                   "--title, aged on --shoot-date from the catalog's date of birth.")
@click.option("--shoot-date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="When the images were made, for --depicts ages (default: today).")
@click.option("--vendor-findings", type=click.Path(path_type=Path),
              help="Saved AWS Rekognition, Google Vision or Hive responses (docs/vendors.md): a "
                   "file for the one image screened, or a folder holding each image's response "
                   "as NAME.json or STEM.json (poster.jpg.json or poster.json).")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path),
              help="Policy file (default: the built-in policy, or CLEARANCE_POLICY_FILE).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "html"]),
              default="table", show_default=True,
              help="Output format; html is a self-contained report with blurred images.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write results to this file instead of stdout.")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="auto",
              show_default=True,
              help="How - (standard input) is read: auto is a CSV when its first line is a "
                   "header naming --column, else one text; text; csv.")
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
@click.option("--allow-special-files", is_flag=True,
              help="Read devices, FIFOs and sockets named as PATHS (refused otherwise; - for "
                   "standard input is always allowed). Size limits apply as to files.")
@handle_errors
def screen(paths: tuple[Path, ...], texts: tuple[str, ...], rating: str | None,
           title_id: str | None, depicts: tuple[str, ...], shoot_date: dt.datetime | None,
           vendor_findings: Path | None, policy_file: Path | None, fmt: str,
           output: Path | None, input_format: str, column: str, rating_column: str,
           id_column: str, semantic: str | None, fail_on: str,
           allow_special_files: bool) -> None:
    """Screen copy and images; print one decision per item with its findings and reasons.

    PATHS may be images or folders of images (JPEG, PNG, WebP, GIF, ...), .txt files (each
    screened whole), .csv files (each row's --column screened; the Netflix catalog layout works
    as is), or - for standard input: a CSV when its first line is a header naming --column
    (cat rows.csv | clearance screen -), else one text (--input-format decides otherwise). Bad
    rows and unreadable images are reported and skipped; the rest are screened. Nothing is
    written, except that with --title an input whose content is one of the title's catalog
    versions has its screening recorded.

    Exit codes: 0 done, 1 --fail-on reached, 2 usage error, 3 some input was unusable (the rest
    was screened), 4 invalid policy, 5 unknown --title or a database error, 6 a detector's
    model is unavailable.
    """
    if not paths and not texts:
        raise click.UsageError("give --text TEXT or at least one PATH (see --help)")
    if output is not None:
        check_output(output)  # before the screening, which may take minutes
    overrides: dict[str, object] = {}
    if semantic:
        overrides["semantic"] = semantic
    settings = get_settings(**overrides)
    policy = load_policy(policy_file or settings.policy_file)
    bank = None
    if title_id is not None:  # screening catalog content: look it up in the database's banks
        from clearance.bank.hashing import availability
        from clearance.bank.index import BankIndex

        bank = BankIndex.from_settings(settings) if availability() else None
    screener = Screener.from_settings(settings, policy=policy, bank=bank)
    inputs = ScreenInputs(screener, settings, rating=rating, vendor_file=vendor_findings,
                          column=column, rating_column=rating_column or None,
                          id_column=id_column or None, allow_special=allow_special_files,
                          input_format=input_format)
    note(f"policy {policy.ref}; detectors "
         + ", ".join(f"{d.name}@{d.version}" for d in screener.detectors), verbose=True)
    title = load_title(settings, title_id) if title_id is not None else None
    if title is not None:
        inputs.use_title(title)
    when = shoot_date.date() if shoot_date is not None else dt.date.today()
    inputs.depicted = resolve_depicted(depicts, title, when)

    results: list[ScreenResult] = []
    started = time.monotonic()
    total = inputs.count(texts, paths) if sys.stderr.isatty() and not is_quiet() else None
    with _progress(total) as prog:
        task = prog.add_task("screen", total=total)
        for items, others, extra in inputs.batches(texts, paths):
            for r in screener.screen_many(items, others, extra):
                results.append(_keep_for_report(r, fmt))
            # skipped rows and files count toward the total too
            prog.update(task, completed=len(results) + len(inputs.problems))
    seconds = time.monotonic() - started
    note(f"screened {len(results)} item(s) in {seconds:.1f} s", verbose=True)
    if vendor_findings is not None and vendor_findings.is_dir():
        note(f"vendor responses: {inputs.vendor_used} image(s) had one in {vendor_findings}, "
             f"{inputs.unmatched_images} had none", verbose=not inputs.unmatched_images)

    problems = inputs.problems
    if title is not None:
        recorded = record_catalog_screenings(settings, screener, title, results,
                                             actor=cli_actor())
        if recorded:
            note(f"recorded {recorded} screening(s) of catalog versions of {title.title_id}")
    if output is not None:
        write_output(output, results, fmt, inputs.titles)
    elif results:
        _emit(results, fmt, sys.stdout, inputs.titles)
    for p in problems:
        err_console.print(f"[yellow]skipped:[/] {escape(p.rendered())}", markup=True,
                          highlight=False)
    if problems:
        if not results:
            raise InputError(f"nothing could be screened ({len(problems)} problem(s))")
        note(f"{len(results)} item(s) screened, {len(problems)} skipped")
        sys.exit(InputError.exit_code)
    rank = {"pass": 0, "review": 1, "block": 2, "never": 3}
    if any(rank[r.decision.outcome] >= rank[fail_on] for r in results):
        sys.exit(EXIT_FAIL_ON)
