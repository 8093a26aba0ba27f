"""``face``: one finding per face the Screener's face finder sees.

The finder is a replaceable part of the Screener's
:class:`~clearance.detectors.resources.Resources`; the shipped one is
:class:`~clearance.detectors.finder.MtcnnRetinaFaces` (MTCNN at the scales the smallest wanted face
needs, plus RetinaFace for larger faces cut by an edge or partly covered, checked by MTCNN's
O-Net), chosen by ``bench/bench_faces.py``: see :mod:`clearance.detectors.finder` for the
measurements. It replaced (face v2) NudeNet's face classes at 1 x and 1.5 x merged with dlib's HOG
detector, which cost ~1 s a poster for 98 % recall and is kept in ``bench/legacy_faces.py`` for
comparison only; NudeNet still gives the body regions.

The finder's result lives in the picture's shared
:class:`~clearance.detectors.analysis.PictureAnalysis`, so ``face``, ``minor.apparent`` and
``exposure.*`` share one run. The smallest face it looks for is the Screener's
``CLEARANCE_FACE_MIN_PX``: a property of the finder, not of the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from clearance.content.picture import Picture, picture_of
from clearance.detectors.analysis import FaceBox, PictureAnalysis
from clearance.detectors.base import Example, ImageDetector, Item
from clearance.detectors.extras import IMAGES, Availability
from clearance.detectors.finder import availability as finder_availability
from clearance.detectors.regions import model_file
from clearance.findings import Attr, Emits, Finding, ImageBox, Label

__all__ = ["DEFAULT_MIN_FACE_PX", "FaceBox", "FaceDetector", "drawn_face_picture",
           "drawn_picture", "in_original", "iou"]

#: The smallest face (pixels, in the image as given) the finder is built to find by default;
#: ``CLEARANCE_FACE_MIN_PX`` changes it.
DEFAULT_MIN_FACE_PX = 40


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two ``(x, y, w, h, ...)`` boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def in_original(box: ImageBox, picture: Picture) -> ImageBox:
    """``box`` (in ``picture.pixels``) in the original image's pixels, for a picture that is a
    scaled-down copy (``original_size``); unchanged otherwise."""
    if picture.original_size is None:
        return box
    sx, sy = picture.original_size[0] / picture.width, picture.original_size[1] / picture.height
    return ImageBox(round(box.x * sx), round(box.y * sy), max(1, round(box.width * sx)),
                    max(1, round(box.height * sy)))


def images_availability() -> Availability:
    """What the image analysis needs: NudeNet (body regions) and the face finder's packages."""
    found = Availability.of(IMAGES, ("nudenet", "onnxruntime", "cv2"), (model_file(),))
    return found if not found else finder_availability()


class FaceDetector(ImageDetector):
    """``face``: one finding per face box (score = the finder's confidence)."""

    name: ClassVar[str] = "face"
    #: 2: MTCNN + RetinaFace (O-Net checked) instead of NudeNet + dlib HOG.
    version: ClassVar[str] = "2"
    emits: ClassVar[Emits] = {
        Label.FACE: {"model": Attr(str, doc="the face finder")},
    }

    @classmethod
    def is_available(cls) -> Availability:
        return images_availability()

    def input_key(self, item: Item) -> str:
        return self.resources.faces_key()

    def scan(self, analysis: PictureAnalysis) -> Sequence[Finding]:
        picture = analysis.picture
        model = analysis.face_finder.model_name
        return tuple(
            Finding(Label.FACE, f.score, in_original(f.box, picture), self.name, self.version,
                    attributes=(("model", model),))
            for f in analysis.faces()
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        face = frozenset({Label.FACE})
        return (Example(Item("image", image=drawn_face_picture()), expect=face),
                Example(Item("image", image=drawn_picture()), forbid=face))


def drawn_face_picture() -> Picture:
    """A face drawn in code, for examples: a 512 x 512 head and shoulders in flat, blurred
    shapes (hair, skin, eyebrows, eyes, nose, mouth). The face finder sees a face in it; the
    apparent-age network reads it as an adult. No photograph of anyone ships with the
    package."""
    from PIL import Image, ImageDraw, ImageFilter

    img = Image.new("RGB", (512, 512), (70, 90, 120))
    d = ImageDraw.Draw(img)
    d.ellipse((150, 70, 362, 300), fill=(50, 35, 25))  # hair
    d.rectangle((215, 330, 297, 430), fill=(200, 150, 120))  # neck
    d.ellipse((110, 400, 402, 620), fill=(40, 60, 110))  # shoulders
    d.ellipse((170, 110, 342, 360), fill=(225, 175, 145))  # face
    d.line((195, 190, 240, 185), fill=(60, 40, 30), width=7)  # eyebrows
    d.line((272, 185, 317, 190), fill=(60, 40, 30), width=7)
    for x in (195, 267):  # eye sockets, eyes, irises
        d.ellipse((x, 200, x + 50, 235), fill=(195, 145, 120))
        d.ellipse((x + 10, 208, x + 40, 226), fill=(245, 245, 245))
        d.ellipse((x + 18, 209, x + 32, 225), fill=(50, 35, 25))
    d.polygon([(256, 225), (240, 285), (272, 285)], fill=(205, 155, 128))  # nose
    d.ellipse((240, 278, 272, 292), fill=(185, 135, 110))
    d.ellipse((226, 305, 286, 325), fill=(170, 80, 80))  # mouth
    d.line((228, 315, 284, 315), fill=(110, 40, 40), width=3)
    return picture_of(np.asarray(img.filter(ImageFilter.GaussianBlur(4))), "drawn-face.png")


def drawn_picture() -> Picture:
    """A face-free image drawn in code: a gradient with shapes and a line of text."""
    from PIL import Image, ImageDraw

    y, x = np.mgrid[0:360, 0:480]
    base = np.stack([x * 255 // 479, y * 255 // 359, np.full_like(x, 160)], -1).astype(np.uint8)
    img = Image.fromarray(base)
    draw = ImageDraw.Draw(img)
    draw.ellipse((40, 40, 200, 160), fill=(250, 200, 40))
    draw.rectangle((260, 180, 440, 320), fill=(30, 60, 140))
    draw.text((50, 260), "COMING SOON", fill=(255, 255, 255))
    return picture_of(np.asarray(img), "drawn.png")
