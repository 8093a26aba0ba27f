"""The face finder before RetinaFace (face v1), kept for the benchmarks' comparison only.

NudeNet 3.4.2's ``320n.onnx`` face classes at the shared 320 pass and a detail pass at up to
1.5 x, merged with dlib's HOG frontal-face detector (upsampled once below 80 px). Measured in
``bench_faces.py`` as ``legacy``: see ``bench/README.md``. Not used by the product.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from threading import Lock
from typing import Any

import numpy as np
import numpy.typing as npt

from clearance.detectors.models import Model, ModelShelf
from clearance.detectors.regions import NUDENET

SHARED_MIN_SCORE = 0.2
DETAIL_SCALE = 1.5
DETAIL_MAX_PIXELS = 4_000_000
DETAIL_MIN_SCORE = 0.35
HOG_MIN_SCORE = 0.7
HOG_UPSAMPLE_MAX_PIXELS = 2_400_000
HOG_MAX_PIXELS = 4_000_000
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
        raise RuntimeError("the legacy finder needs dlib") from exc
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
        raise ValueError(f"the smallest face must be at least 1 pixel, not {min_face_px}")
    detail = min(DETAIL_SCALE, 60.0 / min_face_px)
    return (detail if min_face_px <= 200 else None), min_face_px < 80


def shared_320(models: ModelShelf, pixels: npt.NDArray[np.uint8]) -> list[Raw]:
    """The face boxes of NudeNet's as-shipped 320 pass (the exposure detector's run)."""
    rgba = np.dstack([pixels, np.full(pixels.shape[:2], 255, np.uint8)])
    return [(float(d["box"][0]), float(d["box"][1]), float(d["box"][2]), float(d["box"][3]),
             float(d["score"])) for d in models.get(NUDENET).detect(rgba)
            if d["class"] in _FACE_CLASSES and d["score"] >= SHARED_MIN_SCORE]


def legacy_faces(models: ModelShelf, pixels: npt.NDArray[np.uint8],
                 min_face_px: int = 40) -> list[Raw]:
    """The v1 finder for faces from ``min_face_px`` (the 320 pass included)."""
    detail, upsample = passes_for(min_face_px)
    return merge_faces(models, pixels, shared_320(models, pixels), detail=detail,
                       hog_upsample=upsample)
