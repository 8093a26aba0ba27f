"""Face detection on faces pasted into drawn and face-free scenes: which detector to use.

    .venv/bin/python bench/bench_faces.py [--per-size 100] [--seed 7] [--candidates a,b] [--out F]

Positives: the shared benign face crops (``../shared/data/utkface-dev``, 200 x 200, the face fills
the crop) resized to 40, 60, 80, 120, 200 and 400 pixels and pasted, one to three per scene, at
random non-overlapping positions onto a canvas (640x480, 800x1200, 1280x720, 1024x1024 or
1920x1080) whose background is drawn in code (a gradient, smoothed noise, shapes, text) or is a
face-free scikit-image sample photo; each scene is JPEG-encoded (quality 90) as an asset would be.
``--per-size`` crops per size (seeded sample, every age band; 600 = every crop at every size).
Ground truth is the pasted box; a detection is a hit when its IoU with an unmatched truth box is at
least 0.3 (greedy, best score first); the table also gives recall at IoU 0.5.

Negatives: face-free images: 20 scikit-image sample photos (coffee, chelsea the cat, rocket,
motorcycle, hubble, ...; never astronaut or camera, which show people, nor coins, whose coins show
heads) at their own size and enlarged to 1280 pixels, and 20 drawn images: 60 in all. A *false
face* is any detection there; unmatched detections in the face scenes are reported too.

Nothing is written but the report and ``--out`` (JSON, default ``bench/results/faces.json``); the
crops are read at run time and never copied. Timings are per scene, single process, every pass
included (the 320 NudeNet pass is shared with the exposure detector in the product, reported apart).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from _common import RESULTS, machine_info, shared_data
from clearance.content.picture import picture_of
from clearance.detectors import faces, regions
from clearance.detectors.faces import Raw, iou, nudenet_faces
from clearance.detectors.resources import Resources

SIZES = (40, 60, 80, 120, 200, 400)
CANVASES = ((640, 480), (800, 1200), (1280, 720), (1024, 1024), (1920, 1080))
BACKGROUNDS = ("gradient", "noise", "shapes", "text", "photo")
FACE_FREE_PHOTOS = (
    "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "hubble_deep_field.jpg",
    "moon.png", "grass.png", "gravel.png", "brick.png", "horse.png", "page.png", "text.png",
    "clock_motion.png", "retina.jpg", "ihc.png", "logo.png", "color.png", "cell.png",
    "phantom.png", "chessboard_RGB.png",
)
WITH_FACES = ("astronaut.png", "camera.png")
WORDS = ("COMING SOON", "ONLY IN CINEMAS", "THE SEQUEL", "A FILM BY", "SEASON 2", "NOW STREAMING",
         "WINNER", "FESTIVAL", "DIRECTED BY", "PREMIERE", "LIMITED SERIES", "NEW EPISODES")
THRESHOLDS = (0.2, 0.3, 0.4, 0.5)


@dataclass
class Scene:
    name: str
    pixels: np.ndarray
    truth: list[tuple[int, int, int, int]]
    sizes: list[int]
    background: str
    dets: dict[str, list[Raw]] = field(default_factory=dict)
    ms: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- scenes drawn in code

def _photo(name: str) -> Image.Image:
    from skimage import data

    return Image.open(Path(data.data_dir) / name).convert("RGB")


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
        name = FACE_FREE_PHOTOS[int(rng.integers(0, 11))]  # the natural photos, not diagrams
        return _photo(name).resize((w, h), Image.Resampling.BICUBIC)
    img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(img)
    if kind == "shapes":
        for _ in range(int(rng.integers(8, 30))):
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
            x1, y1 = x0 + int(rng.integers(10, w // 2)), y0 + int(rng.integers(10, h // 2))
            fill = tuple(int(v) for v in rng.integers(0, 256, 3))
            shape = int(rng.integers(0, 3))
            if shape == 0:
                draw.rectangle((x0, y0, x1, y1), fill=fill)
            elif shape == 1:
                draw.ellipse((x0, y0, x1, y1), fill=fill)
            else:
                draw.line((x0, y0, x1, y1), fill=fill, width=int(rng.integers(2, 20)))
        return img
    for _ in range(int(rng.integers(4, 12))):  # text
        size = int(rng.integers(14, 120))
        font = ImageFont.load_default(size=size)
        xy = (int(rng.integers(0, w - 40)), int(rng.integers(0, h - 20)))
        draw.text(xy, WORDS[int(rng.integers(0, len(WORDS)))], font=font,
                  fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    return img


def _jpeg(img: Image.Image) -> np.ndarray:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _place(w: int, h: int, size: int, taken: list[tuple[int, int, int, int]],
           rng: np.random.Generator) -> tuple[int, int] | None:
    for _ in range(50):
        x, y = int(rng.integers(0, w - size + 1)), int(rng.integers(0, h - size + 1))
        pad = 8
        if all(x + size + pad <= tx or tx + ts + pad <= x or y + size + pad <= ty
               or ty + ts + pad <= y for tx, ty, ts, _ in taken):
            return x, y
    return None


def face_scenes(data: Path, per_size: int, seed: int) -> list[Scene]:
    rows = list(csv.DictReader((data / "labels.csv").open(encoding="utf-8")))
    rng = np.random.default_rng(seed)
    queue: list[tuple[str, int]] = []
    for size in SIZES:
        picks = rng.permutation(len(rows))[:per_size]
        queue += [(rows[int(i)]["file"], size) for i in picks]
    order = rng.permutation(len(queue))
    queue = [queue[int(i)] for i in order]
    scenes: list[Scene] = []
    while queue:
        w, h = CANVASES[int(rng.integers(0, len(CANVASES)))]
        kind = BACKGROUNDS[len(scenes) % len(BACKGROUNDS)]
        img = background(kind, w, h, rng)
        taken: list[tuple[int, int, int, int]] = []
        for _ in range(int(rng.integers(1, 4))):
            if not queue:
                break
            file, size = queue[0]
            spot = _place(w, h, size, taken, rng)
            if spot is None:
                break
            queue.pop(0)
            face = Image.open(data / "images" / file).convert("RGB")
            img.paste(face.resize((size, size), Image.Resampling.LANCZOS), spot)
            taken.append((spot[0], spot[1], size, size))
        scenes.append(Scene(f"scene{len(scenes):04d}-{kind}", _jpeg(img),
                            [(x, y, s, s) for x, y, s, _ in taken], [s for *_, s, _ in taken],
                            kind))
    return scenes


def face_free_scenes(seed: int) -> list[Scene]:
    rng = np.random.default_rng(seed + 1)
    out: list[Scene] = []
    for name in FACE_FREE_PHOTOS:
        img = _photo(name)
        out.append(Scene(f"photo-{name}", np.asarray(img), [], [], "photo"))
        k = 1280 / max(img.size)
        big = img.resize((round(img.width * k), round(img.height * k)), Image.Resampling.BICUBIC)
        out.append(Scene(f"photo1280-{name}", _jpeg(big), [], [], "photo"))
    for i in range(20):
        w, h = CANVASES[int(rng.integers(0, len(CANVASES)))]
        kind = BACKGROUNDS[i % 4]
        out.append(Scene(f"drawn-{i:02d}-{kind}", _jpeg(background(kind, w, h, rng)), [], [],
                         kind))
    return out


# ---------------------------------------------------------------- candidates

#: The models every candidate uses, loaded once (as one Screener would).
RESOURCES = Resources()
MODELS = RESOURCES.models


def _nudenet_320(pixels: np.ndarray) -> list[Raw]:
    rgba = np.dstack([pixels, np.full(pixels.shape[:2], 255, np.uint8)])
    return [(float(d["box"][0]), float(d["box"][1]), float(d["box"][2]), float(d["box"][3]),
             float(d["score"])) for d in MODELS.get(regions.NUDENET).detect(rgba)
            if d["class"] in ("FACE_FEMALE", "FACE_MALE")]


_HOG: list[Any] = []


def _hog(pixels: np.ndarray, upsample: int) -> list[Raw]:
    import dlib

    if not _HOG:
        _HOG.append(dlib.get_frontal_face_detector())
    rects, scores, _ = _HOG[0].run(np.ascontiguousarray(pixels), upsample, -0.5)
    # dlib's SVM margin (0 = its default threshold) squashed into [0, 1]: 0.5 at margin 0
    return [(float(r.left()), float(r.top()), float(r.width()), float(r.height()),
             float(1 / (1 + np.exp(-4 * s)))) for r, s in zip(rects, scores, strict=True)]


def _lbp(pixels: np.ndarray) -> list[Raw]:
    from skimage import data
    from skimage.color import rgb2gray
    from skimage.feature import Cascade

    if len(_HOG) < 2:
        _HOG.extend([None] * (2 - len(_HOG)))
    if _HOG[1] is None:
        _HOG[1] = Cascade(data.lbp_frontal_face_cascade_filename())
    gray = rgb2gray(pixels)
    found = _HOG[1].detect_multi_scale(gray, scale_factor=1.2, step_ratio=1, min_size=(32, 32),
                                       max_size=(480, 480))
    return [(float(d["c"]), float(d["r"]), float(d["width"]), float(d["height"]), 0.9)
            for d in found]


def _passes(spec: str) -> Callable[[np.ndarray], list[Raw]]:
    """``nn320+1.5@0.35/4+hog@0.7``: the shared 320 pass, a NudeNet pass at scale 1.5 keeping
    boxes from 0.35 on at most 4 megapixels, dlib HOG from score 0.7 (each part optional)."""
    kw: dict[str, Any] = {"detail": None, "hog": False}
    for part in spec.split("+")[1:]:
        if part.startswith("hog"):
            kw.update(hog=True, hog_min=float(part.split("@")[1]))
            continue
        scale, rest = part.split("@")
        score, mp = rest.split("/") if "/" in rest else (rest, "4")
        kw.update(detail=float(scale), detail_min=float(score),
                  detail_max_pixels=int(float(mp) * 1e6))

    def run(pixels: np.ndarray) -> list[Raw]:
        shared = [r for r in _nudenet_320(pixels) if r[4] >= faces.SHARED_MIN_SCORE]
        return faces.merge_faces(MODELS, pixels, shared, **kw)
    return run


def _min_face(min_face_px: int) -> Callable[[np.ndarray], list[Raw]]:
    """The face finder as configured with ``CLEARANCE_FACE_MIN_PX=min_face_px``."""
    detail, upsample = faces.passes_for(min_face_px)

    def run(pixels: np.ndarray) -> list[Raw]:
        shared = [r for r in _nudenet_320(pixels) if r[4] >= faces.SHARED_MIN_SCORE]
        return faces.merge_faces(MODELS, pixels, shared, detail=detail, hog_upsample=upsample)
    return run


def candidate(name: str) -> Callable[[np.ndarray], list[Raw]]:
    """A named candidate, a pass spec (``nn320+...``) or ``min<N>`` (the finder for N px)."""
    if name.startswith("nn320+"):
        return _passes(name)
    if name.startswith("min") and name[3:].isdigit():
        return _min_face(int(name[3:]))
    return CANDIDATES[name]


def _find_faces(pixels: np.ndarray) -> list[Raw]:
    """The shipped face finder, as the Screener runs it (a fresh analysis: nothing cached)."""
    pic = picture_of(pixels, "bench")
    return [(f.box.x, f.box.y, f.box.width, f.box.height, f.score)
            for f in RESOURCES.analyse(pic).faces()]


CANDIDATES: dict[str, Callable[[np.ndarray], list[Raw]]] = {
    "nudenet-320": _nudenet_320,
    "nudenet-x1.0": lambda p: nudenet_faces(MODELS.get(regions.NUDENET), p, 1.0),
    "nudenet-x1.5": lambda p: nudenet_faces(MODELS.get(regions.NUDENET), p, 1.5),
    "dlib-hog-up0": lambda p: _hog(p, 0),
    "dlib-hog-up1": lambda p: _hog(p, 1),
    "nudenet-320+x1.5": _passes("nn320+1.5@0.35/4"),
    "nudenet-320+hog": _passes("nn320+hog@0.7"),
    "skimage-lbp": _lbp,
    "find_faces": _find_faces,
}
DEFAULT_CANDIDATES = tuple(c for c in CANDIDATES if c != "skimage-lbp")
MERGED = frozenset({"nudenet-320+x1.5", "nudenet-320+hog", "find_faces"})


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


def _canvas(sc: Scene) -> str:
    return f"{sc.pixels.shape[1]}x{sc.pixels.shape[0]}"


def evaluate(name: str, pos: list[Scene], neg: list[Scene], thr: float) -> dict[str, Any]:
    per_size = {s: [0, 0] for s in SIZES}
    per_canvas: dict[str, list[int]] = {}
    hits50 = total = false_pos_scenes = 0
    for sc in pos:
        found, false = match(sc.truth, sc.dets[name], thr, 0.3)
        found50, _ = match(sc.truth, sc.dets[name], thr, 0.5)
        false_pos_scenes += false
        canvas = f"{sc.pixels.shape[1]}x{sc.pixels.shape[0]}"
        for s, f, f50 in zip(sc.sizes, found, found50, strict=True):
            per_canvas.setdefault(f"{canvas} {s}px", [0, 0])
            per_canvas[f"{canvas} {s}px"][0] += f
            per_canvas[f"{canvas} {s}px"][1] += 1
            per_size[s][0] += f
            per_size[s][1] += 1
            hits50 += f50
            total += 1
    neg_false = [len([d for d in sc.dets[name] if d[4] >= thr]) for sc in neg]
    return {
        "threshold": thr,
        "recall_by_size": {str(s): h / n if n else None for s, (h, n) in per_size.items()},
        "recall": sum(h for h, _ in per_size.values()) / total,
        "recall_by_canvas_and_size": {k: f"{h}/{n}" for k, (h, n) in sorted(per_canvas.items())},
        "recall_iou50": hits50 / total,
        "false_faces_per_face_free_image": sum(neg_false) / len(neg),
        "face_free_images_with_false_face": sum(1 for n in neg_false if n),
        "false_faces_where": [sc.name for sc, n in zip(neg, neg_false, strict=True) if n],
        "false_per_face_scene": false_pos_scenes / len(pos),
        "ms_per_scene": float(np.mean([sc.ms[name] for sc in pos])),
        "ms_by_canvas": {c: float(np.median([sc.ms[name] for sc in pos if _canvas(sc) == c]))
                         for c in sorted({_canvas(sc) for sc in pos})},
        "ms_per_face_free_image": float(np.mean([sc.ms[name] for sc in neg])),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-size", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--candidates", default=",".join(DEFAULT_CANDIDATES),
                    help=f"comma-separated, from: {', '.join(CANDIDATES)}")
    ap.add_argument("--out", type=Path, default=RESULTS / "faces.json")
    args = ap.parse_args(argv)
    data = shared_data() / "utkface-dev"
    if not (data / "labels.csv").is_file():
        sys.exit(f"the face crops are not at {data} (set CLEARANCE_SHARED_DATA)")
    names = [c for c in args.candidates.split(",") if c]
    unknown = [c for c in names if c not in CANDIDATES and not c.startswith("nn320+")
               and not (c.startswith("min") and c[3:].isdigit())]
    if unknown:
        sys.exit(f"unknown candidates {unknown}; known: {', '.join(CANDIDATES)}")

    pos = face_scenes(data, args.per_size, args.seed)
    neg = face_free_scenes(args.seed)
    known = [Scene(n, np.asarray(_photo(n)), [], [], "photo") for n in WITH_FACES]
    print(f"{len(pos)} scenes with {sum(len(s.truth) for s in pos)} faces, "
          f"{len(neg)} face-free images", flush=True)
    MODELS.get(regions.NUDENET)  # load once, outside the timings
    for name in names:
        fn = candidate(name)
        fn(pos[0].pixels)  # warm-up
        for sc in (*pos, *neg, *known):
            t = time.perf_counter()
            sc.dets[name] = fn(sc.pixels)
            sc.ms[name] = (time.perf_counter() - t) * 1000
        print(f"  ran {name}", flush=True)

    results: dict[str, Any] = {}
    head = (f"| candidate | thr | {' | '.join(f'{s}px' for s in SIZES)} | all | all@IoU.5 "
            "| false/face-free img | false/scene | ms/scene |")
    print("\nRecall at IoU >= 0.3 by pasted face size; false faces on 60 face-free images\n")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for name in names:
        thresholds = THRESHOLDS  # NudeNet alone: its score
        if name.startswith("dlib"):
            thresholds = (0.5, faces.HOG_MIN_SCORE)  # dlib's own threshold (margin 0), ours
        if name in MERGED or name.startswith(("nn320+", "skimage", "min")):
            thresholds = (0.0,)  # thresholds built in
        results[name] = [evaluate(name, pos, neg, t) for t in thresholds]
        for r in results[name]:
            sizes = " | ".join(f"{100 * v:.1f}" for v in r["recall_by_size"].values())
            print(f"| {name} | {r['threshold']:.2f} | {sizes} | {100 * r['recall']:.1f} | "
                  f"{100 * r['recall_iou50']:.1f} | {r['false_faces_per_face_free_image']:.3f} | "
                  f"{r['false_per_face_scene']:.3f} | {r['ms_per_scene']:.0f} |")
    print("\nMedian ms per scene by canvas size:")
    for name in names:
        print(f"  {name}: " + ", ".join(f"{c} {v:.0f}" for c, v in
                                         results[name][0]["ms_by_canvas"].items()))
    print("\nFace-free images with a false face (at each candidate's first threshold):")
    for name in names:
        print(f"  {name}: {results[name][0]['false_faces_where']}")
    print("\nscikit-image photos of people (faces found, box, score):")
    for sc in known:
        print(f"  {sc.name}: " + "; ".join(
            f"{name}={[(round(d[0]), round(d[1]), round(d[2]), round(d[3]), round(d[4], 2)) for d in sc.dets[name]]}"  # noqa: E501
            for name in names))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "machine": machine_info(), "per_size": args.per_size, "seed": args.seed,
        "scenes": len(pos), "faces": sum(len(s.truth) for s in pos), "face_free": len(neg),
        "candidates": results,
    }, indent=2), encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
