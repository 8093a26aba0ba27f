"""Background jobs stored in the database: a batch of more than a few files is accepted at once
(202) and screened by a runner thread, while ``GET /api/jobs/{id}`` reads its progress from the
database, so any worker of ``clearance serve --workers N`` answers it and a restart forgets
nothing (tables ``jobs`` and ``job_steps``, :mod:`clearance.storage.job_models`).

* **Accepting** a batch stores each file in the blob store (content-addressed), then the job
  with one ``pending`` step per file in one short transaction (:func:`create_job`).
* **Claiming.** Every service process runs one :class:`JobRunner` thread. It takes a ``queued``
  job with a conditional ``UPDATE ... WHERE state = 'queued'`` (:func:`claim_job`): of several
  processes trying at once exactly one sees its row change, so one job never runs twice.
* **Running.** The runner runs the job's pending steps in order (each stores, screens and queues
  one file in transactions of its own, :func:`clearance.service.intake.run_batch_step`), marks
  each ``done`` or ``failed`` with its error, counts ``done`` and beats ``heartbeat_at`` as it
  goes, and a heartbeat thread beats while a long step runs. Every write is conditional on the
  job still being this worker's, so a runner that lost its job stops instead of racing another.
* **Dead processes.** A job ``running`` in a process that died (killed, the machine lost) is
  marked ``interrupted`` (:func:`mark_dead`, audited as ``job.interrupt`` by ``system``): at
  start (each process, before its runner claims anything) and every :data:`SWEEP_SECONDS` after.
  A job is dead when its worker (``host:pid``) is on this host and that process is gone, or when
  its heartbeat is older than :data:`STALE_AFTER_SECONDS` (a process on another host). A job
  that was running in a process shut down cleanly is marked ``interrupted`` by that process.
* **Resuming** (:func:`resume_job`, ``POST /api/jobs/{id}/resume``, audited as ``job.resume``;
  accepting one is ``job.start``) puts an interrupted job back in the queue; the runner does only
  its ``pending`` steps. A step interrupted after its item was
  made but before it was marked done runs again and finds that item (the same bytes for the same
  asset are the same version, and a version already routed to review with the same screening is
  not queued twice), so resuming creates no duplicates.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from clearance.errors import ClearanceError, NotFound, ReviewConflict
from clearance.review import audit
from clearance.review.access import SYSTEM
from clearance.review.audit_events import JobInterrupted, JobResumed, Subject
from clearance.storage.db import as_utc, session_scope
from clearance.storage.job_models import Job, JobStep

log = logging.getLogger("clearance.service.jobs")

#: How often a running job's heartbeat is refreshed while a step runs.
HEARTBEAT_SECONDS: Final = 5.0
#: A running job whose heartbeat is older than this is dead (twelve missed beats).
STALE_AFTER_SECONDS: Final = 60.0
#: How often an idle runner looks for queued jobs accepted by another process (one accepted by
#: its own process wakes it at once).
POLL_SECONDS: Final = 1.0
#: How often running jobs of dead processes are looked for after start.
SWEEP_SECONDS: Final = 30.0
BATCH_KIND: Final = "batch"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def this_worker() -> str:
    """This process as a job's ``worker``: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host is running (a zombie, killed but not yet reaped by
    its parent, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (not Linux): the signal said it exists
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


@dataclass(frozen=True, slots=True)
class StepInput:
    """One file of a batch being accepted: its name, ``file`` or ``text``, and its bytes'
    SHA-256 in the blob store (put there before the job's transaction)."""

    name: str
    kind: str
    blob_sha256: str


@dataclass(frozen=True, slots=True)
class JobInfo:
    """A claimed job, as plain values for the thread that runs it."""

    id: str
    owner_id: int | None
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class StepInfo:
    id: int
    position: int
    name: str
    kind: str
    blob_sha256: str


#: Runs one step; returns the review item id it made or found (``None``: it makes no item). A
#: :class:`ClearanceError` fails the step with its message; the job goes on with the next one.
StepRunner = Callable[[JobInfo, StepInfo], int | None]


# -- the job table -------------------------------------------------------------------------

def create_job(session: Session, *, owner_id: int, params: Mapping[str, Any],
               steps: Sequence[StepInput], kind: str = BATCH_KIND) -> Job:
    """Store a queued job with one pending step per input."""
    job = Job(id=uuid.uuid4().hex, kind=kind, owner_id=owner_id, params=dict(params),
              state="queued", total=len(steps), done=0, created_at=utcnow())
    job.steps = [JobStep(position=n, name=s.name[:300], kind=s.kind,
                         blob_sha256=s.blob_sha256, state="pending")
                 for n, s in enumerate(steps)]
    session.add(job)
    session.flush()
    return job


