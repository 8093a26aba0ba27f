"""Quarantine holds (migration ``0009``): asset versions withheld from every reviewer because
their findings put a minor next to an exposed intimate region (:mod:`clearance.quarantine`).

A hold is made in the transaction that routes the screening into review; the version's bytes are
then *sealed*: encrypted into the quarantine vault (``vault_name``), their MD5 and SHA-1 noted for
the legal report, and the plain copy removed from the blob store (``plain_removed_at``) unless a
version that is not held still uses it.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearance.storage.models import AssetVersion, Base, utcnow


class QuarantineHold(Base):
    __tablename__ = "quarantine_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("asset_versions.id", ondelete="RESTRICT"), unique=True)
    #: The review item whose screening made the hold.
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_items.id", ondelete="SET NULL"), index=True)
    #: The finding labels that made it (``minor.apparent``, ``exposure.buttocks.exposed``...).
    labels: Mapped[list[str]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    md5: Mapped[str | None] = mapped_column(String(32))
    sha1: Mapped[str | None] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    held_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: When the bytes were encrypted into the vault, and under which name.
    sealed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    vault_name: Mapped[str | None] = mapped_column(String(64))
    #: When the plain copy left the blob store (``None`` while a version not held shares it).
    plain_removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    version: Mapped[AssetVersion] = relationship()


QUARANTINE_TABLES: Final = ("quarantine_holds",)
