"""The findings cache: one detector's findings on one content, reused while nothing it read
changed.

An entry's key (:func:`findings_key`) is the SHA-256 of the content's SHA-256, the detector's
name and version (which names its models, lexicons and calibrations) and the detector's
:meth:`~clearance.detectors.base.Detector.input_key` for the item — the title's rating for
``rating.mature``, the depicted people's ages for ``minor.known``, the hash bank's revision for
``match.withdrawn``, the settings a detector was built with. Equal keys, equal findings: the
detectors are deterministic on their inputs, and whatever else they read is in the key.

So re-deciding the catalog after a policy change reads every finding from here and runs no model
(:mod:`clearance.screening.rescreen`), and a new version of one detector re-runs that detector
alone. Entries are plain rows (:class:`~clearance.storage.rescreen_models.FindingsCacheEntry`),
written in the same transaction as the screenings they served and never changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearance.findings import Finding
from clearance.storage.rescreen_models import FindingsCacheEntry

#: Keys per ``IN (...)`` query (well under SQLite's and PostgreSQL's parameter limits).
_CHUNK = 500


def findings_key(content_sha256: str, detector: str, version: str, inputs: str) -> str:
    """The cache key of ``detector@version`` on the content ``content_sha256`` with ``inputs``
    (the detector's ``input_key``)."""
    body = json.dumps([content_sha256, detector, version, inputs], ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CacheSlot:
    """Where one detector's findings on one item are kept: the key and what made it."""

    key: str
    content_sha256: str
    detector: str
    version: str
    inputs: str


def lookup(session: Session, keys: Iterable[str]) -> dict[str, tuple[Finding, ...]]:
    """The stored findings of each of ``keys`` that has an entry."""
    wanted = list(dict.fromkeys(keys))
    out: dict[str, tuple[Finding, ...]] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        for key, findings in session.execute(
                select(FindingsCacheEntry.key, FindingsCacheEntry.findings)
                .where(FindingsCacheEntry.key.in_(chunk))):
            out[key] = tuple(Finding.from_dict(f) for f in findings)
    return out


def store(session: Session, entries: Mapping[CacheSlot, Sequence[Finding]]) -> int:
    """Add the entries not stored yet; how many were added. An entry stored meanwhile by a
    concurrent run (same key, so the same findings) is left as it is."""
    by_key = {slot.key: (slot, findings) for slot, findings in entries.items()}
    if not by_key:
        return 0
    existing: set[str] = set()
    keys = list(by_key)
    for start in range(0, len(keys), _CHUNK):
        existing.update(session.scalars(select(FindingsCacheEntry.key)
                                        .where(FindingsCacheEntry.key.in_(keys[start:start
                                                                               + _CHUNK]))))
    rows = [FindingsCacheEntry(key=key, content_sha256=slot.content_sha256,
                               detector=slot.detector, detector_version=slot.version,
                               inputs=slot.inputs,
                               findings=[f.to_dict(precise=True) for f in findings])
            for key, (slot, findings) in by_key.items() if key not in existing]
    try:
        with session.begin_nested():
            session.add_all(rows)
            session.flush()
    except IntegrityError:  # another run stored some of them first: add the rest one by one
        added = 0
        for row in rows:
            if session.get(FindingsCacheEntry, row.key) is not None:
                continue
            try:
                with session.begin_nested():
                    session.add(row)
                    session.flush()
                added += 1
            except IntegrityError:
                continue
        return added
    return len(rows)
