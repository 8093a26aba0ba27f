"""Reading ages in copy: English, French, Spanish and German.

:func:`read_ages` finds every age a piece of copy states or implies, in its clean view (NFKC,
invisible characters removed, look-alike letters folded, digits kept as digits), as
:class:`AgeReading` values with offsets into that view:

* **exact** ages — ``age`` is an integer: "Eleven-year-old Amy", "a girl of twelve", "aged 11",
  "Amy, 11,", "who has just turned twelve", "une fille de onze ans", "à onze ans", "una niña de
  once años", "a los once años", "die zwölfjährige Lena", "mit zwölf Jahren";
* **approximate or negated** ages — ``age`` is None and ``band`` the plausible range
  ("about ten" 9–11, "not yet thirteen" 11–12, "nearly eleven" 10–11, "in her early teens" 13–15,
  "une dizaine d'années" 8–12, "pas encore douze ans", "unos diez años", "noch keine dreizehn");
* **school years** in each language's own system — ``band`` from the year: US grades
  ("sixth-grader", "in seventh grade": grade + 5 to + 6), UK years ("Year 6 pupil": year + 4 to
  + 5), French classes (CP 6–7 … CM2 10–11, sixième 11–12 … terminale 17–18), Spanish cursos
  (quinto de primaria 10–11, primero de la ESO 12–13), German Klassen ("Fünftklässlerin",
  "in der fünften Klasse": class + 5 to + 6).

Counting years is not an age: "11 years later", "season 11", "Ocean's Eleven", "in 1911", "il y a
onze ans", "una condena de diez años", "seit zwölf Jahren" and "forty-eleven" produce nothing,
because every form needs an age word or a person: "-year-old", "aged", a person noun before "de NUM
ans", "Jahre alt", "-jährig", a name and a comma, a grade word. Adult ages are read too (an adult
in the sentence changes how its child words read) and reported with ``is_adult``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

ADULT_AGE = 18

_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
             "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
             "eighteen", "nineteen"]
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
            "eighty": 80, "ninety": 90}
_FR = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
       "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
       "quinze": 15, "seize": 16, "dix-sept": 17, "dix-huit": 18, "dix-neuf": 19, "vingt": 20,
       "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
_ES = {"un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
       "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
       "catorce": 14, "quince": 15, "dieciséis": 16, "dieciseis": 16, "diecisiete": 17,
       "dieciocho": 18, "diecinueve": 19, "veinte": 20, "treinta": 30, "cuarenta": 40,
       "cincuenta": 50, "sesenta": 60}
_DE = {"ein": 1, "eins": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
       "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "dreizehn": 13,
       "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18,
       "neunzehn": 19, "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "sechzig": 60}


def _alt(words: dict[str, int] | list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_EN_NUM = (r"(?:\d{1,3}|(?:(?:" + _alt(list(_EN_TENS)) + r")[\s-])?(?:" + _alt(_EN_UNITS[1:])
           + r")|" + _alt(list(_EN_TENS)) + ")")
_FR_NUM = (r"(?:\d{1,3}|(?:vingt|trente|quarante|cinquante|soixante)(?:[\s-]et[\s-]un|-\w+)?|"
           + _alt(_FR) + ")")
_ES_NUM = r"(?:\d{1,3}|(?:treinta|cuarenta|cincuenta|sesenta)(?:\s+y\s+\w+)?|veinti\w+|" \
          + _alt(_ES) + ")"
_DE_NUM = r"(?:\d{1,3}|\w*(?:zig|ßig)|" + _alt(_DE) + ")"

_ORD_EN = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
           "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
           "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8,
           "9th": 9, "10th": 10, "11th": 11, "12th": 12}
_ORD_ES = {"primero": 1, "primer": 1, "1º": 1, "1.º": 1, "segundo": 2, "2º": 2, "2.º": 2,
           "tercero": 3, "tercer": 3, "3º": 3, "3.º": 3, "cuarto": 4, "4º": 4, "4.º": 4,
           "quinto": 5, "5º": 5, "5.º": 5, "sexto": 6, "6º": 6, "6.º": 6}
_ORD_DE = {"erst": 1, "zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "sechst": 6, "siebt": 7,
           "acht": 8, "neunt": 9, "zehnt": 10}
_DE_KLASSE = {"ersten": 1, "zweiten": 2, "dritten": 3, "vierten": 4, "fünften": 5, "sechsten": 6,
              "siebten": 7, "achten": 8, "neunten": 9, "zehnten": 10, "erste": 1, "zweite": 2,
              "dritte": 3, "vierte": 4, "fünfte": 5, "sechste": 6, "siebte": 7, "achte": 8,
              "neunte": 9, "zehnte": 10}
#: Ordinal words of an age (her twelfth birthday, sa treizième année, im zwölften Lebensjahr).
_ORD_EN_AGES = {**{w: n for w, n in _ORD_EN.items() if w.isalpha()}, "thirteenth": 13,
                "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17}
_ORD_FR_AGES = {"huitième": 8, "neuvième": 9, "dixième": 10, "onzième": 11, "douzième": 12,
                "treizième": 13, "quatorzième": 14, "quinzième": 15, "seizième": 16,
                "dix-septième": 17}
_ORD_DE_AGES = {**_ORD_DE, "elft": 11, "zwölft": 12, "dreizehnt": 13, "vierzehnt": 14,
                "fünfzehnt": 15, "sechzehnt": 16, "siebzehnt": 17}
_ORD_AGE = {**_ORD_EN_AGES, **_ORD_FR_AGES, **_ORD_DE_AGES}
_FR_CLASSES = {"cp": 6, "ce1": 7, "ce2": 8, "cm1": 9, "cm2": 10, "sixième": 11, "6e": 11,
               "6ème": 11, "cinquième": 12, "5e": 12, "5ème": 12, "quatrième": 13, "4e": 13,
               "4ème": 13, "troisième": 14, "3e": 14, "3ème": 14, "seconde": 15,
               "première": 16, "terminale": 17}


def parse_number(word: str) -> int | None:
    """The value of a number written in digits or in words (EN, FR, ES, DE), or None."""
    w = word.lower().replace("\u2011", "-").strip()
    if w.isdigit():
        return int(w)
    for table in (_FR, _ES, _DE):
        if w in table:
            return table[w]
    if w in _EN_TENS:
        return _EN_TENS[w]
    if w in _EN_UNITS:
        return _EN_UNITS.index(w)
    parts = re.split(r"[\s-]+", w)
    if len(parts) == 2 and parts[0] in _EN_TENS and parts[1] in _EN_UNITS[1:10]:
        return _EN_TENS[parts[0]] + _EN_UNITS.index(parts[1])
    if re.match(r"^(?:vingt|trente|quarante|cinquante|soixante)", w) or \
            re.match(r"^(?:veinti|treinta|cuarenta|cincuenta|sesenta)", w) or \
            re.search(r"(?:zig|ßig)$", w):
        return 20 if w.startswith(("vingt", "veinti", "zwanzig")) else 30  # an adult: enough
    return None  # "forty-eleven" is not a number


@dataclass(frozen=True, slots=True)
class AgeReading:
    """An age found in copy: offsets into the clean view, and what it says."""

    start: int
    end: int
    age: int | None
    band: tuple[int, int] | None
    form: str  # exact | approximate | school_year

    @property
    def low(self) -> int:
        return self.age if self.age is not None else (self.band[0] if self.band else 0)

    @property
    def high(self) -> int:
        return self.age if self.age is not None else (self.band[1] if self.band else 0)

    @property
    def is_adult(self) -> bool:
        return self.low >= ADULT_AGE


@dataclass(frozen=True, slots=True)
class _Form:
    pattern: re.Pattern[str]
    kind: str  # exact, approx:<how>, grade:<system>
    langs: frozenset[str]


_APPROX_EN = r"(?:somewhere\s+(?:around|about|near)|about|around|roughly|some|nearly|" \
             r"almost|not\s+yet|not\s+quite|not\s+even|no\s+older\s+than|barely|just|only|" \
             r"under|just\s+under|scarcely|hardly)"
_APPROX_FR = r"(?:presque|bientôt|pas\s+encore|pas\s+tout\s+à\s+fait|pas\s+même|à\s+peine|" \
             r"tout\s+juste|environ|même\s+pas|moins\s+de|seulement|juste)"
_APPROX_ES = r"(?:unos|unas|casi|apenas|todavía\s+no|aún\s+no|ni\s+siquiera|menos\s+de|" \
             r"alrededor\s+de|solo|sólo|recién)"
_APPROX_DE = r"(?:etwa|ungefähr|rund|fast|beinahe|knapp|kaum|noch\s+keine|" \
             r"noch\s+nicht\s+(?:ganz|einmal|mal)|noch\s+nicht|nicht\s+ganz|" \
             r"gerade\s+erst|gerade\s+(?:ein)?mal|erst|nur|unter)"

_EN_PERSON = (r"girl|girls|boy|boys|child|children|kid|kids|daughter|son|sister|brother|niece|"
              r"nephew|orphan|pupil|schoolgirl|schoolboy|twins|heroine|hero|youngster|tomboy|"
              r"dancer|gymnast|skater|singer|model|star|actor|actress|woman|man")
_FR_PERSON = (r"âgée?s?|fille|filles|fillette|garçon|garçons|enfant|enfants|gamine?|gamins|môme|"
              r"gosse|écolière|écolier|élève|sœur|soeur|frère|fils|héroïne|héros|amie?|cousine?|"
              r"nièce|neveu|orpheline?|petite?|cadette?|benjamine?|adolescente?|ado|jumelles|"
              r"jumeaux|collégienne|collégien|lycéenne|lycéen|danseuse|gymnaste|chanteuse|"
              r"mannequin|actrice|femme|homme|mère|père|veuve|veuf|épouse|mari|professeur|"
              r"(?!carrière|frontière|lumière|bonheur|malheur|honneur|instant|pendant|durant|avant|"
              r"maintenant|cependant|devant|suivant|intérieur|extérieur|moteur|secteur|auteur)"
              r"\w+(?:euse|trice|ienne|ien|eur|iste|ante|ant)")
_ES_PERSON = (r"niña|niño|niñas|niños|chica|chico|cría|crío|chaval|chavala|chiquilla|chiquillo|"
              r"hija|hijo|hermana|hermano|alumna|alumno|escolar|colegiala|colegial|muchacha|"
              r"muchacho|nieta|nieto|sobrina|sobrino|huérfana|huérfano|adolescente|menor|"
              r"bailarina|gimnasta|cantante|modelo|actriz|mujer|hombre|madre|padre|viuda|viudo|"
              r"esposa|marido|asmático|asmática|pequeña|pequeño|gemelas|gemelos|"
              r"(?!carrera|espera|frontera|primavera|guerra|condena|tierra|cantera|bandera|"
              r"trayectoria|historia|pista|durante|antes|delante|bastante|restaurante|mientras|"
              r"entero|primero|tercero|dinero|mundo)\w+(?:ora|ista|ante|ero|era)")
_DE_PERSON = (r"Mädchen|Junge|Jungen|Kind|Kinder|Tochter|Sohn|Schwester|Bruder|Nichte|Neffe|"
              r"Schülerin|Schüler|Waise|Tänzerin|Turnerin|Sängerin|Model|Frau|Mann|Mutter|Vater|"
              r"Witwe|Lehrer|Lehrerin")

def _apposition(approx: str, num: str, lead: str = "") -> str:
    """A qualified bare number set off by commas (", à peine douze,"): the pattern of one
    language's qualifiers and number words."""
    return rf"(?<=, ){lead}(?P<approx>{approx})\s+(?P<num>{num})(?=\s*[,;—–)])"


