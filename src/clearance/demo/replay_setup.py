"""The replay's August 2020 before the backlash: the campaign as it went out.

* The demo catalog (``demo/data/cuties.yaml``) and, on the service's own channel
  (:data:`CHANNEL`), the original key art (the demo's drawn poster, depicting the four girls,
  11 at the shoot) and the original English synopsis; the partners' copies of the key art that
  withdraw everywhere must find: the same file in three locales of a partner feed, a smaller
  re-encode, and a 16:9 thumbnail cut from its top (never published here: partners put them
  out).
* Both originals screened in their campaign (the key art with the demo's recorded vendor
  response for what a drawing cannot show): each is **blocked** by the default policy.
* Reviewed the way the case implies: two senior reviewers approve each against the block (an
  override, with their written reason) on 18 August 2020, and the marketing team publishes
  both that evening.

Every step is idempotent: a second replay on the same database finds the versions, screenings,
reviews and publications there and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from importlib import resources
from typing import Final

from PIL import Image
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clearance.catalog.importer import import_catalog
from clearance.catalog.publication import latest_item, publish, was_withdrawn
from clearance.catalog.write import add_asset_version, require_title, upsert_asset
from clearance.demo.art import draw_poster, draw_thumbnail
from clearance.demo.case import CREATED_BY, LEAD_GIRLS, SHOOT_DATE, TITLE_ID, _vendor_findings
from clearance.errors import ExpectationFailed, NotFound
from clearance.review import access, queue
from clearance.review.access import Actor
from clearance.screening import Screener
from clearance.screening.campaign import screen_version
from clearance.storage.blobs import BlobStore
from clearance.storage.db import session_scope
from clearance.storage.models import AssetVersion, Person
from clearance.storage.review_models import User
from clearance.storage.screening_models import Publication, Screening

UTC = dt.UTC
CHANNEL: Final = "netflix"
PARTNER: Final = "partner-feed"
TEAM: Final = ("marketing-us", "Marketing (US)")
#: The replay's people (no passwords: nobody logs in as them): username, role, display name.
SUBMITTER: Final = ("casey", "submitter", "Casey (marketing, US)")
SENIORS: Final = (("jo", "senior_reviewer", "Jo (senior reviewer)"),
                  ("robin", "admin", "Robin (head of standards)"))
ORIGINAL_SYNOPSIS: Final = ("Amy, 11, becomes fascinated with a twerking dance crew. Hoping to "
                            "join them, she starts to explore her femininity, defying her "
                            "family's traditions.")
REVISED_SYNOPSIS: Final = ("Eleven-year-old Amy starts to rebel against her conservative "
                           "family's traditions when she becomes fascinated with a "
                           "free-spirited dance crew.")
OVERRIDE_REASON: Final = ("Approved for the US launch: a Sundance award winner, rated TV-MA; "
                          "the campaign was signed off by marketing.")
APPROVED_AT: Final = dt.datetime(2020, 8, 18, 11, 0, tzinfo=UTC)
PUBLISHED_AT: Final = dt.datetime(2020, 8, 18, 18, 0, tzinfo=UTC)
#: The partners' copies of the key art: (kind, locale, how it is made).
VARIANTS: Final = (("key_art", "en-US", "same"), ("key_art", "fr-FR", "same"),
                   ("key_art", "es-ES", "same"), ("key_art", "pt-BR", "resized"),
                   ("thumbnail", "fr-FR", "thumbnail"), ("thumbnail", "de-DE", "resized"))


@dataclass(frozen=True, slots=True)
class Originals:
    key_art: int
    synopsis: int
    variants: tuple[int, ...]


def _resized(data: bytes, width: int = 540) -> bytes:
    with Image.open(io.BytesIO(data)) as source:
        rgb = source.convert("RGB")
    small = rgb.resize((width, round(rgb.height * width / rgb.width)))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=82)
    return out.getvalue()


def ensure_users(session: Session) -> dict[str, Actor]:
    """The replay's submitter and two senior reviewers (made once)."""
    access.ensure_team(session, *TEAM)
    actors = {}
    for username, role, display in (SUBMITTER, *SENIORS):
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = access.create_user(session, "system", username, role=role,
                                      team_id=TEAM[0] if role == "submitter" else None,
                                      display_name=display)
        actors[username] = access.actor_for(user, "cli")
    return actors


