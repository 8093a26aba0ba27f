"""Banks and their entries: what is banked, by whom, when and why.

A **bank** is a named set of banked content with a reason (``rejected``, ``withdrawn``,
``takedown`` for a partner's takedown list, ``negative`` for known-good look-alikes that suppress
matches), its own match distance (default 31 of 256 bits, HMA's) and an enabled flag. The banks
``rejected`` and ``withdrawn`` exist in every database (migration ``0004``).

An **entry** is one piece of content in one bank: a catalog version, or a file banked by hand.
Its hashes live in ``media_hashes`` (by the content's SHA-256): an image's 8 dihedral PDQ
variants, a video's vPDQ frames. Adding the same content to the same bank again is a no-op;
removing keeps the row (who, when, why). Every change first raises the bank revision
(:func:`bump_revision`), which takes the ``bank_state`` row's lock: bank changes commit one after
another, in revision order, which is what lets every process's index load exactly what changed
(:mod:`clearance.bank.index`).

Hashes are computed outside write transactions where the caller can (the ``match.withdrawn``
detector stores what it computed at screening; :mod:`clearance.bank.withdraw` hashes before its
transaction); a version banked by a rejection or withdrawal whose hashes were never stored is
hashed from the blob store inside that transaction (tens of milliseconds for an image; seconds
for a long video, which is why intake stores them first).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from clearance.bank import hashing
from clearance.bank.hashing import PerceptualHash
from clearance.errors import ContentError, InputError, NotFound
from clearance.review import audit
from clearance.review.audit_events import (
    BankChanged,
    BankCreated,
    BankEntryAdded,
    BankEntryRemoved,
    BankEntryRevealed,
)
from clearance.storage import BlobStore, LocalBlobStore
from clearance.storage.bank_models import (
    BANK_REASONS,
    DEFAULT_DISTANCE,
    Bank,
    BankEntry,
    BankState,
    MediaHash,
)
from clearance.storage.models import VIDEO_KINDS, AssetVersion

_BANK_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
#: Where a session may carry the blob store that versions' content is read from.
BLOBS_KEY: Final = "clearance.bank.blobs"
MAX_REASON_CHARS: Final = 2000


def bank_subject(name: str) -> audit.Subject:
    return audit.Subject("bank", name)


def use_blobs(session: Session, blobs: BlobStore) -> None:
    """Read versions' content from ``blobs`` when something banked in ``session`` has no stored
    hashes yet (otherwise: the configured blob folder)."""
    session.info[BLOBS_KEY] = blobs


def blobs_of(session: Session) -> BlobStore:
    blobs = session.info.get(BLOBS_KEY)
    if isinstance(blobs, BlobStore):
        return blobs
    from clearance.settings import get_settings

    return LocalBlobStore(get_settings().resolved_blob_dir)


def bump_revision(session: Session) -> int:
    """Raise the bank revision (locking its row until the transaction ends) and return it."""
    session.execute(update(BankState).where(BankState.id == 1)
                    .values(revision=BankState.revision + 1))
    revision = session.scalar(select(BankState.revision).where(BankState.id == 1))
    if revision is None:  # pragma: no cover - the migration creates the row
        session.add(BankState(id=1, revision=1))
        session.flush()
        return 1
    return int(revision)


def current_revision(session: Session) -> int:
    return int(session.scalar(select(BankState.revision).where(BankState.id == 1)) or 0)


def check_distance(distance: int, *, field: str = "distance") -> int:
    if isinstance(distance, bool) or not isinstance(distance, int) or not 0 <= distance <= 256:
        raise InputError(f"{field} must be a whole number from 0 to 256 (bits of a 256-bit "
                         f"hash), got {distance!r}")
    return distance


def _reason(reason: str, *, required: bool = False) -> str:
    text = reason.strip()
    if required and not text:
        raise InputError("a reason is required")
    if len(text) > MAX_REASON_CHARS:
        raise InputError(f"a reason is at most {MAX_REASON_CHARS} characters")
    return text


# -- banks -----------------------------------------------------------------------------------

def list_banks(session: Session) -> list[Bank]:
    return list(session.scalars(select(Bank).order_by(Bank.id)))


def get_bank(session: Session, name: str) -> Bank:
    bank = session.scalar(select(Bank).where(Bank.name == name))
    if bank is None:
        known = ", ".join(b.name for b in list_banks(session)) or "none"
        raise NotFound(f"no bank named {name!r} (banks: {known}; create one with "
                       "'clearance bank create')")
    return bank


def entry_counts(session: Session) -> dict[int, int]:
    """Active entries per bank id."""
    rows = session.execute(select(BankEntry.bank_id, func.count()).where(
        BankEntry.removed_at.is_(None)).group_by(BankEntry.bank_id))
    return {int(b): int(n) for b, n in rows}


def create_bank(session: Session, name: str, *, reason: str, by: str,
                distance: int = DEFAULT_DISTANCE, description: str = "",
                enabled: bool = True) -> Bank:
    if not _BANK_NAME.fullmatch(name):
        raise InputError(f"bank name {name!r}: 1-64 lowercase letters, digits, '.', '_', '-'")
    if reason not in BANK_REASONS:
        raise InputError(f"bank reason {reason!r}: one of {', '.join(BANK_REASONS)}")
    check_distance(distance)
    if session.scalar(select(Bank.id).where(Bank.name == name)) is not None:
        raise InputError(f"a bank named {name!r} exists already")
    revision = bump_revision(session)
    bank = Bank(name=name, reason=reason, distance=distance, description=description[:500],
                enabled=enabled, created_by=by, revision=revision)
    session.add(bank)
    session.flush()
    audit.record(session, BankCreated(subject=bank_subject(name), reason=reason,
                                      distance=distance, enabled=enabled,
                                      description=bank.description), actor=by)
    return bank


def update_bank(session: Session, name: str, *, by: str, distance: int | None = None,
                enabled: bool | None = None) -> Bank:
    bank = get_bank(session, name)
    new_distance = bank.distance if distance is None else check_distance(distance)
    new_enabled = bank.enabled if enabled is None else enabled
    if (new_distance, new_enabled) == (bank.distance, bank.enabled):
        return bank
    before = (bank.distance, bank.enabled)
    bank.revision = bump_revision(session)
    bank.distance, bank.enabled = new_distance, new_enabled
    session.flush()
    audit.record(session, BankChanged(subject=bank_subject(name), distance=new_distance,
                                      enabled=new_enabled, previous_distance=before[0],
                                      previous_enabled=before[1]), actor=by)
    return bank


# -- hashes ----------------------------------------------------------------------------------

def stored_hashes(session: Session, sha256: str) -> list[PerceptualHash]:
    rows = session.scalars(select(MediaHash).where(MediaHash.sha256 == sha256)
                           .order_by(MediaHash.kind, MediaHash.frame, MediaHash.variant))
    return [PerceptualHash(r.hash, r.quality, r.kind, r.variant, r.frame, r.timestamp)
            for r in rows]


def store_hashes(session: Session, sha256: str, hashes: Sequence[PerceptualHash]) -> int:
    """Store the hashes of content ``sha256`` that are not stored yet; how many were added."""
    have = {(r.kind, r.variant, r.frame) for r in session.execute(
        select(MediaHash.kind, MediaHash.variant, MediaHash.frame)
        .where(MediaHash.sha256 == sha256))}
    fresh = {}
    for h in hashes:
        key = (h.kind, h.variant, h.frame)
        if key not in have:
            fresh[key] = MediaHash(sha256=sha256, kind=h.kind, variant=h.variant, frame=h.frame,
                                   timestamp=h.timestamp, hash=h.hex, quality=h.quality)
    session.add_all(fresh.values())
    session.flush()
    return len(fresh)


def is_video_version(version: AssetVersion) -> bool:
    return version.asset.kind in VIDEO_KINDS or version.content_type.startswith("video/")


def is_image_version(version: AssetVersion) -> bool:
    return not is_video_version(version) and version.content_type.startswith("image/")


def compute_hashes(data: bytes, name: str, *, is_video: bool) -> list[PerceptualHash]:
    """The hashes banking needs: a video's vPDQ frames, or a picture's PDQ variants (8 dihedral,
    45 crops, trimmed borders)."""
    if is_video:
        return hashing.vpdq_bytes(data, name=name)
    from clearance.content.images import load_picture

    return hashing.bank_hashes(load_picture(data, name).pixels)


def bankable_hashes(session: Session, version: AssetVersion, *, blobs: BlobStore | None = None
                    ) -> list[PerceptualHash]:
    """The hashes of ``version`` a bank entry needs, stored (computed from its content when
    they are not stored yet). Copy (text) versions have none."""
    is_video = is_video_version(version)
    if not is_video and not is_image_version(version):
        return []
    have = stored_hashes(session, version.content_sha256)
    complete = any(h.kind == "vpdq" for h in have) if is_video else \
        {h.variant for h in have if h.kind == "pdq"} >= set(range(len(hashing.VARIANTS)))
    if complete:
        return have
    data = (blobs or blobs_of(session)).get(version.content_sha256)
    store_hashes(session, version.content_sha256,
                 compute_hashes(data, describe(version), is_video=is_video))
    return stored_hashes(session, version.content_sha256)


def describe(version: AssetVersion) -> str:
    """A version's place in the catalog: ``s1/key_art/fr/web/v1``."""
    a = version.asset
    return f"{a.title_id}/{a.kind}/{a.locale}/{a.channel}/v{version.number}"


