"""Who a credential belongs to, remembered for a moment: a per-process cache of authenticated
callers, so a client sending requests in a row is looked up in the database once every
:data:`TTL_SECONDS` instead of on every request.

What is cached: the :class:`~clearance.review.access.Actor` of an API token (keyed by the
token's SHA-256 *and the address it came from*, so the per-address limit on refused tokens still
applies) or of a UI session (keyed by the session secret's SHA-256), with the credential's own
expiry. An entry is used only while

* it is younger than :data:`TTL_SECONDS`, by the monotonic clock and by the service's clock
  (``ServiceState.clock``, which tests move on),
* the credential has not expired by the service's clock, and
* nothing that could change an answer was committed in this process since it was made: any
  commit that changes a user, an API token (its ``last_used_at`` stamp aside), a UI session or
  records an authentication event (a refused token, a login) empties every cache of the process
  at once (:func:`_watch`). So logging out, a password change, deactivating a user, changing a
  role and revoking a token take effect on the next request, in this process.

**Across processes** (``clearance serve --workers N``, or the command line revoking a token)
there is no message between processes: another worker honours what it cached for at most
:data:`TTL_SECONDS` more. A cookie's signature, its age and its CSRF token are checked on every
request, cached or not.

A fill races a change safely: the cache's generation is read before the database is, and an
answer read before a change committed is not stored once the change has emptied the cache.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, ORMExecuteState, Session, SessionTransaction

from clearance.review.access import Actor
from clearance.storage.db import as_utc
from clearance.storage.review_models import ApiToken, AuthEvent, User, UserSession

#: How long a cached caller is trusted without asking the database again.
TTL_SECONDS: Final = 2.0
#: At most this many entries per cache (a full cache is emptied, then refilled).
MAX_ENTRIES: Final = 10_000
#: The tables whose changes can change who a credential is.
_WATCHED: Final = (User, ApiToken, UserSession, AuthEvent)
_WATCHED_TABLES: Final = frozenset(m.__tablename__ for m in _WATCHED)
#: A token's column whose change alone changes no answer (stamped once a minute by use).
_STAMPS: Final = frozenset({"last_used_at"})
_CHANGED: Final = "clearance.callers.changed"


@dataclass(frozen=True, slots=True)
class Cached:
    actor: Actor
    #: When the credential itself expires (``None``: a token without expiry).
    expires_at: dt.datetime | None
    made_at: dt.datetime
    made_mono: float


class CallerCache:
    """One app's cache (thread-safe; requests fill it from worker threads)."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[str, str], Cached] = {}
        self._generation = 0
        self._lock = threading.Lock()
        _CACHES.add(self)

    @property
    def generation(self) -> int:
        """Read before asking the database; handed back to :meth:`put`."""
        return self._generation

    def get(self, key: tuple[str, str], now: dt.datetime) -> Actor | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        age = now - entry.made_at
        if (time.monotonic() - entry.made_mono >= self.ttl or age < dt.timedelta(0)
                or age.total_seconds() >= self.ttl
                or (entry.expires_at is not None and as_utc(entry.expires_at) <= now)):
            self._entries.pop(key, None)
            return None
        return entry.actor

    def put(self, key: tuple[str, str], actor: Actor, expires_at: dt.datetime | None,
            now: dt.datetime, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return  # something changed while the database was read
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = Cached(actor, expires_at, now, time.monotonic())

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_CACHES: weakref.WeakSet[CallerCache] = weakref.WeakSet()


def clear_all() -> None:
    """Empty every cache of this process (what a committed change to users, tokens, sessions
    or authentication events does)."""
    for cache in list(_CACHES):
        cache.clear()


def _changes_answers(obj: Any) -> bool:
    if not isinstance(obj, _WATCHED):
        return False
    if not isinstance(obj, ApiToken):
        return True
    state: InstanceState[ApiToken] = inspect(obj)
    return any(attr.key not in _STAMPS and attr.history.has_changes() for attr in state.attrs)


def _watch() -> None:
    """Session events, for every session of the process: a flush or a bulk statement touching
    the watched tables marks the transaction; its commit empties the caches."""

    @event.listens_for(Session, "before_flush")
    def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
        if session.info.get(_CHANGED):
            return
        if any(isinstance(o, _WATCHED) for o in session.deleted) or any(
                isinstance(o, AuthEvent) for o in session.new) or any(
                _changes_answers(o) for o in session.dirty):
            session.info[_CHANGED] = True

    @event.listens_for(Session, "do_orm_execute")
    def _bulk(state: ORMExecuteState) -> None:
        if not (state.is_update or state.is_delete or state.is_insert):
            return
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _WATCHED_TABLES:
            state.session.info[_CHANGED] = True

    @event.listens_for(Session, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            clear_all()

    @event.listens_for(Session, "after_transaction_end")
    def _after_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # the outermost: committed (handled above) or not
            session.info.pop(_CHANGED, None)


_watch()
