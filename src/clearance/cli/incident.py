"""``clearance incident ...``: incidents from the command line — list, show, open, act, change
state or owner, link, measure, learn, report (``docs/incidents.md``). The command line acts as
``cli:<login name>`` in the audit log; ``--format json`` output is the API's JSON."""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from sqlalchemy import Engine

from clearance.cli.common import cli_actor, handle_errors, stdout_console
from clearance.errors import InputError
from clearance.incidents import actions, records
from clearance.incidents.learning import learn
from clearance.incidents.outcome import measure_actions, theme_shift
from clearance.incidents.report import write_report
from clearance.incidents.views import action_view, incident_summary, incident_view
from clearance.settings import get_settings
from clearance.storage import LocalBlobStore, ready_engine, session_scope
from clearance.storage.incident_models import INCIDENT_STATES
from clearance.storage.monitor_models import MonitorAlert

FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
                      show_default=True, help="Output format.")
KINDS = ("withdraw_everywhere", "replace", "copy_rewritten", "statement", "rating_changed",
         "placement_changed", "escalation")


@contextmanager
def _engine() -> Iterator[Engine]:
    with ready_engine(get_settings().resolved_database_url) as engine:
        yield engine


def _time(value: str | None, what: str) -> dt.datetime | None:
    if value is None:
        return None
    from clearance.monitor.posts import PostProblem, parse_time

    try:
        return parse_time(value)
    except PostProblem as exc:
        raise InputError(f"{what}: {exc}") from None


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _show(engine: Engine, incident_id: int, fmt: str) -> None:
    with session_scope(engine) as session:
        view = incident_view(session, records.get_incident(session, incident_id))
    if fmt == "json":
        _echo_json(view)
        return
    console = stdout_console()
    console.rule(f"[bold]Incident {view['id']}: {escape(view['name'])}")
    console.print(f"{view['state']} · {escape(str(view['title']))} ({view['title_id']}) · owner "
                  f"{view['owner'] or 'nobody'} · opened {view['opened_at'][:16]} from "
                  f"{view['opened_from']} by {escape(view['opened_by'])} · onset "
                  f"{view['onset'][:16]}", highlight=False)
    for v in view["versions"]:
        console.print(f"  {v['role']:<5} {escape(v['ref'])} ({v['now']}): "
                      f"{escape(v['cleared'])}", highlight=False)
    for p in view["petitions"]:
        console.print(f"  petition {escape(p['action'])}: {p['count']:,} signatures",
                      highlight=False)
    for a in view["actions"]:
        console.print(f"[bold]{a['kind'].replace('_', ' ')}[/] {a['at'][:16]} by "
                      f"{escape(a['by'])}: {escape(a['effect_summary'] or 'not measured')}",
                      highlight=False)
    console.rule("timeline")
    for t in view["timeline"]:
        console.print(f"{t['at'][:16].replace('T', ' ')}  {escape(t['summary'])}",
                      highlight=False)


@click.group("incident")
def incident_group() -> None:
    """Incidents: a backlash with the asset versions that caused it, the response actions and
    their measured effect."""


@incident_group.command("list")
@click.option("--state", type=click.Choice(INCIDENT_STATES), default=None,
              help="Only incidents in this state.")
@click.option("--title", "title_id", default=None, help="Only incidents about this title.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="At most this many, newest first.")
@FORMAT
@handle_errors
def list_cmd(state: str | None, title_id: str | None, limit: int, fmt: str) -> None:
    """List incidents, newest first."""
    with _engine() as engine, session_scope(engine) as session:
        rows = [incident_summary(session, i) for i in records.list_incidents(
            session, state=state, title_id=title_id, limit=limit)]
    if fmt == "json":
        _echo_json({"incidents": rows})
        return
    console = stdout_console()
    for r in rows:
        console.print(f"{r['id']:>4}  {r['state']:<10} {r['opened_at'][:16]}  "
                      f"{escape(str(r['title_id']))}  {escape(r['name'])}  "
                      f"[dim]owner {r['owner'] or 'nobody'}[/]", highlight=False)
    if not rows:
        console.print("no incidents")


@incident_group.command("show")
@click.argument("incident_id", type=click.IntRange(1))
@FORMAT
@handle_errors
def show_cmd(incident_id: int, fmt: str) -> None:
    """An incident with its versions, alerts, petitions, actions and their effects, and its
    timeline."""
    with _engine() as engine:
        _show(engine, incident_id, fmt)


@incident_group.command("open")
@click.option("--title", "title_id", default=None,
              help="The title it is about (with --alert: the alert's).")
@click.option("--alert", "alert_id", type=click.IntRange(1), default=None,
              help="Open it from this alert (its title, onset, themes and top posts).")
@click.option("--name", default="", help="A short name (default: the title and the alert).")
@click.option("--owner", default=None, help="The username who owns it.")
@click.option("--onset", default=None,
              help="When the backlash began (ISO 8601; default: the alert's onset, or now).")
@FORMAT
@handle_errors
def open_cmd(title_id: str | None, alert_id: int | None, name: str, owner: str | None,
             onset: str | None, fmt: str) -> None:
    """Open an incident by hand, or from an alert; the versions live at the onset are linked
    with how each got out."""
    with _engine() as engine:
        with session_scope(engine) as session:
            incident = records.open_incident(
                session, title_id=title_id, name=name, by=cli_actor(),
                opened_from="person" if alert_id is not None else "hand", alert_id=alert_id,
                owner=owner, onset=_time(onset, "--onset"))
            incident_id = incident.id
        _show(engine, incident_id, fmt)


@incident_group.command("action")
@click.argument("incident_id", type=click.IntRange(1))
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--version", "version_ref", default=None,
              help="The version acted on: an id or TITLE/KIND[/LOCALE[/CHANNEL]]/vN "
                   "(withdraw_everywhere, replace, copy_rewritten; placement_changed: optional).")
