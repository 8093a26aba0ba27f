"""Shape of the copy training corpus for issue 9 (``bench/data/copy-train``).

The corpus is data for a classifier that is trained elsewhere; this test runs no model. It checks
that every YAML file of the corpus is a list of well-formed items, that no text appears twice,
that the minimum sizes of the brief hold (per language, per label, hand-written at least half),
that child-subject positives stay few, and that the ``generated-*.yaml`` files are exactly what
``generate.py`` produces from its fragments (so nobody edits them by hand).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ruamel.yaml import YAML

from script_files import load_script

CORPUS = Path(__file__).resolve().parents[1] / "bench" / "data" / "copy-train"
LANGS = {"en", "fr", "es", "de"}
LABELS = {"framing", "neutral", "child_benign", "hard_negative", "child_positive"}
REQUIRED = {"text", "lang", "label", "kind"}
OPTIONAL = {"note"}
MIN_TOTAL = 6000
MIN_PER_LANG = 1000
MIN_PER_LABEL = {"framing": 1500, "neutral": 2000, "child_benign": 800, "hard_negative": 800}
MAX_CHILD_POSITIVE_PER_LANG = 40
MIN_WORDS, MAX_WORDS = 5, 60


def _load(path: Path) -> list[Any]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert isinstance(data, list), f"{path.name}: the file must be a YAML list"
    return data


def _normalise(text: str) -> str:
    """Case-folded words only, so texts differing in punctuation count as the same text."""
    return " ".join(re.findall(r"\w+", text.casefold()))


@pytest.fixture(scope="module")
def files() -> dict[str, list[Any]]:
    paths = sorted(CORPUS.glob("*.yaml"))
    assert paths, f"no YAML files in {CORPUS}"
    return {path.name: _load(path) for path in paths}


@pytest.fixture(scope="module")
def items(files: dict[str, list[Any]]) -> list[dict[str, Any]]:
    return [item for rows in files.values() for item in rows]


def _generator() -> ModuleType:
    return load_script("copy_train_generate", CORPUS / "generate.py")


def test_file_names_say_written_or_generated_lang_and_label(files: dict[str, list[Any]]) -> None:
    for name, rows in files.items():
        origin, lang, label = name.removesuffix(".yaml").split("-", 2)
        assert origin in {"written", "generated"}, name
        assert lang in LANGS and label in LABELS, name
        for item in rows:
            assert (item.get("lang"), item.get("label")) == (lang, label), (name, item)


def test_every_item_has_the_fields_and_a_known_lang_label_and_kind(
    items: list[dict[str, Any]],
) -> None:
    for item in items:
        assert isinstance(item, dict), item
        keys = set(item)
        assert REQUIRED <= keys <= REQUIRED | OPTIONAL, item
        for key in keys:
            assert isinstance(item[key], str) and item[key].strip() == item[key] != "", item
        assert item["lang"] in LANGS, item
        assert item["label"] in LABELS, item
        assert item["kind"].replace("_", "").isalpha() and item["kind"].islower(), item


def test_texts_are_sentences_of_reasonable_length(items: list[dict[str, Any]]) -> None:
    for item in items:
        words = len(item["text"].split())
        assert MIN_WORDS <= words <= MAX_WORDS, (words, item["text"])
        assert item["text"][0].isupper() or item["text"][0].isdigit(), item["text"]
        assert "[" not in item["text"] and "{" not in item["text"], item["text"]


def test_no_text_appears_twice(items: list[dict[str, Any]]) -> None:
    counts = Counter(_normalise(item["text"]) for item in items)
    assert [text for text, n in counts.items() if n > 1] == []


def test_minimum_sizes(items: list[dict[str, Any]]) -> None:
    by_lang = Counter(item["lang"] for item in items)
    by_label = Counter(item["label"] for item in items)
    assert len(items) >= MIN_TOTAL
    for lang in LANGS:
        assert by_lang[lang] >= MIN_PER_LANG, (lang, by_lang[lang])
    for label, floor in MIN_PER_LABEL.items():
        assert by_label[label] >= floor, (label, by_label[label])
    largest = {label for label, _ in by_label.most_common(2)}
    assert largest == {"framing", "neutral"}, by_label


def test_child_positives_are_few_in_every_language(items: list[dict[str, Any]]) -> None:
    per_lang = Counter(item["lang"] for item in items if item["label"] == "child_positive")
    for lang in LANGS:
        assert 1 <= per_lang[lang] <= MAX_CHILD_POSITIVE_PER_LANG, (lang, per_lang[lang])


def test_at_least_half_is_hand_written(files: dict[str, list[Any]]) -> None:
    written = sum(len(rows) for name, rows in files.items() if name.startswith("written-"))
    total = sum(len(rows) for rows in files.values())
    assert written * 2 >= total, (written, total)


def test_child_positives_are_all_hand_written(files: dict[str, list[Any]]) -> None:
    for name, rows in files.items():
        if name.startswith("generated-"):
            assert all(item["label"] != "child_positive" for item in rows), name


def test_generated_files_are_what_generate_py_writes(files: dict[str, list[Any]]) -> None:
    generator = _generator()
    written = {
        generator.normalise(item["text"])
        for name, rows in files.items()
        if name.startswith("written-")
        for item in rows
    }
    built = generator.build(written)
    expected = {f"generated-{lang}-{label}.yaml" for lang, label in built}
    assert {path.name for path in CORPUS.glob("generated-*.yaml")} == expected
    for (lang, label), rows in built.items():
        path = CORPUS / f"generated-{lang}-{label}.yaml"
        assert path.read_text(encoding="utf-8") == generator.render(lang, label, rows), path.name
