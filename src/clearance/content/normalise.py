"""Copy as the detectors read it: invisible and look-alike characters seen through.

A trigger word hidden with a zero-width space (``twe\\u200brking``), a soft hyphen, a Cyrillic
``е``, full-width letters, combining marks, digits for letters (``tw3rk1ng``) or spaced letters
(``t w e r k i n g``) reads the same to a person and must read the same to the screen. Detection
therefore runs on rewritten *views* of the text, never on the text itself, and every view keeps
the original offsets of each of its characters, so evidence still points into the text the user
gave (``TextSpan`` offsets are always offsets of the original).

Two views:

* :attr:`NormalisedText.clean` — NFKC; default-ignorable and format characters removed (zero-width
  spaces and joiners, soft hyphens, bidirectional controls, variation selectors, Hangul fillers);
  combining marks that do not compose with a Latin, Greek or Cyrillic base removed; look-alike
  letters of other scripts folded to Latin inside words that are Latin (or in text that is mostly
  Latin). Case, accents, digits and punctuation are kept: ages and numbers are read here (a
  skeleton would turn the 1 of "11" into an i), and the classifier embeds these sentences.
* :attr:`NormalisedText.skeletons` — the clean view lower-cased, accents removed, runs of spaced
  single letters joined (``t w e r k`` → ``twerk``) and digits or ``@``/``$`` inside words read as
  the letters they stand for (``tw3rk1ng`` → ``twerking``); the word lists match here. ``1`` reads
  as ``i`` in the first skeleton and as ``l`` in a second one, made only when a word has a ``1``
  standing for a letter.

:attr:`NormalisedText.altered` holds the original offsets whose character was removed or read as
another one for any reason other than ordinary case and accents, and how (:data:`METHODS`): a
trigger found over one of them is an evasion (``text.evasion``). Whitespace compatibility forms
(no-break spaces) are not counted. Case that alternates inside a word (``TwErKiNg``) is checked on
the trigger's own words (:func:`has_irregular_case`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache

#: Look-alike letters of other scripts and Latin variants -> the Latin letter they imitate
#: (Unicode's confusables for the letters that matter here; case kept).
_CONFUSABLES: dict[str, str] = {}
for _src, _dst in (
    # Cyrillic
    ("аеорсухіјѕԁԛԝһӏɡ", "aeopcyxijsdqwhlg"),
    ("АВЕКМНОРСТУХІЈЅԌ", "ABEKMHOPCTYXIJSG"),
    ("ьъ", "bb"), ("ԍ", "g"), ("ӑӓ", "aa"), ("ё", "e"), ("ї", "i"), ("ӧ", "o"), ("ү", "y"),
    # Greek
    ("αοινκρτυχεϲϳ", "aoivkptuxecj"),
    ("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹ", "ABEZHIKMNOPTYXC"),
    # Armenian
    ("օսհոցզ", "ouhngq"), ("ՕՍՏ", "OUS"),
    # Cherokee capitals that read as Latin capitals
    ("ᎪᏴᏟᎠᎬᏀᎻᎥᏭᏦᏞᎷᏃᏢᏚᎢᏙᏔᏴ", "ABCDEGHIJKLMNPSTVWB"),
    # Latin variants and IPA letters
    ("ıɑɡʏɩƖǀɪᴋᴍᴏᴘᴛᴜᴠᴡʀʟɴᴄᴅᴇꜰʜᴊ", "iagyilliKMOPTUVWRLNCDEFHJ"),
):
    for _a, _b in zip(_src, _dst, strict=True):
        _CONFUSABLES[_a] = _b

#: Digits and symbols read as letters inside words (leetspeak).
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
         "@": "a", "$": "s"}
_LEET_ALT = {**_LEET, "1": "l"}
#: A word with digits that is a number with a unit or an ordinal, not a disguised word.
_NUMBER_WORD = re.compile(
    r"^\d+(?:st|nd|rd|th|s|er|re|e|eme|ème|ieme|h|hrs?|min|mins|m|km|cm|mm|kg|g|lb|lbs|d|k|p|"
    r"x|yo|am|pm|a|ans|jahre|años|anos|en|ten|te|o|os|as|es)?$",
    re.IGNORECASE,
)
#: A short code of letters then digits ("CM1", "CE2", "MP3", "F1", "S01"): a name, not a disguise.
_CODE_WORD = re.compile(r"^[^\W\d_]{1,3}\d{1,2}$")
_WORD = re.compile(r"[\w@$]+")
_LEET_HINT = re.compile(r"[^\W\d_][0-9@$]|[0-9@$][^\W\d_]")
# Three or more single letters or digits, each followed by the same kind of separator
# ("t w e r k", "t.w.e.r.k", "t-w-e-r-k", "t_w_e_r_k").
_SPACED = re.compile(
    r"(?<![\w@$])[^\W_](?P<sep>[ .\-_*·•/|]{1,2})(?:[^\W_@$](?P=sep)){1,}[^\W_](?![\w@$])"
)
_LATIN_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
#: One-letter words of the four languages (lower case, accents removed: skeletons are).
_ONE_LETTER_WORDS = frozenset("aiyoeu")


#: How a character can be seen through (``text.evasion``'s ``methods``).
METHODS = ("invisible", "compatibility", "combining", "lookalike", "spaced", "leetspeak",
           "mixed_case")


def _mark(altered: dict[int, str], where: range, method: str) -> None:
    for k in where:
        altered.setdefault(k, method)


def _is_ignorable(ch: str) -> bool:
    """Default-ignorable and format characters (invisible in rendered text)."""
    cp = ord(ch)
    if unicodedata.category(ch) == "Cf":  # ZWSP, ZWJ, soft hyphen, bidi controls, BOM, ...
        return True
    return (cp == 0x034F or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF
            or 0x180B <= cp <= 0x180F or cp in (0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0x17B5))


@cache
def _is_plain(ch: str) -> bool:
    """Whether the clean view keeps ``ch`` as it is (a property of the character: memoised)."""
    return (not _is_ignorable(ch) and not unicodedata.combining(ch)
            and unicodedata.category(ch) != "Me" and ch not in _CONFUSABLES
            and (ch.isspace() or unicodedata.normalize("NFKC", ch) == ch))


def _script(ch: str) -> str:
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class MappedText:
    """A rewritten view of a text: ``text[i]`` stands for ``original[starts[i]:ends[i]]``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of ``text[start:end]`` (``end > start``)."""
        if end <= start:
            o = self.starts[start] if start < len(self.starts) else \
                (self.ends[-1] if self.ends else 0)
            return o, o
        return self.starts[start], self.ends[end - 1]

    def view_span(self, start: int, end: int) -> tuple[int, int]:
        """The view offsets of the characters that lie within ``original[start:end]``."""
        return bisect_left(self.starts, start), bisect_right(self.ends, end)

    def slice_original(self, start: int, end: int) -> str:
        """The view's text for ``original[start:end]``."""
        a, b = self.view_span(start, end)
        return self.text[a:b]