@click.option("--file", "file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="replace: the new content (screened and queued).")
@click.option("--text", "text", default=None,
              help="copy_rewritten: the new copy; statement: its text.")
@click.option("--replacement", default=None,
              help="replace/copy_rewritten: a version already uploaded and screened instead of "
                   "--file/--text.")
@click.option("--reason", default="", help="Why (withdraw_everywhere and escalation need one).")
@click.option("--channel", default=None, help="statement: where it was published.")
@click.option("--rating", default=None, help="rating_changed: the new rating.")
@click.option("--from", "placement_from", default=None, help="placement_changed: where it was.")
@click.option("--to", "to", default=None,
              help="placement_changed: where it is now; escalation: to whom.")
@click.option("--at", "at", default=None,
              help="When it took effect (ISO 8601; default: now).")
@FORMAT
@handle_errors
def action_cmd(incident_id: int, kind: str, version_ref: str | None, file: Path | None,
               text: str | None, replacement: str | None, reason: str, channel: str | None,
               rating: str | None, placement_from: str | None, to: str | None, at: str | None,
               fmt: str) -> None:
    """Take a response action and record it on the incident's timeline, in one transaction
    (withdraw_everywhere: all or nothing)."""
    by, when = cli_actor(), _time(at, "--at")
    settings = get_settings()

    def need(value: str | None, option: str) -> str:
        if not value:
            raise InputError(f"{kind} needs {option}")
        return value

    with _engine() as engine:
        blobs = LocalBlobStore(settings.resolved_blob_dir)
        if kind == "withdraw_everywhere":
            action = actions.withdraw_everywhere(engine, blobs, incident_id,
                                                 need(version_ref, "--version"), by=by,
                                                 reason=reason, now=when)
        elif kind in ("replace", "copy_rewritten") and replacement:
            with session_scope(engine) as session:
                action = actions.link_replacement(session, incident_id,
                                                  need(version_ref, "--version"), replacement,
                                                  by=by, now=when, kind=kind)
        elif kind in ("replace", "copy_rewritten"):
            content, content_type = _content(file, text)
            from clearance.screening import Screener

            action = actions.replace(engine, blobs, Screener.from_settings(settings),
                                     incident_id, need(version_ref, "--version"), content,
                                     content_type=content_type, by=by, now=when, kind=kind)
        else:
            with session_scope(engine) as session:
                if kind == "statement":
                    action = actions.statement(session, incident_id, need(text, "--text"),
                                               channel=need(channel, "--channel"), by=by,
                                               at=when)
                elif kind == "rating_changed":
                    action = actions.rating_changed(session, incident_id,
                                                    need(rating, "--rating"), by=by,
                                                    reason=reason, at=when)
                elif kind == "placement_changed":
                    version_id = None
                    if version_ref is not None:
                        from clearance.catalog.publication import resolve_version

                        version_id = resolve_version(session, version_ref).id
                    action = actions.placement_changed(
                        session, incident_id, placement_from=need(placement_from, "--from"),
                        placement_to=need(to, "--to"), by=by, reason=reason,
                        version_id=version_id, at=when)
                else:
                    action = actions.escalate(session, incident_id, to=need(to, "--to"),
                                              reason=reason, by=by, at=when)
        if fmt == "json":
            _echo_json(action_view(action))
        else:
            click.echo(f"recorded {action.kind} (action {action.id}) on incident {incident_id}")


def _content(file: Path | None, text: str | None) -> tuple[bytes, str]:
    if file is not None:
        guessed, _ = mimetypes.guess_type(file.name)
        if guessed is None:
            raise InputError(f"cannot tell the content type of {file.name}: name it .png, "
                             ".jpg, .webp or .txt")
        if guessed.startswith("text/"):
            guessed = f"{guessed}; charset=utf-8"
        return file.read_bytes(), guessed
    if text:
        return text.encode("utf-8"), "text/plain; charset=utf-8"
    raise InputError("a replacement needs --file, --text or --replacement")


@incident_group.command("state")
@click.argument("incident_id", type=click.IntRange(1))
@click.argument("state", type=click.Choice(INCIDENT_STATES))
@click.option("--reason", default="", help="Why (required to close).")
@handle_errors
def state_cmd(incident_id: int, state: str, reason: str) -> None:
    """Move an incident to another state (open, responding, monitoring, closed; closed ->
    responding reopens it)."""
    with _engine() as engine, session_scope(engine) as session:
        records.set_state(session, records.get_incident(session, incident_id), state,
                          by=cli_actor(), reason=reason)
    click.echo(f"incident {incident_id} is {state}")


@incident_group.command("close")
@click.argument("incident_id", type=click.IntRange(1))
@click.option("--reason", required=True, help="What was done and what it showed.")
@handle_errors
def close_cmd(incident_id: int, reason: str) -> None:
    """Close an incident, with the reason (announced by the 'incident' webhook)."""
    with _engine() as engine, session_scope(engine) as session:
        records.set_state(session, records.get_incident(session, incident_id), "closed",
                          by=cli_actor(), reason=reason)
    click.echo(f"incident {incident_id} is closed")


@incident_group.command("assign")
@click.argument("incident_id", type=click.IntRange(1))
@click.argument("username", required=False)
@handle_errors
def assign_cmd(incident_id: int, username: str | None) -> None:
    """Give an incident to USERNAME (none: to nobody)."""
    with _engine() as engine, session_scope(engine) as session:
        records.set_owner(session, records.get_incident(session, incident_id), username,
                          by=cli_actor())
    click.echo(f"incident {incident_id} is owned by {username or 'nobody'}")


@incident_group.command("link")
@click.argument("incident_id", type=click.IntRange(1))
@click.option("--alert", "alert_id", type=click.IntRange(1), default=None, help="An alert.")
@click.option("--version", "version_ref", default=None, help="An asset version of the title.")
@handle_errors
def link_cmd(incident_id: int, alert_id: int | None, version_ref: str | None) -> None:
    """Link an alert or an asset version to an incident."""
    if alert_id is None and version_ref is None:
        raise InputError("give --alert or --version")
    with _engine() as engine, session_scope(engine) as session:
        incident = records.get_incident(session, incident_id)
        if alert_id is not None:
            alert = session.get(MonitorAlert, alert_id)
            if alert is None:
                raise InputError(f"no alert {alert_id}")
            records.link_alert(session, incident, alert, by=cli_actor())
        if version_ref is not None:
            from clearance.catalog.publication import resolve_version

            records.link_version(session, incident, resolve_version(session, version_ref).id,
                                 by=cli_actor())
    click.echo(f"linked to incident {incident_id}")


@incident_group.command("measure")
@click.argument("incident_id", type=click.IntRange(1))
@click.option("--hours", type=click.IntRange(3, 168), default=12, show_default=True,
              help="The length of each window before and after an action.")
@FORMAT
@handle_errors
def measure_cmd(incident_id: int, hours: int, fmt: str) -> None:
    """Measure (again) the effect of every action and the incident's theme shift."""
    with _engine() as engine, session_scope(engine) as session:
        incident = records.get_incident(session, incident_id)
        done = measure_actions(session, incident, hours=hours)
        shift = theme_shift(session, incident, hours=hours)
        data: dict[str, Any] = {"actions": [action_view(a) for a in done], "theme_shift": shift}
    if fmt == "json":
        _echo_json(data)
        return
    for a in data["actions"]:
        click.echo(f"{a['kind']} at {a['at'][:16]}: {a['effect_summary']}")
    named = (shift or {}).get("shift")
    click.echo(f"theme shift: {named['summary'] if named else 'none named'}")


@incident_group.command("learn")
@click.argument("incident_id", type=click.IntRange(1))
@click.option("--policy", "policy_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="The live policy (default: CLEARANCE_POLICY_FILE or the "
                                 "built-in one).")
@FORMAT
@handle_errors
def learn_cmd(incident_id: int, policy_file: Path | None, fmt: str) -> None:
    """What screening saw on the versions that caused the incident, and a draft policy change
    tried against the whole catalog with the what-if (nothing is adopted)."""
    from clearance.policy.loader import load_policy

    live = load_policy(policy_file or get_settings().policy_file)
    with _engine() as engine, session_scope(engine) as session:
        out = learn(session, records.get_incident(session, incident_id), live)
    if fmt == "json":
        _echo_json(out)
        return
    click.echo(out["summary"])
    if out["draft"]:
        w = out["draft"]["whatif"]
        click.echo(f"draft {out['draft']['policy']}: {w['changed_others']} other item(s) of "
                   f"{w['evaluated']} would change")
        click.echo(out["draft"]["yaml"])


@incident_group.command("report")
@click.argument("incident_id", type=click.IntRange(1))
@click.option("-o", "--output", "folder", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Folder for incident-N.html (default: the data folder).")
@handle_errors
def report_cmd(incident_id: int, folder: Path | None) -> None:
    """Write the incident's standalone HTML report (charts, versions, actions and effects,
    learning, timeline; no picture, no script)."""
    from clearance.policy.loader import load_policy

    settings = get_settings()
    with _engine() as engine:
        with session_scope(engine) as session:
            incident = records.get_incident(session, incident_id)
            shift = theme_shift(session, incident)
            learning = learn(session, incident, load_policy(settings.policy_file))
        path = write_report(engine, incident_id, folder or settings.data_dir, learning=learning,
                            shift=shift)
    click.echo(str(path))
