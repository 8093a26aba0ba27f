"""``exposure.<region>.<state>``: body regions shown exposed or covered, from NudeNet.

The model is NudeNet 3.4.2's ``320n.onnx`` (inside the ``nudenet`` wheel), run once per picture as
part of the picture's shared :class:`~clearance.detectors.analysis.PictureAnalysis` (the face
finder reuses the same run). Each of its
sixteen body classes maps to one label (:data:`REGIONS`); its two face classes are not exposure
findings and are skipped here.

===========================  ===================================
NudeNet class                label
===========================  ===================================
``FEMALE_BREAST_EXPOSED``    ``exposure.breast_female.exposed``
``FEMALE_BREAST_COVERED``    ``exposure.breast_female.covered``
``MALE_BREAST_EXPOSED``      ``exposure.breast_male.exposed``
``FEMALE_GENITALIA_*``       ``exposure.genitalia_female.*``
``MALE_GENITALIA_EXPOSED``   ``exposure.genitalia_male.exposed``
``BUTTOCKS_*``               ``exposure.buttocks.*``
``ANUS_*``                   ``exposure.anus.*``
``BELLY_*``                  ``exposure.belly.*``
``ARMPITS_*``                ``exposure.armpits.*``
``FEET_*``                   ``exposure.feet.*``
===========================  ===================================

A region is reported when NudeNet's score reaches the region's minimum
(:data:`DEFAULT_MIN_SCORES`, 0.4 for every region unless the detector is built with other values);
the model itself drops boxes under 0.2. The finding's score is NudeNet's score, its evidence the
box in the picture's pixel coordinates, and its attributes ``region``, ``state`` and
``vendor_class`` (the raw NudeNet class). Whether a covered belly matters is for the policy to say
(with the faces and apparent ages of the same picture), not for this detector.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar, Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from clearance.content.picture import picture_of
from clearance.detectors.analysis import PictureAnalysis
from clearance.detectors.base import Example, ImageDetector, Item
from clearance.detectors.extras import Availability
from clearance.detectors.faces import images_availability
from clearance.errors import ConfigurationError
from clearance.findings import Attr, Emits, Finding, ImageBox, Schema

if TYPE_CHECKING:
    from clearance.detectors.resources import Resources

#: NudeNet class -> (region, state). Face classes are deliberately absent.
REGIONS: Final[Mapping[str, tuple[str, str]]] = {
    "FEMALE_BREAST_EXPOSED": ("breast_female", "exposed"),
    "FEMALE_BREAST_COVERED": ("breast_female", "covered"),
    "MALE_BREAST_EXPOSED": ("breast_male", "exposed"),
    "FEMALE_GENITALIA_EXPOSED": ("genitalia_female", "exposed"),
    "FEMALE_GENITALIA_COVERED": ("genitalia_female", "covered"),
    "MALE_GENITALIA_EXPOSED": ("genitalia_male", "exposed"),
    "BUTTOCKS_EXPOSED": ("buttocks", "exposed"),
    "BUTTOCKS_COVERED": ("buttocks", "covered"),
    "ANUS_EXPOSED": ("anus", "exposed"),
    "ANUS_COVERED": ("anus", "covered"),
    "BELLY_EXPOSED": ("belly", "exposed"),
    "BELLY_COVERED": ("belly", "covered"),
    "ARMPITS_EXPOSED": ("armpits", "exposed"),
    "ARMPITS_COVERED": ("armpits", "covered"),
    "FEET_EXPOSED": ("feet", "exposed"),
    "FEET_COVERED": ("feet", "covered"),
}
#: NudeNet classes that are not exposure findings (faces are the face detector's business).
SKIPPED_CLASSES: Final = frozenset({"FACE_FEMALE", "FACE_MALE"})

#: Every label this detector can emit, sorted.
EXPOSURE_LABELS: Final[tuple[str, ...]] = tuple(
    sorted(f"exposure.{region}.{state}" for region, state in REGIONS.values())
)
#: The minimum NudeNet score for a region to be reported, per region (both states).
DEFAULT_MIN_SCORE: Final = 0.4
DEFAULT_MIN_SCORES: Final[Mapping[str, float]] = {
    region: DEFAULT_MIN_SCORE for region in sorted({r for r, _ in REGIONS.values()})
}
MODEL: Final = "nudenet-3.4.2/320n"
#: A region whose box is at least this much covered by a face box is dropped (see findings()).
FACE_OVERLAP: Final = 0.5
#: Regions only vendors report (AWS "Bare Back"; Hive's ``yes_genitals``, which does not say whose).
VENDOR_REGIONS: Final = ("back", "genitalia")
STATES: Final = ("exposed", "covered")
#: The attributes of every ``exposure.<region>.<state>`` finding this detector emits.
EXPOSURE_SCHEMA: Final[Schema] = {
    "region": Attr(str, values=frozenset(DEFAULT_MIN_SCORES)),
    "state": Attr(str, values=frozenset(STATES)),
    "vendor_class": Attr(str, values=frozenset(REGIONS), doc="the raw NudeNet class"),
}


def _covered_by(face: ImageBox, region: ImageBox) -> float:
    """The share of ``region``'s area inside ``face``."""
    w = min(face.x + face.width, region.x + region.width) - max(face.x, region.x)
    h = min(face.y + face.height, region.y + region.height) - max(face.y, region.y)
    area = region.width * region.height
    return 0.0 if w <= 0 or h <= 0 or area <= 0 else (w * h) / area


