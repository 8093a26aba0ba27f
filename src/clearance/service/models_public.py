"""What the JSON API answers: one pydantic model per response shape (``XPublic`` beside the
request bodies of :mod:`clearance.service.schemas`), so ``/openapi.json`` describes every response
and a route cannot return a field by accident.

The JSON is the one ``docs/api.md`` documents and users script against: field names are kept as
they were when routes returned dicts. Timestamps are ISO 8601 in UTC with an explicit offset
(``2026-12-06T21:40:58.123456+00:00``), as before; dates are ``YYYY-MM-DD``.

Models of values the review code builds as mappings (an item's title context) allow extra keys,
so a field added there is passed through rather than dropped; the declared fields are the
documented ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from clearance.service.answers import iso_utc as _iso

#: A moment, in UTC, as ISO 8601 with ``+00:00`` (SQLite hands back naive UTC datetimes).
UtcTime = Annotated[dt.datetime, PlainSerializer(_iso, return_type=str, when_used="json"),
                    WithJsonSchema({"type": "string", "format": "date-time"})]


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """A shape built as a mapping elsewhere: the documented fields, and any added later."""

    model_config = ConfigDict(extra="allow")


class Problem(_Public):
    """Every error (RFC 9457 problem+json; see :mod:`clearance.service.problems`)."""

    type: str = Field(examples=["urn:clearance:problem:not-found"])
    title: str
    status: int
    detail: str
    #: Present when there are several things to report (fields, files).
    errors: list[dict[str, Any]] | None = None


class Health(_Public):
    status: Literal["ok"]


# -- who is asking --------------------------------------------------------------------------

class MePublic(_Public):
    id: int
    username: str
    display_name: str
    role: str
    team_id: str | None
    via: Literal["session", "token", "cli"]
    token_id: int | None
    blur_images: bool


# -- findings and items ---------------------------------------------------------------------

class TextSpanPublic(_Public):
    kind: Literal["text_span"]
    start: int
    end: int
    text: str
    sentence: int


class ImageBoxPublic(_Public):
    kind: Literal["image_box"]
    x: int
    y: int
    width: int
    height: int


class FactPublic(_Public):
    kind: Literal["fact"]
    name: str
    value: str


class FindingPublic(_Public):
    """One finding, as ``clearance screen --format json`` gives it (score rounded to 4 places)."""

    label: str
    score: float
    evidence: Annotated[TextSpanPublic | ImageBoxPublic | FactPublic,
                        Field(discriminator="kind")]
    detector: str
    detector_version: str
    attributes: dict[str, str | int | float | bool | None] = Field(default_factory=dict)


class ReasonPublic(_Public):
    """A rule that fired, with its sentence."""

    rule: str | None
    outcome: str | None = None
    description: str | None = None
    text: str


class AssetRef(_Public):
    id: int
    kind: str
    locale: str
    channel: str


class ItemPublic(_Public):
    """A review item as listed: one review round of one asset version."""

    id: int
    state: str
    outcome: str | None
    screening_decision: str
    policy_version: str
    risk: float
    rules: list[str]
    needs_two: bool
    awaiting_senior: bool
    title_id: str
    asset: AssetRef
    version_id: int
    #: The version's 1-based number within its asset ("key_art v2").
    version_number: int
    #: 1 for the version's first item; a changed screening decision opens the next round.
    round: int
    #: The screening this round reviews.
    screening_id: int
    content_type: str
    content_url: str
    team_id: str | None
    submitted_by: str | None
    claimed_by: str | None
    is_claimed: bool
    lease_expires_at: UtcTime | None
    created_at: UtcTime
    updated_at: UtcTime
    decided_at: UtcTime | None


class ReviewPublic(_Open):
    reviewer: str | None
    outcome: str
    reason: str
    #: The preset reason code given with the review (``GET /api/queue/reason-codes``), if any.
    reason_code: str | None = None
    final: bool
    created_at: UtcTime | None


class RevealPublic(_Public):
    """A recorded reveal: ``content_url`` serves the original bytes to the caller until
    ``expires_at`` without recording another reveal."""

    item_id: int
    recorded: bool
    content_url: str
    expires_at: UtcTime


class AssetPublic(_Public):
    """An asset: where it is published and the team whose submitters may add versions."""

    id: int
    title_id: str
    kind: str
    locale: str
    channel: str
    team_id: str | None


class QuarantineHoldPublic(_Public):
    """A quarantined item: what held it, the file's hashes and size, when it was held and
    sealed into the vault, and when its plain copy left the blob store."""

    item_id: int | None
    version_id: int
    labels: list[str]
    sha256: str
    md5: str | None
    sha1: str | None
    size_bytes: int
    content_type: str
    held_at: UtcTime
    sealed_at: UtcTime | None
    plain_copy_removed_at: UtcTime | None


class QuarantineList(_Public):
    holds: list[QuarantineHoldPublic]


class QuarantineReport(_Open):
    """The report package for a legal channel (``clearance.quarantine.holds.report``):
    ``format``, ``channels``, ``generated_at``/``generated_by``, ``incident`` (labels, rule,
    detection time, policy, findings), ``file`` (hashes, size, type; ``base64`` only when
    asked), ``upload`` (title, asset, version, uploader, team, times), ``custody`` (every audit
    event of the item) and ``seen_by``."""

    format: str
    channels: list[str]
    generated_at: str
    generated_by: str
    incident: dict[str, Any]
    file: dict[str, Any]
    upload: dict[str, Any]
    custody: list[dict[str, Any]]
    seen_by: list[str]


class CommentPublic(_Public):
    """A comment; ``author`` is null when a submitter reads a reviewer's comment (reviewers'
    names are not shown to submitters)."""

    id: int
    author: str | None
    body: str
    created_at: UtcTime


class ContextTitle(_Open):
    id: str
    name: str
    rating: str | None


class ContextCast(_Open):
    name: str
    character: str | None
    date_of_birth: dt.date | None
    age_now: int | None
    age_at_shoot: int | None


class ContextAsset(_Open):
    asset_id: int
    kind: str
    locale: str
    channel: str
    version_id: int | None
    item_id: int | None
    state: str | None
    screening_decision: str | None


class ContextVersion(_Open):
    """A version in the asset's history; to a submitter, another team's version shows its
    number only (``sha256``, ``created_at``, ``created_by`` and ``shoot_date`` null)."""

    version_id: int
    #: The version's 1-based number within its asset.
    number: int
    sha256: str | None
    created_at: UtcTime | None
    created_by: str | None
    shoot_date: dt.date | None
    current: bool
    item_id: int | None
    state: str | None
    screening_decision: str | None
    reviews: list[ReviewPublic]


class ItemContext(_Open):
    """What a reviewer sees next to an item (:mod:`clearance.review.context`)."""

    title: ContextTitle
    asset: dict[str, Any]
    version: dict[str, Any]
    cast: list[ContextCast]
    other_assets: list[ContextAsset]
    history: list[ContextVersion]
    reviews: list[ReviewPublic]
    comments: list[dict[str, Any]]


class ItemDetail(ItemPublic):
    """An item with its screening, reviews, comments and title context."""

    findings: list[FindingPublic]
    reasons: list[ReasonPublic]
    reviews: list[ReviewPublic]
    comments: list[CommentPublic]
    context: ItemContext


class ItemPage(_Public):
    items: list[ItemPublic]
    limit: int
    offset: int


class ItemBatch(_Public):
    """The items of a batch screened at once."""

    items: list[ItemPublic]


# -- background jobs ------------------------------------------------------------------------

class JobError(_Public):
    file: str
    detail: str


class JobPublic(_Public):
    """A background batch: ``done`` of ``total`` files, the items made, per-file errors."""

    id: str
    #: queued -> running -> done; running -> interrupted (its process stopped) -> queued.
    state: str
    done: int
    total: int
    items: list[int]
    errors: list[JobError]
    created_at: UtcTime
    started_at: UtcTime | None
    heartbeat_at: UtcTime | None
    finished_at: UtcTime | None
    url: str


class JobAccepted(_Public):
    job: JobPublic
    url: str


# -- administration -------------------------------------------------------------------------

class TokenPublic(_Public):
    """An API token, never its secret."""

    id: int
    name: str
    prefix: str
    created_at: UtcTime
    expires_at: UtcTime | None
    last_used_at: UtcTime | None
    revoked_at: UtcTime | None


class TokenIssued(TokenPublic):
    """A new token with its secret, shown this once."""

    user: str
    secret: str
    warning: str


class UserPublic(_Public):
    id: int
    username: str
    display_name: str
    role: str
    team_id: str | None
    active: bool
    blur_images: bool
    created_at: UtcTime
    tokens: list[TokenPublic]


class UserList(_Public):
    users: list[UserPublic]


class WebhookPublic(_Public):
    """A webhook subscription, never its secret."""

    id: int
    url: str
    events: list[str]
    active: bool
    created_at: UtcTime


class WebhookCreated(WebhookPublic):
    """A new subscription with its signing secret, shown this once."""

    secret: str
    warning: str


class WebhookList(_Public):
    webhooks: list[WebhookPublic]


class DeliveryPublic(_Public):
    id: int
    subscription_id: int
    event_type: str
    status: str
    attempts: int
    next_attempt_at: UtcTime | None
    last_status_code: int | None
    last_error: str | None
    created_at: UtcTime
    delivered_at: UtcTime | None


class DeliveryList(_Public):
    deliveries: list[DeliveryPublic]


class AuditEventPublic(_Public):
    """One event of the hash-chained audit log, as exported."""

    seq: int
    at: str
    type: str
    actor: str
    subject: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(_Public):
    events: list[AuditEventPublic]
    #: Pass back as ``since`` for the next page.
    next_since: int


class ChainReportPublic(_Public):
    ok: bool
    checked: int
    broken_seq: int | None
    problem: str | None


# -- publication ------------------------------------------------------------------------------

class PublicationPublic(_Public):
    """A version's time live on its asset's channel and locale."""

    version_id: int
    version_number: int
    asset_id: int
    title_id: str
    kind: str
    locale: str
    channel: str
    live_from: UtcTime
    live_until: UtcTime | None
    published_by: str
    ended_by: str | None
    #: ``replaced``, ``withdrawn`` or ``unpublished``; ``None`` while live.
    end_reason: str | None


class LiveVersionPublic(_Public):
    asset_id: int
    kind: str
    locale: str
    channel: str
    version_id: int
    version_number: int
    live_from: UtcTime
    live_until: UtcTime | None
    published_by: str


class LiveList(_Public):
    title_id: str
    at: UtcTime
    live: list[LiveVersionPublic]


# -- the hash bank ----------------------------------------------------------------------------

class BankPublic(_Public):
    """A hash bank: what it holds (``reason``; ``negative`` banks hold known-good look-alikes
    that suppress matches), its match distance (0-256 bits) and its active entries."""

    name: str
    reason: str
    description: str
    distance: int
    enabled: bool
    entries: int
    created_by: str
    created_at: UtcTime


class BankList(_Public):
    banks: list[BankPublic]


class BankEntryPublic(_Public):
    """One piece of content in a bank: a catalog version (``version_id``, ``label``
    ``TITLE/KIND/LOCALE/CHANNEL/vN``) or a file banked directly (``version_id`` null)."""

    id: int
    bank: str
    version_id: int | None
    label: str
    media: Literal["image", "video"]
    sha256: str
    source: str
    reason: str
    added_by: str
    added_at: UtcTime
    removed_at: UtcTime | None
    removed_by: str | None
    removed_reason: str | None


class BankEntryPage(_Public):
    entries: list[BankEntryPublic]
    limit: int
    offset: int


class BankEntryAdded(_Public):
    """The entry, and whether it is new (``false``: that content was in the bank already)."""

    entry: BankEntryPublic
    is_new: bool


class BankFilesAdded(_Public):
    entries: list[BankEntryAdded]


class BankMatchPublic(_Public):
    """A banked entry near the content asked about: which bank, which banked version (null for
    a file banked directly), how far (Hamming distance of the closest pair of hashes) and which
    variant of the banked picture matched (``original``, a rotation or mirror, a crop,
    ``trimmed``); for videos, the frames."""

    bank: str
    bank_reason: str
    entry_id: int
    version_id: int | None
    label: str
    distance: int
    transform: str
    quality: int
    frame: int
    query_frame: int
    query_timestamp: float


class BankMatchResult(_Public):
    item: str
    media: Literal["image", "video"]
    sha256: str
    matches: list[BankMatchPublic]


class RelatedVersionPublic(_Public):
    """A catalog version related to the one asked about (a variant: the same bytes in another
    asset; a near-copy: within the ``withdrawn`` bank's distance)."""

    version_id: int
    label: str
    title_id: str
    kind: str
    locale: str
    channel: str
    relation: Literal["variant", "near_copy"]
    distance: int
    transform: str
    #: ``source``: this one is older (the version asked about was cut from it); else ``copy``.
    direction: Literal["source", "copy"]
    is_withdrawn: bool
    replacement_id: int | None
    replacement_label: str | None


class LineagePublic(_Public):
    version_id: int
    label: str
    is_withdrawn: bool
    replacement_id: int | None
    replacement_label: str | None
    related: list[RelatedVersionPublic]


class WithdrawEverywherePublic(LineagePublic):
    """What withdraw everywhere did (or, with ``dry_run``, would do): the lineage, the versions
    withdrawn now (would be) and those that were withdrawn already."""

    dry_run: bool
    withdrawn_now: list[int]
    already_withdrawn: list[int]


# -- the after-release monitor -------------------------------------------------------------

class MonitorPostPublic(_Public):
    """A post as an alert shows it; ``text`` is ``[deleted]`` or ``[retention]`` once removed."""

    id: int
    key: str
    platform: str
    created_at: str
    lang: str
    reach: int
    sentiment: str
    themes: list[str]
    text: str
    author: str | None
    url: str | None


class MonitorWindow(_Public):
    start: str
    end: str


class MonitorAlertPublic(_Public):
    """An alert (``docs/monitor.md``): the rule and signal, window, score against what was
    expected, themes (share of the window's posts), languages (posts per language), top posts by
    reach, and the title's live asset versions at the onset with their screening decisions."""

    id: int
    rule: str
    signal: str
    title_id: str | None
    step: int
    onset: str
    window: MonitorWindow
    score: float
    value: float
    expected: float | None
    message: str
    themes: dict[str, float]
    languages: dict[str, int]
    top_posts: list[MonitorPostPublic]
    live_versions: list[dict[str, Any]]
    created_at: str


class MonitorAlertList(_Public):
    alerts: list[MonitorAlertPublic]


class MonitorTitleActivity(_Public):
    title_id: str
    name: str
    posts: int
    alerts: int


class MonitorTitleList(_Public):
    """Titles with posts in the period, busiest first."""

    since: str
    until: str
    titles: list[MonitorTitleActivity]


class MonitorPetitionPublic(_Public):
    petition: str
    action: str
    count: int | None
    velocity_per_hour: float
    forecast_24h: float | None
    projected_100k: str | None
    times: list[str]
    counts: list[int]


class MonitorSignals(_Public):
    """A title's buckets (``starts[i]`` with ``values[column][i]``: volume, negative,
    offensive, reach and one count per theme), its petitions and the theme model's version."""

    title_id: str
    step: int
    theme_model: str
    starts: list[str]
    values: dict[str, list[int]]
    petitions: list[MonitorPetitionPublic]


class MonitorForgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    post_keys: list[Annotated[str, Field(min_length=3, max_length=600)]] = Field(
        min_length=1, max_length=1000)


class MonitorForgotten(_Public):
    post_key: str
    was_stored: bool
    text_removed: bool
    webhook_messages_scrubbed: int


class MonitorForgetResult(_Public):
    forgotten: list[MonitorForgotten]


class WhatIfCountPublic(_Public):
    decision: str
    live: int
    draft: int
    change: int


class WhatIfMovePublic(_Public):
    before: str
    after: str
    items: int


class WhatIfChangePublic(_Public):
    """One live version the draft decides differently, with the reasons under both."""

    version_id: int
    title_id: str
    asset: str
    version: int
    screening_id: int
    before: str
    after: str
    rules_before: list[str]
    rules_after: list[str]
    reasons_before: list[str]
    reasons_after: list[str]


class WhatIfPublic(_Public):
    """A draft policy against the live one over the stored findings of the live catalog."""

    live: str
    draft: str
    evaluated: int
    unscreened: int
    seconds: float
    counts: list[WhatIfCountPublic]
    moves: list[WhatIfMovePublic]
    changed: list[WhatIfChangePublic]
