"""Request bodies and responses of the incident routes (:mod:`clearance.service.api_incidents`).

Bodies are strict and closed like the rest of the API (:mod:`clearance.service.schemas`): an
action is one of seven shapes told apart by ``kind``, each with exactly the fields that kind
takes. Moments (``onset``, ``at``) are ISO 8601 with a zone, between 2000 and 2100 (a moment
outside is a mistake, and a window around it would leave the calendar). Responses name their
top-level fields; the nested records (a version's screening and review, an action's detail and
effect, the learning) are the JSON ``docs/incidents.md`` documents.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from clearance.service.params import BodyId

_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _moment(value: object) -> dt.datetime:
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise ValueError("an ISO 8601 date and time with a zone, as text")
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError("an ISO 8601 date and time with a zone") from None
    if at.tzinfo is None:
        raise ValueError("a moment needs its zone (Z or +01:00)")
    at = at.astimezone(dt.UTC)
    if not _EARLIEST <= at < _LATEST:
        raise ValueError("a moment between 2000 and 2100")
    return at


#: ISO 8601 with a zone (``2020-08-20T10:00:00Z``), 2000 to 2100.
Moment = Annotated[dt.datetime, BeforeValidator(_moment),
                   WithJsonSchema({"type": "string", "format": "date-time"})]
#: The states (:data:`clearance.storage.incident_models.INCIDENT_STATES`).
State = Literal["open", "responding", "monitoring", "closed"]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


class IncidentOpenIn(_Body):
    #: The title (optional with ``alert_id``: the alert's).
    title_id: str | None = Field(default=None, min_length=1, max_length=64)
    #: Open it from this alert (recorded as opened by a person).
    alert_id: BodyId | None = None
    name: str = Field(default="", max_length=300)
    owner: str | None = Field(default=None, max_length=64)
    #: When the backlash began (default: the alert's onset, or now).
    onset: Moment | None = None


class IncidentStateIn(_Body):
    state: State
    #: Required to close.
    reason: str = Field(default="", max_length=4000)


class IncidentOwnerIn(_Body):
    #: A username, or ``null`` for nobody.
    owner: str | None = Field(max_length=64)


class IncidentLinkIn(_Body):
    alert_id: BodyId | None = None
    version_id: BodyId | None = None


class WithdrawAction(_Body):
    kind: Literal["withdraw_everywhere"]
    version_id: BodyId
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    #: The version ids a person confirmed (``GET /api/versions/{id}/lineage``): 409 if the
    #: plan changed since.
    expect: list[BodyId] | None = Field(default=None, max_length=10_000)
    at: Moment | None = None


class ReplaceAction(_Body):
    kind: Literal["replace", "copy_rewritten"]
    #: The version replaced.
    version_id: BodyId
    #: The new version, uploaded through ``POST /api/titles/{id}/assets`` (screened there); it
    #: is routed into the review queue if it was not yet.
    replacement_id: BodyId
    at: Moment | None = None


class StatementAction(_Body):
    kind: Literal["statement"]
    text: Text
    channel: Short
    at: Moment | None = None


class RatingAction(_Body):
    kind: Literal["rating_changed"]
    rating: Annotated[str, Field(min_length=1, max_length=20)]
    reason: str = Field(default="", max_length=4000)
    at: Moment | None = None


class PlacementAction(_Body):
    kind: Literal["placement_changed"]
    #: Where it was shown, and where it is now (``kids row`` → ``removed``).
    placement_from: Short = Field(alias="from")
    placement_to: Short = Field(alias="to")
    version_id: BodyId | None = None
    reason: str = Field(default="", max_length=4000)
    at: Moment | None = None


class EscalationAction(_Body):
    kind: Literal["escalation"]
    to: Short
    reason: Text
    at: Moment | None = None


ActionIn = Annotated[WithdrawAction | ReplaceAction | StatementAction | RatingAction
                     | PlacementAction | EscalationAction, Field(discriminator="kind")]


class MeasureIn(_Body):
    #: The length of each window before and after an action.
    hours: int = Field(default=12, ge=3, le=168)


# -- responses ---------------------------------------------------------------------------------

class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentVersionRef(_Public):
    version_id: int
    ref: str | None
    role: Literal["live", "added"]


class _IncidentBase(_Public):
    id: int
    name: str
    title_id: str | None
    title: str | None
    state: State
    owner: str | None
    opened_from: Literal["alert", "person", "hand"]
    opened_by: str
    alert_id: int | None
    onset: str
    opened_at: str
    updated_at: str
    closed_at: str | None
    close_reason: str
    themes: dict[str, float]


class IncidentSummary(_IncidentBase):
    versions: list[IncidentVersionRef]


class IncidentList(_Public):
    incidents: list[IncidentSummary]


class IncidentActionPublic(_Public):
    id: int
    kind: str
    at: str
    by: str
    detail: dict[str, Any]
    effect: dict[str, Any] | None
    effect_summary: str | None
    measured_at: str | None


class IncidentDetail(_IncidentBase):
    #: Each version's record: place, publication, screening, review, how it got out, ``now``.
    versions: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    petitions: list[dict[str, Any]]
    top_posts: list[dict[str, Any]]
    actions: list[IncidentActionPublic]
    timeline: list[dict[str, Any]]


class IncidentMeasured(_Public):
    actions: list[IncidentActionPublic]
    #: The incident's theme shift (``null`` without an action or data after it).
    theme_shift: dict[str, Any] | None


class IncidentLearning(_Public):
    incident_id: int
    policy: str
    causes: list[dict[str, Any]]
    #: The draft with its what-if, or ``null`` when nothing needed drafting.
    draft: dict[str, Any] | None
    summary: str
