"""The hash bank's tables (same metadata as :mod:`clearance.storage.models`; migration ``0004``).

* ``media_hashes`` — perceptual hashes of content, keyed by the content's SHA-256 (so every
  version with the same bytes shares them): PDQ of an image (``variant`` 0 is the image as it is,
  1-7 its mirrors and rotations, hashed when it is banked) and vPDQ of a video (one PDQ per
  sampled ``frame``), each with its quality (0-100). Hashes are derived data: computed once
  from immutable content, never changed.
* ``banks`` — named banks with a reason (``rejected``, ``withdrawn``, ``takedown``, or
  ``negative``: known-good look-alikes that suppress matches), their own match distance and an
  enabled flag.
* ``bank_entries`` — one piece of content in one bank: the asset version it is (when it is a
  catalog version; a file banked by hand has none), who added it, when and why; removal keeps the
  row (who, when, why) so the history stays.
* ``bank_state`` — one row: the bank's ``revision``, raised by every change (an entry added or
  removed, a bank changed). Every change takes this row's lock first, so revisions commit in
  order: an index that has seen revision *r* loads exactly the changes with revision > *r*, in
  every process (:mod:`clearance.bank.index`).
* ``scan_files`` — what ``clearance bank scan`` saw last time, per scanned path, so a re-run can
  report only what changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearance.storage.models import AssetVersion, Base, _in, utcnow

#: Hash algorithms: PDQ for images, vPDQ (a PDQ per sampled frame) for videos.
HASH_KINDS: Final = ("pdq", "vpdq")
#: Why a bank holds what it holds. ``negative`` banks hold known-good look-alikes: a match in
#: one suppresses a farther match in the others.
BANK_REASONS: Final = ("rejected", "withdrawn", "takedown", "negative")
#: How an entry got into its bank.
ENTRY_SOURCES: Final = ("review", "withdrawal", "manual", "withdraw_everywhere")
#: The banks every database has (migration ``0004`` creates them).
DEFAULT_BANKS: Final = (("rejected", "rejected", "versions rejected in review"),
                        ("withdrawn", "withdrawn", "versions withdrawn from the market"))
DEFAULT_DISTANCE: Final = 31


class MediaHash(Base):
    __tablename__ = "media_hashes"
    __table_args__ = (
        CheckConstraint(_in("kind", HASH_KINDS), name="kind"),
        CheckConstraint("variant >= 0 AND variant <= 63", name="variant"),
        CheckConstraint("quality >= 0 AND quality <= 100", name="quality"),
        UniqueConstraint("sha256", "kind", "variant", "frame"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The content's SHA-256 (as asset versions and the blob store name it).
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    #: 0: the content as it is; 1-7: a dihedral transform of an image, 8-52 a crop of it, 63 the
    #: image with uniform borders trimmed (see :data:`clearance.bank.hashing.VARIANTS`).
    variant: Mapped[int] = mapped_column(Integer, default=0)
    #: The video frame number (0 for an image).
    frame: Mapped[int] = mapped_column(Integer, default=0)
    #: Seconds into the video (0 for an image).
    timestamp: Mapped[float] = mapped_column(Float, default=0.0)
    #: 256 bits as 64 hex digits.
    hash: Mapped[str] = mapped_column(String(64))
    quality: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Bank(Base):
    __tablename__ = "banks"
    __table_args__ = (
        CheckConstraint(_in("reason", BANK_REASONS), name="reason"),
        CheckConstraint("distance >= 0 AND distance <= 256", name="distance"),
        UniqueConstraint("name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: Hamming distance (of 256 bits) at or under which a hash matches this bank.
    distance: Mapped[int] = mapped_column(Integer, default=DEFAULT_DISTANCE)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The bank revision of this bank's last change (distance, enabled).
    revision: Mapped[int] = mapped_column(Integer, default=0)


class BankEntry(Base):
    __tablename__ = "bank_entries"
    __table_args__ = (
        CheckConstraint(_in("source", ENTRY_SOURCES), name="source"),
        CheckConstraint("media IN ('image', 'video')", name="media"),
        Index(None, "bank_id", "sha256"),
        Index(None, "version_id"),
        Index(None, "revision"),
        Index(None, "removed_revision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    #: The catalog version banked; None for a file banked by hand.
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("asset_versions.id", ondelete="SET NULL"))
    sha256: Mapped[str] = mapped_column(String(64))
    media: Mapped[str] = mapped_column(String(8))
    #: A file's name, or the version's place in the catalog (``s1/key_art/fr/web/v1``).
    label: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revision: Mapped[int] = mapped_column(Integer)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(200))
    removed_reason: Mapped[str | None] = mapped_column(Text)
    removed_revision: Mapped[int | None] = mapped_column(Integer)

    bank: Mapped[Bank] = relationship()
    version: Mapped[AssetVersion | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class BankState(Base):
    __tablename__ = "bank_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class ScanFile(Base):
    __tablename__ = "scan_files"
    __table_args__ = (UniqueConstraint("scope", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: What was scanned (the resolved folder or manifest path).
    scope: Mapped[str] = mapped_column(String(1000))
    path: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of the canonical JSON of the file's matches (or its error): equal keys, same
    #: report.
    result_key: Mapped[str] = mapped_column(String(64))
    scanned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


BANK_TABLES: Final = ("media_hashes", "banks", "bank_entries", "bank_state", "scan_files")
