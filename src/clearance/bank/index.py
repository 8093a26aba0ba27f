"""The bank index: every banked hash, searchable, kept current from the database in every process.

One index holds the hashes of every bank (each row knows its entry and so its bank): a lookup is
one range search at the largest enabled distance, then each hit is held to its own bank's
distance. One index rather than one per bank because banks are few and overlap in what they
hold (a version rejected, then withdrawn, is in two), and a query is then one search whatever the
number of banks. The search structure is :class:`~clearance.bank.search.TieredSearch` (flat
below 200,000 hashes, multi-index hashing above, in compiled loops where numba is installed; see
:mod:`clearance.bank.search`). Lookups of several threads search at once.

**Staying current.** Every bank change raises the bank revision in the same transaction, under
the ``bank_state`` row's lock, so changes commit in revision order (:mod:`clearance.bank.banks`).
Before a lookup, an index whose last check is older than ``refresh_seconds`` (0.5 s by default)
reads that one integer; when it moved, it loads the entries added and removed since the revision
it holds, and the banks' settings. So an entry is matchable in every process — ``clearance
serve --workers N``, the CLI, a job runner — within about a second of its commit, with no message
between processes and no event that can be missed: the database is the only source.

**Persisted.** With a ``path``, the index saves its codes and row metadata (``.npz``, written to a
temporary file and renamed) after a load that changed it, at most every ``save_seconds``; on start
it loads that file and then only the changes since its revision. A file that is missing, damaged,
from another database or newer than the database is ignored and the index rebuilt from the
database (a restart gives the same matches; a test checks).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clearance.bank.hashing import MIN_QUALITY, PerceptualHash, hex_to_bytes, variant_name
from clearance.bank.search import MIH_MIN_CODES, TieredSearch
from clearance.storage.bank_models import Bank, BankEntry, BankState, MediaHash

log = logging.getLogger(__name__)

#: How often a lookup checks the bank revision (seconds).
REFRESH_SECONDS: Final = 0.5
#: The persisted file's format version.
_FILE_FORMAT: Final = 1


@dataclass(frozen=True, slots=True)
class BankInfo:
    id: int
    name: str
    reason: str
    distance: int
    enabled: bool

    @property
    def is_negative(self) -> bool:
        return self.reason == "negative"


@dataclass(frozen=True, slots=True)
class EntryInfo:
    id: int
    bank_id: int
    version_id: int | None
    sha256: str
    label: str
    media: str


@dataclass(frozen=True, slots=True)
class Match:
    """A query hash near a banked one: the bank and entry, the distance, the dihedral
    ``transform`` that maps the banked picture to the query, and frames where videos are
    involved (``frame``/``timestamp``: the banked video's; ``query_frame``/``query_timestamp``:
    the query's)."""

    bank: str
    bank_reason: str
    entry_id: int
    version_id: int | None
    label: str
    sha256: str
    distance: int
    transform: str
    quality: int
    frame: int
    timestamp: float
    query_frame: int
    query_timestamp: float

    @property
    def is_negative(self) -> bool:
        return self.bank_reason == "negative"

    def to_dict(self) -> dict[str, Any]:
        return {"bank": self.bank, "bank_reason": self.bank_reason, "entry_id": self.entry_id,
                "version": self.version_id, "label": self.label, "distance": self.distance,
                "transform": self.transform, "quality": self.quality, "frame": self.frame,
                "query_frame": self.query_frame,
                "query_timestamp": round(self.query_timestamp, 3)}


class _Rows:
    """Per banked hash: its entry, variant, frame, timestamp and quality (row id = position)."""

    def __init__(self) -> None:
        self.entry = np.zeros(0, np.int64)
        self.variant = np.zeros(0, np.int8)
        self.frame = np.zeros(0, np.int32)
        self.timestamp = np.zeros(0, np.float32)
        self.quality = np.zeros(0, np.int16)

    def __len__(self) -> int:
        return len(self.entry)

    def extend(self, entry: Sequence[int], variant: Sequence[int], frame: Sequence[int],
               timestamp: Sequence[float], quality: Sequence[int]) -> npt.NDArray[np.int64]:
        start = len(self.entry)
        self.entry = np.concatenate([self.entry, np.asarray(entry, np.int64)])
        self.variant = np.concatenate([self.variant, np.asarray(variant, np.int8)])
        self.frame = np.concatenate([self.frame, np.asarray(frame, np.int32)])
        self.timestamp = np.concatenate([self.timestamp, np.asarray(timestamp, np.float32)])
        self.quality = np.concatenate([self.quality, np.asarray(quality, np.int16)])
        return np.arange(start, len(self.entry), dtype=np.int64)


class BankIndex:
    """Every banked hash of one database, for lookups; thread-safe."""

    def __init__(self, engine: Engine | Callable[[], Engine], *, path: Path | None = None,
                 refresh_seconds: float = REFRESH_SECONDS, save_seconds: float = 60.0,
                 mih_min_codes: int = MIH_MIN_CODES) -> None:
        """``engine``: the database (or a function making it on first use). ``path``: where the
        index is saved between runs (``None``: rebuilt from the database at each start)."""
        self._engine_arg = engine
        self._engine: Engine | None = engine if isinstance(engine, Engine) else None
        self.path = path
        self.refresh_seconds = refresh_seconds
        self.save_seconds = save_seconds
        self._mih_min = mih_min_codes
        self._lock = threading.RLock()
        self._reset()
        self._checked_at = -1e9
        self._saved_at = 0.0
        self._loaded = False

    def _reset(self) -> None:
        self._search = TieredSearch(mih_min_codes=self._mih_min)
        self._rows = _Rows()
        self._entries: dict[int, EntryInfo] = {}
        self._removed: set[int] = set()
        self._banks: dict[int, BankInfo] = {}
        self.revision = 0

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            factory = self._engine_arg
            assert callable(factory)
            self._engine = factory()
        return self._engine

    @property
    def _reader(self) -> Engine:
        """The engine for the index's reads: a deferred transaction on SQLite, so that a refresh
        asked for inside a caller's write transaction (a re-screen plans its titles in one and
        reads the bank's revision for each picture's cache key) does not wait for that very
        transaction's write lock until the busy timeout and fail with "database is locked"."""
        from clearance.storage.db import SQLITE_BEGIN

        return self.engine.execution_options(**{SQLITE_BEGIN: "deferred"})

    @classmethod
    def from_settings(cls, settings: Any, *, engine: Engine | None = None) -> BankIndex:
        """The index of the configured database (``engine``, or one made on first use, so a
        Screener that never sees an image never connects), saved under the data folder."""
        from clearance.storage import make_engine

        url = settings.resolved_database_url
        folder = getattr(settings, "bank_index_dir", None) or Path(settings.data_dir)
        name = "bank-index-" + __import__("hashlib").sha256(url.encode()).hexdigest()[:12]
        return cls(engine if engine is not None else (lambda: make_engine(url)),
                   path=Path(folder) / f"{name}.npz",
                   refresh_seconds=getattr(settings, "bank_refresh_seconds", REFRESH_SECONDS))

    # -- state -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def kind(self) -> str:
        return self._search.kind

    def banks(self) -> list[BankInfo]:
        self.refresh()
        with self._lock:
            return list(self._banks.values())

    def stats(self) -> dict[str, Any]:
        self.refresh()
        with self._lock:
            return {"revision": self.revision, "hashes": len(self._rows),
                    "entries": len(self._entries) - len(self._removed & set(self._entries)),
                    "structure": self.kind, "path": str(self.path) if self.path else None}

    # -- loading -----------------------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> bool:
        """Load what changed in the banks since the revision held (at most every
        ``refresh_seconds`` unless ``force``); whether anything changed."""
        now = time.monotonic()
        if not force and self._loaded and now - self._checked_at < self.refresh_seconds:
            return False
        with self._lock:
            if not force and self._loaded and now - self._checked_at < self.refresh_seconds:
                return False
            if not self._loaded:
                self._loaded = True
                self._load_file()
            with Session(self._reader) as session:
                revision = int(session.scalar(select(BankState.revision)
                                              .where(BankState.id == 1)) or 0)
                self._checked_at = time.monotonic()
                if revision == self.revision:
                    if not self._banks:  # loaded from the saved file: the banks' settings
                        self._load_banks(session)
                    return False
                if revision < self.revision:  # another database, or one restored from backup
                    log.warning("bank revision went back from %s to %s: rebuilding the index",
                                self.revision, revision)
                    self._reset()
                self._apply(session, self.revision, revision)
            self._maybe_save()
            return True

    def _load_banks(self, session: Session) -> None:
        self._banks = {b.id: BankInfo(b.id, b.name, b.reason, b.distance, b.enabled)
                       for b in session.scalars(select(Bank))}

    def _apply(self, session: Session, since: int, upto: int) -> None:
        self._load_banks(session)
        added = session.execute(
            select(BankEntry, MediaHash)
            .join(MediaHash, MediaHash.sha256 == BankEntry.sha256)
            .where(BankEntry.revision > since, BankEntry.revision <= upto,
                   (BankEntry.removed_revision.is_(None)) | (BankEntry.removed_revision > upto),
                   MediaHash.quality > MIN_QUALITY,
                   # a picture's 8 variants; a video's frames
                   ((MediaHash.kind == "pdq") & (BankEntry.media == "image"))
                   | ((MediaHash.kind == "vpdq") & (BankEntry.media == "video")))
            .order_by(BankEntry.id, MediaHash.id)).all()
        hexes, ent, var, frm, ts, qual = [], [], [], [], [], []
        for entry, h in added:
            if entry.id not in self._entries:
                self._entries[entry.id] = EntryInfo(entry.id, entry.bank_id, entry.version_id,
                                                    entry.sha256, entry.label, entry.media)
            hexes.append(h.hash)
            ent.append(entry.id)
            var.append(h.variant)
            frm.append(h.frame)
            ts.append(h.timestamp)
            qual.append(h.quality)
        if hexes:
            rows = self._rows.extend(ent, var, frm, ts, qual)
            self._search.add(hex_to_bytes(hexes), rows)
        removed = session.scalars(select(BankEntry.id).where(
            BankEntry.removed_revision > since, BankEntry.removed_revision <= upto))
        self._removed.update(int(e) for e in removed)
        self.revision = upto

    # -- persistence -------------------------------------------------------------------------

    def _fingerprint(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _load_file(self) -> None:
        if self.path is None or not self.path.is_file():
            return
        try:
            with np.load(self.path, allow_pickle=False) as f:
                meta = json.loads(str(f["meta"]))
                if meta.get("format") != _FILE_FORMAT or meta.get("db") != self._fingerprint():
                    return
                codes = f["codes"]
                rows = _Rows()
                rows.extend(f["entry"], f["variant"], f["frame"], f["timestamp"], f["quality"])
            entries = {int(k): EntryInfo(*v) for k, v in meta["entries"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring the saved bank index %s (%s): rebuilding it", self.path, exc)
            return
        with Session(self._reader) as session:
            revision = int(session.scalar(select(BankState.revision)
                                          .where(BankState.id == 1)) or 0)
        if int(meta["revision"]) > revision:
            log.warning("the saved bank index %s is newer than the database: rebuilding it",
                        self.path)
            return
        self._reset()
        self._rows, self._entries = rows, entries
        self._removed = {int(e) for e in meta["removed"]}
        self._search.add(codes, np.arange(len(rows), dtype=np.int64))
        self._search.compact()
        self._search.wait()
        self.revision = int(meta["revision"])

    def _maybe_save(self, *, force: bool = False) -> None:
        if self.path is None:
            return
        now = time.monotonic()
        if not force and now - self._saved_at < self.save_seconds and self._saved_at:
            return
        self._saved_at = now
        try:
            self.save()
        except OSError as exc:
            log.warning("could not save the bank index to %s: %s", self.path, exc)

    def save(self) -> None:
        """Write the index to ``path`` (atomically)."""
        if self.path is None:
            return
        with self._lock:
            codes, rows = self._search.snapshot()
            order = np.argsort(rows)
            meta = {"format": _FILE_FORMAT, "db": self._fingerprint(), "revision": self.revision,
                    "removed": sorted(self._removed),
                    "entries": {str(k): [e.id, e.bank_id, e.version_id, e.sha256, e.label,
                                         e.media] for k, e in self._entries.items()},
                    "saved_at": dt.datetime.now(dt.UTC).isoformat()}
            arrays: dict[str, Any] = {"codes": codes[order], "entry": self._rows.entry,
                      "variant": self._rows.variant, "frame": self._rows.frame,
                      "timestamp": self._rows.timestamp, "quality": self._rows.quality,
                      "meta": np.array(json.dumps(meta))}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".bank-index-", suffix=".npz", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, **arrays)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    # -- lookups -----------------------------------------------------------------------------

    def match(self, hashes: Sequence[PerceptualHash], *, exclude_version: int | None = None,
              ) -> list[Match]:
        """The banked entries near any of ``hashes`` (each entry once, at its closest; negative
        banks included), closest first. Hashes of quality ≤ 49 are not matched on, nor are
        entries of disabled banks or of version ``exclude_version`` (a version never matches
        itself)."""
        self.refresh()
        usable = [h for h in hashes if h.is_matchable]
        with self._lock:
            banks = dict(self._banks)
            enabled = [b.distance for b in banks.values() if b.enabled]
            if not usable or not enabled or not len(self._rows):
                return []
            radius = max(enabled)
            rows, entries, removed = self._rows, self._entries, self._removed
            search = self._search
        # outside the lock, so lookups of several threads run at once (rows, entries and
        # removed only grow while the index holds them; a reset replaces them all)
        hits = search.search(hex_to_bytes([h.hex for h in usable]), radius)
        best: dict[int, Match] = {}
        for q, row, dist in zip(hits.query.tolist(), hits.row.tolist(), hits.distance.tolist(),
                                strict=True):
            entry_id = int(rows.entry[row])
            if entry_id in removed:
                continue
            entry = entries[entry_id]
            bank = banks.get(entry.bank_id)
            if bank is None or not bank.enabled or dist > bank.distance:
                continue
            if exclude_version is not None and entry.version_id == exclude_version:
                continue
            old = best.get(entry_id)
            if old is not None and old.distance <= dist:
                continue
            query = usable[q]
            best[entry_id] = Match(
                bank.name, bank.reason, entry_id, entry.version_id, entry.label, entry.sha256,
                int(dist), variant_name(int(rows.variant[row])), int(rows.quality[row]),
                int(rows.frame[row]), float(rows.timestamp[row]), query.frame, query.timestamp)
        return sorted(best.values(), key=lambda m: (m.distance, m.entry_id))

    def current_revision(self) -> int:
        """The revision held after a refresh: what a lookup now would see."""
        self.refresh()
        return self.revision

    def remember(self, sha256: str, hashes: Sequence[PerceptualHash]) -> None:
        """Store the hashes computed for content ``sha256`` (at screening), in a short
        transaction of its own, so banking it later needs no hashing. Idempotent."""
        from clearance.bank.banks import store_hashes
        from clearance.errors import StorageError
        from clearance.storage.db import session_scope

        try:
            with session_scope(self.engine) as session:
                store_hashes(session, sha256, hashes)
        except StorageError as exc:  # a cache (another process stored them first, say)
            log.info("hashes of %s not stored: %s", sha256, exc)
