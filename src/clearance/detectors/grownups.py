"""A learned reading of whether copy names grown-ups (issue 9): "the fathers at the school gate",
"le notaire", "los señores del jurado", "ein Modefotograf", not only the words of a hand list.

A word-level logistic model (``bench/train_grownups.py``, seed lexicon
``bench/data/grownups/seed.yaml``) over two views of each word: wordllama's static embedding
(:class:`~clearance.detectors.sexualised.StageEncoder`) and the word's character 3- to 5-grams
(agent nouns share their endings across words: "-fahrer", "-lehrerin", "-eur", "-ero"). A word
names grown-ups when its score reaches the shipped ``threshold`` (set where 1% of the seed's
other words score above it, out of fold). The seed's own adult words (``known``) score 1.0: the
model, regularised to generalise, misses some of the words it was trained on (short German nouns:
"Koch", "Gast", "Onkel"). A hyphenated compound is also read by its last part ("Lkw-Fahrer" as
"Fahrer").

Words are scored once per reader and kept in a bounded cache, so copy costs an embedding only for
words not seen before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources as pkg_resources
from typing import Final

import numpy as np
import numpy.typing as npt

from clearance.detectors.models import Model
from clearance.detectors.sexualised import StageEncoder

#: Words: letters (accents included), joined by hyphens or apostrophe-free compounds.
WORD: Final = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
NGRAMS: Final = (3, 5)
CACHE_SIZE: Final = 50_000


def ngrams(word: str) -> list[str]:
    """The character 3- to 5-grams of ``word`` lower-cased, with a space at each end."""
    s = f" {word.lower()} "
    return [s[i:i + n] for n in range(NGRAMS[0], NGRAMS[1] + 1) for i in range(len(s) - n + 1)]


@dataclass(frozen=True, slots=True)
class GrownUpModel:
    """The shipped weights (``data/grownups.npz``)."""

    version: str
    mean: npt.NDArray[np.float32]
    scale: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]
    ngram_coef: dict[str, float]
    bias: float
    threshold: float
    known: frozenset[str] = frozenset()

    def score(self, words: list[str], vecs: npt.NDArray[np.float32]) -> list[float]:
        """P(names grown-ups) of each word, given its wordllama embedding."""
        z = ((vecs - self.mean) / self.scale) @ self.coef + self.bias
        out: list[float] = []
        for word, zi in zip(words, z.astype(np.float64).tolist(), strict=True):
            if word.lower() in self.known:
                out.append(1.0)
                continue
            zi += sum(self.ngram_coef.get(g, 0.0) for g in set(ngrams(word)))
            out.append(float(1.0 / (1.0 + np.exp(-zi))))
        return out


def load_model() -> GrownUpModel:
    """The model shipped in ``clearance/detectors/data/grownups.npz``."""
    ref = pkg_resources.files("clearance.detectors").joinpath("data", "grownups.npz")
    with ref.open("rb") as fh, np.load(fh) as npz:
        grams = [str(g) for g in npz["ngrams"]]
        weights = np.asarray(npz["ngram_coef"], dtype=np.float64).tolist()
        return GrownUpModel(
            version=str(npz["version"]), mean=np.asarray(npz["mean"], dtype=np.float32),
            scale=np.asarray(npz["scale"], dtype=np.float32),
            coef=np.asarray(npz["coef"], dtype=np.float32),
            ngram_coef=dict(zip(grams, weights, strict=True)),
            bias=float(npz["bias"][0]), threshold=float(npz["threshold"][0]),
            known=frozenset(str(w) for w in npz["known"]))


def words_of(text: str) -> list[str]:
    """The words of ``text`` to score, in order and unique: each word, and after a hyphenated
    compound its last part."""
    out: dict[str, None] = {}
    for m in WORD.finditer(text):
        w = m.group()
        out[w] = None
        if "-" in w:
            out[w.rsplit("-", 1)[1]] = None
    return list(out)


class GrownUpReader:
    """Says whether a text names grown-ups, word by word, with a per-reader cache of scores."""

    def __init__(self, encoder: StageEncoder, model: GrownUpModel | None = None,
                 cache_size: int = CACHE_SIZE) -> None:
        self.encoder = encoder
        self.model = model or load_model()
        self.threshold = self.model.threshold
        self.cache_size = cache_size
        self._cache: dict[str, float] = {}

    def _score_words(self, words: list[str]) -> list[float]:
        known = {w: self._cache[w] for w in words if w in self._cache}
        new = [w for w in words if w not in known]
        if new:
            fresh = dict(zip(new, self.model.score(new, self.encoder.embed(new)), strict=True))
            if len(self._cache) + len(new) > self.cache_size:
                self._cache.clear()  # bounded: start again rather than grow
            self._cache.update(fresh)
            known.update(fresh)
        return [known[w] for w in words]

    def scores(self, text: str) -> list[tuple[str, float]]:
        """Each word of ``text`` (and each compound's last part) with its score, for
        explanations."""
        words = words_of(text)
        return list(zip(words, self._score_words(words), strict=True))

    def names(self, text: str) -> bool:
        """Whether any word of ``text`` scores at least the threshold."""
        return any(s >= self.threshold for _, s in self.scores(text))


def _load(threads: int | None) -> GrownUpReader:
    return GrownUpReader(StageEncoder(threads))


#: The grown-up reader (its own wordllama instance: a loader gets no shelf to share one from).
GROWNUPS: Model[GrownUpReader] = Model("grownups/wordllama-0.4.0+ngrams", _load)
