"""``clearance demo --serve``: the demo's Cuties items waiting in the review queue.

After :func:`clearance.demo.run_demo` has screened the campaign, :func:`seed_review` submits every
screened asset version (as of the first moment it was live) for review, on behalf of a marketing
submitter, so the ones that did not pass wait in the queue; and it makes one user per role. Their
passwords are random, made afresh on every run and printed once: the demo has no default
credentials, and it refuses to seed users outside the development environment.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from clearance.demo.case import DemoRun, _versions
from clearance.errors import ConfigurationError, NotFound
from clearance.review import access, queue
from clearance.settings import Settings
from clearance.storage import ready_engine, session_scope
from clearance.storage.screening_models import Screening

#: The demo's team and one user per role: (username, role, display name).
TEAM: Final = ("marketing-fr", "Marketing (France)")
DEMO_USERS: Final = (
    ("marketing", "submitter", "Camille (marketing, submitter)"),
    ("reviewer", "reviewer", "Sam (standards reviewer)"),
    ("reviewer2", "reviewer", "Alex (standards reviewer)"),
    ("senior", "senior_reviewer", "Jo (senior reviewer)"),
    ("admin", "admin", "Robin (admin)"),
)
_BY: Final = "system"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    role: str
    password: str


@dataclass(frozen=True, slots=True)
class SeededQueue:
    logins: list[DemoLogin]
    queued: int
    passed: int


def _password() -> str:
    # 15 URL-safe characters; mixed classes so check_password_strength accepts it
    return f"demo-{secrets.token_urlsafe(12)}"


def _ensure_users(session: Session) -> list[DemoLogin]:
    access.ensure_team(session, TEAM[0], TEAM[1])
    logins = []
    for username, role, display in DEMO_USERS:
        password = _password()
        try:
            user = access.get_user(session, username)
        except NotFound:
            access.create_user(session, _BY, username, role=role,
                               team_id=TEAM[0] if role == "submitter" else None,
                               password=password, display_name=display)
        else:
            if user.role != role:
                access.set_role(session, _BY, username, role)
            if not user.active:
                access.set_active(session, _BY, username, True)
            access.set_password(session, _BY, username, password)
        logins.append(DemoLogin(username, role, password))
    return logins


def seed_users(settings: Settings) -> list[DemoLogin]:
    """One user per role with a new printed password (development only), for the replay."""
    _require_development(settings)
    with ready_engine(settings.resolved_database_url) as engine, \
            session_scope(engine) as session:
        return _ensure_users(session)


def _require_development(settings: Settings) -> None:
    if settings.environment != "development":
        raise ConfigurationError(
            "clearance demo --serve creates demo users with printed passwords and runs only in "
            f"the development environment (CLEARANCE_ENVIRONMENT is {settings.environment!r})")


def seed_review(settings: Settings, run: DemoRun) -> SeededQueue:
    """Users for every role and the demo's screened versions as review items (idempotent: a
    version already submitted keeps its item; passwords are new on every call)."""
    _require_development(settings)
    with ready_engine(settings.resolved_database_url) as engine, \
            session_scope(engine) as session:
        logins = _ensure_users(session)
        submitter = access.actor_for(access.get_user(session, "marketing"), "cli")
        versions = _versions(session)
        seen: set[int] = set()
        queued = passed = 0
        for outcome in run.outcomes:
            version = versions[outcome.asset][outcome.version - 1]
            if version.id in seen:
                continue
            seen.add(version.id)
            screening = session.get(Screening, outcome.screening_id)
            if screening is None:
                raise NotFound(f"screening {outcome.screening_id} of the demo run is gone")
            item, _ = queue.submit(session, submitter, version, screening, team_id=TEAM[0])
            if item.state == "passed":
                passed += 1
            else:
                queued += 1
    return SeededQueue(logins, queued, passed)
