"""``minor.mentioned``: copy that names a child or a teenager, with the age when it says one.

English, French, Spanish and German. Three kinds of evidence:

* an age (:mod:`clearance.detectors.ages`): stated exactly ("Eleven-year-old Amy", "a girl of
  twelve", "Amy, 11,", "une fille de onze ans", "una niña de once años", "die zwölfjährige
  Lena") -> ``age``; approximate or negated ("about ten", "not yet thirteen", "in her early
  teens", "une dizaine d'années", "unos diez años", "noch keine dreizehn") or given by a school
  year in the language's own system ("sixth-grader", "Year 7", "CM2", "quinto de primaria",
  "Fünftklässlerin") -> ``age_band`` ("10-12"), ``age`` null; ages of 18 and over produce
  nothing ("a 46-year-old");
* a word that names a minor, from the versioned list ``data/minor_terms.yaml``, matched on the
  copy's skeletons (invisible and look-alike characters seen through);
* nothing else: a name alone is not a minor.

A child word in a sentence that states an adult's age ("mother of two children, 46") scores
0.5, below every threshold of the default policy. Plural possessives ("children's hospital",
"kids' TV") name institutions, not children, and are skipped. Counting years is not an age: "11
years later", "season 11", "Ocean's Eleven", "in 1911", "il y a onze ans" produce nothing.

Each finding carries ``age`` (or None), ``age_band`` (or None), ``group`` (child: age or band
starting at 12 or under; teen: 13-17; minor: unknown age) and the matched ``term``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from clearance.content.text import Copy
from clearance.detectors.ages import ADULT_AGE, AgeReading, parse_number, read_ages
from clearance.detectors.base import CopyDetector, Example, example_item
from clearance.detectors.language import lexicon_languages
from clearance.detectors.lexicon import MINOR_GROUPS, MINOR_TERMS_VERSION, minor_lexicon
from clearance.detectors.scancache import ScanCache
from clearance.findings import Attr, Emits, Finding, Label, TextSpan

CHILD_MAX_AGE = 12
__all__ = ["ADULT_AGE", "CHILD_MAX_AGE", "MinorMentionDetector", "group_for_age", "parse_age"]

# A child word used for an adult or an institution: "former child star", "children's hospital".
_NOT_A_MINOR_BEFORE = re.compile(r"(?:former|ex-|grown|adult|grown-up)[\s-]*$", re.IGNORECASE)
# "girl"/"boy" in a grown-up's name: "call girl", "party girl", "bad boy", "old boy", "girl group".
_GROWN_UP_GIRL_BOY = re.compile(
    r"(?:call|party|cover|show|bond|it|golden|bad|pretty|poster|working|old|chorus|cam|webcam|"
    r"pin-up|bar|bell|cow|delivery|material|errand|whipping|playboy|fly|bachelor)[\s-]*$",
    re.IGNORECASE)
_GROWN_UP_GIRL_BOY_AFTER = re.compile(
    r"^[\s-]+(?:band|bands|group|groups|toy|toys|wonder|next\s+door|friday|power|talk|"
    r"scouts?\s+leader)\b", re.IGNORECASE)
_GIRL_BOY = frozenset({"girl", "girls", "boy", "boys"})
_NOT_A_MINOR_AFTER = re.compile(
    r"^(?:['’]s?)?[\s-]+(?:star|stars|actor|actress|actors|hospital|hospitals|ward|show|shows|tv|"
    r"television|book|books|author|entertainer|host|presenter|program|programme|channel|"
    r"charity|court|services|protective|psychologist|psychiatrist|doctor|years|advocate)\b",
    re.IGNORECASE,
)
# ... and the same where the institution comes first ("hôpital pour enfants", "libros para
# niños"), or an idiom ("enterrement de vie de jeune fille", a hen party).
_INSTITUTION_BEFORE = re.compile(
    r"(?:hopita(?:l|ux)|livres?|emissions?|programmes?|chaines?|series?|films?|jeux|vetements|"
    r"hospital(?:es)?|libros?|programas?|canal(?:es)?|peliculas?|ropa|juegos|literatura|"
    r"litterature|cuentos?|contes?)\s+(?:pour|para|de|des|d'|de\s+los|de\s+las|infantil)\s*$"
    r"|\bvie\s+de\s*$",
)
_GENERIC_POSSESSIVE = re.compile(r"^['’]s?\b|^['’](?=\s)")
_STATED_AGE_SCORE = 0.95
_APPROX_AGE_SCORE = 0.9
ADULT_CONTEXT_SCORE = 0.5
_SCANS: ScanCache[tuple[Finding, ...]] = ScanCache()


def parse_age(word: str) -> int | None:
    """The integer value of an age word (digits, or words in EN/FR/ES/DE), or None."""
    return parse_number(word)


def group_for_age(age: int) -> str:
    return "child" if age <= CHILD_MAX_AGE else "teen"


def _band_text(band: tuple[int, int] | None) -> str | None:
    return None if band is None else f"{band[0]}-{band[1]}"


class MinorMentionDetector(CopyDetector):
    """Finds mentions of minors in copy (English, French, Spanish, German)."""

    name: ClassVar[str] = "minor-mention"
    version: ClassVar[str] = f"7+terms.{MINOR_TERMS_VERSION}"
    emits: ClassVar[Emits] = {Label.MINOR_MENTIONED: {
        "age": Attr(int, nullable=True, doc="the stated age; null when none is stated exactly"),
        "age_band": Attr(str, nullable=True,
                         doc="an approximate, negated or school-year age as 'low-high' "
                             "(e.g. '10-12'); null when the age is exact or unknown"),
        "group": Attr(str, values=frozenset(MINOR_GROUPS)),
        "term": Attr(str, doc="the matched words, lower-case"),
    }}

    def scan(self, copy: Copy) -> list[Finding]:
        """The minor mentions in ``copy`` (computed once per text: four detectors read them)."""
        return list(_SCANS.get(copy.text, lambda: tuple(self._scan(copy))))

    def _scan(self, copy: Copy) -> list[Finding]:
        clean = copy.views.clean
        langs = lexicon_languages(self.resources.models, clean.text)
        found: list[Finding] = []
        taken: list[tuple[int, int]] = []

        def free(start: int, end: int) -> bool:
            return not any(s < end and start < e for s, e in taken)

        adult_sentences: set[int] = set()
        for r in read_ages(clean.text, langs):
            start, end = clean.original_span(r.start, r.end)
            if not free(start, end):
                continue
            taken.append((start, end))
            if r.is_adult:  # an adult age: keep other readings off this span
                adult_sentences.add(copy.sentence_at(start))
                continue
            found.append(self._age_finding(copy, start, end, r))

        lex = minor_lexicon()
        for skeleton in copy.views.skeletons:
            text = skeleton.text
            for lang in langs:
                pattern = lex.patterns.get(lang)
                if pattern is None:
                    continue
                for m in pattern.finditer(text):
                    if _NOT_A_MINOR_BEFORE.search(text[max(0, m.start() - 12):m.start()]):
                        continue
                    if _NOT_A_MINOR_AFTER.match(text[m.end():m.end() + 30]):
                        continue
                    if _INSTITUTION_BEFORE.search(text[max(0, m.start() - 30):m.start()]):
                        continue
                    if m.group(0) in _GIRL_BOY and (
                            _GROWN_UP_GIRL_BOY.search(text[max(0, m.start() - 12):m.start()])
                            or _GROWN_UP_GIRL_BOY_AFTER.match(text[m.end():m.end() + 20])):
                        continue
                    if _GENERIC_POSSESSIVE.match(text[m.end():m.end() + 3]) and \
                            m.group(0).endswith(("s", "ren")):
                        # "children's animated program", "kids' TV": a plural possessive names
                        # a genre or an institution, not a particular child
                        continue
                    start, end = skeleton.original_span(m.start(), m.end())
                    if not free(start, end):
                        continue
                    taken.append((start, end))
                    term = lex.term_for(m)
                    score = term.score
                    if copy.sentence_at(start) in adult_sentences:
                        # "Schoolgirl crushes are a memory for Nadine, 44": a sentence that states
                        # an adult's age uses child words for that adult's past or children.
                        score = min(score, ADULT_CONTEXT_SCORE)
                    found.append(self._finding(copy, start, end, None, None, term.category,
                                               score, term.term))
        found.sort(key=lambda f: f.evidence.start if isinstance(f.evidence, TextSpan) else 0)
        return found

    def _age_finding(self, copy: Copy, start: int, end: int, r: AgeReading) -> Finding:
        group = group_for_age(r.low)
        score = _STATED_AGE_SCORE if r.age is not None else _APPROX_AGE_SCORE
        return self._finding(copy, start, end, r.age, _band_text(r.band), group, score,
                             copy.text[start:end])

    def _finding(self, copy: Copy, start: int, end: int, age: int | None, band: str | None,
                 group: str, score: float, term: str) -> Finding:
        return Finding(
            label=Label.MINOR_MENTIONED,
            score=score,
            evidence=TextSpan(start, end, copy.text[start:end], copy.sentence_at(start)),
            detector=self.name,
            detector_version=self.version,
            attributes=(("age", age), ("age_band", band), ("group", group),
                        ("term", term.lower())),
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        m = frozenset({Label.MINOR_MENTIONED})
        return (
            Example(example_item("Amy, 11, becomes fascinated with a twerking dance crew."),
                    expect=m),
            Example(example_item("Eleven-year-old Amy rebels against her family."), expect=m),
            Example(example_item("Amy, 11 ans, rêve d'intégrer un groupe de danse."), expect=m),
            Example(example_item("Una alumna de quinto de primaria sueña con bailar."), expect=m),
            Example(example_item("Die zwölfjährige Lena zieht mit ihrer Mutter nach Kiel."),
                    expect=m),
            Example(example_item("Eleven years later, the detective returns to Oslo."), forbid=m),
            Example(example_item("A 46-year-old teacher returns to Ocean's Eleven in 1911."),
                    forbid=m),
        )
