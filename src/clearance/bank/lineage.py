"""Lineage: which catalog versions are near-copies of which, and what replaced what; and
**withdraw everywhere**, the one action that pulls a version with every variant and near-copy.

* **Near-copies** of a version are the other catalog versions — any title, locale, channel or
  partner feed — whose hash is within the ``withdrawn`` bank's distance of one of the version's
  dihedral or crop variants (a copy cut from it), or — versions of the same title — whose crop
  variants are that close to the version's own hash (the version was cut from them); a video
  counts by any of its frames. Versions with the same bytes in other assets are *variants*
  (distance 0). Of two near-copies the older is the source: "this thumbnail was cut from that
  key art".
* The **replacement** of a version is what its asset shows instead: the version live on the
  asset now when that is another one, else the newest later version of the asset that was not
  withdrawn.

Comparing against the whole catalog is a scan of every version's hash (numpy, ~0.1 s per
million versions): lineage is asked for one version at a time. Versions whose hashes were never
stored are hashed first (:func:`ensure_catalog_hashes`), outside any write transaction.

:func:`withdraw_everywhere` withdraws the planned versions in **one transaction**: each through
:func:`clearance.catalog.publication.withdraw` (publication ended, marked withdrawn, audited,
``VersionWithdrawn`` raised — so each enters the ``withdrawn`` bank and a ``withdrawal`` webhook
goes to its channel's subscribers, in the same transaction), then one ``withdraw.everywhere``
audit event on the version asked for. If anything fails nothing is withdrawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clearance.bank import banks, hashing
from clearance.bank.search import as_words
from clearance.catalog.publication import live_publication, was_withdrawn, withdraw
from clearance.errors import (
    ContentError,
    DetectorUnavailable,
    InputError,
    NotFound,
    ReviewConflict,
)
from clearance.review import audit
from clearance.review.audit_events import WithdrawnEverywhere
from clearance.storage import BlobStore
from clearance.storage.bank_models import DEFAULT_DISTANCE, Bank, MediaHash
from clearance.storage.db import session_scope
from clearance.storage.models import Asset, AssetVersion


@dataclass(frozen=True, slots=True)
class Related:
    """A catalog version related to the one asked about."""

    version_id: int
    label: str
    relation: str  # "variant" (same bytes), "near_copy"
    distance: int
    transform: str
    #: "source" when this one is older (the asked-about version was cut from it), else "copy".
    direction: str
    is_withdrawn: bool
    replacement_id: int | None
    replacement_label: str | None


@dataclass(frozen=True, slots=True)
class Lineage:
    version_id: int
    label: str
    is_withdrawn: bool
    replacement_id: int | None
    replacement_label: str | None
    related: tuple[Related, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version_id, "label": self.label,
                "withdrawn": self.is_withdrawn, "replacement": self.replacement_id,
                "replacement_label": self.replacement_label,
                "related": [{"version": r.version_id, "label": r.label,
                             "relation": r.relation, "distance": r.distance,
                             "transform": r.transform, "direction": r.direction,
                             "withdrawn": r.is_withdrawn, "replacement": r.replacement_id,
                             "replacement_label": r.replacement_label}
                            for r in self.related]}


def _withdrawn_distance(session: Session) -> int:
    bank = session.scalar(select(Bank).where(Bank.name == "withdrawn"))
    return bank.distance if bank is not None else DEFAULT_DISTANCE


def ensure_catalog_hashes(engine: Engine, blobs: BlobStore) -> int:
    """Hash every image or video version whose hashes were never stored (outside any
    transaction; each stored in a short one). How many were hashed; content that cannot be
    hashed (a damaged file) is skipped."""
    with session_scope(engine) as session:
        hashed = set(session.scalars(select(MediaHash.sha256).distinct()))
        todo = []
        for v in session.scalars(select(AssetVersion).order_by(AssetVersion.id)):
            if v.content_sha256 in hashed:
                continue
            if banks.is_video_version(v) or banks.is_image_version(v):
                todo.append((v.content_sha256, banks.describe(v), banks.is_video_version(v)))
                hashed.add(v.content_sha256)
    done = 0
    for sha, label, is_video in todo:
        try:
            found = banks.compute_hashes(blobs.get(sha), label, is_video=is_video)
        except (ContentError, NotFound):
            continue
        with session_scope(engine) as session:
            banks.store_hashes(session, sha, found)
        done += 1
    return done


def replacement_of(session: Session, version: AssetVersion) -> AssetVersion | None:
    live = live_publication(session, version.asset_id)
    if live is not None and live.version_id != version.id:
        return session.get(AssetVersion, live.version_id)
    later = session.scalars(select(AssetVersion).where(
        AssetVersion.asset_id == version.asset_id, AssetVersion.number > version.number)
        .order_by(AssetVersion.number.desc())).all()
    return next((v for v in later if was_withdrawn(session, v.id) is None), None)


def lineage(session: Session, version: AssetVersion, *, blobs: BlobStore | None = None,
            distance: int | None = None) -> Lineage:
    """The version's variants and near-copies across the catalog, each with its replacement."""
    radius = _withdrawn_distance(session) if distance is None else banks.check_distance(distance)
    own = [h for h in banks.bankable_hashes(session, version, blobs=blobs)
           if h.is_matchable]
    related: list[Related] = []
    if own:
        # every catalog version's own picture (or trimmed picture, or video frame), compared
        # with every hash of this version (its rotations, mirrors and crops: the other is a
        # copy cut from this one); and the crop variants of the same title's versions, compared
        # with this version's own picture only (this one was cut from the other: a thumbnail
        # from its title's key art). Crops of the whole catalog would be 27 times the rows.
        same_title = select(AssetVersion.content_sha256).join(
            Asset, Asset.id == AssetVersion.asset_id).where(
            Asset.title_id == version.asset.title_id)
        rows = session.execute(
            select(MediaHash.sha256, MediaHash.hash, MediaHash.variant)
            .where(MediaHash.quality > hashing.MIN_QUALITY,
                   MediaHash.variant.in_((0, hashing.TRIMMED_VARIANT))
                   | MediaHash.sha256.in_(same_title))).all()
        if rows:
            codes = as_words(hashing.hex_to_bytes([r.hash for r in rows]))
            primary = np.isin(np.array([r.variant for r in rows]),
                              (0, hashing.TRIMMED_VARIANT))
            own_codes = as_words(hashing.hex_to_bytes([h.hex for h in own]))
            best: dict[str, tuple[int, str]] = {}  # sha -> (distance, transform)
            for k in range(len(own)):
                dist = np.bitwise_count(codes ^ own_codes[k]).sum(axis=1)
                is_own_primary = own[k].variant in (0, hashing.TRIMMED_VARIANT)
                hit = (dist <= radius) & (primary | is_own_primary)
                for i in np.nonzero(hit)[0].tolist():
                    sha, d = rows[i].sha256, int(dist[i])
                    if sha not in best or d < best[sha][0]:
                        # own hash k is this picture transformed by TRANSFORMS[k]; a copy that
                        # matched it is that transform of this version. A crop variant of the
                        # other that matched this picture: this version is that crop of it.
                        variant = own[k].variant if primary[i] else rows[i].variant
                        best[sha] = (d, hashing.variant_name(variant))
            versions = session.scalars(select(AssetVersion).where(
                AssetVersion.content_sha256.in_(list(best))).order_by(AssetVersion.id)).all() \
                if best else []
            for v in versions:
                if v.id == version.id:
                    continue
                d, transform = best[v.content_sha256]
                same = v.content_sha256 == version.content_sha256
                rep = replacement_of(session, v)
                older = (v.created_at, v.id) < (version.created_at, version.id)
                related.append(Related(
                    v.id, banks.describe(v), "variant" if same else "near_copy", 0 if same else d,
                    "original" if same else transform, "source" if older else "copy",
                    was_withdrawn(session, v.id) is not None, rep.id if rep else None,
                    banks.describe(rep) if rep else None))
    rep = replacement_of(session, version)
    related.sort(key=lambda r: (r.distance, r.version_id))
    return Lineage(version.id, banks.describe(version),
                   was_withdrawn(session, version.id) is not None, rep.id if rep else None,
                   banks.describe(rep) if rep else None, tuple(related))


