"""The incidents' built-in domain-event subscribers (every :class:`~clearance.events.EventBus`
carries them, as it carries the webhook outbox, the bank's and the monitor's), all run in the
transaction of the change:

* :class:`~clearance.events.AlertRaised` of a rule with ``open_incident: true`` opens an incident
  (``opened_from="alert"``, actor ``system``) — or, when the title has one that is not closed,
  links the alert to it: one backlash, one incident;
* :class:`~clearance.events.IncidentOpened` and :class:`~clearance.events.IncidentClosed` write
  the signed ``incident`` webhook (``docs/webhooks.md``), so an incident is never announced
  unless stored, nor stored unannounced.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from clearance.events import AlertRaised, EventBus, IncidentClosed, IncidentOpened
from clearance.storage.db import as_utc
from clearance.storage.monitor_models import MonitorAlert

SYSTEM = "system"


def subscribe_incidents(bus: EventBus) -> None:
    bus.subscribe_in_transaction(AlertRaised, _open_from_alert)
    bus.subscribe_in_transaction(IncidentOpened, _announce)
    bus.subscribe_in_transaction(IncidentClosed, _announce)


def _open_from_alert(session: Session, event: AlertRaised) -> None:
    if not event.opens_incident or event.title_id is None:
        return
    from clearance.incidents import records

    alert = session.get(MonitorAlert, event.alert_id)
    if alert is None:  # pragma: no cover - emitted right after the insert
        return
    at = as_utc(event.at)
    current = records.open_incident_of(session, event.title_id)
    if current is not None:
        records.link_alert(session, current, alert, by=SYSTEM, now=at)
        return
    records.open_incident(session, by=SYSTEM, opened_from="alert", alert_id=alert.id, now=at,
                          dedup_key=f"alert:{alert.id}")


def _announce(session: Session, event: IncidentOpened | IncidentClosed) -> None:
    from clearance.incidents import views
    from clearance.review import webhooks
    from clearance.storage.incident_models import Incident

    incident = session.get(Incident, event.incident_id)
    if incident is None:  # pragma: no cover - emitted after the insert
        return
    if isinstance(event, IncidentClosed):
        change = "closed"
    else:
        change = "reopened" if event.reopened else "opened"
    webhooks.enqueue(session, "incident", {"change": change,
                                           **views.incident_summary(session, incident)})
