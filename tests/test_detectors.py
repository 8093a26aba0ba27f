"""The copy detectors' behaviour on the cases named in the foundation issue, and the registry's
refusals. The contract every detector keeps is ``test_detector_contract.py``."""

from __future__ import annotations

from typing import ClassVar

import pytest

from clearance.content.text import make_copy
from clearance.detectors.base import Item
from clearance.detectors.minors import MinorMentionDetector, parse_age
from clearance.detectors.rating import is_mature
from clearance.detectors.registry import DetectorRegistry
from clearance.detectors.resources import Resources
from clearance.detectors.semantic import SemanticSuggestiveDetector
from clearance.detectors.suggestive import SuggestiveTextDetector
from clearance.errors import RegistryError
from clearance.findings import Emits, Finding, Label, TextSpan

#: One model shelf for the module (py3langid, e5), as one Screener would have.
RESOURCES = Resources()


def test_registry_refuses_duplicates_and_unknown_kinds() -> None:
    reg = DetectorRegistry()
    reg.register(SuggestiveTextDetector)
    with pytest.raises(RegistryError, match="already registered"):
        reg.register(SuggestiveTextDetector)

    class Hologram(SuggestiveTextDetector):
        name = "hologram-thing"
        kinds: ClassVar = frozenset({"hologram"})  # type: ignore[assignment]

    with pytest.raises(RegistryError, match="unknown content kinds"):
        reg.register(Hologram)

    class BadLabel(SuggestiveTextDetector):
        name = "bad-label"
        emits: ClassVar[Emits] = {"made.up": {}}

    with pytest.raises(RegistryError, match="outside the taxonomy"):
        reg.register(BadLabel)

    class Untyped(SuggestiveTextDetector):
        name = "untyped"
        emits: ClassVar[Emits] = {Label.SUGGESTIVE_TEXT: {"term": str}}  # type: ignore[dict-item]

    with pytest.raises(RegistryError, match="without an Attr"):
        reg.register(Untyped)

    class Silent(SuggestiveTextDetector):
        name = "silent"
        emits: ClassVar[Emits] = {}

    with pytest.raises(RegistryError, match="declares no labels"):
        reg.register(Silent)
    with pytest.raises(RegistryError, match="unknown detector"):
        reg.get("nope")


def _minors(text: str) -> list[Finding]:
    return MinorMentionDetector(RESOURCES).scan(make_copy(text, max_bytes=100_000))


@pytest.mark.parametrize(
    ("text", "span", "age"),
    [
        ("Amy, 11, becomes fascinated with a twerking dance crew.", "Amy, 11", 11),
        ("Eleven-year-old Amy starts to rebel.", "Eleven-year-old", 11),
        ("A crew of 11-year-olds enters a contest.", "11-year-olds", 11),
        ("She is a pre-teen with big dreams.", "pre-teen", None),
        ("A schoolgirl solves a mystery.", "schoolgirl", None),
        ("Amy, 11 ans, rêve de danser.", "Amy, 11 ans", 11),
        ("Chloé, treize ans, se maquille.", "Chloé, treize ans", 13),
        ("Leïla a onze ans et s'ennuie.", "Leïla a onze ans", 11),
        ("She's only 12, but she already knows how to move.", "She's only 12", 12),
        ("Hannah is seventeen and restless.", "Hannah is seventeen", 17),
        ("A squad of fifth-graders practises.", "fifth-graders", None),
        ("Une fille de onze ans rêve de danser.", "fille de onze ans", 11),
        ("Une collégienne rêve de danser.", "collégienne", None),
        ("Twelve year old Tom (12) runs away.", "Twelve year old", 12),
        ("A sixteen-year-old runs away.", "sixteen-year-old", 16),
    ],
)
def test_minor_mentioned(text: str, span: str, age: int | None) -> None:
    found = _minors(text)
    assert found, text
    first = found[0]
    assert isinstance(first.evidence, TextSpan)
    assert first.evidence.text == span
    assert text[first.evidence.start:first.evidence.end] == span
    assert first.attr("age") == age