def exposure_label(region: str, state: str) -> str:
    return f"exposure.{region}.{state}"


class ExposureDetector(ImageDetector):
    """Exposed and covered body regions on an image (NudeNet)."""

    name: ClassVar[str] = "exposure"
    #: 2: the face boxes that drop face-shaped "regions" come from MTCNN + RetinaFace (face v2).
    version: ClassVar[str] = f"2+{MODEL}"
    emits: ClassVar[Emits] = {label: EXPOSURE_SCHEMA for label in EXPOSURE_LABELS}

    def __init__(self, resources: Resources | None = None, *,
                 min_scores: Mapping[str, float] | None = None) -> None:
        """``min_scores`` overrides :data:`DEFAULT_MIN_SCORES` per region. The regions and the
        face boxes (a body region that is mostly a face is NudeNet mistaking the face for
        something else, and is dropped) come from the picture's shared analysis."""
        unknown = set(min_scores or {}) - set(DEFAULT_MIN_SCORES)
        if unknown:
            raise ConfigurationError(f"unknown exposure regions {sorted(unknown)}; "
                                     f"known: {', '.join(DEFAULT_MIN_SCORES)}")
        super().__init__(resources)
        self.min_scores: dict[str, float] = {**DEFAULT_MIN_SCORES, **(min_scores or {})}

    @classmethod
    def is_available(cls) -> Availability:
        return images_availability()  # the face boxes come from the face finder

    def scan(self, analysis: PictureAnalysis) -> list[Finding]:
        """The exposure findings of one picture, highest score first."""
        picture = analysis.picture
        out: list[Finding] = []
        face_boxes: Sequence[ImageBox] | None = None
        for r in analysis.regions():
            mapped = REGIONS.get(r.cls)
            if mapped is None:
                continue  # faces, or a class a future model adds: never guessed
            region, state = mapped
            if r.score < self.min_scores[region]:
                continue
            if face_boxes is None:
                face_boxes = analysis.face_boxes()[0]
            if any(_covered_by(face, r.box) >= FACE_OVERLAP for face in face_boxes):
                # measured: NudeNet calls a close-up child's face FEMALE_GENITALIA_EXPOSED (0.52)
                # on one of the 600 shared face crops; a region that is mostly a face is no body
                # region
                continue
            out.append(Finding(
                label=exposure_label(region, state),
                score=min(1.0, max(0.0, r.score)),
                evidence=_clip(r.box, picture.width, picture.height),
                detector=self.name,
                detector_version=self.version,
                attributes=(("region", region), ("state", state), ("vendor_class", r.cls)),
            ))
        out.sort(key=lambda f: (-f.score, f.label))
        return out

    @classmethod
    def examples(cls) -> Sequence[Example]:
        # Only what benign pictures can show: nothing on drawn shapes or a blank card.
        none = frozenset(EXPOSURE_LABELS)
        return (
            Example(Item("image", image=picture_of(_drawn_shapes(), "shapes.png")), forbid=none),
            Example(Item("image", image=picture_of(np.full((240, 320, 3), 255, np.uint8),
                                                   "blank.png")), forbid=none),
        )


def _clip(box: ImageBox, width: int, height: int) -> ImageBox:
    x = min(max(box.x, 0), width)
    y = min(max(box.y, 0), height)
    return ImageBox(x, y, max(0, min(box.width, width - x)), max(0, min(box.height, height - y)))


def _drawn_shapes() -> npt.NDArray[np.uint8]:
    im = Image.new("RGB", (320, 240), (235, 240, 250))
    d = ImageDraw.Draw(im)
    d.rectangle((20, 20, 140, 120), fill=(200, 60, 60))
    d.ellipse((170, 40, 300, 200), fill=(60, 120, 200))
    d.polygon([(40, 220), (120, 140), (200, 220)], fill=(60, 160, 90))
    return np.asarray(im, dtype=np.uint8)
