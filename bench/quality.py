"""Decision quality of copy screening: labelled sets, the copy classifier's validation, the frozen
evaluation set and the real Netflix catalog — one command.

    .venv/bin/python bench/quality.py [--semantic auto|always|off|all] [--eval] [--out FILE]

(a) ``tests/data/synopses.yaml`` through the screener in each selected semantic mode: confusion
matrix (expected vs got), precision/recall/F1 for "flagged" (review or block) and for "block",
accuracy per group and per language, and every misclassified item with its reasons. ``--semantic
all`` adds a side-by-side comparison of off/auto/always. These synopses were seen while the
lexicon was built: they guard against regressions, they are not evidence of generality.

(b) The copy classifier's training validation (``bench/results/copy_train.json``, written by
``bench/train_copy.py``): out-of-fold full-screen figures on ``bench/data/copy-train``, per language
and per label/kind, folds by file (generated -> hand-written) and by kind.

(c) ``--eval``: the frozen evaluation set ``bench/data/copy-eval`` through the default screener:
recall on positives, flag rate on negatives and precision, overall, per language and per class
(with n), and minimal-pair accuracy. **Aggregates only**: no item, note or per-item error is
printed or written, because nobody may tune on that set (its README); run it when development is
finished, not while choosing anything.

(c') ``--dev``: the development set ``bench/data/copy-dev`` (written by another hand than the
training corpus and the evaluation set, for choosing models and thresholds), the same figures
plus every missed positive and flagged negative. Once chosen on, it no longer measures
generality; the frozen set does.

(d) Every description of the Netflix catalog (``--catalog-semantic``, default ``auto``): the shares
decided review and block against the goals (<= 3 % review, <= 0.3 % block) on the **gate half**
(``show_id`` whose SHA-256 starts with an odd byte: the half the classifier never trained on; see
``bench/train_copy.py``) and on the whole catalog, and the full list of flagged titles, printed
and written to ``bench/results/catalog_flags.csv`` with the half each belongs to. See
``bench/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
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
EVAL = Path(__file__).resolve().parent / "data" / "copy-eval" / "copy-eval.yaml"
DEV = Path(__file__).resolve().parent / "data" / "copy-dev" / "copy-dev.yaml"
TRAIN_RESULTS = RESULTS / "copy_train.json"
OUTCOME_RANK = {"pass": 0, "review": 1, "block": 2}


def catalog_half(show_id: str) -> str:
    """The catalog split of ``bench/train_copy.py`` (kept in step with it by a test)."""
    return "train" if hashlib.sha256(show_id.encode("utf-8")).digest()[0] % 2 == 0 else "gate"


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
    gate = Counter(r.decision.outcome for row, r in zip(kept, results, strict=True)
                   if catalog_half(row.show_id) == "gate")
    n = len(results)
    n_gate = sum(gate.values())
    flagged = []
    for row, res in zip(kept, results, strict=True):
        if res.decision.outcome not in FLAGGED:
            continue
        rules, evidence = fired_summary(res)
        flagged.append({"show_id": row.show_id, "title": row.title, "rating": row.rating,
                        "half": catalog_half(row.show_id),
                        "decision": res.decision.outcome, "rules": rules,
                        "evidence": evidence, "description": row.description,
                        "reasons": res.decision.reasons})
    flagged.sort(key=lambda f: (f["decision"] != "block", f["rules"], f["show_id"]))
    flags_csv.parent.mkdir(parents=True, exist_ok=True)
    with flags_csv.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["show_id", "title", "rating", "half", "decision", "rules", "evidence",
                    "description"])
        for f in flagged:
            w.writerow([f["show_id"], f["title"], f["rating"], f["half"], f["decision"],
                        "; ".join(f["rules"]), " | ".join(f["evidence"]), f["description"]])
    review_pct, block_pct = pct(gate["review"], n_gate), pct(gate["block"], n_gate)
    return {
        "mode": mode, "path": str(catalog_path()), "rows": len(rows), "screened": n,
        "refused": refused, "csv_problems": problems, "elapsed_s": elapsed,
        "pass": counts["pass"], "review": counts["review"], "block": counts["block"],
        "all_review_pct": pct(counts["review"], n), "all_block_pct": pct(counts["block"], n),
        "gate": {"screened": n_gate, "pass": gate["pass"], "review": gate["review"],
                 "block": gate["block"]},
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
    g = c["gate"]
    print(f"  gate half ({g['screened']} descriptions the classifier never trained on): review "
          f"{g['review']} ({c['review_pct']:.2f}%, goal <= {GOAL_REVIEW_PCT}% "
          f"{ok(c['review_goal_met'])}); block {g['block']} ({c['block_pct']:.2f}%, goal <= "
          f"{GOAL_BLOCK_PCT}% {ok(c['block_goal_met'])}); pass {g['pass']}")
    print(f"  whole catalog: review {c['review']} ({c['all_review_pct']:.2f}%); block "
          f"{c['block']} ({c['all_block_pct']:.2f}%); pass {c['pass']}")
    print(f"  every flagged title ({len(c['flagged'])}), also in {c['flags_csv']}:")
    for f in c["flagged"]:
        print(f"\n  {f['decision'].upper():<6} {f['show_id']} ({f['half']}) \"{f['title']}\" "
              f"[{f['rating'] or 'no rating'}]  rules: {', '.join(f['rules'])}")
        for e in f["evidence"]:
            print(f"         evidence: {e}")
        print(f"         description: {f['description']}")


def print_validation(path: Path = TRAIN_RESULTS) -> dict[str, Any] | None:
    """The copy classifier's out-of-fold figures, as ``bench/train_copy.py`` wrote them."""
    if not path.is_file():
        print(f"\n=== copy classifier validation: {path} not found (run bench/train_copy.py)")
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    print(f"\n=== copy classifier validation on bench/data/copy-train (out of fold; thresholds "
          f"{data['thresholds']}); flagged = review or block, positives = child_positive")
    for name, v in data["validation"].items():
        print(f"  {name}: recall {v['recall']} of {v['positives']} positives; "
              f"{v['negatives_flagged']} of {v['negatives']} negatives flagged; precision "
              f"{v['precision']}")
        print("    per language: " + ", ".join(
            f"{k} {c['flagged']}/{c['n']}" for k, c in v["lang"].items()))
        print("    per label: " + ", ".join(
            f"{k} {c['flagged']}/{c['n']} (block {c['blocked']})"
            for k, c in v["label"].items()))
        worst = sorted(((c["flag_rate"] or 0.0, k, c) for k, c in v["kind"].items()
                        if not k.startswith("child_positive")), reverse=True)[:6]
        print("    negative kinds flagged most: " + ", ".join(
            f"{k} {c['flagged']}/{c['n']}" for _, k, c in worst))
        pos = [(k, c) for k, c in v["kind"].items() if k.startswith("child_positive")]
        print("    positive kinds: " + ", ".join(f"{k.split('/')[1]} {c['flagged']}/{c['n']}"
                                                for k, c in pos))
    return data


