"""A video as the hash bank's detector sees it: a file on disk (ffmpeg's libraries read files),
its name and the SHA-256 of its bytes.

Videos (asset kinds ``trailer`` and ``clip``) are screened by the detectors that read ``video``
items — today the hash bank's ``match.withdrawn``, over vPDQ hashes of one frame per second. No
image detector reads a video's frames yet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from clearance.errors import ContentError


@dataclass(frozen=True, slots=True)
class Video:
    """A video file to screen."""

    name: str
    sha256: str
    path: Path
    size_bytes: int


def load_video_file(path: str | Path, *, max_bytes: int, name: str | None = None) -> Video:
    """A :class:`Video` for the file at ``path`` (checked to exist, be non-empty and within
    ``max_bytes``; whether frames decode is found when it is hashed)."""
    p = Path(path)
    label = name or str(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise ContentError(f"{label}: cannot read the file ({exc.strerror or exc})") from None
    if p.is_dir():
        raise ContentError(f"{label}: is a folder, not a video file")
    if size == 0:
        raise ContentError(f"{label}: the file is empty (0 bytes)")
    if size > max_bytes:
        raise ContentError(f"{label}: {size:,} bytes is over the limit of {max_bytes:,} bytes")
    digest = hashlib.sha256()
    with p.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return Video(label, digest.hexdigest(), p, size)
