"""The theme model: what a post is about, beyond whether it is negative.

Five themes (``clearance.storage.monitor_models.THEMES``), each from a **versioned lexicon**
(``data/themes.yaml``: terms, and lists that must all occur in a post) and, where there is labelled
data to learn from, a **trained head** of the text model (:mod:`clearance.monitor.textmodel`):

==================== ======================================================================
theme                fires when
==================== ======================================================================
child_sexualisation  a lexicon term, or a child word together with a sexualising word
age_rating           a lexicon term, or a rating word together with an audience word
cultural_racial      a lexicon term, or the ``cultural_racial`` head (trained on TweetEval
                     hate, SemEval-2019 HatEval) at or above its threshold
boycott              a lexicon term (boycott, cancel, unsubscribe, petition...)
praise               the post is positive, has no critical theme (the four above), and has
                     a praise term or is positive with probability 0.75 or more
==================== ======================================================================

The model's version is ``<lexicon version>+<text model version>``; it is stored with nothing per
post (posts keep the theme names), but ``clearance monitor signals --format json`` and the alerts
say which version made them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ruamel.yaml import YAML

from clearance.errors import ConfigurationError
from clearance.monitor.linking import fold
from clearance.storage.monitor_models import THEMES

LEXICON_FILE: Final = Path(__file__).resolve().parent / "data" / "themes.yaml"
#: Themes that object to the title: a post with one is a negative reaction and never praise.
CRITICAL_THEMES: Final = frozenset({"child_sexualisation", "age_rating", "cultural_racial",
                                    "boycott"})
PRAISE_PROBABILITY: Final = 0.75


def _bodies(terms: Sequence[str]) -> list[str]:
    parts = []
    for term in terms:
        folded = fold(str(term))
        body = re.escape(folded.rstrip("*")).replace(r"\ ", r"\s+")
        parts.append(body + (r"\w*" if folded.endswith("*") else ""))
    return parts


_UNIT: Final = re.compile(r"\\s\+|\\w\*|\\.|.", re.DOTALL)


def _trie_alternation(bodies: Sequence[str]) -> str:
    """The alternation of ``bodies`` factored by common prefixes (``a(?:b|c)`` for ``ab|ac``):
    the same strings, but the regular expression engine rejects a position on its first
    character instead of trying every term there — 2 to 5 times faster on posts, most of which
    match nothing (measured on the airline tweets)."""
    root: dict[str, Any] = {}
    for body in bodies:
        node = root
        for unit in _UNIT.findall(body):
            node = node.setdefault(unit, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alternatives = [unit + emit(child) for unit, child in sorted(node.items()) if unit]
        if not alternatives:
            return ""
        if "" in node:
            return "(?:" + "|".join(alternatives) + ")?"
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return emit(root)


def term_pattern(terms: Sequence[str]) -> re.Pattern[str]:
    """One regular expression matching any of ``terms`` (lexicon syntax: folded, ``*`` for any
    ending, spaces for any whitespace) at word boundaries of folded text (a prefix-factored
    alternation: :func:`_trie_alternation`)."""
    return re.compile(r"(?<!\w)(?:" + _trie_alternation(_bodies(terms)) + r")(?!\w)")


@dataclass(frozen=True, slots=True)
class _Theme:
    name: str
    description: str
    terms: re.Pattern[str] | None
    together: tuple[re.Pattern[str], ...]

    def matches(self, folded: str) -> bool:
        if self.terms is not None and self.terms.search(folded):
            return True
        return bool(self.together) and all(p.search(folded) for p in self.together)


class ThemeLexicon:
    """The lexicon half of the theme model (``data/themes.yaml``)."""

    def __init__(self, version: str, themes: Sequence[_Theme],
                 every_term: Sequence[str] = ()) -> None:
        self.version = version
        self.themes = tuple(themes)
        # one pass that says whether any theme could match: most posts match none
        self._any = term_pattern(every_term) if every_term else None

    @classmethod
    def load(cls, path: Path = LEXICON_FILE) -> ThemeLexicon:
        try:
            data: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
            version = str(data["version"])
            entries = data["themes"]
            themes, every_term = [], []
            for name in THEMES:
                entry = entries[name]
                terms = entry.get("terms") or []
                every_term += [*terms, *(entry.get("together") or [[]])[0]]
                themes.append(_Theme(name, str(entry.get("description", "")),
                                     term_pattern(terms) if terms else None,
                                     tuple(term_pattern(group) for group in
                                           entry.get("together") or [])))
        except (OSError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigurationError(f"the theme lexicon {path} is unusable: {exc!r}") from exc
        return cls(version, themes, every_term)

    def match(self, text: str) -> set[str]:
        """The themes whose lexicon entries ``text`` matches."""
        folded = fold(text)
        if self._any is not None and not self._any.search(folded):
            return set()
        return {t.name for t in self.themes if t.matches(folded)}

    def descriptions(self) -> dict[str, str]:
        return {t.name: t.description for t in self.themes}


@functools.cache
def default_lexicon() -> ThemeLexicon:
    return ThemeLexicon.load()


def themes_of(lexicon_hits: set[str], *, sentiment: str, positive: float,
              cultural_racial: float, cultural_threshold: float) -> tuple[str, ...]:
    """Combine a post's lexicon hits with the text model's outputs (the module's table)."""
    out = set(lexicon_hits)
    if cultural_racial >= cultural_threshold:
        out.add("cultural_racial")
    out.discard("praise")
    if (sentiment == "positive" and not CRITICAL_THEMES.intersection(out)
            and ("praise" in lexicon_hits or positive >= PRAISE_PROBABILITY)):
        out.add("praise")
    return tuple(t for t in THEMES if t in out)
