"""Identifiers that look like what they are: one rule for every id a person types or reads.

An id is compared byte for byte but read by eye. With a right-to-left override (U+202E), a
zero-width space, a decomposed accent or a Cyrillic letter inside, two different ids look
identical -- in the queue, the audit log, a webhook payload -- and one can pass for the other
(issue 10, item 18). :func:`identifier_problem` refuses, in title ids, usernames, team ids,
channels, locales and (later) bank names:

* nothing but spaces, or spaces around it;
* control, format (bidi controls, zero-width characters, soft hyphen, BOM), private-use,
  unassigned and surrogate code points, and the other default-ignorable ones
  (:mod:`clearance.content.visible`), and every space but the ASCII one;
* text that Unicode compatibility normalisation (NFKC) would change: full-width letters,
  ligatures, superscripts, a decomposed "é" next to a composed one;
* letters from more than one of the scripts whose letters are confusable with each other
  (Latin, Greek, Cyrillic, Armenian, Cherokee, Coptic): ``pаypal`` with a Cyrillic "а".

Names (display names, titles, people) are kept as written -- they are people's names -- but are
shown with :func:`escape_invisible`, which makes every invisible character visible as
``<U+202E>``, wherever they are displayed next to something they could be confused with.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Final

from pydantic import AfterValidator

from clearance.content.visible import is_invisible
from clearance.errors import InputError

#: Scripts whose letters look alike: an id may use letters of one of them only.
CONFUSABLE_SCRIPTS: Final = frozenset({"LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "CHEROKEE",
                                       "COPTIC"})


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name (``LATIN SMALL LETTER A`` -> LATIN)."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else None


def identifier_problem(value: str) -> str | None:
    """Why ``value`` cannot be an identifier, or ``None`` (see the module docstring)."""
    if not value.strip():
        return "it is empty"
    if value != value.strip():
        return "it starts or ends with a space"
    for ch in value:
        if ch != " " and is_invisible(ch):
            return f"it contains an invisible or control character ({_describe(ch)})"
        if unicodedata.category(ch) == "Co":
            return f"it contains a private-use character ({_describe(ch)})"
    if unicodedata.normalize("NFKC", value) != value:
        changed = next((ch for ch in value if unicodedata.normalize("NFKC", ch) != ch), None)
        what = f" ({_describe(changed)})" if changed else ""
        return ("it is not in normal form: a character would read the same as another"
                f"{what}; type it plainly")
    scripts = {s for s in map(_script, value) if s in CONFUSABLE_SCRIPTS}
    if len(scripts) > 1:
        return f"it mixes letters of look-alike scripts ({', '.join(sorted(scripts))})"
    return None


def check_identifier(value: str, what: str) -> str:
    """``value`` when it is a clean identifier; otherwise :class:`InputError` naming ``what``
    ("title id", "username"...) and why."""
    problem = identifier_problem(value)
    if problem is not None:
        raise InputError(f"invalid {what} {escape_invisible(value)!r}: {problem}")
    return value


def _pydantic_check(value: str) -> str:
    problem = identifier_problem(value)
    if problem is not None:
        raise ValueError(f"not a usable id: {problem}")
    return value


#: The pydantic validator applying :func:`identifier_problem` (``Annotated[str, ...,
#: IDENTIFIER_CHECK]``), and a string type with it, for schemas: catalog entries, the service's
#: upload spec.
IDENTIFIER_CHECK: Final = AfterValidator(_pydantic_check)
Identifier = Annotated[str, IDENTIFIER_CHECK]


def escape_invisible(text: str) -> str:
    """``text`` with every invisible, control or format character (but the ASCII space) shown
    as ``<U+XXXX>``: how a name that may hide a right-to-left override is displayed."""
    return "".join(f"<U+{ord(ch):04X}>" if ch != " " and is_invisible(ch) else ch
                   for ch in text)
