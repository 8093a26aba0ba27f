"""``exposure.<region>.<state>``: body regions shown exposed or covered, from NudeNet.

The model is NudeNet 3.4.2's ``320n.onnx`` (inside the ``nudenet`` wheel), run once per picture by
:func:`~clearance.detectors.regions.body_regions` and shared with the face detector. Each of its
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

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar, Final, Self

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from clearance.content.picture import Picture, picture_of
from clearance.detectors.base import ContentKind, Detector, Example, Item
from clearance.detectors.regions import Region, body_regions
from clearance.findings import Finding, ImageBox
from clearance.settings import Settings

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
FacesProvider = Callable[[Picture], Sequence[ImageBox]]


def _covered_by(face: ImageBox, region: ImageBox) -> float:
    """The share of ``region``'s area inside ``face``."""
    w = min(face.x + face.width, region.x + region.width) - max(face.x, region.x)
    h = min(face.y + face.height, region.y + region.height) - max(face.y, region.y)
    area = region.width * region.height
    return 0.0 if w <= 0 or h <= 0 or area <= 0 else (w * h) / area

RegionsProvider = Callable[[Picture], Sequence[Region]]


def exposure_label(region: str, state: str) -> str:
    return f"exposure.{region}.{state}"


class ExposureDetector(Detector):
    """Exposed and covered body regions on an image (NudeNet)."""

    name: ClassVar[str] = "exposure"
    version: ClassVar[str] = "1"
    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"image"})
    labels: ClassVar[tuple[str, ...]] = EXPOSURE_LABELS

    def __init__(self, *, regions: RegionsProvider = body_regions,
                 min_scores: Mapping[str, float] | None = None,
                 faces: FacesProvider | None = None) -> None:
        """``regions`` finds the raw regions of a picture (the shared NudeNet run by default; a
        fake in tests). ``min_scores`` overrides :data:`DEFAULT_MIN_SCORES` per region. ``faces``
        finds face boxes (the face detector's cached run by default): a body region that is
        mostly a face is NudeNet mistaking the face for something else and is dropped."""
        unknown = set(min_scores or {}) - set(DEFAULT_MIN_SCORES)
        if unknown:
            raise ValueError(f"unknown exposure regions {sorted(unknown)}; "
                             f"known: {', '.join(DEFAULT_MIN_SCORES)}")
        self._regions = regions
        self._faces = faces
        self.min_scores: dict[str, float] = {**DEFAULT_MIN_SCORES, **(min_scores or {})}

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls()

    @classmethod
    def is_available(cls) -> bool:
        spec = importlib.util.find_spec("nudenet")
        if spec is None or spec.origin is None:
            return False
        return (Path(spec.origin).parent / "320n.onnx").is_file()

    def detect(self, item: Item) -> Sequence[Finding]:
        if item.image is None:
            return ()
        return self.findings(item.image)

    def findings(self, picture: Picture) -> list[Finding]:
        """The exposure findings of one picture, highest score first."""
        out: list[Finding] = []
        face_boxes: list[ImageBox] | None = None
        for r in self._regions(picture):
            mapped = REGIONS.get(r.cls)
            if mapped is None:
                continue  # faces, or a class a future model adds: never guessed
            region, state = mapped
            if r.score < self.min_scores[region]:
                continue
            if face_boxes is None:
                face_boxes = self._face_boxes(picture)
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
                detector_version=f"{self.version}+{MODEL}",
                attributes=(("region", region), ("state", state), ("vendor_class", r.cls)),
            ))
        out.sort(key=lambda f: (-f.score, f.label))
        return out

    def _face_boxes(self, picture: Picture) -> list[ImageBox]:
        if self._faces is not None:
            return list(self._faces(picture))
        from clearance.detectors.age import face_boxes

        return face_boxes(picture)[0]

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