# -- entries ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Added:
    entry: BankEntry
    is_new: bool


def active_entry(session: Session, bank: Bank, sha256: str) -> BankEntry | None:
    return session.scalar(select(BankEntry).where(
        BankEntry.bank_id == bank.id, BankEntry.sha256 == sha256,
        BankEntry.removed_at.is_(None)).limit(1))


def add_content(session: Session, bank: Bank, *, sha256: str, media: str, label: str,
                hashes: Sequence[PerceptualHash], source: str, reason: str, by: str,
                version_id: int | None = None) -> Added:
    """Bank content whose hashes are given (and stored here if they are not yet)."""
    reason = _reason(reason)
    if not hashes:
        raise ContentError(f"{label}: nothing to bank (no perceptual hash could be made)")
    revision = bump_revision(session)  # first: the lock that orders bank changes
    existing = active_entry(session, bank, sha256)
    if existing is not None:
        return Added(existing, False)
    store_hashes(session, sha256, hashes)
    entry = BankEntry(bank_id=bank.id, version_id=version_id, sha256=sha256, media=media,
                      label=label[:500], source=source, reason=reason, added_by=by,
                      revision=revision)
    session.add(entry)
    session.flush()
    audit.record(session, BankEntryAdded(
        subject=bank_subject(bank.name), entry_id=entry.id, version_id=version_id,
        sha256=sha256, label=entry.label, source=source, reason=reason,
        hashes=len(hashes)), actor=by)
    return Added(entry, True)