#: A capitalised word that is a name, not a noun (German capitalises both): no article or
#: possessive before it, and not "Es", "Das" or "Dies".
_DE_NAME = (r"(?<![Dd]er )(?<![Dd]ie )(?<![Dd]as )(?<![Dd]en )(?<![Dd]em )(?<![Ee]in )"
            r"(?<![Ee]ine )(?<!ihr )(?<!ihre )(?<!sein )(?<!seine )(?<!mein )(?<!meine )"
            r"\b(?!(?:Es|Das|Dies|Dieser|Diese|Jetzt|Heute|Nun)\b)[A-ZÄÖÜ][a-zäöüß]+")

#: The same in Spanish: no article or possessive before it, not a demonstrative.
_ES_NAME = (r"(?<![Ll]a )(?<![Ee]l )(?<![Uu]na )(?<![Uu]n )(?<![Ss]u )(?<![Mm]i )(?<![Tt]u )"
            r"\b(?!(?:Esta|Este|Esto|Esa|Ese|Eso|Aquella|Aquel|Cada|Nadie|Alguien|Ahora|Hoy)\b)"
            r"[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+")

_FORMS: tuple[_Form, ...] = tuple(
    _Form(re.compile(p, f), k, frozenset(langs.split())) for p, f, k, langs in (
        # --- any language: a name, a comma and an age ("Amy, 11,", "Amy, 11 ans", "Amy (11)")
        (r"\b(?P<name>[A-ZÀ-Þ][\w’'-]+)(?:,\s+(?:de\s+)?(?P<num>\d{1,2}|(?i:" + _EN_NUM[3:-1] + "|"
         + _alt(_FR) + "|" + _alt(_ES) + "|" + _alt(_DE) + r"))"
         r"(?:\s+(?:ans|años|Jahre(?:\s+alt)?)\b|(?=\s*(?:,|;|:|\.|\)|—|–)))"
         r"|\s+\((?P<num2>\d{1,2})(?:\s+(?:ans|años|Jahre))?\))", 0, "apposition", "en fr es de"),
        # --- English ------------------------------------------------------------------------
        (rf"(?<![\w-])(?:(?P<approx>{_APPROX_EN})\s+)?(?P<num>{_EN_NUM})(?:[\s-]+and[\s-]+a[\s-]+half)?[\s-]+years?[\s-]+olds?\b",
         re.I, "exact", "en"),
        (rf"(?<![\w-])aged?\s+(?:(?P<approx>{_APPROX_EN})\s+)?(?P<num>{_EN_NUM})\b"
         r"(?![\s-]+(?:years?\s+(?:later|ago|on)|%|percent))", re.I, "exact", "en"),
        (rf"\b(?:{_EN_PERSON})\s+of\s+(?:(?P<approx>{_APPROX_EN})\s+)?(?P<num>{_EN_NUM})"
         r"(?:\s+(?:or|to)\s+(?P<num_hi>" + _EN_NUM + r"))?\b(?!\s*(?:%|years?\s+(?:later|ago)|"
         r"minutes|hours|days|weeks|months|miles|people|men|women|children|kids|others|them|us|"
         r"the|his|her|their|our|worlds|minds|parts|sides|faces|names|words|hearts|kinds|"
         r"siblings|brothers|sisters|sons|daughters))", re.I, "exact", "en"),
        (rf"(?:\b(?i:she|he|who)|\b[A-Z][a-z]+)(?:['’]s|\s+is|\s+was|\s+turns|\s+turned|"
         r"\s+has\s+(?i:just\s+)?turned|\s+had\s+(?i:just\s+)?turned|\s+is\s+about\s+to\s+turn)\s+"
         rf"(?:(?P<approx>(?i:{_APPROX_EN}))\s+)?(?P<num>{_EN_NUM})"
         r"(?=\s*(?:[,.;:!?)—–]|$)|\s+(?i:and|but|when|as|going|years?\s+old|or)\b)",
         0, "exact", "en"),
        (rf"\bat\s+(?:the\s+(?:tender\s+|young\s+|early\s+)?age\s+of\s+|(?P<approx>{_APPROX_EN})"
         rf"\s+)(?P<num>{_EN_NUM})\b", re.I, "exact", "en"),
        # an ordinal age: "her twelfth birthday", "in her twelfth year," (not "her second year
        # at university": a year or a summer ends its clause)
        (rf"\b(?:her|his|their)\s+(?P<ordw>{_alt(_ORD_EN_AGES)})\s+(?:birthday\b|(?:year|summer)"
         r"(?=\s*[,.;:!?)—–]))", re.I, "ordinal", "en"),
        (rf"(?:^|[.!?]\s+|(?<=[:—–] ))(?:[a-z]+\s+)?at\s+(?P<num>{_EN_NUM})(?=\s*,)", re.I,
         "exact", "en"),
        # a bare number word that can only be an age: opening the sentence before the person
        # ("Not quite eleven, Tom ...", "Eleven and a half, Zoe ...", "At ten or eleven, Omar"),
        # in apposition with a qualifier (", barely ten,"), or after a verb of age ("turned
        # eleven,", "won't be thirteen until", "shy of thirteen")
        (rf"(?:^|[.!?]\s+|(?<=[:—–] ))(?:(?i:at)\s+)?(?:(?P<approx>(?i:{_APPROX_EN}))\s+)?"
         rf"(?P<num>(?i:{_EN_NUM}))(?:\s+(?i:and\s+a\s+half)|\s+(?i:or)\s+(?P<num_hi>"
         rf"(?i:{_EN_NUM}))|\s+and\s+[a-z]+(?:\s+[a-z]+)?)?"
         r"(?=,\s+(?:(?:(?i:little|young)|(?i:the)\s+[a-z]+)\s+)?(?:[A-Z][a-z]+\b|(?i:she|he)\b))",
         0, "bare", "en"),
        (rf"(?<=, )(?P<approx>{_APPROX_EN}|still|already|newly|all\s+of)\s+(?P<num>{_EN_NUM})"
         r"(?:\s+and\s+a\s+half)?(?=\s*[,;—–)])", re.I, "bare", "en"),
        (rf"\b(?:turn(?:s|ed|ing)?|(?:will|would|to|soon)\s+be|(?P<notyet>(?:won['’]t|"
         rf"wouldn['’]t)\s+be|shy\s+of|short\s+of))\s+(?:(?P<approx>{_APPROX_EN})\s+)?"
         rf"(?P<num>{_EN_NUM})(?=\s*[,.;:!?)—–]|\s+(?:and|but|when|until|next|this|soon|or|"
         r"that|in\s+(?:the\s+)?(?:spring|summer|autumn|fall|winter|a\s+few)))", re.I, "bare",
         "en"),
        (rf"\b(?P<notyet>(?:has|had)\s+not\s+(?:yet\s+)?turned|(?:hasn|hadn)['’]t\s+(?:yet\s+)?"
         rf"turned|not\s+yet\s+turned)\s+(?P<num>{_EN_NUM})\b", re.I, "bare", "en"),
        # on the verge of adolescence, in four languages: the years before the teens
        (r"\b(?:on\s+the\s+(?:verge|cusp|brink|threshold)\s+of\s+(?:adolescence|puberty|"
         r"(?:her|his|their)\s+teens)|au\s+seuil\s+de\s+l['’]adolescence|à\s+l['’]aube\s+de\s+"
         r"l['’]adolescence|a\s+las\s+puertas\s+de\s+la\s+adolescencia|an\s+der\s+Schwelle\s+zur\s+"
         r"(?:Pubertät|Jugend))\b", re.I, "approx:verge", "en fr es de"),
        (r"\b(?:(?P<early>early|mid-?|barely\s+(?:in\s+)?(?:her|his|their))\s*teens|"
         r"barely\s+a\s+teenager|(?P<notyet>not\s+yet\s+(?:a\s+)?(?:teen|teenager|in\s+(?:her|his|"
         r"their)\s+teens)))\b", re.I, "approx:teens", "en"),
        (rf"\bgoing\s+on\s+(?P<num>{_EN_NUM})\b(?!\s+(?:years?|months?|days?|weeks?|hours?|"
         r"minutes?|percent|%|times?|people|men|women|of)\b)", re.I, "approx:going_on", "en"),
        (r"(?<![\w-])(?P<num>\d{1,2})\s?(?:yo|y\.o\.|y/o)(?!\w)", re.I, "exact", "en"),
        (r"\b(?P<school>(?:still|barely|only\s+just|just)\s+(?:in|out\s+of)\s+(?:primary|elementary)"
         r"|(?:in|at|starts?|starting|started|entering|finishing|leaving)\s+(?:middle|primary|"
         r"elementary|secondary)|middle)[\s-]school\b(?![\s-]+(?:teachers?|principal|"
         r"headteacher|reunion|sweethearts?|friends?\s+(?:now|turned)))"
         r"|\b(?P<form>sixth[\s-]form)(?:er|ers)?\b|\bfreshman\s+(?:year\s+)?(?:in|at)\s+high\s+school\b",
         re.I, "grade:phrase", "en"),
        (r"\b(?P<ord>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
         r"twelfth|1st|2nd|3rd|[4-9]th|1[0-2]th)[\s-]+grad(?:er|ers|e)\b", re.I, "grade:us", "en"),
        (r"\b(?:in|into|starts|starting|entering|finishing)\s+(?:the\s+)?(?P<ord>first|second|third|"
         r"fourth|fifth|sixth|seventh|eighth|ninth|tenth|1st|2nd|3rd|[4-9]th|10th)\s+grade\b",
         re.I, "grade:us", "en"),
        (r"\bYear\s+(?P<num>[1-9]|1[0-3])\b(?=\s+(?:pupil|pupils|student|students|girl|girls|boy|"
         r"boys|class|classmates?)|[,.;:]|\s+at\b)|\b(?:in|into|starts|starting)\s+Year\s+"
         r"(?P<num2>[1-9]|1[0-3])\b", 0, "grade:uk", "en"),
        (r"\b(?:primary[\s-]school(?:er|ers)?|elementary[\s-]school(?:er|ers)?)\s+"
         r"(?:pupil|pupils|student|students|girl|girls|boy|boys|kid|kids|child|children)\b|"
         r"\blast\s+year\s+of\s+primary\s+school\b|\bkindergart(?:e|n)ers?\b",
         re.I, "grade:primary", "en"),
        # --- French -------------------------------------------------------------------------
        (rf"\b(?:{_FR_PERSON})(?:\s+[\w’'-]+){{0,2}}?\s+(?:de|d['’])\s*(?:(?P<approx>{_APPROX_FR})"
         rf"\s+)?(?P<num>{_FR_NUM})(?:\s+(?:ou|à)\s+(?P<num_hi>{_FR_NUM}))?\s+ans\b", re.I, "exact",
         "fr"),
        (r"\b(?:entre|entrée|entrer|rentre)\s+(?:au|en)\s+(?P<school>collège|sixième|6e)\b", re.I,
         "grade:phrase", "fr"),
        (rf"(?:(?<!y )\b(?:elle|il|qui)\s+(?:a|avait|aura|vient\s+d['’]avoir|va\s+avoir|fête|"
         r"fêtera)|\b[A-ZÀ-Þ][\w’'-]+\s+a|(?:^|[.,;:—]\s*)(?:[A-ZÀ-Þ][\w’'-]+\s+)?(?i:à)|\b(?i:ses|leurs)|"
         r"d['’]avoir|\bà\s+(?:l['’]âge\s+de|peine|tout\s+juste|seulement|même\s+pas))"
         rf"\s+(?:(?P<approx>(?i:{_APPROX_FR}))\s+)?(?P<num>(?i:{_FR_NUM}))\s+(?i:ans)\b",
         0, "exact", "fr"),
        (rf"\b(?P<approx>{_APPROX_FR})\s+(?P<num>{_FR_NUM})\s+ans\b", re.I, "exact", "fr"),
        (r"\bune\s+(?P<dizaine>dizaine|douzaine|quinzaine)\s+d['’]années\b", re.I,
         "approx:dizaine", "fr"),
        (r"(?i:\b(?:élève|écolière|écolier|collégienne|collégien|lycéenne|lycéen|classe|entre|"
         r"entrée|rentrée|passe)\s+(?:de|en)\s+(?P<cls>sixième|cinquième|quatrième|troisième|"
         r"seconde|première|terminale|CP|CE1|CE2|CM1|CM2|6e|5e|4e|3e|6ème|5ème|4ème|3ème)\b"
         r"|\ben\s+(?P<cls2>sixième|cinquième|CM1|CM2|CE1|CE2|6e|5e|6ème|5ème)\b)"
         r"|\b(?P<cls3>CP|CE1|CE2|CM1|CM2)\b", 0, "grade:fr", "fr"),
        # --- Spanish ------------------------------------------------------------------------
        (rf"\b(?:{_ES_PERSON})(?:\s+[\w’'-]+){{0,2}}?\s+de\s+(?:(?P<approx>{_APPROX_ES})\s+)?"
         rf"(?P<num>{_ES_NUM})\s+años\b", re.I, "exact", "es"),
        (rf"(?:\b(?:tiene|tenía|tendrá|cumple|cumplió|cumplir|a\s+los|con)|,\s*de)\s+"
         rf"(?:(?P<approx>{_APPROX_ES})\s+)?(?P<num>{_ES_NUM})\s+años\b", re.I, "exact", "es"),
        (rf"\b(?:acaba\s+de\s+cumplir|a\s+punto\s+de\s+cumplir|(?P<notyet>todavía\s+no|aún\s+no)\s+"
         rf"(?:ha\s+)?cumpl\w+|cumple|cumplió|cumplidos|recién\s+cumplidos)\s+(?:los\s+)?"
         rf"(?P<num>{_ES_NUM})\b", re.I, "exact", "es"),
        (rf"\b(?P<approx>{_APPROX_ES})\s+(?P<num>{_ES_NUM})\s+años\b", re.I, "exact", "es"),
        (rf"\ba\s+sus\s+(?:(?P<approx>{_APPROX_ES})\s+)?(?P<num>{_ES_NUM})\s+años\b", re.I, "exact",
         "es"),
        (r"\b(?:chic[oa]s?|alumn[oa]s?|estudiantes?)\s+de\s+(?P<school>instituto)\b", re.I,
         "grade:phrase", "es"),
        (r"\b(?P<ord>primero|primer|segundo|tercero|tercer|cuarto|quinto|sexto|[1-6]\.?º)\s+de\s+"
         r"(?P<sys>primaria|(?:la\s+)?ESO|bachillerato|secundaria)\b"
         r"|\b(?:alumn[oa]s?|estudiantes?|escolar(?:es)?|colegial[a]?|niñ[oa]s?|crí[oa]s?|"
         r"chic[oa]s?|clase)"
         r"(?:\s+\w+)?\s+de\s+"
         r"(?P<ord2>primero|segundo|tercero|cuarto|quinto|sexto)\b"
         r"(?!\s+de\s+(?:la\s+)?(?:ESO|secundaria|bachillerato))", re.I, "grade:es", "es"),
        # --- German -------------------------------------------------------------------------
        (rf"(?<![\w-])(?<!nach )(?:(?P<approx>{_APPROX_DE})\s+)?(?P<num>{_DE_NUM})"
         r"[\s-]?jährig\w*(?!\w)(?!\s+(?:Haft\w*|\w*[Ss]trafe|Ehe|Beziehung|Krieg|Pause|Jubiläum|Abwesenheit|Karriere|"
         r"Geschichte|Freundschaft|Tradition|Herrschaft|Zusammenarbeit|Suche|Reise|Arbeit|Dienst\w*|"
         r"Amtszeit|Abstinenz|Bestehen|Erfahrung|Forschung|Planung|Streit|Fehde|Tätigkeit|Odyssee|"
         r"Flucht|Exil|Schweigen|Trennung|\w*(?:ung|ion|heit|keit|schaft|tät|zeit|ehe|reise|"
         r"pause|arbeit|krieg|jubiläum|karriere|geschichte|tradition|suche|vertrag|projekt|"
         r"programm|studie|ausbildung|lehre|kampf|fahrt)\b))", re.I, "exact", "de"),
        (rf"(?:^|[.!?:]\s+)(?:[A-ZÄÖÜ]\w+\s+(?=mit))?(?i:mit)\s+(?:(?P<approx>{_APPROX_DE})\s+)?(?P<num>(?i:{_DE_NUM}))"
         r"(?:\s+Jahren)?,?\s+(?=[a-zäöü])", 0, "exact", "de"),
        (rf"(?:\b(?:{_DE_PERSON})\s+(?:von|mit)\s+|\bmit\s+|,\s*)"
         rf"(?:(?P<approx>{_APPROX_DE})\s+)?(?P<num>{_DE_NUM})\s+Jahren?(?:\s+alt)?\b", re.I,
         "exact", "de"),
        # "(ist) elf Jahre alt", not "ist elf Jahre verheiratet"
        (rf"\b(?:(?P<approx>{_APPROX_DE})\s+)?(?P<num>{_DE_NUM})\s+Jahre\s+alt\b", re.I, "exact",
         "de"),
        (rf"\b(?:in\s+dem|als|bevor|wenn)\s+(?:sie|er)\s+(?P<num>{_DE_NUM})\s+wird\b", re.I,
         "exact", "de"),
        (rf"\b(?:die|der|sie|er)\s+(?P<approx>bald)\s+(?P<num>{_DE_NUM})\s+wird\b", re.I, "exact",
         "de"),
        (rf"(?:\b(?i:sie|er)|{_DE_NAME})\s+(?i:wird)\s+(?i:diesen|nächsten|im)\s+(?i:Sommer|"
         rf"Winter|Herbst|Frühling|Monat|Jahr|Mai|Juni|Juli|August)\s+(?P<num>(?i:{_DE_NUM}))"
         r"(?=\s*[,.;:!?)—–]|\s+(?i:und|aber)\b)", 0, "bare", "de"),
        (rf"\b(?:gerade|eben|soeben)\s+(?P<num>{_DE_NUM})\s+geworden\b|\b(?P<notyet>noch\s+keine)\s+"
         rf"(?P<num2>{_DE_NUM})\b", re.I, "exact", "de"),
        (r"\b(?P<ord>Erst|Zweit|Dritt|Viert|Fünft|Sechst|Siebt|Acht|Neunt|Zehnt)kläss?ler(?:in|"
         r"innen|n)?\b|\b(?:in\s+der\s+|die\s+)?(?P<ord2>ersten|zweiten|dritten|vierten|fünften|"
         r"sechsten|siebten|achten|neunten|zehnten|erste|zweite|dritte|vierte|fünfte|sechste|"
         r"siebte|achte|neunte|zehnte)\s+Klasse\b|\b(?P<num>[1-9]|10)\.\s*Klasse\b"
         r"|\b(?P<gs>Grundschüler(?:in|innen)?|Grundschuljahr\w*|Grundschulkind\w*)\b",
         re.I, "grade:de", "de"),
        # a bare number word in apposition with a qualifier (", à peine douze,", ", apenas
        # doce,", ", gerade einmal elf,") or after a verb of age with someone before it ("Lucía
        # tiene doce.", "Lena ist elf."), the number ending its clause (never "doce hermanos")
        (_apposition(_APPROX_FR, _FR_NUM), re.I, "bare", "fr"),
        (_apposition(_APPROX_ES, _ES_NUM, r"(?:con\s+)?"), re.I, "bare", "es"),
        (_apposition(_APPROX_DE, _DE_NUM), re.I, "bare", "de"),
        (rf"(?:\b(?i:ella|él|quien)|{_ES_NAME})\s+(?i:tiene|tenía|cumple|"
         rf"cumplió)\s+(?:(?P<approx>(?i:{_APPROX_ES}))\s+)?(?P<num>(?i:{_ES_NUM}))"
         r"(?=\s*(?:[,.;:!?)—–]|$)|\s+(?i:y|pero|cuando|y\s+medio)\b)", 0, "bare", "es"),
        (rf"(?:\b(?i:sie|er)|{_DE_NAME})\s+(?i:ist|war|wird)\s+"
         rf"(?:(?P<approx>(?i:{_APPROX_DE}))\s+)?(?P<num>(?i:{_DE_NUM}))"
         r"(?=\s*(?:[,.;:!?)—–]|$)|\s+(?i:und|aber|als)\b)", 0, "bare", "de"),
        (rf"\b(?:sa|son)\s+(?P<ordw>{_alt(_ORD_FR_AGES)})\s+(?:anniversaire\b(?!\s+de\s)|(?:année|été)"
         r"(?=\s*[,.;:!?)—–]))", re.I, "ordinal", "fr"),
        (rf"\b(?:ihre[mnrs]?|seine[mnrs]?|im|zum|dem)\s+(?P<ordw>{_alt(_ORD_DE_AGES)})(?:e|en|er|es)\s+"
         r"(?:Geburtstag|Lebensjahr)\b", re.I, "ordinal", "de"),
        (rf"\bcon\s+sus\s+(?:(?P<approx>{_APPROX_ES})\s+)?(?P<num>{_ES_NUM})\s+años\b", re.I,
         "exact", "es"),
        (rf"\b(?:mit\s+(?:ihren|seinen)|im\s+(?:zarten\s+|jungen\s+)?Alter\s+von)\s+"
         rf"(?:(?P<approx>{_APPROX_DE})\s+)?(?P<num>{_DE_NUM})(?:\s+Jahren)?\b", re.I, "exact",
         "de"),
        (rf"(?:^|[.!?:]\s+)(?P<num>{_FR_NUM})\s+ans(?:\s+et\b|(?=\s*,(?!\s*(?:c['’]est|ça|cela|"
         r"déjà|plus\s+tard|après|que|qu['’]|de\s|d['’]|pour|il\s+y\s+a))))", re.I, "exact", "fr"),
        (rf"(?:^|[.!?:]\s+)(?P<num>{_ES_NUM})\s+años(?:\s+y\b|(?=\s*,(?!\s*(?:después|más\s+tarde|"
         r"que|de\s|para|hace|es\s|son\s|eso))))", re.I, "exact", "es"),
        (rf"(?:^|[.!?:]\s+)(?P<approx>{_APPROX_FR})\s+(?P<num>{_FR_NUM})(?=\s*,|\s+et\b)",
         re.I, "bare", "fr"),
        (rf"(?:^|[.!?:]\s+)(?P<approx>{_APPROX_ES})\s+(?P<num>{_ES_NUM})(?=\s*,|\s+y\b)",
         re.I, "bare", "es"),
        (rf"(?:^|[.!?:]\s+)(?P<approx>{_APPROX_DE})\s+(?P<num>{_DE_NUM})(?=\s*,|\s+und\b)",
         re.I, "bare", "de"),
        (rf"(?:^|[.!?:]\s+)(?P<num>{_DE_NUM})\s+Jahre\s+und\b", re.I, "exact", "de"),
    )
)


