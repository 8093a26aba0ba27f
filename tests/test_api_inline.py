"""Where the busiest routes' database work runs (:func:`clearance.service.deps._inline`): on the
event loop's own thread when no other request of the process has a transaction open, and in a
worker thread while one has — a transaction held across awaits may hold the lock that the work
waits for, and only the loop can commit it. On both backends: the work on the loop, then a
decision that waits for a row (PostgreSQL) or the write lock (SQLite) held by a request whose
transaction is still open, which must finish instead of blocking the loop that has to commit
the lock's holder."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, make_url, select, update

from api_world import RISKY, World, world
from clearance.service.deps import SessionDep
from clearance.storage.review_models import ReviewItem


@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[World]:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":  # a deadlock fails the test, not hang the suite
        options = f"{url.query.get('options', '')} -clock_timeout=15000".strip()
        url = url.update_query_dict({"options": options})
    with world(tmp_path, url.render_as_string(hide_password=False), db_work="loop") as built:
        yield built


def _loop_thread(w: World) -> int:
    async def where() -> int:
        return threading.get_ident()

    w.app.add_api_route("/test/loop-thread", where)
    answer = w.call("GET", "/test/loop-thread")
    assert answer.status_code == 200, answer.text
    ident: int = answer.json()
    return ident


#: What AnyIO names the threads it runs sync work in.
WORKER: str = "AnyIO worker thread"


class _Threads:
    """The threads each SQL statement ran on, while listening (the service's background
    threads, e.g. its lease sweeper, may run statements of their own meanwhile)."""

    def __init__(self, w: World) -> None:
        self.engine, self.seen = w.engine, list[tuple[int, str]]()

    def _note(self, *_args: Any) -> None:
        self.seen.append((threading.get_ident(), threading.current_thread().name))

    def on(self, ident: int) -> int:
        return sum(1 for seen, _name in self.seen if seen == ident)

    def on_workers(self) -> int:
        return sum(1 for _ident, name in self.seen if name == WORKER)

    def __enter__(self) -> _Threads:
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._note)


def test_busy_routes_run_their_work_on_the_event_loop(w: World) -> None:
    loop = _loop_thread(w)
    w.queued_item("alice", text=RISKY + " One.")
    with _Threads(w) as threads:
        claimed = w.call("POST", "/api/queue/claim-next", "rita")
        item_id = claimed.json()["id"]
        assert w.call("GET", f"/api/items/{item_id}", "rita").status_code == 200
        assert w.call("GET", "/api/items", "rita").status_code == 200
        decided = w.call("POST", f"/api/items/{item_id}/decision", "rita",
                         json={"outcome": "reject"})
    assert claimed.status_code == 200 and decided.status_code == 200, decided.text
    assert threads.on(loop) >= 8 and threads.on_workers() == 0, threads.seen


def test_work_waiting_for_an_open_transactions_lock_runs_in_a_thread(w: World) -> None:
    loop = _loop_thread(w)
    item_id = w.queued_item("alice", text=RISKY + " Two.")
    claimed = w.call("POST", f"/api/items/{item_id}/claim", "rita")
    assert claimed.status_code == 200, claimed.text
    locked, release = threading.Event(), threading.Event()

    def hold(session: SessionDep) -> dict[str, bool]:
        """A sync route (in a worker thread) whose transaction holds the item's row lock
        (PostgreSQL) or the write lock (SQLite) until the loop commits it."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(ReviewItem.id).where(ReviewItem.id == item_id)
                            .with_for_update())
        else:
            session.execute(update(ReviewItem).where(ReviewItem.id == item_id)
                            .values(risk=ReviewItem.risk))
        locked.set()
        release.wait(10)
        return {"held": True}

    w.app.add_api_route("/test/hold", hold, methods=["POST"])
    answers: dict[str, Any] = {}

    def call(name: str, *args: Any, **kwargs: Any) -> None:
        answers[name] = w.call(*args, **kwargs)

    holder = threading.Thread(target=call, args=("hold", "POST", "/test/hold"))
    holder.start()
    assert locked.wait(10)
    with _Threads(w) as threads:
        decider = threading.Thread(target=call, args=(
            "decision", "POST", f"/api/items/{item_id}/decision", "rita"),
            kwargs={"json": {"outcome": "reject"}})
        decider.start()
        time.sleep(0.3)  # the decision is waiting for the lock now
        release.set()
        holder.join(30)
        decider.join(30)
    assert not holder.is_alive() and not decider.is_alive()
    assert answers["hold"].status_code == 200, answers["hold"].text
    assert answers["decision"].status_code == 200, answers["decision"].text
    assert threads.on(loop) == 0 and threads.on_workers() > 0, threads.seen


def test_a_lone_process_keeps_the_work_in_threads(tmp_path: Path) -> None:
    """``db_work=auto`` (the default) outside a worker of several: threads, since the loop
    would wait idle for every answer of the database."""
    with world(tmp_path) as lone:
        loop = _loop_thread(lone)
        lone.queued_item("alice", text=RISKY + " Three.")
        with _Threads(lone) as threads:
            claimed = lone.call("POST", "/api/queue/claim-next", "rita")
        assert claimed.status_code == 200, claimed.text
        assert threads.on(loop) == 0 and threads.on_workers() > 0, threads.seen
