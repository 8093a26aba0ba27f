"""Range search over 256-bit hashes: every stored hash within a Hamming distance of a query.

Two exact structures, chosen by size (``bench/bench_bank_index.py`` measured them; figures in
``bench/README.md``):

* :class:`FlatSearch` — faiss ``IndexBinaryFlat``: compares the query with every code (SIMD
  popcount). Exact; about 1 ms per query per million codes on one core, so it is the structure
  for small banks and for the recent additions of a large one.
* :class:`MultiIndexSearch` — multi-index hashing (Norouzi et al.): the 256 bits are cut into
  11 substrings (3 of 24 bits, 8 of 23). Two hashes within distance 32 agree, by the pigeonhole
  principle, to within 2 bits on at least one substring (11 × 3 = 33 > 32), so probing each
  substring's table with the query's substring and its 277-301 neighbours within 2 bits finds
  every candidate; candidates are then checked with the full 256-bit distance. Exact for radius
  ≤ 32 (a larger radius falls back to a full scan). Tables are direct-addressed (an offsets array
  of 2^b + 1 entries and the row ids sorted by substring), so a probe is two array reads.
  faiss's ``IndexBinaryMultiHash`` with 16 × 16-bit substrings and one bit flipped reads
  ~10M/65,536 × 17 × 16 ≈ 41,000 candidates per query at 10M codes; with 23-24-bit substrings it
  is ~3,600 (and 3,047 probes). The search runs in compiled loops (:mod:`clearance.bank._kernels`,
  numba) where numba is installed, in numpy (vectorised over a batch, the same results, 4-10 times
  slower at 10M codes) where it is not. 11 substrings and 2-bit probes were kept by measurement:
  at 10M codes a 23-bit bucket holds ~1.2 codes, so probes and candidates cost about the same;
  16-bit substrings (1-bit probes) read 11 times the candidates and 32-bit ones (3-bit probes,
  8 tables) 14 times the probes.

:class:`TieredSearch` puts them together: a large static base (rebuilt now and then) plus a
flat index of what was added since, so adds are searchable at once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

Codes = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

#: Substring lengths of :class:`MultiIndexSearch` (they add up to 256).
SUBSTRINGS: Final = (24, 24, 24, 23, 23, 23, 23, 23, 23, 23, 23)
#: Bits flipped per substring probe.
FLIPS: Final = 2
#: The largest radius :class:`MultiIndexSearch` answers exactly without a full scan.
MIH_MAX_RADIUS: Final = len(SUBSTRINGS) * (FLIPS + 1) - 1
#: Below this many codes a flat scan is as fast and needs no build: the base stays flat.
MIH_MIN_CODES: Final = 200_000


@dataclass(frozen=True, slots=True)
class Hits:
    """Search results: ``query[n]`` (index into the queries) is within ``distance[n]`` of the
    stored code whose row id is ``row[n]``."""

    query: I64
    row: I64
    distance: I64

    @classmethod
    def empty(cls) -> Hits:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z)

    @classmethod
    def concat(cls, parts: Sequence[Hits]) -> Hits:
        parts = [p for p in parts if len(p.row)]
        if not parts:
            return cls.empty()
        return cls(np.concatenate([p.query for p in parts]),
                   np.concatenate([p.row for p in parts]),
                   np.concatenate([p.distance for p in parts]))

    def __len__(self) -> int:
        return len(self.row)


class Search(Protocol):
    def __len__(self) -> int: ...

    def search(self, queries: Codes, radius: int) -> Hits:
        """Every stored code within ``radius`` (inclusive) of each query."""
        ...


def as_words(codes: Codes) -> npt.NDArray[np.uint64]:
    """``N x 32`` bytes as ``N x 4`` native uint64 words, most significant bit first."""
    return np.ascontiguousarray(codes).view(">u8").astype(np.uint64)


def hamming(a_words: npt.NDArray[np.uint64], b_words: npt.NDArray[np.uint64]) -> I64:
    """Row-wise Hamming distances of two equally shaped word arrays."""
    out: I64 = np.bitwise_count(a_words ^ b_words).sum(axis=1, dtype=np.int64)
    return out


class FlatSearch:
    """Exact search with faiss ``IndexBinaryFlat``; ``rows[i]`` is the row id of the i-th code
    added."""

    def __init__(self) -> None:
        self._index: Any = None  # faiss is imported on the first add
        self._rows: list[I64] = []
        self._row_array: I64 = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return 0 if self._index is None else int(self._index.ntotal)

    def add(self, codes: Codes, rows: I64) -> None:
        if len(codes):
            if self._index is None:
                try:
                    import faiss
                except ImportError:
                    from clearance.detectors.extras import unavailable

                    raise unavailable("faiss-cpu (the hash bank's index)", "bank") from None
                self._index = faiss.IndexBinaryFlat(256)
            self._index.add(np.ascontiguousarray(codes, dtype=np.uint8))
            self._rows.append(np.asarray(rows, dtype=np.int64))
            self._row_array = np.concatenate(self._rows)
            self._rows = [self._row_array]

    def search(self, queries: Codes, radius: int) -> Hits:
        if not len(self) or not len(queries):
            return Hits.empty()
        lims, dist, idx = self._index.range_search(np.ascontiguousarray(queries, np.uint8),
                                                   radius + 1)  # faiss: distance < radius
        owners = np.repeat(np.arange(len(queries), dtype=np.int64), np.diff(lims).astype(np.int64))
        return Hits(owners, self._row_array[idx.astype(np.int64)], dist.astype(np.int64))


def _flip_masks(bits: int, flips: int) -> npt.NDArray[np.uint32]:
    masks = [0]
    for k in range(1, flips + 1):
        for combo in combinations(range(bits), k):
            m = 0
            for b in combo:
                m |= 1 << b
            masks.append(m)
    return np.array(masks, dtype=np.uint32)


def _substring(words: npt.NDArray[np.uint64], start: int, bits: int) -> npt.NDArray[np.uint32]:
    """Bits ``start .. start+bits`` (MSB first) of each row of ``words``."""
    i, o = divmod(start, 64)
    mask = np.uint64((1 << bits) - 1)
    if o + bits <= 64:
        value = (words[:, i] >> np.uint64(64 - o - bits)) & mask
    else:
        spill = o + bits - 64
        high = words[:, i] & np.uint64((1 << (64 - o)) - 1)
        value = (high << np.uint64(spill)) | (words[:, i + 1] >> np.uint64(64 - spill))
    return value.astype(np.uint32)


def _kernels() -> Any:
    """:mod:`clearance.bank._kernels` (numba), or ``None`` where numba is not installed."""
    global _KERNELS
    if _KERNELS is False:
        try:
            from clearance.bank import _kernels
        except ImportError:  # numba missing: the numpy loops give the same results, slower
            _KERNELS = None
        else:
            _KERNELS = _kernels
    return _KERNELS


_KERNELS: Any = False


class MultiIndexSearch:
    """Exact multi-index hashing over a fixed set of codes (see the module docstring).

    Each substring's table is direct-addressed: ``offsets`` (``2**bits + 1`` entries, all tables
    end to end) and ``order`` (the positions sorted by the substring, one row per table). With
    numba installed the tables are built by counting sort and searched by the compiled loops of
    :mod:`clearance.bank._kernels`; without it, by numpy (``compiled=False`` forces that)."""

    def __init__(self, codes: Codes, rows: I64, *, compiled: bool = True) -> None:
        self._words = as_words(codes)
        self._rows = np.asarray(rows, dtype=np.int64)
        kernels = _kernels() if compiled else None
        self.compiled = kernels is not None
        n = len(self._rows)
        sizes = [(1 << bits) + 1 for bits in SUBSTRINGS]
        self._starts = np.cumsum([0, *SUBSTRINGS[:-1]]).astype(np.int64)
        self._bits = np.array(SUBSTRINGS, dtype=np.int64)
        self._obase = np.cumsum([0, *sizes[:-1]]).astype(np.int64)
        self._offsets = np.zeros(sum(sizes), dtype=np.int32)
        self._order = np.empty(len(SUBSTRINGS) * n, dtype=np.int32)
        masks = [_flip_masks(bits, FLIPS).astype(np.uint64) for bits in SUBSTRINGS]
        self._masks = np.concatenate(masks)
        self._mbase = np.cumsum([0, *map(len, masks)]).astype(np.int64)
        for t, bits in enumerate(SUBSTRINGS):
            start, ob = int(self._starts[t]), int(self._obase[t])
            offsets = self._offsets[ob:ob + sizes[t]]
            order = self._order[t * n:(t + 1) * n]
            if kernels is not None:
                kernels.build_table(self._words, start, bits, offsets, order)
            else:
                keys = _substring(self._words, start, bits)
                order[:] = np.argsort(keys, kind="stable")
                np.cumsum(np.bincount(keys, minlength=1 << bits), out=offsets[1:])
                del keys

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def nbytes(self) -> int:
        return (self._words.nbytes + self._rows.nbytes + self._offsets.nbytes
                + self._order.nbytes)

    def _table(self, t: int) -> tuple[int, int, npt.NDArray[np.int32], npt.NDArray[np.int32],
                                      npt.NDArray[np.uint64]]:
        bits, n = int(self._bits[t]), len(self._rows)
        ob = int(self._obase[t])
        return (int(self._starts[t]), bits, self._offsets[ob:ob + (1 << bits) + 1],
                self._order[t * n:(t + 1) * n],
                self._masks[int(self._mbase[t]):int(self._mbase[t + 1])])

    def search(self, queries: Codes, radius: int) -> Hits:
        if not len(self) or not len(queries):
            return Hits.empty()
        q = as_words(queries)
        if radius > MIH_MAX_RADIUS:  # beyond the pigeonhole bound: a full scan, still exact
            return self._scan(q, radius)
        if self.compiled:
            return self._search_compiled(q, radius)
        owners_parts: list[I64] = []
        cand_parts: list[npt.NDArray[np.int32]] = []
        nq = len(q)
        for t in range(len(SUBSTRINGS)):
            start, bits, offsets, order, masks = self._table(t)
            probes = (_substring(q, start, bits)[:, None].astype(np.uint64) ^ masks[None, :]
                      ).ravel().astype(np.int64)
            lo = offsets[probes].astype(np.int64)
            counts = offsets[probes + 1].astype(np.int64) - lo
            total = int(counts.sum())
            if not total:
                continue
            ends = np.cumsum(counts)
            pos = np.arange(total, dtype=np.int64) + np.repeat(lo - (ends - counts), counts)
            cand_parts.append(order[pos])
            owners_parts.append(np.repeat(np.repeat(np.arange(nq, dtype=np.int64),
                                                    len(masks)), counts))
        if not cand_parts:
            return Hits.empty()
        cand = np.concatenate(cand_parts).astype(np.int64)
        owners = np.concatenate(owners_parts)
        dist = hamming(self._words[cand], q[owners])
        keep = dist <= radius
        cand, owners, dist = cand[keep], owners[keep], dist[keep]
        if not len(cand):
            return Hits.empty()
        key = owners * len(self._rows) + cand  # the same pair found through several substrings
        _, first = np.unique(key, return_index=True)
        return Hits(owners[first], self._rows[cand[first]], dist[first])

    def _search_compiled(self, q: npt.NDArray[np.uint64], radius: int) -> Hits:
        kernels = _kernels()
        cap = 64 * len(q) + 64
        while True:
            out_q = np.empty(cap, dtype=np.int64)
            out_pos = np.empty(cap, dtype=np.int64)
            out_dist = np.empty(cap, dtype=np.int64)
            found = int(kernels.search(q, self._words, self._starts, self._bits, self._obase,
                                       self._offsets, self._order, self._mbase, self._masks,
                                       radius, FLIPS, out_q, out_pos, out_dist))
            if found <= cap:
                break
            cap = found
        return Hits(out_q[:found], self._rows[out_pos[:found]], out_dist[:found])

    def _scan(self, q: npt.NDArray[np.uint64], radius: int) -> Hits:
        parts = []
        for n in range(len(q)):
            dist = np.bitwise_count(self._words ^ q[n]).sum(axis=1, dtype=np.int64)
            hit = np.nonzero(dist <= radius)[0]
            parts.append(Hits(np.full(len(hit), n, dtype=np.int64), self._rows[hit], dist[hit]))
        return Hits.concat(parts)


class TieredSearch:
    """A static base (multi-index hashing once it holds :data:`MIH_MIN_CODES`, flat below) plus
    a flat index of what was added since the base was built. :meth:`add` is searchable at
    once; when the recent part grows past a hundredth of the base (and 50,000 codes), a
    background thread folds it into a new base (:meth:`compact`), built outside the lock so
    searches go on meanwhile. A hundredth, because every lookup scans the recent part: 100,000
    codes flat cost about what a multi-index lookup of 10M costs, and a 10M base builds in ~6 s
    of one core."""

    def __init__(self, *, mih_min_codes: int = MIH_MIN_CODES, background: bool = True) -> None:
        self._lock = threading.RLock()
        self._mih_min = mih_min_codes
        self._background = background
        self._base: Search = FlatSearch()
        self._base_codes: list[Codes] = []
        self._base_rows: list[I64] = []
        self._recent = FlatSearch()
        self._recent_codes: list[Codes] = []
        self._recent_rows: list[I64] = []
        self._compacting = False
        self._worker: threading.Thread | None = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._base) + len(self._recent)

    @property
    def kind(self) -> str:
        return "multi-index" if isinstance(self._base, MultiIndexSearch) else "flat"

    def add(self, codes: Codes, rows: I64) -> None:
        if not len(codes):
            return
        with self._lock:
            self._recent.add(codes, rows)
            self._recent_codes.append(np.asarray(codes, dtype=np.uint8))
            self._recent_rows.append(np.asarray(rows, dtype=np.int64))
            recent, base = len(self._recent), len(self._base)
            due = (recent + base >= self._mih_min and recent > max(base // 100, 50_000)) \
                or (base == 0 and recent >= self._mih_min)
            if due and self._background:
                if self._compacting or (self._worker is not None and self._worker.is_alive()):
                    return
                self._worker = threading.Thread(target=self.compact, name="bank-index-compact",
                                                daemon=True)
                self._worker.start()
                return
        if due:
            self.compact()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background compaction, if one is running."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def compact(self) -> None:
        """Fold the recent additions into a new base (multi-index once large enough)."""
        with self._lock:
            if self._compacting:
                return
            self._compacting = True
            codes = [*self._base_codes, *self._recent_codes]
            rows = [*self._base_rows, *self._recent_rows]
            folded = len(self._recent_codes)
        try:
            all_codes = np.concatenate(codes) if codes else np.zeros((0, 32), np.uint8)
            all_rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
            base: Search
            if len(all_codes) >= self._mih_min:
                base = MultiIndexSearch(all_codes, all_rows)
            else:
                flat = FlatSearch()
                flat.add(all_codes, all_rows)
                base = flat
            with self._lock:
                # additions made while building stay in the recent part
                later_codes = self._recent_codes[folded:]
                later_rows = self._recent_rows[folded:]
                self._base, self._base_codes, self._base_rows = base, [all_codes], [all_rows]
                self._recent = FlatSearch()
                self._recent_codes, self._recent_rows = [], []
                for c, r in zip(later_codes, later_rows, strict=True):
                    self._recent.add(c, r)
                    self._recent_codes.append(c)
                    self._recent_rows.append(r)
        finally:
            with self._lock:
                self._compacting = False

    def search(self, queries: Codes, radius: int) -> Hits:
        """Thread-safe; searches of the base run in parallel (the compiled loops release the
        GIL), the recent part (which :meth:`add` changes) one at a time."""
        with self._lock:
            base = self._base
            recent = self._recent.search(queries, radius)
        return Hits.concat([base.search(queries, radius), recent])

    def snapshot(self) -> tuple[Codes, I64]:
        """Every code and row id held (for saving the index)."""
        with self._lock:
            codes = [*self._base_codes, *self._recent_codes]
            rows = [*self._base_rows, *self._recent_rows]
        if not codes:
            return np.zeros((0, 32), np.uint8), np.zeros(0, np.int64)
        return np.concatenate(codes), np.concatenate(rows)