def _band_for_approx(how: str, n: int) -> tuple[int | None, tuple[int, int] | None]:
    h = re.sub(r"\s+", " ", how.lower())
    if h.startswith("somewhere ") or h in ("about", "around", "roughly", "some", "environ",
                                           "unos", "unas", "alrededor de", "etwa", "ungefähr",
                                           "rund"):
        return None, (max(1, n - 1), n + 1)
    if h == "no older than":
        return None, (max(1, n - 2), n)
    if h in ("nearly", "almost", "presque", "bientôt", "casi", "fast", "beinahe", "knapp",
             "bald"):
        return None, (max(1, n - 1), n - 1 if n > 1 else n)
    if h in ("not yet", "not quite", "under", "just under", "pas encore", "même pas",
             "pas tout à fait", "nicht ganz", "not even", "pas même", "noch nicht einmal",
             "noch nicht mal", "noch nicht ganz",
             "moins de", "todavía no", "aún no", "ni siquiera", "menos de", "noch keine",
             "noch nicht", "unter"):
        return None, (max(1, n - 2), max(1, n - 1))
    return n, None  # barely, just, only, à peine, tout juste, apenas, kaum, erst: that age


def _reading(m: re.Match[str], kind: str) -> AgeReading | None:
    g = m.groupdict()
    if kind.startswith("grade:"):
        return _grade(m, kind[6:], g)
    if kind == "approx:teens":
        if g.get("notyet"):
            return AgeReading(m.start(), m.end(), None, (10, 12), "approximate")
        early = (g.get("early") or "").lower()
        band = (13, 15) if early.startswith("early") else (14, 16) if early.startswith("mid") \
            else (13, 14)
        return AgeReading(m.start(), m.end(), None, band, "approximate")
    if kind == "approx:verge":
        return AgeReading(m.start(), m.end(), None, (11, 12), "approximate")
    if kind == "approx:going_on":
        n = parse_number(g.get("num") or "")
        if n is None or not 1 < n < ADULT_AGE:
            return None
        return AgeReading(m.start(), m.end(), None, (n - 1, n - 1), "approximate")
    if kind == "ordinal":  # in one's Nth year or near one's Nth birthday: N-1 to N
        n = _ORD_AGE.get((g.get("ordw") or "").lower())
        if n is None or not 5 <= n < ADULT_AGE:
            return None
        return AgeReading(m.start(), m.end(), None, (n - 1, n), "approximate")
    if kind == "approx:dizaine":
        band = {"dizaine": (8, 12), "douzaine": (11, 13), "quinzaine": (14, 16)}[
            g["dizaine"].lower()]
        return AgeReading(m.start(), m.end(), None, band, "approximate")
    word = g.get("num") or g.get("num2")
    if not word:
        return None
    n = parse_number(word)
    if n is None or n < 1 or n > 120:
        return None
    if kind == "bare" and not 5 <= n < ADULT_AGE:
        return None  # a bare number is read as an age only where a child's age is plausible
    start = m.start("name") if g.get("name") else m.start()
    hi_word = g.get("num_hi")
    if hi_word:
        hi = parse_number(hi_word)
        if hi is not None and n < hi <= n + 3:
            return AgeReading(start, m.end(), None, (n, hi), "approximate")
    if g.get("notyet"):
        return AgeReading(start, m.end(), None, (max(1, n - 2), max(1, n - 1)), "approximate")
    approx = g.get("approx")
    if approx:
        exact, approx_band = _band_for_approx(approx, n)
        return AgeReading(start, m.end(), exact, approx_band,
                          "exact" if approx_band is None else "approximate")
    return AgeReading(start, m.end(), n, None, "exact")


