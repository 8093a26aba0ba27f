"""Generate the compositional half of the copy training corpus (issue 9).

Each language module (``fragments_en.py``, ``fragments_fr.py``, ``fragments_es.py``,
``fragments_de.py``) holds a small grammar per label: *productions*, each with a few sentence
templates and the hand-written fragments that fill their slots. A template names its slots in
braces: ``{S}`` is replaced by a fragment of slot ``S`` as written, ``{S^}`` by the same fragment
with its first letter capitalised. A fragment may start with ``m:`` or ``f:`` to give the
grammatical gender of what it names (the first gendered fragment of a sentence wins); ``[a|b]``
anywhere in the filled sentence then becomes ``a`` for a masculine and ``b`` for a feminine
subject (``[his|her]``, ``fasciné[|e]``, ``casad[o|a]``, ``[sein|ihr]en``). A fragment of a slot
listed in a production's ``kind_slot`` is a ``(kind, text)`` pair and gives the item its kind;
otherwise the production's ``kind`` is used.

Sampling is deterministic: one ``random.Random`` per language and label, seeded from ``SEED``.
Productions are visited round-robin, each ``weight`` times per round (default 1); a sentence
that already exists (in this run or in a ``written-*.yaml`` file; punctuation and case ignored)
is drawn again. Output: ``generated-<lang>-<label>.yaml``.

    .venv/bin/python bench/data/copy-train/generate.py            # (re)write the generated files
    .venv/bin/python bench/data/copy-train/generate.py --counts   # print the language x label table
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = 20260909
LANGS = ("en", "fr", "es", "de")
LABELS = ("framing", "neutral", "child_benign", "hard_negative", "child_positive")
# Items generated per language and label. child_positive is never generated: the few
# child-subject positives are all hand-written.
QUOTA: Mapping[str, int] = {
    "framing": 170,
    "neutral": 320,
    "child_benign": 115,
    "hard_negative": 165,
}
SLOT = re.compile(r"\{([A-Z])(\^?)\}")
GENDERED = re.compile(r"\[([^|\[\]]*)\|([^|\[\]]*)\]")
MAX_TRIES = 200


def normalise(text: str) -> str:
    """The key used for duplicate detection: case-folded words, punctuation ignored."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _fill(production: Mapping[str, Any], rng: random.Random) -> tuple[str, str]:
    template: str = rng.choice(production["templates"])
    slots: Mapping[str, Sequence[Any]] = production["slots"]
    kind_slot: str | None = production.get("kind_slot")
    kind: str = production.get("kind", "")
    gender: str | None = None
    chosen: dict[str, str] = {}
    for name in dict.fromkeys(m.group(1) for m in SLOT.finditer(template)):
        fragment = rng.choice(slots[name])
        if name == kind_slot:
            kind, fragment = fragment
        if fragment[:2] in ("m:", "f:"):
            gender = gender or fragment[0]
            fragment = fragment[2:]
        chosen[name] = fragment

    def slot(match: re.Match[str]) -> str:
        text = chosen[match.group(1)]
        return _capitalise(text) if match.group(2) else text

    text = SLOT.sub(slot, template)
    text = GENDERED.sub(lambda m: m.group(2) if gender == "f" else m.group(1), text)
    text = re.sub(r"\s+([,.])", r"\1", " ".join(text.split()))
    text = text.replace(",,", ",").replace("..", ".")
    return _capitalise(text), kind


@cache
def grammar(lang: str) -> dict[str, list[dict[str, Any]]]:
    """``GRAMMAR`` of ``fragments_<lang>.py``, loaded by path (the folder is not a package)."""
    path = HERE / f"fragments_{lang}.py"
    spec = importlib.util.spec_from_file_location(f"copy_train_fragments_{lang}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load fragments_{lang}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result: dict[str, list[dict[str, Any]]] = module.GRAMMAR
    return result


def generate(lang: str, label: str, taken: set[str]) -> list[dict[str, str]]:
    """``QUOTA[label]`` new items for one language and label, none of them in ``taken``."""
    productions = grammar(lang)[label]
    rng = random.Random(f"{SEED}-{lang}-{label}")
    items: list[dict[str, str]] = []
    schedule = [n for n, p in enumerate(productions) for _ in range(p.get("weight", 1))]
    for i in range(QUOTA[label]):
        which = schedule[i % len(schedule)]
        production = productions[which]
        for _ in range(MAX_TRIES):
            text, kind = _fill(production, rng)
            if normalise(text) not in taken:
                break
        else:
            raise SystemExit(f"{lang}/{label}: production {which} is exhausted")
        taken.add(normalise(text))
        items.append({"text": text, "lang": lang, "label": label, "kind": kind})
    return items


def load_file(path: Path) -> list[dict[str, Any]]:
    """The items of one corpus YAML file."""
    from ruamel.yaml import YAML

    return list(YAML(typ="safe").load(path.read_text(encoding="utf-8")) or [])


def written_texts(directory: Path = HERE) -> set[str]:
    """Normalised texts of the hand-written files; generated items must not repeat them."""
    return {
        normalise(item["text"])
        for path in sorted(directory.glob("written-*.yaml"))
        for item in load_file(path)
    }


def build(written: set[str] | None = None) -> dict[tuple[str, str], list[dict[str, str]]]:
    """Every generated item, by (language, label); deterministic.

    ``written`` is the set of normalised hand-written texts (read from the files if omitted).
    """
    taken = set(written_texts() if written is None else written)
    return {(lang, label): generate(lang, label, taken) for lang in LANGS for label in QUOTA}


def render(lang: str, label: str, items: Sequence[Mapping[str, str]]) -> str:
    """The text of ``generated-<lang>-<label>.yaml``."""
    lines = [
        f"# Clearance copy training corpus (issue 9): GENERATED by generate.py, {lang}, {label}.",
        "# Do not edit by hand; change the fragments and run generate.py again.",
    ]
    for item in items:
        fields = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in item.items())
        lines.append(f"- {{{fields}}}")
    return "\n".join(lines) + "\n"


def counts_table(directory: Path = HERE) -> str:
    """The language x label table of the README (hand-written items in the last column)."""
    cells: Counter[tuple[str, str]] = Counter()
    written: Counter[str] = Counter()
    for path in sorted(directory.glob("*.yaml")):
        for item in load_file(path):
            cells[(item["lang"], item["label"])] += 1
            if path.name.startswith("written-"):
                written[item["lang"]] += 1
    rows = [
        "| lang | " + " | ".join(LABELS) + " | total | hand-written |",
        "|" + "---|" * (len(LABELS) + 3),
    ]
    for lang in (*LANGS, "all"):
        picked = LANGS if lang == "all" else (lang,)
        values = [sum(cells[(lg, lb)] for lg in picked) for lb in LABELS]
        hand = sum(written[lg] for lg in picked)
        rows.append(f"| {lang} | " + " | ".join(map(str, values)) + f" | {sum(values)} | {hand} |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--counts", action="store_true", help="print the counts table only")
    args = parser.parse_args(argv)
    if not args.counts:
        for old in HERE.glob("generated-*.yaml"):
            old.unlink()
        for (lang, label), items in build().items():
            (HERE / f"generated-{lang}-{label}.yaml").write_text(
                render(lang, label, items), encoding="utf-8"
            )
    print(counts_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