def _rate(hits: int, n: int) -> float | None:
    return round(hits / n, 4) if n else None


def run_eval(policy: Policy, path: Path = EVAL, *, errors: bool = False) -> dict[str, Any]:
    """The frozen evaluation set, aggregates only (see the module docstring); with ``errors``
    (the development set only, never the frozen one) also every missed positive and flagged
    negative."""
    raw = path.read_bytes()
    items: list[dict[str, Any]] = YAML(typ="safe").load(raw.decode("utf-8"))
    screener = Screener.from_settings(Settings(), policy=policy, models=MODELS)
    results = screen_batched(screener, [screener.text_item(str(it["text"]), name=str(it["id"]))
                                        for it in items])
    outcome = [r.decision.outcome for r in results]
    risk = [OUTCOME_RANK[r.decision.outcome] + max(
        (f.score for f in r.findings if f.label == "minor.sexualised"), default=0.0)
        for r in results]

    def cell(sel: list[int]) -> dict[str, Any]:
        pos = [i for i in sel if items[i]["label"] == "positive"]
        neg = [i for i in sel if items[i]["label"] != "positive"]
        tp = sum(outcome[i] in FLAGGED for i in pos)
        fp = sum(outcome[i] in FLAGGED for i in neg)
        return {"positives": len(pos), "flagged_positives": tp, "recall": _rate(tp, len(pos)),
                "blocked_positives": sum(outcome[i] == "block" for i in pos),
                "negatives": len(neg), "flagged_negatives": fp,
                "negative_flag_rate": _rate(fp, len(neg)),
                "blocked_negatives": sum(outcome[i] == "block" for i in neg),
                "precision": _rate(tp, tp + fp)}

    every = list(range(len(items)))
    by_lang = {lang: cell([i for i in every if items[i]["lang"] == lang])
               for lang in sorted({str(it["lang"]) for it in items})}
    by_class = {f"{lab}/{cls}": cell([i for i in every if items[i]["label"] == lab
                                      and items[i]["class"] == cls])
                for lab, cls in sorted({(str(it["label"]), str(it["class"])) for it in items})}
    pairs: dict[str, dict[str, int]] = defaultdict(dict)
    for i, it in enumerate(items):
        if it.get("pair"):
            pairs[str(it["pair"])][str(it["label"])] = i
    full = [p for p in pairs.values() if {"positive", "negative"} <= set(p)]
    right = sum(outcome[p["positive"]] in FLAGGED and outcome[p["negative"]] not in FLAGGED
                for p in full)
    ordered = sum(risk[p["positive"]] > risk[p["negative"]] for p in full)
    wrong = [{"id": it["id"], "class": it["class"], "outcome": outcome[i],
              "score": round(risk[i] - OUTCOME_RANK[outcome[i]], 3), "text": it["text"]}
             for i, it in enumerate(items)
             if (it["label"] == "positive") != (outcome[i] in FLAGGED)] if errors else None
    return {"path": str(path), "sha256": hashlib.sha256(raw).hexdigest(), "items": len(items),
            "errors": wrong, "overall": cell(every), "by_lang": by_lang, "by_class": by_class,
            "minimal_pairs": {"pairs": len(full), "correct": right,
                              "accuracy": _rate(right, len(full)),
                              "positive_scores_higher": ordered,
                              "score_order_accuracy": _rate(ordered, len(full))}}