@dataclass(frozen=True, slots=True)
class WithdrawResult:
    lineage: Lineage
    withdrawn: tuple[int, ...]
    already_withdrawn: tuple[int, ...]
    is_dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.lineage.to_dict(), "withdrawn_now": list(self.withdrawn),
                "already_withdrawn": list(self.already_withdrawn), "dry_run": self.is_dry_run}


def plan(engine: Engine, blobs: BlobStore, version_ref: str) -> Lineage:
    """What withdraw everywhere would do (hashing what was never hashed first)."""
    from clearance.catalog.publication import resolve_version

    try:
        ensure_catalog_hashes(engine, blobs)
    except DetectorUnavailable:
        raise
    with session_scope(engine) as session:
        banks.use_blobs(session, blobs)
        version = resolve_version(session, version_ref)
        if not (banks.is_image_version(version) or banks.is_video_version(version)):
            raise InputError(f"{banks.describe(version)} is copy: withdraw it with 'clearance "
                             "catalog withdraw' (copy has no near-copies to find)")
        return lineage(session, version, blobs=blobs)


def check_expected(found: Lineage, expect: Sequence[int] | None) -> list[int]:
    """The planned version ids; :class:`ReviewConflict` when ``expect`` (the ids a person
    confirmed) differs from them: the plan changed since it was shown."""
    ids = [found.version_id, *(r.version_id for r in found.related)]
    if expect is not None and sorted(expect) != sorted(ids):
        raise ReviewConflict("the near-copies changed since they were listed: list them again "
                             "and confirm")
    return ids


