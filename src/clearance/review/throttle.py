"""Rate limits on guessing: failed logins per account and per address, refused API tokens per
address, counted in the database (``auth_events``) so that every worker process of
``clearance serve --workers N`` counts the same failures.

The probe typed 60 wrong passwords in 6.8 s, then the right one worked. Now, over a sliding
window of :data:`WINDOW` (15 minutes):

* **Backoff.** From the :data:`BACKOFF_FROM`-th failed login of an account or an address, the
  next attempt must wait 1, 2, 4 ... seconds (at most :data:`BACKOFF_MAX`) after the last
  failure. (Not for bearer tokens: 256 random bits are not guessed, and a client retrying with a
  revoked token should not stall its neighbours before the limit.)
* **Limit.** At :data:`LIMIT` failures (10) the account or address is refused until the oldest
  of them leaves the window: at most 10 guesses per 15 minutes, whatever the number of
  processes.
* An attempt that must wait is refused *before* the password or token is checked (HTTP 429
  with ``Retry-After``; the right password is refused too), is not counted and costs no hash.
  Each failure is audited (``login.failure``, ``token.failure``) and so is reaching the limit
  (``auth.throttle``, once per lock, not per refused attempt).
* A successful login makes its address **known** to the account for :data:`KNOWN_FOR`.

**The trade-off: not a way to lock a victim out forever.** Anyone who can reach the login form
can fail ten times on someone else's account. So the account limit never applies from an
address the account has logged in from successfully in the last 30 days: the owner at their
usual desk is never locked out by an attacker elsewhere (the attacker's own address still hits
the address limit, and every other address the account limit). Every lock ends by itself at
most 15 minutes after the failures that caused it; nothing waits for an administrator. What is
left: an owner on a new address while someone keeps failing on their account waits up to 15
minutes at a time, and people behind one address (one NAT, or a reverse proxy that is not
trusted to pass on ``X-Forwarded-For``) share its limit.

Accounts are kept as a keyed hash of the name typed (HMAC-SHA256 with the session secret): a
name that is no account may be a password typed in the wrong field, and is never stored. On
PostgreSQL the check, the password check and the record of one login attempt run under
transaction-scoped advisory locks on its account and address, so concurrent attempts cannot
slip past the limit together; on SQLite every write transaction is serialised already.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import ColumnElement, bindparam, delete, select, text
from sqlalchemy.orm import Session

from clearance.review import audit
from clearance.review.audit_events import LoginFailed, Throttled, TokenRefused
from clearance.storage.db import as_utc, core
from clearance.storage.review_models import AuthEvent

#: Failures within this window count.
WINDOW: Final = dt.timedelta(minutes=15)
#: At this many failures within the window, the account or address is refused until the oldest
#: of them leaves it.
LIMIT: Final = 10
#: From this many failures, the next attempt waits 2**(n - BACKOFF_FROM) seconds after the last.
BACKOFF_FROM: Final = 3
BACKOFF_MAX: Final = 60
#: An address an account logged in from is exempt from that account's limit this long.
KNOWN_FOR: Final = dt.timedelta(days=30)
#: Authentication events are kept this long (then purged by the service's housekeeping).
KEEP: Final = dt.timedelta(days=31)

Scope = Literal["account", "address"]


@dataclass(frozen=True, slots=True)
class Wait:
    """Whether an attempt may go ahead: ``seconds`` 0, or how long to wait and why."""

    seconds: int = 0
    scope: Scope | None = None
    failures: int = 0

    @property
    def is_allowed(self) -> bool:
        return self.seconds <= 0


ALLOWED: Final = Wait()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def account_key(secret: str, username: str) -> str:
    """What is stored for the account a login names: HMAC-SHA256 of the name as the login
    looks it up, keyed with the session secret."""
    return hmac.new(secret.encode(), username.strip().encode(), hashlib.sha256).hexdigest()


def wait_for(failures: list[dt.datetime], now: dt.datetime, *, backoff: bool = True) -> int:
    """Seconds to wait before the next attempt, given the failures within the window (oldest
    first): until the oldest of the last :data:`LIMIT` leaves the window, or (``backoff``) the
    backoff after the last one."""
    n = len(failures)
    if n >= LIMIT:
        until = failures[n - LIMIT] + WINDOW
    elif backoff and n >= BACKOFF_FROM:
        until = failures[-1] + dt.timedelta(seconds=min(2 ** (n - BACKOFF_FROM), BACKOFF_MAX))
    else:
        return 0
    return max(0, math.ceil((until - now).total_seconds()))


def _lock(session: Session, *keys: str) -> None:
    """Transaction-scoped advisory locks on ``keys`` (PostgreSQL; in the order given)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in keys:
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": number})


def _times(session: Session, *where: ColumnElement[bool]) -> list[dt.datetime]:
    rows = session.scalars(select(AuthEvent.at).where(*where).order_by(AuthEvent.at))
    return [as_utc(t) for t in rows]


def _is_known(session: Session, account: str, address: str, now: dt.datetime) -> bool:
    return session.scalar(select(AuthEvent.id).where(
        AuthEvent.kind == "login_success", AuthEvent.account == account,
        AuthEvent.address == address, AuthEvent.at > now - KNOWN_FOR).limit(1)) is not None


