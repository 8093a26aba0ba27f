"""Publication state: which version of an asset is live on its channel and locale, since when.

The monitor and incidents ask "what was live when the backlash began"; the catalog answers from
:class:`~clearance.storage.screening_models.Publication` rows.

* :func:`publish` makes a version live. It must be **cleared**: its latest review round approved
  (or its screening passed and so never queued), and never withdrawn. Publishing ends the asset's
  live publication, if any, as ``replaced``: an asset has at most one live version (a partial
  unique index holds it on every database).
* :func:`withdraw` takes a version down everywhere it is live (``withdrawn``) and marks it
  withdrawn for good — a withdrawn version cannot be published again; publish a replacement. It
  is also how a version that was never live is declared withdrawn (so the hash bank takes it in).
* :func:`live_at` lists what was live for a title at a moment.

Every change is an audit event and a domain event (raised after commit) that the hash bank and
the monitor subscribe to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from clearance import events
from clearance.content.visible import has_visible_words
from clearance.errors import InputError, NotFound, ReviewConflict
from clearance.review import audit
from clearance.review.audit_events import Published, Withdrawn
from clearance.storage.db import as_utc
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.review_models import ReviewItem
from clearance.storage.screening_models import Publication

#: Review item states under which a version counts as cleared for publication.
CLEARED_STATES = ("approved", "passed")
MAX_REASON_CHARS = 2000


@dataclass(frozen=True, slots=True)
class LiveVersion:
    """A version live for a title at a moment: the asset, the version and its publication."""

    asset_id: int
    kind: str
    locale: str
    channel: str
    version_id: int
    number: int
    live_from: dt.datetime
    live_until: dt.datetime | None
    published_by: str


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def version_subject(version_id: int) -> audit.Subject:
    return audit.Subject("version", str(version_id))


def latest_item(session: Session, version_id: int) -> ReviewItem | None:
    """The version's latest review round, if it was ever submitted."""
    return session.scalar(select(ReviewItem).where(ReviewItem.version_id == version_id)
                          .order_by(ReviewItem.round.desc()).limit(1))


def was_withdrawn(session: Session, version_id: int) -> Publication | None:
    """The publication (or the never-live marker) that records the version's withdrawal."""
    return session.scalar(select(Publication).where(Publication.version_id == version_id,
                                                    Publication.end_reason == "withdrawn")
                          .limit(1))


def live_publication(session: Session, asset_id: int) -> Publication | None:
    return session.scalar(select(Publication).where(Publication.asset_id == asset_id,
                                                    Publication.live_until.is_(None)))


def publish(session: Session, version: AssetVersion, *, by: str,
            now: dt.datetime | None = None) -> Publication:
    """Make ``version`` the live version of its asset (``by``: the audit name of who did it).
    Publishing the version that is already live returns its publication unchanged."""
    now = _now(now)
    item = latest_item(session, version.id)
    if item is None or item.state not in CLEARED_STATES:
        state = "was never submitted for review" if item is None else f"is {item.state}"
        raise ReviewConflict(f"{version.asset.kind} v{version.number} (version {version.id}) "
                             f"{state}; only an approved (or screening-passed) version can be "
                             "published")
    withdrawn = was_withdrawn(session, version.id)
    if withdrawn is not None:
        raise ReviewConflict(f"version {version.id} was withdrawn by {withdrawn.ended_by} on "
                             f"{as_utc(withdrawn.live_until or now):%Y-%m-%d}; publish a "
                             "replacement instead")
    current = live_publication(session, version.asset_id)
    if current is not None and current.version_id == version.id:
        return current
    replaced: int | None = None
    if current is not None:
        current.live_until, current.ended_by, current.end_reason = now, by, "replaced"
        replaced = current.version_id
        session.flush()
    row = Publication(asset_id=version.asset_id, version_id=version.id, live_from=now,
                      published_by=by)
    session.add(row)
    session.flush()
    asset = version.asset
    audit.record(session, Published(
        subject=version_subject(version.id), asset_id=asset.id, title_id=asset.title_id,
        kind=asset.kind, locale=asset.locale, channel=asset.channel, number=version.number,
        replaced_version_id=replaced), actor=by)
    events.emit(session, events.VersionPublished(
        version_id=version.id, asset_id=asset.id, title_id=asset.title_id,
        replaced_version_id=replaced, at=now))
    return row


