"""Image intake: bytes in, a validated :class:`~.picture.Picture` out, or a clear refusal.

Everything an image detector sees comes through :func:`load_picture`. It

* refuses a file over ``max_bytes`` before looking inside it;
* finds the format from the bytes (magic numbers), never from the file name, and decodes only the
  formats in :data:`ACCEPTED_FORMATS`: JPEG (and MPO, the multi-picture JPEG of many cameras),
  PNG, WebP, GIF, BMP, TIFF, and AVIF where the installed Pillow can decode it;
* reads the width and height from the header and refuses more than ``max_pixels`` **before** the
  pixels are decoded; Pillow's decompression-bomb guard (``Image.MAX_IMAGE_PIXELS``) applies on top,
  and its warning is turned into a refusal locally (the global limit is never changed);
* decodes the whole image (``LOAD_TRUNCATED_IMAGES`` stays off, so a truncated file is refused);
* applies the EXIF orientation, so boxes are in the coordinates a person sees;
* converts every colour mode to 8-bit RGB: CMYK through its ICC profile when it has one, palette
  and grey images expanded, alpha composited onto **white**, 16-bit grey scaled down (not clipped).

Animated GIF and WebP files, and multi-page TIFF files, are screened on their **first frame only**.
SVG, PDF, HTML, text, HEIC and other formats are refused with a message that names the file and
says what to do (e.g. rasterise an SVG to PNG first).

:func:`iter_image_files` expands the paths given to ``clearance screen`` into image files.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError, features

from clearance.content.picture import Picture
from clearance.content.reading import is_stdin, read_limited
from clearance.errors import ContentError
from clearance.settings import DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_PIXELS

#: Pillow format ids that intake decodes, and the name a :class:`Picture` reports for each.
_FORMAT_NAMES: Final[dict[str, str]] = {
    "JPEG": "JPEG",
    "MPO": "JPEG",  # camera JPEGs with extra (e.g. depth) pictures: the first is the photo
    "PNG": "PNG",
    "WEBP": "WEBP",
    "GIF": "GIF",
    "BMP": "BMP",
    "TIFF": "TIFF",
    "AVIF": "AVIF",
}


def _accepted_formats() -> tuple[str, ...]:
    # MPO is not an opener of its own: Pillow's JPEG opener returns it.
    ids = [f for f in _FORMAT_NAMES if f != "MPO" and (f != "AVIF" or features.check("avif"))]
    return tuple(ids)


#: The Pillow openers intake uses (AVIF only where Pillow was built with it; the JPEG opener
#: also yields MPO).
ACCEPTED_FORMATS: Final[tuple[str, ...]] = _accepted_formats()

_ACCEPTED_TEXT = "JPEG, PNG, WebP, GIF, BMP, TIFF" + (
    ", AVIF" if "AVIF" in ACCEPTED_FORMATS else "")

#: Suffixes skipped when a *folder* is expanded (a file named explicitly is always tried).
NON_IMAGE_SUFFIXES: Final[frozenset[str]] = frozenset({
    ".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson", ".yaml", ".yml", ".md", ".markdown",
    ".rst", ".log", ".toml", ".ini", ".cfg", ".xml", ".db", ".sqlite",
})

# What Pillow may raise on a malformed file: every one becomes a ContentError naming the file.
_DECODE_ERRORS: Final = (
    OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError, TypeError,
    ZeroDivisionError, Image.DecompressionBombError, Image.DecompressionBombWarning,
)

_WHITE: Final = (255, 255, 255, 255)


@contextmanager
def _pillow_warnings() -> Iterator[None]:
    """Pillow's warnings while one image is decoded, handled here and not leaked: a
    decompression-bomb warning becomes an error (refused), and the ``UserWarning`` it gives for
    corrupt metadata (e.g. "Corrupt EXIF data") is dropped, as Pillow goes on without it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _refuse(name: str, message: str, hint: str | None = None) -> ContentError:
    text = f"{name}: {message}"
    if hint:
        text += f" ({hint})"
    return ContentError(text)


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def _megapixels(n: int) -> str:
    return f"{n / 1_000_000:.1f} megapixels"


