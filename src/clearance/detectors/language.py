"""Language of a piece of copy (``text.language``), and the lexicon languages to apply to it.

py3langid ships its model inside the wheel (no download) and classifies thousands of texts per
second. Short texts are unreliable, so copy under :data:`SHORT_TEXT` characters, or in a language
with no lexicon of its own, is screened with every lexicon.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from clearance.content.text import Copy
from clearance.detectors.base import CopyDetector, Example, example_item
from clearance.detectors.lexicon import LANGS
from clearance.findings import Fact, Finding, Label

SHORT_TEXT = 40


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@cache
def identify(text: str) -> tuple[str, float]:
    """ISO 639-1 code and probability of the language of ``text``."""
    lang, prob = _identifier().classify(text)
    return str(lang), float(prob)


def lexicon_languages(text: str) -> tuple[str, ...]:
    """The lexicon languages to apply to ``text``."""
    if len(text) < SHORT_TEXT:
        return LANGS
    lang, prob = identify(text)
    if lang in LANGS and prob >= 0.75:
        return (lang,)
    return LANGS


class LanguageDetector(CopyDetector):
    """Reports the language of copy as a ``text.language`` fact."""

    name = "language"
    version = "1"
    labels = (Label.TEXT_LANGUAGE,)

    def scan(self, copy: Copy) -> Sequence[Finding]:
        lang, prob = identify(copy.text)
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
