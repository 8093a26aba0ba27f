"""``minor.mentioned``: copy that names a child or a teenager, with the age when it is stated.

Three kinds of evidence, English and French:

* a stated age: "Eleven-year-old Amy", "11-year-olds", "aged 11", "une fille de 11 ans",
  "âgée de onze ans"; ages of 18 and over produce nothing ("a 46-year-old");
* an age in apposition to a name: "Amy, 11, becomes ...", "Amy (11)", "Amy, 11 ans, rêve ...";
* a word that names a minor, from the versioned list ``data/minor_terms.yaml``.

A child word in a sentence that states an adult's age ("mother of two children, 46") scores
0.5, below every threshold of the default policy. Plural possessives
("children's hospital", "kids' TV") name institutions, not children, and are skipped.

Counting years is not an age: "11 years later", "season 11", "Ocean's Eleven", "in 1911",
"il y a onze ans" and "forty-eleven" never match, because every age form needs an age word
("-year-old", "ans" after an age preposition), a copula ("she's only 12,") or the
name-comma-number-comma shape.
Each finding carries ``age`` (or None), ``group`` (child <= 12, teen 13-17, minor = unknown age)
and the matched ``term``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from clearance.content.text import Copy
from clearance.detectors.base import CopyDetector, Example, example_item
from clearance.detectors.language import lexicon_languages
from clearance.detectors.lexicon import MINOR_GROUPS, MINOR_TERMS_VERSION, minor_lexicon
from clearance.findings import Attr, Emits, Finding, Label, TextSpan

ADULT_AGE = 18
CHILD_MAX_AGE = 12

_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
             "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
             "eighteen", "nineteen"]
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
            "eighty": 80, "ninety": 90}
_FR_WORDS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
             "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
             "quatorze": 14, "quinze": 15, "seize": 16, "dix-sept": 17, "dix-huit": 18,
             "dix-neuf": 19}

_EN_NUM = (r"(?:\d{1,3}|(?:(?:" + "|".join(_EN_TENS) + r")[\s-])?(?:" + "|".join(_EN_UNITS[1:])
           + r")|" + "|".join(_EN_TENS) + ")")
_FR_NUM = r"(?:\d{1,2}|" + "|".join(sorted(_FR_WORDS, key=len, reverse=True)) + ")"

# "11-year-old", "eleven year olds", "11 years old", "aged 11", "ages 11 and 12"
_EN_AGE = re.compile(
    rf"(?<![\w-])(?P<num>{_EN_NUM})[\s-]+years?[\s-]+olds?\b"
    rf"|(?<![\w-])(?:aged|age)\s+(?P<num2>{_EN_NUM})\b(?![\s-]+(?:years?\s+(?:later|ago|on)))",
    re.IGNORECASE,
)
# "She's only 12,", "Hannah is seventeen and ...", "who turns 13."
_EN_IS_AGE = re.compile(
    rf"(?:\b(?i:she|he|who)|\b[A-Z][a-z]+)(?:['’]s|\s+is|\s+was|\s+turns|\s+turned)\s+"
    rf"(?i:only\s+|just\s+|barely\s+|not\s+yet\s+)?(?P<num>(?i:{_EN_NUM}))"
    r"(?=\s*(?:[,.;:!?)]|$)|\s+(?i:and|but|when|as|going|years?\s+old)\b)"
)
# "une fille de 11 ans", "âgée de onze ans", "à 11 ans", "elle a 12 ans", "Leïla a onze ans";
# adults too ("une femme de 46 ans"), so that their sentence is known to be about an adult.
_FR_AGE = re.compile(
    r"(?:\b(?i:âgée?s?|fille|fillette|garçon|enfant|gamine?|écolière|écolier|sœur|soeur|frère|"
    r"fils|héroïne|héros|amie?|adolescente?|ado|jumelles|jumeaux|collégienne|collégien|femme|"
    r"homme|mère|père|veuve|veuf|épouse|mari)\s+de"
    r"|(?<!y )\b(?i:elle|il|qui)\s+a|\b[A-ZÀ-Þ][\w’'-]+\s+a|(?:^|[.,;:]\s*)(?i:à)"
    r"|\b(?i:ses|leurs))"
    rf"\s+(?P<num>(?i:{_FR_NUM}))\s+(?i:ans)\b",
)
# "Amy, 11, ...", "Amy, 11 ans", "Chloé, treize ans,", "Amy (11)", "Nadine, 44,"
_APPOSITION = re.compile(
    rf"\b(?P<name>[A-ZÀ-Þ][\w’'-]+)(?:,\s+(?P<num>\d{{1,2}}|(?i:{_FR_NUM[3:-1]}|{_EN_NUM[3:-1]}))"
    r"(?:\s+ans\b|(?=\s*(?:,|;|:|\.|\)|—|–)))"
    r"|\s+\((?P<num2>\d{1,2})(?:\s+ans)?\))"
)
# A child word used for an adult or an institution: "former child star", "children's hospital".
_NOT_A_MINOR_BEFORE = re.compile(r"(?:former|ex-|grown|adult|grown-up)[\s-]*$", re.IGNORECASE)
_NOT_A_MINOR_AFTER = re.compile(
    r"^(?:['’]s?)?[\s-]+(?:star|stars|actor|actress|actors|hospital|hospitals|ward|show|shows|tv|"
    r"television|book|books|author|entertainer|host|presenter|program|programme|channel|"
    r"charity|court|services|protective|psychologist|psychiatrist|doctor|years|advocate)\b",
    re.IGNORECASE,
)
_GENERIC_POSSESSIVE = re.compile(r"^['’]s?\b|^['’](?=\s)")
_STATED_AGE_SCORE = 0.95
ADULT_CONTEXT_SCORE = 0.5


def parse_age(word: str) -> int | None:
    """The integer value of an English or French age word, or None."""
    w = word.lower().replace("\u2011", "-")
    if w.isdigit():
        return int(w)
    if w in _FR_WORDS:
        return _FR_WORDS[w]
    parts = re.split(r"[\s-]+", w)
    if len(parts) == 1:
        if w in _EN_TENS:
            return _EN_TENS[w]
        return _EN_UNITS.index(w) if w in _EN_UNITS else None
    if len(parts) == 2 and parts[0] in _EN_TENS and parts[1] in _EN_UNITS[1:10]:
        return _EN_TENS[parts[0]] + _EN_UNITS.index(parts[1])
    return None  # "forty-eleven" is not a number


def group_for_age(age: int) -> str:
    return "child" if age <= CHILD_MAX_AGE else "teen"


class MinorMentionDetector(CopyDetector):
    """Finds mentions of minors in copy (English and French)."""

    name: ClassVar[str] = "minor-mention"
    version: ClassVar[str] = f"1+terms.{MINOR_TERMS_VERSION}"
    emits: ClassVar[Emits] = {Label.MINOR_MENTIONED: {
        "age": Attr(int, nullable=True, doc="the stated age; null when none is stated"),
        "group": Attr(str, values=frozenset(MINOR_GROUPS)),
        "term": Attr(str, doc="the matched words, lower-case"),
    }}

    def scan(self, copy: Copy) -> list[Finding]:
        text = copy.text
        langs = lexicon_languages(self.resources.models, text)
        found: list[Finding] = []
        taken: list[tuple[int, int]] = []

        def add(start: int, end: int, age: int | None, group: str, score: float,
                term: str) -> None:
            if any(s < end and start < e for s, e in taken):
                return
            taken.append((start, end))
            found.append(self._finding(copy, start, end, age, group, score, term))

        adult_sentences: set[int] = set()
        age_patterns = [p for lang, p in (("en", _EN_AGE), ("en", _EN_IS_AGE), ("fr", _FR_AGE))
                        if lang in langs]
        for pattern in (*age_patterns, _APPOSITION):
            for m in pattern.finditer(text):
                key = "num" if m.group("num") else "num2"
                age = parse_age(m.group(key))
                if age is None or age >= ADULT_AGE or age < 1:
                    if age is not None:  # an adult age: keep other patterns off this span
                        taken.append(m.span())
                        adult_sentences.add(copy.sentence_at(m.start()))
                    continue
                start = m.start("name") if pattern is _APPOSITION else m.start()
                add(start, m.end(), age, group_for_age(age), _STATED_AGE_SCORE, m.group(0))

        lex = minor_lexicon()
        for lang in langs:
            for m in lex.patterns[lang].finditer(text):
                if _NOT_A_MINOR_BEFORE.search(text[max(0, m.start() - 12):m.start()]):
                    continue
                if _NOT_A_MINOR_AFTER.match(text[m.end():m.end() + 30]):
                    continue
                if _GENERIC_POSSESSIVE.match(text[m.end():m.end() + 3]) and \
                        m.group(0).lower().endswith(("s", "ren")):
                    # "children's animated program", "kids' TV": a plural possessive names a
                    # genre or an institution, not a particular child
                    continue
                term = lex.term_for(m)
                score = term.score
                if copy.sentence_at(m.start()) in adult_sentences:
                    # "Schoolgirl crushes are a memory for Nadine, 44": a sentence that states an
                    # adult's age uses child words for that adult's past or children.
                    score = min(score, ADULT_CONTEXT_SCORE)
                add(m.start(), m.end(), None, term.category, score, term.term)
        found.sort(key=lambda f: f.evidence.start if isinstance(f.evidence, TextSpan) else 0)
        return found

    def _finding(self, copy: Copy, start: int, end: int, age: int | None, group: str,
                 score: float, term: str) -> Finding:
        return Finding(
            label=Label.MINOR_MENTIONED,
            score=score,
            evidence=TextSpan(start, end, copy.text[start:end], copy.sentence_at(start)),
            detector=self.name,
            detector_version=self.version,
            attributes=(("age", age), ("group", group), ("term", term.lower())),
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        m = frozenset({Label.MINOR_MENTIONED})
        return (
            Example(example_item("Amy, 11, becomes fascinated with a twerking dance crew."),
                    expect=m),
            Example(example_item("Eleven-year-old Amy rebels against her family."), expect=m),
            Example(example_item("Amy, 11 ans, rêve d'intégrer un groupe de danse."), expect=m),
            Example(example_item("Eleven years later, the detective returns to Oslo."), forbid=m),
            Example(example_item("A 46-year-old teacher returns to Ocean's Eleven in 1911."),
                    forbid=m),
        )
