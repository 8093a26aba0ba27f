"""``rating.mature``: the title's rating is for mature audiences.

Ratings are matched case-insensitively after removing spaces; the table of mature ratings is
:data:`MATURE_RATINGS` (US TV and film, UK BBFC, France CSA, Germany FSK, Australia, and common
platform labels) and is listed in ``docs/labels.md``. The rating comes from title metadata (the
catalog or ``--rating``), never from the copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from clearance.content.text import make_copy
from clearance.detectors.base import ContentKind, Detector, Example, Item
from clearance.findings import Attr, Emits, Fact, Finding, Label

if TYPE_CHECKING:
    from clearance.detectors.analysis import PictureAnalysis

MATURE_RATINGS: frozenset[str] = frozenset({
    "TV-MA", "R", "NC-17", "X", "NR-17",      # United States
    "18", "R18", "18+",                      # BBFC, platforms
    "-18", "-16", "16+",                      # France CSA, platforms
    "FSK18", "FSK16",                         # Germany
    "MA15+", "R18+",                          # Australia
    "MATURE", "ADULT", "ADULTS ONLY",
})


def normalise_rating(rating: str) -> str:
    return "".join(rating.upper().split())


_NORMALISED = {normalise_rating(r) for r in MATURE_RATINGS}


def is_mature(rating: str | None) -> bool:
    return rating is not None and normalise_rating(rating) in _NORMALISED


class MatureRatingDetector(Detector):
    """Turns a mature rating in the title metadata into a finding."""

    name: ClassVar[str] = "rating"
    version: ClassVar[str] = "1"
    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"text", "image"})
    emits: ClassVar[Emits] = {Label.RATING_MATURE: {
        "rating": Attr(str, doc="as the title metadata gives it (TV-MA, 18, -16, ...)"),
    }}

    def input_key(self, item: Item) -> str:
        return f"rating={item.rating}" if item.rating is not None else "rating=none"

    def detect(self, item: Item, analysis: PictureAnalysis | None = None) -> Sequence[Finding]:
        if not is_mature(item.rating):
            return ()
        rating = str(item.rating)
        return (
            Finding(
                label=Label.RATING_MATURE,
                score=1.0,
                evidence=Fact("rating", rating),
                detector=self.name,
                detector_version=self.version,
                attributes=(("rating", rating),),
            ),
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        copy = make_copy("A family drama.", max_bytes=1000)
        r = frozenset({Label.RATING_MATURE})
        return (
            Example(Item("text", copy, rating="TV-MA"), expect=r),
            Example(Item("text", copy, rating="TV-PG"), forbid=r),
            Example(Item("text", copy, rating=None), forbid=r),
        )
