"""The bank's built-in domain-event subscribers (every :class:`~clearance.events.EventBus` carries
them, as it carries the webhook outbox), so a version enters the bank whichever code path rejects
or withdraws it — the API, the UI, the CLI, a script, a test:

* :class:`~clearance.events.VersionRejected` → the version enters the ``rejected`` bank,
* :class:`~clearance.events.VersionWithdrawn` → the ``withdrawn`` bank, and a ``withdrawal``
  webhook to subscribers (with the channel and locale it was published on and who published it),

in the transaction that rejects or withdraws it (in-transaction handlers): the entry commits or
rolls back with the change. Indexes see it through the bank revision within a second
(:mod:`clearance.bank.index`); nothing has to run after the commit.

Copy (synopses, taglines) has no perceptual hash and is not banked. A version whose content
cannot be hashed here (the ``bank`` extra missing, its blob unreadable) is logged and left out
rather than failing the rejection: a decision must not be refused because a side index cannot
take it, and ``clearance bank add VERSION`` banks it later.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.bank import banks
from clearance.errors import ContentError, DetectorUnavailable, NotFound
from clearance.events import EventBus, VersionRejected, VersionWithdrawn
from clearance.storage.db import as_utc
from clearance.storage.models import AssetVersion
from clearance.storage.review_models import Review
from clearance.storage.screening_models import Publication

log = logging.getLogger(__name__)


def subscribe_bank(bus: EventBus) -> None:
    bus.subscribe_in_transaction(VersionRejected, _bank_rejected)
    bus.subscribe_in_transaction(VersionWithdrawn, _bank_withdrawn)
    bus.subscribe_in_transaction(VersionWithdrawn, _announce_withdrawal)


def _bankable(session: Session, version_id: int) -> AssetVersion | None:
    """The version when it can be banked; ``None`` for copy (no perceptual hash), decided before
    anything else is read: a rejected synopsis costs no bank, review or reviewer lookups."""
    version = session.get(AssetVersion, version_id)
    if version is None:  # pragma: no cover - versions are never deleted
        return None
    return version if banks.is_video_version(version) or banks.is_image_version(version) \
        else None


def _bank(session: Session, bank: str, version: AssetVersion, *, source: str, reason: str,
          by: str) -> None:
    try:
        banks.bank_version(session, bank, version, source=source, reason=reason, by=by)
    except (DetectorUnavailable, ContentError, NotFound) as exc:
        log.error("version %s was not banked in %r: %s (bank it with 'clearance bank add "
                  "%s --bank %s')", version.id, bank, exc, version.id, bank)


def _bank_rejected(session: Session, event: VersionRejected) -> None:
    version = _bankable(session, event.version_id)
    if version is None:
        return
    reviewer = session.scalar(select(Review).where(Review.item_id == event.item_id,
                                                   Review.final.is_(True))
                              .order_by(Review.id.desc()).limit(1))
    by = f"user:{reviewer.reviewer.username}" if reviewer is not None else "system"
    reason = f"rejected in review (item {event.item_id})"
    if event.reason:
        reason += f": {event.reason}"
    _bank(session, "rejected", version, source="review", reason=reason, by=by)


def _bank_withdrawn(session: Session, event: VersionWithdrawn) -> None:
    version = _bankable(session, event.version_id)
    if version is None:
        return
    source = session.info.get(WITHDRAW_SOURCE_KEY, "withdrawal")
    _bank(session, "withdrawn", version, source=source, reason=event.reason, by=event.by)


#: Set by withdraw-everywhere so its entries say how they got there.
WITHDRAW_SOURCE_KEY = "clearance.bank.withdraw_source"


def _announce_withdrawal(session: Session, event: VersionWithdrawn) -> None:
    from clearance.review import webhooks

    version = session.get(AssetVersion, event.version_id)
    if version is None:  # pragma: no cover
        return
    asset = version.asset
    pubs = session.scalars(select(Publication).where(Publication.version_id == version.id)
                           .order_by(Publication.live_from.desc())).all()
    # the last publication that was live for a moment (a never-live version's withdrawal
    # marker starts and ends at once)
    live = next((p for p in pubs if p.live_until is None
                 or as_utc(p.live_until) > as_utc(p.live_from)), None)
    was_live = live is not None
    webhooks.enqueue(session, "withdrawal", {
        "version_id": version.id, "title_id": asset.title_id, "number": version.number,
        "asset": {"kind": asset.kind, "locale": asset.locale, "channel": asset.channel},
        "published_by": live.published_by if live is not None else None,
        "was_live": was_live, "reason": event.reason, "by": event.by,
        "withdrawn_at": as_utc(event.at).isoformat()})