def withdraw(session: Session, version: AssetVersion, *, by: str, reason: str,
             now: dt.datetime | None = None) -> Publication:
    """Take ``version`` down wherever it is live and mark it withdrawn (``reason`` is required
    and audited). Withdrawing it again returns the first withdrawal."""
    reason = reason.strip()
    if not has_visible_words(reason):
        raise InputError("a withdrawal needs a reason (in visible words: invisible characters, "
                         "spaces or punctuation alone do not count)")
    if len(reason) > MAX_REASON_CHARS:
        raise InputError(f"a withdrawal reason is at most {MAX_REASON_CHARS} characters")
    now = _now(now)
    done = was_withdrawn(session, version.id)
    if done is not None:
        return done
    current = live_publication(session, version.asset_id)
    was_live = current is not None and current.version_id == version.id
    if current is not None and was_live:
        row = current
    else:  # never live, or no longer: a closed marker that says it is withdrawn
        row = Publication(asset_id=version.asset_id, version_id=version.id, live_from=now,
                          published_by=by)
        session.add(row)
    row.live_until, row.ended_by, row.end_reason = now, by, "withdrawn"
    session.flush()
    asset = version.asset
    audit.record(session, Withdrawn(
        subject=version_subject(version.id), asset_id=asset.id, title_id=asset.title_id,
        number=version.number, reason=reason, was_live=was_live), actor=by)
    events.emit(session, events.VersionWithdrawn(
        version_id=version.id, asset_id=asset.id, title_id=asset.title_id, reason=reason,
        by=by, at=now))
    return row


def live_at(session: Session, title_id: str, at: dt.datetime | None = None
            ) -> list[LiveVersion]:
    """The versions of ``title_id``'s assets live at ``at`` (default: now), by asset."""
    at = _now(at)
    rows = session.execute(
        select(Publication, AssetVersion, Asset)
        .join(AssetVersion, AssetVersion.id == Publication.version_id)
        .join(Asset, Asset.id == Publication.asset_id)
        .where(Asset.title_id == title_id, Publication.live_from <= at,
               # (a withdrawal marker of a never-live version has live_from == live_until, so
               # no moment falls inside it)
               or_(Publication.live_until.is_(None), Publication.live_until > at))
        .order_by(Asset.kind, Asset.locale, Asset.channel))
    return [LiveVersion(asset.id, asset.kind, asset.locale, asset.channel, version.id,
                        version.number, as_utc(pub.live_from),
                        as_utc(pub.live_until) if pub.live_until else None, pub.published_by)
            for pub, version, asset in rows]


def resolve_version(session: Session, ref: str) -> AssetVersion:
    """A version named by its database id (``"42"``) or by its place in the catalog:
    ``TITLE/KIND[/LOCALE[/CHANNEL]]/vN`` (``s2032/key_art/und/press-kit/v2``; locale and channel
    may be left out when the title has one asset of that kind)."""
    text = ref.strip()
    if text.isdigit():
        version = session.get(AssetVersion, int(text))
        if version is None:
            raise NotFound(f"no asset version {text} in the catalog")
        return version
    parts = text.split("/")
    number = parts[-1] if parts else ""
    if len(parts) < 3 or len(parts) > 5 or not (number[:1] in "vV" and number[1:].isdigit()):
        raise InputError(f"{ref!r} is not a version: give its id (42) or "
                         "TITLE/KIND[/LOCALE[/CHANNEL]]/vN, e.g. s2032/key_art/und/web/v2")
    title_id, kind, *place = parts[:-1]
    query = select(Asset).where(Asset.title_id == title_id, Asset.kind == kind)
    if place:
        query = query.where(Asset.locale == place[0])
    if len(place) > 1:
        query = query.where(Asset.channel == place[1])
    assets = session.scalars(query.order_by(Asset.id)).all()
    if not assets:
        raise NotFound(f"no {kind} asset of title {title_id!r} matches {ref!r}")
    if len(assets) > 1:
        options = ", ".join(f"{a.title_id}/{a.kind}/{a.locale}/{a.channel}" for a in assets)
        raise InputError(f"{ref!r} matches {len(assets)} assets ({options}); name the locale "
                         "and channel")
    version = session.scalar(select(AssetVersion).where(
        AssetVersion.asset_id == assets[0].id, AssetVersion.number == int(number[1:])))
    if version is None:
        raise NotFound(f"{assets[0].title_id}/{kind}/{assets[0].locale}/{assets[0].channel} "
                       f"has no version {number}")
    return version
