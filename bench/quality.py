"""Decision quality of copy screening: the labelled table and the real Netflix catalog.

    .venv/bin/python bench/quality.py [--semantic auto|always|off|all] [--out FILE]

(a) ``tests/data/synopses.yaml`` through the screener in each selected semantic mode: confusion
matrix (expected vs got), precision/recall/F1 for "flagged" (review or block) and for "block",
accuracy per group and per language, and every misclassified item with its reasons. ``--semantic
all`` adds a side-by-side comparison of off/auto/always.

(b) Every description of the Netflix catalog (``--catalog-semantic``, default ``auto``): the shares
decided review and block against the goals (<= 3 % review, <= 0.3 % block), and the full list of
flagged titles, printed and written to ``bench/results/catalog_flags.csv``. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from _common import (
    LABELLED,
    MODES,
    OUTCOMES,
    RESULTS,
    catalog_items,
    catalog_path,
    fired_summary,
    machine_info,
    pct,
    read_catalog,
    screen_batched,
)
from clearance.detectors import semantic
from clearance.detectors.models import ModelShelf
from clearance.detectors.semantic import SemanticSuggestiveDetector
from clearance.policy.loader import load_policy
from clearance.policy.model import Policy
from clearance.screening import Screener, ScreenResult
from clearance.settings import Settings

#: One model shelf for every screener here: the model is loaded once.
MODELS = ModelShelf()

GOAL_REVIEW_PCT = 3.0
GOAL_BLOCK_PCT = 0.3
FLAGGED = frozenset({"review", "block"})


def load_labelled(path: Path = LABELLED) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return rows


def prf(pairs: Sequence[tuple[bool, bool]]) -> dict[str, Any]:
    """Precision, recall, F1 of (expected positive, predicted positive) pairs."""
    tp = sum(1 for e, g in pairs if e and g)
    fp = sum(1 for e, g in pairs if not e and g)
    fn = sum(1 for e, g in pairs if e and not g)
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r else None
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f1}


def _acc(rows: Sequence[dict[str, Any]], got: dict[str, str], key: str) -> dict[str, Any]:
    by: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        by[str(r[key])].append(got[r["id"]] == r["expect"])
    return {k: {"n": len(v), "correct": sum(v), "accuracy": sum(v) / len(v)}
            for k, v in sorted(by.items())}


def metrics(rows: Sequence[dict[str, Any]], got: dict[str, str]) -> dict[str, Any]:
    confusion = {e: {g: 0 for g in OUTCOMES} for e in OUTCOMES}
    for r in rows:
        confusion[r["expect"]][got[r["id"]]] += 1
    minor_block = [r for r in rows if r["group"] == "minor_sexualised" and r["expect"] == "block"]
    correct = sum(1 for r in rows if got[r["id"]] == r["expect"])
    return {
        "n": len(rows),
        "accuracy": correct / len(rows),
        "confusion": confusion,
        "flagged": prf([(r["expect"] in FLAGGED, got[r["id"]] in FLAGGED) for r in rows]),
        "block": prf([(r["expect"] == "block", got[r["id"]] == "block") for r in rows]),
        "minor_sexualised_block_recall": (
            sum(1 for r in minor_block if got[r["id"]] == "block") / len(minor_block)
            if minor_block else None),
        "tricky_negative_blocked": sorted(r["id"] for r in rows if r["group"] == "tricky_negative"
                                          and got[r["id"]] == "block"),
        "by_group": _acc(rows, got, "group"),
        "by_lang": _acc(rows, got, "lang"),
    }


def run_labelled(mode: str, policy: Policy, rows: Sequence[dict[str, Any]],
                 ) -> tuple[dict[str, Any], dict[str, ScreenResult]]:
    screener = Screener.from_settings(Settings(semantic=mode), policy=policy,  # type: ignore[arg-type]
                                      models=MODELS)
    items = [screener.text_item(r["text"], name=r["id"]) for r in rows]
    det = SemanticSuggestiveDetector(mode)  # type: ignore[arg-type]
    embedded = sum(len(det.candidates(it.copy)) for it in items if it.copy is not None)
    t = time.perf_counter()
    results = screen_batched(screener, items)
    elapsed = time.perf_counter() - t
    by_id = {r["id"]: res for r, res in zip(rows, results, strict=True)}
    got: dict[str, str] = {k: v.decision.outcome for k, v in by_id.items()}
    m = metrics(rows, got)
    m["elapsed_s"] = elapsed
    m["sentences_embedded"] = embedded
    m["misclassified"] = [
        {"id": r["id"], "group": r["group"], "lang": r["lang"], "expect": r["expect"],
         "got": got[r["id"]], "text": r["text"], "note": r.get("note"),
         "reasons": by_id[r["id"]].decision.reasons}
        for r in rows if got[r["id"]] != r["expect"]
    ]
    m["got"] = got
    return m, by_id


def _f(x: float | None) -> str:
    return f"{x:.3f}" if x is not None else "  n/a"


def print_mode(mode: str, m: dict[str, Any]) -> None:
    print(f"\n=== labelled table, semantic={mode}: {m['n']} items, exact accuracy "
          f"{m['accuracy']:.3f}, {m['sentences_embedded']} sentences embedded, "
          f"{m['elapsed_s']:.2f} s")
    print("confusion (rows expected, columns got):")
    print(f"  {'':<8}" + "".join(f"{g:>8}" for g in OUTCOMES))
    for e in OUTCOMES:
        print(f"  {e:<8}" + "".join(f"{m['confusion'][e][g]:>8}" for g in OUTCOMES))
    print(f"  {'class':<9}{'tp':>4}{'fp':>4}{'fn':>4}{'precision':>11}{'recall':>8}{'f1':>7}")
    for k in ("flagged", "block"):
        s = m[k]
        print(f"  {k:<9}{s['tp']:>4}{s['fp']:>4}{s['fn']:>4}{_f(s['precision']):>11}"
              f"{_f(s['recall']):>8}{_f(s['f1']):>7}")
    print(f"  block recall on minor_sexualised: {_f(m['minor_sexualised_block_recall'])}; "
          f"tricky_negative decided block: {m['tricky_negative_blocked'] or 'none'}")
    for key in ("by_group", "by_lang"):
        print(f"  accuracy {key.replace('_', ' ')}: " + ", ".join(
            f"{k} {v['correct']}/{v['n']} ({v['accuracy']:.2f})" for k, v in m[key].items()))
    print(f"  misclassified ({len(m['misclassified'])}):")
    for x in m["misclassified"]:
        print(f"    {x['id']} [{x['group']}, {x['lang']}] expect {x['expect']}, got {x['got']}")
        print(f"      text: {x['text']}")
        for reason in x["reasons"]:
            print(f"      reason: {reason}")


def compare(per_mode: dict[str, dict[str, Any]], rows: Sequence[dict[str, Any]],
            ) -> dict[str, Any]:
    """What the semantic modes add over lexicon-only on the labelled table."""
    base = per_mode["off"]["got"]
    expect = {r["id"]: r["expect"] for r in rows}
    out: dict[str, Any] = {}
    for mode in ("auto", "always"):
        if mode not in per_mode:
            continue
        got = per_mode[mode]["got"]
        out[mode] = {
            "positives_only_semantic_flags": sorted(
                i for i in got if expect[i] in FLAGGED and got[i] in FLAGGED
                and base[i] not in FLAGGED),
            "blocks_only_semantic_catches": sorted(
                i for i in got if expect[i] == "block" and got[i] == "block"
                and base[i] != "block"),
            "false_positives_added": sorted(
                i for i in got if expect[i] == "pass" and got[i] in FLAGGED
                and base[i] not in FLAGGED),
            "false_blocks_added": sorted(
                i for i in got if expect[i] != "block" and got[i] == "block"
                and base[i] != "block"),
            "fixed": sorted(i for i in got if got[i] == expect[i] != base[i]),
            "broken": sorted(i for i in got if base[i] == expect[i] != got[i]),
            "changed": {i: f"{base[i]}->{got[i]}" for i in sorted(got) if got[i] != base[i]},
        }
    return out


def print_compare(per_mode: dict[str, dict[str, Any]], cmp: dict[str, Any]) -> None:
    print("\n=== side by side (labelled table)")
    print(f"  {'mode':<8}{'acc':>7}{'flag P':>8}{'flag R':>8}{'flag F1':>8}{'blk P':>7}"
          f"{'blk R':>7}{'blk F1':>7}{'minor blk R':>12}{'embedded':>10}{'time s':>8}")
    for mode, m in per_mode.items():
        print(f"  {mode:<8}{m['accuracy']:>7.3f}{_f(m['flagged']['precision']):>8}"
              f"{_f(m['flagged']['recall']):>8}{_f(m['flagged']['f1']):>8}"
              f"{_f(m['block']['precision']):>7}{_f(m['block']['recall']):>7}"
              f"{_f(m['block']['f1']):>7}{_f(m['minor_sexualised_block_recall']):>12}"
              f"{m['sentences_embedded']:>10}{m['elapsed_s']:>8.2f}")
    for mode, c in cmp.items():
        print(f"  {mode} vs off:")
        for k, v in c.items():
            if k != "changed":
                print(f"    {k.replace('_', ' ')} ({len(v)}): {', '.join(v) or '-'}")
        print(f"    decision changes: {c['changed'] or 'none'}")


def run_catalog(mode: str, policy: Policy, flags_csv: Path, limit: int | None,
                ) -> dict[str, Any]:
    screener = Screener.from_settings(Settings(semantic=mode), policy=policy,  # type: ignore[arg-type]
                                      models=MODELS)
    rows, problems = read_catalog(limit)
    items, kept, refused = catalog_items(screener, rows)
    t = time.perf_counter()
    results = screen_batched(screener, items)
    elapsed = time.perf_counter() - t
    counts = Counter(r.decision.outcome for r in results)
    n = len(results)
    flagged = []
    for row, res in zip(kept, results, strict=True):
        if res.decision.outcome not in FLAGGED:
            continue
        rules, evidence = fired_summary(res)
        flagged.append({"show_id": row.show_id, "title": row.title, "rating": row.rating,
                        "decision": res.decision.outcome, "rules": rules,
                        "evidence": evidence, "description": row.description,
                        "reasons": res.decision.reasons})
    flagged.sort(key=lambda f: (f["decision"] != "block", f["rules"], f["show_id"]))
    flags_csv.parent.mkdir(parents=True, exist_ok=True)
    with flags_csv.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["show_id", "title", "rating", "decision", "rules", "evidence", "description"])
        for f in flagged:
            w.writerow([f["show_id"], f["title"], f["rating"], f["decision"],
                        "; ".join(f["rules"]), " | ".join(f["evidence"]), f["description"]])
    review_pct, block_pct = pct(counts["review"], n), pct(counts["block"], n)
    return {
        "mode": mode, "path": str(catalog_path()), "rows": len(rows), "screened": n,
        "refused": refused, "csv_problems": problems, "elapsed_s": elapsed,
        "pass": counts["pass"], "review": counts["review"], "block": counts["block"],
        "review_pct": review_pct, "block_pct": block_pct,
        "goal_review_pct": GOAL_REVIEW_PCT, "goal_block_pct": GOAL_BLOCK_PCT,
        "review_goal_met": review_pct <= GOAL_REVIEW_PCT,
        "block_goal_met": block_pct <= GOAL_BLOCK_PCT,
        "flags_csv": str(flags_csv), "flagged": flagged,
    }


def print_catalog(c: dict[str, Any]) -> None:
    def ok(b: bool) -> str:
        return "MET" if b else "MISSED"

    print(f"\n=== Netflix catalog, semantic={c['mode']}: {c['screened']} descriptions "
          f"({c['refused']} refused, {len(c['csv_problems'])} CSV problems), "
          f"{c['elapsed_s']:.1f} s")
    print(f"  review {c['review']} ({c['review_pct']:.2f}%, goal <= {GOAL_REVIEW_PCT}% "
          f"{ok(c['review_goal_met'])}); block {c['block']} ({c['block_pct']:.2f}%, goal <= "
          f"{GOAL_BLOCK_PCT}% {ok(c['block_goal_met'])}); pass {c['pass']}")
    print(f"  every flagged title ({len(c['flagged'])}), also in {c['flags_csv']}:")
    for f in c["flagged"]:
        print(f"\n  {f['decision'].upper():<6} {f['show_id']} \"{f['title']}\" "
              f"[{f['rating'] or 'no rating'}]  rules: {', '.join(f['rules'])}")
        for e in f["evidence"]:
            print(f"         evidence: {e}")
        print(f"         description: {f['description']}")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--semantic", choices=[*MODES, "all"], default="auto",
                   help="semantic mode(s) for the labelled table (default auto; all = "
                        "off, auto and always side by side)")
    p.add_argument("--catalog-semantic", choices=MODES, default=None,
                   help="semantic mode for the catalog (default: --semantic, or auto with all)")
    p.add_argument("--no-catalog", action="store_true", help="skip the Netflix catalog")
    p.add_argument("--limit", type=int, default=None, help="first N catalog rows only")
    p.add_argument("--labelled", type=Path, default=LABELLED)
    p.add_argument("--out", type=Path, default=RESULTS / "quality.json")
    p.add_argument("--flags-csv", type=Path, default=None,
                   help="flagged catalog titles (default: catalog_flags.csv next to --out)")
    args = p.parse_args(argv)

    policy = load_policy(None)
    semantic.load(MODELS)
    rows = load_labelled(args.labelled)
    modes = list(MODES) if args.semantic == "all" else [args.semantic]
    per_mode: dict[str, dict[str, Any]] = {}
    for mode in modes:
        per_mode[mode], _ = run_labelled(mode, policy, rows)
        print_mode(mode, per_mode[mode])
    cmp = compare(per_mode, rows) if "off" in per_mode and len(per_mode) > 1 else {}
    if cmp:
        print_compare(per_mode, cmp)

    catalog = None
    if not args.no_catalog:
        cmode = args.catalog_semantic or ("auto" if args.semantic == "all" else args.semantic)
        print(f"\nscreening the catalog with semantic={cmode} ...", file=sys.stderr, flush=True)
        flags_csv = args.flags_csv or args.out.parent / "catalog_flags.csv"
        catalog = run_catalog(cmode, policy, flags_csv, args.limit)
        print_catalog(catalog)

    out = {"machine": machine_info(), "policy": policy.ref, "model": semantic.MODEL_NAME,
           "labelled": {"path": str(args.labelled),
                        "modes": {k: {kk: vv for kk, vv in v.items() if kk != "got"}
                                  for k, v in per_mode.items()},
                        "decisions": {k: v["got"] for k, v in per_mode.items()},
                        "compare_vs_off": cmp},
           "catalog": catalog}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
