"""Copy-screening benchmark on the Netflix catalog descriptions: speed of the three semantic modes,
and of the whole process with the copy classifier.

    .venv/bin/python bench/bench_copy.py [--limit N] [--always-limit N] [--out FILE]

**Whole process** (issue 9's goal, >= 250 descriptions/s): a fresh Python process imports
clearance, builds the default Screener (lexicons, semantic stage and copy classifier, staged on the
minor reading), reads the catalog and screens every description in batches of 64; the wall clock
from spawning it to its exit, model loading included, divided into the descriptions screened.

Screens every catalog description with ``semantic`` = ``off`` (lexicon only, the baseline),
``auto`` (the default: embeds only sentences near a minor mention) and ``always`` (embeds every
sentence; slow, so by default on a deterministic sample of 1,000 descriptions). For each mode it
reports batched throughput, one-at-a-time latency percentiles, the review/block shares and how many
sentences were embedded; model and policy load times are reported on their own. See
``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from _common import (
    MODES,
    RESULTS,
    CatalogRow,
    catalog_items,
    catalog_path,
    machine_info,
    pct,
    read_catalog,
    screen_batched,
)
from clearance.detectors import semantic
from clearance.detectors.base import Item
from clearance.detectors.models import ModelShelf
from clearance.detectors.semantic import SemanticSuggestiveDetector
from clearance.policy.loader import load_policy
from clearance.screening import Screener
from clearance.settings import Settings

#: One model shelf for every screener here: the model is loaded (and timed) once.
MODELS = ModelShelf()

GOALS = {"off": 2000.0, "auto": 300.0}  # descriptions/s, in-process throughput
WHOLE_PROCESS_GOAL = 250.0  # descriptions/s, spawn to exit, default settings
_CHILD = """
import json, sys, time
sys.path.insert(0, {bench!r})
t0 = time.perf_counter()
from _common import catalog_items, read_catalog, screen_batched
from clearance.screening import Screener
from clearance.settings import Settings
screener = Screener.from_settings(Settings())
rows, _ = read_catalog({limit!r})
items, kept, refused = catalog_items(screener, rows)
t1 = time.perf_counter()
results = screen_batched(screener, items)
t2 = time.perf_counter()
cpu = time.process_time()
t3 = time.perf_counter()
det = next(d for d in screener.detectors if d.name == "minor-sexualised")
windows = sum(len(det.candidates(it.copy)) for it in items if it.copy is not None)
embedded = sum(len(det.to_embed(items[i:i + 64])[0]) for i in range(0, len(items), 64))
outcomes = [r.decision.outcome for r in results]
print(json.dumps({{"screened": len(items), "setup_s": t1 - t0, "screen_s": t2 - t1,
                  "cpu_s": cpu, "count_s": time.perf_counter() - t3, "windows": windows,
                  "windows_embedded": embedded, "review": outcomes.count("review"),
                  "block": outcomes.count("block"), "models": screener.resources.models.loaded()}}))
