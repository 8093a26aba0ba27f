"""What the item page shows, computed from a review item's stored screening JSON.

Findings are stored as the JSON of :meth:`clearance.screening.ScreenResult.to_dict` (see
:meth:`clearance.findings.Finding.to_dict`). Image boxes are in pixels of the *oriented* original
(intake applies the EXIF orientation); the page places each box in percent of that size, so the
overlay stays on its target however large the image is shown, as in
:mod:`clearance.report_html`. Copy is shown with the spans of its findings marked.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from PIL import Image, ImageOps, UnidentifiedImageError

from clearance.errors import NotFound
from clearance.finding_text import finding_details
from clearance.overlay import Rect, Tag, layout
from clearance.storage.blobs import BlobStore
from clearance.storage.models import AssetVersion

#: Formats every browser shows as they are; anything else (TIFF) is converted to PNG to display.
BROWSER_FORMATS: Final = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png",
                          "WEBP": "image/webp", "GIF": "image/gif", "BMP": "image/bmp",
                          "AVIF": "image/avif"}
#: EXIF orientations that swap width and height (rotations by 90 or 270 degrees).
_SWAPPING_ORIENTATIONS: Final = {5, 6, 7, 8}
_EXIF_ORIENTATION: Final = 0x0112
#: How much of a version's copy a queue row shows.
EXCERPT_CHARS: Final = 120


@dataclass(frozen=True, slots=True)
class Overlay:
    """One finding's box over the image, in percent of the image's size, and the label it
    carries (:mod:`clearance.overlay` places it; ``None`` when it shares an earlier box's)."""

    label: str
    score: float
    left: float
    top: float
    width: float
    height: float
    tag: Tag | None = None

    @property
    def style(self) -> str:
        return (f"left:{self.left:.2f}%;top:{self.top:.2f}%;"
                f"width:{self.width:.2f}%;height:{self.height:.2f}%")


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of copy; ``labels`` is non-empty for a marked span."""

    text: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FindingRow:
    label: str
    score: float
    evidence: str
    detector: str
    #: the finding's attributes as (name, value) text, what the evidence line does not say
    details: tuple[tuple[str, str], ...] = ()
    #: the closest examples a model compared the span with (``nearest``), one per line
    nearest: tuple[str, ...] = ()


def oriented_size(data: bytes) -> tuple[int, int] | None:
    """Width and height as a person sees the image (EXIF orientation applied); ``None`` when
    the bytes are not an image Pillow can read."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            width, height = im.size
            orientation = im.getexif().get(_EXIF_ORIENTATION)
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    if orientation in _SWAPPING_ORIENTATIONS:
        width, height = height, width
    return width, height


def browser_image(data: bytes) -> tuple[bytes, str]:
    """Bytes a browser can show and their media type: the stored bytes when the format is one
    browsers read (they apply the EXIF orientation themselves), else a PNG rendition."""
    with Image.open(io.BytesIO(data)) as im:
        fmt = (im.format or "").upper()
        if fmt in BROWSER_FORMATS:
            return data, BROWSER_FORMATS[fmt]
        oriented = ImageOps.exif_transpose(im)
        out = io.BytesIO()
        oriented.convert("RGB").save(out, format="PNG")
        return out.getvalue(), "image/png"


def _box(finding: Mapping[str, Any]) -> Mapping[str, Any] | None:
    ev = finding.get("evidence")
    if isinstance(ev, Mapping) and ev.get("kind") == "image_box":
        return ev
    return None


def overlays(findings: Sequence[Mapping[str, Any]], size: tuple[int, int] | None
             ) -> list[Overlay]:
    """The boxes of image findings, placed in percent of ``size`` (none without a size)."""
    if size is None:
        return []
    width, height = max(size[0], 1), max(size[1], 1)
    found: list[tuple[str, float, Rect]] = []
    for f in findings:
        box = _box(f)
        if box is None:
            continue
        found.append((str(f.get("label", "")), float(f.get("score", 0.0)), Rect(
            100 * float(box["x"]) / width, 100 * float(box["y"]) / height,
            100 * float(box["width"]) / width, 100 * float(box["height"]) / height)))
    placed = layout([(rect, f"{label} {score:.2f}") for label, score, rect in found],
                    aspect=height / width)
    return [Overlay(label=label, score=score, left=rect.left, top=rect.top, width=rect.width,
                    height=rect.height, tag=p.tag)
            for (label, score, rect), p in zip(found, placed, strict=True)]


def segments(text: str, findings: Sequence[Mapping[str, Any]]) -> list[Segment]:
    """``text`` cut into plain and marked pieces; overlapping spans are merged into one mark
    carrying every label."""
    spans: list[tuple[int, int, str]] = []
    for f in findings:
        ev = f.get("evidence")
        if isinstance(ev, Mapping) and ev.get("kind") == "text_span":
            start, end = int(ev["start"]), int(ev["end"])
            if 0 <= start < end <= len(text):
                spans.append((start, end, str(f.get("label", ""))))
    spans.sort()
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, label in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), [*last[2], label])
        else:
            merged.append((start, end, [label]))
    out: list[Segment] = []
    pos = 0
    for start, end, labels in merged:
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], tuple(dict.fromkeys(labels))))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def evidence_text(finding: Mapping[str, Any]) -> str:
    """One line saying where a finding is: the quoted span, the box, or the fact."""
    ev = finding.get("evidence")
    if not isinstance(ev, Mapping):
        return ""
    attrs = finding.get("attributes") or {}
    kind = ev.get("kind")
    if kind == "text_span":
        return f"“{ev.get('text', '')}” [{ev.get('start')}:{ev.get('end')}]"
    if kind == "image_box":
        said = f" “{attrs['text']}”" if isinstance(attrs, Mapping) and attrs.get("text") else ""
        return f"box {ev.get('x')},{ev.get('y')} {ev.get('width')}×{ev.get('height')}{said}"
    return f"{ev.get('name', '')} = {ev.get('value', '')}"


