"""The monitor's post classifiers: linear models over hashed word n-grams, numpy only at run time.

Why this and not VADER: the monitor must score 20,000 posts a second on two cores, and VADER alone
runs at about 37,000 texts/s on one core (with language id on top, that is more than one core at
the goal). A linear model over hashed unigrams and bigrams is a few array operations per batch, and
trained on tweets it is also *better* on tweets than VADER's lexicon (the figures are in
``docs/monitor.md``, measured by ``bench/train_monitor.py``).

**Features.** A post is lower-cased, its URLs become ``http`` and its @mentions ``@user`` (as
TweetEval writes them), and it is cut into tokens: words (with a leading ``#`` kept, so a hashtag is
its own feature) and single non-space symbols (punctuation, emoji). Every word in VADER's lexicon
(``vader_lexicon.txt``, read from the installed ``vaderSentiment`` package) adds a token for its
rounded valence (``<lex-2>``), negated (and a ``<neg>`` token) when a negator came up to three
tokens before: the lexicon's knowledge for a dictionary lookup per word, which took TweetEval
sentiment macro-recall from 0.53 to 0.60 with the same training data. Each token is hashed with
CRC-32 (stable across processes, unlike Python's ``hash``); a bigram's hash is mixed from its two
tokens' hashes with arithmetic in numpy, so no bigram string is ever built. A feature's index is its
hash modulo :data:`DIMENSIONS`; a post's vector is its feature counts divided by the square root of
its number of features (close to an L2 norm). One bias column.

**Heads.** One weight matrix holds every head's columns: ``sentiment`` (softmax over negative,
neutral, positive), ``offensive`` (a logistic) and one logistic per learnt theme. The file
``data/text_model.npz`` holds the non-zero rows only (features never seen in training have zero
weight), as float16, with the head layout and the model's version in ``data/text_model.json``.
"""

from __future__ import annotations

import functools
import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from clearance.errors import DetectorUnavailable

#: Hash buckets (2**18): collisions cost little at tweets' vocabulary size (measured: 2**16
#: lowered sentiment macro-recall by about one point, 2**20 raised nothing).
DIMENSIONS: Final = 1 << 18
DATA_DIR: Final = Path(__file__).resolve().parent / "data"
MODEL_FILE: Final = "text_model.npz"
MODEL_META: Final = "text_model.json"
SENTIMENTS: Final = ("negative", "neutral", "positive")

_URL: Final = re.compile(r"https?://\S+|www\.\S+")
_MENTION: Final = re.compile(r"@\w+")
_TOKEN: Final = re.compile(r"#?\w+(?:'\w+)?|[^\w\s]")
_BIGRAM_MIX: Final = np.uint64(0x01000193)
_MASK32: Final = np.uint64(0xFFFFFFFF)

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


_NEGATORS: Final = frozenset({
    "not", "no", "never", "cannot", "without", "nor", "neither", "nobody", "nothing", "none",
    "nowhere", "aint", "dont", "cant", "wont", "isnt", "wasnt", "didnt", "doesnt"})


@functools.cache
def valence_lexicon() -> dict[str, str]:
    """VADER's lexicon as ``word -> valence token`` (rounded, zero left out); read once from the
    installed ``vaderSentiment`` package (the ``monitor`` extra)."""
    try:
        text = (resources.files("vaderSentiment") / "vader_lexicon.txt").read_text("utf-8")
    except (ModuleNotFoundError, OSError) as exc:
        raise DetectorUnavailable("the monitor's text model needs vaderSentiment's lexicon: "
                                  "install the 'monitor' extra (pip install "
                                  "'clearance[monitor]')") from exc
    out: dict[str, str] = {}
    for line in text.splitlines():
        word, _, rest = line.partition("\t")
        try:
            bucket = max(-4, min(4, round(float(rest.split("\t", 1)[0]))))
        except ValueError:
            continue
        if bucket:
            out[word] = f"<lex{bucket:+d}>"
    return out


@functools.cache
def _special_words() -> frozenset[str]:
    """The lexicon's words and the negators: the tokens :func:`tokens` looks at again."""
    return frozenset(valence_lexicon()) | _NEGATORS


def tokens(text: str) -> list[str]:
    """The model's tokens of ``text`` (see the module docstring)."""
    lowered = text.casefold()
    if "http" in lowered or "www." in lowered:
        lowered = _URL.sub(" http ", lowered)
    if "@" in lowered:
        lowered = _MENTION.sub("@user", lowered)
    toks: list[str] = _TOKEN.findall(lowered)
    lexicon = valence_lexicon()
    # the few tokens that are a negator or in the lexicon, found in one pass
    if "n't" in lowered:
        marked = [i for i, tok in enumerate(toks)
                  if tok in lexicon or tok in _NEGATORS or tok.endswith("n't")]
    else:
        special = _special_words()
        marked = [i for i, tok in enumerate(toks) if tok in special]
    if not marked:
        return toks
    last_negator = -10
    extra: list[str] = []
    for i in marked:
        tok = toks[i]
        if tok in _NEGATORS or tok.endswith("n't"):
            last_negator = i
            continue
        hit = lexicon[tok]
        if i - last_negator <= 3:
            hit = f"<lex{-int(hit[4:-1]):+d}>"
            extra.append("<neg>")
        extra.append(hit)
    return toks + extra


