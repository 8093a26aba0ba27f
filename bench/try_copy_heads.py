"""Token heads for the copy classifier, measured out of fold (issue 9; not shipped).

    .venv/bin/python bench/try_copy_heads.py [--cache DIR] [--split kind,file]

The shipped model reads one mean-pooled e5 embedding per window, where a sexualising qualifier is
one word among twenty. This script tries readers of e5's **token** states (``bench/e5_tokens.py``)
with multiple-instance learning — sentence labels, token evidence: a head scores each token
(``w . h_t + b``) and the sentence keeps its highest token, so one word can carry it:

* ``framing heads``: K heads trained on the framing label from the tokens alone (L-BFGS, L2 on
  the heads), their maxima then added to the shipped model's features and the whole refitted as
  ``train_copy.fit`` does (Newton);
* ``grown-up head``: one head trained to say whether a grown-up is named (labels: the shipped
  word-list cue, ``ADULT_WORDS``, on each training row), so compounds and nouns the list lacks
  can light it; its maximum added to the features, refitted the same way.

Figures: the out-of-fold recall on the child-subject positives with one threshold set where 2%,
3% and 5% of the negative items that the detector would read (a window around a minor) score
above — the "What was tried" table of ``docs/labels.md``. Folds as ``bench/train_copy.py``:
``kind`` (three folds over the corpus's kinds) and ``file`` (generated + catalog -> written).
Never reads ``bench/data/copy-eval``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

import train_copy as tc
from clearance.content.text import make_copy
from clearance.detectors.sexualised import SexualisedMinorDetector, cues
from e5_tokens import TokenStates

Arr = npt.NDArray[Any]
HEAD_ITERS = 150


def fit_heads(bags: Sequence[Arr], y: Arr, w: Arr, k: int, l2: float) -> tuple[Arr, Arr]:
    """``k`` token heads, max-pooled over each bag, logistic loss (classes balanced); returns
    the heads over raw token states (384 x k) and their biases."""
    tok = np.concatenate(bags).astype(np.float32)
    tm = tok.mean(axis=0, dtype=np.float64)
    ts = tok.std(axis=0, dtype=np.float64) + 1e-6
    tok = ((tok - tm) / ts).astype(np.float32)
    lens = np.array([len(b) for b in bags])
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    seg = np.repeat(np.arange(len(bags)), lens)
    pos = y == 1
    w = w * np.where(pos, w[~pos].sum() / max(w[pos].sum(), 1e-9), 1.0)
    w = w / w.sum() * len(w)
    d = tok.shape[1]
    rng = np.random.default_rng(tc.SEED)
    th0 = np.concatenate([rng.normal(0, 0.01, d * k), np.zeros(k), np.full(k, 0.1), [0.0]])

    def loss(th: Arr) -> tuple[float, Arr]:
        hw, hb, g, c = th[:d * k].reshape(d, k), th[d * k:d * k + k], th[-k - 1:-1], th[-1]
        s = (tok @ hw.astype(np.float32)).astype(np.float64) + hb
        m = np.maximum.reduceat(s, starts, axis=0)
        a = (s == m[seg]).astype(np.float64)
        a /= np.add.reduceat(a, starts, axis=0)[seg]
        p = 1.0 / (1.0 + np.exp(-(m @ g + c)))
        val = -(w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))).sum()
        val += 0.5 * l2 * (hw ** 2).sum() + 0.5e-3 * g @ g
        r = w * (p - y)
        ds = a * (r[:, None] * g[None, :])[seg]
        gw = (tok.T @ ds.astype(np.float32)) + l2 * hw
        return float(val), np.concatenate([gw.ravel(), ds.sum(axis=0), m.T @ r + 1e-3 * g,
                                           [r.sum()]])

    th = minimize(loss, th0, jac=True, method="L-BFGS-B", options={"maxiter": HEAD_ITERS}).x
    hw, hb = th[:d * k].reshape(d, k), th[d * k:d * k + k]
    return hw / ts[:, None], hb - (tm / ts) @ hw


def maxima(heads: tuple[Arr, Arr], bags: Sequence[Arr]) -> Arr:
    hw, hb = heads
    return np.array([(b @ hw + hb).max(axis=0) for b in bags])


def windows(corpus: Sequence[tc.Row]) -> list[tuple[list[str], Arr]]:
    """Each corpus item's windows, as the detector reads them: their texts and their cues."""
    det = SexualisedMinorDetector()
    out: list[tuple[list[str], Arr]] = []
    for r in corpus:
        copy = make_copy(r.text, max_bytes=100_000)
        ws = det.candidates(copy)
        out.append(([w.text(copy) for w in ws],
                    np.array([cues(w.context(copy), w.lexicon) for w in ws],
                             dtype=np.float32).reshape(len(ws), 2)))
    return out


