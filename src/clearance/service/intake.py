"""Uploads into review items: bytes in, a stored asset version screened in its title's campaign
and queued for review out.

An upload is checked before anything is stored: its size against ``CLEARANCE_MAX_UPLOAD_BYTES``
(413), then its content — an image through :func:`~clearance.content.images.load_picture`, which
trusts the bytes (magic numbers), never the file name or the declared content type, and refuses
SVG, text, PDF and damaged files naming the file (422); a video (asset kinds ``trailer`` and
``clip``) by its container's magic bytes (:func:`video_type`: MP4, QuickTime, WebM, Matroska,
AVI; anything else is 422 naming the file); copy as UTF-8 within ``CLEARANCE_MAX_TEXT_BYTES``.
A video's frames are decoded when it is screened (the hash bank's vPDQ, one frame a second): a
file whose container is right but whose frames cannot be decoded is refused then (422), its
version stored but not screened. Then three phases, so that no model work happens inside a write
transaction, under the audit chain's lock or holding one of the request database slots:

1. :func:`store` — a short transaction stores the asset version (content-addressed, immutable)
   and reads, as plain values, what screening it needs (:func:`clearance.screening.campaign.
   plan_screening`: the title's rating, the depicted known minors, the other assets' stored
   findings, and the copy of those that have none); it commits.
2. :func:`screen` — the model work, outside any transaction and without a slot, under the
   screener's own lock. The title's other assets are not screened again: their stored findings
   are reused.
3. :func:`route` — a short transaction records the screening and routes it into review
   (:func:`clearance.review.items.submit`: the same decision as the version's current round is
   that round's item; a changed one opens a new round). Only this phase appends to the audit
   chain.

The same bytes sent again for the same asset under today's policy and detectors skip phases 2
and 3 and answer the item already made for them, which is also what makes a resumed background
batch step idempotent (:mod:`clearance.service.jobs`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance import quarantine
from clearance.catalog.people import Outcome
from clearance.catalog.write import add_asset_version, require_title, upsert_asset
from clearance.content.images import load_picture
from clearance.content.picture import Picture
from clearance.content.text import make_copy
from clearance.errors import (
    ContentError,
    Forbidden,
    InputError,
    NotFound,
    ReviewConflict,
    Withheld,
)
from clearance.identifiers import check_identifier
from clearance.review import access, items, queue
from clearance.review.access import Actor
from clearance.screening import campaign, records
from clearance.screening.campaign import CampaignScreening, ScreeningPlan
from clearance.service.jobs import JobInfo, StepInfo
from clearance.service.params import parse_id
from clearance.service.problems import UploadTooLarge
from clearance.service.state import ScreenerIdentity, ServiceState
from clearance.settings import Settings
from clearance.storage import BlobStore
from clearance.storage.db import session_scope
from clearance.storage.models import ASSET_KINDS, VIDEO_KINDS, Asset, AssetVersion, Person
from clearance.storage.review_models import ReviewItem, User

TEXT_KINDS: Final = ("synopsis", "tagline", "title_text")
IMAGE_KINDS: Final = tuple(k for k in ASSET_KINDS if k not in TEXT_KINDS + VIDEO_KINDS)
#: The video containers an upload of a trailer or clip may be, as their content types.
VIDEO_TYPES: Final = ("video/mp4", "video/quicktime", "video/webm", "video/x-matroska",
                      "video/x-msvideo")
#: QuickTime files written before ``ftyp`` existed start with one of these atoms.
_QUICKTIME_ATOMS: Final = (b"moov", b"mdat", b"wide")
TEXT_CONTENT_TYPE: Final = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class AssetSpec:
    """Which asset an upload is a new version of, and what the catalog should record with it."""

    title_id: str
    kind: str
    locale: str
    channel: str
    depicts: tuple[int, ...] = ()
    shoot_date: dt.date | None = None

    def __post_init__(self) -> None:
        if self.kind not in ASSET_KINDS:
            raise InputError(f"unknown asset kind {self.kind!r}; expected one of: "
                             f"{', '.join(ASSET_KINDS)}")
        for what, value in (("title id", self.title_id), ("locale", self.locale),
                            ("channel", self.channel)):
            if not value.strip() or len(value) > 64:
                raise InputError(f"{what} must be 1 to 64 characters")
            check_identifier(value, what)  # no look-alike or hidden characters

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    @property
    def is_video(self) -> bool:
        return self.kind in VIDEO_KINDS


@dataclass(frozen=True, slots=True)
class Content:
    """A checked upload: its bytes and, decoded, its copy or its picture."""

    name: str
    data: bytes
    content_type: str
    text: str | None = None
    picture: Picture | None = None


def parse_depicts(raw: str | None) -> tuple[int, ...]:
    """``"12, 40"`` -> ``(12, 40)``: the catalog ids of the people shown."""
    if raw is None or not raw.strip():
        return ()
    return tuple(parse_id(part, "depicts") for part in raw.split(","))


def check_size(settings: Settings, name: str, size: int) -> None:
    if size > settings.max_upload_bytes:
        raise UploadTooLarge(f"{name}: {size:,} bytes is over the upload limit of "
                             f"{settings.max_upload_bytes:,} bytes (CLEARANCE_MAX_UPLOAD_BYTES)")


def video_type(head: bytes) -> str | None:
    """The content type of a video container from its first bytes (at least 64), or ``None``:
    ISO base media (``ftyp``: MP4, or QuickTime for the ``qt`` brand), Matroska (WebM when its
    EBML header names the ``webm`` doc type) and AVI (``RIFF`` ... ``AVI``)."""
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    if head[4:8] in _QUICKTIME_ATOMS:
        return "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    return None


def video_content(name: str, data: bytes, kind: str = "clip") -> Content:
    """A trailer or clip: its container checked by its magic bytes (never its name)."""
    if not data:
        raise ContentError(f"{name}: the file is empty (0 bytes)")
    content_type = video_type(data[:64])
    if content_type is None:
        raise ContentError(f"{name}: not a video file this service takes (MP4, MOV, WebM, "
                           f"Matroska or AVI, judged by its bytes, not its name); a {kind} "
                           "must be one of those")
    return Content(name, data, content_type)


def read_content(settings: Settings, spec: AssetSpec, name: str, data: bytes) -> Content:
    """Check one upload for ``spec``'s kind of asset; the errors name the file."""
    check_size(settings, name, len(data))
    if spec.is_video:
        return video_content(name, data, spec.kind)
    if spec.is_text:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(f"{name}: not UTF-8 text (byte {exc.start}); a {spec.kind} is "
                               "copy: send it as UTF-8 text") from None
        return text_content(settings, name, text)
    picture = load_picture(data, name, max_bytes=min(settings.max_image_bytes,
                                                     settings.max_upload_bytes),
                           max_pixels=settings.max_image_pixels)
    return Content(name, data, f"image/{picture.format.lower()}", picture=picture)


