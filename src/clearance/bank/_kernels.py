"""Compiled loops of :class:`clearance.bank.search.MultiIndexSearch` (numba, the ``bank`` extra).

Why compiled: at 10M codes a query probes 3,047 buckets and checks ~3,600 candidates; numpy's
vectorised form of that materialises a dozen temporaries per query and spent most of its time in
them (485 lookups/s, batched). One loop per query that reads each bucket's bounds, its row ids
and each candidate's 32 bytes, and computes the distance with ``popcnt`` on 4 words, does the same
work in ~0.25 ms of one core (``bench/bench_bank_index.py``; figures in ``bench/README.md``).

The loop runs in three passes per query (bucket bounds of every probe, then the row ids of every
bucket, then the candidates' distances) so that the memory reads of one pass do not wait on each
other: each pass's reads are independent, and the processor overlaps their cache misses.

A pair found through several substrings is reported once: a candidate found through substring
``t`` is kept only if no earlier substring ``s < t`` is within ``flips`` bits of the query's, since
probing ``s`` (which enumerates every key within ``flips`` bits) found it first.

Imported only when numba is installed; :mod:`clearance.bank.search` falls back to numpy
otherwise (same results, slower).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

_U1 = np.uint64(1)


@numba.njit(inline="always", cache=True)
def _popcount(x: Any) -> Any:
    # the standard SWAR count: LLVM turns it into one popcnt instruction where there is one
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@numba.njit(inline="always", cache=True)
def _bits(w0: Any, w1: Any, w2: Any, w3: Any, start: int, bits: int) -> Any:
    """Bits ``start .. start+bits`` (most significant first) of the 256-bit code ``w0..w3``."""
    i = start // 64
    o = start % 64
    if i == 0:
        a, b = w0, w1
    elif i == 1:
        a, b = w1, w2
    elif i == 2:
        a, b = w2, w3
    else:
        a, b = w3, np.uint64(0)
    mask = (_U1 << np.uint64(bits)) - _U1
    if o + bits <= 64:
        return (a >> np.uint64(64 - o - bits)) & mask
    spill = o + bits - 64
    high = a & ((_U1 << np.uint64(64 - o)) - _U1)
    return (high << np.uint64(spill)) | (b >> np.uint64(64 - spill))


@numba.njit(nogil=True, cache=True)
def build_table(words: Any, start: int, bits: int, offsets: Any, order: Any) -> None:
    """One substring's table by counting sort: ``offsets`` (``2**bits + 1``) and ``order`` (the
    row positions sorted by substring, stable)."""
    n = words.shape[0]
    offsets[:] = 0
    keys = np.empty(n, np.int64)
    for i in range(n):
        k = np.int64(_bits(words[i, 0], words[i, 1], words[i, 2], words[i, 3], start, bits))
        keys[i] = k
        offsets[k + 1] += 1
    for j in range(1, offsets.shape[0]):
        offsets[j] += offsets[j - 1]
    fill = offsets[:-1].copy()
    for i in range(n):
        key = keys[i]
        order[fill[key]] = i
        fill[key] += 1


@numba.njit(nogil=True, cache=True)
def search(queries: Any, words: Any, starts: Any, bitss: Any, obase: Any, offsets: Any,
           order: Any, mbase: Any, masks: Any, radius: int, flips: int, out_query: Any,
           out_pos: Any, out_dist: Any) -> int:
    """Every (query, position, distance) within ``radius``, written to the ``out_*`` arrays; the
    number found (larger than the arrays when they were too short: call again with that many)."""
    n = words.shape[0]
    tables = starts.shape[0]
    nprobes = mbase[tables]
    cap = out_pos.shape[0]
    found = 0
    sub_q = np.empty(tables, np.uint64)
    lo_of = np.empty(nprobes, np.int64)
    hi_of = np.empty(nprobes, np.int64)
    cand = np.empty(8192, np.int64)
    cand_table = np.empty(8192, np.int64)
    for qi in range(queries.shape[0]):
        q0, q1, q2, q3 = queries[qi, 0], queries[qi, 1], queries[qi, 2], queries[qi, 3]
        for t in range(tables):
            sub_q[t] = _bits(q0, q1, q2, q3, starts[t], bitss[t])
        # 1: each probe's bucket bounds
        total = 0
        for t in range(tables):
            key = sub_q[t]
            base = obase[t]
            for m in range(mbase[t], mbase[t + 1]):
                k = base + np.int64(key ^ masks[m])
                lo_of[m] = offsets[k]
                hi_of[m] = offsets[k + 1]
                total += hi_of[m] - lo_of[m]
        if total > cand.shape[0]:
            size = max(total, 2 * cand.shape[0])
            cand = np.empty(size, np.int64)
            cand_table = np.empty(size, np.int64)
        # 2: the row positions in those buckets
        nc = 0
        for t in range(tables):
            row_base = t * n
            for m in range(mbase[t], mbase[t + 1]):
                for p in range(lo_of[m], hi_of[m]):
                    cand[nc] = order[row_base + p]
                    cand_table[nc] = t
                    nc += 1
        # 3: full distances, each pair once
        for j in range(nc):
            c = cand[j]
            c0, c1, c2, c3 = words[c, 0], words[c, 1], words[c, 2], words[c, 3]
            d = (_popcount(c0 ^ q0) + _popcount(c1 ^ q1) + _popcount(c2 ^ q2)
                 + _popcount(c3 ^ q3))
            if d <= radius:
                t = cand_table[j]
                first = True
                for s in range(t):
                    if _popcount(_bits(c0, c1, c2, c3, starts[s], bitss[s]) ^ sub_q[s]) <= flips:
                        first = False
                        break
                if first:
                    if found < cap:
                        out_query[found] = qi
                        out_pos[found] = c
                        out_dist[found] = d
                    found += 1
    return found
