"""Holding, sealing and reporting quarantined versions.

1. :func:`hold` — in the transaction that routes a screening into review
   (:func:`clearance.review.items.submit`, the one way into the queue), a version whose findings
   meet :func:`~clearance.quarantine.rule.quarantine_labels` gets a hold row. From that commit
   on, its review items are invisible to everyone but nobody's queue: not listed, 404 by id, on
   every page and API route (:func:`clearance.review.items.visible`).
2. :func:`seal_all` — the bytes are encrypted into the vault, their MD5 and SHA-1 noted, and in
   a second transaction, once the vault's copy is recorded, the plain copy is removed from the
   blob store (unless a version that is not held uses the same bytes). The service seals at once
   after an upload and every housekeeping round; the command line's screenings are sealed by the
   next round or by ``clearance quarantine seal``.
3. :func:`report` / :func:`content` — the legal role only: the report package a legal channel
   (NCMEC CyberTipline, IWF) asks for, with the bytes only when asked, and the bytes themselves.
   Every access, listing included, is audited (``quarantine.list``, ``quarantine.export``,
   ``quarantine.view``), and the report lists every access so far (its chain of custody).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from clearance.errors import NotFound
from clearance.quarantine.rule import INTIMATE_REGIONS, MINOR_LABELS, quarantine_labels
from clearance.quarantine.vault import Vault
from clearance.review import audit
from clearance.review.access import SYSTEM, Actor, require_role
from clearance.review.audit_events import (
    QuarantineExported,
    QuarantineHeld,
    QuarantineListed,
    QuarantineViewed,
)
from clearance.storage import BlobStore
from clearance.storage.db import as_utc, session_scope
from clearance.storage.models import AssetVersion
from clearance.storage.quarantine_models import QuarantineHold
from clearance.storage.review_models import AuditEvent, ReviewItem
from clearance.storage.screening_models import Screening

log = logging.getLogger("clearance.quarantine")

#: The report's format name (``format`` in the package).
REPORT_FORMAT: Final = "clearance-quarantine-report/1"
#: Where a report goes (the package is shaped for these).
CHANNELS: Final = ("NCMEC CyberTipline", "IWF")
#: The audit events in which someone saw the content (``seen_by`` in the report): a reveal
#: before the hold, an opening of the bytes, an export with them (an export without them saw
#: the metadata only, and is in the custody list all the same).
SEEING_EVENTS: Final = ("reveal", "quarantine.view", "quarantine.export")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def held_versions() -> Select[tuple[int]]:
    """The ids of every held version (a subquery for ``not_in``)."""
    return select(QuarantineHold.version_id)


def hold(session: Session, item: ReviewItem, version: AssetVersion, screening: Screening, *,
         now: dt.datetime | None = None) -> QuarantineHold | None:
    """Hold ``version`` when ``screening``'s findings call for it (audited
    ``quarantine.hold``); the hold, or ``None``. Holding twice changes nothing."""
    labels = quarantine_labels(screening.findings)
    if not labels:
        return None
    existing = session.scalar(select(QuarantineHold).where(
        QuarantineHold.version_id == version.id))
    if existing is not None:
        return existing
    row = QuarantineHold(version_id=version.id, item_id=item.id, labels=list(labels),
                         sha256=version.content_sha256, size_bytes=version.size_bytes,
                         content_type=version.content_type, held_at=_now(now))
    session.add(row)
    session.flush()
    audit.record(session, QuarantineHeld(subject=audit.Subject.item(item.id),
                                         version_id=version.id, labels=labels),
                 actor=SYSTEM)
    log.warning("item %d (version %d) quarantined: %s", item.id, version.id, ", ".join(labels))
    return row


def is_held(session: Session, version_id: int) -> bool:
    return session.scalar(select(QuarantineHold.id).where(
        QuarantineHold.version_id == version_id)) is not None


# -- sealing ---------------------------------------------------------------------------------

def seal_pending(session: Session, blobs: BlobStore, vault: Vault, *,
                 now: dt.datetime | None = None) -> int:
    """Encrypt the bytes of every hold not sealed yet into the vault; how many."""
    sealed = 0
    for row in session.scalars(select(QuarantineHold).where(QuarantineHold.sealed_at.is_(None))):
        try:
            data = blobs.get(row.sha256)
        except NotFound:
            log.error("quarantine hold %d: its bytes are not in the blob store", row.id)
            continue
        row.md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        row.sha1 = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        row.vault_name = vault.seal(data)
        row.sealed_at = _now(now)
        sealed += 1
    session.flush()
    return sealed


def remove_plain(session: Session, blobs: BlobStore, *, now: dt.datetime | None = None) -> int:
    """Remove from the blob store the plain bytes of sealed holds that no version outside
    quarantine uses (also when the same bytes were uploaded again since); how many."""
    removed = 0
    for row in session.scalars(select(QuarantineHold).where(
            QuarantineHold.sealed_at.is_not(None))):
        if row.plain_removed_at is not None and not blobs.exists(row.sha256):
            continue
        shared = session.scalar(select(AssetVersion.id).where(
            AssetVersion.content_sha256 == row.sha256,
            AssetVersion.id.not_in(held_versions())).limit(1))
        if shared is not None:
            continue
        blobs.remove(row.sha256)
        row.plain_removed_at = row.plain_removed_at or _now(now)
        removed += 1
    session.flush()
    return removed


def seal_all(engine: Engine, blobs: BlobStore, vault: Vault) -> int:
    """:func:`seal_pending`, committed, then :func:`remove_plain` in a transaction of its own
    (the plain copy goes only once the vault's is on record); how many were sealed."""
    with session_scope(engine) as session:
        sealed = seal_pending(session, blobs, vault)
    with session_scope(engine) as session:
        remove_plain(session, blobs)
    return sealed


# -- the legal role --------------------------------------------------------------------------

def holds(session: Session, actor: Actor) -> list[QuarantineHold]:
    """Every hold, newest first (the legal role; audited ``quarantine.list``)."""
    require_role(actor, "legal")
    rows = list(session.scalars(select(QuarantineHold).order_by(QuarantineHold.id.desc())))
    audit.record(session, QuarantineListed(subject=audit.Subject("quarantine", "holds"),
                                           holds=len(rows)), actor=actor.audit_name)
    return rows


def get_hold(session: Session, item_id: int) -> QuarantineHold:
    row = session.scalar(select(QuarantineHold).where(QuarantineHold.item_id == item_id))
    if row is None:
        raise NotFound(f"no quarantined item {item_id}")
    return row


def _bytes(row: QuarantineHold, vault: Vault, blobs: BlobStore) -> bytes:
    if row.vault_name is not None:
        return vault.open(row.vault_name)
    return blobs.get(row.sha256)  # held, not sealed yet


def content(session: Session, actor: Actor, item_id: int, vault: Vault, blobs: BlobStore
            ) -> tuple[QuarantineHold, bytes]:
    """The quarantined bytes (the legal role; audited ``quarantine.view``)."""
    require_role(actor, "legal")
    row = get_hold(session, item_id)
    data = _bytes(row, vault, blobs)
    audit.record(session, QuarantineViewed(subject=audit.Subject.item(item_id),
                                           version_id=row.version_id), actor=actor.audit_name)
    return row, data


def _iso(at: dt.datetime | None) -> str | None:
    return as_utc(at).isoformat() if at is not None else None


def _custody(session: Session, item_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(AuditEvent).where(
        AuditEvent.subject == f"item:{item_id}").order_by(AuditEvent.seq))
    return [{"at": _iso(e.at), "actor": e.actor, "event": e.type, "seq": e.seq} for e in rows]


def report(session: Session, actor: Actor, item_id: int, vault: Vault, blobs: BlobStore, *,
           with_bytes: bool = False, now: dt.datetime | None = None) -> dict[str, Any]:
    """The report package for a legal channel (the legal role; audited ``quarantine.export``):
    what was found and when, the file's hashes and size, where it came from (title, asset,
    version, who uploaded it and when), and every event on the item so far (screening, the hold,
    each access to it), so who saw it; the bytes (base64) only with ``with_bytes``."""
    require_role(actor, "legal")
    row = get_hold(session, item_id)
    item = session.get(ReviewItem, item_id)
    version = row.version
    asset = version.asset
    data = _bytes(row, vault, blobs) if with_bytes else None
    audit.record(session, QuarantineExported(subject=audit.Subject.item(item_id),
                                             version_id=row.version_id, with_bytes=with_bytes),
                 actor=actor.audit_name)
    session.flush()
    findings: Sequence[dict[str, Any]] = item.findings if item is not None else ()
    relevant = [f for f in findings if str(f.get("label")) in row.labels
                or str(f.get("label", "")).startswith("minor.")]
    custody = _custody(session, item_id)
    seen_by = sorted({e["actor"] for e in custody if e["event"] in SEEING_EVENTS})
    package: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "channels": list(CHANNELS),
        "generated_at": _iso(_now(now)),
        "generated_by": actor.audit_name,
        "incident": {
            "summary": "content held by automated screening: a known or apparent minor with an "
                       "exposed intimate region (possible child sexual abuse material); not "
                       "shown to any reviewer",
            "labels": list(row.labels),
            "rule": {"minor_labels": sorted(MINOR_LABELS),
                     "intimate_regions": sorted(INTIMATE_REGIONS)},
            "detected_at": _iso(row.held_at),
            "policy_version": item.policy_version if item is not None else None,
            "findings": [{"label": f.get("label"), "score": f.get("score"),
                          "detector": f.get("detector"),
                          "detector_version": f.get("detector_version"),
                          "evidence": f.get("evidence")} for f in relevant],
        },
        "file": {
            "sha256": row.sha256, "md5": row.md5, "sha1": row.sha1,
            "size_bytes": row.size_bytes, "content_type": row.content_type,
            "sealed_at": _iso(row.sealed_at), "plain_copy_removed_at": _iso(row.plain_removed_at),
            "bytes_included": data is not None,
        },
        "upload": {
            "item_id": item_id, "version_id": version.id, "version_number": version.number,
            "title_id": asset.title_id, "title": asset.title.original_title,
            "asset": {"kind": asset.kind, "locale": asset.locale, "channel": asset.channel},
            "uploaded_at": _iso(version.created_at), "uploaded_by": version.created_by,
            "team_id": item.team_id if item is not None else None,
            "shoot_date": version.shoot_date.isoformat() if version.shoot_date else None,
        },
        "custody": custody,
        "seen_by": seen_by,
    }
    if data is not None:
        package["file"]["base64"] = base64.b64encode(data).decode("ascii")
    return package