def job_subject(job_id: str) -> Subject:
    """A job in the audit log: ``job:<id>``."""
    return Subject("job", job_id)


def get_job(session: Session, job_id: str, *, owner_id: int | None) -> Job:
    """The job; ``owner_id`` None means any job (an admin asking). Someone else's job is not
    found (404), as an item of another team is."""
    job = session.get(Job, job_id)
    if job is None or (owner_id is not None and job.owner_id != owner_id):
        raise NotFound(f"no job {job_id!r}")
    return job


def resume_job(session: Session, job_id: str, *, owner_id: int | None, actor: str) -> Job:
    """Put an interrupted job back in the queue (only its pending steps will run; audited as
    ``job.resume`` by ``actor``); a job in any other state is a conflict (409)."""
    job = get_job(session, job_id, owner_id=owner_id)
    changed = session.execute(update(Job).where(Job.id == job_id, Job.state == "interrupted")
                              .values(state="queued", worker=None, finished_at=None))
    session.refresh(job)
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise ReviewConflict(f"job {job_id} is {job.state}: only an interrupted job can be "
                             "resumed")
    audit.record(session, JobResumed(subject=job_subject(job.id), done=job.done,
                                     total=job.total), actor=actor)
    return job


def claim_job(session: Session, worker: str, now: dt.datetime | None = None) -> JobInfo | None:
    """Take the oldest queued job for ``worker``; ``None`` when there is none (or every one was
    taken by another process first)."""
    at = now or utcnow()
    candidates = session.scalars(select(Job.id).where(Job.state == "queued")
                                 .order_by(Job.created_at, Job.id).limit(10)).all()
    for job_id in candidates:
        taken = session.execute(
            update(Job).where(Job.id == job_id, Job.state == "queued")
            .values(state="running", worker=worker, heartbeat_at=at,
                    started_at=func.coalesce(Job.started_at, at)))
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            job = session.get(Job, job_id)
            assert job is not None
            return JobInfo(job.id, job.owner_id, dict(job.params))
    return None


def pending_steps(session: Session, job_id: str) -> list[StepInfo]:
    rows = session.scalars(select(JobStep).where(JobStep.job_id == job_id,
                                                 JobStep.state == "pending")
                           .order_by(JobStep.position))
    return [StepInfo(s.id, s.position, s.name, s.kind, s.blob_sha256) for s in rows]


def _owned(job_id: str, worker: str) -> Any:
    return (Job.id == job_id) & (Job.worker == worker) & (Job.state == "running")


def beat(session: Session, job_id: str, worker: str, now: dt.datetime | None = None) -> bool:
    """Refresh the heartbeat of a job ``worker`` runs; False when it is no longer its job."""
    res = session.execute(update(Job).where(_owned(job_id, worker))
                          .values(heartbeat_at=now or utcnow()))
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


def finish_step(session: Session, job_id: str, worker: str, step_id: int, *,
                item_id: int | None, error: str | None) -> bool:
    """Mark a step done (with its item) or failed (with its error) and count the job's progress;
    False, changing nothing, when the job is no longer ``worker``'s."""
    now = utcnow()
    if not beat(session, job_id, worker, now):
        return False
    session.execute(update(JobStep).where(JobStep.id == step_id, JobStep.state == "pending")
                    .values(state="failed" if error is not None else "done", item_id=item_id,
                            error=error, finished_at=now))
    finished = select(func.count(JobStep.id)).where(JobStep.job_id == job_id,
                                                   JobStep.state != "pending")
    session.execute(update(Job).where(Job.id == job_id)
                    .values(done=finished.scalar_subquery()))
    return True


def end_job(session: Session, job_id: str, worker: str, *, state: str) -> bool:
    """Mark ``worker``'s running job ``done`` or ``interrupted``."""
    res = session.execute(update(Job).where(_owned(job_id, worker)).values(
        state=state, finished_at=utcnow() if state == "done" else None))
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


