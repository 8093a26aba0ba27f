"""Work kept on a session until its transaction commits: the audit log's appends and the domain
events' dispatch both happen at the very end of the transaction, not where they were asked for.

Why: the audit chain's append takes a lock that is held until the transaction ends, so an append
made early (an upload's submission, then seconds of other work) stalled every claim and decision
for the rest of the transaction. Kept here and appended in ``before_commit``, the lock is taken
right before the commit and held for the append alone.

A :class:`Pending` queue lives in ``session.info`` under its key and follows the session's
transactions through SQLAlchemy session events:

* each item remembers the (sub)transaction it was added in; a **savepoint that rolls back** drops
  the items added inside it (also inside savepoints nested in it that had committed), so what a
  rolled-back savepoint recorded is never appended;
* the outermost **commit** calls ``before_commit(session, queue)`` while the transaction is still
  open (it may write; what it writes commits with the rest) and, once the database committed,
  ``after_commit(session, queue)`` (no SQL then); savepoint commits call neither;
* the outermost transaction's **end** (commit, rollback or close) empties the queue.

Once its ``before_commit`` hook starts, a queue is *sealed* until the transaction ends: an item
added then (by that hook's own handlers, or a later queue's hook) must be handled on the spot by
the caller, since this commit will not call the hook again. A commit issued on the outermost
transaction while a savepoint is still open is the one case the events cannot tell from a
savepoint commit: it is logged, and the items are dropped — commit savepoints first (``with
session.begin_nested()`` does).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

T = TypeVar("T")


BeforeCommit = Callable[[Session, "Pending[Any]"], None]
AfterCommit = Callable[[Session, "Pending[Any]"], None]
#: Where a session keeps its queues, by key.
_QUEUES_KEY = "clearance.pending"


class Pending(Generic[T]):
    """Items waiting for the outermost commit of one session (see the module docstring)."""

    def __init__(self, key: str, before_commit: BeforeCommit | None,
                 after_commit: AfterCommit | None, order: int) -> None:
        self.key = key
        self._before_commit = before_commit
        self._after_commit = after_commit
        self._order = order
        self._items: list[tuple[T, SessionTransaction]] = []
        #: Whether this transaction's ``before_commit`` hook has run (see the module docstring).
        self.is_sealed = False
        #: What the ``before_commit`` hook handed on to the ``after_commit`` hook.
        self.handed_on: list[T] = []

    def add(self, session: Session, item: T) -> None:
        """Keep ``item`` until the commit, tied to the innermost open (sub)transaction (begun
        here if none is yet, so that a rollback right after drops the item)."""
        where = (session.get_nested_transaction() or session.get_transaction()
                 or session.begin())
        self._items.append((item, where))

    def take(self) -> list[T]:
        """The items in the order they were added; the queue is empty afterwards."""
        items = [item for item, _ in self._items]
        self._items.clear()
        return items

    def __len__(self) -> int:
        return len(self._items)

    def _drop_inside(self, rolled_back: SessionTransaction) -> None:
        def inside(where: SessionTransaction | None) -> bool:
            while where is not None:
                if where is rolled_back:
                    return True
                where = where.parent
            return False

        self._items = [(item, where) for item, where in self._items if not inside(where)]

    def _reset(self) -> None:
        self._items.clear()
        self.handed_on.clear()
        self.is_sealed = False


def pending(session: Session, key: str, *, before_commit: BeforeCommit | None = None,
            after_commit: AfterCommit | None = None, order: int = 0) -> Pending[Any]:
    """The :class:`Pending` queue ``key`` of ``session``, made on first use (the hooks given
    then are the ones it keeps). At the outermost commit the queues' ``before_commit`` hooks run
    by ascending ``order`` — a queue made by an earlier hook still gets its turn — so the
    domain events' in-transaction handlers (order 0) run before the audit append (order 100),
    which then appends what they recorded with the rest and takes its lock last."""
    queues = _queues(session)
    queue = queues.get(key)
    if queue is None:
        queue = queues[key] = Pending[Any](key, before_commit, after_commit, order)
    return queue


def _queues(session: Session) -> dict[str, Pending[Any]]:
    queues = session.info.get(_QUEUES_KEY)
    if isinstance(queues, dict):
        return queues
    queues = session.info[_QUEUES_KEY] = {}
    # Listeners are added once per session, never while SQLAlchemy is calling them (adding one
    # to the collection being called would fail); queues made later are found in the dict.
    event.listen(session, "before_commit", _on_before_commit)
    event.listen(session, "after_commit", _on_after_commit)
    event.listen(session, "after_soft_rollback", _on_soft_rollback)
    event.listen(session, "after_transaction_end", _on_transaction_end)
    return queues


def _on_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's commit (or, see the module docstring, a commit past an open one)
    queues = _queues(session)
    while True:
        waiting = sorted((q for q in queues.values() if not q.is_sealed),
                         key=lambda q: q._order)
        if not waiting:
            return
        queue = waiting[0]
        queue.is_sealed = True  # what its hook adds from now on is handled on the spot
        if queue._before_commit is not None:
            queue._before_commit(session, queue)


def _on_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for queue in list(_queues(session).values()):
        if len(queue):
            log.error("%s: %d pending items dropped: the outermost transaction committed "
                      "without its commit hook (committed past an open savepoint?)",
                      queue.key, len(queue))
        if queue._after_commit is not None:
            queue._after_commit(session, queue)


def _on_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.nested:
        for queue in _queues(session).values():
            queue._drop_inside(previous)


def _on_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for queue in _queues(session).values():
            queue._reset()
