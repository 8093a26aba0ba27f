"""Background jobs stored in the database (:mod:`clearance.service.jobs`): a queued job is claimed
by exactly one worker, running jobs of dead processes are marked interrupted (and those of live
ones are not), resuming runs only the steps not done, and through the API a resumed batch makes
no duplicate items. The restart of a real server is in ``test_api_jobs_restart.py``."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from api_world import World, png_bytes, world
from clearance.review import audit
from clearance.service import jobs
from clearance.service.jobs import JobInfo, JobRunner, StepInfo, StepInput
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.job_models import Job, JobStep
from clearance.storage.models import AssetVersion
from clearance.storage.review_models import ReviewItem
from test_api_auth import assert_problem


def _owner(engine: Engine) -> int:
    from clearance.review import access

    with session_scope(engine) as s:
        return access.create_user(s, access.SYSTEM, "owner", role="submitter",
                                  team_id="studio").id


def _job(engine: Engine, blobs: LocalBlobStore, owner: int, n: int = 3) -> str:
    steps = [StepInput(f"f{i}.txt", "text", blobs.put(f"copy {i}".encode())) for i in range(n)]
    with session_scope(engine) as s:
        return jobs.create_job(s, owner_id=owner, params={}, steps=steps).id


def test_a_queued_job_is_claimed_by_exactly_one_worker(engine: Engine,
                                                       blobs: LocalBlobStore) -> None:
    job_id = _job(engine, blobs, _owner(engine))
    barrier = threading.Barrier(6)
    won: list[str] = []

    def claim(i: int) -> None:
        barrier.wait()
        try:
            with session_scope(engine) as s:
                got = jobs.claim_job(s, f"host:{1000 + i}")
        except Exception:  # a writer refused by SQLite's lock claimed nothing
            return
        if got is not None:
            won.append(f"host:{1000 + i}")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    with session_scope(engine) as s:
        job = s.get(Job, job_id)
        assert job is not None and (job.state, job.worker) == ("running", won[0])
        assert jobs.claim_job(s, "host:1") is None  # nothing left to claim


def test_dead_processes_jobs_are_marked_interrupted_and_live_ones_left(
        engine: Engine, blobs: LocalBlobStore) -> None:
    owner = _owner(engine)
    now = dt.datetime.now(dt.UTC)
    cases = {  # worker, heartbeat age (s) -> dead?
        ("here:111", 1): True,        # this host, process gone
        ("here:222", 1): False,       # this host, process alive
        ("there:333", 1): False,      # another host, beating
        ("there:444", 600): True,     # another host, silent for ten minutes
    }
    ids = {}
    for (worker, age), _dead in cases.items():
        job_id = _job(engine, blobs, owner, 1)
        with session_scope(engine) as s:
            s.execute(update(Job).where(Job.id == job_id).values(
                state="running", worker=worker, heartbeat_at=now - dt.timedelta(seconds=age)))
        ids[worker] = job_id
    with session_scope(engine) as s:
        marked = jobs.mark_dead(s, now=now, host="here", alive=lambda pid: pid == 222)
    assert set(marked) == {ids[w] for (w, _), dead in cases.items() if dead}
    with session_scope(engine) as s:
        states = {w: st for w, st in s.execute(select(Job.worker, Job.state))}
    assert states == {"here:111": "interrupted", "here:222": "running",
                      "there:333": "running", "there:444": "interrupted"}
    with session_scope(engine) as s:
        interrupted = {(str(e.subject), e.actor) for e in audit.iter_events(
            s, type_="job.interrupt")}
    assert interrupted == {(f"job:{ids[w]}", "system") for w in ("here:111", "there:444")}


def test_process_alive() -> None:
    import os
    import subprocess
    import sys

    assert jobs.process_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not jobs.process_alive(child.pid)


def test_a_runner_runs_only_the_pending_steps_and_resume_needs_an_interrupted_job(
        engine: Engine, blobs: LocalBlobStore) -> None:
    owner = _owner(engine)
    job_id = _job(engine, blobs, owner, 4)
    with session_scope(engine) as s:
        s.execute(update(JobStep).where(JobStep.job_id == job_id, JobStep.position < 2)
                  .values(state="done"))
        s.execute(update(Job).where(Job.id == job_id).values(state="interrupted", done=2))
    ran: list[int] = []

    def step(job: JobInfo, info: StepInfo) -> int | None:
        ran.append(info.position)
        if info.position == 3:
            from clearance.errors import ContentError

            raise ContentError(f"{info.name}: cannot use it")
        return None  # (the API test below makes real items)

    runner = JobRunner(engine, step, worker="here:1", poll_s=0.05)
    runner.start()
    try:
        assert runner.wait_idle(5)
        assert ran == []  # an interrupted job waits to be resumed
        with session_scope(engine) as s:
            assert jobs.resume_job(s, job_id, owner_id=owner, actor="user:owner").state \
                == "queued"
        runner.wake()
        assert runner.wait_idle(10)
    finally:
        runner.stop()
    assert ran == [2, 3]
    with session_scope(engine) as s:
        job = s.get(Job, job_id)
        assert job is not None and (job.state, job.done, job.total) == ("done", 4, 4)
        assert [st.state for st in job.steps] == ["done", "done", "done", "failed"]
        assert job.steps[3].error == "f3.txt: cannot use it"
        with pytest.raises(Exception, match="only an interrupted job"):
            jobs.resume_job(s, job_id, owner_id=owner, actor="user:owner")


def test_a_runner_that_lost_its_job_stops_there(engine: Engine, blobs: LocalBlobStore) -> None:
    job_id = _job(engine, blobs, _owner(engine), 3)
    ran: list[int] = []

    def step(job: JobInfo, info: StepInfo) -> int | None:
        ran.append(info.position)
        with session_scope(engine) as s:  # another process declared it dead meanwhile
            s.execute(update(Job).where(Job.id == job.id).values(state="interrupted"))
        return None

    runner = JobRunner(engine, step, worker="here:1", poll_s=0.05)
    runner.start()
    try:
        assert runner.wait_idle(10)
    finally:
        runner.stop()
    assert ran == [0]
    with session_scope(engine) as s:
        job = s.get(Job, job_id)
        assert job is not None and (job.state, job.done) == ("interrupted", 0)


# -- through the API -----------------------------------------------------------------------

@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as built:
        yield built


def _counts(w: World) -> tuple[int, int]:
    with session_scope(w.engine) as s:
        return (s.scalar(select(func.count(AssetVersion.id))) or 0,
                s.scalar(select(func.count(ReviewItem.id))) or 0)


def test_a_resumed_batch_makes_no_duplicates(w: World) -> None:
    files = [("files", (f"k{i}.png", png_bytes(60 + i, 40), "image/png")) for i in range(6)]
    r = w.call("POST", "/api/batches", "alice", files=files,
               data={"title_id": "t1", "kind": "key_art", "locale": "und", "channel": "web"})
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    runner = w.app.state.clearance.jobs
    assert runner.wait_idle(60)
    done = w.call("GET", url, "alice").json()
    assert (done["state"], done["done"], len(done["items"])) == ("done", 6, 6)
    before = _counts(w)
    # As if the process had died after making the last three items but before marking them.
    job_id = done["id"]
    with session_scope(w.engine) as s:
        s.execute(update(JobStep).where(JobStep.job_id == job_id, JobStep.position >= 3)
                  .values(state="pending", item_id=None, finished_at=None))
        s.execute(update(Job).where(Job.id == job_id)
                  .values(state="interrupted", done=3, finished_at=None))
    assert w.call("GET", url, "alice").json()["state"] == "interrupted"
    assert_problem(w.call("POST", f"{url}/resume", "bob"), 404)  # not bob's job
    resumed = w.call("POST", f"{url}/resume", "alice")
    assert resumed.status_code == 200 and resumed.json()["state"] in ("queued", "running")
    assert runner.wait_idle(60)
    again = w.call("GET", url, "ada").json()  # an admin reads any job
    assert (again["state"], again["done"], again["items"]) == ("done", 6, done["items"])
    assert _counts(w) == before == (6, 6)
    conflict = assert_problem(w.call("POST", f"{url}/resume", "alice"), 409)
    assert "only an interrupted job" in conflict["detail"]
    events = w.call("GET", "/api/audit", "sam", params={"subject": f"job:{job_id}"}).json()
    assert [(e["type"], e["actor"]) for e in events["events"]] == [
        ("job.start", "token:alice/1"), ("job.resume", "token:alice/1")]
    assert events["events"][0]["data"]["files"] == 6
