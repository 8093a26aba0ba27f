"""The monitor's pages (``docs/ui.md``): ``/monitor`` (titles with activity and the latest
alerts), ``/monitor/titles/{id}`` (a title's timelines as server-side SVG charts — volume,
negativity, themes, each petition's count with its forecast — its alerts and quoted copy) and
``/monitor/alerts/{id}`` (one alert: window, themes, languages, top posts, the live versions at
the onset with their screening decisions). Reviewers and above. The charts are drawn by
:mod:`clearance.monitor.charts` (no script, no CDN); every string in them is escaped there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from clearance.errors import Forbidden
from clearance.monitor.dashboard import overview_charts, title_overview
from clearance.service import monitor_views
from clearance.service.deps import SessionDep
from clearance.service.params import IdPath
from clearance.service.ui_base import Page, PageDep, UIRoute, render
from clearance.service.ui_incidents import alert_incident

router = APIRouter(route_class=UIRoute, include_in_schema=False)
#: How far back a page looks: finite, at most a year.
Days = Annotated[float, Query(gt=0, le=366, allow_inf_nan=False)]


def _require_reviewer(page: Page) -> None:
    if not page.is_reviewer:
        raise Forbidden(f"the monitor is for reviewers ({page.actor.username} is "
                        f"{page.actor.role})")


@router.get("/monitor")
def monitor_page(request: Request, page: PageDep, session: SessionDep,
                 days: Days = 30.0) -> Response:
    """Titles with posts in the period and the latest alerts."""
    _require_reviewer(page)
    activity = monitor_views.title_activity(session, days)
    alerts = monitor_views.alert_list(session, title_id=None, limit=50)
    return render(request, "monitor.html", page, activity=activity, alerts=alerts, days=days)


@router.get("/monitor/titles/{title_id}")
def monitor_title_page(request: Request, title_id: str, page: PageDep, session: SessionDep,
                       days: Days = 30.0) -> Response:
    """A title's timelines, totals, alerts, quoted copy and news."""
    _require_reviewer(page)
    view = title_overview(session, title_id, days=days)
    alerts = [monitor_views.one_alert(session, a.id) for a in view.alerts[:20]]
    return render(request, "monitor_title.html", page, view=view, totals=view.totals(),
                  charts=overview_charts(view), alerts=alerts, days=days)


@router.get("/monitor/alerts/{alert_id}")
def monitor_alert_page(request: Request, alert_id: IdPath, page: PageDep,
                       session: SessionDep) -> Response:
    """One alert with everything it carries."""
    _require_reviewer(page)
    return render(request, "monitor_alert.html", page,
                  alert=monitor_views.one_alert(session, alert_id),
                  incident_id=alert_incident(session, alert_id))
