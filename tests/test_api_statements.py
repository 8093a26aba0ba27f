"""How many SQL statements the review service's busiest routes send (``bench/bench_load.py``'s
mix: claim-next, the item, a decision), on SQLite and PostgreSQL. Each statement costs the
service ~0.1-0.3 ms of Python and the database a round trip, and the load benchmark is CPU-bound,
so the counts are held to what they were cut to: a budget a change has to argue for, not a
timing. Also: rejecting copy (which has no perceptual hash) reads nothing of the hash bank, and
the commit-time handlers find the decided item's version and asset in the session instead of
selecting them again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from api_world import RISKY, World, world

#: Statements per route and backend (PostgreSQL's BEGIN, the pool's ping and COMMIT are not
#: cursor statements; SQLite's ``BEGIN IMMEDIATE`` is, and it appends the audit chain in Python:
#: lock, head, insert). Before the cuts (ba6f426), on PostgreSQL: claim-next 10, first review
#: 10, final decision 18; on SQLite 12, 13 and 21.
BUDGET = {"postgresql": {"claim-next": 7, "item": 3, "first review": 7, "final decision": 9},
          "sqlite": {"claim-next": 9, "item": 4, "first review": 10, "final decision": 12}}


@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[World]:
    with world(tmp_path, database_url) as built:
        yield built


def _statements(w: World, method: str, path: str, as_: str, **kwargs: Any
                ) -> tuple[Any, list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(w.engine, "before_cursor_execute", note)
    try:
        answer = w.call(method, path, as_, **kwargs)
    finally:
        event.remove(w.engine, "before_cursor_execute", note)
    assert answer.status_code == 200, answer.text
    return answer, seen


def test_claim_item_and_reject_stay_within_their_statement_budget(w: World) -> None:
    # a minor is named, so two people decide: a reviewer's first review, a senior's second
    for text in (RISKY + " One.", RISKY + " Two."):
        w.queued_item("alice", text=text)
    for _ in range(2):  # the second round runs on warm caches, as a busy service does
        claimed, on_claim = _statements(w, "POST", "/api/queue/claim-next", "rita")
        item_id = claimed.json()["id"]
        _, on_item = _statements(w, "GET", f"/api/items/{item_id}", "rita")
        first, on_first = _statements(w, "POST", f"/api/items/{item_id}/decision", "rita",
                                      json={"outcome": "reject"})
        assert first.json()["state"] == "queued"
        w.call("POST", f"/api/items/{item_id}/claim", "sam")
        final, on_final = _statements(w, "POST", f"/api/items/{item_id}/decision", "sam",
                                      json={"outcome": "reject"})
        assert final.json()["state"] == "rejected"
    counts = {"claim-next": len(on_claim), "item": len(on_item),
              "first review": len(on_first), "final decision": len(on_final)}
    budget = BUDGET[w.engine.dialect.name]
    assert all(counts[route] <= budget[route] for route in budget), (counts, on_final)
    # copy is not banked: the rejection's bank subscriber stops before any bank lookup
    assert not [s for s in on_final if re.search(r"\bbanks?\b", s)], on_final
    # the handlers' reads of the decided version and asset hit the session, not the database
    by_id = [s for s in on_final
             if re.search(r"FROM (assets|asset_versions) WHERE \w+\.id = ", s)]
    assert not by_id, by_id


@pytest.mark.postgres
def test_reads_run_without_begin_and_commit_and_writes_in_one_transaction(
        tmp_path: Path, postgres_url: str) -> None:
    """On PostgreSQL the queue page and an item's detail read on AUTOCOMMIT connections (no
    ``BEGIN``/``COMMIT`` round trips); claim-next and a decision stay one transaction."""
    from psycopg.pq import TransactionStatus

    with world(tmp_path, postgres_url) as w:
        w.queued_item("alice", text=RISKY)
        states: list[TransactionStatus] = []

        def note(conn: Any, *_args: Any) -> None:
            states.append(conn.connection.dbapi_connection.info.transaction_status)

        def during(method: str, path: str, **kwargs: Any) -> set[TransactionStatus]:
            states.clear()
            event.listen(w.engine, "after_cursor_execute", note)
            try:
                assert w.call(method, path, "rita", **kwargs).status_code == 200
            finally:
                event.remove(w.engine, "after_cursor_execute", note)
            return set(states)

        during("GET", "/api/items")  # authenticates rita (a write: the token's last use)
        assert during("GET", "/api/items") == {TransactionStatus.IDLE}
        item_id = w.call("POST", "/api/queue/claim-next", "rita").json()["id"]
        assert during("GET", f"/api/items/{item_id}") == {TransactionStatus.IDLE}
        assert during("POST", f"/api/items/{item_id}/release") == {TransactionStatus.INTRANS}


def test_a_decision_writes_its_rows_without_the_unit_of_work(w: World) -> None:
    """The review and the item's new state are two statements, not a flush of ORM objects (the
    unit of work cost ~1.4 ms of Python a decision): no flush sees a review or an item, and the
    item answered and the rows agree."""
    from sqlalchemy.orm import Session

    from clearance.storage.review_models import Review, ReviewItem

    item_id = w.queued_item("alice", text=RISKY)
    w.call("POST", f"/api/items/{item_id}/claim", "rita")
    flushed: list[str] = []

    def note(session: Session, *_args: Any) -> None:
        flushed.extend(type(o).__name__ for o in (*session.new, *session.dirty)
                       if isinstance(o, Review | ReviewItem))

    event.listen(Session, "before_flush", note)
    try:
        first, _ = _statements(w, "POST", f"/api/items/{item_id}/decision", "rita",
                               json={"outcome": "reject", "comment": "Please reword."})
        w.call("POST", f"/api/items/{item_id}/claim", "sam")
        final, _ = _statements(w, "POST", f"/api/items/{item_id}/decision", "sam",
                               json={"outcome": "reject"})
    finally:
        event.remove(Session, "before_flush", note)
    assert flushed == []
    assert first.json()["state"] == "queued" and final.json()["state"] == "rejected"
    assert [r["outcome"] for r in final.json()["reviews"]] == ["reject", "reject"]
    with Session(w.engine) as s:
        item = s.get_one(ReviewItem, item_id)
        assert (item.state, item.claimed_by, item.lease_expires_at) == ("rejected", None, None)
        assert item.decided_at is not None
        assert [(r.outcome, r.final) for r in item.reviews] == [("reject", False),
                                                                ("reject", True)]
