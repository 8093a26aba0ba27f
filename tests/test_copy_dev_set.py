"""Shape of the copy development set for issue 9 (``bench/data/copy-dev``).

The set is hand-written catalog copy used to pick a model and a threshold; this test runs no
model. It checks that ``copy-dev.yaml`` is a list of well-formed items (id, lang, text, label,
class, optional pair), that every label agrees with its class, that ids and texts are unique, that
every minimal pair is one positive and one negative of the same language opening with the same
sentence, that the minimum sizes of the brief hold, and that README.md carries the counts and the
sha256 of the YAML as it stands (so an edit of the set is seen in its README).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from script_files import load_script

FOLDER = Path(__file__).resolve().parents[1] / "bench" / "data" / "copy-dev"
DATA = FOLDER / "copy-dev.yaml"
README = FOLDER / "README.md"
LANGS = {"en", "fr", "es", "de"}
REQUIRED = {"id", "lang", "text", "label", "class"}
OPTIONAL = {"pair"}
POSITIVE_CLASSES = {
    "age-words",
    "age-approx",
    "school-year",
    "child-nouns",
    "adult-gaze",
    "effect-on-adults",
    "performance",
    "adult-relationship",
    "exploitation-allure",
}
NEGATIVE_CLASSES = {
    "benign-children",
    "adult-romance",
    "abuse-documented",
    "coming-of-age-care",
    "dance-pageant",
    "kids-family",
    "numbers-not-ages",
    "youthful-adults",
}
MIN_COUNTS = {
    ("en", "positive"): 40,
    ("en", "negative"): 60,
    ("fr", "positive"): 30,
    ("fr", "negative"): 45,
    ("es", "positive"): 25,
    ("es", "negative"): 38,
    ("de", "positive"): 25,
    ("de", "negative"): 38,
}
MIN_PAIRS = 40
MIN_PER_CLASS_AND_LANG = 2
MIN_WORDS, MAX_WORDS = 5, 80
ID = re.compile(r"(en|fr|es|de)-\d{3}")
PAIR = re.compile(r"d-\d{3}")


def _normalise(text: str) -> str:
    """Case-folded words only, so texts differing in punctuation count as the same text."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0]


def _counts_module() -> ModuleType:
    return load_script("copy_dev_counts", FOLDER / "counts.py")


@pytest.fixture(scope="module")
def counts() -> ModuleType:
    return _counts_module()


@pytest.fixture(scope="module")
def items(counts: ModuleType) -> list[dict[str, Any]]:
    return counts.load(DATA)


def test_every_item_has_exactly_the_fields_with_known_values(items: list[dict[str, Any]]) -> None:
    assert items
    for item in items:
        assert isinstance(item, dict), item
        keys = set(item)
        assert REQUIRED <= keys <= REQUIRED | OPTIONAL, item
        for key in keys:
            assert isinstance(item[key], str) and item[key].strip() == item[key] != "", item
        assert item["lang"] in LANGS, item
        assert item["label"] in {"positive", "negative"}, item
        assert item["class"] in POSITIVE_CLASSES | NEGATIVE_CLASSES, item


def test_label_agrees_with_class(items: list[dict[str, Any]]) -> None:
    for item in items:
        expected = "positive" if item["class"] in POSITIVE_CLASSES else "negative"
        assert item["label"] == expected, item


def test_ids_are_unique_and_carry_the_language(items: list[dict[str, Any]]) -> None:
    ids = Counter(item["id"] for item in items)
    assert [name for name, n in ids.items() if n > 1] == []
    for item in items:
        match = ID.fullmatch(item["id"])
        assert match is not None, item["id"]
        assert match.group(1) == item["lang"], item


def test_texts_are_unique_and_of_catalog_length(items: list[dict[str, Any]]) -> None:
    texts = Counter(_normalise(item["text"]) for item in items)
    assert [text for text, n in texts.items() if n > 1] == []
    for item in items:
        words = len(item["text"].split())
        assert MIN_WORDS <= words <= MAX_WORDS, (words, item["text"])


def test_texts_are_double_quoted_in_the_file() -> None:
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if "text:" in line]
    assert lines
    for line in lines:
        assert re.fullmatch(r'  text: ".*"', line), line


def test_pairs_are_one_positive_and_one_negative_with_a_shared_opening(
    items: list[dict[str, Any]],
) -> None:
    pairs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        if "pair" in item:
            assert PAIR.fullmatch(item["pair"]), item
            pairs[item["pair"]].append(item)
    assert len(pairs) >= MIN_PAIRS, len(pairs)
    for name, halves in pairs.items():
        assert len(halves) == 2, (name, [half["id"] for half in halves])
        assert {half["label"] for half in halves} == {"positive", "negative"}, name
        assert halves[0]["lang"] == halves[1]["lang"], name
        first, second = (_first_sentence(half["text"]) for half in halves)
        assert first == second, (name, first, second)
        assert halves[0]["text"] != first and halves[1]["text"] != second, name


def test_minimum_sizes_per_language_and_label(items: list[dict[str, Any]]) -> None:
    counts = Counter((item["lang"], item["label"]) for item in items)
    for key, floor in MIN_COUNTS.items():
        assert counts[key] >= floor, (key, counts[key])


def test_every_class_is_present_in_every_language(items: list[dict[str, Any]]) -> None:
    counts = Counter((item["class"], item["lang"]) for item in items)
    for cls in POSITIVE_CLASSES | NEGATIVE_CLASSES:
        for lang in LANGS:
            assert counts[cls, lang] >= MIN_PER_CLASS_AND_LANG, (cls, lang, counts[cls, lang])


def test_readme_carries_the_counts_and_the_sha256(
    counts: ModuleType, items: list[dict[str, Any]]
) -> None:
    readme = README.read_text(encoding="utf-8")
    assert counts.tables(items) in readme, "README.md: rerun counts.py and paste its tables"
    assert counts.sha256(DATA) in readme, "README.md: rerun counts.py and paste the sha256"
    assert set(counts.POSITIVE_CLASSES) == POSITIVE_CLASSES
    assert set(counts.NEGATIVE_CLASSES) == NEGATIVE_CLASSES