@pytest.mark.parametrize(
    "text",
    [
        "Eleven years later, she returns home.",
        "11 years later the case reopens.",
        "In season 11, the crew travels to Mars.",
        "The team from Ocean's Eleven is back.",
        "In 1911, a ship sets sail.",
        "A 46-year-old teacher starts over.",
        "He counts to forty-eleven and laughs.",
        "Il y a onze ans, elle a quitté Paris.",
        "Une femme de 46 ans recommence sa vie.",
        "A former child star, now 40, returns to Hollywood.",
        "A children's hospital doctor fights burnout.",
        "Much ado about nothing in Messina.",
        "Apollo 11 lands. In 2019, 11 people died.",
        "The score is 12, and the crowd goes wild.",
    ],
)
def test_not_a_minor(text: str) -> None:
    assert _minors(text) == []


def test_age_words() -> None:
    assert parse_age("eleven") == 11
    assert parse_age("forty-six") == 46
    assert parse_age("forty-eleven") is None
    assert parse_age("dix-sept") == 17


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("She becomes fascinated with a twerking dance crew.", "sexualised_dance"),
        ("She starts to explore her femininity.", "sexual_awakening"),
        ("Elle découvre sa féminité.", "sexual_awakening"),
        ("A pole-dancer takes the stage.", "sexualised_dance"),
        ("He tries to seduce his neighbour.", "seduction"),
        ("A documentary about sexual abuse in sport.", "abuse_topic"),
    ],
)
def test_suggestive_lexicon(text: str, category: str) -> None:
    found = SuggestiveTextDetector(RESOURCES).scan(make_copy(text, max_bytes=10_000))
    assert category in {f.attr("category") for f in found}


def test_abuse_topic_is_not_framing() -> None:
    found = SuggestiveTextDetector(RESOURCES).scan(make_copy("Survivors of abuse speak out.",
                                                             max_bytes=10_000))
    assert found and all(f.attr("framing") is False for f in found)


def test_semantic_catches_paraphrase_near_a_minor_only_in_auto_mode() -> None:
    det = SemanticSuggestiveDetector(mode="auto", resources=RESOURCES)
    near = make_copy("Jade, 12, wants the older men at the club to notice her body.",
                     max_bytes=10_000)
    adult = make_copy("Jade wants the older men at the club to notice her body.",
                      max_bytes=10_000)
    assert det.candidates(near) and not det.candidates(adult)
    found = det.detect(Item("text", near))
    assert found and found[0].attr("source") == "semantic"
    assert SemanticSuggestiveDetector(mode="always", resources=RESOURCES).candidates(adult)
    assert not SemanticSuggestiveDetector(mode="off", resources=RESOURCES).candidates(near)


@pytest.mark.parametrize(("rating", "mature"), [("TV-MA", True), ("tv-ma", True), ("R", True),
                                                 ("NC-17", True), ("TV-14", False),
                                                 ("PG-13", False), (None, False)])
def test_mature_ratings(rating: str | None, mature: bool) -> None:
    assert is_mature(rating) is mature


def test_finding_is_frozen_and_score_checked() -> None:
    f = Finding(Label.FACE, 0.5, TextSpan(0, 1, "a", 0), "x", "1")
    with pytest.raises(AttributeError):
        f.score = 0.9  # type: ignore[misc]
    with pytest.raises(ValueError, match="score"):
        Finding(Label.FACE, 1.5, TextSpan(0, 1, "a", 0), "x", "1")


