"""Print the count tables and the sha256 that README.md quotes for ``copy-dev.yaml``.

Run ``python bench/data/copy-dev/counts.py`` after any edit of the YAML and paste the output into
README.md; ``tests/test_copy_dev_set.py`` checks that the README carries exactly this output.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
DATA = HERE / "copy-dev.yaml"
LANGS = ("en", "fr", "es", "de")
POSITIVE_CLASSES = (
    "age-words",
    "age-approx",
    "school-year",
    "child-nouns",
    "adult-gaze",
    "effect-on-adults",
    "performance",
    "adult-relationship",
    "exploitation-allure",
)
NEGATIVE_CLASSES = (
    "benign-children",
    "adult-romance",
    "abuse-documented",
    "coming-of-age-care",
    "dance-pageant",
    "kids-family",
    "numbers-not-ages",
    "youthful-adults",
)


def load(path: Path = DATA) -> list[Any]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert isinstance(data, list), f"{path.name}: the file must be a YAML list"
    return data


def sha256(path: Path = DATA) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tables(items: list[dict[str, Any]]) -> str:
    """Markdown tables: lang x label with pairs, then class x lang."""
    by = Counter((item["lang"], item["label"]) for item in items)
    pairs = Counter(item["lang"] for item in items if "pair" in item)
    lines = [
        "| lang | positive | negative | total | pairs |",
        "|---|---:|---:|---:|---:|",
    ]
    for lang in LANGS:
        pos, neg = by[lang, "positive"], by[lang, "negative"]
        lines.append(f"| {lang} | {pos} | {neg} | {pos + neg} | {pairs[lang] // 2} |")
    pos = sum(n for (_, label), n in by.items() if label == "positive")
    neg = sum(n for (_, label), n in by.items() if label == "negative")
    lines.append(f"| all | {pos} | {neg} | {pos + neg} | {sum(pairs.values()) // 2} |")
    lines += ["", "| class | label | " + " | ".join(LANGS) + " | all |", "|---|---|" + "---:|" * 5]
    per = Counter((item["class"], item["lang"]) for item in items)
    for label, classes in (("positive", POSITIVE_CLASSES), ("negative", NEGATIVE_CLASSES)):
        for cls in classes:
            cells = [per[cls, lang] for lang in LANGS]
            row = " | ".join(str(n) for n in cells)
            lines.append(f"| `{cls}` | {label} | {row} | {sum(cells)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(tables(load()))
    print()
    print(f"sha256 of copy-dev.yaml: `{sha256()}`")
