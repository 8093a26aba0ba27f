"""The HTML report at catalog scale: items named by title, what needs a person first (summarised
per rule, with a jump list), filter and sort controls, passed items as rows, and a size that stays
reasonable for the 8,807-title catalog. Labels over an image are placed apart and inside it."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clearance.content.picture import Picture
from clearance.content.text import make_copy
from clearance.detectors.base import Item
from clearance.findings import Fact, Finding, ImageBox, TextSpan
from clearance.overlay import Rect, layout
from clearance.policy.engine import Decision, FiredRule, Sourced
from clearance.report_html import render_html
from clearance.screening import ScreenResult

#: A catalog synopsis's typical length (the Netflix catalog's mean is about 143 characters).
SYNOPSIS = ("A determined young chef leaves her village for the capital, where a rival kitchen, "
            "an old friend and a cooking contest test everything she believes in.")
LANGUAGE = Finding("text.language", 0.99, Fact("language", "en"), "language", "1")


def _passed(n: int) -> ScreenResult:
    return ScreenResult(f"s{n}", "text", Decision("pass", "p@1"), (LANGUAGE,),
                        Item("text", make_copy(SYNOPSIS, max_bytes=10_000)))


def _flagged(n: int, outcome: str, rule: str) -> ScreenResult:
    text = f"Item {n}: a girl of twelve, a dance crew."
    f = Finding("minor.mentioned", 0.9, TextSpan(8, 24, "a girl of twelve", 0), "m", "1")
    decision = Decision(outcome, "p@1",  # type: ignore[arg-type]
                        (FiredRule(rule, "why", outcome, (Sourced("this", f),)),))  # type: ignore[arg-type]
    return ScreenResult(f"s{n}", "text", decision, (f, LANGUAGE),
                        Item("text", make_copy(text, max_bytes=10_000)))


def _catalog(size: int, flagged: dict[int, tuple[str, str]]) -> list[ScreenResult]:
    return [_flagged(n, *flagged[n]) if n in flagged else _passed(n) for n in range(1, size + 1)]


def test_review_and_block_items_come_first_summarised_with_a_jump_list() -> None:
    results = _catalog(60, {40: ("review", "teen-copy"), 7: ("block", "child-copy"),
                            22: ("review", "teen-copy")})
    titles = {"s7": "Cuties", "s22": "Dance Camp", "s40": "Summer Crew", "s1": "Dick Johnson"}
    page = render_html(results, titles=titles)
    assert "60 item(s): 1 block, 2 review, 57 pass" in page
    # the summary: items per rule, blocks first
    summary = page.split('id="attention"')[1].split('id="jump"')[0]
    assert re.search(r"child-copy</td><td class=\"num\">1<", summary)
    assert re.search(r"teen-copy</td><td class=\"num\">2<", summary)
    assert summary.index("child-copy") < summary.index("teen-copy")
    # the jump list names titles and links to the cards, in risk order
    jump = page.split('id="jump"')[1].split("</table>")[0]
    assert re.findall(r'href="#(i\d+)"', jump) == ["i6", "i21", "i39"]
    assert "Cuties" in jump and "Dance Camp" in jump
    for anchor in ("i6", "i21", "i39"):
        assert f'id="{anchor}"' in page
    # cards before the passed rows; the block card first
    assert page.index('id="i6"') < page.index('id="i21"') < page.index('id="passed"')
    assert page.count('<section class="card') == 3
    # passed items are rows, named by title, with their copy and no language label
    row = re.search(r"<tr><td>s1</td>(.*?)</tr>", page)
    assert row is not None and "Dick Johnson" in row.group(1) and SYNOPSIS in row.group(1)
    assert "text.language" not in row.group(1)


def test_a_small_report_keeps_cards_for_passed_items() -> None:
    page = render_html(_catalog(5, {2: ("review", "r")}))
    assert page.count('<section class="card') == 5 and 'id="passed"' not in page
    assert page.index('id="i1"') < page.index('id="i0"')  # the review first


def test_filter_and_sort_controls() -> None:
    page = render_html(_catalog(60, {2: ("review", "r")}), titles={"s2": "B", "s3": "A"})
    assert 'id="q"' in page and 'type="search"' in page
    for outcome in ("block", "review", "pass"):
        assert f'data-hide="{outcome}"' in page
    assert re.search(r'<select id="sort">.*value="title".*value="id".*value="input"', page)
    assert "body.hide-pass .o-pass" in page  # the tick boxes hide by decision with CSS
    assert 'data-t="B"' in page and 'data-n="1"' in page  # what the sort reads on cards
    assert "<tr><td>s3</td><td>A</td>" in page  # and on rows, their cells
    assert "http://" not in page and "https://" not in page


def test_the_catalog_report_stays_a_reasonable_size() -> None:
    """8,807 items (62 of them reviewed, as the Netflix catalog screens): before, 4.7 MB of
    cards; the passed rows now cost little more than their copy."""
    flagged = {n: ("review", "teen-copy") for n in range(100, 8807, 142)}
    results = _catalog(8807, flagged)
    page = render_html(results, titles={r.item: f"Title {r.item}" for r in results})
    copy_bytes = sum(len(SYNOPSIS.encode()) for r in results if r.decision.outcome == "pass")
    assert len(page.encode()) < 2_500_000
    assert len(page.encode()) < copy_bytes + 80 * len(results)  # id, title and < 60 bytes of markup


def test_many_blocked_pictures_are_embedded_smaller() -> None:
    pixels = np.full((1000, 800, 3), 120, np.uint8)
    pic = Picture("p.png", hashlib.sha256(b"p").hexdigest(), "PNG", pixels)
    face = Finding("face", 0.9, ImageBox(100, 100, 200, 200), "faces", "1")
    one = ScreenResult("p.png", "image", Decision("review", "p@1"), (face,),
                       Item("image", image=pic))
    single = render_html([one])
    many = render_html([one] * 61)
    per_picture_single = len(single)
    per_picture_many = len(many) / 61
    assert per_picture_many < per_picture_single / 2


def test_labels_do_not_collide_or_run_past_the_edge() -> None:
    """A face and an apparent minor on it, four faces side by side, a box at the right edge and
    one at the top, and a poster's words read twice in one box."""
    boxes = [
        (Rect(38.75, 15.0, 8.75, 15.0), "minor.apparent 0.71"),
        (Rect(39.38, 16.0, 7.5, 13.0), "face 0.93"),
        *[(Rect(10 + 20 * i, 50, 8, 20), f"minor.known 1.00 #{i}") for i in range(4)],
        (Rect(92, 40, 8, 10), "exposure.belly.exposed 0.80"),
        (Rect(30, 0, 20, 5), "text.ocr 0.95"),
        (Rect(60, 85, 30, 8), "text.ocr 0.88"),
        (Rect(60, 85, 30, 8), "suggestive.text 0.85"),
    ]
    placed = layout(boxes, aspect=1350 / 1080)
    tags = [p.tag for p in placed if p.tag is not None]
    assert len(tags) == len(boxes) - 1  # the words read twice share one label
    assert placed[-1].tag is None and placed[-2].tag is not None
    assert placed[-2].tag.text == "text.ocr 0.88 · suggestive.text 0.85"
    for tag in tags:
        r = tag.rect
        assert r.left >= 0 and r.top >= 0 and r.right <= 100.0001 and r.bottom <= 100.0001, tag
        assert f"max-width:{100 - r.left:.2f}%" in tag.style  # cut at the edge, whatever size
    for i, a in enumerate(tags):
        for b in tags[i + 1:]:
            assert a.rect.overlap(b.rect) == 0, (a, b)


