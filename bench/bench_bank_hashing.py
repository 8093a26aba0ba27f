"""Hashing speed: PDQ of a 1080×1350 picture (as looked up, and everything banked for it: 8
dihedral variants + 45 crops + trimmed), and vPDQ of one minute of 720p H.264 at one frame per
second. Usage: .venv/bin/python bench/bench_bank_hashing.py (results into
bench/results/bank_hashing.json)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from clearance.bank import hashing
from clearance.demo.art import draw_poster

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    pixels = np.asarray(Image.open(io.BytesIO(draw_poster("withdrawn"))).convert("RGB"))
    out: dict[str, float] = {}
    for name, fn in (("pdq_ms", hashing.pdq), ("lookup_hashes_ms", hashing.query_hashes),
                     ("dihedral_ms", hashing.pdq_dihedral), ("banked_hashes_ms",
                                                             hashing.bank_hashes)):
        fn(pixels)
        t = time.perf_counter()
        for _ in range(10):
            fn(pixels)
        out[name] = round((time.perf_counter() - t) / 10 * 1000, 1)
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "minute.mp4"
        subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc2=size=1280x720:rate=25", "-t", "60", "-c:v", "libx264",
                        "-pix_fmt", "yuv420p", str(video)], check=True)
        t = time.perf_counter()
        frames = hashing.vpdq_file(video)
        out["vpdq_720p_minute_s"] = round(time.perf_counter() - t, 2)
        out["vpdq_frames"] = len(frames)
    print(json.dumps(out))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bank_hashing.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
