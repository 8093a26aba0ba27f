"""Body regions and faces from NudeNet (``nudenet`` 3.4, the ``320n.onnx`` model inside the wheel).

One model run per picture serves two detectors: ``exposure.<region>.<state>`` and the face boxes
used for ``face`` and ``minor.apparent``. :func:`body_regions` loads the model lazily, once per
process, and remembers the last few pictures' results (keyed by content hash), so the detectors
that share it do not run it twice on the same image.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from threading import Lock
from typing import Any

import numpy as np

from clearance.content.picture import Picture
from clearance.errors import DetectorUnavailable
from clearance.findings import ImageBox

MODEL_NAME = "nudenet 3.4.2 320n.onnx"
_CACHE_SIZE = 8


@dataclass(frozen=True, slots=True)
class Region:
    """One NudeNet detection: its raw class (e.g. ``BELLY_EXPOSED``, ``FACE_FEMALE``)."""

    cls: str
    score: float
    box: ImageBox


@cache
def _model() -> Any:
    try:
        from nudenet import NudeDetector
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DetectorUnavailable("body-region detection needs the 'nudenet' package") from exc
    return NudeDetector()


_results: OrderedDict[str, tuple[Region, ...]] = OrderedDict()
_lock = Lock()


def body_regions(picture: Picture) -> tuple[Region, ...]:
    """Every region NudeNet finds (score >= 0.2 before NMS, as the model ships)."""
    with _lock:
        hit = _results.get(picture.sha256)
        if hit is not None:
            _results.move_to_end(picture.sha256)
            return hit
    rgba = np.dstack([picture.pixels, np.full(picture.pixels.shape[:2], 255, np.uint8)])
    raw = _model().detect(rgba)
    out = tuple(
        Region(str(d["class"]), float(d["score"]),
               ImageBox(int(d["box"][0]), int(d["box"][1]), int(d["box"][2]), int(d["box"][3])))
        for d in raw
    )
    with _lock:
        _results[picture.sha256] = out
        while len(_results) > _CACHE_SIZE:
            _results.popitem(last=False)
    return out