@pytest.mark.parametrize(
    ("text", "span", "age", "band", "group"),
    [
        # ages written as words inside prose
        ("A girl of twelve dreams of the stage.", "girl of twelve", 12, None, "child"),
        ("Noah, who has just turned twelve, runs away.", "who has just turned twelve", 12,
         None, "child"),
        ("À onze ans, elle danse déjà.", "À onze ans", 11, None, "child"),
        ("Una niña de once años sueña con bailar.", "niña de once años", 11, None, "child"),
        ("A los doce años, Lucía se muda a Madrid.", "A los doce años", 12, None, "child"),
        ("Die zwölfjährige Lena zieht nach Kiel.", "zwölfjährige", 12, None, "child"),
        ("Mit zwölf weiß sie schon, was sie will.", "Mit zwölf ", 12, None, "child"),
        ("Lena, zwölf Jahre alt, zieht nach Kiel.", "Lena, zwölf Jahre alt", 12, None, "child"),
        # approximate and negated ages
        ("A boy of nearly eleven builds a raft.", "boy of nearly eleven", None, "10-10",
         "child"),
        ("Barely in her teens, Mia moves to Leeds.", "Barely in her teens", None, "13-14",
         "teen"),
        ("A girl of twelve or thirteen arrives.", "girl of twelve or thirteen", None, "12-13",
         "child"),
        ("Elle n'a pas encore douze ans.", "pas encore douze ans", None, "10-11", "child"),
        ("Une enfant d'une dizaine d'années fugue.", "une dizaine d'années", None, "8-12",
         "child"),
        ("Un niño de unos diez años aparece.", "niño de unos diez años", None, "9-11", "child"),
        ("Sie ist noch keine dreizehn.", "noch keine dreizehn", None, "11-12", "child"),
        # a bare number that can only be an age: opening the sentence before the person, in
        # apposition with a qualifier, after a verb of age
        ("Not quite eleven, Tom knows every bus route.", "Not quite eleven", None, "9-10",
         "child"),
        ("Eleven and a half, Zoe wants a phone.", "Eleven and a half", 11, None, "child"),
        ("The youngest sister, barely ten, keeps a diary.", "barely ten", 10, None, "child"),
        ("Only just turned eleven, Sam gets a bike.", "turned eleven", 11, None, "child"),
        ("Ana, still shy of thirteen, moves to Lisbon.", "shy of thirteen", None, "11-12",
         "child"),
        ("Lonely at twelve, Hannah reads all summer.", "Lonely at twelve", 12, None, "child"),
        ("Seule à douze ans, Hannah lit tout l'été.", "Seule à douze ans", 12, None, "child"),
        ("Einsam mit zwölf, liest Hannah den ganzen Sommer.", "Einsam mit zwölf, ", 12, None,
         "child"),
        ("Una cría de quinto lee todo el verano.", "cría de quinto", None, "10-11", "child"),
        ("Zoé, à peine douze, garde ses frères.", "à peine douze", 12, None, "child"),
        ("Lucía, apenas doce, cuida de sus hermanos.", "apenas doce", 12, None, "child"),
        ("Lena, gerade einmal elf, hütet ihre Brüder.", "gerade einmal elf", 11, None,
         "child"),
        ("Lena, noch nicht zwölf, hütet ihre Brüder.", "noch nicht zwölf", None, "10-11",
         "child"),
        ("Mia, all of twelve, runs the stall.", "all of twelve", 12, None, "child"),
        ("Lucía tiene doce y ya trabaja en el mercado.", "Lucía tiene doce", 12, None, "child"),
        ("Lena ist elf, als ihr Vater geht.", "Lena ist elf", 11, None, "child"),
        ("Somewhere around ten, the orphan Pip reaches the manor.", "Somewhere around ten",
         None, "9-11", "child"),
        ("Fourteen and fearless, Gigi runs the stall.", "Fourteen and fearless", 14, None,
         "teen"),
        ("From the docks to the palace: at twelve, Rose meets the queen.", "at twelve", 12,
         None, "child"),
        ("Elle n'a pas tout à fait treize ans quand elle part.", "pas tout à fait treize ans",
         None, "11-12", "child"),
        ("Douze ans, un été à la mer et une bande d'amis.", "Douze ans", 12, None, "child"),
        ("Doce años, un verano en el pueblo y una pandilla.", "Doce años", 12, None, "child"),
        ("Pas encore treize et déjà capitaine de l'équipe.", "Pas encore treize", None, "11-12",
         "child"),
        ("Apenas doce, y ya cuida de sus hermanos.", "Apenas doce", 12, None, "child"),
        ("Kaum dreizehn und schon Kapitänin der Mannschaft.", "Kaum dreizehn", 13, None,
         "teen"),
        ("Lena, nicht ganz zwölf, hütet ihre Brüder.", "nicht ganz zwölf", None, "10-11",
         "child"),
        ("At the tender age of twelve, Mia joins the circus.", "At the tender age of twelve",
         12, None, "child"),
        ("Just shy of her thirteenth birthday, Mia runs away.", "her thirteenth birthday", None,
         "12-13", "child"),
        ("In her twelfth year, Mia runs away.", "her twelfth year", None, "11-12", "child"),
        ("Dans sa treizième année, Léa rejoint le cirque.", "sa treizième année", None, "12-13",
         "child"),
        ("Con sus doce años, Lucía se une al circo.", "Con sus doce años", 12, None, "child"),
        ("Mit ihren zwölf Jahren geht Lena zum Zirkus.", "Mit ihren zwölf Jahren", 12, None,
         "child"),
        ("Im zarten Alter von zwölf Jahren geht Lena zum Zirkus.",
         "Im zarten Alter von zwölf Jahren", 12, None, "child"),
        ("Zum zwölften Geburtstag bekommt Lena ein Pferd.", "Zum zwölften Geburtstag", None,
         "11-12", "child"),
        ("A choirgirl finds a lost dog.", "choirgirl", None, None, "child"),
        ("A girl who has not yet turned thirteen runs the stall.",
         "has not yet turned thirteen", None, "11-12", "child"),
        ("A twelve-and-a-half-year-old runs the stall.", "twelve-and-a-half-year-old", 12, None,
         "child"),
        ("Mia, no older than eleven, runs the stall.", "no older than eleven", None, "9-11",
         "child"),
        ("Mia, not even twelve, runs the stall.", "not even twelve", None, "10-11", "child"),
        ("A girl on the verge of adolescence runs the stall.", "on the verge of adolescence",
         None, "11-12", "child"),
        ("Lena, noch nicht einmal dreizehn, führt den Laden.", "noch nicht einmal dreizehn",
         None, "11-12", "child"),
        ("Lena, die bald dreizehn wird, führt den Laden.", "die bald dreizehn wird", None,
         "12-12", "child"),
        ("Lena wird diesen Sommer zwölf.", "Lena wird diesen Sommer zwölf", 12, None, "child"),
        ("Todavía no ha cumplido los trece y ya trabaja.",
         "Todavía no ha cumplido los trece", None, "11-12", "child"),
        # school years in each language's own system
        ("A shy fifth-grader starts a newspaper.", "fifth-grader", None, "10-11", "child"),
        ("A Year 7 pupil starts a newspaper.", "Year 7", None, "11-12", "child"),
        ("Une élève de CM2 lance un journal.", "élève de CM2", None, "10-11", "child"),
        ("Un élève de sixième lance un journal.", "élève de sixième", None, "11-12", "child"),
        ("Una alumna de primero de la ESO crea un blog.", "primero de la ESO", None, "12-13",
         "child"),
        ("Eine schüchterne Fünftklässlerin gründet eine Zeitung.", "Fünftklässlerin", None,
         "10-11", "child"),
        # child nouns beyond the first list
        ("Una colegiala resuelve un misterio.", "colegiala", None, None, "child"),
        ("Ein Grundschulkind findet einen Hund.", "Grundschulkind", None, "6-10", "child"),
        ("Eine Minderjährige verschwindet.", "Minderjährige", None, None, "minor"),
        ("A tween vlogger goes viral.", "tween", None, None, "child"),
        ("A child star loses her voice before the premiere.", "child star", None, None,
         "child"),
        ("Un pré-ado fugue de sa colonie.", "pré-ado", None, None, "child"),
        ("Una niña prodigio del ajedrez desafía a su padre.", "niña prodigio", None, None,
         "child"),
        ("Ein Knirps findet einen Hund.", "Knirps", None, None, "child"),
        ("Zwei Pubertierende fahren ans Meer.", "Pubertierende", None, None, "teen"),
    ],
)
def test_minor_reading_in_four_languages(text: str, span: str, age: int | None,
                                         band: str | None, group: str) -> None:
    found = [f for f in _minors(text) if f.score >= 0.6]
    if age is not None or band is not None:  # the age reading, not a child word beside it
        found = [f for f in found if f.attr("age") is not None or f.attr("age_band")]
    assert found, text
    first = found[0]
    assert isinstance(first.evidence, TextSpan)
    assert first.evidence.text == span
    assert text[first.evidence.start:first.evidence.end] == span
    assert (first.attr("age"), first.attr("age_band"), first.attr("group")) == (age, band, group)


