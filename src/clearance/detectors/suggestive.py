"""``suggestive.text``: sexualising framing in copy, from a versioned lexicon.

Each finding names a ``category`` (sexualised_dance, body_appearance, sexual_awakening, seduction,
sexual_content, abuse_topic), the matched ``term``, whether the category is sexualising
``framing`` (abuse named as a documentary's subject is not), and ``source`` = ``lexicon``. The
semantic stage (:mod:`clearance.detectors.semantic`) adds paraphrases the lexicon misses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from clearance.content.text import Copy
from clearance.detectors.base import CopyDetector, Example, example_item
from clearance.detectors.language import lexicon_languages
from clearance.detectors.lexicon import (
    SUGGESTIVE_CATEGORIES,
    SUGGESTIVE_LEXICON_VERSION,
    Term,
    suggestive_lexicon,
)
from clearance.detectors.scancache import ScanCache
from clearance.findings import Attr, Emits, Finding, Label, TextSpan

_SCANS: ScanCache[tuple[Finding, ...]] = ScanCache()


class SuggestiveTextDetector(CopyDetector):
    """Lexicon matcher for sexualising framing (English and French)."""

    name: ClassVar[str] = "suggestive-lexicon"
    version: ClassVar[str] = f"1+lexicon.{SUGGESTIVE_LEXICON_VERSION}"
    emits: ClassVar[Emits] = {Label.SUGGESTIVE_TEXT: {
        "category": Attr(str, values=frozenset(SUGGESTIVE_CATEGORIES)),
        "framing": Attr(bool, doc="whether the category is sexualising framing"),
        "term": Attr(str, doc="the lexicon term that matched"),
        "source": Attr(str, values=frozenset({"lexicon"})),
    }}

    def scan(self, copy: Copy) -> list[Finding]:
        """The lexicon's matches in ``copy`` (computed once per text: three detectors read
        them)."""
        return list(_SCANS.get(copy.text, lambda: tuple(self._scan(copy))))

    def _scan(self, copy: Copy) -> list[Finding]:
        lex, framing = suggestive_lexicon()
        found: list[Finding] = []
        seen: set[tuple[int, int]] = set()
        langs = lexicon_languages(self.resources.models, copy.views.clean.text)
        for skeleton in copy.views.skeletons:  # invisible and look-alike characters seen through
            for lang in langs:
                pattern = lex.patterns.get(lang)
                if pattern is None:
                    continue
                for m in pattern.finditer(skeleton.text):
                    start, end = skeleton.original_span(m.start(), m.end())
                    if (start, end) in seen:
                        continue
                    seen.add((start, end))
                    found.append(self._finding(copy, start, end, lex.term_for(m), framing))
        found.sort(key=lambda f: f.evidence.start if isinstance(f.evidence, TextSpan) else 0)
        return found

    def _finding(self, copy: Copy, start: int, end: int, term: Term,
                 framing: dict[str, bool]) -> Finding:
        return Finding(
            label=Label.SUGGESTIVE_TEXT,
            score=term.score,
            evidence=TextSpan(start, end, copy.text[start:end], copy.sentence_at(start)),
            detector=self.name,
            detector_version=self.version,
            attributes=(
                ("category", term.category),
                ("framing", framing[term.category]),
                ("term", term.term),
                ("source", "lexicon"),
            ),
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        s = frozenset({Label.SUGGESTIVE_TEXT})
        return (
            Example(example_item("She becomes fascinated with a twerking dance crew."), expect=s),
            Example(example_item("Elle découvre sa féminité."), expect=s),
            Example(example_item("A retired detective returns to Oslo for one last case."),
                    forbid=s),
        )
