"""AWS Rekognition: ``DetectModerationLabels`` and ``DetectFaces`` responses as findings.

``DetectModerationLabels`` (taxonomy v7, and the older v6 names) gives whole-image labels with a
``Confidence`` from 0 to 100 and **no boxes**: each sexual-content label becomes a
``suggestive.image`` finding and/or an ``exposure.<region>.<state>`` finding with score
``Confidence / 100`` and fact evidence (``vendor_label``). Violence, drugs, alcohol, gambling, hate
symbols and rude gestures have no label in our taxonomy and are skipped. An unknown label whose
``ParentName`` is a mapped sexual-content label inherits that parent's category.

``DetectFaces`` (with ``Attributes=["ALL"]`` for the age range) gives a ``face`` finding per face,
with its ``BoundingBox`` ratios turned into pixels of the picture, and ``minor.apparent`` when
``AgeRange.Low`` is under 18. The score is the share of whole years in ``Low..High`` that are
under 18: ``{Low: 8, High: 14}`` scores 1.0, ``{Low: 14, High: 22}`` 4/9 = 0.44, ``{Low: 17,
High: 25}`` 1/9 = 0.11. Rekognition applies a JPEG's EXIF orientation before it measures boxes,
as :mod:`clearance.content.images` does, so the boxes land on the same pixels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from clearance.findings import Attr, Emits, Finding, Label, Schema
from clearance.vendors._common import (
    UNKNOWN_VERSION,
    Attributes,
    Json,
    LabelMap,
    Reader,
    clip_box,
    finding,
    mapped_emits,
    mapped_findings,
)

DETECTOR: Final = "aws-rekognition"
VENDOR: Final = "AWS Rekognition"

_E = LabelMap(category="explicit")
_N = LabelMap(category="non_explicit_nudity")
_S = LabelMap(category="suggestive")
_SW = LabelMap(category="swimwear_underwear")

#: Vendor label (compared case-insensitively: v6 writes "Or", v7 "or") -> our mapping.
LABELS: Final[dict[str, LabelMap]] = {
    # v7 (ModerationModelVersion 7.0): three levels.
    "Explicit": _E,
    "Explicit Nudity": _E,
    "Exposed Male Genitalia": LabelMap(region="genitalia_male", state="exposed"),
    "Exposed Female Genitalia": LabelMap(region="genitalia_female", state="exposed"),
    "Exposed Buttocks or Anus": LabelMap(region="buttocks", state="exposed"),
    "Exposed Female Nipple": LabelMap(region="breast_female", state="exposed"),
    "Explicit Sexual Activity": _E,
    "Sex Toys": _E,
    "Non-Explicit Nudity of Intimate parts and Kissing": _N,
    "Non-Explicit Nudity": _N,
    "Bare Back": LabelMap(region="back", state="exposed"),
    "Exposed Male Nipple": LabelMap(region="breast_male", state="exposed"),
    "Partially Exposed Buttocks": LabelMap(region="buttocks", state="covered", partial=True),
    "Partially Exposed Female Breast": LabelMap(region="breast_female", state="covered",
                                                partial=True),
    "Implied Nudity": _N,
    "Obstructed Intimate Parts": _N,
    "Obstructed Female Nipple": LabelMap(region="breast_female", state="covered"),
    "Obstructed Male Genitalia": LabelMap(region="genitalia_male", state="covered"),
    "Kissing on the Lips": LabelMap(category="kissing"),
    "Swimwear or Underwear": _SW,
    "Female Swimwear or Underwear": _SW,
    "Male Swimwear or Underwear": _SW,
    # v6 and earlier: two levels ("Explicit Nudity" and the swimwear names are shared above).
    "Nudity": _E,
    "Graphic Male Nudity": _E,
    "Graphic Female Nudity": _E,
    "Sexual Activity": _E,
    "Illustrated Explicit Nudity": _E,
    "Adult Toys": _E,
    "Suggestive": _S,
    "Partial Nudity": _N,
    "Barechested Male": LabelMap(region="breast_male", state="exposed"),
    "Revealing Clothes": LabelMap(category="revealing_clothes"),
    "Sexual Situations": _S,
}
_BY_KEY: Final = {name.casefold(): m for name, m in LABELS.items()}

_MODERATION: Final[Schema] = {
    "vendor_label": Attr(str, doc="the moderation label"),
    "vendor_parent": Attr(str, nullable=True, doc="its ParentName"),
    "vendor_score": Attr(float, doc="Confidence, 0-100"),
    "taxonomy_level": Attr(int, nullable=True),
    "mapped_from": Attr(str, values=frozenset({"parent"})),
    "content_type": Attr(str, doc="the most confident of ContentTypes"),
}
#: What Rekognition findings carry, per label.
EMITS: Final[Emits] = {
    **mapped_emits(LABELS.values(), _MODERATION),
    Label.FACE: {
        "vendor_label": Attr(str, values=frozenset({"FaceDetails"})),
        "vendor_score": Attr(float), "age_low": Attr(int), "age_high": Attr(int),
    },
    Label.MINOR_APPARENT: {
        "vendor_label": Attr(str, values=frozenset({"AgeRange"})),
        "vendor_value": Attr(str, doc="Low-High"),
        "estimate": Attr(float, doc="the middle of the age range"),
        "low": Attr(int), "high": Attr(int), "band": Attr(str), "rule": Attr(str),
        "face_score": Attr(float),
    },
}


def _label_map(name: str, parent: str | None) -> tuple[LabelMap | None, bool]:
    """The mapping of a label, or of its parent for a label this table does not know."""
    own = _BY_KEY.get(name.casefold())
    if own is not None:
        return own, False
    inherited = _BY_KEY.get(parent.casefold()) if parent else None
    if inherited is not None and inherited.category is not None:
        return LabelMap(category=inherited.category), True
    return None, False


def _content_type(r: Reader, response: Mapping[str, Json]) -> str | None:
    best: tuple[float, str] | None = None
    for i, entry in enumerate(r.opt_array(response, "ContentTypes", "")):
        e = r.obj(entry, f"ContentTypes[{i}]")
        name = r.text(e.get("Name"), f"ContentTypes[{i}].Name")
        conf = r.number(e.get("Confidence", 0.0), f"ContentTypes[{i}].Confidence",
                        low=0, high=100)
        if best is None or conf > best[0]:
            best = (conf, name)
    return best[1] if best else None


def moderation_findings(r: Reader, response: Mapping[str, Json]) -> list[Finding]:
    labels = r.array(response.get("ModerationLabels"), "ModerationLabels")
    raw_version = response.get("ModerationModelVersion")
    version = UNKNOWN_VERSION if raw_version is None else r.text(raw_version,
                                                                 "ModerationModelVersion")
    content_type = _content_type(r, response)
    out: list[Finding] = []
    for i, entry in enumerate(labels):
        path = f"ModerationLabels[{i}]"
        e = r.obj(entry, path)
        if "ModerationLabel" in e and "Name" not in e:
            raise r.problem(f"{path} is a video result (GetContentModeration); save the "
                            "DetectModerationLabels response for the image instead")
        name = r.text(e.get("Name"), f"{path}.Name")
        parent = r.opt_text(e, "ParentName", f"{path}.") or None
        confidence = r.number(e.get("Confidence"), f"{path}.Confidence", low=0, high=100)
        level = e.get("TaxonomyLevel")
        if level is not None:
            level = int(r.number(level, f"{path}.TaxonomyLevel", low=0, high=10))
        m, inherited = _label_map(name, parent)
        if m is None:
            continue
        attributes: Attributes = (
            ("vendor_label", name), ("vendor_parent", parent), ("vendor_score", confidence),
            ("taxonomy_level", level),
        )
        if inherited:
            attributes += (("mapped_from", "parent"),)
        if content_type is not None:
            attributes += (("content_type", content_type),)
        out.extend(mapped_findings(m, confidence / 100.0, name, DETECTOR, version, attributes))
    return out


def apparent_minor_score(low: int, high: int) -> float:
    """The share of whole years in ``low..high`` (inclusive) that are under 18."""
    if low >= 18:
        return 0.0
    high = max(high, low)
    return (min(high, 17) - low + 1) / (high - low + 1)


def face_findings(r: Reader, response: Mapping[str, Json], width: int,
                  height: int) -> list[Finding]:
    faces = r.array(response.get("FaceDetails"), "FaceDetails")
    out: list[Finding] = []
    for i, entry in enumerate(faces):
        path = f"FaceDetails[{i}]"
        face = r.obj(entry, path)
        bb = r.obj(face.get("BoundingBox"), f"{path}.BoundingBox")
        # Ratios of the image size; a face cut by the frame can start below 0 or end past 1.
        left, top, w, h = (r.number(bb.get(k), f"{path}.BoundingBox.{k}", low=-1, high=2)
                           for k in ("Left", "Top", "Width", "Height"))
        box = clip_box(left * width, top * height, (left + w) * width, (top + h) * height,
                       width, height)
        confidence = r.number(face.get("Confidence"), f"{path}.Confidence",
                              low=0, high=100)
        attributes: Attributes = (("vendor_label", "FaceDetails"), ("vendor_score", confidence))
        age = face.get("AgeRange")
        low = high = None
        if age is not None:
            a = r.obj(age, f"{path}.AgeRange")
            low = int(r.number(a.get("Low"), f"{path}.AgeRange.Low", low=0, high=150))
            high = int(r.number(a.get("High"), f"{path}.AgeRange.High", low=0, high=150))
            if high < low:
                raise r.problem(f"{path}.AgeRange: High ({high}) is below Low ({low})")
            attributes += (("age_low", low), ("age_high", high))
        out.append(finding(Label.FACE, confidence / 100.0, box, DETECTOR, UNKNOWN_VERSION,
                           attributes))
        if low is not None and high is not None and low < 18:
            out.append(finding(
                Label.MINOR_APPARENT, apparent_minor_score(low, high), box, DETECTOR,
                UNKNOWN_VERSION,
                (("vendor_label", "AgeRange"), ("vendor_value", f"{low}-{high}"),
                 ("estimate", (low + high) / 2), ("low", low), ("high", high),
                 ("band", f"{low}-{high}"), ("rule", "share of AgeRange years under 18"),
                 ("face_score", round(confidence / 100.0, 4))),
            ))
    return out


def rekognition_findings(r: Reader, response: Mapping[str, Json], width: int,
                         height: int) -> list[Finding]:
    """Findings from a DetectModerationLabels and/or DetectFaces response object."""
    if "ModerationLabels" not in response and "FaceDetails" not in response:
        raise r.problem("expected ModerationLabels (DetectModerationLabels) or FaceDetails "
                        "(DetectFaces)")
    out: list[Finding] = []
    if "ModerationLabels" in response:
        out.extend(moderation_findings(r, response))
    if "FaceDetails" in response:
        out.extend(face_findings(r, response, width, height))
    return out
