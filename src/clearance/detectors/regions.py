"""Body regions and faces from NudeNet (``nudenet`` 3.4, the ``320n.onnx`` model inside the wheel).

One model run per picture serves two detectors: ``exposure.<region>.<state>`` and the face boxes
used for ``face`` and ``minor.apparent``. The run belongs to the picture's
:class:`~clearance.detectors.analysis.PictureAnalysis`, which the Screener builds once per image
item and hands to every detector, so the detectors that share it do not run it twice; the model
itself is loaded once per :class:`~clearance.detectors.models.ModelShelf` (:data:`NUDENET`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from clearance.content.picture import Picture
from clearance.detectors.extras import IMAGES, package_dir, unavailable
from clearance.detectors.models import Model, ModelShelf
from clearance.findings import ImageBox

MODEL_NAME = "nudenet 3.4.2 320n.onnx"
MODEL_FILE = "320n.onnx"


@dataclass(frozen=True, slots=True)
class Region:
    """One NudeNet detection: its raw class (e.g. ``BELLY_EXPOSED``, ``FACE_FEMALE``)."""

    cls: str
    score: float
    box: ImageBox


def model_file() -> Any:
    """The path of ``320n.onnx`` inside the nudenet wheel, or None."""
    root = package_dir("nudenet")
    return None if root is None else root / MODEL_FILE


def _load(threads: int | None) -> Any:
    path = model_file()
    if path is None or not path.is_file():
        raise unavailable("body-region and face detection need the 'nudenet' package with its "
                          f"{MODEL_FILE}", IMAGES)
    try:
        import onnxruntime as ort
        from nudenet import NudeDetector
    except ImportError as exc:
        raise unavailable(f"NudeNet cannot be imported ({exc})", IMAGES) from exc
    detector = NudeDetector()
    if threads is not None:  # the shelf asks for fewer threads (benchmarks pin one per core)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        detector.onnx_session = ort.InferenceSession(str(path), opts,
                                                     providers=["CPUExecutionProvider"])
        detector.input_name = detector.onnx_session.get_inputs()[0].name
    return detector


#: NudeNet's detector (``.detect(rgba)``; ``.onnx_session`` for the face detail pass).
NUDENET: Model[Any] = Model("nudenet-3.4.2/320n", _load)


class NudeNetRegions:
    """The body-region finder of a :class:`~clearance.detectors.analysis.PictureAnalysis`:
    NudeNet as shipped (score >= 0.2 before NMS, the picture shrunk to 320 x 320)."""

    def __init__(self, models: ModelShelf) -> None:
        self._models = models

    def find(self, picture: Picture) -> tuple[Region, ...]:
        rgba = np.dstack([picture.pixels, np.full(picture.pixels.shape[:2], 255, np.uint8)])
        raw = self._models.get(NUDENET).detect(rgba)
        return tuple(
            Region(str(d["class"]), float(d["score"]),
                   ImageBox(int(d["box"][0]), int(d["box"][1]), int(d["box"][2]),
                            int(d["box"][3])))
            for d in raw
        )
