"""Hash-bank robustness: recall per transform at the bank distance (31), false matches against
unrelated images, with imagehash's pHash (64 bits, distance 8 ≈ 31/256 × 64) as the baseline,
measured in the same run on the same images.

Originals: scikit-image's sample photos (shipped in the package) and the demo's two drawn
posters. Each original is banked as the bank banks it (8 dihedral variants, 45 anchored crops);
each transformed copy is looked up as the detector looks it up (its PDQ, and its PDQ with uniform
borders trimmed). Videos: a 6-second H.264 clip of the image made with ffmpeg, hashed with vPDQ
(a match when any frame matches). Unrelated images: drawn shapes and noise, augmented.

Usage (one command; results into bench/results/bank_robustness.json and .md)::

    .venv/bin/python bench/bench_bank_robustness.py --unrelated 10000
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance
from skimage import data as skdata

from clearance.bank import hashing
from clearance.demo.art import draw_poster

RESULTS = Path(__file__).resolve().parent / "results"
RADIUS = 31
PHASH_RADIUS = 8

Img = Image.Image


def originals() -> dict[str, Img]:
    out = {}
    for name in ("astronaut", "coffee", "chelsea", "rocket", "camera", "immunohistochemistry",
                 "hubble_deep_field", "motorcycle_left", "cat", "retina", "page"):
        fn = getattr(skdata, name, None)
        if fn is None:
            continue
        try:
            arr = fn()
        except (OSError, ValueError, ImportError):  # a sample missing from this install
            continue
        if isinstance(arr, tuple):
            arr = arr[0]
        img = Image.fromarray(np.asarray(arr)).convert("RGB")
        out[name] = img
    for variant in ("withdrawn", "replacement"):
        out[f"poster-{variant}"] = Image.open(io.BytesIO(draw_poster(variant))).convert("RGB")
    return out


def jpeg(img: Img, q: int) -> Img:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def crop(img: Img, frac: float, where: str) -> Img:
    w, h = img.size
    cw, ch = int(w * (1 - frac)), int(h * (1 - frac))
    x = {"tl": 0, "c": (w - cw) // 2, "br": w - cw}[where]
    y = {"tl": 0, "c": (h - ch) // 2, "br": h - ch}[where]
    return img.crop((x, y, x + cw, y + ch))


def pad_to(img: Img, ratio: float, colour: str = "black") -> Img:
    w, h = img.size
    if w / h < ratio:
        nw, nh = int(h * ratio), h
    else:
        nw, nh = w, int(w / ratio)
    canvas = Image.new("RGB", (nw, nh), colour)
    canvas.paste(img, ((nw - w) // 2, (nh - h) // 2))
    return canvas


def overlay_text(img: Img) -> Img:
    out = img.copy()
    d = ImageDraw.Draw(out)
    w, h = out.size
    d.rectangle((0, int(h * 0.82), w, int(h * 0.95)), fill=(0, 0, 0))
    d.text((int(w * 0.05), int(h * 0.85)), "NOW STREAMING  ·  EXCLUSIVE", fill=(255, 255, 255))
    return out


def overlay_logo(img: Img) -> Img:
    out = img.copy()
    d = ImageDraw.Draw(out)
    w = out.size[0]
    s = max(12, w // 8)
    d.ellipse((w - s - 10, 10, w - 10, 10 + s), fill=(220, 30, 30))
    d.text((w - s, 10 + s // 3), "TV", fill=(255, 255, 255))
    return out


def screenshot(img: Img) -> Img:
    small = img.resize((int(img.size[0] * 0.7), int(img.size[1] * 0.7)))
    framed = Image.new("RGB", (small.size[0] + 40, small.size[1] + 90), (245, 245, 245))
    framed.paste(small, (20, 60))
    ImageDraw.Draw(framed).rectangle((0, 0, framed.size[0], 40), fill=(40, 40, 40))
    return jpeg(framed, 80)


TRANSFORMS: dict[str, Callable[[Img], Img]] = {
    "resize 0.25x": lambda i: i.resize((max(16, i.size[0] // 4), max(16, i.size[1] // 4))),
    "resize 0.5x": lambda i: i.resize((i.size[0] // 2, i.size[1] // 2)),
    "resize 2x": lambda i: i.resize((i.size[0] * 2, i.size[1] * 2)),
    "jpeg q30": lambda i: jpeg(i, 30),
    "jpeg q60": lambda i: jpeg(i, 60),
    "jpeg q95": lambda i: jpeg(i, 95),
    "crop 5% centre": lambda i: crop(i, 0.05, "c"),
    "crop 10% centre": lambda i: crop(i, 0.10, "c"),
    "crop 20% centre": lambda i: crop(i, 0.20, "c"),
    "crop 30% centre": lambda i: crop(i, 0.30, "c"),
    "crop 10% corner": lambda i: crop(i, 0.10, "tl"),
    "crop 20% corner": lambda i: crop(i, 0.20, "br"),
    "crop 20% bottom (keep top)": lambda i: i.crop((0, 0, i.size[0], int(i.size[1] * 0.8))),
    "letterbox 16:9": lambda i: pad_to(i, 16 / 9),
    "pad 1:1": lambda i: pad_to(i, 1.0, "white"),
    "crop 20% + letterbox 16:9 + jpeg": lambda i: jpeg(pad_to(
        i.crop((0, 0, i.size[0], int(i.size[1] * 0.8))), 16 / 9).resize((480, 270)), 70),
    "text overlay": overlay_text,
    "logo overlay": overlay_logo,
    "mirror": lambda i: i.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "rotate 90": lambda i: i.transpose(Image.Transpose.ROTATE_90),
    "rotate 180": lambda i: i.transpose(Image.Transpose.ROTATE_180),
    "colour shift": lambda i: ImageEnhance.Color(i).enhance(1.6),
    "brightness +30%": lambda i: ImageEnhance.Brightness(i).enhance(1.3),
    "contrast -30%": lambda i: ImageEnhance.Contrast(i).enhance(0.7),
    "screenshot re-render": screenshot,
}


def unrelated(n: int, seed: int = 11) -> list[Img]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        w, h = int(rng.integers(160, 400)), int(rng.integers(160, 400))
        img = Image.new("RGB", (w, h), tuple(int(c) for c in rng.integers(0, 256, 3)))
        d = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(3, 14))):
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
            x1, y1 = x0 + int(rng.integers(10, w)), y0 + int(rng.integers(10, h))
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            shape = rng.integers(0, 3)
            if shape == 0:
                d.rectangle((x0, y0, x1, y1), fill=colour)
            elif shape == 1:
                d.ellipse((x0, y0, x1, y1), fill=colour)
            else:
                d.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(2, 12)))
        if k % 3 == 0:  # augmented: noise, blur-like resampling, jpeg
            arr = np.asarray(img).astype(np.int16)
            arr = np.clip(arr + rng.normal(0, 12, arr.shape), 0, 255).astype(np.uint8)
            img = jpeg(Image.fromarray(arr), int(rng.integers(40, 90)))
        out.append(img)
    return out


def pdq_query(img: Img) -> list[str]:
    return [h.hex for h in hashing.query_hashes(np.asarray(img)) if h.is_matchable]


def min_dist(queries: list[str], bank: list[str]) -> int:
    if not queries or not bank:
        return 256
    return min(hashing.distance(q, b) for q in queries for b in bank)


def video_frames(img: Img, tmp: Path, name: str) -> list[str]:
    src, out = tmp / f"{name}.png", tmp / f"{name}.mp4"
    img.save(src)
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None
    subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-loop", "1", "-i", str(src), "-t", "6",
                    "-r", "5", "-vf", "scale=640:-2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    str(out)], check=True)
    return [h.hex for h in hashing.vpdq_file(out) if h.is_matchable]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unrelated", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=RESULTS / "bank_robustness.json")
    args = parser.parse_args()
    started = time.perf_counter()
    origs = originals()
    bank: dict[str, list[str]] = {}
    bank_dihedral: dict[str, list[str]] = {}
    phash: dict[str, imagehash.ImageHash] = {}
    for name, img in origs.items():
        hs = hashing.bank_hashes(np.asarray(img))
        bank[name] = [h.hex for h in hs if h.is_matchable]
        bank_dihedral[name] = [h.hex for h in hs if h.variant < 8 and h.is_matchable]
        phash[name] = imagehash.phash(img)
    rows: list[dict[str, Any]] = []
    for tname, fn in TRANSFORMS.items():
        hit = hit_d = hit_p = 0
        dists = []
        for name, img in origs.items():
            t = fn(img)
            q = pdq_query(t)
            d = min_dist(q, bank[name])
            dists.append(d)
            hit += d <= RADIUS
            hit_d += min_dist(q, bank_dihedral[name]) <= RADIUS
            hit_p += (imagehash.phash(t) - phash[name]) <= PHASH_RADIUS
        n = len(origs)
        rows.append({"transform": tname, "images": n, "pdq_bank_recall": hit / n,
                     "pdq_dihedral_only_recall": hit_d / n, "phash_recall": hit_p / n,
                     "pdq_median_distance": float(np.median(dists))})
        print(f"{tname:36s} PDQ+variants {hit}/{n}  PDQ dihedral only {hit_d}/{n}  "
              f"pHash {hit_p}/{n}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        hit = 0
        for name, img in origs.items():
            frames = video_frames(img, Path(tmp), name)
            hit += min_dist(frames, bank[name]) <= RADIUS
        rows.append({"transform": "frames of a 6 s video (vPDQ)", "images": len(origs),
                     "pdq_bank_recall": hit / len(origs), "pdq_dihedral_only_recall": None,
                     "phash_recall": None, "pdq_median_distance": None})
        print(f"{'video frames':36s} {hit}/{len(origs)}", flush=True)
    # false matches: unrelated images against every banked hash
    all_bank = [h for hs in bank.values() for h in hs]
    all_words = np.frombuffer(bytes.fromhex("".join(all_bank)), dtype=">u8").reshape(-1, 4)
    all_phash = list(phash.values())
    fp = fp_p = low_quality = 0
    t0 = time.perf_counter()
    imgs = unrelated(args.unrelated)
    for img in imgs:
        q = pdq_query(img)
        if not q:
            low_quality += 1
        for h in q:
            w = np.frombuffer(bytes.fromhex(h), dtype=">u8")
            if (np.bitwise_count(all_words ^ w).sum(axis=1) <= RADIUS).any():
                fp += 1
                break
        ph = imagehash.phash(img)
        fp_p += any((ph - p) <= PHASH_RADIUS for p in all_phash)
    report = {"radius": RADIUS, "phash_radius": PHASH_RADIUS, "originals": list(origs),
              "banked_hashes": len(all_bank), "rows": rows,
              "unrelated": {"images": len(imgs), "pdq_false_matches": fp,
                            "pdq_false_match_rate": fp / len(imgs),
                            "pdq_not_matchable_quality": low_quality,
                            "phash_false_matches": fp_p,
                            "phash_false_match_rate": fp_p / len(imgs),
                            "seconds": round(time.perf_counter() - t0, 1)},
              "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(report["unrelated"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    lines = ["| transform | PDQ + bank variants (≤ 31) | PDQ dihedral only | pHash (≤ 8) | "
             "PDQ median distance |", "|---|---|---|---|---|"]
    for r in rows:
        def pct(v: float | None) -> str:
            return "–" if v is None else f"{v:.0%}"
        med = r["pdq_median_distance"]
        lines.append(f"| {r['transform']} | {pct(r['pdq_bank_recall'])} | "
                     f"{pct(r['pdq_dihedral_only_recall'])} | {pct(r['phash_recall'])} | "
                     f"{'–' if med is None else int(med)} |")
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