def test_the_ui_item_page_places_labels_apart() -> None:
    from clearance.service.ui_view import overlays

    def box(label: str, x: int, y: int, w: int, h: int) -> dict[str, object]:
        return {"label": label, "score": 0.9,
                "evidence": {"kind": "image_box", "x": x, "y": y, "width": w, "height": h}}

    shown = overlays([box("minor.apparent", 248, 60, 56, 60), box("face", 252, 64, 48, 52),
                      box("exposure.belly.exposed", 600, 10, 40, 40)], (640, 400))
    tags = [o.tag for o in shown if o.tag is not None]
    assert len(tags) == 3
    assert tags[0].rect.overlap(tags[1].rect) == 0
    assert tags[2].rect.right <= 100.0001  # the box at the right edge keeps its label inside


@pytest.mark.shared_data
def test_the_real_catalog_report(shared_data_dir: Path, tmp_path: Path) -> None:
    """The Netflix catalog's report: title names, the reviewed items first, and its size."""
    catalog = shared_data_dir / "netflix-titles" / "netflix_titles.csv"
    out = tmp_path / "report.html"
    clearance = Path(sys.executable).parent / "clearance"
    subprocess.run([str(clearance), "screen", str(catalog), "--semantic", "off", "--format",
                    "html", "-o", str(out)], check=False, cwd=tmp_path, timeout=900)
    page = out.read_text(encoding="utf-8")
    assert "8807 item(s)" in page
    assert "Dick Johnson Is Dead" in page and "Cuties" in page
    assert page.index('id="attention"') < page.index('id="passed"')
    assert len(page.encode()) < 2_500_000
