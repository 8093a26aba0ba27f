"""Disguised trigger words and ages are screened like plain ones (issue 10, item 1).

The corpus is generated: for every category of both word lists (the suggestive lexicon's six, the
minor words, stated ages), English and French, a plain sentence is screened, then the trigger is
disguised every way the probe and the issue name — a zero-width space, a soft hyphen, look-alike
letters from Cyrillic, Greek and Armenian, full-width forms, combining marks, digits for letters,
spaced letters, mixed case — and each disguised sentence must get the plain sentence's decision,
find the same labels and categories, report a ``text.evasion`` finding, and keep every evidence
offset pointing into the text as written.

The one documented difference: a disguised trigger is itself a reason for review
(``disguised-trigger``), so copy whose plain form passes (abuse named as a subject) goes to review
when its trigger is disguised; copy that is flagged plain keeps its decision.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from clearance.content.normalise import normalise
from clearance.findings import Label, TextSpan
from clearance.policy.loader import load_policy
from clearance.screening import Screener, ScreenResult
from clearance.settings import Settings

CYRILLIC = str.maketrans("aeopcxyisjAEOPCHKMTBX", "аеорсхуіѕјАЕОРСНКМТВХ")
GREEK = str.maketrans("oivkptuxAEIKMNOPTYXZ", "οινκρτυχΑΕΙΚΜΝΟΡΤΥΧΖ")
ARMENIAN = str.maketrans("ouhnq", "օսհոզ")


def _insert(ch: str) -> Callable[[str], str]:
    return lambda w: w[:2] + ch + w[2:]


def _fullwidth(w: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in w)


def _combining(w: str) -> str:
    return "".join(c + "\u0336" if c.isalpha() else c for c in w)


def _leet(w: str) -> str:
    return w.translate(str.maketrans("eaiost", "341057"))


def _spaced(w: str) -> str:
    return " ".join(w)


def _mixed(w: str) -> str:
    return "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(w))


#: How a word is disguised. Ages are read from the NFKC text (a skeleton would read the 1 of
#: "11" as an i), so digits-for-letters and spaced letters apply to words only.
DISGUISES: dict[str, Callable[[str], str]] = {
    "zero-width space": _insert("\u200b"),
    "zero-width joiner": _insert("\u200d"),
    "soft hyphen": _insert("\u00ad"),
    "word joiner": _insert("\u2060"),
    "cyrillic": lambda w: w.translate(CYRILLIC),
    "greek": lambda w: w.translate(GREEK),
    "armenian": lambda w: w.translate(ARMENIAN),
    "full-width": _fullwidth,
    "combining marks": _combining,
    "leetspeak": _leet,
    "spaced letters": _spaced,
    "mixed case": _mixed,
}
AGE_DISGUISES = ("zero-width space", "soft hyphen", "cyrillic", "greek", "full-width",
                 "combining marks", "mixed case")

# (language, category, sentence with the trigger in braces). Each names a child, so the plain
# sentence is blocked, except abuse_topic (a subject, not framing: it passes).
CORPUS: list[tuple[str, str, str]] = [
    ("en", "sexualised_dance", "Amy, 11, becomes fascinated with a {twerking} dance crew."),
    ("en", "body_appearance", "Ten-year-old Lily poses in {skimpy} outfits for the camera."),
    ("en", "sexual_awakening", "Eleven-year-old Amy starts to explore her {femininity}."),
    ("en", "seduction", "Eleven-year-old Amy learns to {seduce} the older men at the club."),
    ("en", "sexual_content", "Amy, 11, stars in an {erotic} tale set in Paris."),
    ("en", "abuse_topic", "A careful documentary about the {grooming} of children online."),
    ("en", "minor_word", "The {schoolgirl} rehearses a twerking routine for the men at the bar."),
    ("en", "age_digits", "Amy, {11}, becomes fascinated with a twerking dance crew."),
    ("en", "age_words", "{Eleven}-year-old Amy becomes fascinated with a twerking dance crew."),
    ("fr", "sexualised_dance", "Amy, 11 ans, se passionne pour un groupe de {twerk}."),
    ("fr", "body_appearance", "Une fillette de dix ans pose en {lingerie} pour un photographe."),
    ("fr", "sexual_awakening", "Amy, 11 ans, commence à découvrir sa {sensualité}."),
    ("fr", "seduction", "Une fillette de dix ans apprend à {séduire} les hommes du quartier."),
    ("fr", "sexual_content", "Amy, 11 ans, tourne une scène {érotique} dans un studio."),
    ("fr", "abuse_topic", "Un documentaire rigoureux sur la {pédophilie} dans le sport."),
    ("fr", "minor_word", "La {collégienne} répète une chorégraphie de twerk pour des hommes."),
    ("fr", "age_digits", "Amy, {11} ans, se passionne pour un groupe de twerk."),
    ("fr", "age_words", "Une fillette de {onze} ans se passionne pour un groupe de twerk."),
]


def _cases() -> list[tuple[str, str, str, str]]:
    cases = []
    for lang, category, template in CORPUS:
        word = template[template.index("{") + 1:template.index("}")]
        names = AGE_DISGUISES if category.startswith("age") else tuple(DISGUISES)
        for name in names:
            disguised = DISGUISES[name](word)
            if disguised == word:
                continue
            cases.append((f"{lang}-{category}-{name}", template, word, disguised))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_settings(Settings(semantic="off"), policy=load_policy(None))


def _signature(result: ScreenResult) -> set[tuple[str, object]]:
    """What the screen found, without where: labels and their categories or groups."""
    return {(f.label, f.attr("category") or f.attr("group")) for f in result.findings
            if f.label in (Label.MINOR_MENTIONED, Label.SUGGESTIVE_TEXT)}


def test_the_corpus_covers_every_disguise_category_and_language() -> None:
    assert len(CASES) >= 180
    assert {c[0].split("-", 2)[2] for c in CASES} == set(DISGUISES)
    assert {(lang, cat) for lang, cat, _ in CORPUS} >= {
        (lang, cat) for lang in ("en", "fr")
        for cat in ("sexualised_dance", "body_appearance", "sexual_awakening", "seduction",
                    "sexual_content", "abuse_topic", "minor_word", "age_digits", "age_words")}


@pytest.mark.parametrize(("case", "template", "word", "disguised"), CASES,
                         ids=[c[0] for c in CASES])
def test_disguised_copy_gets_the_plain_decision(screener: Screener, case: str, template: str,
                                                word: str, disguised: str) -> None:
    plain_text = template.replace("{" + word + "}", word)
    text = template.replace("{" + word + "}", disguised)
    plain, got = screener.screen_text(plain_text), screener.screen_text(text)
    expected = plain.decision.outcome if plain.decision.outcome != "pass" else "review"
    assert got.decision.outcome == expected, (case, got.decision.reasons)
    assert _signature(got) == _signature(plain), case
    evasions = [f for f in got.findings if f.label == Label.TEXT_EVASION]
    assert evasions, f"{case}: no text.evasion finding"
    start = template.index("{")
    for f in got.findings:
        if isinstance(f.evidence, TextSpan):
            assert text[f.evidence.start:f.evidence.end] == f.evidence.text
    assert any(isinstance(f.evidence, TextSpan) and f.evidence.start <= start
               and start + len(disguised) <= f.evidence.end for f in evasions), case
    if plain.decision.outcome != "pass":
        assert "disguised-trigger" in {fired.rule for fired in got.decision.fired}


@pytest.mark.parametrize(("lang", "category", "template"), CORPUS, ids=[
    f"{lang}-{cat}" for lang, cat, _ in CORPUS])
def test_plain_corpus_is_flagged_and_not_an_evasion(screener: Screener, lang: str,
                                                   category: str, template: str) -> None:
    text = template.replace("{", "").replace("}", "")
    result = screener.screen_text(text)
    assert result.decision.outcome == ("pass" if category == "abuse_topic" else "block"), text
    assert not [f for f in result.findings if f.label == Label.TEXT_EVASION]


def test_cuties_with_a_zero_width_space_is_still_blocked() -> None:
    """The probe's reproduction, through the default settings (classifier included)."""
    screener = Screener.from_settings(Settings(), policy=load_policy(None))
    text = ("Amy, 11, becomes fascinated with a twe\u200brking dance crew. Hoping to join them, "
            "she starts to explore her femininity, defying her family's traditions.")
    result = screener.screen_text(text)
    assert result.decision.outcome == "block"
    dance = next(f for f in result.findings if f.attr("category") == "sexualised_dance")
    assert dance.evidence == TextSpan(35, 44, "twe\u200brking", 0)


