"""``suggestive.text`` from a **team's word list**, layered over the shipped suggestive lexicon.

An admin adds terms to a team's list (:mod:`clearance.screening.team_lexicon`), each with a
category of the shipped suggestive lexicon (``sexualised_dance``, ``body_appearance``...) and a
language (``en``, ``fr``, ``es``, ``de``, or ``any``). When the team's copy is screened the item
carries the list as it is at that moment (:class:`TeamWords`: the team, the list's version and
its terms), and this detector finds the terms with the shipped lexicon's pattern syntax and the
same normalisation (invisible and look-alike characters, spaced letters seen through). Each
finding is a ``suggestive.text`` with the term's ``category``, ``framing``, ``term``, ``source``
``team`` and ``word_list`` (``studio v3``), so the policy's rules use it like the shipped
lexicon's and a reason names the list it came from.

The list's version is this detector's :meth:`input_key`, so the findings cache keeps the
findings of each version apart: a list that changes makes its team's copy screen again for this
detector alone, and the other detectors' cached findings stay.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from clearance.content.text import Copy
from clearance.detectors.base import Detector, Example, Item, example_item
from clearance.detectors.language import lexicon_languages
from clearance.detectors.lexicon import (
    LANGS,
    SUGGESTIVE_CATEGORIES,
    CompiledLexicon,
    Term,
    compile_terms,
)
from clearance.findings import Attr, Emits, Finding, Label, TextSpan

#: The languages a team term may be given for (``any``: every language of the shipped lists).
TERM_LANGUAGES: tuple[str, ...] = (*LANGS, "any")
#: The score of a team term's finding: the team chose the word.
TEAM_SCORE = 0.9


@dataclass(frozen=True, slots=True)
class TeamTerm:
    term: str
    category: str
    language: str


@dataclass(frozen=True, slots=True)
class TeamWords:
    """A team's word list at one version (what screening one of the team's items reads)."""

    team_id: str
    version: int
    terms: tuple[TeamTerm, ...]

    @property
    def key(self) -> str:
        """The findings cache's input key (:meth:`TeamWordsDetector.input_key`)."""
        return f"team={self.team_id}@{self.version}"

    @property
    def label(self) -> str:
        """``studio v3``: how findings and reasons name the list."""
        return f"{self.team_id} v{self.version}"

    def to_json(self) -> dict[str, object]:
        return {"team_id": self.team_id, "version": self.version,
                "terms": [[t.term, t.category, t.language] for t in self.terms]}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> TeamWords:
        terms = data.get("terms") or []
        assert isinstance(terms, list)
        return cls(str(data["team_id"]), int(str(data["version"])),
                   tuple(TeamTerm(str(t), str(c), str(lang)) for t, c, lang in terms))


@functools.lru_cache(maxsize=64)
def compiled(words: TeamWords) -> CompiledLexicon:
    """The list's terms compiled per language (``any`` into every language)."""
    terms = [Term(t.term, lang, t.category, TEAM_SCORE) for t in words.terms
             for lang in (LANGS if t.language == "any" else (t.language,))]
    return compile_terms(words.label, terms)


class TeamWordsDetector(Detector):
    """The team's own words for sexualising framing, on its copy."""

    name: ClassVar[str] = "team-lexicon"
    version: ClassVar[str] = "1"
    kinds = frozenset({"text"})
    emits: ClassVar[Emits] = {Label.SUGGESTIVE_TEXT: {
        "category": Attr(str, values=frozenset(SUGGESTIVE_CATEGORIES)),
        "framing": Attr(bool, doc="whether the category is sexualising framing"),
        "term": Attr(str, doc="the lexicon term that matched"),
        "source": Attr(str, values=frozenset({"team"})),
        "word_list": Attr(str, doc="the team word list and its version (studio v3)"),
    }}

    def input_key(self, item: Item) -> str:
        return item.team_words.key if item.team_words is not None else ""

    def detect(self, item: Item, analysis: object = None) -> Sequence[Finding]:
        words = item.team_words
        if item.copy is None or words is None or not words.terms:
            return ()
        return self.scan(item.copy, words)

    def scan(self, copy: Copy, words: TeamWords) -> list[Finding]:
        lex = compiled(words)
        found: list[Finding] = []
        seen: set[tuple[int, int]] = set()
        langs = lexicon_languages(self.resources.models, copy.views.clean.text)
        for skeleton in copy.views.skeletons:  # invisible and look-alike characters seen through
            for lang in langs:
                pattern = lex.patterns.get(lang)  # a term for 'any' is in every language's
                if pattern is None:
                    continue
                for m in pattern.finditer(skeleton.text):
                    start, end = skeleton.original_span(m.start(), m.end())
                    if (start, end) in seen:
                        continue
                    seen.add((start, end))
                    term = lex.term_for(m)
                    found.append(Finding(
                        label=Label.SUGGESTIVE_TEXT, score=term.score,
                        evidence=TextSpan(start, end, copy.text[start:end],
                                          copy.sentence_at(start)),
                        detector=self.name, detector_version=self.version,
                        attributes=(("category", term.category),
                                    ("framing", SUGGESTIVE_CATEGORIES[term.category]),
                                    ("term", term.term), ("source", "team"),
                                    ("word_list", words.label))))
        found.sort(key=lambda f: f.evidence.start if isinstance(f.evidence, TextSpan) else 0)
        return found

    @classmethod
    def examples(cls) -> Sequence[Example]:
        s = frozenset({Label.SUGGESTIVE_TEXT})
        words = TeamWords("studio", 1, (TeamTerm("moonlight shimmy", "sexualised_dance", "en"),))
        with_words = example_item("She learns the moonlight shimmy at camp.")
        return (
            Example(Item("text", with_words.copy, team_words=words), expect=s),
            Example(with_words, forbid=s),  # no list: nothing
            Example(Item("text", example_item("A quiet summer at the lake.").copy,
                         team_words=words), forbid=s),
        )
