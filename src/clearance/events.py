"""Domain events: what happened to an asset version (screened, decided, rejected, published,
withdrawn), raised by the code that made it happen and handed to whoever subscribed.

Code emits with :func:`emit` inside the transaction that makes the change; nothing is delivered
then. The session's :class:`EventBus` delivers the transaction's events in two phases:

* **in-transaction** handlers (``bus.subscribe_in_transaction``) run right before the commit, in
  the same transaction, with the session: what they write commits or rolls back with the change.
  The webhook outbox is one (a decision is never committed unannounced, nor announced
  uncommitted). A handler that raises fails the commit — keep them to database writes.
* **after-commit** handlers (``bus.subscribe``) run once the database committed, with the event
  only: side effects such as the hash bank's index. A failing one is logged and skipped; it never
  undoes or fails the change (which is committed already). They run in the committing thread, so
  anything slow belongs on a queue of its own.

Events emitted in a transaction that rolls back, or in a savepoint that does, are never
delivered (:mod:`clearance.pending` keeps them). A handler subscribed to a class gets its
subclasses too (``VersionEvent`` gets all of them), in subscription order.

Which bus: the one attached to the session (:func:`use_bus`, or
``session_scope(engine, bus=bus)``); a session without one gets a fresh :class:`EventBus`,
which always carries the built-in subscribers (the webhook outbox, the hash bank), so the CLI
and tests keep delivering decision webhooks and banking rejected and withdrawn versions. No bus
is global: the service makes one and passes it on.

Adding an event type is one class here (and a section in ``docs/events.md``: a test checks).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Final, TypeVar

from sqlalchemy.orm import Session

from clearance.errors import RegistryError
from clearance.pending import Pending, pending

log = logging.getLogger(__name__)

#: Where a session keeps its bus and its transaction's events.
_BUS_KEY: Final = "clearance.events.bus"
_PENDING_KEY: Final = "clearance.events.pending"
_NAME: Final = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every domain event; a concrete type sets ``name`` (``version.decided``), an
    intermediate one is declared ``abstract=True``. Frozen values, no ``slots`` (a slotted
    dataclass is rebuilt as a second class, which would register twice)."""

    name: ClassVar[str]
    _registry: ClassVar[dict[str, type[DomainEvent]]] = {}

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if abstract:
            return
        name = cls.__dict__.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise RegistryError(f"domain event class {cls.__qualname__} needs a name: "
                                f"ClassVar[str] of dotted lowercase words, got {name!r}")
        taken = DomainEvent._registry.get(name)
        if taken is not None:
            raise RegistryError(f"domain event name {name!r} is already taken by "
                                f"{taken.__module__}.{taken.__qualname__}")
        DomainEvent._registry[name] = cls

    def as_dict(self) -> dict[str, Any]:
        """The fields, for logs and tests (datetimes stay datetimes)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def event_types() -> tuple[type[DomainEvent], ...]:
    """Every concrete domain event type, in definition order."""
    return tuple(DomainEvent._registry.values())


@dataclass(frozen=True, kw_only=True)
class VersionEvent(DomainEvent, abstract=True):
    """Something happened to one asset version (of asset ``asset_id`` of title ``title_id``)
    at ``at``."""

    version_id: int
    asset_id: int
    title_id: str
    at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class VersionScreened(VersionEvent):
    """A screening record was stored for the version (import, upload, ``--title``, rescreen,
    shadow: ``requested_by``); ``decision`` is the policy's ``pass``/``review``/``block``."""

    name: ClassVar[str] = "version.screened"
    screening_id: int
    decision: str
    policy: str
    requested_by: str


@dataclass(frozen=True, kw_only=True)
class VersionDecided(VersionEvent):
    """A review round reached a final outcome (``approve``, ``reject``, ``request_changes``) on
    review item ``item_id``."""

    name: ClassVar[str] = "version.decided"
    item_id: int
    outcome: str
    screening_decision: str
    policy_version: str
    reviewers: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class VersionRejected(VersionEvent):
    """Reviewers rejected the version (raised with its :class:`VersionDecided`)."""

    name: ClassVar[str] = "version.rejected"
    item_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class VersionPublished(VersionEvent):
    """The version went live on its asset's channel and locale, replacing
    ``replaced_version_id`` if one was live."""

    name: ClassVar[str] = "version.published"
    replaced_version_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class VersionWithdrawn(VersionEvent):
    """The version was withdrawn for good (taken down wherever it was live), by ``by``."""

    name: ClassVar[str] = "version.withdrawn"
    reason: str
    by: str


@dataclass(frozen=True, kw_only=True)
class AlertRaised(DomainEvent):
    """The monitor raised alert ``alert_id`` (rule ``rule``, on ``signal``) about title
    ``title_id``, whose backlash began at ``onset``; ``at`` is when it was raised."""

    name: ClassVar[str] = "monitor.alert"
    alert_id: int
    rule: str
    title_id: str | None
    signal: str
    onset: dt.datetime
    at: dt.datetime
    #: The rule asks for an incident (``open_incident``): one is opened, or the alert is linked
    #: to the title's open one (:mod:`clearance.incidents.subscribers`).
    opens_incident: bool = False


@dataclass(frozen=True, kw_only=True)
class IncidentOpened(DomainEvent):
    """Incident ``incident_id`` about title ``title_id`` was opened (``reopened``: a closed one
    was opened again) at ``at``, ``opened_from`` an alert rule, a person or by hand."""

    name: ClassVar[str] = "incident.opened"
    incident_id: int
    title_id: str | None
    opened_from: str
    at: dt.datetime
    reopened: bool = False


