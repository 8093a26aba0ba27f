"""Findings: one detector's observation about one item, as a frozen value.

A :class:`Finding` carries a ``label`` from the public taxonomy (``docs/labels.md``), a ``score`` in
[0, 1], typed ``evidence`` (a text span with offsets into the original text, an image box, or a
metadata fact) and the ``detector`` name and version that produced it. Nothing mutates a finding
after it is made; the policy engine only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal


class Label:
    """The finding labels (extend the taxonomy, never rename a label)."""

    MINOR_KNOWN: Final = "minor.known"
    MINOR_APPARENT: Final = "minor.apparent"
    FACE: Final = "face"
    SUGGESTIVE_IMAGE: Final = "suggestive.image"
    TEXT_OCR: Final = "text.ocr"
    MINOR_MENTIONED: Final = "minor.mentioned"
    SUGGESTIVE_TEXT: Final = "suggestive.text"
    RATING_MATURE: Final = "rating.mature"
    MATCH_WITHDRAWN: Final = "match.withdrawn"
    TEXT_LANGUAGE: Final = "text.language"

    #: Labels emitted by the copy screening of this release. ``exposure.<region>.<state>`` is
    #: a family and is matched by prefix.
    ALL: Final = (
        MINOR_KNOWN,
        MINOR_APPARENT,
        FACE,
        SUGGESTIVE_IMAGE,
        TEXT_OCR,
        MINOR_MENTIONED,
        SUGGESTIVE_TEXT,
        RATING_MATURE,
        MATCH_WITHDRAWN,
        TEXT_LANGUAGE,
    )
    FAMILIES: Final = ("exposure.",)


def is_known_label(label: str) -> bool:
    return label in Label.ALL or any(label.startswith(f) for f in Label.FAMILIES)


@dataclass(frozen=True, slots=True)
class TextSpan:
    """Evidence in copy: ``text[start:end]`` of the original (not normalised) text."""

    start: int
    end: int
    text: str
    sentence: int
    kind: Literal["text_span"] = "text_span"


@dataclass(frozen=True, slots=True)
class ImageBox:
    """Evidence on an image: a box in pixel coordinates of the original image."""

    x: int
    y: int
    width: int
    height: int
    kind: Literal["image_box"] = "image_box"


@dataclass(frozen=True, slots=True)
class Fact:
    """Evidence from metadata (a rating, a person's age, a language)."""

    name: str
    value: str
    kind: Literal["fact"] = "fact"


Evidence = TextSpan | ImageBox | Fact


@dataclass(frozen=True, slots=True)
class Finding:
    """One observation; ``attributes`` holds label-specific details (age, category, term)."""

    label: str
    score: float
    evidence: Evidence
    detector: str
    detector_version: str
    attributes: tuple[tuple[str, str | int | float | bool | None], ...] = field(default=())

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"finding score must be in [0, 1], got {self.score!r}")

    def attr(self, key: str) -> str | int | float | bool | None:
        for k, v in self.attributes:
            if k == key:
                return v
        return None

    @property
    def sentence(self) -> int | None:
        return self.evidence.sentence if isinstance(self.evidence, TextSpan) else None

    def to_dict(self) -> dict[str, Any]:
        ev: dict[str, Any]
        if isinstance(self.evidence, TextSpan):
            ev = {
                "kind": "text_span",
                "start": self.evidence.start,
                "end": self.evidence.end,
                "text": self.evidence.text,
                "sentence": self.evidence.sentence,
            }
        elif isinstance(self.evidence, ImageBox):
            ev = {
                "kind": "image_box",
                "x": self.evidence.x,
                "y": self.evidence.y,
                "width": self.evidence.width,
                "height": self.evidence.height,
            }
        else:
            ev = {"kind": "fact", "name": self.evidence.name, "value": self.evidence.value}
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "evidence": ev,
            "detector": self.detector,
            "detector_version": self.detector_version,
            **({"attributes": dict(self.attributes)} if self.attributes else {}),
        }
