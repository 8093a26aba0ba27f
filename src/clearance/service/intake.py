"""Uploads into review items: bytes in, a stored asset version screened in its title's campaign
and queued for review out.

An upload is checked before anything is stored: its size against ``CLEARANCE_MAX_UPLOAD_BYTES``
(413), then its content — an image through :func:`~.images.load_picture`, which trusts
the bytes (magic numbers), never the file name or the declared content type, and refuses SVG,
text, PDF and damaged files naming the file (422); copy as UTF-8 within
``CLEARANCE_MAX_TEXT_BYTES``. Only then is it stored (content-addressed, immutable), screened
with the title's other assets' copy as campaign context (``scope: title`` rules), and submitted
to the queue, all in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.catalog.queries import known_minors, title_assets
from clearance.catalog.write import add_asset_version, require_title, upsert_asset
from clearance.content.images import load_picture
from clearance.content.picture import DepictedPerson, Picture
from clearance.content.text import make_copy
from clearance.detectors.base import Item
from clearance.errors import ContentError, Forbidden, InputError, NotFound, ReviewConflict
from clearance.review import queue
from clearance.review.access import Actor
from clearance.service.problems import UploadTooLarge
from clearance.service.state import ServiceState
from clearance.settings import Settings
from clearance.storage.models import ASSET_KINDS, Person
from clearance.storage.review_models import ReviewItem

TEXT_KINDS: Final = ("synopsis", "tagline", "title_text")
IMAGE_KINDS: Final = tuple(k for k in ASSET_KINDS if k not in TEXT_KINDS)
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
        for what, value in (("locale", self.locale), ("channel", self.channel)):
            if not value.strip() or len(value) > 64:
                raise InputError(f"{what} must be 1 to 64 characters")

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS


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
    out = []
    for part in raw.split(","):
        part = part.strip()
        if not part.isdigit():
            raise InputError(f"depicts: {part!r} is not a person id (give comma-separated ids)")
        out.append(int(part))
    return tuple(out)


def check_size(settings: Settings, name: str, size: int) -> None:
    if size > settings.max_upload_bytes:
        raise UploadTooLarge(f"{name}: {size:,} bytes is over the upload limit of "
                             f"{settings.max_upload_bytes:,} bytes (CLEARANCE_MAX_UPLOAD_BYTES)")


def read_content(settings: Settings, spec: AssetSpec, name: str, data: bytes) -> Content:
    """Check one upload for ``spec``'s kind of asset; the errors name the file."""
    check_size(settings, name, len(data))
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


def _campaign_copies(session: Session, state: ServiceState, title_id: str,
                     asset_id: int) -> dict[str, str]:
    """The latest copy of the title's other text assets, ``kind/locale/channel`` -> text."""
    copies: dict[str, str] = {}
    for asset in title_assets(session, title_id):
        latest = asset.latest
        if asset.id == asset_id or latest is None or \
                not latest.content_type.startswith("text/"):
            continue
        copies[f"{asset.kind}/{asset.locale}/{asset.channel}"] = \
            state.blobs.get(latest.content_sha256).decode("utf-8", errors="replace")
    return copies


def submit_content(session: Session, state: ServiceState, actor: Actor, spec: AssetSpec,
                   content: Content) -> tuple[ReviewItem, bool]:
    """Store, screen and queue one checked upload; ``(item, created)``. The same bytes sent
    again for the same asset return the item already made for them."""
    if actor.role == "submitter" and actor.team_id is None:
        raise Forbidden("a submitter needs a team to upload; ask an admin to set one")
    if spec.is_text != (content.text is not None):
        want = "text" if spec.is_text else "an image file"
        raise InputError(f"{content.name}: a {spec.kind} needs {want}")
    title = require_title(session, spec.title_id)
    asset, _ = upsert_asset(session, title, kind=spec.kind, locale=spec.locale,
                            channel=spec.channel)
    version, _ = add_asset_version(
        session, state.blobs, asset, content.data, content_type=content.content_type,
        created_by=actor.audit_name, shoot_date=spec.shoot_date,
        depicted=_people(session, spec.depicts))
    session.flush()
    existing = session.scalar(select(ReviewItem).where(ReviewItem.version_id == version.id))
    if existing is not None:
        try:
            return queue.get_item(session, actor, existing.id), False
        except NotFound:
            raise ReviewConflict(f"{content.name}: this exact content was already submitted "
                                 "by another team") from None
    ref = f"{spec.kind}/{spec.locale}/{spec.channel}"
    copies = _campaign_copies(session, state, spec.title_id, asset.id)
    with state.screening() as screener:
        item: Item
        if content.picture is not None:
            depicted = [DepictedPerson(m.person.name, m.age, m.person.id)
                        for m in known_minors(session, version.id)]
            item = screener.image_item(content.picture, name=content.name, rating=title.rating,
                                       title_id=title.id, depicted=depicted)
        else:
            item = screener.text_item(content.text or "", name=ref, rating=title.rating,
                                      title_id=title.id)
        campaign = screener.campaign_findings(copies, rating=title.rating)
        result = screener.screen_many([item], [campaign])[0]
    return queue.submit(session, actor, version, result, team_id=actor.team_id), True