def apply_withdrawal(session: Session, blobs: BlobStore, found: Lineage, *, by: str,
                     reason: str, now: dt.datetime | None = None
                     ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Withdraw the planned versions (``found``: :func:`plan`) in ``session``'s transaction —
    each through :func:`clearance.catalog.publication.withdraw` — and record one
    ``withdraw.everywhere`` audit event; ``(withdrawn now, withdrawn before)``. The caller owns
    the transaction: if anything fails before it commits, nothing is withdrawn (an incident's
    action records itself in the same transaction)."""
    from clearance.bank.subscribers import WITHDRAW_SOURCE_KEY
    from clearance.catalog.publication import resolve_version

    banks.use_blobs(session, blobs)
    session.info[WITHDRAW_SOURCE_KEY] = "withdraw_everywhere"
    done: list[int] = []
    already_done: list[int] = []
    for vid in check_expected(found, None):
        version = session.get(AssetVersion, vid)
        if version is None:  # pragma: no cover
            raise NotFound(f"version {vid} is gone")
        if was_withdrawn(session, vid) is not None:
            already_done.append(vid)
            continue
        text = reason if vid == found.version_id else \
            f"{reason} (near-copy of {found.label})"
        withdraw(session, version, by=by, reason=text, now=now)
        done.append(vid)
    target = resolve_version(session, str(found.version_id))
    audit.record(session, WithdrawnEverywhere(
        subject=audit.Subject("version", str(target.id)), reason=reason.strip(),
        withdrawn=tuple(done), already_withdrawn=tuple(already_done),
        replacements={str(r.version_id): r.replacement_id for r in found.related
                      if r.replacement_id is not None}
        | ({str(found.version_id): found.replacement_id}
           if found.replacement_id is not None else {})), actor=by)
    return tuple(done), tuple(already_done)


def withdraw_everywhere(engine: Engine, blobs: BlobStore, version_ref: str, *, by: str,
                        reason: str, is_dry_run: bool = False,
                        now: dt.datetime | None = None,
                        expect: Sequence[int] | None = None) -> WithdrawResult:
    """Withdraw the version and every variant and near-copy, in one transaction. ``expect``
    (the version ids a person confirmed) refuses to go on if the plan changed since."""
    if not is_dry_run and not reason.strip():
        raise InputError("withdraw everywhere needs a reason")
    found = plan(engine, blobs, version_ref)
    ids = check_expected(found, expect)
    if is_dry_run:
        already = tuple(r.version_id for r in found.related if r.is_withdrawn)
        todo = tuple(i for i in ids if i not in already
                     and not (i == found.version_id and found.is_withdrawn))
        return WithdrawResult(found, todo, already + ((found.version_id,)
                                                      if found.is_withdrawn else ()), True)
    with session_scope(engine) as session:
        done, already_done = apply_withdrawal(session, blobs, found, by=by, reason=reason,
                                              now=now)
    with session_scope(engine) as session:
        banks.use_blobs(session, blobs)
        version = session.get_one(AssetVersion, found.version_id)
        after = lineage(session, version, blobs=blobs)
    return WithdrawResult(after, tuple(done), tuple(already_done), False)
