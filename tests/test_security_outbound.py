"""Outbound requests (issue 10, items 7 and 8): the one rule of :mod:`clearance.net`, applied to
webhooks when a URL is subscribed and again before every delivery.

Reproduced first: loopback, link-local, metadata, ``[::1]``, ``0.0.0.0``, ``127.1`` and decimal
IPs were accepted as webhook URLs; the receiver's error body was stored and shown to the admin;
a URL with CRLF was accepted and its delivery stayed pending forever.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from clearance.cli.main import cli
from clearance.errors import ContentError, HostUnresolved, InputError, OutboundRefused
from clearance.net import (
    STRICT,
    OutboundRule,
    address_problem,
    build_request,
    check_outbound_url,
    parse_allow_entry,
    read_body,
    send,
)
from clearance.review import webhooks
from clearance.settings import Settings
from clearance.storage import session_scope, upgrade
from clearance.storage.review_models import WebhookDelivery, WebhookSubscription

SECRET = "test-secret-0123456789"
DEV = OutboundRule(is_open=True)
PUBLIC = "93.184.216.34"

#: Refused in every environment: the URL's form.
BAD_FORM = [
    "http://example.com/h\r\nX-Injected: 1", "http://example.com/\nh", "http://exa\tmple.com/",
    "http://example.com/\x00", "http://example.com/a b", "http://exam\u200bple.com/",
    "http://example.com/\u202eevil", "ftp://example.com/x", "gopher://x", "file:///etc/passwd",
    "javascript:alert(1)", "example.com/hook", "//example.com/hook", "https:///nohost",
    "http://u:p@example.com/", "http://user@example.com/", "http://example.com@10.0.0.1/",
    "http://127.1/", "http://2130706433/", "http://0x7f000001/", "http://0x7f.0.0.1/",
    "http://0177.0.0.1/", "http://017700000001/", "http://0/", "http://1.2.3/",
    "http://example.com:0/", "http://example.com:99999/", "http://example.com:x/",
    "http://[::1/", "http://[fe80::1%25eth0]/", "http://ex\\ample.com/", "http://1.2.3.4.5/",
    "http://-bad-.example/", "http://" + "a" * 64 + ".example/",
    "https://example.com/" + "a" * 2100,
]
#: Refused outside development unless allow-listed: where it goes.
BAD_PLACE = [
    "http://127.0.0.1:8080/h", "http://127.255.0.9/", "http://localhost/", "http://LOCALHOST./",
    "http://app.localhost/", "http://[::1]/", "http://[::]/", "http://0.0.0.0/",
    "http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/",
    "http://169.254.1.1/", "http://[fe80::1]/", "http://10.0.0.1/", "http://172.16.5.4/",
    "http://192.168.0.1/", "http://100.64.0.1/", "http://[fc00::1]/", "http://[fd00:ec2::254]/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:169.254.169.254]/",
    "http://[::127.0.0.1]/", "http://[64:ff9b::a00:1]/", "http://[2002:c0a8:1::]/",
    "http://224.0.0.1/", "http://255.255.255.255/", "http://192.0.2.1/", "http://198.18.0.1/",
    "http://240.0.0.1/", "http://[ff02::1]/", "http://１２７.０.０.１/",
]
GOOD = ["https://hooks.example.com/clearance", "http://example.org:8080/a?b=c",
        f"http://{PUBLIC}/h", "https://[2606:2800:220:1:248:1893:25c8:1946]/h",
        "https://bücher.example/h"]


def _resolver(*answers: Sequence[str]):  # type: ignore[no-untyped-def]
    """A resolver giving ``answers`` in turn (the last one repeated), counting calls."""
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return list(answers[min(len(calls) - 1, len(answers) - 1)])

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


@pytest.mark.parametrize("url", BAD_FORM)
@pytest.mark.parametrize("rule", [STRICT, DEV], ids=["strict", "development"])
def test_a_malformed_url_is_refused_everywhere(url: str, rule: OutboundRule) -> None:
    with pytest.raises(OutboundRefused) as refused:
        check_outbound_url(url, rule, resolve=False)
    assert refused.value.reason and "\n" not in refused.value.message


@pytest.mark.parametrize("url", BAD_PLACE)
def test_a_non_public_place_is_refused_outside_development(url: str) -> None:
    with pytest.raises(OutboundRefused):
        check_outbound_url(url, STRICT, resolve=False)
    check_outbound_url(url, DEV, resolve=False)  # development reaches anything well-formed


@pytest.mark.parametrize("url", GOOD)
def test_public_urls_pass(url: str) -> None:
    target = check_outbound_url(url, STRICT, resolve=True, resolver=_resolver([PUBLIC]))
    assert target.addresses and target.host.isascii()


def test_the_allow_list_admits_exactly_what_it_names() -> None:
    rule = OutboundRule.from_settings(Settings(
        environment="production", outbound_allow=["127.0.0.1", "10.1.0.0/16", "hooks.internal"]))
    check_outbound_url("http://127.0.0.1:9000/h", rule)
    check_outbound_url("http://[::ffff:127.0.0.1]/h", rule)
    check_outbound_url("http://10.1.200.3/h", rule)
    check_outbound_url("http://hooks.internal/h", rule, resolver=_resolver(["10.9.9.9"]))
    for refused in ("http://127.0.0.2/", "http://10.2.0.1/", "http://[::1]/",
                    "http://169.254.169.254/"):
        with pytest.raises(OutboundRefused):
            check_outbound_url(refused, rule)
    with pytest.raises(OutboundRefused):  # only the name is allowed, not its neighbours
        check_outbound_url("http://other.internal/h", rule, resolver=_resolver(["10.9.9.9"]))
    with pytest.raises(OutboundRefused):  # the form is never allow-listed
        check_outbound_url("http://127.1/", rule)


@pytest.mark.parametrize("entry", ["127.0.0.1, 10.0.0.1", "not a host!", "10.0.0.0/33", ""])
def test_a_bad_allow_entry_is_a_configuration_error(entry: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from clearance.errors import ConfigurationError
    from clearance.settings import get_settings

    with pytest.raises(ValueError):
        parse_allow_entry(entry)
    monkeypatch.setenv("CLEARANCE_OUTBOUND_ALLOW", json.dumps([entry]))
    with pytest.raises(ConfigurationError):
        get_settings()
    monkeypatch.setenv("CLEARANCE_OUTBOUND_ALLOW", "127.0.0.1,10.0.0.1")  # no comma lists
    with pytest.raises(ConfigurationError):
        get_settings()


def test_every_resolved_address_is_checked() -> None:
    for answer in (["10.0.0.1"], [PUBLIC, "127.0.0.1"], ["::1"], ["::ffff:169.254.169.254"]):
        with pytest.raises(OutboundRefused):
            check_outbound_url("https://hooks.example.com/h", STRICT, resolver=_resolver(answer))
    with pytest.raises(HostUnresolved):
        check_outbound_url("https://hooks.example.com/h", STRICT, resolver=_resolver([]))


def test_the_request_goes_to_the_checked_address() -> None:
    target = check_outbound_url("https://hooks.example.com:8443/h?x=1", STRICT,
                                resolver=_resolver([PUBLIC]))
    with httpx.Client() as client:
        request = build_request(client, "POST", target, content=b"{}", timeout=1)
    assert request.url.host == PUBLIC and request.url.port == 8443
    assert request.url.path == "/h" and request.url.query == b"x=1"
    assert request.headers["Host"] == "hooks.example.com:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.com"  # certificate for the name


def test_a_fetched_body_is_read_with_a_limit() -> None:
    target = check_outbound_url("https://feeds.example.com/f", STRICT,
                                resolver=_resolver([PUBLIC]))
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=b"x" * 10_000))
    with httpx.Client(transport=transport) as client:
        assert read_body(send(client, "GET", target, timeout=1), 10_000) == b"x" * 10_000
        with pytest.raises(ContentError, match="more than 9,999 bytes"):
            read_body(send(client, "GET", target, timeout=1), 9_999)


# -- webhooks ---------------------------------------------------------------------------------


class Recorder:
    """An ``httpx.MockTransport`` receiver: answers ``status`` with ``body``, records requests."""

    def __init__(self, status: int = 200, body: bytes = b"ok",
                 headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}
        self.requests: list[httpx.Request] = []

    def client(self) -> httpx.Client:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(self.status, content=self.body, headers=self.headers)

        return httpx.Client(transport=httpx.MockTransport(handle))


def _deliver(engine: Engine, recorder: Recorder, resolver: object, **kw: object) -> None:
    with recorder.client() as client:
        webhooks.deliver_due(engine, client=client, max_attempts=3, backoff_s=0.01, timeout_s=1,
                             resolver=resolver, **kw)  # type: ignore[arg-type]


def _only_delivery(engine: Engine) -> WebhookDelivery:
    with session_scope(engine) as session:
        [delivery] = session.scalars(select(WebhookDelivery)).all()
        return delivery


def test_subscribe_refuses_what_the_rule_refuses(engine: Engine) -> None:
    for url in BAD_FORM + BAD_PLACE:
        with session_scope(engine) as session, pytest.raises(InputError, match="webhook URL"):
            webhooks.subscribe(session, "system", url, SECRET)  # no settings: the strict rule
    with session_scope(engine) as session:
        assert session.scalars(select(WebhookSubscription)).all() == []


def test_dns_rebinding_is_refused_at_delivery(engine: Engine) -> None:
    """The name resolved to a public address when subscribed and to 169.254.169.254 when the
    delivery is due: nothing is sent and the delivery fails at once."""
    with session_scope(engine) as session:
        webhooks.subscribe(session, "system", "https://hooks.example.com/h", SECRET)
        webhooks.enqueue(session, "decision", {"item_id": 1})
    recorder = Recorder()
    resolver = _resolver(["169.254.169.254"])
    _deliver(engine, recorder, resolver)
    delivery = _only_delivery(engine)
    assert recorder.requests == [] and resolver.calls == ["hooks.example.com"]
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error is not None and delivery.last_error.startswith("refused: ")


def test_delivery_connects_to_the_address_it_checked(engine: Engine) -> None:
    with session_scope(engine) as session:
        webhooks.subscribe(session, "system", "https://hooks.example.com/h", SECRET)
        webhooks.enqueue(session, "decision", {"item_id": 1})
    recorder = Recorder()
    _deliver(engine, recorder, _resolver([PUBLIC], ["127.0.0.1"]))
    [request] = recorder.requests
    assert request.url.host == PUBLIC and request.headers["Host"] == "hooks.example.com"
    assert webhooks.verify_signature(SECRET, request.headers["X-Clearance-Timestamp"],
                                     request.content, request.headers["X-Clearance-Signature"])
    assert _only_delivery(engine).status == "delivered"


def test_the_receivers_answer_is_never_stored_or_shown(engine: Engine, database_url: str) -> None:
    with session_scope(engine) as session:
        webhooks.subscribe(session, "system", "https://hooks.example.com/h", SECRET)
        webhooks.enqueue(session, "decision", {"item_id": 1})
    leak = b"root:x:0:0 INTERNAL-ONLY admin panel " * 20
    _deliver(engine, Recorder(500, leak), _resolver([PUBLIC]))
    delivery = _only_delivery(engine)
    assert (delivery.last_status_code, delivery.last_error) == (500, "HTTP 500")
    shown = CliRunner().invoke(cli, ["webhooks", "deliveries"],
                               env={"CLEARANCE_DATABASE_URL": database_url})
    assert shown.exit_code == 0 and "INTERNAL-ONLY" not in shown.output


def test_a_redirect_is_not_followed(engine: Engine) -> None:
    with session_scope(engine) as session:
        webhooks.subscribe(session, "system", "https://hooks.example.com/h", SECRET)
        webhooks.enqueue(session, "decision", {"item_id": 1})
    recorder = Recorder(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
    _deliver(engine, recorder, _resolver([PUBLIC]))
    assert len(recorder.requests) == 1
    assert _only_delivery(engine).last_error == "HTTP 302"


STORED_BAD = ["http://example.com/h\r\nX-Injected: 1", "http://127.1/h", "gopher://example.com/",
              "http://[::1]/h"]


def test_a_stored_url_that_cannot_be_used_fails_at_once(engine: Engine) -> None:
    """Subscriptions stored before these checks (written here directly) are not retried
    forever: their deliveries fail on the first attempt, without a request."""
    with session_scope(engine) as session:
        for url in STORED_BAD:
            session.add(WebhookSubscription(url=url, secret=SECRET, events=["decision"]))
        session.flush()
        webhooks.enqueue(session, "decision", {"item_id": 1})
    recorder = Recorder()
    _deliver(engine, recorder, _resolver([PUBLIC]))
    assert recorder.requests == []
    with session_scope(engine) as session:
        deliveries = session.scalars(select(WebhookDelivery)).all()
    assert len(deliveries) == len(STORED_BAD)
    for delivery in deliveries:
        assert (delivery.status, delivery.attempts) == ("failed", 1)
        assert delivery.last_error is not None and delivery.last_error.startswith("refused: ")
        assert "\n" not in delivery.last_error and "\r" not in delivery.last_error


def test_an_unresolvable_host_is_retried_not_failed(engine: Engine) -> None:
    with session_scope(engine) as session:
        webhooks.subscribe(session, "system", "https://hooks.example.com/h", SECRET)
        webhooks.enqueue(session, "decision", {"item_id": 1})
    _deliver(engine, Recorder(), _resolver([]))
    delivery = _only_delivery(engine)
    assert (delivery.status, delivery.last_error) == ("pending", "could not resolve the host")


def test_cli_add_refuses_a_private_target_outside_development(database_url: str) -> None:
    upgrade(database_url)
    env = {"CLEARANCE_DATABASE_URL": database_url, "CLEARANCE_ENVIRONMENT": "production",
           "CLEARANCE_OUTBOUND_ALLOW": "[]"}
    runner = CliRunner()
    for url in ("http://169.254.169.254/", "http://127.1/", "http://[::1]/",
                "http://example.com/\r\nX: 1"):
        result = runner.invoke(cli, ["webhooks", "add", url], env=env)
        assert result.exit_code == InputError.exit_code, result.output
        assert "Traceback" not in result.output
    ok = runner.invoke(cli, ["webhooks", "add", "https://hooks.example.com/h"], env=env)
    assert ok.exit_code == 0, ok.output


# -- the class of the bug: any spelling of a non-public IPv4 address --------------------------

_PRIVATE_V4 = st.sampled_from(["127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                               "169.254.0.0/16", "100.64.0.0/10", "0.0.0.0/8"]).flatmap(
    lambda net: st.integers(int(ipaddress.ip_network(net).network_address),
                            int(ipaddress.ip_network(net).broadcast_address)))


def _spellings(n: int) -> list[str]:
    v4 = ipaddress.IPv4Address(n)
    a, b, c, d = v4.packed
    return [str(v4), str(n), hex(n), f"0{n:o}", f"{a}.{(b << 16) | (c << 8) | d}",
            f"{a}.{b}.{(c << 8) | d}", f"0x{a:x}.{b}.{c}.{d}", f"0{a:o}.{b}.{c}.{d}",
            f"[::ffff:{v4}]", f"[::ffff:{(n >> 16):x}:{(n & 0xffff):x}]", f"[64:ff9b::{v4}]",
            f"[2002:{(n >> 16):x}:{(n & 0xffff):x}::1]"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=_PRIVATE_V4, index=st.integers(0, 11), port=st.integers(1, 65535))
def test_no_spelling_of_a_private_address_gets_through(n: int, index: int, port: int) -> None:
    host = _spellings(n)[index]
    with pytest.raises(OutboundRefused):
        check_outbound_url(f"http://{host}:{port}/h", STRICT, resolver=_resolver([PUBLIC]))


@settings(max_examples=300, deadline=None)
@given(url=st.one_of(st.text(max_size=60),
                     st.builds(lambda s, h, p: f"{s}://{h}{p}",
                               st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
                               st.text(max_size=30), st.text(max_size=20))))
def test_any_string_is_checked_or_refused_cleanly(url: str) -> None:
    """Whatever the text, the rule answers with a target whose every address is public, or an
    OutboundRefused: never another exception."""
    try:
        target = check_outbound_url(url, STRICT, resolver=_resolver([PUBLIC]))
    except OutboundRefused:
        return
    assert target.scheme in ("http", "https")
    assert all(address_problem(ipaddress.ip_address(a)) is None for a in target.addresses)
