"""Key art for the demo, drawn by code: no photograph, no person, nothing to censor.

The demo needs posters whose *text* the OCR can read ("CUTIES", "MIGNONNES") and whose layout
evokes the two 2020 posters: four figures posing on a stage (the withdrawn art) and four figures
in a street (its replacement). The figures are abstract shapes. What no drawn image can honestly
produce — outfits, poses, apparent ages — comes from a recorded vendor response beside each
poster (``demo/data/vendor-*.json``), exactly as a team that pays for a cloud moderation API
would feed its answers into Clearance. :func:`draw_thumbnail` cuts a letterboxed, re-encoded
thumbnail from a poster, as a partner's feed would (the hash bank's near-copy).
"""

from __future__ import annotations

import io
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1080, 1350
Variant = Literal["withdrawn", "replacement"]


def _figure(draw: ImageDraw.ImageDraw, cx: int, top: int, colour: str, arms_up: bool) -> None:
    draw.ellipse((cx - 45, top, cx + 45, top + 90), fill="#e0b89a")  # head
    draw.rounded_rectangle((cx - 55, top + 100, cx + 55, top + 330), radius=30, fill=colour)
    if arms_up:
        draw.line((cx - 50, top + 120, cx - 120, top - 10), fill=colour, width=26)
        draw.line((cx + 50, top + 120, cx + 120, top - 10), fill=colour, width=26)
    else:
        draw.line((cx - 55, top + 120, cx - 80, top + 300), fill=colour, width=26)
        draw.line((cx + 55, top + 120, cx + 80, top + 300), fill=colour, width=26)
    draw.line((cx - 25, top + 330, cx - 40, top + 520), fill="#37474f", width=30)
    draw.line((cx + 25, top + 330, cx + 40, top + 520), fill="#37474f", width=30)


def draw_poster(variant: Variant) -> bytes:
    """A 1080×1350 PNG poster."""
    if variant == "withdrawn":
        img = Image.new("RGB", (WIDTH, HEIGHT), "#3b1f5e")
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 1050, WIDTH, HEIGHT), fill="#6a3d9a")  # stage
        colours, arms_up = ["#ec407a", "#ab47bc", "#ffca28", "#26c6da"], True
    else:
        img = Image.new("RGB", (WIDTH, HEIGHT), "#90caf9")
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 1000, WIDTH, HEIGHT), fill="#9e9e9e")  # street
        for x in range(0, WIDTH, 180):
            draw.rectangle((x + 10, 380, x + 160, 1000), fill="#cfd8dc")  # buildings
        colours, arms_up = ["#1e88e5", "#43a047", "#fb8c00", "#8e24aa"], False
    for i, colour in enumerate(colours):
        _figure(draw, 180 + i * 240, 520, colour, arms_up)
    title_font = ImageFont.load_default(size=190)
    sub_font = ImageFont.load_default(size=90)
    draw.text((WIDTH // 2, 60), "CUTIES", font=title_font, fill="white", anchor="ma")
    draw.text((WIDTH // 2, 280), "MIGNONNES", font=sub_font, fill="#ffeb3b", anchor="ma")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def draw_thumbnail(poster: bytes, *, keep: float = 0.8, width: int = 480,
                   quality: int = 70) -> bytes:
    """A thumbnail cut from a poster the way a partner's feed cuts one: the top ``keep`` of it,
    letterboxed on black to 16:9, scaled to ``width`` pixels and re-encoded as JPEG."""
    img = Image.open(io.BytesIO(poster)).convert("RGB")
    w, h = img.size
    img = img.crop((0, 0, w, int(h * keep)))
    canvas = Image.new("RGB", (int(img.size[1] * 16 / 9), img.size[1]), "black")
    canvas.paste(img, ((canvas.size[0] - w) // 2, 0))
    canvas = canvas.resize((width, int(width * 9 / 16)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    canvas.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
