"""Hash-bank index benchmark: 1M and 10M banked 256-bit hashes, random and clustered.

For each size and data shape: build time, lookups/s single (one query per call) and batched
(256 per call, on 1 and 2 threads), p50/p99 single-query latency, resident memory after the build
and the size of the persisted index file; and the share of brute force's matches at distance ≤ 31
found, on a sample of queries (brute force = faiss ``IndexBinaryFlat`` range search). Queries are
half near-copies of banked hashes (0-40 bits flipped) and half unrelated hashes.

Compared, at the sizes given to ``--faiss-sizes`` (default 1M): faiss ``IndexBinaryMultiHash``
(16 × 16 bits, one bit flipped: the issue's measured baseline) and ``IndexBinaryFlat`` (exact);
at the sizes given to ``--numpy-sizes`` (default 1M), the same multi-index tables searched by
numpy instead of the compiled loops (what the bank does where numba is not installed, and what it
did before). Each run records the load average before and after (the machine is shared: CPU
seconds per lookup are given beside wall-clock rates, since they move less with the load).

Usage (one command; results into bench/results/bank_index.json)::

    .venv/bin/python bench/bench_bank_index.py --sizes 1000000 10000000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from clearance.bank.search import FlatSearch, MultiIndexSearch

RESULTS = Path(__file__).resolve().parent / "results"
RADIUS = 31


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def flip(codes: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each row with ``counts[i]`` distinct random bits flipped."""
    bits = np.unpackbits(codes, axis=1)
    for i, d in enumerate(counts):
        if d:
            bits[i, rng.choice(256, int(d), replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def make_data(n: int, shape: str, rng: np.random.Generator) -> np.ndarray:
    if shape == "random":
        return rng.integers(0, 256, (n, 32), dtype=np.uint8)
    # clustered: n/8 "images", each with 8 members (like a banked picture's dihedral variants
    # and its near-duplicates) within ~4-24 bits of a centre: dense neighbourhoods, as real
    # banks of near-copies have.
    centres = rng.integers(0, 256, (n // 8 + 1, 32), dtype=np.uint8)
    out = np.empty((n, 32), dtype=np.uint8)
    block = 1 << 18
    for s in range(0, n, block):
        e = min(n, s + block)
        base = centres[np.arange(s, e) // 8]
        # flip a random number of random bits: xor with a sparse random mask
        mask_bits = (rng.random((e - s, 256), dtype=np.float32)
                     < rng.uniform(0.015, 0.09, (e - s, 1)).astype(np.float32))
        out[s:e] = base ^ np.packbits(mask_bits, axis=1)
    return out


def make_queries(codes: np.ndarray, q: int, rng: np.random.Generator) -> np.ndarray:
    near = flip(codes[rng.integers(0, len(codes), q // 2)], rng.integers(0, 41, q // 2), rng)
    far = rng.integers(0, 256, (q - q // 2, 32), dtype=np.uint8)
    out = np.concatenate([near, far])
    rng.shuffle(out)
    return out


def timed_single(index: Any, queries: np.ndarray, n: int) -> dict[str, float]:
    lat = []
    index.search(queries[:1], RADIUS)  # compiled on first use
    cpu = time.process_time()
    for i in range(min(n, len(queries))):
        t = time.perf_counter()
        index.search(queries[i:i + 1], RADIUS)
        lat.append(time.perf_counter() - t)
    cpu = time.process_time() - cpu
    arr = np.array(lat)
    return {"lookups_per_s": round(len(arr) / arr.sum(), 1),
            "lookups_per_cpu_s": round(len(arr) / cpu, 1),
            "p50_ms": round(float(np.percentile(arr, 50)) * 1000, 3),
            "p99_ms": round(float(np.percentile(arr, 99)) * 1000, 3)}


def timed_batched(index: Any, queries: np.ndarray, threads: int, batch: int = 256) -> float:
    chunks = [queries[i:i + batch] for i in range(0, len(queries), batch)]
    t = time.perf_counter()
    if threads == 1:
        cpu = time.process_time()
        for c in chunks:
            index.search(c, RADIUS)
        timed_batched.cpu_rate = round(len(queries) / (time.process_time() - cpu), 1)  # type: ignore[attr-defined]
    else:
        def work(part: list[np.ndarray]) -> None:
            for c in part:
                index.search(c, RADIUS)
        ts = [threading.Thread(target=work, args=(chunks[k::threads],)) for k in range(threads)]
        for th in ts:
            th.start()
        for th in ts:
            th.join()
    return round(len(queries) / (time.perf_counter() - t), 1)


class FaissMultiHash:
    def __init__(self, codes: np.ndarray) -> None:
        import faiss

        self.index = faiss.IndexBinaryMultiHash(256, 16, 16)
        self.index.nflip = 1
        self.index.add(codes)

    def search(self, q: np.ndarray, radius: int) -> Any:
        return self.index.range_search(q, radius + 1)


def pairs(hits: Any) -> set[tuple[int, int]]:
    if isinstance(hits, tuple):
        lims, _d, idx = hits
        owners = np.repeat(np.arange(len(lims) - 1), np.diff(lims).astype(np.int64))
        return set(zip(owners.tolist(), idx.tolist(), strict=True))
    return set(zip(hits.query.tolist(), hits.row.tolist(), strict=True))


def bench_one(n: int, shape: str, args: argparse.Namespace, faiss_too: bool,
              numpy_too: bool) -> dict[str, Any]:
    load_before = [round(x, 2) for x in os.getloadavg()]
    rng = np.random.default_rng(n + (1 if shape == "clustered" else 0))
    codes = make_data(n, shape, rng)
    queries = make_queries(codes, args.queries, rng)
    sample = queries[: args.recall_sample]
    rows = np.arange(n, dtype=np.int64)
    gc.collect()
    rss0 = rss_mb()
    t = time.perf_counter()
    mih = MultiIndexSearch(codes, rows)
    build = time.perf_counter() - t
    structure = "compiled (numba)" if mih.compiled else "numpy (numba not installed)"
    rss_after = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.npz"
        np.savez(path, codes=codes, rows=rows)  # what the bank persists: codes and row ids
        file_mb = path.stat().st_size / 1e6
        t = time.perf_counter()
        with np.load(path) as f:
            MultiIndexSearch(f["codes"], f["rows"])
        load_build = time.perf_counter() - t
    gc.collect()
    out: dict[str, Any] = {
        "size": n, "data": shape, "load_average_before": load_before,
        "index": "multi-index hashing 11 substrings (3x24+8x23 bits), "
        f"2 bits flipped per probe (clearance.bank.search.MultiIndexSearch, {structure})",
        "build_s": round(build, 2), "load_and_build_s": round(load_build, 2),
        "index_mb": round(mih.nbytes / 1e6, 1), "rss_mb_before_build": round(rss0, 1),
        "rss_mb_after_build": round(rss_after, 1), "index_file_mb": round(file_mb, 1),
        "single": timed_single(mih, queries, args.single),
        "batched_1_thread_per_s": timed_batched(mih, queries, 1),
        "batched_1_thread_per_cpu_s": timed_batched.cpu_rate,  # type: ignore[attr-defined]
        "batched_2_threads_per_s": timed_batched(mih, queries, 2),
    }
    flat = FlatSearch()
    flat.add(codes, rows)
    t = time.perf_counter()
    truth = pairs(flat.search(sample, RADIUS))
    out["brute_force_per_s"] = round(len(sample) / (time.perf_counter() - t), 1)
    got = pairs(mih.search(sample, RADIUS))
    out["recall_vs_brute_force"] = {"sample_queries": len(sample), "brute_force_matches":
                                    len(truth), "found": len(truth & got),
                                    "extra": len(got - truth),
                                    "recall": round(len(truth & got) / max(1, len(truth)), 5)}
    del flat
    gc.collect()
    if numpy_too:
        t = time.perf_counter()
        slow = MultiIndexSearch(codes, rows, compiled=False)
        nb = time.perf_counter() - t
        ngot = pairs(slow.search(sample, RADIUS))
        out["numpy_loops"] = {"build_s": round(nb, 2), "single": timed_single(slow, queries,
                                                                           args.single // 4),
                              "batched_1_thread_per_s": timed_batched(slow, queries, 1),
                              "batched_1_thread_per_cpu_s":
                                  timed_batched.cpu_rate,  # type: ignore[attr-defined]
                              "recall": round(len(truth & ngot) / max(1, len(truth)), 5)}
        del slow
        gc.collect()
    if faiss_too:
        t = time.perf_counter()
        fm = FaissMultiHash(codes)
        fb = time.perf_counter() - t
        fsample = queries[: min(len(queries), args.faiss_queries)]
        t = time.perf_counter()
        fm.search(fsample, RADIUS)
        fq = len(fsample) / (time.perf_counter() - t)
        fgot = pairs(fm.search(sample, RADIUS))
        out["faiss_multihash_16x16_nflip1"] = {
            "build_s": round(fb, 2), "batched_per_s": round(fq, 1),
            "rss_mb": round(rss_mb(), 1),
            "recall": round(len(truth & fgot) / max(1, len(truth)), 5)}
        del fm
    out["peak_rss_mb"] = round(peak_mb(), 1)
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    del mih, codes
    gc.collect()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--data", nargs="+", default=["random", "clustered"],
                        choices=["random", "clustered"])
    parser.add_argument("--queries", type=int, default=4000)
    parser.add_argument("--single", type=int, default=1000)
    parser.add_argument("--recall-sample", type=int, default=400)
    parser.add_argument("--faiss-sizes", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--faiss-queries", type=int, default=1000)
    parser.add_argument("--numpy-sizes", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--out", type=Path, default=RESULTS / "bank_index.json")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(),
                                          "python": platform.python_version()},
                              "commit": commit, "radius": RADIUS, "runs": []}
    for n in args.sizes:
        for shape in args.data:
            res = bench_one(n, shape, args, n in args.faiss_sizes, n in args.numpy_sizes)
            report["runs"].append(res)
            print(json.dumps(res), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"written {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