@pytest.mark.parametrize("text", [
    "Kirk's a 5. His new girlfriend Molly's a 10.",
    "Agents of S.H.I.E.L.D. investigate bizarre threats in the U.S. and U.S.S.R.",
    "The Inspiration4 crew trains for the first all-civilian orbital mission; US$100,000.",
    "Yılmaz Erdoğan's lauded stage play traces the life of Gülseren.",
    "Ｔｈｅ detective returns to Oslo in the 1980s.",
])
def test_ordinary_odd_text_is_not_an_evasion(screener: Screener, text: str) -> None:
    result = screener.screen_text(text)
    assert result.decision.outcome == "pass"
    assert not [f for f in result.findings if f.label == Label.TEXT_EVASION]


def test_offsets_survive_every_view() -> None:
    text = "A ｔｗ\u200bｅrk crew; t w e r k; tw3rk; ﬁlm"
    views = normalise(text)
    for view in (views.clean, *views.skeletons):
        assert len(view.starts) == len(view.text) == len(view.ends)
        assert all(0 <= s < e <= len(text) for s, e in zip(view.starts, view.ends, strict=True))
        assert list(view.starts) == sorted(view.starts)
    assert "twerk crew" in views.skeletons[0].text
    assert views.skeletons[0].text.count("twerk") == 3