class _Builder:
    __slots__ = ("chars", "ends", "starts")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, s: str, start: int, end: int) -> None:
        for ch in s:
            self.chars.append(ch)
            self.starts.append(start)
            self.ends.append(end)

    def build(self) -> MappedText:
        return MappedText("".join(self.chars), tuple(self.starts), tuple(self.ends))


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """The detection views of one text (see the module docstring)."""

    clean: MappedText
    skeletons: tuple[MappedText, ...]
    #: (original offset, how its character was seen through: one of :data:`METHODS`), in order.
    altered: tuple[tuple[int, str], ...]

    def methods_in(self, start: int, end: int) -> set[str]:
        """How normalisation changed ``original[start:end]`` beyond case and accents (empty when
        it did not)."""
        return {m for i, m in self.altered if start <= i < end} if self.altered else set()


def _mostly_latin(text: str) -> bool:
    latin = other = 0
    for ch in text:
        if ch.isalpha():
            if ord(ch) < 0x250:
                latin += 1
            else:
                other += 1
    return latin >= other


def clean_view(text: str) -> tuple[MappedText, dict[int, str]]:
    """The clean view of ``text`` and the original offsets it altered, with how."""
    altered: dict[int, str] = {}
    if text.isascii() or all(map(_is_plain, set(text))):
        # nothing to see through (the common case): the identity view
        return MappedText(text, tuple(range(len(text))), tuple(range(1, len(text) + 1))), altered
    out = _Builder()
    fold_everywhere = _mostly_latin(text)
    # words (for the script test of confusables): a run of letters, marks and format characters
    word_has_latin: list[bool] = [False] * len(text)
    for m in re.finditer(r"(?:[^\W\d_]|[\u00ad\u200b-\u200f\u2060-\u2064\ufeff\u0300-\u036f])+",
                         text):
        has = any(ord(c) < 0x250 and c.isalpha() for c in m.group(0))
        if has:
            for i in range(m.start(), m.end()):
                word_has_latin[i] = True
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if _is_ignorable(ch):
            altered[i] = "invisible"
            i += 1
            continue
        # a cluster: one base character and the combining marks (and ignorables) after it
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or _is_ignorable(text[j])
                         or unicodedata.category(text[j]) == "Me"):
            j += 1
        cluster = "".join(c for c in text[i:j] if not _is_ignorable(c))
        for k in range(i + 1, j):
            if _is_ignorable(text[k]):
                altered[k] = "invisible"
        nfkc = unicodedata.normalize("NFKC", cluster)
        if nfkc != unicodedata.normalize("NFC", cluster) and not cluster.isspace():
            _mark(altered, range(i, j), "compatibility")
        # marks that did not compose with a Latin/Greek/Cyrillic letter are decoration
        kept: list[str] = []
        for c in nfkc:
            if (unicodedata.combining(c) or unicodedata.category(c) == "Me") and kept \
                    and _script(kept[-1]) in _LATIN_SCRIPTS:
                _mark(altered, range(i, j), "combining")
                continue
            kept.append(c)
        folded = []
        for c in kept:
            f = _CONFUSABLES.get(c)
            if f is not None and (fold_everywhere or word_has_latin[i]):
                _mark(altered, range(i, j), "lookalike")
                folded.append(f)
            else:
                folded.append(c)
        out.add(unicodedata.normalize("NFC", "".join(folded)), i, j)
        i = j
    return out.build(), altered