def featurize(texts: Sequence[str]) -> tuple[IntArray, FloatArray, IntArray]:
    """The hashed feature vectors of ``texts`` as CSR parts: ``(indices, values, indptr)``;
    row ``i`` is ``indices[indptr[i]:indptr[i+1]]`` (repeats allowed: they add up). Lexicon
    tokens take part in unigrams only (the bigram step pairs neighbours in the list, so a
    lexicon token next to the last word adds one harmless bigram)."""
    hashes: list[int] = []
    starts = [0]
    for text in texts:
        toks = tokens(text)
        hashes.extend(map(zlib.crc32, map(str.encode, toks)))
        starts.append(len(hashes))
    uni = np.fromiter(hashes, dtype=np.uint64, count=len(hashes))
    bounds = np.asarray(starts, dtype=np.int64)
    lengths = np.diff(bounds)
    # bigrams: each token with the next one in the same post
    if len(uni) > 1:
        nxt_same = np.ones(len(uni) - 1, dtype=bool)
        ends = bounds[1:-1] - 1  # last token of each post (except the final post)
        nxt_same[ends[(ends >= 0) & (ends < len(uni) - 1)]] = False
        left = uni[:-1][nxt_same]
        right = uni[1:][nxt_same]
        bi = ((left * _BIGRAM_MIX) ^ (right + np.uint64(0x9E3779B9))) & _MASK32
        owner_bi = np.repeat(np.arange(len(texts)), np.maximum(lengths - 1, 0))
    else:
        bi = np.zeros(0, dtype=np.uint64)
        owner_bi = np.zeros(0, dtype=np.int64)
    owner_uni = np.repeat(np.arange(len(texts)), lengths)
    owner = np.concatenate([owner_uni, owner_bi])
    idx = (np.concatenate([uni, bi]) % np.uint64(DIMENSIONS - 1)).astype(np.int64) + 1
    order = np.argsort(owner, kind="stable")
    owner, idx = owner[order], idx[order]
    counts = np.bincount(owner, minlength=len(texts))
    # one bias feature per post, at index 0
    n = len(texts)
    all_idx = np.concatenate([np.zeros(n, dtype=np.int64), idx])
    all_owner = np.concatenate([np.arange(n), owner])
    order = np.argsort(all_owner, kind="stable")
    all_idx = all_idx[order]
    scale = 1.0 / np.sqrt(np.maximum(counts, 1)).astype(np.float32)
    values = np.concatenate([np.ones(n, dtype=np.float32), scale[owner]])[order]
    indptr = np.concatenate([[0], np.cumsum(counts + 1)]).astype(np.int64)
    return all_idx, values.astype(np.float32), indptr


@dataclass(frozen=True, slots=True)
class Scores:
    """Per post: the sentiment label and the probability of each sentiment, whether it is
    offensive (and how likely), and the learnt themes' probabilities (``themes[name][i]``)."""

    sentiment: tuple[str, ...]
    negative: FloatArray
    positive: FloatArray
    offensive: FloatArray
    themes: dict[str, FloatArray]


class TextModel:
    """The trained heads (see the module docstring); :meth:`load` reads the shipped model."""

    def __init__(self, weights: FloatArray, heads: dict[str, list[int]], *, version: str,
                 thresholds: dict[str, float]) -> None:
        if weights.shape[0] != DIMENSIONS:
            raise DetectorUnavailable(f"text model has {weights.shape[0]} rows, expected "
                                      f"{DIMENSIONS}")
        self.weights = weights
        self.heads = heads
        self.version = version
        self.thresholds = thresholds

    @classmethod
    def load(cls, folder: Path = DATA_DIR) -> TextModel:
        try:
            meta = json.loads((folder / MODEL_META).read_text(encoding="utf-8"))
            with np.load(folder / MODEL_FILE) as data:
                rows, values = data["rows"], data["values"]
        except (OSError, ValueError, KeyError) as exc:
            raise DetectorUnavailable(f"the monitor's text model cannot be read from {folder}: "
                                      f"{exc}") from exc
        weights = np.zeros((DIMENSIONS, values.shape[1]), dtype=np.float32)
        weights[rows] = values.astype(np.float32)
        return cls(weights, {k: list(v) for k, v in meta["heads"].items()},
                   version=str(meta["version"]),
                   thresholds={k: float(v) for k, v in meta.get("thresholds", {}).items()})

    def save(self, folder: Path, extra: dict[str, object] | None = None) -> None:
        rows = np.flatnonzero(np.any(self.weights != 0, axis=1))
        np.savez_compressed(folder / MODEL_FILE, rows=rows.astype(np.int32),
                            values=self.weights[rows].astype(np.float16))
        meta = {"version": self.version, "dimensions": DIMENSIONS, "heads": self.heads,
                "thresholds": self.thresholds, **(extra or {})}
        (folder / MODEL_META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n",
                                         encoding="utf-8")

    def logits(self, texts: Sequence[str]) -> FloatArray:
        """Every head's raw scores, one row per text."""
        if not texts:
            return np.zeros((0, self.weights.shape[1]), dtype=np.float32)
        idx, values, indptr = featurize(texts)
        contrib = self.weights[idx] * values[:, None]
        out: FloatArray = np.add.reduceat(contrib, indptr[:-1], axis=0)
        return out

    def score(self, texts: Sequence[str]) -> Scores:
        z = self.logits(texts)
        sent = z[:, self.heads["sentiment"]]
        sent = np.exp(sent - sent.max(axis=1, keepdims=True))
        sent /= sent.sum(axis=1, keepdims=True)
        labels = tuple(SENTIMENTS[i] for i in sent.argmax(axis=1))
        offensive = _sigmoid(z[:, self.heads["offensive"][0]])
        themes = {name[len("theme:"):]: _sigmoid(z[:, cols[0]])
                  for name, cols in self.heads.items() if name.startswith("theme:")}
        return Scores(labels, sent[:, 0], sent[:, 2], offensive, themes)


def _sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
    return out
