"""Concurrent claims against a real server: uvicorn on a loopback port, PostgreSQL behind it,
and two dozen reviewers with their own API tokens hammering ``claim-next`` and contested
``claim`` calls at once. Every item must end up with exactly one reviewer, and no request may
fail with a 5xx (a deadlock or a unique-key race surfacing as an internal error would)."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, func, select

from api_world import constructed_result, settings_for, shared_screener
from clearance.catalog.write import add_asset_version, upsert_asset
from clearance.review import access, audit, queue
from clearance.service import create_app
from clearance.storage import LocalBlobStore, make_engine, session_scope, upgrade
from clearance.storage.models import Title
from clearance.storage.review_models import AuditEvent, ReviewItem

pytestmark = pytest.mark.postgres

REVIEWERS = 22
FREE_ITEMS = 40
CONTESTED = 5
T = TypeVar("T")


def _result(score: float) -> dict[str, Any]:
    return {"decision": "review", "policy": "test@1", "reasons": [],
            "findings": [{"label": "suggestive.text", "score": score,
                          "evidence": {"kind": "fact", "name": "n", "value": "v"},
                          "detector": "constructed", "detector_version": "test"}]}


def _seed(engine: Engine, blobs: LocalBlobStore) -> tuple[dict[str, str], list[int]]:
    tokens: dict[str, str] = {}
    with session_scope(engine) as s:
        access.create_user(s, access.SYSTEM, "studio-sub", role="submitter", team_id="studio")
        submitter = access.actor_for(access.get_user(s, "studio-sub"), "cli")
        for n in range(REVIEWERS):
            name = f"rev{n:02d}"
            access.create_user(s, access.SYSTEM, name, role="reviewer")
            tokens[name] = access.issue_token(s, access.SYSTEM, name, "load")[1]
        title = Title(id="t-load", original_title="Load", type="movie", rating="PG")
        s.add(title)
        s.flush()
        asset, _ = upsert_asset(s, title, kind="synopsis", locale="en", channel="web")
        ids = []
        for n in range(FREE_ITEMS + CONTESTED):
            version, _ = add_asset_version(s, blobs, asset, f"copy {n}".encode(),
                                           content_type="text/plain; charset=utf-8",
                                           created_by="load")
            s.flush()
            item, _ = queue.submit_result(s, submitter, version,
                                          constructed_result(_result(0.5 + n / 1000)),
                                          team_id="studio")
            ids.append(item.id)
    return tokens, ids


class _Server:
    """uvicorn serving ``app`` on a socket bound to a free loopback port, in a thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                                    limit_concurrency=200))
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)
        self.sock.close()


@pytest.fixture
def served(postgres_url: str, tmp_path: Path) -> Iterator[tuple[str, Engine, dict[str, str],
                                                                 list[int]]]:
    upgrade(postgres_url)
    engine = make_engine(postgres_url, pool_size=30, max_overflow=10)
    settings = settings_for(tmp_path, postgres_url)
    try:
        tokens, ids = _seed(engine, LocalBlobStore(settings.resolved_blob_dir))
        app = create_app(settings, engine=engine, screener=shared_screener(),
                         webhook_worker=False)
        with _Server(app) as server:
            yield server.url, engine, tokens, ids
    finally:
        engine.dispose()


def _together(n: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` for i in range(n) on n threads released at the same moment."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_reviewers_claim_every_item_exactly_once(served: tuple[
        str, Engine, dict[str, str], list[int]]) -> None:
    url, engine, tokens, ids = served
    names = sorted(tokens)
    contested, free = ids[:CONTESTED], ids[CONTESTED:]
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def client(i: int) -> httpx.Client:
        return httpx.Client(base_url=url, timeout=30,
                            headers={"Authorization": f"Bearer {tokens[names[i]]}"})

    # Round 1: everyone claims the same few items, in different orders.
    def contest(i: int) -> list[int]:
        won = []
        with client(i) as c:
            order = contested[i % CONTESTED:] + contested[:i % CONTESTED]
            for item_id in order:
                r = c.post(f"/api/items/{item_id}/claim")
                with lock:
                    statuses[r.status_code] += 1
                if r.status_code == 200:
                    assert r.json()["claimed_by"] == names[i]
                    won.append(item_id)
                else:
                    assert r.status_code == 409, r.text
                    assert r.headers["content-type"] == "application/problem+json"
        return won

    winners = _together(REVIEWERS, contest)
    won = Counter(item for wins in winners for item in wins)
    assert won == Counter(contested), "each contested item goes to exactly one reviewer"

    # Round 2: everyone drains the queue with claim-next until it says there is nothing left.
    def drain(i: int) -> list[int]:
        got = []
        with client(i) as c:
            while True:
                r = c.post("/api/queue/claim-next")
                with lock:
                    statuses[r.status_code] += 1
                if r.status_code == 404:
                    return got
                assert r.status_code == 200, r.text
                got.append(r.json()["id"])

    drained = _together(REVIEWERS, drain)
    taken = [item for got in drained for item in got]
    assert len(taken) == len(set(taken)), "an item was handed to two reviewers"
    assert sorted(taken) == sorted(free)
    assert sum(1 for got in drained if got) > 1, "the work was not shared at all"
    assert not [s for s in statuses if s >= 500], statuses

    with session_scope(engine) as s:
        rows = s.execute(select(ReviewItem.id, ReviewItem.state, ReviewItem.claimed_by)).all()
        assert all(state == "claimed" and holder is not None for _, state, holder in rows)
        holders = {item_id: holder for item_id, _, holder in rows}
        claims = s.execute(select(AuditEvent.subject, func.count()).where(
            AuditEvent.type == "claim").group_by(AuditEvent.subject)).all()
        assert sorted(int(subj.split(":")[1]) for subj, _ in claims) == sorted(holders)
        assert all(n == 1 for _, n in claims)
        assert audit.verify(s).ok
