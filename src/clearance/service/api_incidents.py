"""API routes of incidents (``docs/api.md``, ``docs/incidents.md``): list, open, read, change
state and owner, link, act, measure, learn, report.

Who may: reviewers and above read incidents, their learning and their report (the top posts are
the monitor's personal data: submitters do not see them); senior reviewers and admins open them,
move them, give them to someone, link to them and take the response actions (withdraw everywhere
takes every near-copy of a version down for good, as on the bank's own route).

Withdraw everywhere hashes catalog versions that were never hashed in transactions of its own
(:mod:`clearance.bank.lineage`), so that route ends the request's transaction before it starts;
everything else is the request's one transaction. A replacement (``replace``,
``copy_rewritten``) is uploaded through ``POST /api/titles/{id}/assets`` first, where it is
screened in its campaign and queued; the action links it and routes it into review if needed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from clearance.errors import InputError, UnknownReference
from clearance.incidents import actions, records
from clearance.incidents.learning import learn
from clearance.incidents.outcome import measure_actions, theme_shift
from clearance.incidents.report import render_html
from clearance.incidents.views import action_view, incident_summary, incident_view
from clearance.policy.loader import load_policy
from clearance.service.deps import ReviewerDep, SeniorDep, SessionDep, StateDep
from clearance.service.incident_schemas import (
    ActionIn,
    IncidentActionPublic,
    IncidentDetail,
    IncidentLearning,
    IncidentLinkIn,
    IncidentList,
    IncidentMeasured,
    IncidentOpenIn,
    IncidentOwnerIn,
    IncidentStateIn,
    MeasureIn,
    ReplaceAction,
    State,
    WithdrawAction,
)
from clearance.service.params import IdPath, Offset
from clearance.storage.incident_models import IncidentAction
from clearance.storage.monitor_models import MonitorAlert

router = APIRouter(prefix="/incidents", tags=["incidents"])


def _detail(session: Session, incident_id: int) -> IncidentDetail:
    return IncidentDetail.model_validate(incident_view(
        session, records.get_incident(session, incident_id)))


@router.get("")
def list_incidents(actor: ReviewerDep, session: SessionDep, state: State | None = None,
                   title_id: Annotated[str | None, Query(max_length=64)] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50,
                   offset: Offset = 0) -> IncidentList:
    """Incidents, newest first (``state``, ``title_id`` to narrow)."""
    rows = records.list_incidents(session, state=state, title_id=title_id, limit=limit,
                                  offset=offset)
    return IncidentList.model_validate({"incidents": [incident_summary(session, i)
                                                      for i in rows]})


@router.post("", status_code=201)
def open_incident(body: IncidentOpenIn, actor: SeniorDep, session: SessionDep
                  ) -> IncidentDetail:
    """Open an incident from an alert (``alert_id``: opened by a person) or by hand
    (``title_id``); the versions live at the onset are linked with how each got out."""
    incident = records.open_incident(
        session, title_id=body.title_id, name=body.name, by=actor.audit_name,
        opened_from="person" if body.alert_id is not None else "hand",
        alert_id=body.alert_id, owner=body.owner,
        onset=body.onset)
    return _detail(session, incident.id)


@router.get("/{incident_id}")
def get_incident(incident_id: IdPath, actor: ReviewerDep, session: SessionDep
                 ) -> IncidentDetail:
    """An incident: its versions with how each got out, alerts, petitions, top posts (read
    now: a deleted post stays deleted), actions with their effects, and its timeline."""
    return _detail(session, incident_id)


@router.post("/{incident_id}/state")
def set_state(incident_id: IdPath, body: IncidentStateIn, actor: SeniorDep,
              session: SessionDep) -> IncidentDetail:
    """Move it to another state (409 when that state cannot follow; closing needs a reason)."""
    records.set_state(session, records.get_incident(session, incident_id), body.state,
                      by=actor.audit_name, reason=body.reason)
    return _detail(session, incident_id)


@router.put("/{incident_id}/owner")
def set_owner(incident_id: IdPath, body: IncidentOwnerIn, actor: SeniorDep,
              session: SessionDep) -> IncidentDetail:
    """Give it to an active user (``null``: to nobody)."""
    records.set_owner(session, records.get_incident(session, incident_id), body.owner,
                      by=actor.audit_name)
    return _detail(session, incident_id)


@router.post("/{incident_id}/links")
def link(incident_id: IdPath, body: IncidentLinkIn, actor: SeniorDep,
         session: SessionDep) -> IncidentDetail:
    """Link an alert (its themes, top posts and the title's petitions join) and/or a version
    of the title (with how it got out)."""
    if body.alert_id is None and body.version_id is None:
        raise InputError("give alert_id or version_id")
    incident = records.get_incident(session, incident_id)
    if body.alert_id is not None:
        alert = session.get(MonitorAlert, body.alert_id)
        if alert is None:
            raise UnknownReference(f"no alert {body.alert_id}")
        records.link_alert(session, incident, alert, by=actor.audit_name)
    if body.version_id is not None:
        records.link_version(session, incident, body.version_id, by=actor.audit_name)
    return _detail(session, incident_id)


@router.post("/{incident_id}/actions", status_code=201)
def act(incident_id: IdPath, body: ActionIn, actor: SeniorDep, session: SessionDep,
        state: StateDep) -> IncidentActionPublic:
    """Take a response action and record it on the timeline in the same transaction (409 on a
    closed incident)."""
    by = actor.audit_name
    at = body.at
    action: IncidentAction
    if isinstance(body, WithdrawAction):
        records.get_incident(session, incident_id)  # 404 before anything is hashed
        session.commit()  # withdraw everywhere runs its own transactions
        action = actions.withdraw_everywhere(state.engine, state.blobs, incident_id,
                                             str(body.version_id), by=by, reason=body.reason,
                                             now=at, expect=body.expect)
        if state.bank is not None:
            state.bank.refresh(force=True)
        return IncidentActionPublic.model_validate(action_view(action))
    if isinstance(body, ReplaceAction):
        action = actions.link_replacement(session, incident_id, str(body.version_id),
                                          str(body.replacement_id), by=by, now=at,
                                          kind=body.kind)
    elif body.kind == "statement":
        action = actions.statement(session, incident_id, body.text, channel=body.channel,
                                   by=by, at=at)
    elif body.kind == "rating_changed":
        action = actions.rating_changed(session, incident_id, body.rating, by=by,
                                        reason=body.reason, at=at)
    elif body.kind == "placement_changed":
        action = actions.placement_changed(session, incident_id,
                                           placement_from=body.placement_from,
                                           placement_to=body.placement_to, by=by,
                                           reason=body.reason, version_id=body.version_id,
                                           at=at)
    else:
        action = actions.escalate(session, incident_id, to=body.to, reason=body.reason, by=by,
                                  at=at)
    return IncidentActionPublic.model_validate(action_view(action))


@router.post("/{incident_id}/measure")
def measure(incident_id: IdPath, body: MeasureIn, actor: SeniorDep,
            session: SessionDep) -> IncidentMeasured:
    """Measure the effect of every action again (stored on each) and the theme shift."""
    incident = records.get_incident(session, incident_id)
    done = measure_actions(session, incident, hours=body.hours)
    return IncidentMeasured.model_validate({
        "actions": [action_view(a) for a in done],
        "theme_shift": theme_shift(session, incident, hours=body.hours)})


@router.get("/{incident_id}/learning")
def learning(incident_id: IdPath, actor: ReviewerDep, session: SessionDep,
             state: StateDep) -> IncidentLearning:
    """What screening saw on the causes and a draft policy change tried with the what-if over
    the whole catalog (stored findings, no model; nothing adopted)."""
    live = load_policy(state.settings.policy_file)
    return IncidentLearning.model_validate(
        learn(session, records.get_incident(session, incident_id), live))


@router.get("/{incident_id}/report", response_class=Response,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                             "description": "the standalone HTML report"}})
def report(incident_id: IdPath, actor: ReviewerDep, session: SessionDep,
           state: StateDep) -> Response:
    """The incident's standalone HTML report (charts as SVG, no picture, no script)."""
    incident = records.get_incident(session, incident_id)
    html = render_html(session, incident_id, learning=learn(
        session, incident, load_policy(state.settings.policy_file)),
        shift=theme_shift(session, incident))
    return Response(html, media_type="text/html; charset=utf-8", headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                   "img-src data:",
        "Cache-Control": "no-store"})