def ensure_catalog(engine: Engine, blobs: BlobStore) -> Originals:
    """The catalog, the originals on :data:`CHANNEL` and the partners' copies (idempotent)."""
    catalog = resources.files("clearance.demo.data").joinpath("cuties.yaml")
    with resources.as_file(catalog) as path, session_scope(engine) as session:
        report = import_catalog(session, blobs, path, created_by=CREATED_BY)
        if report.problems:
            raise ExpectationFailed("the demo catalog did not import cleanly",
                                    problems=report.problems)
        title = require_title(session, TITLE_ID)
        girls = list(session.scalars(select(Person).where(Person.name.in_(LEAD_GIRLS))))
        art, _ = upsert_asset(session, title, kind="key_art", locale="und", channel=CHANNEL)
        poster = draw_poster("withdrawn")
        key_art, _ = add_asset_version(session, blobs, art, poster, content_type="image/png",
                                       created_by="casey", shoot_date=SHOOT_DATE,
                                       depicted=girls)
        copy, _ = upsert_asset(session, title, kind="synopsis", locale="en", channel=CHANNEL)
        synopsis, _ = add_asset_version(session, blobs, copy, ORIGINAL_SYNOPSIS.encode(),
                                        content_type="text/plain; charset=utf-8",
                                        created_by="casey")
        made = {"same": (poster, "image/png"), "resized": (_resized(poster), "image/jpeg"),
                "thumbnail": (draw_thumbnail(poster), "image/jpeg")}
        variants = []
        for kind, locale, how in VARIANTS:
            asset, _ = upsert_asset(session, title, kind=kind, locale=locale, channel=PARTNER)
            data, content_type = made[how]
            version, _ = add_asset_version(session, blobs, asset, data,
                                           content_type=content_type, created_by="partner",
                                           shoot_date=SHOOT_DATE, depicted=girls)
            session.flush()
            variants.append(version.id)
        session.flush()
        return Originals(key_art.id, synopsis.id, tuple(variants))


def screen_originals(engine: Engine, blobs: BlobStore, screener: Screener,
                     originals: Originals) -> dict[int, int]:
    """Each original's screening in its campaign: version id -> screening id."""
    out = {}
    for vid, extra in ((originals.key_art, _vendor_findings("withdrawn")),
                       (originals.synopsis, ())):
        screening_id, _ = screen_version(engine, blobs, screener, vid, requested_by="demo",
                                         actor=CREATED_BY, extra=extra)
        out[vid] = screening_id
    return out


def clear_in_review(engine: Engine, version_id: int, at: dt.datetime, *, reason: str,
                    is_override: bool = False) -> str:
    """Have the replay's senior reviewers decide the version's open review round (approve; a
    second senior concurs where two people must decide); its item's state. A screening block
    is approved only when ``is_override`` says the story needs it."""
    with session_scope(engine) as session:
        actors = ensure_users(session)
        item = latest_item(session, version_id)
        if item is None:
            raise NotFound(f"version {version_id} is not in review")
        item_id, state, blocked = item.id, item.state, item.screening_decision == "block"
    if blocked and not is_override:
        return state
    for k, (username, _, _) in enumerate(SENIORS):
        if state not in ("queued",):
            break
        when = at + dt.timedelta(minutes=5 * k)
        with session_scope(engine) as session:
            queue.claim(session, actors[username], item_id, lease_seconds=900, now=when)
        with session_scope(engine) as session:
            state = queue.decide(session, actors[username], item_id, "approve", reason=reason,
                                 now=when + dt.timedelta(minutes=2)).state
    return state


def approve_and_publish(engine: Engine, screenings: dict[int, int]) -> None:
    """Submit, approve by two seniors against the block, publish (each step once)."""
    with session_scope(engine) as session:
        actors = ensure_users(session)
    for n, (vid, screening_id) in enumerate(screenings.items()):
        with session_scope(engine) as session:
            version = session.get_one(AssetVersion, vid)
            item = latest_item(session, vid)
            if item is None:
                screening = session.get(Screening, screening_id)
                if screening is None:  # pragma: no cover
                    raise NotFound(f"screening {screening_id} is gone")
                queue.submit(session, actors["casey"], version, screening, team_id=TEAM[0])
        clear_in_review(engine, vid, APPROVED_AT + dt.timedelta(minutes=20 * n),
                        reason=OVERRIDE_REASON, is_override=True)
        with session_scope(engine) as session:
            version = session.get_one(AssetVersion, vid)
            published = session.scalar(select(Publication.id).where(
                Publication.version_id == vid).limit(1))
            if published is None and was_withdrawn(session, vid) is None:
                publish(session, version, by="user:casey", now=PUBLISHED_AT)
