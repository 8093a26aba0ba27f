"""Perceptual hashes: PDQ for images, vPDQ for videos (Meta's, as ThreatExchange's
hasher-matcher-actioner uses them).

A hash is 256 bits, kept as 64 hex digits (the byte order of ``vpdq``'s ``hex``, which
``pdqhash``'s bit array packs into, so a video frame and a picture compare directly). Every hash
has a **quality** (0-100): PDQ's own guidance is that a hash of quality ≤ 49 (a flat or nearly
blank picture) is too weak to match on alone, so such hashes are kept but never matched
(:data:`MIN_QUALITY`).

When a picture is banked its 8 **dihedral variants** (rotations and mirrors) are hashed once
(:func:`pdq_dihedral`: PDQ computes them from one DCT), so a mirrored or rotated copy is found by
one lookup of its own hash; :data:`TRANSFORMS` names them, and a match on variant *k* means "the
query is the banked picture, transformed by ``TRANSFORMS[k]``". So are 45 anchored **crops**
(:data:`CROPS`), since PDQ is not robust to cropping; and a query picture is looked up both as
it is and with its uniform borders trimmed (:func:`query_hashes`), which undoes letterboxing.

Videos are hashed with vPDQ: one PDQ per sampled frame (one per second by default), decoded by
ffmpeg's libraries inside ``vpdq``. A file nothing can be decoded from is refused
(:class:`~clearance.errors.ContentError` naming it).

Measured on this 2-core machine (``bench/bench_bank_hashing.py``): see ``bench/README.md``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from clearance.detectors.extras import Availability, unavailable
from clearance.errors import ContentError

#: The optional extra that installs the hash bank's packages.
BANK_EXTRA: Final = "bank"
#: Hashes of this quality or less are kept but never matched on alone (PDQ's guidance).
MIN_QUALITY: Final = 49
#: The dihedral variants, in ``pdqhash.compute_dihedral``'s order: what was done to the banked
#: picture to get the query, when variant *k* matched.
TRANSFORMS: Final = ("original", "rotate90", "rotate180", "rotate270", "flip_vertical",
                     "mirror", "transpose", "transverse")
#: Crops of a banked picture hashed as well (bank-side variants: PDQ itself is not robust to
#: crops — a 10% crop moves a hash by 50-110 bits on the pictures measured): the picture with
#: 10%, 20% or 30% cut off one side's length, the other's or both, anchored at either edge or
#: centred. Variant ``8 + i`` is ``CROPS[i]``; its name says what is kept
#: (``crop_h80_top``: 80% of the height, the top of it).
CROPS: Final = tuple(
    (f"crop_{'h' if fy < 1 else ''}{int(fy * 100) if fy < 1 else ''}"
     f"{'w' if fx < 1 else ''}{int(fx * 100) if fx < 1 else ''}"
     f"_{('top', 'middle', 'bottom')[int(ay * 2)] if fy < 1 else ''}"
     f"{'-' if fy < 1 and fx < 1 else ''}"
     f"{('left', 'centre', 'right')[int(ax * 2)] if fx < 1 else ''}", fy, fx, ay, ax)
    for keep in (0.9, 0.8, 0.7)
    for fy, fx in ((keep, 1.0), (1.0, keep), (keep, keep))
    for ay in ((0.0, 0.5, 1.0) if fy < 1 else (0.0,))
    for ax in ((0.0, 0.5, 1.0) if fx < 1 else (0.0,)))
#: Every variant's name: the dihedral transforms, then the crops.
VARIANTS: Final = (*TRANSFORMS, *(c[0] for c in CROPS))
#: A picture's hash after its uniform borders (letterbox, pillarbox, a screenshot's frame) were
#: trimmed: stored for catalog versions so lineage finds letterboxed copies.
TRIMMED_VARIANT: Final = 63
#: Pictures are scaled to at most this many pixels a side before crop variants are hashed (PDQ
#: works on a 64 x 64 reduction; this keeps 40 crops at ~3 ms each).
CROP_MAX_SIDE: Final = 512
#: vPDQ samples one frame per this many seconds.
SECONDS_PER_HASH: Final = 1.0
#: Frames are scaled to at most this width before hashing (PDQ works on 512 px anyway).
VIDEO_DOWNSAMPLE_WIDTH: Final = 512
HEX_DIGITS: Final = 64


def availability() -> Availability:
    """Whether pdqhash, vpdq and faiss are installed (the ``bank`` extra)."""
    return Availability.of(BANK_EXTRA, ("pdqhash", "vpdq", "faiss"))


@dataclass(frozen=True, slots=True)
class PerceptualHash:
    """One 256-bit hash: of an image (``kind="pdq"``, ``variant`` 0-7) or of one frame of a
    video (``kind="vpdq"``, ``frame`` and ``timestamp`` in seconds)."""

    hex: str
    quality: int
    kind: str = "pdq"
    variant: int = 0
    frame: int = 0
    timestamp: float = 0.0

    @property
    def is_matchable(self) -> bool:
        """Whether the hash is strong enough to match on (quality over :data:`MIN_QUALITY`)."""
        return self.quality > MIN_QUALITY

    @property
    def transform(self) -> str:
        return variant_name(self.variant)


def variant_name(variant: int) -> str:
    if variant == TRIMMED_VARIANT:
        return "trimmed"
    return VARIANTS[variant] if 0 <= variant < len(VARIANTS) else f"variant{variant}"


def check_hex(value: str) -> str:
    """``value`` as a hash (64 lowercase hex digits), or an :class:`InputError`."""
    from clearance.errors import InputError

    text = value.strip().lower()
    if len(text) != HEX_DIGITS or any(c not in "0123456789abcdef" for c in text):
        raise InputError(f"{value!r} is not a PDQ hash (64 hex digits)")
    return text


def hex_to_bytes(values: Sequence[str]) -> npt.NDArray[np.uint8]:
    """Hashes as an ``N x 32`` array of bytes (faiss's binary code layout)."""
    if not values:
        return np.zeros((0, 32), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, 32).copy()


def bytes_to_hex(codes: npt.NDArray[np.uint8]) -> list[str]:
    return [row.tobytes().hex() for row in codes]


def distance(a: str, b: str) -> int:
    """Hamming distance of two hashes (0-256)."""
    return int.bit_count(int(a, 16) ^ int(b, 16))


def _bits_to_hex(bits: npt.NDArray[np.integer]) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def _pdqhash() -> Any:
    try:
        import pdqhash
    except ImportError:
        raise unavailable("pdqhash (PDQ image hashing)", BANK_EXTRA) from None
    return pdqhash


def _rgb(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    if pixels.ndim != 3 or pixels.shape[2] != 3 or min(pixels.shape[:2]) < 1:
        raise ContentError(f"cannot hash pixels of shape {pixels.shape}: expected H x W x 3")
    return np.ascontiguousarray(pixels, dtype=np.uint8)


def pdq(pixels: npt.NDArray[np.uint8]) -> PerceptualHash:
    """The PDQ hash of an RGB picture (``H x W x 3`` uint8)."""
    bits, quality = _pdqhash().compute(_rgb(pixels))
    return PerceptualHash(_bits_to_hex(bits), int(quality))


def pdq_dihedral(pixels: npt.NDArray[np.uint8]) -> list[PerceptualHash]:
    """The 8 dihedral variants' PDQ hashes (:data:`TRANSFORMS` order), from one DCT."""
    hashes, quality = _pdqhash().compute_dihedral(_rgb(pixels))
    return [PerceptualHash(_bits_to_hex(h), int(quality), variant=k)
            for k, h in enumerate(hashes)]


def _small(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    h, w = pixels.shape[:2]
    scale = CROP_MAX_SIDE / max(h, w)
    if scale >= 1:
        return pixels
    from PIL import Image

    img = Image.fromarray(pixels).resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                         Image.Resampling.BOX)
    return np.asarray(img, dtype=np.uint8)


def pdq_crops(pixels: npt.NDArray[np.uint8]) -> list[PerceptualHash]:
    """PDQ of each of :data:`CROPS` (variants 8 on)."""
    small = _small(_rgb(pixels))
    h, w = small.shape[:2]
    out = []
    for i, (_name, fy, fx, ay, ax) in enumerate(CROPS):
        ch, cw = max(1, int(h * fy)), max(1, int(w * fx))
        y, x = int((h - ch) * ay), int((w - cw) * ax)
        found = pdq(np.ascontiguousarray(small[y:y + ch, x:x + cw]))
        out.append(PerceptualHash(found.hex, found.quality, variant=len(TRANSFORMS) + i))
    return out


def trim_borders(pixels: npt.NDArray[np.uint8], *, tolerance: int = 12,
                 min_keep: float = 0.3) -> npt.NDArray[np.uint8] | None:
    """``pixels`` without uniform borders (rows and columns at the edges within ``tolerance`` of
    the corner colour: letterbox and pillarbox bars, a screenshot's frame); ``None`` when there
    are none, or when trimming would keep less than ``min_keep`` of a side."""
    rgb = _rgb(pixels).astype(np.int16)
    corner = rgb[0, 0]
    off = np.abs(rgb - corner).max(axis=2) > tolerance
    rows, cols = np.nonzero(off.any(axis=1))[0], np.nonzero(off.any(axis=0))[0]
    if not len(rows) or not len(cols):
        return None
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    h, w = pixels.shape[:2]
    if (y0, y1, x0, x1) == (0, h, 0, w):
        return None
    if (y1 - y0) < min_keep * h or (x1 - x0) < min_keep * w or min(y1 - y0, x1 - x0) < 16:
        return None
    return np.ascontiguousarray(pixels[y0:y1, x0:x1])


def query_hashes(pixels: npt.NDArray[np.uint8]) -> list[PerceptualHash]:
    """What a picture is looked up by: its PDQ, and its PDQ once uniform borders are trimmed
    (variant :data:`TRIMMED_VARIANT`) when it has any."""
    out = [pdq(pixels)]
    trimmed = trim_borders(pixels)
    if trimmed is not None:
        found = pdq(trimmed)
        out.append(PerceptualHash(found.hex, found.quality, variant=TRIMMED_VARIANT))
    return out


def bank_hashes(pixels: npt.NDArray[np.uint8]) -> list[PerceptualHash]:
    """Everything stored for a picture: its 8 dihedral variants, its crop variants and, when it
    has uniform borders, its trimmed hash."""
    return [*pdq_dihedral(pixels), *pdq_crops(pixels),
            *[h for h in query_hashes(pixels) if h.variant == TRIMMED_VARIANT]]


def vpdq_file(path: Path, *, name: str | None = None,
              seconds_per_hash: float = SECONDS_PER_HASH) -> list[PerceptualHash]:
    """The vPDQ hashes of the video at ``path``: one per sampled frame. Raises
    :class:`ContentError` naming the file when no frame can be decoded (not a video, a codec
    ffmpeg lacks, an empty or truncated file)."""
    label = name or str(path)
    try:
        import vpdq
    except ImportError:
        raise unavailable("vpdq (video hashing)", BANK_EXTRA) from None
    if not path.is_file():
        raise ContentError(f"{label}: no such file")
    if path.stat().st_size == 0:
        raise ContentError(f"{label}: the file is empty")
    try:
        features = vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash,
                                    downsample_width=0, downsample_height=0, thread_count=1)
    except Exception as exc:
        # vpdq raises a bare Exception ("Fail to create VPDQ hash") for a file ffmpeg cannot
        # open or decode; only this one call is guarded
        raise ContentError(f"{label}: cannot decode the video ({exc})") from None
    out = [PerceptualHash(str(f.hex), int(f.quality), "vpdq", 0, int(f.frame_number),
                          float(f.timestamp)) for f in features]
    if not out:
        raise ContentError(f"{label}: no frame could be decoded (not a video, an unsupported "
                           "codec, or a damaged file)")
    return out


def vpdq_bytes(data: bytes, *, name: str) -> list[PerceptualHash]:
    """:func:`vpdq_file` for bytes (written to a private temporary file: ffmpeg reads files)."""
    fd, tmp = tempfile.mkstemp(prefix="clearance-video-", suffix=Path(name).suffix[:10])
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return vpdq_file(Path(tmp), name=name)
    finally:
        Path(tmp).unlink(missing_ok=True)


#: The first bytes of the video containers intake recognises (ISO BMFF/MP4/MOV, Matroska/WebM,
#: AVI, MPEG-TS, MPEG-PS, FLV, Ogg).
def looks_like_video(head: bytes) -> bool:
    """Whether ``head`` (the first bytes of a file) starts like a video container."""
    return (head[4:8] == b"ftyp" or head.startswith(b"\x1a\x45\xdf\xa3")
            or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
            or head.startswith((b"\x00\x00\x01\xba", b"FLV", b"OggS"))
            or (len(head) > 188 and head[0] == 0x47 and head[188] == 0x47))


VIDEO_SUFFIXES: Final = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts",
                                   ".mpg", ".mpeg", ".flv", ".ogv"})
