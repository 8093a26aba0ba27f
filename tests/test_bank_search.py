"""The hash bank's search structures against brute force: multi-index hashing (compiled loops
and numpy) finds exactly the pairs a full scan finds, at every radius, on random and clustered
codes; the tiered index stays exact while its base is rebuilt in the background and while
several threads search it."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from clearance.bank import search
from clearance.bank.search import FlatSearch, Hits, MultiIndexSearch, TieredSearch

pytest.importorskip("faiss")


def _codes(n: int, rng: np.random.Generator, *, clustered: bool) -> np.ndarray:
    if not clustered:
        return rng.integers(0, 256, (n, 32), dtype=np.uint8)
    centres = rng.integers(0, 256, (n // 8 + 1, 32), dtype=np.uint8)
    flips = rng.random((n, 256)) < rng.uniform(0.0, 0.09, (n, 1))
    return centres[np.arange(n) // 8] ^ np.packbits(flips, axis=1)


def _queries(codes: np.ndarray, rng: np.random.Generator, n: int = 120) -> np.ndarray:
    near = codes[rng.integers(0, len(codes), n)].copy()
    bits = np.unpackbits(near, axis=1)
    for i, d in enumerate(rng.integers(0, 41, n)):
        bits[i, rng.choice(256, int(d), replace=False)] ^= 1
    return np.concatenate([np.packbits(bits, axis=1),
                           rng.integers(0, 256, (20, 32), dtype=np.uint8)])


def _triples(hits: Hits) -> list[tuple[int, int, int]]:
    return sorted(zip(hits.query.tolist(), hits.row.tolist(), hits.distance.tolist(),
                      strict=True))


@pytest.mark.parametrize("clustered", [False, True])
def test_multi_index_search_finds_exactly_what_brute_force_finds(clustered: bool) -> None:
    rng = np.random.default_rng(5 + clustered)
    codes = _codes(30_000, rng, clustered=clustered)
    rows = np.arange(len(codes), dtype=np.int64) * 3 + 11  # row ids are not positions
    queries = _queries(codes, rng)
    flat = FlatSearch()
    flat.add(codes, rows)
    numpy_loops = MultiIndexSearch(codes, rows, compiled=False)
    compiled = MultiIndexSearch(codes, rows)
    structures = [numpy_loops] + ([compiled] if compiled.compiled else [])
    for radius in (0, 1, 8, 31, 32, 33, 45):
        truth = _triples(flat.search(queries, radius))
        assert truth or radius == 0
        for structure in structures:
            assert _triples(structure.search(queries, radius)) == truth, (radius, structure)
    # one query at a time gives the same as the batch
    truth = _triples(flat.search(queries, 31))
    for structure in structures:
        one = sorted((i, r, d) for i in range(len(queries))
                     for _q, r, d in _triples(structure.search(queries[i:i + 1], 31)))
        assert one == truth
    assert not len(compiled.search(np.zeros((0, 32), np.uint8), 31))


def test_compiled_loops_are_used_where_numba_is_installed() -> None:
    pytest.importorskip("numba")
    codes = np.random.default_rng(1).integers(0, 256, (1000, 32), dtype=np.uint8)
    assert MultiIndexSearch(codes, np.arange(1000)).compiled
    assert not MultiIndexSearch(codes, np.arange(1000), compiled=False).compiled
    assert search.MIH_MAX_RADIUS == 32


def test_many_matches_for_one_query_are_all_returned() -> None:
    # more hits than the kernel's first output guess (64 per query): it asks again
    base = np.random.default_rng(2).integers(0, 256, (1, 32), dtype=np.uint8)
    codes = np.repeat(base, 5000, axis=0)
    codes[::2, 0] ^= 1
    index = MultiIndexSearch(codes, np.arange(5000))
    hits = index.search(base, 31)
    assert len(hits) == 5000 and set(hits.distance.tolist()) == {0, 1}


def test_tiered_search_is_exact_while_its_base_is_rebuilt_in_the_background() -> None:
    rng = np.random.default_rng(3)
    codes = _codes(24_000, rng, clustered=True)
    queries = _queries(codes, rng, 60)
    tiered = TieredSearch(mih_min_codes=4_000)
    flat = FlatSearch()
    errors: list[str] = []
    stop = threading.Event()

    def searcher() -> None:
        while not stop.is_set():
            got = tiered.search(queries, 31)
            # whatever is held at that moment, every hit is a true one
            if len(got) and int(got.distance.max()) > 31:
                errors.append("distance over the radius")

    workers = [threading.Thread(target=searcher) for _ in range(2)]
    for w in workers:
        w.start()
    try:
        for start in range(0, len(codes), 3_000):
            part = codes[start:start + 3_000]
            rows = np.arange(start, start + len(part), dtype=np.int64)
            tiered.add(part, rows)
            flat.add(part, rows)
            tiered.wait()
            assert _triples(tiered.search(queries, 31)) == _triples(flat.search(queries, 31))
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert not errors
    assert tiered.kind == "multi-index" and len(tiered) == len(codes)
    _codes_held, rows_held = tiered.snapshot()
    assert sorted(rows_held.tolist()) == list(range(len(codes)))
