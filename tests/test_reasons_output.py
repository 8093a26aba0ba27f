"""What a person reads about an image: the table format keeps image evidence (the words read in a
poster, not ``=``), reasons cite those words rather than a box's pixels, and a reason cut to its
first witnesses says how many more findings satisfied the rule."""

from __future__ import annotations

import io

from clearance.cli.output import render_table
from clearance.findings import Fact, Finding, ImageBox
from clearance.policy.engine import Decision, evaluate
from clearance.policy.loader import load_policy
from clearance.screening import ScreenResult

OCR = Finding("text.ocr", 1.0, ImageBox(150, 992, 506, 58), "ocr", "1",
              (("text", "SUMMER AT THE LIGHTHOUSE"), ("confidence", 0.98), ("line", 0)))
FRAMED = Finding("suggestive.text", 0.85, ImageBox(150, 1060, 300, 40), "ocr", "1",
                 (("category", "sexualised_dance"), ("framing", True), ("term", "twerking"),
                  ("source", "lexicon"), ("via", "ocr"), ("text", "twerking")))
FACE = Finding("face", 0.99, ImageBox(40, 60, 120, 150), "faces", "1")


def minors(n: int) -> tuple[Finding, ...]:
    return tuple(Finding("minor.known", 1.0, ImageBox(100 * i, 50, 80, 200), "known-minors", "1",
                         (("age", 11), ("person", f"Girl {i + 1}")))
                 for i in range(n))


def _table(result: ScreenResult) -> str:
    out = io.StringIO()
    render_table([result], out)
    return out.getvalue()


def test_the_table_shows_the_words_read_and_the_boxes() -> None:
    decision = evaluate((OCR, FACE), load_policy())
    text = _table(ScreenResult("poster.png", "image", decision, (OCR, FACE)))
    flat = " ".join(text.replace("│", " ").split())
    assert 'text.ocr 1.00 "SUMMER AT THE LIGHTHOUSE" (box 150,992 506×58)' in flat
    assert "face 0.99 box 40,60 120×150" in flat
    assert "=" not in flat.split("text.ocr", 1)[1].split("face")[0]


def test_a_reason_cites_the_words_not_the_box() -> None:
    decision = evaluate((*minors(1), FRAMED), load_policy(),
                        {"synopsis/en/web": ()})
    assert decision.outcome == "block"
    reason = decision.reasons[0]
    assert 'suggestive.text "twerking"' in reason
    assert "box 150,1060" not in reason
    assert "minor.known box 0,50 80×200 (age 11)" in reason  # a box with no words stays a box


def test_a_cut_reason_says_how_many_more() -> None:
    """Four known minors beside two suggestive readings: the reason names the findings of the
    first three witnesses and counts the rest."""
    suggestive = tuple(Finding("suggestive.image", s, Fact("suggestive", str(s)), "nsfw", "1")
                       for s in (0.9, 0.8))
    decision = evaluate(minors(4) + suggestive, load_policy())
    fired = decision.fired[0]
    assert fired.rule == "minor-in-sexualised-image"
    named = [s.finding for s in fired.findings]
    assert sum(f.label == "minor.known" for f in named) == 2
    assert fired.more == 2  # Girl 3 and Girl 4
    assert decision.reasons[0].endswith("; +2 more")
    stored = decision.to_dict()
    assert stored["rules"][0]["more"] == 2
    assert Decision.from_dict(stored).reasons == decision.reasons


def test_an_uncut_reason_says_nothing_more() -> None:
    decision = evaluate((*minors(1), FRAMED), load_policy())
    assert decision.fired[0].more == 0 and "more" not in decision.reasons[0]
    assert "more" not in decision.to_dict()["rules"][0]
