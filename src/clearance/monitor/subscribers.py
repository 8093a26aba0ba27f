"""The monitor's built-in domain-event subscriber (every :class:`~clearance.events.EventBus`
carries it, as it carries the webhook outbox and the bank's): an
:class:`~clearance.events.AlertRaised` writes an ``alert`` webhook delivery to every subscription
that asked for ``alert``, in the transaction that stores the alert (``docs/webhooks.md``), so an
alert is never announced unless stored nor stored unannounced.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from clearance.events import AlertRaised, EventBus
from clearance.storage.monitor_models import MonitorAlert


def subscribe_monitor(bus: EventBus) -> None:
    bus.subscribe_in_transaction(AlertRaised, _announce_alert)


def _announce_alert(session: Session, event: AlertRaised) -> None:
    from clearance.monitor.alert_context import alert_view
    from clearance.review import webhooks

    alert = session.get(MonitorAlert, event.alert_id)
    if alert is None:  # pragma: no cover - emitted right after the insert
        return
    webhooks.enqueue(session, "alert", alert_view(session, alert))
