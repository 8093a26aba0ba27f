"""The HTML report: self-contained, images blurred until revealed, boxes on their targets."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from clearance.content.picture import Picture
from clearance.content.text import make_copy
from clearance.demo.art import draw_poster
from clearance.detectors.base import Item
from clearance.findings import Finding, ImageBox, Label, TextSpan
from clearance.policy.engine import Decision
from clearance.report_html import render_html
from clearance.screening import ScreenResult


def _picture() -> Picture:
    pixels = np.zeros((200, 400, 3), np.uint8)
    pixels[:, :200] = (200, 30, 30)
    return Picture("drawn.png", hashlib.sha256(pixels.tobytes()).hexdigest(), "PNG", pixels)


def test_image_card_is_blurred_with_boxes_in_percent() -> None:
    pic = _picture()
    face = Finding(Label.FACE, 0.9, ImageBox(100, 50, 40, 20), "face", "1")
    result = ScreenResult("drawn.png", "image", Decision("review", "p@1"), (face,),
                          Item("image", image=pic))
    page = render_html([result])
    assert "http://" not in page and "https://" not in page  # nothing loaded from outside
    assert page.count("data:image/jpeg;base64,") == 1
    assert 'class="frame" tabindex="0"' in page and 'class="frame revealed"' not in page
    assert "filter:blur(22px) grayscale(1)" in page
    assert "left:25.00%;top:25.00%;width:10.00%;height:10.00%" in page
    assert "1 review" in page


def test_copy_card_highlights_spans_and_escapes() -> None:
    text = "Amy, 11, <b>dances</b>."
    copy = make_copy(text, max_bytes=1000)
    f = Finding(Label.MINOR_MENTIONED, 0.95, TextSpan(0, 7, "Amy, 11", 0), "m", "1")
    result = ScreenResult("text", "text", Decision("block", "p@1"), (f,), Item("text", copy))
    page = render_html([result])
    assert "<mark>Amy, 11</mark>" in page
    assert "&lt;b&gt;dances&lt;/b&gt;" in page and "<b>dances" not in page


def test_demo_posters_are_drawn_pngs() -> None:
    for variant in ("withdrawn", "replacement"):
        data = draw_poster(variant)  # type: ignore[arg-type]
        assert data.startswith(b"\x89PNG")
        assert re.search(rb"IHDR\x00\x00\x048\x00\x00\x05F", data)  # 1080 x 1350


def test_a_findings_attributes_and_closest_examples_are_in_the_report() -> None:
    """As on the review page: a finding's attributes under its evidence (what the evidence
    already says left out), and the copy classifier's closest training examples, escaped."""
    text = "Amy, 11, dances for the men."
    copy = make_copy(text, max_bytes=1000)
    near = ("An enigmatic <beauty> seduces men.", "Une chanteuse ensorcelle le public.")
    mentioned = Finding(Label.MINOR_MENTIONED, 0.95, TextSpan(0, 7, "Amy, 11", 0), "m", "1",
                        (("age", 11), ("term", "amy, 11"), ("age_band", None)))
    framing = Finding(Label.MINOR_SEXUALISED, 0.79, TextSpan(0, len(text), text, 0), "s", "1",
                      (("age", 11), ("p_framing", 0.8792), ("cues", "adults"),
                       ("nearest", " | ".join(near))))
    result = ScreenResult("text", "text", Decision("review", "p@1"), (mentioned, framing),
                          Item("text", copy))
    page = render_html([result])
    attrs = re.findall(r'<div class="attrs">(.*?)</div>', page)
    assert [re.sub(r"<[^>]+>", "", a) for a in attrs] == [
        "age 11", "age 11 · p framing 0.879 · cues adults"]
    assert "closest training examples (2)" in page
    assert "<li>An enigmatic &lt;beauty&gt; seduces men.</li>" in page
    assert page.count('<details class="nearest">') == 1