"""


def whole_process(limit: int | None) -> dict[str, Any]:
    """Spawn a fresh process that screens the catalog with the default settings; wall clock."""
    import subprocess

    code = _CHILD.format(bench=str(Path(__file__).resolve().parent), limit=limit)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    wall = time.perf_counter() - t
    child: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    child["wall_s"] = wall - child["count_s"]  # the window counting after the run is not timed
    child["descriptions_per_s"] = child["screened"] / child["wall_s"]
    child["goal_per_s"] = WHOLE_PROCESS_GOAL
    child["goal_met"] = child["descriptions_per_s"] >= WHOLE_PROCESS_GOAL
    return child


def _sample(n: int, k: int, seed: int) -> list[int]:
    """A deterministic sample of ``k`` of ``range(n)``, in file order (all of them when k >= n
    or k <= 0)."""
    if k <= 0 or k >= n:
        return list(range(n))
    return sorted(random.Random(seed).sample(range(n), k))


def _latency(screener: Screener, items: Sequence[Item]) -> dict[str, float]:
    times = []
    for it in items:
        t = time.perf_counter()
        screener.screen_many([it])
        times.append((time.perf_counter() - t) * 1000.0)
    a = np.asarray(times)
    return {"n": len(times), "mean_ms": float(a.mean()),
            **{f"p{q}_ms": float(np.percentile(a, q)) for q in (50, 95, 99)},
            "max_ms": float(a.max())}


def bench_mode(mode: str, screener: Screener, items: Sequence[Item], idx: Sequence[int],
               lat_idx: Sequence[int], batch: int) -> tuple[dict[str, Any], list[str]]:
    """Throughput on ``items[idx]``, latency on ``items[lat_idx]``; returns the figures and the
    outcome of every item of ``idx``."""
    run = [items[i] for i in idx]
    det = SemanticSuggestiveDetector(mode)  # type: ignore[arg-type]
    sentences = sum(len(it.copy.sentences) for it in run if it.copy is not None)
    embedded = sum(len(det.candidates(it.copy)) for it in run if it.copy is not None)
    items_embedding = sum(1 for it in run if it.copy is not None and det.candidates(it.copy))

    t = time.perf_counter()
    results = screen_batched(screener, run, batch)
    elapsed = time.perf_counter() - t
    outcomes: list[str] = [r.decision.outcome for r in results]
    counts = Counter(outcomes)
    lat = _latency(screener, [items[i] for i in lat_idx])
    n = len(run)
    return {
        "items": n,
        "sampled": len(idx) < len(items),
        "elapsed_s": elapsed,
        "items_per_s": n / elapsed if elapsed else None,
        "latency": lat,
        "review": counts["review"],
        "block": counts["block"],
        "pass": counts["pass"],
        "review_pct": pct(counts["review"], n),
        "block_pct": pct(counts["block"], n),
        "sentences": sentences,
        "sentences_embedded": embedded,
        "sentences_embedded_pct": pct(embedded, sentences),
        "items_with_embedding": items_embedding,
        "embedded_sentences_per_s": embedded / elapsed if elapsed and embedded else None,
    }, outcomes


def embed_probe(items: Sequence[Item], n: int = 128, batches: Sequence[int] = (1, 16, 64),
                repeats: int = 3) -> dict[str, Any]:
    """Raw ``semantic.embed`` rate (sentences/s) on the first ``n`` catalog sentences, per call
    batch size, best of ``repeats`` (and the median): what the semantic stage costs without the rest
    of the pipeline."""
    sents = [s.text for it in items if it.copy is not None for s in it.copy.sentences][:n]
    best, median = {}, {}
    for bs in batches:
        rates = []
        for _ in range(repeats):
            t = time.perf_counter()
            for i in range(0, len(sents), bs):
                semantic.embed(MODELS, sents[i:i + bs])
            rates.append(len(sents) / (time.perf_counter() - t))
        best[str(bs)] = max(rates)
        median[str(bs)] = float(np.median(rates))
    return {"sentences": len(sents), "repeats": repeats,
            "mean_chars": sum(map(len, sents)) / len(sents) if sents else 0.0,
            "sentences_per_s_by_batch": best, "median_sentences_per_s_by_batch": median}


def _changes(base: Sequence[str], other: Sequence[str]) -> dict[str, int]:
    c = Counter(f"{a}->{b}" for a, b in zip(base, other, strict=True) if a != b)
    return dict(sorted(c.items()))


def _print_report(out: dict[str, Any]) -> None:
    load = out["load"]
    end = out["machine"].get("load_average_end")
    print(f"\nmachine: {out['machine']['cpu_count']} CPUs ({out['machine']['processor']}), "
          f"Python {out['machine']['python']}, {out['machine']['date']}, load average "
          f"{' '.join(f'{x:.2f}' for x in out['machine']['load_average'] or [])} at start, "
          f"{' '.join(f'{x:.2f}' for x in end or [])} at end; commit "
          f"{(out['machine']['git_commit'] or '?')[:7]}"
          f"{' + uncommitted src' if out['machine']['src_dirty'] else ''}")
    if out["machine"]["git_commit_end"] != out["machine"]["git_commit"]:
        print("WARNING: HEAD moved during the run; the modes may have run different code")
    print(f"catalog: {out['catalog']['screened']} descriptions screened "
          f"({out['catalog']['refused']} refused, {len(out['catalog']['csv_problems'])} CSV "
          f"problems) from {out['catalog']['path']}")
    print("\nload (once per process):")
    print(f"  semantic model + exemplars (semantic.load()) {load['semantic_model_s']:8.3f} s")
    print(f"  policy (load_policy)                         {load['policy_s']:8.3f} s")
    print(f"  first screened item (lexicons, langid model) {load['first_item_s']:8.3f} s")
    for m, s in load["screener_build_s"].items():
        print(f"  Screener.from_settings(semantic={m!r}){'':<{8 - len(m)}}  {s:8.3f} s")

    base = out["modes"]["off"]
    hdr = (f"\n{'mode':<7}{'items':>7}{'items/s':>10}{'x base':>8}{'p50 ms':>9}{'p95 ms':>9}"
           f"{'p99 ms':>9}{'x p50':>8}{'review':>14}{'block':>13}{'embedded sent.':>22}  goal")
    print(hdr)
    print("-" * (len(hdr) + 10))
    for m in MODES:
        r = out["modes"][m]
        lat = r["latency"]
        goal = GOALS.get(m)
        goal_s = (f">={goal:,.0f}/s {'MET' if r['items_per_s'] >= goal else 'MISSED'}"
                  if goal else "-")
        items = f"{r['items']}{'*' if r['sampled'] else ''}"
        print(f"{m:<7}{items:>7}{r['items_per_s']:>10,.0f}"
              f"{r['items_per_s'] / base['items_per_s']:>7.3f}x"
              f"{lat['p50_ms']:>9.2f}{lat['p95_ms']:>9.2f}{lat['p99_ms']:>9.2f}"
              f"{lat['p50_ms'] / base['latency']['p50_ms']:>7.1f}x"
              f"{r['review']:>6} ({r['review_pct']:5.2f}%)"
              f"{r['block']:>5} ({r['block_pct']:5.2f}%)"
              f"{r['sentences_embedded']:>8}/{r['sentences']:<6}({r['sentences_embedded_pct']:5.1f}%)"
              f"  {goal_s}")
    cfg = out["config"]
    if out["modes"]["always"]["sampled"]:
        print(f"* always: deterministic sample of {out['modes']['always']['items']} descriptions "
              f"(--always-limit {cfg['always_limit']}, seed {cfg['seed']}); the whole catalog "
              "would take about "
              f"{out['catalog']['screened'] / out['modes']['always']['items_per_s']:.0f} s")
    print(f"latency: one item per screen_many() call, on the same {base['latency']['n']} "
          f"sampled descriptions for every mode (seed {cfg['seed']}); throughput: batches of "
          f"{cfg['batch']}")
    for m in ("auto", "always"):
        r = out["modes"][m]
        if r["embedded_sentences_per_s"]:
            print(f"{m}: {r['items_with_embedding']} descriptions embedded at least one sentence; "
                  f"{r['embedded_sentences_per_s']:.0f} embedded sentences/s end to end")
    probe = out.get("embed_probe")
    if probe:
        med = probe["median_sentences_per_s_by_batch"]
        rates = ", ".join(f"batch {b}: {r:.0f}/s ({1000 / r:.1f} ms/sentence; median "
                          f"{med[b]:.0f}/s)" for b, r in probe["sentences_per_s_by_batch"].items())
        print(f"raw semantic.embed on {probe['sentences']} catalog sentences "
              f"(mean {probe['mean_chars']:.0f} chars), best of {probe['repeats']}: {rates}")
    print("\ndecisions changed against lexicon-only on the same descriptions:")
    for m, ch in out["changes_vs_off"].items():
        print(f"  {m}: {ch or 'none'}")
    if out["modes"]["always"]["sampled"]:
        s = out["sample_shares"]
        print(f"  on the always sample: off review {s['off']['review']} block "
              f"{s['off']['block']}; auto review {s['auto']['review']} block "
              f"{s['auto']['block']}; always review {s['always']['review']} block "
              f"{s['always']['block']}")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--limit", type=int, default=None,
                   help="screen only the first N catalog rows (default: all)")
    p.add_argument("--always-limit", type=int, default=1000,
                   help="descriptions screened with semantic=always, a deterministic sample "
                        "(0 = all; default 1000)")
    p.add_argument("--latency-sample", type=int, default=1000,
                   help="descriptions timed one at a time per mode (default 1000)")
    p.add_argument("--batch", type=int, default=64, help="batch size for throughput (64)")
    p.add_argument("--seed", type=int, default=20261101, help="sampling seed")
    p.add_argument("--no-embed-probe", action="store_true",
                   help="skip the raw embedding-rate probe (about 30 s)")
    p.add_argument("--out", type=Path, default=RESULTS / "copy.json")
    p.add_argument("--whole-process-only", action="store_true",
                   help="only the whole-process measurement (fast)")
    args = p.parse_args(argv)

    print("timing the whole process (fresh interpreter, default settings) ...", file=sys.stderr,
          flush=True)
    whole = whole_process(args.limit)
    print(f"whole process: {whole['screened']} descriptions in {whole['wall_s']:.1f} s wall "
          f"(setup {whole['setup_s']:.1f} s, screening {whole['screen_s']:.1f} s) = "
          f"{whole['descriptions_per_s']:.0f} descriptions/s (goal >= {WHOLE_PROCESS_GOAL:.0f}: "
          f"{'MET' if whole['goal_met'] else 'MISSED'}); CPU {whole['cpu_s']:.1f} s; classifier "
          f"windows {whole['windows']}, {whole['windows_embedded']} past the wordllama stage to "
          f"e5; review {whole['review']}, block {whole['block']}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; models "
          f"{', '.join(whole['models'])}")
    if args.whole_process_only:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": machine_info(), "whole_process": whole},
                                       indent=2) + "\n", encoding="utf-8")
        return 0

    info = machine_info()
    t = time.perf_counter()
    semantic.load(MODELS)
    model_s = time.perf_counter() - t
    t = time.perf_counter()
    policy = load_policy(None)
    policy_s = time.perf_counter() - t

    rows: list[CatalogRow]
    rows, problems = read_catalog(args.limit)
    screeners: dict[str, Screener] = {}
    build_s: dict[str, float] = {}
    for m in MODES:
        t = time.perf_counter()
        screeners[m] = Screener.from_settings(Settings(semantic=m), policy=policy,  # type: ignore[arg-type]
                                              models=MODELS)
        build_s[m] = time.perf_counter() - t
    items, kept, refused = catalog_items(screeners["off"], rows)
    n = len(items)
    if n == 0:
        sys.exit("no description to screen")
    t = time.perf_counter()
    screeners["off"].screen_many(items[:1])
    first_s = time.perf_counter() - t

    all_idx = list(range(n))
    always_idx = _sample(n, args.always_limit, args.seed)
    lat_idx = _sample(n, args.latency_sample, args.seed)
    modes: dict[str, Any] = {}
    outcomes: dict[str, list[str]] = {}
    for m in MODES:
        idx = always_idx if m == "always" else all_idx
        print(f"screening {len(idx)} descriptions with semantic={m} ...", file=sys.stderr,
              flush=True)
        modes[m], outcomes[m] = bench_mode(m, screeners[m], items, idx, lat_idx, args.batch)

    probe = None
    if not args.no_embed_probe:
        print("probing the raw embedding rate ...", file=sys.stderr, flush=True)
        probe = embed_probe(items)

    in_sample = {m: [outcomes[m][i] for i in always_idx] if m != "always" else outcomes[m]
                 for m in MODES}
    out: dict[str, Any] = {
        "machine": info,
        "config": {"limit": args.limit, "always_limit": args.always_limit,
                   "latency_sample": args.latency_sample, "batch": args.batch,
                   "seed": args.seed, "policy": policy.ref, "model": semantic.MODEL_NAME},
        "catalog": {"path": str(catalog_path()), "rows": len(rows), "screened": n,
                    "refused": refused, "csv_problems": problems},
        "load": {"semantic_model_s": model_s, "policy_s": policy_s,
                 "semantic_plus_policy_s": model_s + policy_s,
                 "first_item_s": first_s, "screener_build_s": build_s},
        "modes": modes,
        "whole_process": whole,
        "embed_probe": probe,
        "goals_items_per_s": GOALS,
        "goals_met": {m: modes[m]["items_per_s"] >= g for m, g in GOALS.items()},
        "ratios_vs_off": {
            m: {"throughput": modes[m]["items_per_s"] / modes["off"]["items_per_s"],
                "slowdown": modes["off"]["items_per_s"] / modes[m]["items_per_s"],
                "latency_p50": modes[m]["latency"]["p50_ms"] / modes["off"]["latency"]["p50_ms"],
                "latency_p95": modes[m]["latency"]["p95_ms"] / modes["off"]["latency"]["p95_ms"],
                "latency_p99": modes[m]["latency"]["p99_ms"] / modes["off"]["latency"]["p99_ms"]}
            for m in MODES
        },
        "changes_vs_off": {
            "auto": _changes(outcomes["off"], outcomes["auto"]),
            "always": _changes(in_sample["off"], in_sample["always"]),
        },
        "sample_shares": {m: dict(Counter(in_sample[m])) | {
            "review": in_sample[m].count("review"), "block": in_sample[m].count("block")}
            for m in MODES},
        "always_sample_ids": [kept[i].show_id for i in always_idx]
        if modes["always"]["sampled"] else None,
    }
    out["machine"]["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") \
        else None
    out["machine"]["git_commit_end"] = machine_info()["git_commit"]
    _print_report(out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
