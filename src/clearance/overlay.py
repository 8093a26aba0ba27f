"""Where the boxes of image findings and their labels go over a picture (the review UI's item
page and the HTML report).

Boxes are placed in percent of the picture, so they stay on their targets at any displayed size.
Their labels used to hang above each box's corner: two findings on one face (``face`` and
``minor.apparent`` a few pixels apart) printed one label over the other, a box at the right edge
ran its label past the picture, and one at the top lost it above the frame. Here every label gets
a place of its own:

* findings with the same box (a poster's words and the copy finding read in them) share one
  label, ``text.ocr 0.88 · suggestive.text 0.85``;
* each label tries, in order, above its box (left-aligned, then right-aligned), below it, then
  inside its top and bottom edges, and takes the first place inside the picture that overlaps no
  label placed before it (then the first free place down the box's side, then the least
  overlapping);
* a label's ``max-width`` ends at the picture's right edge (longer text is cut with an ellipsis),
  so however the picture is shown no label runs past it.

Label sizes are estimated for the picture shown :data:`REFERENCE_WIDTH_PX` wide with 11 px text;
shown wider, labels take relatively less room and still do not meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

#: The displayed width label sizes are estimated for (the item page shows a poster about this
#: wide in a laptop window; the HTML report wider).
REFERENCE_WIDTH_PX: Final = 480
#: An 11 px sans-serif character's average advance, a label's padding and its line height (px).
CHAR_PX: Final = 6.4
PADDING_PX: Final = 10
LINE_PX: Final = 16
#: Boxes whose edges are all within this (percent) are one box with one label.
SAME_BOX: Final = 0.5


@dataclass(frozen=True, slots=True)
class Rect:
    """A rectangle in percent of the picture."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def overlap(self, other: Rect) -> float:
        w = min(self.right, other.right) - max(self.left, other.left)
        h = min(self.bottom, other.bottom) - max(self.top, other.top)
        return w * h if w > 1e-9 and h > 1e-9 else 0.0

    def inside(self) -> bool:
        eps = 1e-6
        return (self.left >= -eps and self.top >= -eps and self.right <= 100 + eps
                and self.bottom <= 100 + eps)

    @property
    def style(self) -> str:
        return (f"left:{self.left:.2f}%;top:{self.top:.2f}%;"
                f"width:{self.width:.2f}%;height:{self.height:.2f}%")


@dataclass(frozen=True, slots=True)
class Tag:
    """A label placed over the picture; ``rect`` is its estimated extent."""

    text: str
    rect: Rect

    @property
    def style(self) -> str:
        """Its position, with a ``max-width`` that ends at the picture's right edge."""
        return (f"left:{self.rect.left:.2f}%;top:{self.rect.top:.2f}%;"
                f"max-width:{100 - self.rect.left:.2f}%")


@dataclass(frozen=True, slots=True)
class Placed:
    """One finding's box, and the label it carries (``None`` when it shares an earlier box's
    label)."""

    box: Rect
    tag: Tag | None


def _size(text: str, aspect: float) -> tuple[float, float]:
    """A label's width and height in percent of a picture ``aspect`` (height / width) shown
    :data:`REFERENCE_WIDTH_PX` wide."""
    width = min(100.0, 100 * (len(text) * CHAR_PX + PADDING_PX) / REFERENCE_WIDTH_PX)
    height = min(100.0, 100 * LINE_PX / (REFERENCE_WIDTH_PX * max(aspect, 0.05)))
    return width, height


def _candidates(box: Rect, w: float, h: float) -> list[Rect]:
    def at(x: float, y: float) -> Rect:
        return Rect(min(max(x, 0.0), 100 - w), y, w, h)

    return [at(box.left, box.top - h), at(box.right - w, box.top - h),
            at(box.left, box.bottom), at(box.right - w, box.bottom),
            at(box.left, box.top), at(box.left, box.bottom - h)]


def _place(box: Rect, w: float, h: float, placed: Sequence[Rect]) -> Rect:
    options = [r for r in _candidates(box, w, h) if r.inside()]
    for r in options:
        if not any(r.overlap(p) for p in placed):
            return r
    x = min(max(box.left, 0.0), 100 - w)
    y = max(box.top, 0.0)
    while y + h <= 100 + 1e-6:  # the first free place down the box's side, then below it
        r = Rect(x, y, w, h)
        if not any(r.overlap(p) for p in placed):
            return r
        y += h / 2
    options = options or [Rect(x, min(max(box.top, 0.0), max(0.0, 100 - h)), w, h)]
    return min(options, key=lambda r: sum(r.overlap(p) for p in placed))


def layout(boxes: Sequence[tuple[Rect, str]], aspect: float) -> list[Placed]:
    """Place the label of each ``(box, text)`` over a picture ``aspect`` (height / width) high:
    one label per distinct box, none overlapping another where the picture has room, every one
    inside it."""
    out: list[Placed] = []
    shared: list[tuple[Rect, list[str]]] = []
    owner: list[int | None] = []
    for box, text in boxes:
        for seen, texts in shared:
            if all(abs(a - b) <= SAME_BOX for a, b in zip(
                    (box.left, box.top, box.width, box.height),
                    (seen.left, seen.top, seen.width, seen.height), strict=True)):
                texts.append(text)
                owner.append(None)
                break
        else:
            shared.append((box, [text]))
            owner.append(len(shared) - 1)
    tags: list[Tag] = []
    for box, texts in shared:
        text = " · ".join(dict.fromkeys(texts))
        w, h = _size(text, aspect)
        tags.append(Tag(text, _place(box, w, h, [t.rect for t in tags])))
    for (box, _), index in zip(boxes, owner, strict=True):
        out.append(Placed(box, tags[index] if index is not None else None))
    return out
