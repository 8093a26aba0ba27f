"""Findings: one detector's observation about one item, as a frozen value.

A :class:`Finding` carries a ``label`` from the public taxonomy (``docs/labels.md``), a ``score`` in
[0, 1], typed ``evidence`` (a text span with offsets into the original text, an image box, or a
metadata fact) and the ``detector`` name and version that produced it. Nothing mutates a finding
after it is made; the policy engine only reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

from clearance.errors import InputError


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
    MINOR_SEXUALISED: Final = "minor.sexualised"
    TEXT_EVASION: Final = "text.evasion"

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
        MINOR_SEXUALISED,
        TEXT_EVASION,
    )
    FAMILIES: Final = ("exposure.",)


def is_known_label(label: str) -> bool:
    return label in Label.ALL or any(label.startswith(f) for f in Label.FAMILIES)


AttrValue: TypeAlias = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Attr:
    """What one attribute of a label's findings holds, as the detector that emits it declares.

    ``type`` is ``str``, ``int``, ``float`` or ``bool`` (a ``float`` attribute also holds whole
    numbers); ``nullable`` says it may be ``None`` (``age`` when no age is stated); ``values``,
    when given, is the closed set of strings it takes. The policy loader checks every ``where``
    against these declarations, so a misspelt attribute or value is refused instead of making a
    rule that never fires; the contract test checks every finding against them.
    """

    type: type[str] | type[int] | type[float] | type[bool]
    nullable: bool = False
    values: frozenset[str] = frozenset()
    doc: str = field(default="", compare=False)

    @property
    def is_number(self) -> bool:
        return self.type in (int, float)

    def kind(self) -> str:
        """How the type reads in a message: ``a number``, ``a string``, ``true or false``."""
        if self.type is bool:
            return "true or false"
        return "a number" if self.is_number else "a string"

    def holds(self, value: AttrValue) -> bool:
        """Whether ``value`` is one this attribute can take."""
        if value is None:
            return self.nullable
        if self.type is bool:
            return isinstance(value, bool)
        if isinstance(value, bool):
            return False
        if self.type is int:
            return isinstance(value, int)
        if self.type is float:
            return isinstance(value, int | float)
        return isinstance(value, str) and (not self.values or value in self.values)


#: What a label's findings carry: attribute name -> declaration.
Schema: TypeAlias = Mapping[str, Attr]
#: What an emitter (a detector, a vendor importer) declares: label -> its attributes.
Emits: TypeAlias = Mapping[str, Schema]


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
    attributes: tuple[tuple[str, AttrValue], ...] = field(default=())

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"finding score must be in [0, 1], got {self.score!r}")

    def attr(self, key: str) -> AttrValue:
        for k, v in self.attributes:
            if k == key:
                return v
        return None

    @property
    def sentence(self) -> int | None:
        return self.evidence.sentence if isinstance(self.evidence, TextSpan) else None

    def to_dict(self, *, precise: bool = False) -> dict[str, Any]:
        """The documented JSON shape (``docs/cli.md``). Scores are rounded to four places for
        people; ``precise=True`` keeps them exact, as screening records store them (a stored
        0.84996 must not become 0.85 and cross a threshold when the policy is evaluated again)."""
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
            "score": self.score if precise else round(self.score, 4),
            "evidence": ev,
            "detector": self.detector,
            "detector_version": self.detector_version,
            **({"attributes": dict(self.attributes)} if self.attributes else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The finding a :meth:`to_dict` mapping describes (exactly, for ``precise=True``).

        Raises :class:`~clearance.errors.InputError` naming the field when the mapping is not a
        finding (a damaged record, a vendor file written by hand)."""
        try:
            evidence = evidence_from_dict(data["evidence"])
            attributes = data.get("attributes") or {}
            if not isinstance(attributes, Mapping):
                raise InputError("finding attributes must be a mapping")
            for key, value in attributes.items():
                if not isinstance(key, str) or not (
                        value is None or isinstance(value, str | int | float | bool)):
                    raise InputError(f"finding attribute {key!r} must be a string, number, "
                                     f"boolean or null (got {type(value).__name__})")
            return cls(label=_str(data, "label"), score=float(data["score"]), evidence=evidence,
                       detector=_str(data, "detector"),
                       detector_version=_str(data, "detector_version"),
                       attributes=tuple(attributes.items()))
        except KeyError as exc:
            raise InputError(f"a finding needs {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise InputError(f"not a finding: {exc}") from None


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise InputError(f"finding field {key!r} must be a string (got {type(value).__name__})")
    return value


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"evidence field {key!r} must be a whole number (got {value!r})")
    return value


def evidence_from_dict(data: Mapping[str, Any]) -> Evidence:
    """Evidence from its ``to_dict`` mapping (``kind`` says which)."""
    if not isinstance(data, Mapping):
        raise InputError("finding evidence must be a mapping")
    kind = data.get("kind")
    if kind == "text_span":
        return TextSpan(_int(data, "start"), _int(data, "end"), str(data["text"]),
                        _int(data, "sentence"))
    if kind == "image_box":
        return ImageBox(_int(data, "x"), _int(data, "y"), _int(data, "width"),
                        _int(data, "height"))
    if kind == "fact":
        return Fact(str(data["name"]), str(data["value"]))
    raise InputError(f"unknown evidence kind {kind!r} (text_span, image_box or fact)")
