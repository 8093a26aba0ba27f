"""Shape of the frozen copy evaluation set (issue 9): bench/data/copy-eval/copy-eval.yaml.

Checks only the file (ids, languages, labels, classes, minimal pairs) and that its SHA-256 equals
the value recorded in the folder's README, so any edit to the frozen file is visible. It runs no
model and screens nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from itertools import takewhile
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO / "bench" / "data" / "copy-eval"
DATA = EVAL_DIR / "copy-eval.yaml"
README = EVAL_DIR / "README.md"

LANGS = {"en", "fr", "es", "de"}
LABELS = {"positive", "negative"}
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
REQUIRED = {"id", "lang", "text", "label", "class", "note"}
OPTIONAL = {"pair"}


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    loaded = YAML(typ="safe").load(DATA.read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    return loaded


def test_file_hash_matches_readme() -> None:
    match = re.search(r"sha256:\s*([0-9a-f]{64})", README.read_text(encoding="utf-8"))
    assert match, "README.md must record the file's hash as 'sha256: <64 hex>'"
    digest = hashlib.sha256(DATA.read_bytes()).hexdigest()
    assert digest == match.group(1), (
        "copy-eval.yaml changed: the set is frozen; add a new versioned file instead of editing it"
    )


def test_items_have_the_documented_shape(items: list[dict[str, Any]]) -> None:
    for item in items:
        assert isinstance(item, dict)
        keys = set(item)
        assert REQUIRED <= keys <= REQUIRED | OPTIONAL, (item.get("id"), keys)
        assert item["lang"] in LANGS, item["id"]
        assert re.fullmatch(rf"{item['lang']}-\d{{3}}", item["id"]), item["id"]
        assert item["label"] in LABELS, item["id"]
        allowed = POSITIVE_CLASSES if item["label"] == "positive" else NEGATIVE_CLASSES
        assert item["class"] in allowed, (item["id"], item["class"])
        assert isinstance(item["text"], str) and item["text"].strip(), item["id"]
        assert isinstance(item["note"], str) and item["note"].strip(), item["id"]
        if "pair" in item:
            assert re.fullmatch(r"p-\d{3}", item["pair"]), item["id"]


def test_ids_and_texts_are_unique(items: list[dict[str, Any]]) -> None:
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    texts = [item["text"] for item in items]
    assert len(texts) == len(set(texts))


def test_every_pair_has_one_positive_and_one_negative_in_one_language(
    items: list[dict[str, Any]],
) -> None:
    pairs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        if "pair" in item:
            pairs[item["pair"]].append(item)
    assert len(pairs) >= 60
    for pair_id, halves in pairs.items():
        assert sorted(h["label"] for h in halves) == ["negative", "positive"], pair_id
        assert halves[0]["lang"] == halves[1]["lang"], pair_id
        # same opening: the halves differ only after a shared first sentence
        texts = zip(halves[0]["text"], halves[1]["text"], strict=False)
        shared = sum(1 for _ in takewhile(lambda ab: ab[0] == ab[1], texts))
        assert shared >= 20, pair_id


def test_every_language_has_both_labels(items: list[dict[str, Any]]) -> None:
    seen = {(item["lang"], item["label"]) for item in items}
    assert seen == {(lang, label) for lang in LANGS for label in LABELS}