def _login_failures(session: Session, account: str, address: str, now: dt.datetime
                    ) -> tuple[list[dt.datetime] | None, list[dt.datetime]]:
    """The account's failures that count against this address (``None`` when the address is
    known to the account) and the address's login failures, within the window."""
    start = now - WINDOW
    by_address = _times(session, AuthEvent.kind == "login_failure", AuthEvent.address == address,
                        AuthEvent.at > start)
    if _is_known(session, account, address, now):
        return None, by_address
    by_account = _times(session, AuthEvent.kind == "login_failure", AuthEvent.account == account,
                        AuthEvent.at > start)
    return by_account, by_address


def _worst(by_account: list[dt.datetime] | None, by_address: list[dt.datetime],
           now: dt.datetime) -> Wait:
    waits = [Wait(wait_for(by_address, now), "address", len(by_address))]
    if by_account is not None:
        waits.append(Wait(wait_for(by_account, now), "account", len(by_account)))
    worst = max(waits, key=lambda w: (w.seconds, w.failures))
    return worst if worst.seconds > 0 else ALLOWED


def login_wait(session: Session, secret: str, username: str, address: str, *,
               now: dt.datetime | None = None) -> Wait:
    """Whether a login attempt for ``username`` from ``address`` may be checked now (and, on
    PostgreSQL, the locks that keep concurrent attempts on the same account or address in
    line until the transaction ends)."""
    at = _now(now)
    account = account_key(secret, username)
    _lock(session, f"login-account:{account}", f"login-address:{address}")
    return _worst(*_login_failures(session, account, address, at), at)


def record_login_failure(session: Session, secret: str, username: str, address: str, *,
                         known_user: str | None, now: dt.datetime | None = None) -> Wait:
    """Count a failed, well-formed login attempt (audited ``login.failure``; ``known_user`` is
    the account's name when it exists); the wait it leaves, audited ``auth.throttle`` when it
    reaches the limit."""
    at = _now(now)
    account = account_key(secret, username)
    session.add(AuthEvent(at=at, kind="login_failure", account=account, address=address))
    session.flush()
    subject = audit.Subject("address", address)
    audit.record(session, LoginFailed(subject=subject, username=known_user),
                 actor=f"user:{known_user}" if known_user else audit_actor(address))
    by_account, by_address = _login_failures(session, account, address, at)
    wait = _worst(by_account, by_address, at)
    reached = [scope for scope, times in (("account", by_account), ("address", by_address))
               if times is not None and len(times) == LIMIT]
    for scope in reached:
        times = by_address if scope == "address" else by_account or []
        audit.record(session, Throttled(subject=subject, what="login", scope=scope,
                                        username=known_user, failures=len(times),
                                        retry_after=wait_for(times, at)),
                     actor=audit_actor(address))
    return wait


def record_login_success(session: Session, secret: str, username: str, address: str, *,
                         now: dt.datetime | None = None) -> None:
    """Count a successful login: the address is known to the account from now on."""
    session.add(AuthEvent(at=_now(now), kind="login_success",
                          account=account_key(secret, username), address=address))
    session.flush()


#: An address's refused tokens within the window, oldest first (read on every authentication
#: by token: a statement built once, run as Core).
_TOKEN_FAILURES: Final = (select(AuthEvent.at)
                          .where(AuthEvent.kind == "token_failure",
                                 AuthEvent.address == bindparam("address"),
                                 AuthEvent.at > bindparam("since"))
                          .order_by(AuthEvent.at))


def token_wait(session: Session, address: str, *, now: dt.datetime | None = None) -> Wait:
    """Whether a bearer token from ``address`` may be checked now."""
    at = _now(now)
    times = _token_failures(session, address, at)
    seconds = wait_for(times, at, backoff=False)
    return Wait(seconds, "address", len(times)) if seconds > 0 else ALLOWED


def _token_failures(session: Session, address: str, at: dt.datetime) -> list[dt.datetime]:
    return [as_utc(t) for t in core(session).execute(
        _TOKEN_FAILURES, {"address": address, "since": at - WINDOW}).scalars()]


def record_token_failure(session: Session, address: str, reason: str, *,
                         now: dt.datetime | None = None) -> Wait:
    """Count a refused bearer token from ``address`` (audited ``token.failure``); the wait it
    leaves, audited ``auth.throttle`` when it reaches the limit."""
    at = _now(now)
    session.add(AuthEvent(at=at, kind="token_failure", account=None, address=address))
    session.flush()
    subject = audit.Subject("address", address)
    audit.record(session, TokenRefused(subject=subject, reason=reason),
                 actor=audit_actor(address))
    times = _token_failures(session, address, at)
    if len(times) == LIMIT:
        audit.record(session, Throttled(subject=subject, what="token", scope="address",
                                        username=None, failures=LIMIT,
                                        retry_after=wait_for(times, at, backoff=False)),
                     actor=audit_actor(address))
    seconds = wait_for(times, at, backoff=False)
    return Wait(seconds, "address", len(times)) if seconds > 0 else ALLOWED


def audit_actor(address: str) -> str:
    """Who an anonymous attempt is recorded as: ``anonymous@ADDRESS``."""
    return f"anonymous@{address}"


def purge(session: Session, *, now: dt.datetime | None = None) -> int:
    """Forget authentication events older than :data:`KEEP`; how many."""
    result = session.execute(delete(AuthEvent).where(AuthEvent.at < _now(now) - KEEP))
    return int(getattr(result, "rowcount", 0) or 0)


def retry_message(wait: Wait, what: str) -> str:
    """What a refused attempt is told."""
    why = (f"{wait.failures} failed {what} from this address" if wait.scope == "address"
           else f"{wait.failures} failed {what} for this account")
    return f"too many attempts ({why}); try again in {wait.seconds} s"