@cache
def _lower_plain_char(ch: str) -> str:
    low = ch.lower()
    plain = "".join(c for c in unicodedata.normalize("NFD", low) if not unicodedata.combining(c))
    return plain or low


def plain_lower(text: str) -> str:
    """``text`` lower-cased and without accents, as skeletons are (for compiling word lists)."""
    return "".join(_lower_plain_char(ch) for ch in text)


def _lower_plain(view: MappedText) -> MappedText:
    """Lower-case and without accents, character by character."""
    if view.text.isascii():
        return MappedText(view.text.lower(), view.starts, view.ends)
    mapped = [_lower_plain_char(ch) for ch in view.text]
    if all(len(m) == 1 for m in mapped):
        return MappedText("".join(mapped), view.starts, view.ends)
    out = _Builder()
    for m, s, e in zip(mapped, view.starts, view.ends, strict=True):
        out.add(m, s, e)
    return out.build()


def _join_spaced(view: MappedText, altered: dict[int, str], *, keep_first: bool = False,
                 ) -> MappedText:
    """``t w e r k`` -> ``twerk`` (the removed separators count as altered). With
    ``keep_first``, a run that starts with a one-letter word ("a t w e r k") keeps that word
    apart (a second skeleton: which reading is right only the word lists can tell)."""
    if not _SPACED.search(view.text):
        return view
    out = _Builder()
    pos = 0
    for m in _SPACED.finditer(view.text):
        start = m.start()
        letters = sum(1 for c in m.group(0) if c.isalnum())
        if keep_first and view.text[start] in _ONE_LETTER_WORDS and letters >= 5:
            start += 1 + len(m.group("sep"))  # the article stays a word of its own
        for k in range(pos, start):
            out.add(view.text[k], view.starts[k], view.ends[k])
        for k in range(start, m.end()):
            ch = view.text[k]
            if ch.isalnum() or ch in "@$":
                out.add(ch, view.starts[k], view.ends[k])
            else:
                _mark(altered, range(view.starts[k], view.ends[k]), "spaced")
        pos = m.end()
    for k in range(pos, len(view.text)):
        out.add(view.text[k], view.starts[k], view.ends[k])
    return out.build()


def _unleet(view: MappedText, table: dict[str, str], altered: dict[int, str]) -> MappedText:
    """Digits and ``@``/``$`` inside words read as letters (``s3xy`` -> ``sexy``)."""
    if not _LEET_HINT.search(view.text):
        return view
    chars = list(view.text)
    changed = False
    for m in _WORD.finditer(view.text):
        word = m.group(0)
        if not any(c in table for c in word) or _NUMBER_WORD.match(word) \
                or _CODE_WORD.match(word):
            continue
        if sum(c.isalpha() for c in word) < 2 or word.isdigit():
            continue
        for k in range(m.start(), m.end()):
            rep = table.get(chars[k])
            if rep is not None:
                chars[k] = rep
                _mark(altered, range(view.starts[k], view.ends[k]), "leetspeak")
                changed = True
    if not changed:
        return view
    return MappedText("".join(chars), view.starts, view.ends)


def normalise(text: str) -> NormalisedText:
    """The detection views of ``text``."""
    clean, altered = clean_view(text)
    lower = _lower_plain(clean)
    base = _join_spaced(lower, altered)
    first = _unleet(base, _LEET, altered)
    skeletons = [first]
    if base is not lower:
        kept = _join_spaced(lower, {}, keep_first=True)
        if kept.text != base.text:
            skeletons.append(_unleet(kept, _LEET, {}))
    if first is not base and any(
            "1" in m.group(0) and not _NUMBER_WORD.match(m.group(0))
            and sum(c.isalpha() for c in m.group(0)) >= 2
            for m in _WORD.finditer(base.text)):
        skeletons.append(_unleet(base, _LEET_ALT, {}))
    return NormalisedText(clean, tuple(skeletons), tuple(sorted(altered.items())))


_IRREGULAR_CASE = re.compile(r"[a-zà-ÿ][A-ZÀ-Þ]|[A-ZÀ-Þ]{2}[a-zà-ÿ]")


def has_irregular_case(word: str) -> bool:
    """Case that alternates inside a word (``TwErKiNg``), which ordinary copy never writes; a
    capitalised or all-capital word is regular."""
    return bool(_IRREGULAR_CASE.search(word))