def finding_rows(findings: Sequence[Mapping[str, Any]]) -> list[FindingRow]:
    """The findings table, highest score first."""
    rows = [FindingRow(label=str(f.get("label", "")), score=float(f.get("score", 0.0)),
                       evidence=evidence_text(f),
                       detector=f"{f.get('detector', '')} {f.get('detector_version', '')}".strip(),
                       details=details, nearest=nearest)
            for f in findings for details, nearest in [finding_details(f)]]
    return sorted(rows, key=lambda r: (-r.score, r.label))


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Copy's opening words on one line, cut at ``limit`` characters with an ellipsis."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[:limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class RowPreview:
    """What a queue row shows of its version, so two versions of one asset are told apart at a
    glance: a blurred thumbnail of a picture (``/items/{id}/thumb``), or the copy's opening
    words."""

    thumb: bool = False
    excerpt: str | None = None


def row_preview(blobs: BlobStore, version: AssetVersion) -> RowPreview:
    ctype = version.content_type.lower()
    if ctype.startswith("image/"):
        return RowPreview(thumb=True)
    if ctype.startswith("video/"):
        return RowPreview()
    try:
        data = blobs.get(version.content_sha256)
    except NotFound:
        return RowPreview()
    return RowPreview(excerpt=excerpt(data[:EXCERPT_CHARS * 8].decode("utf-8", "replace")))


def reason_text(reason: Any) -> str:
    """A screening reason (``{rule, outcome, description, text}`` as the queue stores it, or
    plain text) as one line."""
    if isinstance(reason, Mapping):
        if reason.get("text"):
            return str(reason["text"])
        rule = reason.get("rule") or ""
        said = reason.get("description") or ""
        return f"{rule}: {said}" if rule and said else str(rule or said)
    return str(reason)
