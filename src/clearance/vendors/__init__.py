"""Findings from cloud moderation services a team already pays for.

Teams that send their artwork to AWS Rekognition, Google Cloud Vision or Hive keep those results:
save the JSON response, and :func:`parse_vendor_findings` turns it into Clearance findings mapped
onto our label taxonomy, with the vendor recorded as the detector (``aws-rekognition``,
``google-vision``, ``hive``) and the model version when the response carries one (otherwise
``unknown``). Every finding keeps the vendor's own label and value in its attributes
(``vendor_label``, ``vendor_score`` / ``vendor_value``). The mapping tables, score rules and
limits are in ``docs/vendors.md``.

The vendor is recognised from the shape of the JSON:

* ``ModerationLabels`` and/or ``FaceDetails`` -> AWS Rekognition (:func:`parse_rekognition`);
* ``safeSearchAnnotation`` / ``faceAnnotations``, or ``responses: [...]`` -> Google Vision
  (:func:`parse_google_vision`);
* ``status[].response.output`` or ``output[].classes`` -> Hive (:func:`parse_hive`).

A JSON list of such responses (e.g. a moderation and a face response for the same image) gives
the findings of each. Anything else — not JSON, an unknown shape, a field of the wrong type — is
an :class:`~clearance.errors.InputError` naming the ``source`` and what was expected; never a
traceback.

``width`` and ``height`` are the picture's size in pixels (EXIF orientation applied, as
:mod:`clearance.content.images` produces it); vendor boxes are converted into that pixel space. The
response must be for the same image file, at the same size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from clearance.errors import InputError
from clearance.findings import Emits, Finding
from clearance.vendors import google_vision, hive, rekognition
from clearance.vendors._common import Json, Reader, check_size, describe, load_json

Vendor = Literal["aws-rekognition", "google-vision", "hive"]
VENDORS: Final[tuple[Vendor, ...]] = ("aws-rekognition", "google-vision", "hive")

VendorData = bytes | str | Mapping[str, Json] | list[Json]

#: What each vendor's findings carry, by the detector name they are recorded under (label ->
#: attributes, as a detector's ``emits``): checked against policies like the detectors' own.
VENDOR_EMITS: Final[Mapping[str, Emits]] = {
    rekognition.DETECTOR: rekognition.EMITS,
    google_vision.DETECTOR: google_vision.EMITS,
    hive.DETECTOR: hive.EMITS,
}

__all__ = [
    "VENDORS",
    "VENDOR_EMITS",
    "Vendor",
    "detect_vendor",
    "parse_google_vision",
    "parse_hive",
    "parse_rekognition",
    "parse_vendor_findings",
]

_EXPECTED = ("a saved response from AWS Rekognition (ModerationLabels or FaceDetails), Google "
             "Vision (safeSearchAnnotation, faceAnnotations or responses) or Hive "
             "(status[].response.output or output[].classes)")


def detect_vendor(response: object) -> Vendor | None:
    """Which vendor a parsed JSON object comes from, by its shape; ``None`` when unknown."""
    if not isinstance(response, Mapping):
        return None
    if "ModerationLabels" in response or "FaceDetails" in response:
        return "aws-rekognition"
    if "safeSearchAnnotation" in response or "faceAnnotations" in response:
        return "google-vision"
    responses = response.get("responses")
    if isinstance(responses, list) and all(isinstance(x, Mapping) for x in responses):
        return "google-vision"
    if isinstance(response.get("output"), list):
        return "hive"
    status = response.get("status")
    entries = status if isinstance(status, list) else [status]
    if entries and all(isinstance(e, Mapping) and "response" in e for e in entries):
        return "hive"
    return None


def _one(vendor: Vendor, response: Mapping[str, Json], width: int, height: int,
         source: str) -> list[Finding]:
    if vendor == "aws-rekognition":
        r = Reader(source, rekognition.VENDOR)
        return rekognition.rekognition_findings(r, response, width, height)
    if vendor == "google-vision":
        r = Reader(source, google_vision.VENDOR)
        return google_vision.vision_findings(r, response, width, height)
    return hive.hive_findings(Reader(source, hive.VENDOR), response)


def _as_object(parsed: Json, source: str, vendor_name: str) -> Mapping[str, Json]:
    if not isinstance(parsed, Mapping):
        raise InputError(f"{source}: {vendor_name} response: expected a JSON object, got "
                         f"{describe(parsed)}")
    return parsed


def parse_vendor_findings(data: VendorData, *, width: int, height: int,
                          source: str) -> list[Finding]:
    """Findings from a saved vendor response, the vendor recognised from its shape.

    ``data`` is the response as UTF-8 bytes, text, or already-parsed JSON; a JSON list holds
    several responses for the same image. ``source`` names it in errors (usually the file name).
    """
    check_size(width, height, source)
    parsed = load_json(data, source)
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items:
        raise InputError(f"{source}: not a vendor response: an empty list (expected "
                         f"{_EXPECTED})")
    out: list[Finding] = []
    for i, item in enumerate(items):
        vendor = detect_vendor(item)
        if vendor is None or not isinstance(item, Mapping):
            where = f"item {i} of the list" if isinstance(parsed, list) else "the JSON"
            raise InputError(f"{source}: not a recognised vendor response: {where} is "
                             f"{describe(item)}; expected {_EXPECTED}")
        out.extend(_one(vendor, item, width, height, source))
    return out


def parse_rekognition(data: VendorData, *, width: int, height: int,
                      source: str) -> list[Finding]:
    """Findings from an AWS Rekognition ``DetectModerationLabels`` and/or ``DetectFaces``
    response (``DetectFaces`` needs ``Attributes=["ALL"]`` for ages)."""
    check_size(width, height, source)
    response = _as_object(load_json(data, source), source, rekognition.VENDOR)
    return _one("aws-rekognition", response, width, height, source)


def parse_google_vision(data: VendorData, *, width: int, height: int,
                        source: str) -> list[Finding]:
    """Findings from a Google Vision ``images:annotate`` response (SafeSearch, faces)."""
    check_size(width, height, source)
    response = _as_object(load_json(data, source), source, google_vision.VENDOR)
    return _one("google-vision", response, width, height, source)


def parse_hive(data: VendorData, *, width: int, height: int, source: str) -> list[Finding]:
    """Findings from a Hive visual moderation response (V2 task or V3). Hive gives no boxes;
    ``width``/``height`` are checked for symmetry with the other vendors."""
    check_size(width, height, source)
    response = _as_object(load_json(data, source), source, hive.VENDOR)
    return _one("hive", response, width, height, source)
