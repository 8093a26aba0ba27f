"""The tamper-evident audit log: typed events in an append-only, hash-chained table.

Every state change (submission, screening, claim, release, reveal, review, decision, override,
comment, role change, user creation, token issue and revocation, webhook subscription) is one
typed event (:mod:`clearance.review.audit_events`: a frozen dataclass per type, with a
:class:`Subject` and a payload) handed to :func:`record`, the one choke point, which stores it as
a :class:`~clearance.storage.review_models.AuditEvent` row (``AuditRow`` here) in the same
transaction as the change itself. Each event's hash covers its predecessor's::

    hash = sha256(prev_hash + "\\n" + canonical_json({seq, at, type, actor, subject, data}))

where canonical JSON has sorted keys, no spaces, UTF-8 and ``at`` in ISO 8601 UTC with
microseconds. The first event's ``prev_hash`` is 64 zeros. :func:`verify` recomputes the chain
in ``seq`` order and names the first broken link; a row edited, deleted or inserted out of
order breaks it (the database triggers of migration 0002 refuse UPDATE/DELETE in the first
place). On PostgreSQL appends are serialised by a transaction-level advisory lock; elsewhere
the unique ``prev_hash`` makes a racing append fail (and roll back) instead of forking.

:func:`record` does not append: it keeps the event on the session (:mod:`clearance.pending`)
and every event of the transaction goes in at its commit, so a request that records an event
and then works for seconds (an upload) does not hold the lock meanwhile, and events recorded in
a savepoint that rolls back are dropped. An event's ``at`` is when it was appended, i.e. when
its transaction committed, so ``at`` rises with ``seq``.

* **PostgreSQL** (migration ``0012``): right before the commit the events are inserted into
  ``audit_pending``, with no lock, and a deferred constraint trigger appends them *inside* the
  ``COMMIT``: lock, head, hashes (the database computes the same formula, over canonical JSON
  that Python made: :func:`_pending_row`), insert. The lock is held for that and the commit's
  WAL flush, never across a round trip to this process; taking it from Python (lock, head,
  insert, commit: three round trips, each waiting for a busy worker's GIL) had 28 of 50
  connections of the load benchmark waiting on it.
* **SQLite**: the events are hashed here and inserted right before the commit (one writer at a
  time there; the unique ``prev_hash`` still guards the chain).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, TextIO

from sqlalchemy import TextClause, insert, select, text
from sqlalchemy.orm import Session

from clearance.errors import AuditError
from clearance.pending import Pending, pending
from clearance.review.audit_events import (
    AuditEvent,
    Claimed,
    Commented,
    Decided,
    Overridden,
    Released,
    Revealed,
    Reviewed,
    RoleChanged,
    Screened,
    Subject,
    Submitted,
    TokenIssued,
    TokenRevoked,
    UserCreated,
    UserUpdated,
    WebhookSubscribed,
    WebhookUnsubscribed,
    event_names,
    event_types,
)
from clearance.storage.db import as_utc
from clearance.storage.review_models import GENESIS_HASH, AuditPending
from clearance.storage.review_models import AuditEvent as AuditRow

__all__ = [
    "EVENT_TYPES", "AuditEvent", "AuditRow", "ChainReport", "Claimed", "Commented", "Decided",
    "Overridden", "Released", "Revealed", "Reviewed", "RoleChanged", "Screened", "Subject",
    "Submitted", "TokenIssued", "TokenRevoked", "UserCreated", "UserUpdated",
    "WebhookSubscribed", "WebhookUnsubscribed", "as_dict", "canonical", "event_hash",
    "event_names", "event_types", "export_jsonl", "iter_events", "jsonl_line", "record",
    "subject_of",
    "verify",
]

#: The stored type names of the event types defined in :mod:`clearance.review.audit_events`
#: (add new ones there); the docs list them, a test checks that.
EVENT_TYPES: Final = event_names()
#: PostgreSQL advisory lock class serialising appends ("CLRA" in ASCII), taken by the trigger of
#: migration 0012 (a test checks they agree); the second key is the hash of the current schema,
#: so databases sharing a server through schemas (the test suite, benchmarks) do not wait on each
#: other's audit chains.
_PG_LOCK_CLASS: Final = 0x434C5241
#: Where a session keeps the events recorded in its transaction until the commit.
_PENDING_KEY: Final = "clearance.audit.pending"


def _iso(at: dt.datetime) -> str:
    return as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(value: Any) -> str:
    """The canonical JSON used for hashing: sorted keys, no spaces, non-ASCII kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def event_hash(prev_hash: str, seq: int, at: dt.datetime, type_: str, actor: str,
               subject: str, data: str) -> str:
    """The hash of one event given its predecessor's hash (``data`` is its canonical JSON)."""
    body = canonical({"seq": seq, "at": _iso(at), "type": type_, "actor": actor,
                      "subject": subject, "data": json.loads(data)})
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def record(session: Session, event: AuditEvent, *, actor: str) -> None:
    """Record ``event``, done by ``actor`` (an :attr:`~clearance.review.access.Actor.audit_name`
    or ``system``), in ``session``'s transaction: it is appended when that transaction commits,
    and never if it (or the savepoint it was recorded in) rolls back.

    The one way into the log. Raises :class:`~clearance.errors.AuditError` for anything that is
    not a registered event type or has no actor."""
    if not isinstance(event, AuditEvent) or AuditEvent._registry.get(event.name) is not type(event):
        raise AuditError(f"not an audit event type: {type(event).__name__}")
    if not actor or actor != actor.strip():
        raise AuditError(f"{event.name} event needs an actor, got {actor!r}")
    entry = _Entry(event.name, actor, str(event.subject), canonical(event.data()))
    queue = pending(session, _PENDING_KEY, before_commit=_append_pending, order=100)
    if queue.is_sealed:  # recorded by another commit hook after the append: append it now
        _append(session, [entry])
    else:
        queue.add(session, entry)


