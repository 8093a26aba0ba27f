"""Language of a piece of copy (``text.language``), and the lexicon languages to apply to it.

py3langid ships its model inside the wheel (no download; a core dependency) and classifies a
synopsis in ~60-90 µs; every copy detector asks, four times per catalog description in all, so the
lexicon languages are kept per text (:mod:`~clearance.detectors.scancache`). The model loads once
per model shelf (:data:`LANGID`, ~0.7 s with the import). Short texts are unreliable, so copy under
:data:`SHORT_TEXT` characters, or identified with a probability under 0.75, or in a language with
no lexicon of its own, is screened with the English and French lexicons and with the lexicon of
whichever of English, French, Spanish and German the identifier ranks highest — not with all four,
because the German "Kind" or "Kinder" must not read an English "be kind" as a child.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from clearance.content.text import Copy
from clearance.detectors.base import CopyDetector, Example, example_item
from clearance.detectors.lexicon import LANGS
from clearance.detectors.models import Model, ModelShelf
from clearance.detectors.scancache import ScanCache
from clearance.findings import Attr, Emits, Fact, Finding, Label

SHORT_TEXT = 40
_LANGS: ScanCache[tuple[str, ...]] = ScanCache()
_IDENTIFIED: ScanCache[tuple[str, float]] = ScanCache()
#: Read when the language is unsure (the lexicons of the first two were the only ones before).
_FALLBACK = ("en", "fr")


def _load(threads: int | None) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


#: py3langid's identifier (the model inside the wheel).
LANGID: Model[Any] = Model("py3langid", _load)


def identify(models: ModelShelf, text: str) -> tuple[str, float]:
    """ISO 639-1 code and probability of the language of ``text`` (computed once per text)."""
    def classify() -> tuple[str, float]:
        lang, prob = models.get(LANGID).classify(text)
        return str(lang), float(prob)

    return _IDENTIFIED.get(text, classify)


def lexicon_languages(models: ModelShelf, text: str) -> tuple[str, ...]:
    """The lexicon languages to apply to ``text`` (see the module docstring; computed once per
    text: every copy detector asks)."""
    return _LANGS.get(text, lambda: _lexicon_languages(models, text))


def _lexicon_languages(models: ModelShelf, text: str) -> tuple[str, ...]:
    if len(text) >= SHORT_TEXT:
        lang, prob = identify(models, text)  # the language detector's answer, not a second run
        if lang in LANGS and prob >= 0.75:
            return (lang,)
    identifier = models.get(LANGID)
    best = next((str(lang) for lang, _ in identifier.rank(text) if lang in LANGS), "en")
    return _FALLBACK if best in _FALLBACK else (*_FALLBACK, best)


class LanguageDetector(CopyDetector):
    """Reports the language of copy as a ``text.language`` fact."""

    name: ClassVar[str] = "language"
    version: ClassVar[str] = "1"
    emits: ClassVar[Emits] = {Label.TEXT_LANGUAGE: {
        "language": Attr(str, doc="ISO 639-1 code"),
    }}

    def scan(self, copy: Copy) -> Sequence[Finding]:
        lang, prob = identify(self.resources.models, copy.text)
        return (
            Finding(
                label=Label.TEXT_LANGUAGE,
                score=prob,
                evidence=Fact("language", lang),
                detector=self.name,
                detector_version=self.version,
                attributes=(("language", lang),),
            ),
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        return (
            Example(example_item("Une fillette rêve de danser avec ses amies à Paris."),
                    expect=frozenset({Label.TEXT_LANGUAGE})),
        )
