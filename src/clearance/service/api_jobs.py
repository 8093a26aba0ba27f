"""API routes for background jobs: a batch's progress, and resuming one that a stopped process
left ``interrupted``. Jobs are rows (:mod:`clearance.service.jobs`), so any worker process
answers, whichever one runs the job."""

from __future__ import annotations

from fastapi import APIRouter

from clearance.service import jobs, views
from clearance.service.deps import SessionDep, StateDep, SubmitterDep
from clearance.service.models_public import JobPublic

router = APIRouter(tags=["jobs"])


@router.get("/jobs/{job_id}")
def get_job(job_id: str, actor: SubmitterDep, session: SessionDep) -> JobPublic:
    """A background batch's progress: ``done`` of ``total``, the items made, per-file errors
    (the job's owner, or an admin; 404 for anyone else)."""
    owner = None if actor.at_least("admin") else actor.user_id
    return views.job_view(jobs.get_job(session, job_id, owner_id=owner))


@router.post("/jobs/{job_id}/resume")
def resume_job(job_id: str, actor: SubmitterDep, session: SessionDep,
               state: StateDep) -> JobPublic:
    """Queue an ``interrupted`` job again; only its files not yet done are run, and none is
    doubled (409 when the job is not interrupted)."""
    owner = None if actor.at_least("admin") else actor.user_id
    job = jobs.resume_job(session, job_id, owner_id=owner, actor=actor.audit_name)
    view = views.job_view(job)
    session.commit()  # before the runner looks for it
    if state.jobs is not None:
        state.jobs.wake()
    return view
