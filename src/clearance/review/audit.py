"""The tamper-evident audit log: typed events in an append-only, hash-chained table.

Every state change (submission, screening, claim, release, reveal, review, decision, override,
comment, role change, user creation, token issue and revocation, webhook subscription) is one
:class:`~clearance.storage.review_models.AuditEvent`, written in the same transaction as the
change itself by :func:`record`. Each event's hash covers its predecessor's::

    hash = sha256(prev_hash + "\\n" + canonical_json({seq, at, type, actor, subject, data}))

where canonical JSON has sorted keys, no spaces, UTF-8 and ``at`` in ISO 8601 UTC with
microseconds. The first event's ``prev_hash`` is 64 zeros. :func:`verify` recomputes the chain
in ``seq`` order and names the first broken link; a row edited, deleted or inserted out of
order breaks it (the database triggers of migration 0002 refuse UPDATE/DELETE in the first
place). On PostgreSQL appends are serialised by a transaction-level advisory lock; elsewhere
the unique ``prev_hash`` makes a racing append fail (and roll back) instead of forking.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, TextIO

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from clearance.storage.db import as_utc
from clearance.storage.review_models import GENESIS_HASH, AuditEvent

#: The event types; :func:`record` refuses any other (the docs list them, a test checks that).
EVENT_TYPES: Final = (
    "submission",  # an asset version submitted for review
    "screening",  # its screening result (decision, policy version, labels)
    "claim",  # a reviewer claimed an item (lease)
    "release",  # a claim given back or expired
    "reveal",  # a reviewer revealed an image
    "review",  # one reviewer's outcome (first of two, or disagreeing)
    "decision",  # the item's final outcome
    "override",  # a senior overturned a block (with the written reason)
    "comment",  # a comment on an item
    "user.create",
    "user.role",  # role change
    "user.update",  # password, activity, team or preference change
    "token.issue",
    "token.revoke",
    "webhook.subscribe",
    "webhook.unsubscribe",
)
#: PostgreSQL advisory lock class serialising appends ("CLRA" in ASCII); the second key is the
#: hash of the current schema, so databases sharing a server through schemas (the test suite,
#: benchmarks) do not wait on each other's audit chains.
_PG_LOCK_CLASS: Final = 0x434C5241


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


def record(session: Session, type_: str, actor: str, subject: str,
           data: Mapping[str, Any] | None = None) -> AuditEvent:
    """Append one event in ``session``'s transaction (it commits or rolls back with it)."""
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown audit event type {type_!r}")
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
                        {"k": _PG_LOCK_CLASS})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    prev_seq, prev_hash = (last[0], last[1]) if last is not None else (0, GENESIS_HASH)
    seq = prev_seq + 1
    at = dt.datetime.now(dt.UTC)
    payload = canonical(dict(data or {}))
    event = AuditEvent(seq=seq, at=at, type=type_, actor=actor, subject=subject, data=payload,
                       prev_hash=prev_hash,
                       hash=event_hash(prev_hash, seq, at, type_, actor, subject, payload))
    session.add(event)
    session.flush()
    return event


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
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
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


def as_dict(event: AuditEvent) -> dict[str, Any]:
    """An event as exported (JSON Lines) and shown by the API."""
    return {"seq": event.seq, "at": _iso(event.at), "type": event.type, "actor": event.actor,
            "subject": event.subject, "data": json.loads(event.data),
            "prev_hash": event.prev_hash, "hash": event.hash}


def iter_events(session: Session, *, since: int = 0, subject: str | None = None,
                type_: str | None = None, limit: int | None = None) -> Iterator[AuditEvent]:
    """Events after ``since`` in chain order, optionally for one subject or type."""
    query = select(AuditEvent).where(AuditEvent.seq > since).order_by(AuditEvent.seq)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    if type_ is not None:
        query = query.where(AuditEvent.type == type_)
    if limit is not None:
        query = query.limit(limit)
    yield from session.execute(query).scalars()


def export_jsonl(session: Session, out: TextIO, *, since: int = 0) -> int:
    """Write every event after ``since`` as JSON Lines; returns how many."""
    n = 0
    for event in iter_events(session, since=since):
        out.write(json.dumps(as_dict(event), ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n
