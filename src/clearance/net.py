"""Outbound requests: the one rule for every URL Clearance sends a request to.

Webhook deliveries (and the monitor's feed fetching) go to URLs that someone else typed. Without
a rule, an admin account -- or whoever holds one -- can point the server at itself, at the
cloud's metadata service (``169.254.169.254``) or at anything on the private network, and read
the answers back (SSRF). :func:`check_outbound_url` is that rule, in two steps:

1. **The URL's form**, in every environment: a string of at most 2,048 characters, no control,
   format (zero-width, right-to-left) or whitespace characters and no backslash; scheme
   ``http`` or ``https``; a host; no ``user:password@``; a valid port; a host name in ASCII
   (IDNA-encoded; full-width digits become ASCII digits first) with DNS-shaped labels; an IPv4
   address only in its canonical dotted form -- ``127.1``, ``2130706433``, ``0x7f.0.0.1`` and
   ``0177.0.0.1`` are all ``127.0.0.1`` to a resolver and are refused as ambiguous.
2. **Where it goes**, outside the development environment: every address must be public. Refused
   are unspecified (``0.0.0.0``, ``::``), loopback (``127.0.0.0/8``, ``::1``, ``localhost``),
   private (RFC 1918, ``fc00::/7``), shared (``100.64.0.0/10``), link-local (``169.254.0.0/16``,
   ``fe80::/10``), the cloud metadata address, multicast, reserved and documentation ranges --
   also when they hide inside IPv6 (IPv4-mapped ``::ffff:127.0.0.1``, IPv4-compatible,
   6to4, Teredo, NAT64 ``64:ff9b::/96``). ``CLEARANCE_OUTBOUND_ALLOW`` (a JSON list of host
   names and addresses/CIDR networks) permits exactly what it names.

At **subscription** time the URL is checked without DNS (``resolve=False``): IP literals and
``localhost`` names are judged at once; a host name may not resolve yet. At **delivery** time
the host is resolved, *every* address it resolves to is checked (a name with one private
address among public ones is refused), and :func:`send` connects to the checked address itself
(``Host`` header and TLS server name stay the URL's host, so certificates are still verified
against the name): a DNS answer that changes between the check and the connection (DNS
rebinding) cannot redirect the request. Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import httpx

from clearance.errors import ContentError, HostUnresolved, OutboundRefused

if TYPE_CHECKING:
    from clearance.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``resolver(host, port)`` -> the addresses a connection to ``host`` could reach.
Resolver = Callable[[str, int], Sequence[str]]

MAX_URL_CHARS: Final = 2048
SCHEMES: Final = ("http", "https")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_LABEL: Final = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
#: Host names that mean this machine whatever DNS says.
_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain", "ip6-localhost",
                                    "ip6-loopback"})
#: Names of cloud metadata services.
_METADATA_NAMES: Final = frozenset({"metadata", "metadata.google.internal",
                                    "metadata.goog", "instance-data"})
_METADATA: Final = frozenset({ipaddress.ip_address("169.254.169.254"),
                              ipaddress.ip_address("fd00:ec2::254"),
                              ipaddress.ip_address("100.100.100.200")})
_NAT64: Final = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE: Final = ipaddress.ip_network("::/96")


@dataclass(frozen=True, slots=True)
class OutboundRule:
    """What may be reached: with ``is_open`` (development) any address; otherwise public
    addresses, plus the allow-listed host names and networks."""

    is_open: bool
    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundRule:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in settings.outbound_allow:
            parsed = parse_allow_entry(entry)
            if isinstance(parsed, str):
                hosts.add(parsed)
            else:
                networks.append(parsed)
        return cls(is_open=settings.environment == "development", allow_hosts=frozenset(hosts),
                   allow_networks=tuple(networks))

    def allows_address(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.allow_networks)


#: The rule when no settings are given: public addresses only, nothing allow-listed.
STRICT: Final = OutboundRule(is_open=False)


def parse_allow_entry(entry: str) -> str | IPNetwork:
    """One ``CLEARANCE_OUTBOUND_ALLOW`` entry: an address or CIDR network (``10.0.0.0/8``,
    ``127.0.0.1``, ``::1``), or a host name (``hooks.internal``); ``ValueError`` otherwise."""
    text = entry.strip().lower().strip("[]") if "/" not in entry else entry.strip().lower()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        pass
    name = text.removesuffix(".")
    if name and all(_LABEL.match(label) for label in name.split(".")):
        return name
    raise ValueError(f"{entry!r} is neither an address, a CIDR network nor a host name")


@dataclass(frozen=True, slots=True)
class OutboundTarget:
    """A checked URL: its host as checked (ASCII, no brackets), port, and the addresses that
    were checked (empty when it was checked without resolving a host name)."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    is_ip_literal: bool

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``getaddrinfo`` gives for a TCP connection to ``host:port``."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


