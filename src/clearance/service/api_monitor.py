"""API routes of the after-release monitor (``docs/api.md``): titles with activity, a title's
signals, alerts, and deletion requests for posts.

Who may: reviewers and above read (the monitor's posts are personal data: submitters do not see
them); an admin sends deletion requests (as a platform's compliance feed would).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from clearance.monitor import retention
from clearance.service import monitor_views
from clearance.service.deps import AdminDep, ReviewerDep, SessionDep
from clearance.service.models_public import (
    MonitorAlertList,
    MonitorAlertPublic,
    MonitorForgetIn,
    MonitorForgetResult,
    MonitorForgotten,
    MonitorSignals,
    MonitorTitleList,
)
from clearance.service.params import IdPath, Offset

router = APIRouter(prefix="/monitor", tags=["monitor"])


@router.get("/titles")
def list_titles(actor: ReviewerDep, session: SessionDep,
                days: Annotated[float, Query(gt=0, le=366, allow_inf_nan=False)] = 30.0
                ) -> MonitorTitleList:
    """Titles with posts in the last ``days`` (of stream time), busiest first, with their post
    and alert counts."""
    return MonitorTitleList.model_validate(monitor_views.title_activity(session, days))


@router.get("/titles/{title_id}/signals")
def title_signals(title_id: str, actor: ReviewerDep, session: SessionDep,
                  step: Literal["5m", "1h"] = "1h",
                  days: Annotated[float, Query(gt=0, le=366, allow_inf_nan=False)] = 2.0
                  ) -> MonitorSignals:
    """A title's buckets (per 5 minutes or per hour) over the last ``days``: volume, negative,
    offensive, reach, the themes; its petitions with velocity and forecast."""
    return MonitorSignals.model_validate(monitor_views.title_signals(
        session, title_id, step=300 if step == "5m" else 3600, days=days))


@router.get("/alerts")
def list_alerts(actor: ReviewerDep, session: SessionDep, title_id: str | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 50,
                offset: Offset = 0) -> MonitorAlertList:
    """Alerts, newest first (``title_id`` for one title)."""
    return MonitorAlertList.model_validate({"alerts": monitor_views.alert_list(
        session, title_id=title_id, limit=limit, offset=offset)})


@router.get("/alerts/{alert_id}")
def get_alert(alert_id: IdPath, actor: ReviewerDep, session: SessionDep) -> MonitorAlertPublic:
    """One alert with its top posts (read now: deleted text stays deleted) and live versions."""
    return MonitorAlertPublic.model_validate(monitor_views.one_alert(session, alert_id))


@router.post("/forget")
def forget_posts(body: MonitorForgetIn, actor: AdminDep,
                 session: SessionDep) -> MonitorForgetResult:
    """Deletion requests for posts by key (``platform:id``): their text, author and URL are
    removed from the posts and the stored alert webhooks, and never stored again. (The stream's
    copy is removed by ``clearance monitor forget``, which can reach the NATS server.)"""
    done = [retention.forget(session, key, by=actor.audit_name) for key in body.post_keys]
    return MonitorForgetResult(forgotten=[MonitorForgotten(
        post_key=d.post_key, was_stored=d.was_stored, text_removed=d.had_text,
        webhook_messages_scrubbed=d.deliveries_scrubbed) for d in done])
