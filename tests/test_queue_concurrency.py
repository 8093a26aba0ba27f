"""Concurrent reviewers on real PostgreSQL: each thread has its own connection and session, as API
workers do. Claim-next hands every item to exactly one reviewer (SKIP LOCKED plus the conditional
UPDATE), a contested item goes to one reviewer only, and racing submissions of one version make
one item. (The conditional UPDATE on its own, without row locks, is tested on SQLite too in
test_queue.py::test_conditional_update_refuses_a_stale_claim.)"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import fresh_db
from clearance.errors import NotFound, ReviewConflict
from clearance.findings import Fact, Finding
from clearance.policy.engine import Decision
from clearance.review import audit, queue
from clearance.review.access import Actor
from clearance.review.audit import verify
from clearance.screening import ScreenResult
from clearance.storage import make_engine, session_scope
from clearance.storage.models import Asset, AssetVersion, Title
from clearance.storage.review_models import AuditEvent, ReviewItem, Team, User

pytestmark = pytest.mark.postgres

N_ITEMS = 30
N_REVIEWERS = 12
LEASE = 600
T = TypeVar("T")


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Engine]:
    fresh_db.migrate(postgres_url)
    engine = make_engine(postgres_url, pool_size=N_REVIEWERS + 2, max_overflow=4)
    yield engine
    engine.dispose()


def _result(score: float) -> ScreenResult:
    finding = Finding("suggestive.text", score, Fact("term", "x"), "fake", "1")
    return ScreenResult("x", "text", Decision("review", "default@3"), (finding,))


def _setup(engine: Engine, n_items: int) -> tuple[list[Actor], list[int], list[int]]:
    """Reviewers, queued item ids, and one more unsubmitted version id per item."""
    with session_scope(engine) as s:
        s.add(Team(id="studio", name="Studio"))
        s.add(Title(id="t1", original_title="Night Garden", type="movie"))
        s.flush()
        sub = User(username="sub", display_name="Sub", role="submitter", team_id="studio")
        users = [User(username=f"r{i:02d}", display_name=f"R{i}", role="reviewer")
                 for i in range(N_REVIEWERS)]
        s.add_all([sub, *users])
        s.flush()
        submitter = Actor(sub.id, "sub", "submitter", "studio", "token")
        reviewers = [Actor(u.id, u.username, u.role, None, "token") for u in users]
        asset = Asset(title_id="t1", kind="key_art", locale="en", channel="web")
        s.add(asset)
        s.flush()
        versions = [AssetVersion(asset_id=asset.id, content_sha256=f"{i:064x}",
                                 content_type="image/png", size_bytes=1, created_by="sub")
                    for i in range(2 * n_items)]
        s.add_all(versions)
        s.flush()
        items = [queue.submit_result(s, submitter, v, _result(i / (2 * n_items)),
                                     team_id="studio")[0].id
                 for i, v in enumerate(versions[:n_items])]
        spare = [v.id for v in versions[n_items:]]
    return reviewers, items, spare


def _together(n: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(0..n-1)`` in n threads released at the same instant."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T:
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_claim_next_hands_each_item_to_exactly_one_reviewer(pg: Engine) -> None:
    reviewers, items, _ = _setup(pg, N_ITEMS)
    now = dt.datetime.now(dt.UTC)

    def drain(i: int) -> list[int]:
        got: list[int] = []
        while True:
            try:
                with session_scope(pg) as s:
                    got.append(queue.claim(s, reviewers[i], lease_seconds=LEASE, now=now).id)
            except NotFound:
                return got

    per_reviewer = _together(N_REVIEWERS, drain)
    claimed = [item for got in per_reviewer for item in got]
    assert sorted(claimed) == sorted(items)  # every item once, none twice
    assert sum(1 for got in per_reviewer if got) > 1  # the work really was shared
    with Session(pg) as s:
        holder = {i: c for i, c in s.execute(select(ReviewItem.id, ReviewItem.claimed_by))}
        assert {s.scalar(select(ReviewItem.state).where(ReviewItem.id == i)) for i in items} \
            == {"claimed"}
        claims = s.scalars(select(AuditEvent.subject).where(AuditEvent.type == "claim")).all()
        assert verify(s).ok
    for reviewer, got in zip(reviewers, per_reviewer, strict=True):
        assert all(holder[item] == reviewer.user_id for item in got)
    assert Counter(claims) == Counter(f"item:{i}" for i in items)


def test_one_contested_item_goes_to_one_reviewer(pg: Engine) -> None:
    reviewers, items, _ = _setup(pg, 1)
    (item_id,) = items
    now = dt.datetime.now(dt.UTC)

    def grab(i: int) -> int | None:
        try:
            with session_scope(pg) as s:
                queue.claim(s, reviewers[i], item_id, lease_seconds=LEASE, now=now)
            return reviewers[i].user_id
        except ReviewConflict:
            return None

    winners = [w for w in _together(N_REVIEWERS, grab) if w is not None]
    assert len(winners) == 1
    with Session(pg) as s:
        item = s.get(ReviewItem, item_id)
        assert item is not None and item.claimed_by == winners[0]


def test_claims_of_expired_leases_race_with_expire_leases(pg: Engine) -> None:
    """Items whose leases lapsed are either put back by expire_leases or taken over by a
    claim-next, never both half-way: at the end each is held by at most one reviewer and the
    audit chain is intact."""
    reviewers, items, _ = _setup(pg, 10)
    start = dt.datetime.now(dt.UTC)
    for item_id, reviewer in zip(items, reviewers, strict=False):
        with session_scope(pg) as s:
            queue.claim(s, reviewer, item_id, lease_seconds=1, now=start)
    later = start + dt.timedelta(seconds=5)

    def work(i: int) -> list[int]:
        if i == 0:
            with session_scope(pg) as s:
                queue.expire_leases(s, now=later)
            return []
        got: list[int] = []
        while True:
            try:
                with session_scope(pg) as s:
                    got.append(queue.claim(s, reviewers[i], lease_seconds=LEASE, now=later).id)
            except NotFound:
                return got

    claimed = [item for got in _together(N_REVIEWERS, work) for item in got]
    assert len(claimed) == len(set(claimed))
    with Session(pg) as s:
        states = s.execute(select(ReviewItem.state, ReviewItem.claimed_by)).all()
        assert verify(s).ok
    assert all(state in ("queued", "claimed") for state, _ in states)
    assert sum(1 for state, _ in states if state == "claimed") == len(claimed)


def test_racing_submissions_of_one_version_make_one_item(pg: Engine) -> None:
    _, _, spare = _setup(pg, 1)
    version_id = spare[0]

    def send(_: int) -> int:
        with session_scope(pg) as s:
            version = s.get(AssetVersion, version_id)
            assert version is not None
            return queue.submit_result(s, None, version, _result(0.5), team_id="studio")[0].id

    ids = _together(8, send)
    assert len(set(ids)) == 1
    with Session(pg) as s:
        assert s.scalar(select(ReviewItem.id).where(ReviewItem.version_id == version_id)) \
            == ids[0]
        subjects = s.scalars(select(AuditEvent.subject).where(AuditEvent.type == "submission"))
        assert list(subjects).count(f"item:{ids[0]}") == 1


#: How long the "upload" below keeps its transaction open after recording its audit events.
SLOW_S = 4.0


def test_a_slow_transaction_that_audited_early_does_not_stall_claims(pg: Engine) -> None:
    """What an upload's request does — record its submission, then screen more files for
    seconds in the same transaction — holds the audit lock for the append at its commit only:
    meanwhile claims and a decision (each audited) commit at their usual latency."""
    reviewers, items, spare = _setup(pg, 3)
    recorded, finished = threading.Event(), threading.Event()

    def upload() -> None:
        with session_scope(pg) as s:
            version = s.get_one(AssetVersion, spare[0])
            audit.record(s, audit.Submitted(
                subject=audit.Subject.item(10_000), version_id=version.id,
                asset_id=version.asset_id, title_id="t1", kind="key_art", locale="en",
                channel="web", sha256=version.content_sha256, team_id="studio"),
                actor="user:sub")
            recorded.set()
            finished.wait(SLOW_S)  # the rest of the upload's work
        finished.set()

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        assert recorded.wait(30)
        latencies = []
        for reviewer, item_id in zip(reviewers, items, strict=False):
            started = time.monotonic()
            with session_scope(pg) as s:
                queue.claim(s, reviewer, item_id, lease_seconds=LEASE)
            latencies.append(time.monotonic() - started)
        started = time.monotonic()
        with session_scope(pg) as s:
            queue.decide(s, reviewers[0], items[0], "approve", reason="fine")
        latencies.append(time.monotonic() - started)
        upload_still_open = not finished.is_set()
    finally:
        finished.set()
        uploader.join(30)
    assert upload_still_open
    assert max(latencies) < 1.0, f"claims/decision waited {max(latencies):.2f} s"
    with Session(pg) as s:
        types = [e.type for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert verify(s).ok
    # the upload's event went in at its commit, after the claims and the decision
    assert types[-1] == "submission" and types.count("claim") == 3 and "decision" in types
