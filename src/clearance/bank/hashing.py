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
query is the banked picture, transformed by ``TRANSFORMS[k]``".

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
        return TRANSFORMS[self.variant]


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
    except (ValueError, RuntimeError, OSError) as exc:
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
