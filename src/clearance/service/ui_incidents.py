"""The incidents' pages (``docs/ui.md``): ``/incidents`` (the list, and opening one by hand) and
``/incidents/{id}`` (the timeline, the versions live at the onset — pictures blurred and greyscale
on the server, never revealed here: their review item is one click away, where a reveal is
audited — the charts, the actions with their measured effects, the theme shift and, on request,
what screening saw with the draft policy change and its what-if). Reviewers and above read;
senior reviewers and admins act through the forms, which call the same service functions as the
API (:mod:`clearance.service.api_incidents`), with the same rules and audit log. Opening an
incident from an alert is a button on the alert's page.

Withdraw everywhere takes two steps, as on a version's page (:mod:`clearance.service.ui_bank`):
the incident page's form asks for the version and opens ``/incidents/{id}/withdraw``, which lists
every variant and near-copy it would take down across locales and channels; the senior gives the
reason there and confirms, and the form sends back the ids it listed (``expect``), so a list that
changed meanwhile is refused (409) rather than withdrawing what nobody saw.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final

from fastapi import APIRouter, Form, Query, Request, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.bank import lineage
from clearance.catalog.publication import latest_item
from clearance.errors import Forbidden, InputError, NotFound
from clearance.incidents import actions, records
from clearance.incidents.learning import learn
from clearance.incidents.outcome import measure_actions, theme_shift
from clearance.incidents.report import charts, effect_table, learning_html
from clearance.incidents.views import incident_summary, incident_view
from clearance.policy.loader import load_policy
from clearance.quarantine.holds import is_held
from clearance.service import bank_views, reveals
from clearance.service.deps import SessionDep, StateDep
from clearance.service.params import BodyId, Flag, IdPath, parse_id
from clearance.service.ui_base import Page, PageDep, UIRoute, redirect, render
from clearance.storage.incident_models import INCIDENT_STATES, IncidentAlert, IncidentVersion
from clearance.storage.models import AssetVersion
from clearance.storage.monitor_models import MonitorAlert

router = APIRouter(route_class=UIRoute, include_in_schema=False)
THUMB_SIDE: Final = 320
Field = Annotated[str, Form()]


def _require(page: Page, senior: bool = False) -> None:
    if not page.is_reviewer:
        raise Forbidden(f"incidents are for reviewers ({page.actor.username} is "
                        f"{page.actor.role})")
    if senior and not page.is_senior:
        raise Forbidden(f"that is for senior reviewers ({page.actor.username} is "
                        f"{page.actor.role})")


def _moment(value: str) -> dt.datetime | None:
    if not value.strip():
        return None
    from clearance.monitor.posts import PostProblem, parse_time

    try:
        return parse_time(value.strip())
    except PostProblem as exc:
        raise InputError(f"a moment: {exc}") from None


@router.get("/incidents")
def incidents_page(request: Request, page: PageDep, session: SessionDep,
                   state: str | None = None) -> Response:
    """Incidents, newest first (``state`` to narrow)."""
    _require(page)
    chosen = state if state in INCIDENT_STATES else None
    rows = [incident_summary(session, i)
            for i in records.list_incidents(session, state=chosen, limit=200)]
    return render(request, "incidents.html", page, incidents=rows, state=chosen,
                  states=INCIDENT_STATES)


@router.post("/incidents")
def open_incident(page: PageDep, session: SessionDep, title_id: Field = "",
                  alert_id: Field = "", name: Field = "", onset: Field = "") -> Response:
    """Open an incident by hand (a title) or from an alert (senior reviewers)."""
    _require(page, senior=True)
    alert = parse_id(alert_id, "alert id") if alert_id.strip() else None
    incident = records.open_incident(
        session, title_id=title_id.strip() or None, name=name, by=page.actor.audit_name,
        opened_from="person" if alert is not None else "hand", alert_id=alert,
        owner=page.actor.username, onset=_moment(onset))
    return redirect(f"/incidents/{incident.id}")


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: IdPath, page: PageDep, session: SessionDep,
                  state: StateDep, learning: Flag = 0) -> Response:
    """One incident (``learning=1``: with what screening saw and the draft policy change)."""
    _require(page)
    incident = records.get_incident(session, incident_id)
    view = incident_view(session, incident)
    versions = []
    for v in view["versions"]:
        item = latest_item(session, v["version_id"])
        held = bool(v["quarantined"])
        versions.append({**v, "item_id": item.id if item is not None and not held else None,
                         "has_picture": str(v.get("content_type", "")).startswith("image/")
                         and not held, "held": held})
    # the fragments escape every value they hold
    effects = {a["id"]: Markup(effect_table(a["effect"]))
               for a in view["actions"]}
    study = None
    if learning:
        study = Markup(learning_html(learn(
            session, incident, load_policy(state.settings.policy_file))))
    shift = theme_shift(session, incident)
    return render(request, "incident.html", page, incident=view, versions=versions,
                  charts=charts(session, view), effects=effects, learning=study,
                  shift=(shift or {}).get("shift"), states=records.TRANSITIONS[view["state"]])


@router.get("/incidents/{incident_id}/versions/{version_id}/thumb")
def version_thumb(incident_id: IdPath, version_id: IdPath, page: PageDep, session: SessionDep,
                  state: StateDep) -> Response:
    """A linked picture, small, blurred and greyscale on the server whatever the viewer's
    preference; never the original (reveal it on its review item, audited). A quarantined
    version is shown to nobody: 404."""
    _require(page)
    if session.get(IncidentVersion, (incident_id, version_id)) is None \
            or is_held(session, version_id):
        raise NotFound(f"version {version_id} is not linked to incident {incident_id}")
    version = session.get_one(AssetVersion, version_id)
    if not version.content_type.startswith("image/"):
        raise NotFound(f"version {version_id} is not a picture")
    data = reveals.blurred_rendition(state.blobs.get(version.content_sha256), side=THUMB_SIDE)
    return Response(data, media_type="image/jpeg", headers={
        "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})


@router.post("/incidents/{incident_id}/state")
def set_state(incident_id: IdPath, page: PageDep, session: SessionDep, state: Field = "",
              reason: Field = "") -> Response:
    _require(page, senior=True)
    records.set_state(session, records.get_incident(session, incident_id), state.strip(),
                      by=page.actor.audit_name, reason=reason)
    return redirect(f"/incidents/{incident_id}")


@router.post("/incidents/{incident_id}/owner")
def set_owner(incident_id: IdPath, page: PageDep, session: SessionDep,
              owner: Field = "") -> Response:
    _require(page, senior=True)
    records.set_owner(session, records.get_incident(session, incident_id), owner.strip() or None,
                      by=page.actor.audit_name)
    return redirect(f"/incidents/{incident_id}")


@router.get("/incidents/{incident_id}/withdraw")
def withdraw_preview(request: Request, incident_id: IdPath, page: PageDep, session: SessionDep,
                     state: StateDep,
                     version_id: Annotated[str, Query(max_length=20)] = "") -> Response:
    """The confirm step of withdraw everywhere for the incident (senior reviewers): the version
    and every variant and near-copy it would take down, across locales and channels, with the
    reason to give and the button that confirms exactly this list. Looking changes nothing."""
    _require(page, senior=True)
    incident = records.get_incident(session, incident_id)
    vid = parse_id(version_id, "version id")
    records.title_version(session, incident, vid)
    session.commit()  # the preview hashes never-hashed versions in transactions of its own
    found = lineage.plan(state.engine, state.blobs, str(vid))
    version = session.get_one(AssetVersion, vid)
    rows = bank_views.related_rows(session, found.related)
    todo = sum(1 for r in rows if r.state != "withdrawn") + (0 if found.is_withdrawn else 1)
    return render(request, "withdraw.html", page, found=found, version=version,
                  asset=version.asset, rows=rows,
                  expect=[found.version_id, *(r.version_id for r in rows)], todo=todo,
                  done=False, item_id=bank_views.latest_item_id(session, vid),
                  incident=records.get_incident(session, incident_id))


@router.post("/incidents/{incident_id}/actions")
def act(incident_id: IdPath, page: PageDep, session: SessionDep, state: StateDep,
        kind: Field = "", version_id: Field = "", replacement_id: Field = "",
        text: Field = "", channel: Field = "", reason: Field = "", rating: Field = "",
        placement_from: Field = "", placement_to: Field = "", to: Field = "",
        at: Field = "", expect: Annotated[list[BodyId] | None, Form()] = None) -> Response:
    """A response action from the page's forms (senior reviewers). Withdraw everywhere needs
    ``expect``, the ids its confirm step listed (:func:`withdraw_preview`)."""
    _require(page, senior=True)
    by, when = page.actor.audit_name, _moment(at)
    if kind == "withdraw_everywhere":
        ref = str(parse_id(version_id, "version id"))
        records.get_incident(session, incident_id)
        if not expect:
            raise InputError("confirm the list first: open withdraw everywhere from the "
                             "incident's page again")
        session.commit()  # withdraw everywhere runs its own transactions
        actions.withdraw_everywhere(state.engine, state.blobs, incident_id, ref, by=by,
                                    reason=reason, now=when, expect=expect)
        if state.bank is not None:
            state.bank.refresh(force=True)
    elif kind in ("replace", "copy_rewritten"):
        actions.link_replacement(session, incident_id, str(parse_id(version_id, "version id")),
                                 str(parse_id(replacement_id, "replacement id")), by=by,
                                 now=when, kind=kind)
    elif kind == "statement":
        actions.statement(session, incident_id, text, channel=channel, by=by, at=when)
    elif kind == "rating_changed":
        actions.rating_changed(session, incident_id, rating, by=by, reason=reason, at=when)
    elif kind == "placement_changed":
        vid = parse_id(version_id, "version id") if version_id.strip() else None
        actions.placement_changed(session, incident_id, placement_from=placement_from,
                                  placement_to=placement_to, by=by, reason=reason,
                                  version_id=vid, at=when)
    elif kind == "escalation":
        actions.escalate(session, incident_id, to=to, reason=reason, by=by, at=when)
    else:
        raise InputError(f"unknown action {kind!r}")
    return redirect(f"/incidents/{incident_id}#actions")


@router.post("/incidents/{incident_id}/measure")
def measure(incident_id: IdPath, page: PageDep, session: SessionDep) -> Response:
    """Measure every action's effect again (senior reviewers)."""
    _require(page, senior=True)
    measure_actions(session, records.get_incident(session, incident_id))
    return redirect(f"/incidents/{incident_id}#actions")


def alert_incident(session: Session, alert_id: int) -> int | None:
    """The incident an alert is linked to, for the alert's page."""
    if session.get(MonitorAlert, alert_id) is None:
        return None
    return session.scalar(select(IncidentAlert.incident_id).where(
        IncidentAlert.alert_id == alert_id).limit(1))
