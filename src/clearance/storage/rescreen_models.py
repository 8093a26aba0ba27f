"""Catalog-scale screening: the findings cache and shadow policies (same metadata as
:mod:`clearance.storage.models`; migration ``0008``).

* A **findings-cache entry** is one detector's findings on one content, keyed by the content's
  SHA-256, the detector's ``name@version`` and every other input the detector reads
  (:meth:`clearance.detectors.base.Detector.input_key`). ``clearance rescreen`` runs a detector
  on a version only when its entry is missing, so a policy change re-decides the catalog from
  stored findings without running a model, and a new detector version re-runs that detector
  alone. Entries are never changed: another input makes another key.
* A **shadow policy** is a draft policy enabled beside the live one (its YAML kept as text, so
  the report names exactly what was tried); at most one is enabled at a time.
* A **shadow decision** is what the shadow would have decided on one new screening, recorded
  and never acted on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearance.storage.models import Base, _in, utcnow
from clearance.storage.screening_models import DECISIONS, Screening


class FindingsCacheEntry(Base):
    __tablename__ = "findings_cache"
    __table_args__ = (Index(None, "content_sha256"),)

    #: SHA-256 over the content hash, the detector's name and version and its other inputs.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    detector: Mapped[str] = mapped_column(String(64))
    detector_version: Mapped[str] = mapped_column(String(200))
    #: The detector's ``input_key`` (what besides the content it read), for inspection.
    inputs: Mapped[str] = mapped_column(Text)
    #: ``Finding.to_dict(precise=True)`` of each finding, in the detector's order.
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ShadowPolicy(Base):
    __tablename__ = "shadow_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: ``name@version`` of the draft.
    policy: Mapped[str] = mapped_column(String(200))
    #: The draft's YAML, as enabled.
    source: Mapped[str] = mapped_column(Text)
    enabled_by: Mapped[str] = mapped_column(String(200))
    enabled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_by: Mapped[str | None] = mapped_column(String(200))
    #: True while enabled, null once disabled: unique, so at most one shadow is enabled (nulls
    #: are distinct in a unique constraint on SQLite and PostgreSQL alike).
    is_enabled: Mapped[bool | None] = mapped_column(Boolean, unique=True)


class ShadowDecision(Base):
    __tablename__ = "shadow_decisions"
    __table_args__ = (
        CheckConstraint(_in("decision", DECISIONS), name="decision"),
        Index(None, "screening_id", unique=True),
        Index(None, "shadow_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shadow_id: Mapped[int] = mapped_column(ForeignKey("shadow_policies.id", ondelete="CASCADE"))
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))
    #: ``Decision.to_dict(precise=True)["rules"]`` under the shadow.
    trace: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    shadow: Mapped[ShadowPolicy] = relationship()
    screening: Mapped[Screening] = relationship()


RESCREEN_TABLES: Final = ("findings_cache", "shadow_policies", "shadow_decisions")