@dataclass(frozen=True, slots=True)
class _Entry:
    """A recorded event waiting for its transaction's commit: what the row will hold."""

    type: str
    actor: str
    subject: str
    data: str


def _append_pending(session: Session, queue: Pending[_Entry]) -> None:
    """``before_commit``: everything else is flushed first, then the events go in."""
    entries = queue.take()
    if entries:
        session.flush()
        _append(session, entries)


#: The statements of an append, built once (Core: an append is on every write request).
_HEAD: Final = select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
_INSERT: Final = insert(AuditRow)
_INSERT_PENDING: Final = insert(AuditPending)
_PENDING_COLUMNS: Final = ("type", "actor", "subject", "data", "body_head", "body_tail")
#: Up to this many pending events go in as one ``INSERT`` of as many rows (below).
_ONE_INSERT: Final = 8


@functools.lru_cache(maxsize=_ONE_INSERT)
def _insert_pending(rows: int) -> TextClause:
    """One ``INSERT`` of ``rows`` pending events (``type_0``, ``actor_0``, …), built once per
    count: a list of rows went through psycopg's ``executemany`` (its pipeline mode), ~1.4 % of
    the service's samples under ``bench/bench_load.py``, where a decision records two or three
    events. Written as text: SQLAlchemy gives a multi-row ``insert().values([...])`` no cache
    key, so it compiled that statement again on every execution (~0.15-0.4 ms each)."""
    values = ", ".join("(" + ", ".join(f":{key}_{n}" for key in _PENDING_COLUMNS) + ")"
                       for n in range(rows))
    return text(f"INSERT INTO {AuditPending.__tablename__} ({', '.join(_PENDING_COLUMNS)}) "
                f"VALUES {values}")


def _pending_row(entry: _Entry) -> dict[str, str]:
    """An ``audit_pending`` row: the event and the canonical JSON around ``at`` and ``seq``, so
    that ``head + at + '","data":' + data + ',"seq":' + seq + tail`` is exactly the body
    :func:`event_hash` hashes (keys sorted: actor, at, data, seq, subject, type)."""
    return {"type": entry.type, "actor": entry.actor, "subject": entry.subject,
            "data": entry.data, "body_head": f'{{"actor":{canonical(entry.actor)},"at":"',
            "body_tail": f',"subject":{canonical(entry.subject)},"type":{canonical(entry.type)}}}'}


