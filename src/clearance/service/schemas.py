"""Request bodies of the JSON API (responses are built in :mod:`clearance.service.views`).
Unknown fields are refused, so a misspelt field is a 422, not silently ignored."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from clearance.service.params import BodyId

Role = Literal["submitter", "reviewer", "senior_reviewer", "admin"]
Outcome = Literal["approve", "reject", "request_changes"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DecisionIn(_Body):
    outcome: Outcome
    #: Required to approve a screening ``block`` (an override).
    reason: str = Field(default="", max_length=5000)
    #: Required with ``request_changes``; shown to the submitter.
    comment: str = Field(default="", max_length=10_000)


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
    expires_days: int | None = Field(default=None, gt=0, le=3650)


class WebhookCreate(_Body):
    url: str = Field(min_length=1, max_length=2000)
    #: Generated when omitted; returned once either way.
    secret: str | None = Field(default=None, max_length=200)
    events: list[str] = Field(default_factory=lambda: ["decision"])


class WithdrawIn(_Body):
    #: Why the version is withdrawn everywhere (audited).
    reason: str = Field(min_length=1, max_length=2000)


BankReason = Literal["rejected", "withdrawn", "takedown", "negative"]


class BankCreate(_Body):
    name: str = Field(min_length=1, max_length=64)
    #: ``negative``: known-good look-alikes, whose matches suppress the others.
    reason: BankReason
    distance: int = Field(default=31, ge=0, le=256)
    description: str = Field(default="", max_length=500)
    enabled: StrictBool = True


class BankUpdate(_Body):
    distance: int | None = Field(default=None, ge=0, le=256)
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
