"""Screening records and publication state (same metadata as :mod:`clearance.storage.models`;
migration ``0003``).

* A **screening** is one run of the detectors and a policy over one asset version: the findings
  (exact scores, so the policy can be evaluated again on them and decide the same), the decision
  with its trace (the rules that fired, by name, with the findings that fired them), the policy
  and detector versions, the other assets of the title whose findings were in scope
  (``context``) and what asked for it (:data:`SCREENING_SOURCES`). Screenings are never changed;
  screening a version again under another policy or detector version adds a row. A review item
  points at the screening it reviews.
* A **publication** says that a version was live on its asset's channel and locale from
  ``live_from`` until ``live_until`` (open while it is live). Publishing a version ends the
  asset's previous publication (``replaced``); a withdrawal ends it too (``withdrawn``). At most
  one publication per asset is open at a time (a partial unique index), which is what "what was
  live when the backlash began" asks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearance.storage.models import Asset, AssetVersion, Base, _in, utcnow

DECISIONS: Final = ("pass", "review", "block")
#: What asked for a screening: the command line (a catalog version screened with ``--title``),
#: the API or the UI (an upload), the demo, a catalog import, a catalog-wide re-screen, a shadow
#: policy run, or the migration that moved review items' findings into screenings.
SCREENING_SOURCES: Final = ("cli", "api", "ui", "demo", "import", "rescreen", "shadow",
                            "context", "migration")
#: Why a publication ended.
END_REASONS: Final = ("replaced", "withdrawn", "unpublished")


class Screening(Base):
    __tablename__ = "screenings"
    __table_args__ = (
        CheckConstraint(_in("decision", DECISIONS), name="decision"),
        CheckConstraint(_in("requested_by", SCREENING_SOURCES), name="requested_by"),
        Index(None, "version_id", "created_at"),
        Index(None, "version_id", "input_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("asset_versions.id", ondelete="CASCADE"))
    #: ``name@version`` of the policy.
    policy: Mapped[str] = mapped_column(String(200))
    #: The detectors that ran: ``{name: version}``.
    detectors: Mapped[dict[str, str]] = mapped_column(JSON)
    #: ``Finding.to_dict(precise=True)`` of every finding.
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(16))
    #: ``Decision.to_dict(precise=True)["rules"]``: the fired rules with their findings.
    trace: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: The title's other assets in scope: ``{reference: version id}``.
    context: Mapped[dict[str, int]] = mapped_column(JSON)
    #: SHA-256 over the content, policy, detectors and context: equal keys, equal screening.
    input_key: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(16))
    #: Who asked (an audit name such as ``user:alice``), when known.
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    version: Mapped[AssetVersion] = relationship()


class Publication(Base):
    __tablename__ = "publications"
    __table_args__ = (
        CheckConstraint(_in("end_reason", END_REASONS), name="end_reason"),
        Index(None, "version_id"),
        Index(None, "asset_id", "live_from"),
        Index("uq_publications_live_asset", "asset_id", unique=True,
              sqlite_where=text("live_until IS NULL"),
              postgresql_where=text("live_until IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("asset_versions.id", ondelete="CASCADE"))
    live_from: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    live_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(200))
    ended_by: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(String(16))

    asset: Mapped[Asset] = relationship()
    version: Mapped[AssetVersion] = relationship()


SCREENING_TABLES: Final = ("screenings", "publications")
