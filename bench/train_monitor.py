"""Train the monitor's text model (``clearance.monitor.textmodel``) and write its coefficients.

    .venv/bin/python bench/train_monitor.py [--no-write]

Deterministic (lbfgs, fixed data order). Writes ``src/clearance/monitor/data/text_model.npz`` and
``text_model.json`` (non-zero rows only, float16): trained coefficients, never the data.

**Heads and their training data** (``../shared/data``; no test split is ever read here):

* ``sentiment`` (negative / neutral / positive): TweetEval sentiment ``val`` (its ``train`` split
  is missing from the snapshot; weight 3), TweetEval emotion ``train`` + ``val`` mapped anger and
  sadness to negative, joy and optimism to positive (weight 1), and the airline tweets' training
  75 % (weight 1). SXSW brand tweets and VADER-labelled TweetEval texts were tried and lowered the
  figure (0.599 and 0.595 against 0.603 with C=0.5); C = 1 was fixed beforehand, not chosen on test.
* ``offensive``: TweetEval offensive ``train``; its decision threshold is the one that maximises
  macro-F1 on ``val``.
* ``theme:cultural_racial``: TweetEval hate (SemEval-2019 HatEval: hate against immigrants and
  women) ``train`` — a proxy for the cultural/racial theme, used beside that theme's lexicon;
  threshold from ``val``.

All heads: L2 logistic regression (scikit-learn, training only), classes balanced.

**Common words** for the linker (``src/clearance/monitor/data/common_words.txt``): the words of
TweetEval's training tweets (all five tasks; sentiment: ``val``) seen five times or more away from
a tweet's start and written in lower case at least half of those times.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from clearance.monitor.linking import fold
from clearance.monitor.textmodel import DATA_DIR, DIMENSIONS, TextModel, featurize
from monitor_data import REPO, airline_tweets, macro_f1, tweeteval

VERSION = "text-2026.12.1"
EMOTION_TO_SENTIMENT = {0: 0, 1: 2, 2: 2, 3: 0}  # anger, joy, optimism, sadness
AIRLINE_SENTIMENT = {"negative": 0, "neutral": 1, "positive": 2}


def matrix(texts: list[str]) -> sp.csr_matrix:
    idx, values, indptr = featurize(texts)
    return sp.csr_matrix((values, idx, indptr), shape=(len(texts), DIMENSIONS))


def fit(texts: list[str], labels: list[int], weights: list[float] | None = None,
        c: float = 1.0) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=4000, class_weight="balanced")
    model.fit(matrix(texts), labels, sample_weight=weights)
    return model


def best_threshold(model: LogisticRegression, texts: list[str], labels: list[int]) -> float:
    prob = model.predict_proba(matrix(texts))[:, 1]
    best = (0.0, 0.5)
    for t in np.arange(0.2, 0.81, 0.01):
        score = macro_f1(labels, [int(p >= t) for p in prob], 2)
        best = max(best, (score, round(float(t), 2)))
    return best[1]


def binary_columns(model: LogisticRegression) -> np.ndarray:
    """A binary model's weights as one column (bias folded into row 0)."""
    col = np.zeros(DIMENSIONS, dtype=np.float32)
    col[:] = model.coef_[0]
    col[0] += model.intercept_[0]
    return col


def write_common_words(path: Path) -> int:
    word = re.compile(r"[@#]?[^\W_]+(?:'[^\W_]+)*")
    seen: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for task in ("sentiment", "offensive", "hate", "irony", "emotion"):
        for text in tweeteval(task, "val" if task == "sentiment" else "train")[0]:
            for i, w in enumerate(word.findall(text)):
                if i == 0 or w[0] in "#@" or not w.isalpha():
                    continue
                folded = fold(w)
                seen[folded] += 1
                lower[folded] += w == w.lower()
    common = sorted(w for w, n in seen.items() if n >= 5 and lower[w] / n >= 0.5)
    path.write_text("\n".join(common) + "\n", encoding="utf-8")
    return len(common)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    started = time.time()

    texts, labels, weights = [], [], []
    t, y = tweeteval("sentiment", "val")
    texts += t
    labels += y
    weights += [3.0] * len(t)
    for split in ("train", "val"):
        t, y = tweeteval("emotion", split)
        texts += t
        labels += [EMOTION_TO_SENTIMENT[v] for v in y]
        weights += [1.0] * len(t)
    air = [a for a in airline_tweets() if not a.is_held_out]
    texts += [a.text for a in air]
    labels += [AIRLINE_SENTIMENT[a.sentiment] for a in air]
    weights += [1.0] * len(air)
    sentiment = fit(texts, labels, weights)
    print(f"sentiment: {len(texts)} texts", flush=True)

    off_t, off_y = tweeteval("offensive", "train")
    offensive = fit(off_t, off_y)
    off_threshold = best_threshold(offensive, *tweeteval("offensive", "val"))
    print(f"offensive: {len(off_t)} texts, threshold {off_threshold}", flush=True)

    hate_t, hate_y = tweeteval("hate", "train")
    hate = fit(hate_t, hate_y)
    hate_threshold = best_threshold(hate, *tweeteval("hate", "val"))
    print(f"cultural_racial (hate): {len(hate_t)} texts, threshold {hate_threshold}", flush=True)

    weights_matrix = np.zeros((DIMENSIONS, 5), dtype=np.float32)
    weights_matrix[:, 0:3] = sentiment.coef_.T
    weights_matrix[0, 0:3] += sentiment.intercept_
    weights_matrix[:, 3] = binary_columns(offensive)
    weights_matrix[:, 4] = binary_columns(hate)
    model = TextModel(weights_matrix, {"sentiment": [0, 1, 2], "offensive": [3],
                                       "theme:cultural_racial": [4]},
                      version=VERSION,
                      thresholds={"offensive": off_threshold, "cultural_racial": hate_threshold})
    # the shipped weights are float16: round-trip them so the figures are the shipped model's
    model.weights[:] = model.weights.astype(np.float16).astype(np.float32)
    training = {"sentiment": {"texts": len(texts), "sources": ["tweeteval/sentiment/val x3",
                                                               "tweeteval/emotion/train+val",
                                                               "airline-tweets 75%"]},
                "offensive": {"texts": len(off_t), "sources": ["tweeteval/offensive/train"]},
                "theme:cultural_racial": {"texts": len(hate_t),
                                          "sources": ["tweeteval/hate/train"]}}
    if not args.no_write:
        print(f"common words: {write_common_words(DATA_DIR / 'common_words.txt')}")
        model.save(DATA_DIR, {"training": training})
        size = sum((DATA_DIR / n).stat().st_size for n in ("text_model.npz", "text_model.json"))
        print(f"wrote {DATA_DIR.relative_to(REPO)} ({size / 1e6:.2f} MB)")
    print(f"done in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