@pytest.mark.parametrize(
    "text",
    [
        "A mother of two returns to her village.",
        "Una astronauta vuelve de una misión de dos años.",
        "Una condena de diez años cambia su vida.",
        "Eine Astronautin kehrt von einer zweijährigen Mission zurück.",
        "Nach zwölfjähriger Ehe trennt sich das Paar.",
        "Seit zwölf Jahren lebt sie in Berlin.",
        "Eine Kabarettistin erzählt von fünfzehn Jahren im Callcenter.",
        "Pendant près de dix ans, il a cherché sa sœur.",
        "Diez años después, vuelve al pueblo.",
        "Be kind to strangers.",
        "Ocean's Eleven returns, eleven years later.",
        "Twelve jurors, one verdict, and a single night to decide.",
        "He turned eleven pages before he found the letter.",
        "The team, only eleven strong, faces the champions.",
        "The band's new album might be seven, or it might be nine tracks long.",
        "Six, a retired spy, is called back for one more mission.",
        "Er ist elf Jahre verheiratet.",
        "Es ist elf. Der Laden schließt.",
        "Die Uhr ist elf, und niemand kommt.",
        "Der Zug ist elf Minuten zu spät.",
        "Lucía tiene doce hermanos.",
        "Cada familia tiene un secreto. Esta tiene once.",
        "La casa tiene doce habitaciones, y un jardín.",
        "Le trajet, à peine douze minutes, suffit.",
        "Die Bilanz, gerade elf Siege, enttäuscht.",
        "La racha, apenas doce partidos, termina.",
        "The shop opens at eleven, Tom says.",
        "His second year at university is hard.",
        "Her fifth summer at the lake is her last.",
        "Sa dixième année de mariage commence.",
        "Son douzième anniversaire de mariage approche.",
        "Ihr zehnter Hochzeitstag naht.",
        "The company has not yet turned a profit.",
        "The project, no older than eleven months, fails.",
        "Die Firma wird diesen Sommer zwölf.",
        "The startup, not even twelve weeks old, collapses.",
        "Dix ans, c'est long pour attendre une lettre.",
        "Diez años, después de la guerra, vuelve al pueblo.",
        "Twenty and broke, Sam moves to Los Angeles.",
        "Knapp elf Minuten dauert die Fahrt.",
    ],
)
def test_counting_years_is_not_an_age_in_any_language(text: str) -> None:
    found = [f for f in _minors(text) if f.attr("age") is not None or f.attr("age_band")]
    assert found == [], [f.evidence for f in found]
    assert not [f for f in _minors(text) if f.score >= 0.6], text


@pytest.mark.parametrize("text", [
    "Una familia de pingüinos cría a un polluelo que prefiere volar.",
    "En Sevilla, un hombre cría corderos.",
    "Periodistas siguen la pista de un escándalo de bebés robados.",
    "The Youth Orchestra of Leeds tours Europe.",
    "A minor character steals the show.",
    "Romance blossoms at a party thrown for a mob boss's newborn.",
])
def test_words_that_do_not_name_a_child_here(text: str) -> None:
    """Words left off the list on purpose: "cría" (raises; a young animal), "bebés" (the
    babies of a documentary, never framed; no baby word is listed), "youth", "minor" (a minor
    character)."""
    assert not [f for f in _minors(text) if f.score >= 0.6], text


def test_plural_possessives_and_weak_words() -> None:
    assert _minors("Kids' TV presenters go on strike.") == []
    weak = _minors("Boy meets girl in Lisbon.")
    assert weak and all(f.score == 0.55 and f.attr("group") == "minor" for f in weak)