def _magic_format(data: bytes) -> str | None:
    """The accepted format these bytes start like, from the magic number alone."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "WEBP"
    if data.startswith(b"BM") and len(data) >= 18 and \
            struct.unpack("<I", data[14:18])[0] in (12, 16, 40, 52, 56, 64, 108, 124):
        return "BMP"
    if data.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "TIFF"
    if data[4:12] in (b"ftypavif", b"ftypavis") and "AVIF" in ACCEPTED_FORMATS:
        return "AVIF"
    return None


#: The media type of each format :func:`image_format` names.
IMAGE_MEDIA_TYPES: Final[dict[str, str]] = {
    "JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp",
    "BMP": "image/bmp", "TIFF": "image/tiff", "AVIF": "image/avif",
}


def image_format(data: bytes) -> str | None:
    """The accepted image format ``data`` starts like (its magic number), or ``None``: a cheap
    type check for bytes that will be decoded later (catalog asset files)."""
    return _magic_format(data)


def _declared_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """Width and height from a PNG or GIF header (to explain a zero-size refusal)."""
    if fmt == "PNG" and len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if fmt == "GIF" and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    return None


def _damaged(name: str, fmt: str, exc: BaseException) -> ContentError:
    """A file that an accepted decoder recognised but could not read to the end."""
    detail = str(exc) or type(exc).__name__
    lowered = detail.lower()
    if isinstance(exc, EOFError) or "truncated" in lowered or "end of file" in lowered:
        return _refuse(name, f"is a truncated {fmt} file: it ends before the image does ({detail})",
                       "the upload or copy was probably cut short")
    return _refuse(name, f"is a damaged {fmt} file that cannot be decoded: {detail}")


def _sniff_refusal(data: bytes, name: str) -> ContentError:
    """Why bytes that no accepted decoder recognised cannot be screened."""
    fmt = _magic_format(data)
    if fmt is not None:
        size = _declared_size(data, fmt)
        if size is not None and 0 in size:
            return _refuse(name, f"has zero size ({size[0]}x{size[1]} pixels)")
        return _refuse(name, f"is a damaged {fmt} file: its header cannot be read")
    head = data[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = stripped[:1024].lower()
    if head.startswith(b"%PDF-"):
        return _refuse(name, "is a PDF document, not an image",
                       f"export the artwork as JPEG or PNG; accepted: {_ACCEPTED_TEXT}")
    if lower.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta")) \
            or b"<html" in lower:
        return _refuse(name, "is an HTML page, not an image",
                       "save the image itself, not the web page that shows it")
    if b"<svg" in head.lower() or lower.startswith(b"<!doctype svg"):
        return _refuse(name, "is an SVG (vector) image; SVG is not supported",
                       "rasterise it first, e.g. to PNG at the size it is published")
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypmsf1"):
        return _refuse(name, "is a HEIC/HEIF image, which is not supported",
                       f"convert it to JPEG; accepted: {_ACCEPTED_TEXT}")
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return _refuse(name, "is an AVIF image, which this installation cannot decode",
                       f"convert it to JPEG or PNG; accepted: {_ACCEPTED_TEXT}")
    if head.startswith(b"8BPS"):
        return _refuse(name, "is a Photoshop (PSD) file, which is not supported",
                       "export a flattened JPEG or PNG")
    if head.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return _refuse(name, "is a PostScript/EPS file, which is not supported",
                       "export a JPEG or PNG")
    if head.startswith(b"\x1f\x8b"):
        return _refuse(name, "is a gzip-compressed file (SVGZ or an archive), not an image")
    if head.startswith(b"PK\x03\x04"):
        return _refuse(name, "is a ZIP archive, not an image", "unpack it and screen the images")
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<"):
        return _refuse(name, "is an XML/markup document, not an image")
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the 4096-byte boundary is still text.
            is_text = exc.start >= len(head) - 3
        else:
            is_text = True
        if is_text:
            suffix = Path(name).suffix
            said = f"the file name says {suffix}" if suffix else "it was given as an image"
            return _refuse(name, "is a text file, not an image",
                           f"{said}, but the content is text")
    return _refuse(name, "is not a recognised image (corrupt, or an unsupported format)",
                   f"accepted: {_ACCEPTED_TEXT}")


def _open(data: bytes, name: str, max_pixels: int) -> Image.Image:
    """Open lazily (header only) and check the format and the declared size."""
    try:
        im = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(name, f"declares more pixels than can be decoded safely ({exc})",
                      "possible decompression bomb") from exc
    except UnidentifiedImageError as exc:
        raise _sniff_refusal(data, name) from exc
    except _DECODE_ERRORS as exc:
        raise _damaged(name, _magic_format(data) or "image", exc) from exc
    width, height = im.size
    if width <= 0 or height <= 0:
        raise _refuse(name, f"has zero size ({width}x{height} pixels)")
    if width * height > max_pixels:
        raise _refuse(
            name,
            f"is {width}x{height} pixels ({_megapixels(width * height)}), over the limit of "
            f"{_megapixels(max_pixels)}",
            "CLEARANCE_MAX_IMAGE_PIXELS; resize it or raise the limit",
        )
    return im


def _from_cmyk(im: Image.Image) -> Image.Image:
    """CMYK to RGB through the embedded ICC profile when there is a usable one."""
    icc = im.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None
        if isinstance(converted, Image.Image):
            return converted
    return im.convert("RGB")


def _scale_16bit(im: Image.Image) -> Image.Image:
    """16-bit (or 32-bit integer) grey to 8 bits: 0..65535 scaled onto 0..255."""
    arr = np.asarray(im, dtype=np.float64)
    arr = np.clip(arr, 0.0, 65535.0) / 257.0
    return Image.fromarray(np.rint(arr).astype(np.uint8)).convert("RGB")


def _scale_float(im: Image.Image) -> Image.Image:
    """32-bit float grey: [0, 1] when that is its range, otherwise [0, 255], clipped."""
    arr = np.asarray(im, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    scale = 255.0 if finite.size and float(finite.max()) <= 1.0 else 1.0
    arr = np.clip(np.nan_to_num(arr * scale), 0.0, 255.0)
    return Image.fromarray(np.rint(arr).astype(np.uint8)).convert("RGB")


def _composite_on_white(im: Image.Image) -> Image.Image:
    rgba = im.convert("RGBA")
    background = Image.new("RGBA", rgba.size, _WHITE)
    return Image.alpha_composite(background, rgba).convert("RGB")


def to_rgb(im: Image.Image) -> Image.Image:
    """Any decoded colour mode as 8-bit RGB (alpha composited onto white)."""
    mode = im.mode
    if mode == "RGB" and "transparency" not in im.info:
        return im
    if mode == "CMYK":
        return _from_cmyk(im)
    if mode.startswith("I;16") or mode == "I":
        return _scale_16bit(im)
    if mode == "F":
        return _scale_float(im)
    if mode in ("RGBA", "RGBa", "LA", "La", "PA"):
        return _composite_on_white(im)
    if mode in ("P", "L", "1", "RGB") and "transparency" in im.info:
        return _composite_on_white(im)  # a transparent palette entry or colour key
    return im.convert("RGB")


def _decode(data: bytes, name: str, max_pixels: int) -> tuple[Image.Image, str]:
    """Open, check, decode fully, orient and convert: the RGB image and its format name."""
    im = _open(data, name, max_pixels)
    fmt = _FORMAT_NAMES.get(im.format or "", im.format or "unknown")
    try:
        im.load()
    except _DECODE_ERRORS as exc:
        raise _damaged(name, fmt, exc) from exc
    try:
        oriented = ImageOps.exif_transpose(im)
    except _DECODE_ERRORS:
        oriented = im  # unreadable EXIF: viewers ignore it too, so the stored orientation stands
    try:
        return to_rgb(oriented), fmt
    except _DECODE_ERRORS as exc:
        raise _refuse(name, f"has a colour mode that cannot be converted to RGB ({im.mode})",
                      "export it as 8-bit RGB") from exc


def load_picture(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
                 max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS) -> Picture:
    """Decode image bytes into a :class:`Picture` (RGB, EXIF orientation applied).

    ``name`` names the image in every message. Animated GIF/WebP and multi-page TIFF give their
    first frame only. ``Picture.sha256`` is the hash of ``data`` as given; ``Picture.format`` the
    format found in the bytes (``JPEG``, ``PNG``, ``WEBP``, ``GIF``, ``BMP``, ``TIFF``, ``AVIF``).

    Raises :class:`~clearance.errors.ContentError` for an empty, too large, truncated, corrupt or
    unsupported file, saying which and what to do.
    """
    if not data:
        raise _refuse(name, "is empty (0 bytes)")
    if len(data) > max_bytes:
        raise _refuse(name, f"is {_megabytes(len(data))}, over the limit of "
                            f"{_megabytes(max_bytes)}",
                      "CLEARANCE_MAX_IMAGE_BYTES; export a smaller file or raise the limit")
    with _pillow_warnings():
        rgb, fmt = _decode(data, name, max_pixels)
    pixels: npt.NDArray[np.uint8] = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.shape[0] == 0 or pixels.shape[1] == 0:
        raise _refuse(name, f"decoded to an unexpected pixel layout {pixels.shape}")
    pixels.flags.writeable = False
    return Picture(name=name, sha256=hashlib.sha256(data).hexdigest(), format=fmt,
                   pixels=pixels)


def load_picture_file(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
                      max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
                      allow_special: bool = False, how_to_allow: str | None = None) -> Picture:
    """Read and decode an image file; the file's path is the picture's name.

    The size on disk is checked before the file is read, and at most ``max_bytes`` are ever
    read (:func:`~clearance.content.reading.read_limited`). ``-`` reads standard input. A
    device, FIFO or socket is refused unless ``allow_special`` (``/dev/zero`` has size 0 on
    disk and never ends; ``how_to_allow`` says how the caller's user asks for one).
    """
    if is_stdin(path):
        return load_picture(read_limited(path, max_bytes, setting="CLEARANCE_MAX_IMAGE_BYTES"),
                            "standard input", max_bytes=max_bytes, max_pixels=max_pixels)
    p = Path(path)
    name = str(path)
    try:
        info = p.stat()
        if stat.S_ISDIR(info.st_mode):
            raise _refuse(name, "is a folder, not an image file")
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            raise _refuse(name, f"is {_megabytes(info.st_size)}, over the limit of "
                                f"{_megabytes(max_bytes)}",
                          "CLEARANCE_MAX_IMAGE_BYTES; export a smaller file or raise the limit")
        data = read_limited(p, max_bytes, allow_special=allow_special,
                            setting="CLEARANCE_MAX_IMAGE_BYTES", how_to_allow=how_to_allow)
    except FileNotFoundError as exc:
        raise _refuse(name, "does not exist") from exc
    except PermissionError as exc:
        raise _refuse(name, "cannot be read (permission denied)") from exc
    except OSError as exc:
        raise _refuse(name, f"cannot be read: {exc.strerror or exc}") from exc
    return load_picture(data, name, max_bytes=max_bytes, max_pixels=max_pixels)


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _expand_folder(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if not _is_hidden(d)]
        for filename in filenames:
            if _is_hidden(filename) or Path(filename).suffix.lower() in NON_IMAGE_SUFFIXES:
                continue
            found.append(Path(dirpath) / filename)
    return sorted(found, key=lambda p: p.relative_to(root).parts)


def iter_image_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The image files to screen for ``clearance screen IMAGE|FOLDER...``, in order.

    A folder is expanded recursively in sorted order, skipping hidden files and folders (names
    starting with ``.``) and obvious non-images (:data:`NON_IMAGE_SUFFIXES`: ``.csv``, ``.txt``,
    ``.json``, ``.yaml``, ``.md``…). Every other file is yielded whatever its suffix, so that a
    mislabelled or unsupported file is *reported* by :func:`load_picture_file` rather than
    silently skipped. A path given explicitly is always yielded, even a missing one (its error is
    reported when it is loaded). A file reached twice is yielded once.
    """
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        candidates = _expand_folder(path) if path.is_dir() else [path]
        for candidate in candidates:
            try:
                key = candidate.resolve()
            except OSError:
                key = candidate.absolute()
            if key in seen:
                continue
            seen.add(key)
            yield candidate