def _refused(url: str, reason: str) -> OutboundRefused:
    return OutboundRefused(f"refusing the URL {_shown(url)}: {reason}", reason=reason)


def _shown(url: str) -> str:
    """The URL for a message: control characters escaped, cut to 200 characters."""
    text = ascii(url[:200])
    return text + ("..." if len(url) > 200 else "")


def _form_problem(url: str) -> str | None:
    if len(url) > MAX_URL_CHARS:
        return f"it is longer than {MAX_URL_CHARS} characters"
    for ch in url:
        if ch == "\\":
            return "it contains a backslash"
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Zl", "Zp", "Zs", "Cs", "Co", "Cn") or ch.isspace():
            return f"it contains a control, format or space character (U+{ord(ch):04X})"
    return None


def _ascii_host(host: str) -> str:
    """The host in ASCII: IDNA-encoded (which maps full-width digits and letters to ASCII)."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError("its host name is not a valid internationalised name") from exc


def _ipv4_attempt(host: str) -> ipaddress.IPv4Address | None:
    """What a resolver would take ``host`` to mean as an IPv4 address (``inet_aton`` accepts
    ``127.1``, ``2130706433``, ``0x7f.1``, ``0177.0.0.1``), or ``None``."""
    if not re.fullmatch(r"[0-9a-fx.]+", host) or not re.search(r"\d", host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _parse(url: str) -> tuple[str, str, int, bool]:
    """Scheme, ASCII host, port and whether the host is an IP literal; ``ValueError`` saying
    why the URL's form is refused."""
    problem = _form_problem(url)
    if problem is not None:
        raise ValueError(problem)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError("only absolute http:// and https:// URLs are allowed")
    if not parts.netloc:
        raise ValueError("it has no host")
    if "@" in parts.netloc:
        raise ValueError("it carries a user name or password (user:password@host)")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("its port is not a number from 1 to 65535") from exc
    if port == 0:
        raise ValueError("its port is not a number from 1 to 65535")
    raw_host = parts.hostname or ""
    if not raw_host:
        raise ValueError("it has no host")
    if "[" in parts.netloc:
        if "%" in raw_host:
            raise ValueError("an IPv6 zone (%...) is not allowed")
        try:
            ipaddress.IPv6Address(raw_host)
        except ValueError as exc:
            raise ValueError("its bracketed host is not an IPv6 address") from exc
        return scheme, raw_host, port or _DEFAULT_PORTS[scheme], True
    host = _ascii_host(raw_host).removesuffix(".")
    if not host:
        raise ValueError("it has no host")
    try:
        canonical = ipaddress.IPv4Address(host)
    except ValueError:
        canonical = None
    if canonical is not None:
        return scheme, str(canonical), port or _DEFAULT_PORTS[scheme], True
    attempt = _ipv4_attempt(host)
    if attempt is not None:
        raise ValueError(f"{host!r} is a non-canonical form of the IPv4 address {attempt}; "
                         "write addresses as four decimal numbers")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError("its host is not a valid host name")
    if labels[-1].isdigit():
        raise ValueError("its host is neither an IP address nor a host name")
    return scheme, host, port or _DEFAULT_PORTS[scheme], False


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if any(ip in net for net in _NAT64):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address (a short phrase), or ``None`` when it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _IPV4_COMPATIBLE and int(ip) > 1:
            return "an IPv4-compatible IPv6 address"
        for inner in _embedded_ipv4(ip):
            problem = address_problem(inner)
            if problem is not None:
                return f"{problem} inside an IPv6 address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip in _METADATA:
        return "the cloud metadata address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private-network address"
    if ip.is_reserved or not ip.is_global:
        return "not a public address"
    return None


def _address_allowed(ip: IPAddress, rule: OutboundRule) -> bool:
    if rule.allows_address(ip):
        return True
    return isinstance(ip, ipaddress.IPv6Address) and any(
        rule.allows_address(inner) for inner in _embedded_ipv4(ip))


