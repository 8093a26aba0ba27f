"""Background batch screening: a batch of more than a few files is accepted at once (202) and
screened by one worker thread, while ``GET /api/jobs/{id}`` reports its progress.

Jobs live in memory: they are a convenience for a waiting client, not a record. What a job
produces (asset versions, review items, audit events) is in the database as it goes, one file
per transaction, so a restart loses only the progress report, never a half-stored item.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

from clearance.errors import ClearanceError, NotFound

log = logging.getLogger("clearance.service.jobs")

#: Finished jobs kept for their progress report (oldest dropped first).
KEEP_FINISHED: Final = 200


@dataclass
class Job:
    """One batch being screened; ``items`` are review item ids, ``errors`` per-file problems."""

    id: str
    owner_id: int
    total: int
    done: int = 0
    items: list[int] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    state: str = "queued"  # queued -> running -> done
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    finished_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "done": self.done, "total": self.total,
                "items": list(self.items), "errors": [dict(e) for e in self.errors],
                "created_at": self.created_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


#: One unit of work: given nothing, store and screen one file; returns the review item id.
Step = tuple[str, Callable[[], int]]


class JobRunner:
    """Runs jobs one at a time on a worker thread (screening is serialised anyway)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clearance-job")

    def submit(self, owner_id: int, steps: Sequence[Step]) -> Job:
        job = Job(id=uuid.uuid4().hex, owner_id=owner_id, total=len(steps))
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, list(steps))
        return job

    def get(self, job_id: str, *, owner_id: int | None) -> Job:
        """The job; ``owner_id`` None means any job (an admin asking)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (owner_id is not None and job.owner_id != owner_id):
            raise NotFound(f"no job {job_id!r}")
        return job

    def _run(self, job: Job, steps: list[Step]) -> None:
        job.state = "running"
        for name, step in steps:
            try:
                item_id = step()
            except ClearanceError as exc:
                with self._lock:
                    job.errors.append({"file": name, "detail": exc.message})
            except Exception:
                log.exception("job %s: %s failed", job.id, name)
                with self._lock:
                    job.errors.append({"file": name, "detail": "internal error"})
            else:
                with self._lock:
                    job.items.append(item_id)
            with self._lock:
                job.done += 1
        with self._lock:
            job.state = "done"
            job.finished_at = dt.datetime.now(dt.UTC)

    def _forget_old(self) -> None:
        finished = sorted((j for j in self._jobs.values() if j.state == "done"),
                          key=lambda j: j.created_at)
        for job in finished[:max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job.id]

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every submitted job has finished (tests, shutdown)."""
        marker = self._pool.submit(lambda: None)
        try:
            marker.result(timeout=timeout)
        except TimeoutError:
            return False
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


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