def text_content(settings: Settings, name: str, text: str) -> Content:
    try:
        make_copy(text, max_bytes=settings.max_text_bytes)
    except ContentError as exc:
        raise ContentError(f"{name}: {exc.message}") from None
    return Content(name, text.encode("utf-8"), TEXT_CONTENT_TYPE, text=text)


def _people(session: Session, ids: Sequence[int]) -> list[Person]:
    people = []
    for person_id in ids:
        person = session.get(Person, person_id)
        if person is None:
            raise InputError(f"depicts: no person {person_id} in the catalog")
        people.append(person)
    return people


def check_uploader(actor: Actor) -> None:
    """A submitter uploads for their team, so they need one."""
    if actor.role == "submitter" and actor.team_id is None:
        raise Forbidden("a submitter needs a team to upload; ask an admin to set one")


def check_asset_owner(actor: Actor, asset: Asset) -> None:
    """A submitter adds versions only to an asset of their own team (reviewers and admins to
    any). Refused before the content is looked at, with one answer whatever it is: another team's
    asset used to answer 409 to content it already held and 201 to anything else."""
    if actor.at_least("reviewer"):
        return
    where = f"{asset.title_id}/{asset.kind}/{asset.locale}/{asset.channel}"
    if asset.team_id is None:
        raise Forbidden(f"asset {where} belongs to no team yet: an admin assigns it to yours "
                        f"(PUT /api/assets/{asset.id}/team), or upload to another channel")
    if asset.team_id != actor.team_id:
        raise Forbidden(f"asset {where} belongs to another team: upload to a channel or "
                        "locale of your team's")