def print_eval(e: dict[str, Any]) -> None:
    def line(name: str, c: dict[str, Any]) -> str:
        return (f"  {name:<32} positives {c['flagged_positives']:>3}/{c['positives']:<3} flagged"
                f" (block {c['blocked_positives']:>3}); negatives {c['flagged_negatives']:>3}/"
                f"{c['negatives']:<3} flagged (block {c['blocked_negatives']}); precision "
                f"{c['precision']}")

    kind = "development set" if e.get("errors") is not None else "evaluation set"
    print(f"\n=== {kind} {e['path']} (sha256 {e['sha256'][:16]}..., {e['items']} items"
          f"{'' if e.get('errors') is not None else '; aggregates only'})")
    print(line("all", e["overall"]))
    for k, c in e["by_lang"].items():
        print(line(k, c))
    for k, c in e["by_class"].items():
        print(line(k, c))
    mp = e["minimal_pairs"]
    print(f"  minimal pairs: {mp['correct']}/{mp['pairs']} right (positive flagged, negative "
          f"not); positive half riskier in {mp['positive_scores_higher']}/{mp['pairs']}")
    for w in e.get("errors") or ():
        print(f"  {w['id']:<8} {w['class']:<20} {w['outcome']:<6} {w['score']:.3f}  {w['text']}")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--semantic", choices=[*MODES, "all"], default="auto",
                   help="semantic mode(s) for the labelled table (default auto; all = "
                        "off, auto and always side by side)")
    p.add_argument("--catalog-semantic", choices=MODES, default=None,
                   help="semantic mode for the catalog (default: --semantic, or auto with all)")
    p.add_argument("--no-catalog", action="store_true", help="skip the Netflix catalog")
    p.add_argument("--eval", action="store_true",
                   help="also run the frozen evaluation set (aggregates only; see its README: "
                        "only when development is finished)")
    p.add_argument("--dev", action="store_true",
                   help="also run the development set bench/data/copy-dev (may be tuned on: "
                        "prints every missed positive and flagged negative)")
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

    validation = print_validation()
    evaluation = None
    if args.eval:
        print("\nscreening the evaluation set ...", file=sys.stderr, flush=True)
        evaluation = run_eval(policy)
        print_eval(evaluation)

    development = None
    if args.dev:
        print("\nscreening the development set ...", file=sys.stderr, flush=True)
        development = run_eval(policy, DEV, errors=True)
        print_eval(development)

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
           "validation": validation, "evaluation": evaluation, "development": development,
           "catalog": catalog}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
