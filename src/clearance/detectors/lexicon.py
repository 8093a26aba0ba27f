"""Loading the versioned word lists that ship with the copy detectors.

Patterns are compiled once per process: the files are package data and never change at run time,
so a compiled list is a constant, not a cache of results.
The pattern syntax is documented in ``docs/labels.md`` and at the top of each YAML file. Terms are
compiled in skeleton form (lower case, accents removed) because they match the skeletons of the
copy (:mod:`clearance.content.normalise`), where invisible and look-alike characters, spaced
letters and digits for letters have been seen through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

from clearance.content.normalise import plain_lower

_PLACEHOLDERS = {
    "<her>": r"(?:her|his|their|its|one's)",
    "<sa>": r"(?:sa|son|ses|leur|leurs)",
    "<su>": r"(?:su|sus)",
    "<ihr>": r"(?:ihre[nmrs]?|ihr|seine[nmrs]?|sein)",
}
#: The languages the word lists may have terms in (a list need not cover every one).
LANGS: tuple[str, ...] = ("en", "fr", "es", "de")
#: The ``version`` of each word list, named in its detector's version (so a screening record says
#: which list decided). Bump both when a list changes; a test checks they agree.
MINOR_TERMS_VERSION = "2026.12.4"
SUGGESTIVE_LEXICON_VERSION = "2026.12.1"
#: The suggestive lexicon's categories and whether each is sexualising framing (a test checks the
#: file has exactly these).
SUGGESTIVE_CATEGORIES: dict[str, bool] = {
    "sexualised_dance": True, "body_appearance": True, "sexual_awakening": True,
    "seduction": True, "sexual_content": True, "abuse_topic": False,
}
#: The groups of the minor-word list (``child``, ``teen``; ``minor`` for an unknown age).
MINOR_GROUPS = ("child", "teen", "minor")


def load_data(filename: str) -> dict[str, Any]:
    """Parse one YAML file from ``clearance/detectors/data``."""
    ref = resources.files("clearance.detectors").joinpath("data", filename)
    data: dict[str, Any] = YAML(typ="safe").load(ref.read_text(encoding="utf-8"))
    return data


def term_regex(term: str) -> str:
    """Turn a lexicon term into a regular expression (no anchors)."""
    out: list[str] = []
    i = 0
    while i < len(term):
        for ph, rx in _PLACEHOLDERS.items():
            if term.startswith(ph, i):
                out.append(rx)
                i += len(ph)
                break
        else:
            ch = term[i]
            if ch == "*":
                out.append(r"[\w’'-]*?")
            elif ch == " ":
                out.append(r"[\s-]+")
            elif ch == "-":
                out.append(r"[\s-]?")
            else:
                out.append(re.escape(ch))
            i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Term:
    """One lexicon entry, compiled."""

    term: str
    lang: str
    category: str
    score: float


@dataclass(frozen=True, slots=True)
class CompiledLexicon:
    """All terms of a lexicon joined in one alternation per language, longest first.

    ``patterns`` has one named group per term (``t0``, ``t1``, ...) so a match says which term
    hit, and a pattern only for the languages the lexicon has terms in.
    """

    version: str
    terms: tuple[Term, ...]
    patterns: dict[str, re.Pattern[str]]

    def term_for(self, m: re.Match[str]) -> Term:
        name = m.lastgroup
        if name is None:  # pragma: no cover - every alternative is a named group
            raise LookupError("match without a term group")
        return self.terms[int(name[1:])]


def compile_terms(version: str, terms: list[Term], *, plurals: bool = False) -> CompiledLexicon:
    indexed = list(enumerate(terms))
    patterns: dict[str, re.Pattern[str]] = {}
    for lang in LANGS:
        mine = [(i, t) for i, t in indexed if t.lang == lang]
        if not mine:
            continue
        mine.sort(key=lambda it: -len(it[1].term))
        plural = "(?:s|es)?" if plurals else ""
        alts = "|".join(f"(?P<t{i}>{term_regex(plain_lower(t.term))}{plural})" for i, t in mine)
        patterns[lang] = re.compile(rf"(?<![\w-])(?:{alts})(?![\w])", re.IGNORECASE)
    return CompiledLexicon(version=version, terms=tuple(terms), patterns=patterns)


@cache
def suggestive_lexicon() -> tuple[CompiledLexicon, dict[str, bool]]:
    """The compiled suggestive lexicon and, per category, whether it is sexualising framing."""
    data = load_data("suggestive_lexicon.yaml")
    terms: list[Term] = []
    framing: dict[str, bool] = {}
    for cat, spec in data["categories"].items():
        framing[cat] = bool(spec.get("framing", True))
        for lang in LANGS:
            for entry in spec.get(lang, []):
                if isinstance(entry, dict):
                    terms.append(Term(entry["term"], lang, cat, float(entry["score"])))
                else:
                    terms.append(Term(str(entry), lang, cat, float(spec["score"])))
    return compile_terms(str(data["version"]), terms), framing


@cache
def minor_lexicon() -> CompiledLexicon:
    """The compiled minor-word lexicon (``category`` holds the group: child, teen or minor)."""
    data = load_data("minor_terms.yaml")
    terms: list[Term] = []
    for lang in LANGS:
        for spec in data[lang].values():
            for t in spec["terms"]:
                terms.append(Term(str(t), lang, str(spec["group"]), float(spec["score"])))
    return compile_terms(str(data["version"]), terms, plurals=True)
