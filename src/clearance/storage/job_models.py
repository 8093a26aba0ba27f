"""Background jobs, stored (same metadata as :mod:`clearance.storage.models`; migration ``0003``).

A **job** is a batch of uploads screened in the background; its **steps** are the files, each
kept in the blob store from the moment the batch is accepted, so a job outlives the process that
accepted it. Any worker of ``clearance serve --workers N`` reads a job's progress from here; a
worker takes a queued job with a conditional UPDATE (so two workers never run one job) and
refreshes ``heartbeat_at`` while it runs. When the service starts, jobs left ``running`` by a
previous process are marked ``interrupted``; resuming one runs only its steps that are not done,
and each step is idempotent (the same bytes for the same asset are the same version, and a version
already in review is not queued twice), so nothing is doubled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearance.storage.models import Base, _in, utcnow

#: queued -> running -> done; running -> interrupted (the process stopped) -> queued (resumed).
JOB_STATES: Final = ("queued", "running", "done", "interrupted")
#: pending -> done | failed (a file that could not be used; the error says why).
STEP_STATES: Final = ("pending", "done", "failed")
STEP_KINDS: Final = ("file", "text")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_in("state", JOB_STATES), name="state"),
        Index(None, "state", "created_at"),
        Index(None, "owner_id"),
    )

    #: A random hex id (not guessable: it is the job's URL).
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: What every step needs besides its file (the asset spec of a batch upload).
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    #: Which process runs it (``host:pid``), while it runs.
    worker: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    steps: Mapped[list[JobStep]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobStep.position"
    )


class JobStep(Base):
    __tablename__ = "job_steps"
    __table_args__ = (
        CheckConstraint(_in("state", STEP_STATES), name="state"),
        CheckConstraint(_in("kind", STEP_KINDS), name="kind"),
        UniqueConstraint("job_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    #: The file's name as uploaded (or ``text-N``).
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    #: The uploaded bytes, in the blob store.
    blob_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_items.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    job: Mapped[Job] = relationship(back_populates="steps")


JOB_TABLES: Final = ("jobs", "job_steps")
