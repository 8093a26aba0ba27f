"""Google Cloud Vision: SafeSearch and face detection responses as findings.

An ``images:annotate`` response for one image — either the ``AnnotateImageResponse`` object
itself (``{"safeSearchAnnotation": ..., "faceAnnotations": [...]}``) or the batch form with one
entry (``{"responses": [{...}]}``, what ``gcloud ml vision detect-safe-search`` prints).

SafeSearch gives likelihoods, not scores. ``adult`` becomes ``suggestive.image`` with category
``explicit``, ``racy`` with category ``suggestive``, scored by :data:`LIKELIHOOD_SCORES`;
``UNKNOWN`` gives no finding. ``spoof``, ``medical`` and ``violence`` have no label of ours; the
``medical`` likelihood is kept as an attribute because it is context a reviewer wants.

``faceAnnotations[].boundingPoly`` (pixel vertices; a missing ``x`` or ``y`` means 0) becomes a
``face`` finding scored by ``detectionConfidence``. Vision estimates no age, so it never yields
``minor.apparent``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from clearance.findings import Attr, Emits, Finding, Label
from clearance.vendors._common import (
    UNKNOWN_VERSION,
    Json,
    Reader,
    clip_box,
    finding,
    vendor_fact,
)

DETECTOR: Final = "google-vision"
VENDOR: Final = "Google Vision"

#: SafeSearch likelihood -> score. The midpoints of five equal-odds bands would be
#: 0.1/0.3/0.5/0.7/0.9; the ends are pulled out (0.05, 0.95) because Google reserves
#: VERY_UNLIKELY/VERY_LIKELY for confident calls, and LIKELY is 0.75 so that a LIKELY
#: racy image clears a 0.7 review threshold while POSSIBLE (0.5) does not.
LIKELIHOOD_SCORES: Final[dict[str, float | None]] = {
    "UNKNOWN": None,
    "VERY_UNLIKELY": 0.05,
    "UNLIKELY": 0.2,
    "POSSIBLE": 0.5,
    "LIKELY": 0.75,
    "VERY_LIKELY": 0.95,
}
#: The protobuf enum numbers, for responses saved with numeric enums.
_LIKELIHOOD_NUMBERS: Final = ("UNKNOWN", "VERY_UNLIKELY", "UNLIKELY", "POSSIBLE", "LIKELY",
                              "VERY_LIKELY")

#: SafeSearch field -> the category of the ``suggestive.image`` finding it yields.
SAFE_SEARCH_FIELDS: Final = {"adult": "explicit", "racy": "suggestive"}

#: What Vision findings carry, per label.
EMITS: Final[Emits] = {
    Label.SUGGESTIVE_IMAGE: {
        "category": Attr(str, values=frozenset(SAFE_SEARCH_FIELDS.values())),
        "vendor_label": Attr(str, values=frozenset(SAFE_SEARCH_FIELDS)),
        "vendor_value": Attr(str, values=frozenset(LIKELIHOOD_SCORES), doc="the likelihood"),
        "medical": Attr(str, nullable=True, doc="the medical likelihood, as context"),
    },
    Label.FACE: {
        "vendor_label": Attr(str, values=frozenset({"faceAnnotations"})),
        "vendor_score": Attr(float),
        "vendor_box": Attr(str, values=frozenset({"boundingPoly", "fdBoundingPoly"})),
    },
}


def _likelihood(r: Reader, value: object, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 6:
        return _LIKELIHOOD_NUMBERS[value]
    if isinstance(value, str) and value in LIKELIHOOD_SCORES:
        return value
    raise r.error(path, "a likelihood (UNKNOWN, VERY_UNLIKELY, UNLIKELY, POSSIBLE, LIKELY, "
                        "VERY_LIKELY)", value)


def safe_search_findings(r: Reader, annotation: Mapping[str, Json], path: str) -> list[Finding]:
    medical = annotation.get("medical")
    medical_name = None if medical is None else _likelihood(r, medical, f"{path}.medical")
    out: list[Finding] = []
    for field, category in SAFE_SEARCH_FIELDS.items():
        if annotation.get(field) is None:
            continue
        likelihood = _likelihood(r, annotation[field], f"{path}.{field}")
        score = LIKELIHOOD_SCORES[likelihood]
        if score is None:
            continue
        out.append(finding(
            Label.SUGGESTIVE_IMAGE, score, vendor_fact(f"{field}: {likelihood}"), DETECTOR,
            UNKNOWN_VERSION,
            (("category", category), ("vendor_label", field), ("vendor_value", likelihood),
             ("medical", medical_name)),
        ))
    return out


def _vertices(r: Reader, poly: Mapping[str, Json], path: str, width: int,
              height: int) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    vertices = poly.get("vertices")
    if vertices:
        for i, v in enumerate(r.array(vertices, f"{path}.vertices")):
            vertex = r.obj(v, f"{path}.vertices[{i}]")
            x = r.number(vertex.get("x", 0), f"{path}.vertices[{i}].x", low=-1e6, high=1e6)
            y = r.number(vertex.get("y", 0), f"{path}.vertices[{i}].y", low=-1e6, high=1e6)
            points.append((x, y))
    else:
        normalized = r.array(poly.get("normalizedVertices"), f"{path}.vertices")
        for i, v in enumerate(normalized):
            vertex = r.obj(v, f"{path}.normalizedVertices[{i}]")
            x = r.number(vertex.get("x", 0), f"{path}.normalizedVertices[{i}].x", low=-1, high=2)
            y = r.number(vertex.get("y", 0), f"{path}.normalizedVertices[{i}].y", low=-1, high=2)
            points.append((x * width, y * height))
    if not points:
        raise r.error(f"{path}.vertices", "at least one vertex", vertices)
    return points


def face_findings(r: Reader, faces: list[Json], path: str, width: int,
                  height: int) -> list[Finding]:
    out: list[Finding] = []
    for i, entry in enumerate(faces):
        fpath = f"{path}[{i}]"
        face = r.obj(entry, fpath)
        key = "boundingPoly" if face.get("boundingPoly") is not None else "fdBoundingPoly"
        poly = r.obj(face.get(key), f"{fpath}.boundingPoly")
        points = _vertices(r, poly, f"{fpath}.{key}", width, height)
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        box = clip_box(min(xs), min(ys), max(xs), max(ys), width, height)
        confidence = r.number(face.get("detectionConfidence"), f"{fpath}.detectionConfidence",
                              low=0, high=1)
        out.append(finding(Label.FACE, confidence, box, DETECTOR, UNKNOWN_VERSION,
                           (("vendor_label", "faceAnnotations"), ("vendor_score", confidence),
                            ("vendor_box", key))))
    return out


def vision_findings(r: Reader, response: Mapping[str, Json], width: int,
                    height: int) -> list[Finding]:
    """Findings from one AnnotateImageResponse, or a batch response holding exactly one."""
    path = ""
    if "responses" in response:
        batch = r.array(response["responses"], "responses")
        if len(batch) != 1:
            raise r.problem(f"responses holds {len(batch)} image results; save one response "
                            "per image (each is screened against its own picture)")
        response = r.obj(batch[0], "responses[0]")
        path = "responses[0]."
    error = response.get("error")
    if error is not None:
        e = r.obj(error, f"{path}error")
        message = e.get("message") if isinstance(e.get("message"), str) else "no message"
        raise r.problem(f"the request failed at Google ({message}); there is nothing to import")
    if "safeSearchAnnotation" not in response and "faceAnnotations" not in response:
        raise r.problem(f"{path or 'the response'} has neither safeSearchAnnotation nor "
                        "faceAnnotations (request the SAFE_SEARCH_DETECTION and/or "
                        "FACE_DETECTION features)")
    out: list[Finding] = []
    if response.get("safeSearchAnnotation") is not None:
        annotation = r.obj(response["safeSearchAnnotation"], f"{path}safeSearchAnnotation")
        out.extend(safe_search_findings(r, annotation, f"{path}safeSearchAnnotation"))
    faces = r.opt_array(response, "faceAnnotations", path)
    out.extend(face_findings(r, faces, f"{path}faceAnnotations", width, height))
    return out
