"""Copy as the detectors see it: validated text split into sentences with original offsets.

Every finding on copy points at ``text[start:end]`` of the text the user gave, so the splitting here
never rewrites the text; it only records where sentences begin and end. Detectors read the text
through its normalised views (``views``: invisible and look-alike characters seen through, with
the original offset of every character; :mod:`clearance.content.normalise`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clearance.content.normalise import NormalisedText, normalise
from clearance.errors import ContentError

# A sentence ends at . ! ? … followed by whitespace and an upper-case letter, digit or quote,
# or at a line break. Abbreviations such as "Dr." or "St." are kept together.
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Mt|Lt|Col|Gen|Prof|vs|etc|No|Vol|M|Mme|Mlle)\.)$"
)
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”’»)]*\s+(?=[\"'“‘«(]?[A-ZÀ-ÖØ-Þ0-9])|\n+")


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Copy:
    """A piece of copy, validated, with its sentences and its detection views."""

    text: str
    sentences: tuple[Sentence, ...]
    views: NormalisedText

    def sentence_at(self, offset: int) -> int:
        for s in self.sentences:
            if s.start <= offset < s.end:
                return s.index
        return self.sentences[-1].index if self.sentences else 0


def split_sentences(text: str) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.start()
        if _ABBREV.search(text[start:end]):
            continue
        _add(out, text, start, end)
        start = m.end()
    _add(out, text, start, len(text))
    return tuple(out)


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(len(out), start, end, text[start:end]))


def make_copy(text: str, *, max_bytes: int) -> Copy:
    """Validate and split copy; raises :class:`ContentError` for empty or oversized text."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        raise ContentError(
            f"text is {size:,} bytes; the limit is {max_bytes:,} bytes "
            "(set CLEARANCE_MAX_TEXT_BYTES to change it)"
        )
    if not text.strip():
        raise ContentError("text is empty: there is nothing to screen")
    return Copy(text=text, sentences=split_sentences(text), views=normalise(text))
