"""Why does the copy classifier miss? Out-of-fold diagnosis on the training corpus (issue 9).

    .venv/bin/python bench/diagnose_copy.py [--cache DIR] [--show N] [--dev]

Uses ``bench/train_copy.py``'s rows, folds (by kind) and classifier, and for every held-out item
that names a minor says where the chain stops: no minor read, only a weak "girl"/"boy" anchor
without a cue, the cheap stage, the framing probability under its threshold (with or without a
cue), or the policy. Prints the counts per label and the missed child-subject positives with the
scores of their best window. With ``--dev``, the same for every item of the development set
``bench/data/copy-dev`` (written by another hand; it may be tuned on) with the *shipped*
classifier. Never reads ``bench/data/copy-eval``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ruamel.yaml import YAML

import train_copy as tc
from clearance.content.text import make_copy
from clearance.detectors.lexicon import load_data
from clearance.detectors.sexualised import cues, load_classifier

DEV = Path(__file__).resolve().parent / "data" / "copy-dev" / "copy-dev.yaml"


def stage_of(det, clf, encoder, stage, row: tc.Row) -> tuple[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    copy = make_copy(row.text, max_bytes=100_000)
    minors = det._minors.scan(copy)
    info: dict[str, float] = {"minor": max((f.score for f in minors), default=0.0)}
    if not minors or info["minor"] < 0.55:
        return "no-minor", info
    ws = det.candidates(copy)
    if not ws:
        return "weak-minor-no-cue", info
    texts = [w.text(copy) for w in ws]
    extra = np.array([cues(w.context(copy), w.lexicon) for w in ws],
                     dtype=np.float32)
    q = clf.stage(np.hstack([stage.embed(texts), extra]))
    p = clf.framing(encoder.embed(texts), extra)
    best = int(np.argmax(p - np.array([clf.threshold(bool(e[0] or e[1]), w.minor.score < 0.6)
                                       for e, w in zip(extra, ws, strict=True)])))
    e = extra[best]
    has_cue = bool(e[0] or e[1])
    thr = clf.threshold(has_cue, ws[best].minor.score < 0.6)
    info.update(p=float(p[best]), thr=thr, q=float(q[best]), cue=float(has_cue))
    if q[best] < clf.stage_threshold:
        return "stage", info
    if p[best] < thr:
        return "below-threshold-" + ("cue" if has_cue else "no-cue"), info
    return "fires", info


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=Path("/tmp/clearance-copy-emb"))
    ap.add_argument("--show", type=int, default=200)
    ap.add_argument("--dev", action="store_true",
                    help="diagnose the development set with the shipped classifier")
    args = ap.parse_args(argv)
    encoder = tc.CachedEncoder(args.cache)
    if args.dev:
        return diagnose_dev(encoder)
    corpus = tc.load_corpus()
    catalog = tc.catalog_negatives()
    rows = corpus + catalog
    stage = tc.StageEncoder()
    cue = np.array([r.cues for r in rows], dtype=np.float32)
    x = np.hstack([encoder.embed([r.text for r in rows]), cue])
    xs = np.hstack([stage.embed([r.text for r in rows]), cue])
    ex_idx, ex_texts = tc.pick_exemplars(rows, x)
    thresholds = {k: float(v) for k, v in load_data("copy_classifier.yaml")["thresholds"].items()}
    folds = tc.kind_folds(rows)
    results: list[tuple[tc.Row, str, dict[str, float], str]] = []
    for k in range(3):
        train = [i for i, f in enumerate(folds) if f != k]
        clf = tc.make_classifier([rows[i] for i in train], x[train], xs[train], thresholds,
                                 x[ex_idx, :384], ex_texts)
        screener = tc.screener_with(clf, encoder, stage)
        det = next(d for d in screener.detectors if d.name == "minor-sexualised")
        held = [corpus[i] for i in range(len(corpus)) if folds[i] == k]
        held = [r for r in held if r.label in ("child_positive", "child_benign", "hard_negative")]
        got = tc.screen(screener, held)
        for r, g in zip(held, got, strict=True):
            where, info = stage_of(det, clf, encoder, stage, r)
            results.append((r, where, info, g))
    encoder.save()
    table: Counter[tuple[str, str, str]] = Counter()
    for r, where, _, g in results:
        table[(r.label, where, "flagged" if g in tc.FLAGGED else "pass")] += 1
    for key in sorted(table):
        print(f"{key[0]:15} {key[1]:24} {key[2]:8} {table[key]}")
    print("\nmissed child_positive:")
    shown = 0
    for r, where, info, g in results:
        if r.label == "child_positive" and g not in tc.FLAGGED and shown < args.show:
            shown += 1
            print(f"  [{r.lang} {r.kind} {where}] {info} {r.text}")
    print("\nflagged negatives:")
    for r, where, info, g in results:
        if r.label != "child_positive" and g in tc.FLAGGED:
            print(f"  [{r.lang} {r.label}/{r.kind} {where} {g}] {info} {r.text}")
    return 0


def diagnose_dev(encoder: tc.CachedEncoder, path: Path = DEV) -> int:
    """Where the chain stops for every development item, with the shipped classifier."""
    items = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    rows = [tc.Row(str(it["text"]), str(it["lang"]),
                   "child_positive" if it["label"] == "positive" else "child_benign",
                   str(it["class"]), "dev") for it in items]
    clf = load_classifier()
    stage = tc.StageEncoder()
    screener = tc.screener_with(clf, encoder, stage)
    det = next(d for d in screener.detectors if d.name == "minor-sexualised")
    got = tc.screen(screener, rows)
    encoder.save()
    table: Counter[tuple[str, str, str]] = Counter()
    out = []
    for it, r, g in zip(items, rows, got, strict=True):
        where, info = stage_of(det, clf, encoder, stage, r)
        flagged = g in tc.FLAGGED
        table[(str(it["label"]), where, "flagged" if flagged else "pass")] += 1
        if flagged != (it["label"] == "positive"):
            out.append(f"  [{it['id']} {it['class']} {where} {g}] "
                       f"{ {k: round(v, 3) for k, v in info.items()} } {r.text}")
    for key in sorted(table):
        print(f"{key[0]:15} {key[1]:24} {key[2]:8} {table[key]}")
    print("\nwrong:")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
