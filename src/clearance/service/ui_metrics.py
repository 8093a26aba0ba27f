"""The metrics page, ``/metrics`` (senior reviewers and admins; ``docs/ui.md``): throughput, time
to decision, queue age against the service-level targets, reviewer agreement, overrides and
reason codes over the last 1, 7, 30 or 90 days, from :func:`clearance.review.metrics.compute`
(the same numbers as ``GET /api/metrics``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from clearance.errors import Forbidden
from clearance.review import metrics, service_levels
from clearance.service.deps import SessionDep, StateDep
from clearance.service.ui_base import PageDep, UIRoute, render

router = APIRouter(route_class=UIRoute, include_in_schema=False)
#: The windows the page offers (days).
WINDOWS = (1, 7, 30, 90)
Days = Annotated[float, Query(gt=0, le=metrics.MAX_DAYS, allow_inf_nan=False)]


def hours_text(hours: float | None) -> str:
    """``2 h``, ``45 min``, ``3 d 4 h``; an em dash for none."""
    if hours is None:
        return "—"
    return service_levels.span(dt.timedelta(hours=hours))


@router.get("/metrics")
def metrics_page(request: Request, page: PageDep, session: SessionDep, state: StateDep,
                 days: Days = 7.0) -> Response:
    """How the review team is doing over the window."""
    if not page.is_senior:
        raise Forbidden("the metrics are for senior reviewers and admins (user "
                        f"{page.actor.username!r} has the {page.actor.role} role)")
    report = metrics.compute(session, page.actor, days=days,
                             targets=state.settings.review_target_hours)
    busiest = max((d.decisions for d in report.per_day), default=0)
    widest = max((n for _label, n in report.queue.buckets), default=0)
    most_coded = max((rc.reviews for rc in report.reason_codes), default=0)
    return render(request, "metrics.html", page, m=report, windows=WINDOWS, days=days,
                  busiest=busiest, widest=widest, most_coded=most_coded, hours=hours_text,
                  targets=state.settings.review_target_hours)
