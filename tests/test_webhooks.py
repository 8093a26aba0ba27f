"""Webhooks against a real HTTP receiver on loopback that checks the signature and timestamp as
docs/webhooks.md tells subscribers to: retries with backoff, the delivery log, failure after the
last attempt, unreachable receivers, the background worker.

The receiver listens on 127.0.0.1, which the outbound rule refuses outside development: these
tests run in the ``test`` environment with ``CLEARANCE_OUTBOUND_ALLOW=["127.0.0.1"]`` (not in
development, where addresses are not checked at all), so every delivery here goes through the
same checks as production and the allow-list admits exactly the receiver's address."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select
from sqlalchemy.pool import NullPool

from clearance.cli.main import cli
from clearance.errors import InputError, NotFound
from clearance.net import OutboundRule
from clearance.review import audit, webhooks
from clearance.settings import Settings
from clearance.storage import make_engine, session_scope, upgrade
from clearance.storage.review_models import WebhookDelivery

SECRET = "test-secret-0123456789"
#: The test environment's rule: public addresses, and the local receiver's address.
LOCAL_SETTINGS = Settings(environment="test", outbound_allow=["127.0.0.1"])
LOCAL = OutboundRule.from_settings(LOCAL_SETTINGS)
FAST: dict[str, Any] = {"backoff_s": 0.05, "timeout_s": 2.0, "outbound": LOCAL}


@dataclass
class Received:
    at: float
    body: bytes
    headers: dict[str, str]
    signature_ok: bool


@dataclass
class Receiver:
    """A subscriber: answers with ``codes`` in turn (the last one repeated)."""

    codes: list[int]
    secret: str = SECRET
    received: list[Received] = field(default_factory=list)
    url: str = ""
    got_one: threading.Event = field(default_factory=threading.Event)

    def answer(self, body: bytes, headers: dict[str, str]) -> int:
        ok = webhooks.verify_signature(self.secret, headers.get("X-Clearance-Timestamp", ""),
                                       body, headers.get("X-Clearance-Signature", ""))
        self.received.append(Received(time.monotonic(), body, headers, ok))
        self.got_one.set()
        if not ok:
            return 401
        return self.codes[min(len(self.received) - 1, len(self.codes) - 1)]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(codes=[200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            code = state.answer(body, {k: v for k, v in self.headers.items()})
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/clearance"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _subscribe_and_enqueue(engine: Engine, url: str, payload: dict[str, object] | None = None
                           ) -> int:
    with session_scope(engine) as session:
        webhooks.subscribe(session, "user:admin", url, SECRET, outbound=LOCAL)
        [delivery] = webhooks.enqueue(session, "decision", payload or {"item_id": 7,
                                                                        "outcome": "reject"})
        return delivery.id


def _delivery(engine: Engine, delivery_id: int) -> WebhookDelivery:
    with session_scope(engine) as session:
        return session.get_one(WebhookDelivery, delivery_id)


def _deliver_until_settled(engine: Engine, delivery_id: int, *, max_attempts: int,
                           deadline_s: float = 5.0) -> WebhookDelivery:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        webhooks.deliver_due(engine, max_attempts=max_attempts, **FAST)
        delivery = _delivery(engine, delivery_id)
        if delivery.status != "pending":
            return delivery
        time.sleep(0.01)
    raise AssertionError("delivery did not settle in time")


def test_sign_and_verify() -> None:
    body = b'{"id":"1","type":"decision"}'
    now = 1_700_000_000
    sig = webhooks.sign(SECRET, now, body)
    assert sig.startswith("v1=") and len(sig) == 3 + 64
    assert webhooks.verify_signature(SECRET, now, body, sig, now=now + 10)
    assert webhooks.verify_signature(SECRET, str(now), body, sig, now=now)
    assert not webhooks.verify_signature(SECRET, now, body.replace(b"1", b"2"), sig, now=now)
    assert not webhooks.verify_signature("another-secret-123", now, body, sig, now=now)
    assert not webhooks.verify_signature(SECRET, now + 1, body, sig, now=now)  # ts is signed
    assert not webhooks.verify_signature(SECRET, now, body, sig, now=now + 301)  # too old
    assert not webhooks.verify_signature(SECRET, "soon", body, sig, now=now)


def test_subscribe_validates_and_audits(engine: Engine) -> None:
    with session_scope(engine) as session:
        for bad in ("ftp://example.com/x", "example.com/hook", "http://u:p@example.com/",
                    "https:///nohost"):
            with pytest.raises(InputError):
                webhooks.subscribe(session, "system", bad)
        with pytest.raises(InputError, match="16 characters"):
            webhooks.subscribe(session, "system", "https://example.com/h", "short")
        with pytest.raises(InputError, match="events"):
            webhooks.subscribe(session, "system", "https://example.com/h", events=("nope",))
        sub, secret = webhooks.subscribe(session, "user:admin", "https://example.com/h")
        assert secret.startswith("whsec_") and len(secret) > 30 and sub.secret == secret
        webhooks.unsubscribe(session, "user:admin", sub.id)
        with pytest.raises(NotFound):
            webhooks.unsubscribe(session, "user:admin", sub.id)
        assert webhooks.enqueue(session, "decision", {"item_id": 1}) == []
    with session_scope(engine) as session:  # audit events are appended at the commit
        events = [(e.type, e.actor, e.subject) for e in audit.iter_events(session)]
    assert events == [("webhook.subscribe", "user:admin", f"webhook:{sub.id}"),
                      ("webhook.unsubscribe", "user:admin", f"webhook:{sub.id}")]


def test_enqueue_is_part_of_the_callers_transaction(engine: Engine) -> None:
    with session_scope(engine) as session:
        webhooks.subscribe(session, "system", "https://a.example/h", SECRET)
        webhooks.subscribe(session, "system", "https://b.example/h", SECRET)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        assert len(webhooks.enqueue(session, "decision", {"item_id": 1})) == 2
        raise RuntimeError("the decision failed")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
        deliveries = webhooks.enqueue(session, "decision", {"item_id": 2})
        assert webhooks.enqueue(session, "not-subscribed", {}) == []
    bodies = {d.payload for d in deliveries}
    assert len(bodies) == 1  # one event id for every subscriber
    body = json.loads(bodies.pop())
    assert set(body) == {"id", "type", "created_at", "data"}
    assert body["type"] == "decision" and body["data"] == {"item_id": 2}


def test_500_then_200_is_retried_with_backoff_and_delivered(
        engine: Engine, receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    receiver.codes = [500, 500, 200]
    delivery_id = _subscribe_and_enqueue(engine, receiver.url)
    caplog.set_level(logging.INFO, logger="clearance.review.webhooks")

    assert webhooks.deliver_due(engine, max_attempts=5, **FAST) == 1
    first = _delivery(engine, delivery_id)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert first.last_error == "HTTP 500"  # the receiver's body is never stored
    # not due again before the backoff has passed
    assert webhooks.deliver_due(engine, max_attempts=5, **FAST) == 0

    done = _deliver_until_settled(engine, delivery_id, max_attempts=5)
    assert (done.status, done.attempts, done.last_status_code, done.last_error) == (
        "delivered", 3, 200, None)
    assert done.delivered_at is not None
    assert [r.signature_ok for r in receiver.received] == [True, True, True]
    gaps = [b.at - a.at for a, b in itertools.pairwise(receiver.received)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # backoff * 2**(attempts-1)
    # every attempt is the same event, signed afresh
    first_req = receiver.received[0]
    assert {r.body for r in receiver.received} == {first_req.body}
    assert first_req.headers["X-Clearance-Event"] == "decision"
    assert first_req.headers["X-Clearance-Delivery"] == str(delivery_id)
    assert first_req.headers["Content-Type"] == "application/json"
    assert json.loads(first_req.body)["data"] == {"item_id": 7, "outcome": "reject"}
    attempts = [m for m in caplog.messages if f"delivery {delivery_id} " in m]
    assert [m.rsplit(" -> ", 1)[1] for m in attempts] == ["500", "500", "200"]
    # delivered stays delivered
    assert webhooks.deliver_due(engine, max_attempts=5, **FAST) == 0
    assert len(receiver.received) == 3


def test_always_failing_receiver_fails_after_max_attempts(
        engine: Engine, receiver: Receiver) -> None:
    receiver.codes = [503]
    delivery_id = _subscribe_and_enqueue(engine, receiver.url)
    done = _deliver_until_settled(engine, delivery_id, max_attempts=3)
    assert (done.status, done.attempts, done.last_status_code) == ("failed", 3, 503)
    assert len(receiver.received) == 3
    assert webhooks.deliver_due(engine, max_attempts=3, **FAST) == 0  # never retried again


def test_unreachable_receiver_records_the_error(engine: Engine) -> None:
    delivery_id = _subscribe_and_enqueue(engine, f"http://127.0.0.1:{_free_port()}/hook")
    assert webhooks.deliver_due(engine, max_attempts=2, **FAST) == 1
    first = _delivery(engine, delivery_id)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, None)
    assert first.last_error == "could not connect"  # generic: no exception text stored
    done = _deliver_until_settled(engine, delivery_id, max_attempts=2)
    assert (done.status, done.attempts) == ("failed", 2)


def test_receiver_refuses_a_wrong_secret(engine: Engine, receiver: Receiver) -> None:
    receiver.secret = "not-the-subscription-secret"
    delivery_id = _subscribe_and_enqueue(engine, receiver.url)
    webhooks.deliver_due(engine, max_attempts=1, **FAST)
    assert receiver.received[0].signature_ok is False
    assert _delivery(engine, delivery_id).last_status_code == 401


def test_deliver_due_honours_now(engine: Engine, receiver: Receiver) -> None:
    receiver.codes = [500, 200]
    delivery_id = _subscribe_and_enqueue(engine, receiver.url)
    t0 = dt.datetime.now(dt.UTC)
    webhooks.deliver_due(engine, now=t0, max_attempts=3, backoff_s=60, timeout_s=2,
                         outbound=LOCAL)
    retry_at = _delivery(engine, delivery_id).next_attempt_at.replace(tzinfo=dt.UTC)
    assert t0 + dt.timedelta(seconds=60) <= retry_at <= t0 + dt.timedelta(seconds=66.1)
    assert webhooks.deliver_due(engine, now=t0 + dt.timedelta(seconds=59), max_attempts=3,
                                backoff_s=60, timeout_s=2, outbound=LOCAL) == 0
    assert webhooks.deliver_due(engine, now=t0 + dt.timedelta(seconds=67), max_attempts=3,
                                backoff_s=60, timeout_s=2, outbound=LOCAL) == 1
    assert _delivery(engine, delivery_id).status == "delivered"


def test_worker_delivers_in_the_background(engine: Engine, receiver: Receiver) -> None:
    settings = Settings(webhook_max_attempts=3, webhook_backoff_seconds=0.05,
                        webhook_timeout_seconds=2, environment="test",
                        outbound_allow=["127.0.0.1"])
    worker = webhooks.WebhookWorker.from_settings(engine, settings, interval_s=30)
    assert (worker.max_attempts, worker.backoff_s, worker.timeout_s) == (3, 0.05, 2)
    assert worker.outbound == LOCAL
    worker.start()
    try:
        assert worker.running
        started = time.monotonic()
        delivery_id = _subscribe_and_enqueue(engine, receiver.url)  # enqueue wakes the worker
        assert receiver.got_one.wait(5)
        assert time.monotonic() - started < 5  # woken, not waiting for the 30 s tick
        end = time.monotonic() + 5
        while _delivery(engine, delivery_id).status != "delivered":
            assert time.monotonic() < end, "the worker did not record the delivery"
            time.sleep(0.02)
    finally:
        worker.stop()
    assert not worker.running
    assert len(receiver.received) == 1 and receiver.received[0].signature_ok


@pytest.mark.postgres
def test_concurrent_workers_send_each_delivery_once(postgres_url: str,
                                                    receiver: Receiver) -> None:
    upgrade(postgres_url)
    engine = make_engine(postgres_url, poolclass=NullPool)
    with session_scope(engine) as session:
        webhooks.subscribe(session, "system", receiver.url, SECRET, outbound=LOCAL)
        for i in range(20):
            webhooks.enqueue(session, "decision", {"item_id": i})
    barrier = threading.Barrier(4)

    def work() -> None:
        barrier.wait()
        for _ in range(3):
            webhooks.deliver_due(engine, max_attempts=3, limit=5, **FAST)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with session_scope(engine) as session:
        states = session.execute(select(WebhookDelivery.status, WebhookDelivery.attempts)).all()
    engine.dispose()
    assert sorted(set(states)) == [("delivered", 1)] and len(states) == 20
    ids = [r.headers["X-Clearance-Delivery"] for r in receiver.received]
    assert len(ids) == 20 and len(set(ids)) == 20


def test_cli_add_list_remove_deliveries(database_url: str, receiver: Receiver) -> None:
    upgrade(database_url)  # the CLI migrates only the embedded SQLite database itself
    env = {"CLEARANCE_DATABASE_URL": database_url, "CLEARANCE_ENVIRONMENT": "test",
           "CLEARANCE_OUTBOUND_ALLOW": '["127.0.0.1"]'}
    runner = CliRunner()
    added = runner.invoke(cli, ["webhooks", "add", receiver.url, "--secret", SECRET], env=env)
    assert added.exit_code == 0, added.output
    assert f"secret: {SECRET}" in added.stdout and "not shown again" in added.stderr
    listed = runner.invoke(cli, ["webhooks", "list"], env=env)
    assert listed.exit_code == 0 and receiver.url in listed.stdout
    assert SECRET not in listed.stdout
    bad = runner.invoke(cli, ["webhooks", "add", "gopher://x"], env=env)
    assert bad.exit_code == InputError.exit_code

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        webhooks.enqueue(session, "decision", {"item_id": 1})
    webhooks.deliver_due(engine, max_attempts=3, **FAST)
    engine.dispose()
    log = runner.invoke(cli, ["webhooks", "deliveries", "--status", "delivered"], env=env)
    assert log.exit_code == 0 and "delivered" in log.stdout and "200" in log.stdout
    none = runner.invoke(cli, ["webhooks", "deliveries", "--status", "failed"], env=env)
    assert "no deliveries" in none.stdout

    removed = runner.invoke(cli, ["webhooks", "remove", "1"], env=env)
    assert removed.exit_code == 0
    assert "no webhook subscriptions" in runner.invoke(cli, ["webhooks", "list"], env=env).stdout
    assert runner.invoke(cli, ["webhooks", "remove", "1"], env=env).exit_code == NotFound.exit_code


def test_the_documented_receiver_check_accepts_a_real_delivery(
        engine: Engine, receiver: Receiver) -> None:
    """docs/webhooks.md's stdlib-only verification agrees with what Clearance sends."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "webhooks.md").read_text("utf-8")
    snippet = re.search(r"```python\n(.*?)```", doc, re.S)
    assert snippet is not None
    namespace: dict[str, Any] = {}
    exec(compile(snippet.group(1), "docs/webhooks.md", "exec"), namespace)
    check = namespace["verify_clearance_request"]

    _subscribe_and_enqueue(engine, receiver.url)
    webhooks.deliver_due(engine, max_attempts=1, **FAST)
    [got] = receiver.received
    assert check(SECRET, got.headers, got.body) is True
    assert check(SECRET, got.headers, got.body + b" ") is False
    assert check("wrong-secret-0123456", got.headers, got.body) is False
    stale = dict(got.headers, **{"X-Clearance-Timestamp": str(int(time.time()) - 301)})
    assert check(SECRET, stale, got.body) is False
    assert check(SECRET, {}, got.body) is False