def existing_asset(session: Session, spec: AssetSpec) -> Asset | None:
    """The asset ``spec`` names, if it exists (nothing is created)."""
    return session.scalar(select(Asset).where(
        Asset.title_id == spec.title_id, Asset.kind == spec.kind, Asset.locale == spec.locale,
        Asset.channel == spec.channel))


def check_target(session: Session, actor: Actor, spec: AssetSpec) -> None:
    """Whether ``actor`` may add versions to the asset ``spec`` names (a new asset: yes)."""
    check_uploader(actor)
    require_title(session, spec.title_id)
    asset = existing_asset(session, spec)
    if asset is not None:
        check_asset_owner(actor, asset)


@dataclass(frozen=True, slots=True)
class Stored:
    """Phase 1 done: the version is stored; ``item_id`` when it is already routed to review
    under today's policy and detectors (nothing to screen), else the ``plan`` to screen it."""

    version_id: int
    item_id: int | None = None
    plan: ScreeningPlan | None = None


def _current_item(session: Session, version_id: int, identity: ScreenerIdentity
                  ) -> ReviewItem | None:
    """The version's latest review round, when the screening it reviews ran today's policy and
    detector versions (the same bytes sent again: nothing new to screen)."""
    screening = records.latest_screening(session, version_id)
    if screening is None or screening.policy != identity.policy:
        return None
    if any(screening.detectors.get(name) != version for name, version in identity.detectors):
        return None
    return session.scalar(select(ReviewItem).where(ReviewItem.screening_id == screening.id)
                          .order_by(ReviewItem.round.desc()).limit(1))


def store(session: Session, blobs: BlobStore, actor: Actor, spec: AssetSpec, content: Content,
          identity: ScreenerIdentity) -> Stored:
    """Phase 1 (a short write transaction): the asset (created if missing) and the version;
    then what screening it needs, read as plain values. The same bytes for the same asset are
    the same version; when another team's item already holds them it is a conflict."""
    check_uploader(actor)
    if spec.is_text != (content.text is not None):
        want = "text" if spec.is_text else "a video file" if spec.is_video else "an image file"
        raise InputError(f"{content.name}: a {spec.kind} needs {want}")
    title = require_title(session, spec.title_id)
    asset, created = upsert_asset(session, title, kind=spec.kind, locale=spec.locale,
                                  channel=spec.channel)
    if created is Outcome.CREATED:
        asset.team_id = actor.team_id  # the first upload names the asset's team
    else:
        check_asset_owner(actor, asset)
    version, outcome = add_asset_version(
        session, blobs, asset, content.data, content_type=content.content_type,
        created_by=actor.audit_name, shoot_date=spec.shoot_date,
        depicted=_people(session, spec.depicts))
    session.flush()
    if outcome is not Outcome.CREATED and quarantine.is_held(session, version.id):
        raise Withheld(f"{content.name}: this content is quarantined for the legal reporting "
                       "path (a minor next to an exposed intimate region) and is shown to no "
                       "reviewer")
    if outcome is not Outcome.CREATED:
        for item_id in session.scalars(select(ReviewItem.id)
                                       .where(ReviewItem.version_id == version.id)):
            try:
                queue.get_item(session, actor, item_id)
            except NotFound:
                raise ReviewConflict(f"{content.name}: this exact content was already "
                                     "submitted by another team") from None
        current = _current_item(session, version.id, identity)
        if current is not None:
            return Stored(version.id, item_id=current.id)
    plan = campaign.plan_screening(session, blobs, version.id, identity.detectors)
    return Stored(version.id, plan=plan)


