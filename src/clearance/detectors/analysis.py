"""The per-picture analysis that image detectors share: body regions and faces.

Three detectors read the same things about a picture: ``exposure.*`` needs NudeNet's body regions
and the face boxes (a "body region" that is mostly a face is NudeNet mistaking the face), ``face``
reports the face boxes, and ``minor.apparent`` reads an age on each. Computing them once per
detector would triple the dominant cost of screening an image (faces: ~1 s a poster), so the
:class:`~clearance.screening.Screener` builds one :class:`PictureAnalysis` per image item and
hands it to every detector. Each part is computed on first use and kept for as long as the
analysis lives: one item's screening. Nothing is cached across items or processes.

Both finders are replaceable parts, given by the Screener's
:class:`~clearance.detectors.resources.Resources`: a :class:`RegionFinder` (NudeNet today) and a
:class:`FaceFinder` (MTCNN plus RetinaFace today,
:class:`~clearance.detectors.finder.MtcnnRetinaFaces`). Tests hand in fakes at this boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import RLock
from typing import Final, Literal, Protocol

from clearance.content.picture import Picture
from clearance.detectors.regions import Region
from clearance.findings import ImageBox

#: Images at most this many pixels on each side, and about square, are treated as one face when
#: no face is found in them but the face finder's :meth:`FaceFinder.crop_score` reaches
#: :data:`WHOLE_IMAGE_MIN_FACE_SCORE` (a face crop: a profile thumbnail, a dataset chip).
WHOLE_IMAGE_MAX_PX: Final = 256
WHOLE_IMAGE_MAX_ASPECT: Final = 1.25
WHOLE_IMAGE_MIN_FACE_SCORE: Final = 0.5

FaceBoxSource = Literal["detected", "whole_image"]


@dataclass(frozen=True, slots=True)
class FaceBox:
    """One face: its box in picture coordinates, the finder's confidence in [0, 1] and, when the
    finder gives them, five landmarks ``(x0, y0, ..., x4, y4)`` in picture coordinates: the
    eyes, the nose tip and the mouth corners, the image's left one first."""

    box: ImageBox
    score: float
    landmarks: tuple[float, ...] = ()


class RegionFinder(Protocol):
    """Finds body regions (and NudeNet's face classes) in a picture."""

    def find(self, picture: Picture) -> tuple[Region, ...]: ...


class FaceFinder(Protocol):
    """Finds faces. ``model_name`` is recorded on every ``face`` finding (``model``)."""

    model_name: str

    def find(self, analysis: PictureAnalysis) -> tuple[FaceBox, ...]:
        """Every face in ``analysis.picture``, best first. May use the analysis's other parts
        (:meth:`PictureAnalysis.regions`)."""
        ...

    def crop_score(self, picture: Picture) -> float:
        """How much the whole picture looks like one face filling the frame (a face crop, where
        finders trained on scenes often find nothing), in [0, 1]."""
        ...


def is_face_sized(picture: Picture) -> bool:
    """Whether a picture is small and about square: plausibly one face crop."""
    w, h = picture.width, picture.height
    return max(w, h) <= WHOLE_IMAGE_MAX_PX and \
        max(w, h) / max(1, min(w, h)) <= WHOLE_IMAGE_MAX_ASPECT


class PictureAnalysis:
    """What the image detectors share about one picture, each part computed on first use."""

    def __init__(self, picture: Picture, *, regions: RegionFinder, faces: FaceFinder) -> None:
        self.picture = picture
        self.region_finder = regions
        self.face_finder = faces
        # One item is screened by one thread today; the lock keeps a part from being computed
        # twice should detectors ever run in parallel.
        self._lock = RLock()
        self._regions: tuple[Region, ...] | None = None
        self._faces: tuple[FaceBox, ...] | None = None
        self._face_boxes: tuple[tuple[ImageBox, ...], FaceBoxSource] | None = None

    def regions(self) -> tuple[Region, ...]:
        """Every region the region finder sees (body classes and NudeNet's face classes)."""
        with self._lock:
            if self._regions is None:
                self._regions = self.region_finder.find(self.picture)
            return self._regions

    def faces(self) -> tuple[FaceBox, ...]:
        """Every face the face finder sees, best first."""
        with self._lock:
            if self._faces is None:
                self._faces = self.face_finder.find(self)
            return self._faces

    def face_boxes(self) -> tuple[tuple[ImageBox, ...], FaceBoxSource]:
        """The face boxes and how they were found: ``detected``, or ``whole_image`` for a small,
        square-ish picture in which no face is found but which looks like a face crop (the
        apparent-age calibration is fitted on exactly these boxes)."""
        with self._lock:
            if self._face_boxes is None:
                self._face_boxes = self._find_face_boxes()
            return self._face_boxes

    def _find_face_boxes(self) -> tuple[tuple[ImageBox, ...], FaceBoxSource]:
        boxes = tuple(f.box for f in self.faces())
        if boxes:
            return boxes, "detected"
        if is_face_sized(self.picture) and \
                self.face_finder.crop_score(self.picture) >= WHOLE_IMAGE_MIN_FACE_SCORE:
            return (ImageBox(0, 0, self.picture.width, self.picture.height),), "whole_image"
        return (), "detected"
