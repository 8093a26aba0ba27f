"""Signed webhooks: decisions pushed to subscribers, with retries and a delivery log.

Why an outbox: :func:`enqueue` writes one ``pending`` :class:`WebhookDelivery` per interested
subscription *in the same transaction* as the decision, so a decision is never announced unless
it committed and never committed without being announced. It is called by
:func:`subscribe_outbox`'s in-transaction handler of :class:`~clearance.events.VersionDecided`,
which every :class:`~clearance.events.EventBus` carries. :func:`deliver_due` (run by
:class:`WebhookWorker` inside ``clearance serve``) later POSTs them, outside that transaction.

Every request carries::

    X-Clearance-Event:      decision
    X-Clearance-Delivery:   <delivery id>
    X-Clearance-Timestamp:  <unix seconds>
    X-Clearance-Signature:  v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

A 2xx answer marks the delivery ``delivered``. Anything else (another status, a timeout, a refused
connection) is recorded (``attempts``, ``last_status_code``, ``last_error``) and retried after
``backoff * 2**(attempts-1)`` seconds (plus up to 10 % jitter, so a receiver coming back is not hit
by every sender at once), until ``max_attempts``, when it is ``failed``. See ``docs/webhooks.md``.

Where requests may go is :mod:`clearance.net`'s outbound rule, applied twice: when a URL is
subscribed (its form, and any IP literal or ``localhost`` name) and before every attempt (the host
resolved, every address checked, the request sent to the checked address). A delivery the rule
refuses, or whose URL cannot be used at all, is ``failed`` at once instead of staying pending.
``last_error`` holds a short generic phrase of ours (``HTTP 500``, ``timed out``, ``refused:
...``), never the receiver's answer: the admin who reads the delivery log must not be able to
use a webhook to read pages the server can reach. Details go to the server log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import httpx
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session

from clearance.errors import HostUnresolved, InputError, NotFound, OutboundRefused
from clearance.events import EventBus, VersionDecided
from clearance.net import STRICT, OutboundRule, Resolver, check_outbound_url, send, system_resolver
from clearance.review import audit
from clearance.review.audit import canonical
from clearance.settings import Settings
from clearance.storage.db import as_utc, session_scope
from clearance.storage.models import Asset
from clearance.storage.review_models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

#: Event types a subscription may ask for.
WEBHOOK_EVENTS: Final = ("decision", "withdrawal", "alert", "incident")
#: Header names (docs/webhooks.md lists them).
HEADER_EVENT: Final = "X-Clearance-Event"
HEADER_DELIVERY: Final = "X-Clearance-Delivery"
HEADER_TIMESTAMP: Final = "X-Clearance-Timestamp"
HEADER_SIGNATURE: Final = "X-Clearance-Signature"
SIGNATURE_VERSION: Final = "v1"
#: How much of an error phrase is kept in the delivery log (our own phrases are shorter).
_MAX_ERROR_CHARS: Final = 200


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _rule(outbound: Settings | OutboundRule | None) -> OutboundRule:
    if outbound is None:
        return STRICT
    return outbound if isinstance(outbound, OutboundRule) else OutboundRule.from_settings(outbound)


def _validate_url(url: str, outbound: OutboundRule) -> str:
    if not isinstance(url, str):
        raise InputError("webhook URL must be text")
    url = url.strip(" ")
    try:
        check_outbound_url(url, outbound, resolve=False)
    except OutboundRefused as exc:
        hint = "; the signature authenticates" if "password" in exc.reason else ""
        raise InputError(f"webhook URL refused: {exc.reason}{hint}") from exc
    return url


def subscribe(session: Session, by: str, url: str, secret: str | None = None,
              events: Sequence[str] = ("decision",), *,
              outbound: Settings | OutboundRule | None = None,
              ) -> tuple[WebhookSubscription, str]:
    """Add a subscription; returns it and its signing secret (generated when not given).

    The secret is returned so the caller can show it once; it is stored because every
    delivery is signed with it. ``url`` is checked against the outbound rule of ``outbound``
    (the service's settings; without them the strict rule: public addresses only), without
    DNS: the host's addresses are checked again at every delivery.
    """
    url = _validate_url(url, _rule(outbound))
    wanted = list(dict.fromkeys(events))
    unknown = [e for e in wanted if e not in WEBHOOK_EVENTS]
    if not wanted or unknown:
        raise InputError(f"webhook events must be among {', '.join(WEBHOOK_EVENTS)}; "
                         f"got {', '.join(unknown) or 'none'}")
    if secret is None:
        secret = "whsec_" + secrets.token_urlsafe(32)
    elif len(secret) < 16:
        raise InputError("a webhook secret must have at least 16 characters")
    sub = WebhookSubscription(url=url, secret=secret, events=wanted, active=True)
    session.add(sub)
    session.flush()
    audit.record(session, audit.WebhookSubscribed(subject=audit.Subject.webhook(sub.id),
                                                  url=url, events=tuple(wanted)), actor=by)
    return sub, secret


def unsubscribe(session: Session, by: str, sub_id: int) -> None:
    """Deactivate a subscription (kept, so its delivery log still names it); pending
    deliveries to it stop being attempted."""
    sub = session.get(WebhookSubscription, sub_id)
    if sub is None or not sub.active:
        raise NotFound(f"no active webhook subscription {sub_id}")
    sub.active = False
    session.flush()
    audit.record(session, audit.WebhookUnsubscribed(subject=audit.Subject.webhook(sub.id),
                                                    url=sub.url), actor=by)


#: The subscriptions, all or the active ones, built once: every final decision reads them
#: (:func:`enqueue`), and a statement built anew has its cache key recomputed each time.
_ALL_SUBSCRIPTIONS: Final = select(WebhookSubscription).order_by(WebhookSubscription.id)
_ACTIVE_SUBSCRIPTIONS: Final = _ALL_SUBSCRIPTIONS.where(WebhookSubscription.active.is_(True))


def list_subscriptions(session: Session, *, include_inactive: bool = False
                       ) -> list[WebhookSubscription]:
    query = _ALL_SUBSCRIPTIONS if include_inactive else _ACTIVE_SUBSCRIPTIONS
    return list(session.execute(query).scalars())


def list_deliveries(session: Session, *, status: str | None = None, limit: int = 100
                    ) -> list[WebhookDelivery]:
    """The delivery log, newest first."""
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(session.execute(query).scalars())


def enqueue(session: Session, event_type: str, payload: Mapping[str, Any]
            ) -> list[WebhookDelivery]:
    """One pending delivery per active subscription wanting ``event_type``, in ``session``'s
    transaction. All deliveries of one event share the body (and its ``id``), so a receiver can
    de-duplicate retries by that id."""
    subs = [s for s in list_subscriptions(session) if event_type in (s.events or [])]
    if not subs:
        return []
    now = _utcnow()
    body = canonical({"id": str(uuid.uuid4()), "type": event_type,
                      "created_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                      "data": dict(payload)})
    deliveries = [WebhookDelivery(subscription_id=s.id, event_type=event_type, payload=body,
                                  status="pending", attempts=0, next_attempt_at=now)
                  for s in subs]
    session.add_all(deliveries)
    session.flush()
    # wake running workers once the deliveries are visible to them, i.e. after the commit
    event.listen(session, "after_commit", _notify_listeners, once=True)
    return deliveries


def subscribe_outbox(bus: EventBus) -> None:
    """The built-in subscriber of every :class:`~clearance.events.EventBus`: a final decision's
    deliveries are written in the decision's own transaction (right before its commit)."""
    bus.subscribe_in_transaction(VersionDecided, _enqueue_decision)


def _enqueue_decision(session: Session, event: VersionDecided) -> None:
    asset = session.get_one(Asset, event.asset_id)
    enqueue(session, "decision", {
        "item_id": event.item_id, "version_id": event.version_id, "title_id": event.title_id,
        "asset": {"kind": asset.kind, "locale": asset.locale, "channel": asset.channel},
        "outcome": event.outcome, "screening_decision": event.screening_decision,
        "policy_version": event.policy_version, "reviewers": list(event.reviewers),
        "decided_at": as_utc(event.at).isoformat(),
    })


def _notify_listeners(_session: Session) -> None:
    for listener in list(_listeners):
        listener()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=`` + hex HMAC-SHA256 over ``"<timestamp>." + body``: binding the timestamp stops a
    captured request from being replayed later with a fresh timestamp."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def verify_signature(secret: str, timestamp: int | str, body: bytes, signature: str, *,
                     tolerance_s: float = 300, now: float | None = None) -> bool:
    """What a receiver does: the timestamp is recent (within ``tolerance_s``) and the signature
    matches the body, compared in constant time."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature.strip())


def _backoff(backoff_s: float, attempts: int) -> float:
    delay = backoff_s * float(2 ** max(attempts - 1, 0))
    return delay + random.uniform(0, delay * 0.1)


def _claim_due(engine: Engine, now: dt.datetime, limit: int, lease_s: float
               ) -> list[tuple[int, str, str, str, str]]:
    """Pick due pending deliveries and push their ``next_attempt_at`` past the attempt, so
    another worker (thread or process) does not send them too.

    PostgreSQL skips rows another worker has locked (``FOR UPDATE SKIP LOCKED``); on every
    backend the push is a conditional UPDATE (still pending and due) whose row count is checked,
    so two workers that read the same row cannot both claim it.
    """
    with session_scope(engine) as session:
        query = (select(WebhookDelivery.id, WebhookDelivery.event_type, WebhookSubscription.url,
                        WebhookSubscription.secret, WebhookDelivery.payload)
                 .join(WebhookSubscription)
                 .where(WebhookDelivery.status == "pending",
                        WebhookDelivery.next_attempt_at <= now,
                        WebhookSubscription.active.is_(True))
                 .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                 .limit(limit))
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
        lease_until = now + dt.timedelta(seconds=lease_s)
        claimed = []
        for row in session.execute(query).all():
            result = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == row.id, WebhookDelivery.status == "pending",
                       WebhookDelivery.next_attempt_at <= now)
                .values(next_attempt_at=lease_until)
                .execution_options(synchronize_session=False))
            if getattr(result, "rowcount", 0) == 1:
                claimed.append((row.id, row.event_type, row.url, row.secret, row.payload))
        return claimed


#: What an attempt came to: (status code, generic error or None, whether to stop retrying).
Attempt = tuple[int | None, str | None, bool]


def _transport_error(exc: httpx.HTTPError) -> str:
    """A short generic phrase for a failed request (the details go to the log only)."""
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the receiver broke the HTTP protocol"
    return "request failed"


def _post(client: httpx.Client, delivery_id: int, event_type: str, url: str, secret: str,
          body: str, timeout_s: float, outbound: OutboundRule, resolver: Resolver) -> Attempt:
    try:
        target = check_outbound_url(url, outbound, resolver=resolver)
    except HostUnresolved as exc:
        log.info("webhook delivery %s: %s", delivery_id, exc.message)
        return None, "could not resolve the host", False
    except OutboundRefused as exc:
        log.warning("webhook delivery %s refused: %s", delivery_id, exc.message)
        return None, f"refused: {exc.reason}"[:_MAX_ERROR_CHARS], True
    raw = body.encode()
    ts = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "clearance-webhooks/1",
               HEADER_EVENT: event_type, HEADER_DELIVERY: str(delivery_id),
               HEADER_TIMESTAMP: str(ts), HEADER_SIGNATURE: sign(secret, ts, raw)}
    try:
        response = send(client, "POST", target, content=raw, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        log.info("webhook delivery %s to %s: %s: %s", delivery_id, url, type(exc).__name__, exc)
        return None, _transport_error(exc), False
    response.close()  # the receiver's body is never read, stored or shown
    if 200 <= response.status_code < 300:
        return response.status_code, None, False
    return response.status_code, f"HTTP {response.status_code}", False


def deliver_due(engine: Engine, *, now: dt.datetime | None = None,
                client: httpx.Client | None = None, limit: int = 50, max_attempts: int,
                backoff_s: float, timeout_s: float,
                outbound: Settings | OutboundRule | None = None,
                resolver: Resolver = system_resolver) -> int:
    """Send every due pending delivery once; returns how many were attempted.

    Each attempt is recorded in its own transaction: status code or generic error,
    ``attempts``, and either ``delivered`` / ``failed`` or the next attempt time. Before each
    attempt the URL is checked against the outbound rule (``outbound``: settings or a rule;
    the strict rule without them) with its host resolved by ``resolver``; a refused URL fails
    the delivery at once, and an attempt that raises anything unexpected still counts as one.
    """
    rule = _rule(outbound)
    when = as_utc(now) if now is not None else _utcnow()
    claimed = _claim_due(engine, when, limit, lease_s=timeout_s + 60)
    if not claimed:
        return 0
    own = client is None
    http = client if client is not None else httpx.Client(follow_redirects=False)
    try:
        for delivery_id, event_type, url, secret, body in claimed:
            try:
                code, error, is_final = _post(http, delivery_id, event_type, url, secret, body,
                                              timeout_s, rule, resolver)
            except Exception:  # a bug must not leave the delivery pending forever: count it
                log.exception("webhook delivery %s: unexpected failure", delivery_id)
                code, error, is_final = None, "internal error", False
            finished = when if now is not None else _utcnow()
            with session_scope(engine) as session:
                delivery = session.get_one(WebhookDelivery, delivery_id)
                delivery.attempts += 1
                log.info("webhook delivery %s to %s: attempt %s -> %s", delivery_id, url,
                         delivery.attempts, code if code is not None else error)
                delivery.last_status_code = code
                delivery.last_error = error
                if error is None:
                    delivery.status = "delivered"
                    delivery.delivered_at = finished
                elif is_final or delivery.attempts >= max_attempts:
                    delivery.status = "failed"
                    log.warning("webhook delivery %s failed after %s attempts: %s",
                                delivery_id, delivery.attempts, error)
                else:
                    delivery.next_attempt_at = finished + dt.timedelta(
                        seconds=_backoff(backoff_s, delivery.attempts))
    finally:
        if own:
            http.close()
    return len(claimed)


#: Called after :func:`enqueue` adds deliveries (a worker's ``notify``), so they go out
#: promptly instead of at the next tick. The event is only a hint: nothing is lost without it.
_listeners: list[Callable[[], None]] = []


class WebhookWorker:
    """A daemon thread that calls :func:`deliver_due` every ``interval_s`` seconds and whenever
    :meth:`notify` is called (``enqueue`` notifies running workers)."""

    def __init__(self, engine: Engine, *, max_attempts: int, backoff_s: float, timeout_s: float,
                 interval_s: float = 1.0, outbound: OutboundRule = STRICT) -> None:
        self.engine = engine
        self.outbound = outbound
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings, *, interval_s: float = 1.0
                      ) -> WebhookWorker:
        """A worker with ``CLEARANCE_WEBHOOK_*`` attempts, backoff and timeout, and the
        settings' outbound rule (``CLEARANCE_ENVIRONMENT``, ``CLEARANCE_OUTBOUND_ALLOW``)."""
        return cls(engine, max_attempts=settings.webhook_max_attempts,
                   backoff_s=settings.webhook_backoff_seconds,
                   timeout_s=settings.webhook_timeout_seconds, interval_s=interval_s,
                   outbound=OutboundRule.from_settings(settings))

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="clearance-webhooks", daemon=True)
        self._thread.start()
        _listeners.append(self.notify)

    def notify(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        if self.notify in _listeners:
            _listeners.remove(self.notify)
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        with httpx.Client(follow_redirects=False) as client:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    deliver_due(self.engine, client=client, max_attempts=self.max_attempts,
                                backoff_s=self.backoff_s, timeout_s=self.timeout_s,
                                outbound=self.outbound)
                except Exception:  # a database hiccup must not kill the worker; retried next tick
                    log.exception("webhook delivery pass failed")
                self._wake.wait(self.interval_s)
