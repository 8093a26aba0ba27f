"""Scans of copy read by several detectors are computed once per text
(``clearance.detectors.scancache``)."""

from __future__ import annotations

from clearance.content.text import make_copy
from clearance.detectors import minors as minors_module
from clearance.detectors.minors import MinorMentionDetector
from clearance.detectors.scancache import ScanCache
from clearance.detectors.suggestive import SuggestiveTextDetector


def test_a_scan_is_computed_once_per_text_and_evicted_oldest_first() -> None:
    cache: ScanCache[int] = ScanCache(size=2)
    calls: list[str] = []

    def compute(text: str) -> int:
        calls.append(text)
        return len(text)

    assert cache.get("ab", lambda: compute("ab")) == 2
    assert cache.get("ab", lambda: compute("ab")) == 2
    assert calls == ["ab"]
    cache.get("abc", lambda: compute("abc"))
    cache.get("ab", lambda: compute("ab"))  # now the most recent
    cache.get("abcd", lambda: compute("abcd"))  # evicts "abc"
    cache.get("abc", lambda: compute("abc"))
    assert calls == ["ab", "abc", "abcd", "abc"]


def test_detectors_share_the_minor_reading_and_the_lexicon() -> None:
    text = "Amy, 11, becomes fascinated with a twerking dance crew."
    first = MinorMentionDetector().scan(make_copy(text, max_bytes=10_000))
    again = MinorMentionDetector().scan(make_copy(text, max_bytes=10_000))
    assert first == again and first[0] is again[0]  # the same frozen findings
    assert first is not again  # each caller gets its own list
    lex = SuggestiveTextDetector().scan(make_copy(text, max_bytes=10_000))
    assert lex == SuggestiveTextDetector().scan(make_copy(text, max_bytes=10_000))


def test_the_cache_keys_on_the_whole_text() -> None:
    minors_module._SCANS.clear()
    a = MinorMentionDetector().scan(make_copy("Amy, 11, paints boats.", max_bytes=10_000))
    b = MinorMentionDetector().scan(make_copy("Amy, 41, paints boats.", max_bytes=10_000))
    assert a and not b