def _append(session: Session, entries: list[_Entry]) -> None:
    db = session.connection()
    if db.dialect.name == "postgresql":  # appended by the trigger, inside the COMMIT
        if len(entries) <= _ONE_INSERT:
            db.execute(_insert_pending(len(entries)),
                       {f"{key}_{n}": value for n, entry in enumerate(entries)
                        for key, value in _pending_row(entry).items()})
        else:  # a long transaction (a bulk decision, an import): many rows, one statement
            db.execute(_INSERT_PENDING, [_pending_row(entry) for entry in entries])
        return
    last = db.execute(_HEAD).first()
    seq, prev_hash = (last[0], last[1]) if last is not None else (0, GENESIS_HASH)
    rows = []
    for entry in entries:
        seq += 1
        at = dt.datetime.now(dt.UTC)
        row_hash = event_hash(prev_hash, seq, at, entry.type, entry.actor, entry.subject,
                              entry.data)
        rows.append({"seq": seq, "at": at, "type": entry.type, "actor": entry.actor,
                     "subject": entry.subject, "data": entry.data, "prev_hash": prev_hash,
                     "hash": row_hash})
        prev_hash = row_hash
    db.execute(_INSERT, rows)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The result of :func:`verify`: how many events were checked and the first broken link."""

    checked: int
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(session: Session) -> ChainReport:
    """Walk the chain in ``seq`` order; stop at the first event whose link or hash is wrong."""
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    rows = session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars()
    for event in rows:
        if event.seq != expected_seq:
            return ChainReport(checked, expected_seq,
                               f"event {expected_seq} is missing (deleted? the next is "
                               f"{event.seq})")
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.seq,
                               f"event {event.seq} does not link to event {event.seq - 1}'s hash")
        try:
            want = event_hash(prev_hash, event.seq, event.at, event.type, event.actor,
                              event.subject, event.data)
        except (ValueError, TypeError):
            return ChainReport(checked, event.seq, f"event {event.seq} has unreadable data")
        if want != event.hash:
            return ChainReport(checked, event.seq,
                               f"event {event.seq} ({event.type}, {event.subject}) was altered: "
                               "its content no longer matches its hash")
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    return ChainReport(checked)


def subject_of(row: AuditRow) -> Subject:
    """A stored event's subject, parsed (``item:12`` -> ``Subject("item", "12")``): what the UI
    links and filters by, so nothing splits the string itself."""
    return Subject.parse(row.subject)


def as_dict(event: AuditRow) -> dict[str, Any]:
    """An event as exported (JSON Lines) and shown by the API."""
    return {"seq": event.seq, "at": _iso(event.at), "type": event.type, "actor": event.actor,
            "subject": event.subject, "data": json.loads(event.data),
            "prev_hash": event.prev_hash, "hash": event.hash}


def iter_events(session: Session, *, since: int = 0, subject: Subject | str | None = None,
                type_: type[AuditEvent] | str | None = None, limit: int | None = None
                ) -> Iterator[AuditRow]:
    """Events after ``since`` in chain order, optionally for one subject (a :class:`Subject`
    or its ``kind:id`` text) or type (an event class or its name)."""
    query = select(AuditRow).where(AuditRow.seq > since).order_by(AuditRow.seq)
    if subject is not None:
        query = query.where(AuditRow.subject == str(subject))
    if type_ is not None:
        query = query.where(AuditRow.type == (type_ if isinstance(type_, str) else type_.name))
    if limit is not None:
        query = query.limit(limit)
    yield from session.execute(query).scalars()


def jsonl_line(event: AuditRow) -> str:
    """One event as a line of the JSON Lines export (``clearance audit export`` and the audit
    page's *Export* write exactly these)."""
    return json.dumps(as_dict(event), ensure_ascii=False, sort_keys=True) + "\n"


def export_jsonl(session: Session, out: TextIO, *, since: int = 0) -> int:
    """Write every event after ``since`` as JSON Lines; returns how many."""
    n = 0
    for event in iter_events(session, since=since):
        out.write(jsonl_line(event))
        n += 1
    return n
