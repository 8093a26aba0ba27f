"""``text.evasion``: a trigger word or an age written so that a plain reading would miss it.

The copy detectors read copy through its normalised views (:mod:`clearance.content.normalise`),
so "twe\\u200brking", "twеrking" (a Cyrillic е), "ｔｗｅｒｋｉｎｇ", "t̷w̷e̷r̷k̷", "tw3rk1ng",
"t w e r k i n g" and "TwErKiNg" are found like "twerking", and their evidence still points into
the text as written. Whoever wrote a trigger that way wanted it unseen, which is itself worth a
reviewer's eye: this detector reports every minor mention or sexualising-lexicon match whose
original span normalisation had to see through, with how (``methods``: ``invisible``,
``compatibility`` (full-width and other compatibility forms), ``combining`` (marks over
letters), ``lookalike`` (letters of other scripts), ``spaced``, ``leetspeak``, ``mixed_case``).

Ordinary text costs nothing: the triggers are looked for only when normalisation altered some
character or a word alternates case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from clearance.content.normalise import METHODS, has_irregular_case
from clearance.content.text import Copy
from clearance.detectors.base import CopyDetector, Example, example_item
from clearance.detectors.minors import MinorMentionDetector
from clearance.detectors.suggestive import SuggestiveTextDetector
from clearance.findings import Attr, Emits, Finding, Label, TextSpan

if TYPE_CHECKING:
    from clearance.detectors.resources import Resources

_EVASION_SCORE = 0.9
#: What the clean view sees through (ages are read there); the skeletons add the rest.
_CLEAN_METHODS = frozenset({"invisible", "compatibility", "combining", "lookalike"})
_WORDS = re.compile(r"\w+")
_ANY_IRREGULAR = re.compile(r"[a-zà-ÿ][A-ZÀ-Þ]|[A-ZÀ-Þ]{2}[a-zà-ÿ]")


class EvasionDetector(CopyDetector):
    """Reports triggers that were disguised (invisible, look-alike, spaced, leetspeak, ...)."""

    name: ClassVar[str] = "evasion"
    version: ClassVar[str] = "1"
    emits: ClassVar[Emits] = {Label.TEXT_EVASION: {
        "trigger": Attr(str, values=frozenset({Label.MINOR_MENTIONED, Label.SUGGESTIVE_TEXT}),
                        doc="the label of the finding that was disguised"),
        "term": Attr(str, doc="the term or age it was read as"),
        "methods": Attr(str, doc="how it was disguised: '+'-joined, from "
                                 + ", ".join(METHODS)),
    }}

    def __init__(self, resources: Resources | None = None) -> None:
        super().__init__(resources)
        self._minors = MinorMentionDetector(self.resources)
        self._lexicon = SuggestiveTextDetector(self.resources)

    def scan(self, copy: Copy) -> list[Finding]:
        if not copy.views.altered and not _ANY_IRREGULAR.search(copy.text):
            return []
        found: list[Finding] = []
        for f in (*self._minors.scan(copy), *self._lexicon.scan(copy)):
            ev = f.evidence
            if not isinstance(ev, TextSpan):  # pragma: no cover - copy findings are spans
                continue
            methods = copy.views.methods_in(ev.start, ev.end)
            if f.attr("age") is not None or f.attr("age_band") is not None:
                methods &= _CLEAN_METHODS  # an age is read from the clean view, not a skeleton
            if any(has_irregular_case(w) for w in _WORDS.findall(ev.text)):
                methods.add("mixed_case")
            if not methods:
                continue
            found.append(Finding(
                label=Label.TEXT_EVASION,
                score=_EVASION_SCORE,
                evidence=ev,
                detector=self.name,
                detector_version=self.version,
                attributes=(("trigger", f.label), ("term", str(f.attr("term"))),
                            ("methods", "+".join(m for m in METHODS if m in methods))),
            ))
        return found

    @classmethod
    def examples(cls) -> Sequence[Example]:
        e = frozenset({Label.TEXT_EVASION})
        return (
            Example(example_item("Amy, 11, joins a twe\u200brking dance crew."), expect=e),
            Example(example_item("Amy, 11, joins a tw3rk1ng dance crew."), expect=e),
            Example(example_item("Amy, 11, joins a twerking dance crew."), forbid=e),
            Example(example_item("Ｔｈｅ detective returns to Oslo."), forbid=e),
        )