class Data:
    def __init__(self, cache: Path) -> None:
        corpus = tc.load_corpus()
        self.rows = corpus + tc.catalog_negatives()
        self.corpus = corpus
        self.folds = np.array(tc.kind_folds(self.rows))
        self.wins = windows(corpus)
        enc = tc.CachedEncoder(cache)
        self.tokens = TokenStates(cache)
        texts = [r.text for r in self.rows]
        self.x = np.hstack([enc.embed(texts), np.array([r.cues for r in self.rows])])
        self.bags = self.tokens.get(texts)
        self.win_x = [np.hstack([enc.embed(t), c]) if t else np.zeros((0, 386))
                      for t, c in self.wins]
        self.win_bags = [self.tokens.get(t) for t, _ in self.wins]
        enc.save()
        self.tokens.save()
        self.y = np.array([r.y for r in self.rows])
        self.w = np.array([r.weight for r in self.rows])


Scorer = Callable[[Arr, Sequence[Arr]], Arr]
Trainer = Callable[[Data, Arr], Scorer]


def linear(x: Arr, y: Arr, w: Arr) -> Callable[[Arr], Arr]:
    mean, scale, coef, bias = tc.fit(x.astype(np.float32), y, w)
    return lambda z: np.asarray(((z - mean) / scale) @ coef + bias)


def shipped(data: Data, tr: Arr) -> Scorer:
    f = linear(data.x[tr], data.y[tr], data.w[tr])
    return lambda x, _bags: f(x)


def framing_heads(k: int, l2: float) -> Trainer:
    def train(data: Data, tr: Arr) -> Scorer:
        bags = [data.bags[i] for i in tr]
        heads = fit_heads(bags, data.y[tr], data.w[tr], k, l2)
        f = linear(np.hstack([data.x[tr], maxima(heads, bags)]), data.y[tr], data.w[tr])
        return lambda x, b: f(np.hstack([x, maxima(heads, b)]))
    return train


def grown_up_head(l2: float) -> Trainer:
    def train(data: Data, tr: Arr) -> Scorer:
        bags = [data.bags[i] for i in tr]
        adult = (data.x[tr, 384] > 0).astype(np.float64)
        heads = fit_heads(bags, adult, np.ones(len(tr)), 1, l2)
        f = linear(np.hstack([data.x[tr], maxima(heads, bags)]), data.y[tr], data.w[tr])
        return lambda x, b: f(np.hstack([x, maxima(heads, b)]))
    return train


def evaluate(data: Data, train: Trainer, split: str) -> list[int]:
    n = len(data.corpus)
    if split == "kind":
        sets = [(np.flatnonzero(data.folds != k), [i for i in range(n) if data.folds[i] == k])
                for k in range(3)]
    else:
        tr = np.array([i for i, r in enumerate(data.rows) if r.source != "written"])
        sets = [(tr, [i for i in range(n) if data.corpus[i].source == "written"])]
    item = np.full(n, np.nan)
    for tr, held in sets:
        score = train(data, tr)
        for i in held:
            if len(data.wins[i][0]):
                item[i] = score(data.win_x[i], data.win_bags[i]).max()
    lab = np.array([r.label == "child_positive" for r in data.corpus])
    has = ~np.isnan(item)
    neg = np.sort(item[has & ~lab])[::-1]
    pos = item[has & lab]
    return [int((pos > neg[int(fp * len(neg))]).sum()) for fp in (0.02, 0.03, 0.05)]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--cache", type=Path, default=Path("/tmp/clearance-copy-emb"))
    p.add_argument("--split", default="kind,file")
    args = p.parse_args(argv)
    data = Data(args.cache)
    readers: list[tuple[str, Trainer]] = [
        ("shipped (embedding + cues)", shipped),
        ("framing heads K=4, L2 100", framing_heads(4, 100.0)),
        ("framing heads K=4, L2 10", framing_heads(4, 10.0)),
        ("grown-up head, L2 30", grown_up_head(30.0)),
    ]
    for name, train in readers:
        for split in args.split.split(","):
            got = evaluate(data, train, split)
            print(f"{name:30} {split:5} recall at 2/3/5% of negative items: {got}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