def bank_version(session: Session, bank: Bank | str, version: AssetVersion, *, source: str,
                 reason: str, by: str, blobs: BlobStore | None = None) -> Added | None:
    """Bank a catalog version (its hashes computed if they were never stored); ``None`` for
    copy, which has no perceptual hash."""
    bank = get_bank(session, bank) if isinstance(bank, str) else bank
    hashes = bankable_hashes(session, version, blobs=blobs)
    if not hashes:
        return None
    return add_content(session, bank, sha256=version.content_sha256,
                       media="video" if is_video_version(version) else "image",
                       label=describe(version), hashes=hashes, source=source, reason=reason,
                       by=by, version_id=version.id)


def remove_entry(session: Session, entry_id: int, *, reason: str, by: str,
                 now: dt.datetime | None = None) -> BankEntry:
    """Take an entry out of its bank (audited; the row stays, marked removed)."""
    reason = _reason(reason, required=True)
    revision = bump_revision(session)
    entry = session.get(BankEntry, entry_id)
    if entry is None:
        raise NotFound(f"no bank entry {entry_id}")
    if entry.removed_at is not None:
        return entry
    entry.removed_at = now or dt.datetime.now(dt.UTC)
    entry.removed_by, entry.removed_reason, entry.removed_revision = by, reason, revision
    session.flush()
    audit.record(session, BankEntryRemoved(
        subject=bank_subject(entry.bank.name), entry_id=entry.id, version_id=entry.version_id,
        sha256=entry.sha256, reason=reason), actor=by)
    return entry


def entries(session: Session, *, bank: str | None = None, include_removed: bool = False,
            version_id: int | None = None, sha256: str | None = None, limit: int = 1000,
            offset: int = 0) -> list[BankEntry]:
    """Entries newest first (a page of ``limit`` from ``offset``), of one bank or all; of one
    version, or of content with the SHA-256 ``sha256`` (the same bytes banked by hand)."""
    query = select(BankEntry).order_by(BankEntry.id.desc()).limit(limit).offset(offset)
    if bank is not None:
        query = query.where(BankEntry.bank_id == get_bank(session, bank).id)
    if not include_removed:
        query = query.where(BankEntry.removed_at.is_(None))
    if version_id is not None:
        query = query.where(BankEntry.version_id == version_id)
    if sha256 is not None:
        query = query.where(BankEntry.sha256 == sha256)
    return list(session.scalars(query))


def get_entry(session: Session, entry_id: int, *, bank: str | None = None) -> BankEntry:
    """Entry ``entry_id`` (of bank ``bank`` when given), or :class:`NotFound`."""
    entry = session.get(BankEntry, entry_id)
    if entry is None or (bank is not None and entry.bank.name != bank):
        where = f" in bank {bank!r}" if bank is not None else ""
        raise NotFound(f"no bank entry {entry_id}{where}")
    return entry


def record_reveal(session: Session, entry: BankEntry, *, by: str) -> None:
    """Record that ``by`` looked at an entry's picture unblurred (audited as ``bank.reveal``)."""
    audit.record(session, BankEntryRevealed(subject=bank_subject(entry.bank.name),
                                            entry_id=entry.id, version_id=entry.version_id),
                 actor=by)