def screen(state: ServiceState, plan: ScreeningPlan) -> CampaignScreening:
    """Phase 2: the model work, outside any transaction and holding no database slot, under the
    screener's own lock (its models are not thread-safe)."""
    with state.screening() as screener:
        return campaign.run_screening(screener, plan)


def route(session: Session, actor: Actor, outcome: CampaignScreening, *,
          requested_by: str) -> tuple[ReviewItem, bool]:
    """Phase 3 (a short write transaction): record the screening and route it into review;
    ``(item, created)`` — the existing item when the version's current round already reviews
    the same decision."""
    screening, _ = campaign.record(session, outcome, requested_by=requested_by,
                                   actor=actor.audit_name)
    version = session.get(AssetVersion, outcome.plan.version_id)
    if version is None:  # pragma: no cover - versions are never deleted
        raise NotFound(f"asset version {outcome.plan.version_id} is gone")
    # the item is the asset's team's to follow (a reviewer's upload to it included)
    team = version.asset.team_id if version.asset.team_id is not None else actor.team_id
    return items.submit(session, actor, version, screening, team_id=team)


def submit_now(state: ServiceState, actor: Actor, spec: AssetSpec, content: Content, *,
               requested_by: str = "api") -> tuple[int, bool]:
    """The three phases in a row, each database phase a transaction of its own (the background
    job runner's way; request handlers run the phases themselves to wait for slots in the event
    loop). ``(item id, created)``."""
    identity = state.screener_identity()
    try:
        with session_scope(state.engine) as session:
            stored = store(session, state.blobs, actor, spec, content, identity)
    except Withheld:
        if state.vault is not None:  # the bytes were put in the store again: out they go
            quarantine.seal_all(state.engine, state.blobs, state.vault)
        raise
    if stored.item_id is not None:
        return stored.item_id, False
    assert stored.plan is not None
    outcome = screen(state, stored.plan)
    with session_scope(state.engine) as session:
        item, created = route(session, actor, outcome, requested_by=requested_by)
        item_id, is_held = item.id, quarantine.is_held(session, item.version_id)
    if is_held and state.vault is not None:
        quarantine.seal_all(state.engine, state.blobs, state.vault)
    return item_id, created


# -- background batches --------------------------------------------------------------------

def batch_params(actor: Actor, spec: AssetSpec) -> dict[str, Any]:
    """What a stored batch job needs besides its files: the asset and how its owner called."""
    return {"spec": {"title_id": spec.title_id, "kind": spec.kind, "locale": spec.locale,
                     "channel": spec.channel, "depicts": list(spec.depicts),
                     "shoot_date": spec.shoot_date.isoformat() if spec.shoot_date else None},
            "via": actor.via, "token_id": actor.token_id}


def _job_actor(state: ServiceState, job: JobInfo) -> Actor:
    """The job's owner as they are now (role and team), acting as they did when they sent it."""
    with session_scope(state.engine) as session:
        user = session.get(User, job.owner_id) if job.owner_id is not None else None
        if user is None or not user.active:
            raise Forbidden("the job's owner is gone or deactivated")
        via = job.params.get("via", "token")
        token_id = job.params.get("token_id")
        return access.actor_for(user, "session" if via == "session" else "token",
                                token_id if isinstance(token_id, int) else None)


def run_batch_step(state: ServiceState, job: JobInfo, step: StepInfo) -> int:
    """One file of a stored batch: checked, then the three phases; the item id."""
    raw = job.params["spec"]
    spec = AssetSpec(raw["title_id"], raw["kind"], raw["locale"], raw["channel"],
                     tuple(int(p) for p in raw.get("depicts") or ()),
                     dt.date.fromisoformat(raw["shoot_date"]) if raw.get("shoot_date")
                     else None)
    data = state.blobs.get(step.blob_sha256)
    if step.kind == "text":
        content = text_content(state.settings, step.name, data.decode("utf-8"))
    else:
        content = read_content(state.settings, spec, step.name, data)
    return submit_now(state, _job_actor(state, job), spec, content)[0]
