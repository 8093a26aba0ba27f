"""Subjects: what a post about a title is about — one of its campaign's assets (the poster, the
description) or the film itself. The monitor's themes say *why* people object (child
sexualisation, the age rating, a boycott); the subjects say *to what*, which is what moves when a
backlash outlives the fix: the poster is withdrawn, and the posts turn to the film.

A versioned lexicon (``data/subjects.yaml``), matched on folded text like the theme lexicon
(:func:`clearance.monitor.themes.term_pattern`). Asset subjects take precedence: a post naming
the film's poster is about the poster; a post is about the film only when it names no asset.
Applied when an incident's effects are measured (to the posts still holding their text: past the
retention period a post counts in the volume but in no subject).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ruamel.yaml import YAML

from clearance.errors import ConfigurationError
from clearance.monitor.linking import fold
from clearance.monitor.themes import term_pattern

SUBJECTS_FILE: Final = Path(__file__).resolve().parent / "data" / "subjects.yaml"
#: The subjects, asset subjects first (their precedence).
SUBJECTS: Final = ("poster", "description", "film")
#: How a subject is named in a sentence.
NAMES: Final = {"poster": "the poster", "description": "the description",
                "film": "the film itself"}


@dataclass(frozen=True, slots=True)
class SubjectLexicon:
    version: str
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    descriptions: dict[str, str]

    @classmethod
    def load(cls, path: Path = SUBJECTS_FILE) -> SubjectLexicon:
        try:
            data: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
            entries = data["subjects"]
            patterns = tuple((name, term_pattern([str(t) for t in entries[name]["terms"]]))
                             for name in SUBJECTS)
            descriptions = {name: str(entries[name].get("description", ""))
                            for name in SUBJECTS}
            return cls(str(data["version"]), patterns, descriptions)
        except (OSError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigurationError(f"the subject lexicon {path} is unusable: {exc!r}") from exc

    def subjects(self, text: str) -> set[str]:
        """The subjects of ``text`` (the asset subjects, else ``film``, else none)."""
        folded = fold(text)
        found = {name for name, pattern in self.patterns if pattern.search(folded)}
        if found & {"poster", "description"}:
            found.discard("film")
        return found


@functools.cache
def default_subjects() -> SubjectLexicon:
    return SubjectLexicon.load()
