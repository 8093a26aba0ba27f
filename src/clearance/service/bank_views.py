"""How the hash bank looks in API responses and on pages: the models of
:mod:`clearance.service.models_public` built from bank rows and lineage values, and the rows the
item page shows ("in bank X since D", "near-copies elsewhere").

Every view is built in the request's session; a related version's title, locale, channel and
review state are read from the catalog, never parsed back out of its label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from clearance.bank import banks, hashing
from clearance.bank.index import Match
from clearance.bank.lineage import Lineage, Related, WithdrawResult, lineage
from clearance.catalog.publication import latest_item, live_publication
from clearance.service.models_public import (
    BankEntryPublic,
    BankMatchPublic,
    BankPublic,
    LineagePublic,
    RelatedVersionPublic,
    WithdrawEverywherePublic,
)
from clearance.storage import BlobStore
from clearance.storage.bank_models import Bank, BankEntry
from clearance.storage.models import AssetVersion


def bank_view(bank: Bank, counts: dict[int, int]) -> BankPublic:
    return BankPublic(name=bank.name, reason=bank.reason, description=bank.description,
                      distance=bank.distance, enabled=bank.enabled,
                      entries=counts.get(bank.id, 0), created_by=bank.created_by,
                      created_at=bank.created_at)


def entry_view(entry: BankEntry) -> BankEntryPublic:
    return BankEntryPublic(
        id=entry.id, bank=entry.bank.name, version_id=entry.version_id, label=entry.label,
        media="video" if entry.media == "video" else "image", sha256=entry.sha256,
        source=entry.source, reason=entry.reason, added_by=entry.added_by,
        added_at=entry.added_at, removed_at=entry.removed_at, removed_by=entry.removed_by,
        removed_reason=entry.removed_reason)


def match_view(match: Match) -> BankMatchPublic:
    return BankMatchPublic(
        bank=match.bank, bank_reason=match.bank_reason, entry_id=match.entry_id,
        version_id=match.version_id, label=match.label, distance=match.distance,
        transform=match.transform, quality=match.quality, frame=match.frame,
        query_frame=match.query_frame, query_timestamp=round(match.query_timestamp, 3))


def lineage_view(session: Session, found: Lineage) -> LineagePublic:
    related = []
    for r in found.related:
        asset = session.get_one(AssetVersion, r.version_id).asset
        related.append(RelatedVersionPublic(
            version_id=r.version_id, label=r.label, title_id=asset.title_id, kind=asset.kind,
            locale=asset.locale, channel=asset.channel,
            relation="variant" if r.relation == "variant" else "near_copy",
            distance=r.distance, transform=r.transform,
            direction="source" if r.direction == "source" else "copy",
            is_withdrawn=r.is_withdrawn, replacement_id=r.replacement_id,
            replacement_label=r.replacement_label))
    return LineagePublic(version_id=found.version_id, label=found.label,
                         is_withdrawn=found.is_withdrawn, replacement_id=found.replacement_id,
                         replacement_label=found.replacement_label, related=related)


def withdraw_view(session: Session, result: WithdrawResult) -> WithdrawEverywherePublic:
    base = lineage_view(session, result.lineage)
    return WithdrawEverywherePublic.model_validate({
        **base.model_dump(), "dry_run": result.is_dry_run,
        "withdrawn_now": list(result.withdrawn),
        "already_withdrawn": list(result.already_withdrawn)})


# -- the item page -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BankedRow:
    """The version's content is in a bank: "in bank X since D"."""

    bank: str
    bank_reason: str
    entry_id: int
    since: dt.datetime
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class NearCopyRow:
    """A related version as the item page lists it, with where it lives and its state."""

    version_id: int
    number: int
    title_id: str
    title_name: str
    kind: str
    locale: str
    channel: str
    relation: str
    distance: int
    transform: str
    direction: str
    #: ``withdrawn``, ``live``, else the state of its latest review item (or ``None``).
    state: str | None
    item_id: int | None
    replacement_label: str | None


def banked_rows(session: Session, version: AssetVersion) -> list[BankedRow]:
    """The active bank entries holding this version, or the same bytes banked by hand."""
    found = {e.id: e for e in banks.entries(session, version_id=version.id)}
    found.update({e.id: e for e in banks.entries(session, sha256=version.content_sha256)})
    return [BankedRow(e.bank.name, e.bank.reason, e.id, e.added_at, e.source, e.reason)
            for e in sorted(found.values(), key=lambda e: e.added_at)]


def is_hashed(session: Session, version: AssetVersion) -> bool:
    """Whether the version's hashes are stored (so its lineage needs no hashing on a GET)."""
    have = banks.stored_hashes(session, version.content_sha256)
    if banks.is_video_version(version):
        return any(h.kind == "vpdq" for h in have)
    return {h.variant for h in have if h.kind == "pdq"} >= set(range(len(hashing.TRANSFORMS)))


def near_copy_rows(session: Session, version: AssetVersion, blobs: BlobStore
                   ) -> list[NearCopyRow] | None:
    """The version's lineage as rows; ``None`` when it cannot be known without hashing the
    version first (copy, or a version never hashed: screening with the bank hashes it)."""
    if not (banks.is_image_version(version) or banks.is_video_version(version)):
        return None
    if not is_hashed(session, version):
        return None
    return related_rows(session, lineage(session, version, blobs=blobs).related)


def related_rows(session: Session, related: Sequence[Related]) -> list[NearCopyRow]:
    """Each related version with its title, place and state."""
    out = []
    for r in related:
        other = session.get_one(AssetVersion, r.version_id)
        asset = other.asset
        item = latest_item(session, other.id)
        live = live_publication(session, asset.id)
        state = ("withdrawn" if r.is_withdrawn
                 else "live" if live is not None and live.version_id == other.id
                 else item.state if item is not None else None)
        out.append(NearCopyRow(
            other.id, other.number, asset.title_id, asset.title.original_title, asset.kind,
            asset.locale, asset.channel, r.relation, r.distance, r.transform, r.direction, state,
            item.id if item is not None else None, r.replacement_label))
    return out


def latest_item_id(session: Session, version_id: int | None) -> int | None:
    """The id of the version's latest review item (to link to), if it was ever reviewed."""
    if version_id is None:
        return None
    item = latest_item(session, version_id)
    return item.id if item is not None else None
