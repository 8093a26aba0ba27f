"""Request bodies of the JSON API (responses are built in :mod:`clearance.service.views`).
Unknown fields are refused, so a misspelt field is a 422, not silently ignored; values are
strict (``"5"`` is no number, ``1`` no boolean), so the OpenAPI document says exactly what is
accepted."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, WithJsonSchema

from clearance.review.webhooks import WEBHOOK_EVENTS
from clearance.service.params import BodyDays, BodyDistance, BodyId


def _webhook_event(value: str) -> str:
    if value not in WEBHOOK_EVENTS:
        raise ValueError(f"one of {', '.join(WEBHOOK_EVENTS)}")
    return value


Role = Literal["submitter", "reviewer", "senior_reviewer", "admin", "legal"]
Outcome = Literal["approve", "reject", "request_changes"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


class DecisionIn(_Body):
    outcome: Outcome
    #: Required to approve a screening ``block`` (an override).
    reason: str = Field(default="", max_length=5000)
    #: Required with ``request_changes``; shown to the submitter.
    comment: str = Field(default="", max_length=10_000)
    #: A preset reason code of the outcome (``GET /api/queue/reason-codes``); another
    #: outcome's code, or an unknown one, is refused (422).
    reason_code: str | None = Field(default=None, max_length=64)


class CommentIn(_Body):
    body: str = Field(min_length=1, max_length=10_000)


class PreferencesIn(_Body):
    blur_images: StrictBool


class UserCreate(_Body):
    username: str = Field(min_length=2, max_length=64)
    role: Role
    team_id: str | None = Field(default=None, max_length=64)
    display_name: str | None = Field(default=None, max_length=200)
    #: Omit for a token-only user.
    password: str | None = Field(default=None, max_length=1000)


class AssetTeamIn(_Body):
    #: The team whose submitters may add versions; ``null`` for none.
    team_id: str | None = Field(max_length=64)


class RoleUpdate(_Body):
    role: Role


class TokenCreate(_Body):
    name: str = Field(default="api", min_length=1, max_length=100)
    expires_days: BodyDays | None = None


#: An event a webhook can subscribe to (:data:`clearance.review.webhooks.WEBHOOK_EVENTS`).
WebhookEvent = Annotated[str, AfterValidator(_webhook_event),
                         WithJsonSchema({"type": "string", "enum": list(WEBHOOK_EVENTS)})]


class WebhookCreate(_Body):
    url: str = Field(min_length=1, max_length=2000)
    #: Generated when omitted; returned once either way.
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    events: list[WebhookEvent] = Field(default_factory=lambda: ["decision"], min_length=1)


class WithdrawIn(_Body):
    #: Why the version is withdrawn everywhere (audited).
    reason: str = Field(min_length=1, max_length=2000)


BankReason = Literal["rejected", "withdrawn", "takedown", "negative"]


class BankCreate(_Body):
    #: Lowercase letters, digits, ``.``, ``_`` and ``-``; not ``match`` (a route's name).
    name: str = Field(min_length=1, max_length=64, pattern=r"^(?!match$)[a-z0-9][a-z0-9_.-]{0,63}$")
    #: ``negative``: known-good look-alikes, whose matches suppress the others.
    reason: BankReason
    distance: BodyDistance = 31
    description: str = Field(default="", max_length=500)
    enabled: StrictBool = True


class BankUpdate(_Body):
    distance: BodyDistance | None = None
    enabled: StrictBool | None = None


class BankVersionIn(_Body):
    version_id: BodyId
    #: Why (kept with the entry and in the audit log).
    reason: str = Field(default="", max_length=2000)


class BankEntryRemove(_Body):
    #: Why the entry leaves its bank (required, audited).
    reason: str = Field(min_length=1, max_length=2000)


class WithdrawEverywhereIn(_Body):
    #: Why (required unless ``dry_run``; audited; each near-copy's withdrawal says whose
    #: near-copy it is).
    reason: str = Field(default="", max_length=2000)
    #: List what would be withdrawn; change nothing.
    dry_run: StrictBool = False
    #: The version ids a person confirmed (from a dry run): refused (409) if the plan changed.
    expect: list[BodyId] | None = Field(default=None, max_length=10_000)


class PolicyDraftIn(_Body):
    #: The draft policy's YAML (the policy loader's limit: 1 MB).
    policy: str = Field(min_length=1, max_length=1_000_000)
