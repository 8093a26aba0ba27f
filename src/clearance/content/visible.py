"""What a person can see of a piece of text: the rule behind "a written reason" and clean ids.

A zero-width space is a non-empty string that ``str.strip()`` keeps, so a block could be
overridden with a "written reason" nobody can read (issue 10, item 15). :func:`visible_text`
removes what renders as nothing -- whitespace, control characters, format characters (zero-width
space and joiners, bidirectional marks and overrides, soft hyphen, BOM, tags) and the other
default-ignorable code points that are not in category ``Cf`` (variation selectors, the
combining grapheme joiner, Hangul fillers, the Khmer inherent vowels) and the blank Braille
pattern -- and :func:`require_written` asks for at least one letter or digit in what is left.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from clearance.errors import InputError

#: Default-ignorable (or blank-rendering) code points outside category Cf, as ranges.
_IGNORABLE_RANGES: Final = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong/jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors
    (0x2800, 0x2800),  # Braille pattern blank
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)


def is_invisible(ch: str) -> bool:
    """Whether ``ch`` renders as nothing (or as blank space) on its own."""
    if ch.isspace():
        return True
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Zs", "Zl", "Zp", "Cs", "Cn"):
        return True
    code = ord(ch)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def visible_text(value: str) -> str:
    """``value`` without the characters that render as nothing (see the module docstring)."""
    return "".join(ch for ch in value if not is_invisible(ch))


def has_visible_words(value: str) -> bool:
    """Whether ``value`` shows at least one letter or digit."""
    return any(ch.isalnum() for ch in visible_text(value))


def require_written(value: str, what: str) -> str:
    """``value`` trimmed, when a person can read it: after removing invisible characters it
    has at least one letter or digit. Otherwise :class:`InputError` saying ``what`` needs
    words (``what``: "an override of a block needs a written reason", ...)."""
    text = value.strip()
    if not has_visible_words(text):
        raise InputError(f"{what}: at least one visible letter or digit (invisible and "
                         "format characters, spaces and punctuation alone do not count)")
    return text