def mark_dead(session: Session, *, now: dt.datetime | None = None,
              stale_after: float = STALE_AFTER_SECONDS, host: str | None = None,
              alive: Callable[[int], bool] = process_alive) -> list[str]:
    """Mark ``interrupted`` the running jobs whose process is dead (see the module docstring);
    returns their ids. Each change is conditional on the row read, so a job that beat or moved
    on meanwhile is left alone."""
    at = now or utcnow()
    here = host if host is not None else socket.gethostname()
    marked = []
    for job_id, worker, heartbeat, done, total in session.execute(
            select(Job.id, Job.worker, Job.heartbeat_at, Job.done, Job.total)
            .where(Job.state == "running")).all():
        worker_host, _, pid = (worker or "").rpartition(":")
        gone = worker_host == here and pid.isdigit() and not alive(int(pid))
        stale = heartbeat is None or (at - as_utc(heartbeat)).total_seconds() > stale_after
        if not (gone or stale):
            continue
        res = session.execute(update(Job).where(
            Job.id == job_id, Job.state == "running", Job.worker == worker,
            Job.heartbeat_at.is_(None) if heartbeat is None else Job.heartbeat_at == heartbeat,
        ).values(state="interrupted"))
        if res.rowcount == 1:  # type: ignore[attr-defined]
            log.warning("job %s was left running by %s, which is gone: marked interrupted",
                        job_id, worker or "an unknown worker")
            audit.record(session, JobInterrupted(subject=job_subject(job_id), worker=worker,
                                                 done=done, total=total), actor=SYSTEM)
            marked.append(job_id)
    return marked


# -- the runner ----------------------------------------------------------------------------

class JobRunner:
    """Runs this process's share of the stored jobs on one thread (screening is serialised
    anyway), one job at a time, one step at a time."""

    def __init__(self, engine: Engine, run_step: StepRunner, *, worker: str | None = None,
                 poll_s: float = POLL_SECONDS, heartbeat_s: float = HEARTBEAT_SECONDS,
                 stale_after_s: float = STALE_AFTER_SECONDS,
                 sweep_s: float = SWEEP_SECONDS) -> None:
        self.engine = engine
        self.run_step = run_step
        self.worker = worker or this_worker()
        self.poll_s = poll_s
        self.stale_after_s = stale_after_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._current: str | None = None
        self._thread: threading.Thread | None = None
        self._beater = Periodic("clearance-job-heartbeat", heartbeat_s, self._beat)
        self._sweeper = Periodic("clearance-job-sweep", sweep_s, self.sweep)

    def start(self) -> None:
        """Mark the jobs of dead processes interrupted, then start claiming."""
        self.sweep()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="clearance-jobs", daemon=True)
        self._thread.start()
        self._beater.start()
        self._sweeper.start()

    def wake(self) -> None:
        """Look for queued jobs now (this process just accepted one)."""
        self._idle.clear()
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current step; a job left unfinished is marked ``interrupted``."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._beater.stop()
        self._sweeper.stop()

    def sweep(self) -> list[str]:
        with session_scope(self.engine) as session:
            return mark_dead(session, stale_after=self.stale_after_s)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no job is queued or running here (tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._idle.wait(0.05) and not self._has_queued():
                return True
        return False

    def _has_queued(self) -> bool:
        with session_scope(self.engine) as session:
            return session.scalar(select(func.count(Job.id))
                                  .where(Job.state.in_(("queued", "running")))) != 0

    def _beat(self) -> None:
        job_id = self._current
        if job_id is not None:
            with session_scope(self.engine) as session:
                beat(session, job_id, self.worker)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                with session_scope(self.engine) as session:
                    job = claim_job(session, self.worker)
            except Exception:
                log.exception("claiming a job failed; retrying")
                job = None
            if job is not None:
                self._idle.clear()
                self._run(job)
                continue
            self._idle.set()
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _run(self, job: JobInfo) -> None:
        self._current = job.id
        try:
            with session_scope(self.engine) as session:
                steps = pending_steps(session, job.id)
            for step in steps:
                if self._stopping.is_set():
                    break
                item_id, error = self._step(job, step)
                with session_scope(self.engine) as session:
                    if not finish_step(session, job.id, self.worker, step.id, item_id=item_id,
                                       error=error):
                        log.warning("job %s is no longer ours; stopping it here", job.id)
                        return
            with session_scope(self.engine) as session:
                end_job(session, job.id, self.worker,
                        state="interrupted" if self._stopping.is_set() else "done")
        except Exception:
            log.exception("job %s failed; it stays running until marked interrupted", job.id)
        finally:
            self._current = None

    def _step(self, job: JobInfo, step: StepInfo) -> tuple[int | None, str | None]:
        try:
            return self.run_step(job, step), None
        except ClearanceError as exc:
            return None, exc.message
        except Exception:
            log.exception("job %s: %s failed", job.id, step.name)
            return None, "internal error"


class Periodic:
    """A daemon thread calling ``fn`` every ``interval_s`` seconds until :meth:`stop`; a failing
    call is logged and retried at the next tick (housekeeping must not die of a hiccup)."""

    def __init__(self, name: str, interval_s: float, fn: Callable[[], object]) -> None:
        self.name = name
        self.interval_s = interval_s
        self.fn = fn
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.wait(self.interval_s):
            try:
                self.fn()
            except Exception:
                log.exception("%s failed; retrying in %.0f s", self.name, self.interval_s)
