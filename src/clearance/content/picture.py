"""A decoded, validated image as the image detectors see it.

:class:`Picture` is produced by :mod:`clearance.content.images` (intake: format checks, size limits,
EXIF orientation, colour modes) and carries the pixels as a read-only ``H x W x 3`` RGB ``uint8``
array. Every image finding's box is in pixel coordinates of this array, which is the original
image after its EXIF orientation is applied.

:class:`DepictedPerson` is a person the catalog says appears in an asset version, with their age on
the shoot date when their date of birth is known; the ``minor.known`` detector reads it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True, eq=False)
class Picture:
    """An image ready for detectors (RGB pixels, orientation applied)."""

    name: str
    sha256: str
    format: str
    pixels: npt.NDArray[np.uint8]
    #: ``(width, height)`` of the image these pixels were scaled down from, for a thumbnail
    #: (boxes are always in the original's pixels); None for a full-size picture.
    original_size: tuple[int, int] | None = None

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


@dataclass(frozen=True, slots=True)
class DepictedPerson:
    """Someone the catalog (or ``--depicts``) says is in the image."""

    name: str
    age: int | None = None
    person_id: int | None = None


def picture_of(pixels: npt.NDArray[np.uint8], name: str) -> Picture:
    """A :class:`Picture` of RGB (or RGBA, alpha dropped) pixels made in code: examples, tests,
    benchmarks. Real files go through :func:`clearance.content.images.load_picture`."""
    rgb = np.ascontiguousarray(pixels[..., :3] if pixels.ndim == 3 else pixels, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected H x W x 3 RGB pixels, got shape {rgb.shape}")
    digest = hashlib.sha256(repr(rgb.shape).encode() + rgb.tobytes()).hexdigest()
    rgb.flags.writeable = False
    return Picture(name, digest, "png", rgb)