def _grade(m: re.Match[str], system: str, g: dict[str, str | None]) -> AgeReading | None:
    def at(first: int, width: int = 1) -> AgeReading:
        return AgeReading(m.start(), m.end(), None, (first, first + width), "school_year")

    if system == "us":
        n = _ORD_EN.get((g["ord"] or "").lower())
        return at(n + 5) if n else None
    if system == "uk":
        n = int(g.get("num") or g.get("num2") or 0)
        return at(n + 4) if n else None
    if system == "phrase":
        text = m.group(0).lower()
        if "sixth" in text:
            return AgeReading(m.start(), m.end(), None, (16, 17), "school_year")
        if "freshman" in text:
            return at(14)
        if "middle" in text:
            return AgeReading(m.start(), m.end(), None, (11, 14), "school_year")
        if "secondary" in text or "instituto" in text:
            return AgeReading(m.start(), m.end(), None, (13, 17), "school_year")
        if "collège" in text or "sixième" in text or "6e" in text:
            return at(11)
        return AgeReading(m.start(), m.end(), None, (6, 11), "school_year")
    if system == "primary":
        text = m.group(0).lower()
        if text.startswith("kindergart"):
            return at(5)
        if text.startswith("last year"):
            return at(10)
        return AgeReading(m.start(), m.end(), None, (5, 11), "school_year")
    if system == "fr":
        cls = (g.get("cls") or g.get("cls2") or g.get("cls3") or "").lower()
        n = _FR_CLASSES.get(cls)
        return at(n) if n is not None else None
    if system == "es":
        ord_ = (g.get("ord") or g.get("ord2") or "").lower().replace(".", "")
        n = _ORD_ES.get(ord_)
        if n is None:
            return None
        sys_ = (g.get("sys") or "primaria").lower()
        if "eso" in sys_ or "secundaria" in sys_:
            return at(n + 11)
        if "bachillerato" in sys_:
            return at(n + 15)
        return at(n + 5)
    if system == "de":
        if g.get("gs"):
            return AgeReading(m.start(), m.end(), None, (6, 10), "school_year")
        digits = g.get("num")
        n = _ORD_DE.get((g.get("ord") or "").lower()) or _DE_KLASSE.get(
            (g.get("ord2") or "").lower()) or (int(digits) if digits else None)
        return at(n + 5) if n else None
    return None  # pragma: no cover - every system is handled above


def read_ages(text: str, langs: tuple[str, ...]) -> Iterator[AgeReading]:
    """Every age the forms of ``langs`` find in ``text`` (a clean view), in pattern order;
    overlapping readings are left for the caller to resolve (the first one wins)."""
    for form in _FORMS:
        if not form.langs & set(langs):
            continue
        for m in form.pattern.finditer(text):
            reading = _reading(m, form.kind)
            if reading is not None:
                yield reading