def _check_address(url: str, address: str, rule: OutboundRule) -> None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError as exc:
        raise _refused(url, "its host resolved to something that is not an address") from exc
    if rule.is_open or _address_allowed(ip, rule):
        return
    problem = address_problem(ip)
    if problem is not None:
        raise _refused(url, f"{ip} is {problem} (allow it with CLEARANCE_OUTBOUND_ALLOW)")


def check_outbound_url(url: str, rule: Settings | OutboundRule, *, resolve: bool = True,
                       resolver: Resolver = system_resolver) -> OutboundTarget:
    """Check ``url`` against the outbound rule (see the module docstring) and return what was
    checked. ``resolve=False`` checks the form and any IP literal or ``localhost`` name without
    DNS (for a URL stored now and used later); with ``resolve=True`` every address the host
    resolves to is checked too, and :func:`send` connects to the first of them.

    Raises :class:`~clearance.errors.OutboundRefused` (its ``reason`` a short phrase) and, when
    the host name does not resolve, :class:`~clearance.errors.HostUnresolved`.
    """
    if not isinstance(rule, OutboundRule):
        rule = OutboundRule.from_settings(rule)
    if not isinstance(url, str):
        raise _refused(repr(url), "a URL must be text")
    try:
        scheme, host, port, is_literal = _parse(url)
    except ValueError as exc:
        raise _refused(url, str(exc)) from exc
    is_allowed_host = host in rule.allow_hosts
    if not rule.is_open and not is_allowed_host and not is_literal:
        if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
            raise _refused(url, f"{host} is a loopback name (allow it with "
                                "CLEARANCE_OUTBOUND_ALLOW)")
        if host in _METADATA_NAMES:
            raise _refused(url, f"{host} is a cloud metadata service")
    if is_literal:
        addresses: tuple[str, ...] = (host,)
    elif resolve:
        try:
            addresses = tuple(resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise HostUnresolved(f"cannot resolve the host of {_shown(url)}: {exc}",
                                 reason="the host name did not resolve") from exc
        if not addresses:
            raise HostUnresolved(f"cannot resolve the host of {_shown(url)}",
                                 reason="the host name did not resolve")
    else:
        addresses = ()
    if not is_allowed_host:
        for address in addresses:
            _check_address(url, address, rule)
    return OutboundTarget(url=url, scheme=scheme, host=host, port=port, addresses=addresses,
                          is_ip_literal=is_literal)


def build_request(client: httpx.Client, method: str, target: OutboundTarget, *,
                  content: bytes | None = None, headers: Mapping[str, str] | None = None,
                  timeout: float) -> httpx.Request:
    """A request to ``target`` pinned to its first checked address: the URL's host replaced by
    that address, the ``Host`` header and the TLS server name kept as the URL's host."""
    if not target.addresses:
        raise ValueError("build_request needs a target checked with resolve=True")
    url = httpx.URL(target.url).copy_with(scheme=target.scheme, host=target.addresses[0],
                                          port=target.port)
    request = client.build_request(method, url, content=content,
                                   headers={**(headers or {}), "Host": target.host_header},
                                   timeout=timeout)
    if target.scheme == "https" and not target.is_ip_literal:
        request.extensions["sni_hostname"] = target.host  # and the certificate is checked for it
    return request


def send(client: httpx.Client, method: str, target: OutboundTarget, *,
         content: bytes | None = None, headers: Mapping[str, str] | None = None,
         timeout: float) -> httpx.Response:
    """Send a request to a checked target, connecting to the checked address (see
    :func:`build_request`), never following a redirect, without reading the body: the caller
    reads what it needs (``response.read()``) and closes the response."""
    request = build_request(client, method, target, content=content, headers=headers,
                            timeout=timeout)
    return client.send(request, stream=True, follow_redirects=False)


def read_body(response: httpx.Response, limit: int) -> bytes:
    """The body of a response from :func:`send`, at most ``limit`` bytes (a feed, say): more is
    a :class:`~clearance.errors.ContentError` as soon as the extra byte arrives. Closes the
    response."""
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.iter_bytes():  # decoded: a gzip bomb is cut at the limit too
            total += len(chunk)
            if total > limit:
                raise ContentError(f"the answer from {response.request.url.host} is more than "
                                   f"{limit:,} bytes")
            chunks.append(chunk)
    finally:
        response.close()
    return b"".join(chunks)