@dataclass(frozen=True, kw_only=True)
class IncidentClosed(DomainEvent):
    """Incident ``incident_id`` about title ``title_id`` was closed at ``at`` by ``by``, for
    ``reason``."""

    name: ClassVar[str] = "incident.closed"
    incident_id: int
    title_id: str | None
    by: str
    reason: str
    at: dt.datetime


E = TypeVar("E", bound=DomainEvent)
InTransactionHandler = Callable[[Session, Any], None]
AfterCommitHandler = Callable[[Any], None]


class EventBus:
    """Who is told about which events. Shared by every session of a service (subscribing is
    thread-safe; do it at start-up); ``builtins=False`` leaves out the built-in subscribers
    (only for testing the bus itself)."""

    def __init__(self, *, builtins: bool = True) -> None:
        self._lock = threading.Lock()
        self._in_transaction: list[tuple[type[DomainEvent], InTransactionHandler]] = []
        self._after_commit: list[tuple[type[DomainEvent], AfterCommitHandler]] = []
        if builtins:
            from clearance.bank.subscribers import subscribe_bank
            from clearance.incidents.subscribers import subscribe_incidents
            from clearance.monitor.subscribers import subscribe_monitor
            from clearance.review import webhooks  # imported late: review imports this module

            webhooks.subscribe_outbox(self)
            subscribe_bank(self)  # rejected/withdrawn versions enter the hash bank
            subscribe_monitor(self)  # an alert is announced by an 'alert' webhook
            subscribe_incidents(self)  # an alert rule opens incidents; 'incident' webhooks

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        """Call ``handler(event)`` after each commit that emitted an ``event_type`` (or a
        subclass); a failing handler is logged and skipped."""
        self._check(event_type)
        with self._lock:
            self._after_commit.append((event_type, handler))

    def subscribe_in_transaction(self, event_type: type[E],
                                 handler: Callable[[Session, E], None]) -> None:
        """Call ``handler(session, event)`` right before the commit, in the transaction that
        emitted ``event_type`` (or a subclass); if it raises, the transaction rolls back."""
        self._check(event_type)
        with self._lock:
            self._in_transaction.append((event_type, handler))

    def attach(self, session: Session) -> None:
        """Deliver the events emitted in ``session`` through this bus
        (``session_scope(engine, bus=bus)`` does this)."""
        session.info[_BUS_KEY] = self

    @staticmethod
    def _check(event_type: type[DomainEvent]) -> None:
        if not (isinstance(event_type, type) and issubclass(event_type, DomainEvent)):
            raise RegistryError(f"cannot subscribe to {event_type!r}: not a DomainEvent type")

    def run_in_transaction(self, session: Session, event: DomainEvent) -> None:
        """The in-transaction phase for one event (called at commit by :func:`emit`'s hook)."""
        with self._lock:
            handlers = [h for t, h in self._in_transaction if isinstance(event, t)]
        for handler in handlers:
            handler(session, event)

    def run_after_commit(self, event: DomainEvent) -> None:
        """The after-commit phase for one event: every handler runs, failures are logged."""
        with self._lock:
            handlers = [h for t, h in self._after_commit if isinstance(event, t)]
        for handler in handlers:
            try:
                handler(event)
            except Exception:  # a subscriber's failure never reaches the committed change
                log.exception("after-commit handler %s failed on %s %s",
                              getattr(handler, "__qualname__", handler), event.name,
                              event.as_dict())


def use_bus(session: Session, bus: EventBus) -> None:
    """Deliver the events emitted in ``session`` through ``bus`` (``bus.attach(session)``)."""
    bus.attach(session)


def bus_of(session: Session) -> EventBus:
    """The session's bus; a session without one is given a fresh :class:`EventBus` (with the
    built-in subscribers)."""
    bus = session.info.get(_BUS_KEY)
    if not isinstance(bus, EventBus):
        bus = EventBus()
        use_bus(session, bus)
    return bus


def emit(session: Session, event: DomainEvent) -> None:
    """Raise ``event`` in ``session``'s transaction: its in-transaction handlers run right before
    the commit, its after-commit handlers after it; neither if the transaction (or the savepoint
    it was emitted in) rolls back."""
    if not isinstance(event, DomainEvent) or DomainEvent._registry.get(event.name) is not type(
            event):
        raise RegistryError(f"not a domain event type: {type(event).__name__}")
    queue = pending(session, _PENDING_KEY, before_commit=_dispatch_in_transaction,
                    after_commit=_dispatch_after_commit, order=0)
    if queue.is_sealed:  # emitted by a commit-time handler: dispatched on the spot
        queue.handed_on.append(event)
        bus_of(session).run_in_transaction(session, event)
    else:
        queue.add(session, event)


def _dispatch_in_transaction(session: Session, queue: Pending[DomainEvent]) -> None:
    bus = bus_of(session)
    for event in queue.take():  # the queue is sealed: events emitted by handlers run at once
        queue.handed_on.append(event)
        bus.run_in_transaction(session, event)


def _dispatch_after_commit(session: Session, queue: Pending[DomainEvent]) -> None:
    events, bus = list(queue.handed_on), bus_of(session)
    queue.handed_on.clear()
    for event in events:
        bus.run_after_commit(event)
