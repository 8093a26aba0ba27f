"""Decision-quality floors for copy screening.

The labelled table (``tests/data/synopses.yaml``) runs through the default screener (semantic
``auto``, default policy). The floors sit a little below what ``bench/quality.py`` measured when
they were set, so a regression fails here while the suite stays deterministic:

    measured at e61d3eb (semantic auto, default policy, 146 items)
      exact accuracy 0.952 (139/146); en 100/104, fr 39/42
      flagged (review or block): precision 1.000 (52/52), recall 0.897 (52/58)
      block: precision 0.974 (38/39), recall 0.884 (38/43) = block recall on minor_sexualised
      teen_sexualised flagged 11/12; benign_children, neutral, adult_sexual, tricky_negative:
      nothing flagged; lexicon-only blocks 31/43, the semantic stage adds 7 blocks, no false
      positive, and turns one expected review (fr-far-001) into a block

    measured at b6498c8 (semantic auto = the copy classifier, policy 2026.12.2, 146 items)
      exact accuracy 0.938 (137/146); en 99/104, fr 38/42
      flagged: precision 1.000 (53/53), recall 0.914 (53/58); block: precision 1.000 (35/35),
      recall 0.814 (35/43 = block recall on minor_sexualised); nothing flagged in the clean
      groups; no tricky negative blocked

    measured at 38921d6 (classifier 2026.12.2: neighbour sentences read alone, 146 items)
      exact accuracy 0.945 (138/146); en 100/104, fr 38/42
      flagged: precision 1.000 (53/53), recall 0.914 (53/58); block: precision 1.000 (36/36),
      recall 0.837 (36/43 = block recall on minor_sexualised; flagged 39/43 = 0.907); nothing
      flagged in the clean groups; no tricky negative blocked

Raise a floor when the detectors improve; never lower one to make a change pass.

The ``shared_data`` test screens the whole Netflix catalog lexicon-only against the product goals
(<= 3 % review, <= 0.3 % block); those are goals, not measurements, and are not loosened.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from clearance.content.csvrows import read_rows
from clearance.errors import ContentError
from clearance.policy.loader import load_policy
from clearance.screening import Screener
from clearance.settings import Settings

REPO = Path(__file__).resolve().parents[1]
LABELLED = REPO / "tests" / "data" / "synopses.yaml"
FLAGGED = frozenset({"review", "block"})

# Items not expected to be blocked that the detectors block today, listed so a *new* false block
# fails at once. Empty since semantic-only matches go to review: fr-far-001 (the semantic stage
# reads "Celui-ci tient un bar du Vieux-Port où se croisent marins et artistes." as seduction,
# next to "Camille, dix ans") is now a review, which its label expects for other reasons.
KNOWN_FALSE_BLOCKS: frozenset[str] = frozenset()


Row = dict[str, Any]


@pytest.fixture(scope="module")
def table() -> list[Row]:
    rows: list[Row] = YAML(typ="safe").load(LABELLED.read_text(encoding="utf-8"))
    return rows


def _screen(mode: str, rows: Sequence[Row]) -> dict[str, str]:
    screener = Screener.from_settings(Settings(semantic=mode), policy=load_policy(None))  # type: ignore[arg-type]
    items = [screener.text_item(r["text"], name=r["id"]) for r in rows]
    return {r["id"]: res.decision.outcome
            for r, res in zip(rows, screener.screen_many(items), strict=True)}


@pytest.fixture(scope="module")
def auto(table: list[Row]) -> dict[str, str]:
    return _screen("auto", table)


@pytest.fixture(scope="module")
def lexicon_only(table: list[Row]) -> dict[str, str]:
    return _screen("off", table)


def _ratio(hits: int, n: int) -> float:
    return hits / n if n else 0.0


def _pr(table: Sequence[Row], got: dict[str, str], positive: frozenset[str],
        ) -> tuple[float, float]:
    tp = sum(1 for r in table if r["expect"] in positive and got[r["id"]] in positive)
    predicted = sum(1 for r in table if got[r["id"]] in positive)
    actual = sum(1 for r in table if r["expect"] in positive)
    return _ratio(tp, predicted), _ratio(tp, actual)


def _wrong(table: Sequence[Row], got: dict[str, str], **where: str) -> list[str]:
    return [f"{r['id']}: expect {r['expect']}, got {got[r['id']]}" for r in table
            if all(r[k] == v for k, v in where.items()) and got[r["id"]] != r["expect"]]


def test_table_is_well_formed(table: list[Row]) -> None:
    ids = [r["id"] for r in table]
    assert len(ids) == len(set(ids)), "duplicate ids in synopses.yaml"
    assert all(r["expect"] in ("pass", "review", "block") for r in table)
    assert len(table) >= 140


def test_block_recall_on_minor_sexualised(table: list[Row], auto: dict[str, str]) -> None:
    """Paraphrases found only by the embedding model go to review by policy, so block recall
    counts the lexicon's catches (31/43) and flagged recall counts both (38/43)."""
    rows = [r for r in table if r["group"] == "minor_sexualised" and r["expect"] == "block"]
    blocked = _ratio(sum(1 for r in rows if auto[r["id"]] == "block"), len(rows))
    flagged = _ratio(sum(1 for r in rows if auto[r["id"]] in FLAGGED), len(rows))
    missed = "\n".join(_wrong(table, auto, group="minor_sexualised"))
    assert blocked >= 0.80, f"block recall {blocked:.3f} < 0.80 (measured 0.837); missed:\n{missed}"
    assert flagged >= 0.86, f"flagged {flagged:.3f} < 0.86 (measured 0.907); missed:\n{missed}"


def test_flagged_precision_and_recall(table: list[Row], auto: dict[str, str]) -> None:
    precision, recall = _pr(table, auto, FLAGGED)
    assert precision >= 0.95, f"flagged precision {precision:.3f} < 0.95 (measured 1.000)"
    assert recall >= 0.88, f"flagged recall {recall:.3f} < 0.88 (measured 0.914)"


def test_block_precision(table: list[Row], auto: dict[str, str]) -> None:
    precision, _ = _pr(table, auto, frozenset({"block"}))
    assert precision >= 0.92, f"block precision {precision:.3f} < 0.92 (measured 0.974)"


def test_teen_sexualised_sent_to_a_person(table: list[Row], auto: dict[str, str]) -> None:
    rows = [r for r in table if r["group"] == "teen_sexualised"]
    flagged = _ratio(sum(1 for r in rows if auto[r["id"]] in FLAGGED), len(rows))
    assert flagged >= 0.80, (f"teen_sexualised flagged {flagged:.2f} < 0.80 (measured 0.92):\n"
                             + "\n".join(_wrong(table, auto, group="teen_sexualised")))


def test_accuracy_overall_and_per_language(table: list[Row], auto: dict[str, str]) -> None:
    def acc(lang: str | None) -> float:
        rows = [r for r in table if lang is None or r["lang"] == lang]
        return _ratio(sum(1 for r in rows if auto[r["id"]] == r["expect"]), len(rows))

    assert acc(None) >= 0.92, f"accuracy {acc(None):.3f} < 0.92 (measured 0.938)"
    assert acc("en") >= 0.90, f"English accuracy {acc('en'):.3f} < 0.90 (measured 0.923)"
    assert acc("fr") >= 0.85, f"French accuracy {acc('fr'):.3f} < 0.85 (measured 0.881)"


@pytest.mark.parametrize("group", ["benign_children", "neutral", "adult_sexual"])
def test_clean_groups_are_not_flagged(table: list[Row], auto: dict[str, str], group: str) -> None:
    flagged = [f"{r['id']}: {auto[r['id']]}: {r['text']}" for r in table
               if r["group"] == group and auto[r["id"]] in FLAGGED]
    assert not flagged, f"{group} copy flagged:\n" + "\n".join(flagged)


def test_no_new_false_blocks(table: list[Row], auto: dict[str, str]) -> None:
    false_blocks = {r["id"] for r in table if r["expect"] != "block" and auto[r["id"]] == "block"}
    assert false_blocks <= KNOWN_FALSE_BLOCKS, (
        f"new false blocks: {sorted(false_blocks - KNOWN_FALSE_BLOCKS)}")


def test_no_tricky_negative_is_blocked(table: list[Row], auto: dict[str, str]) -> None:
    blocked = [r["id"] for r in table
               if r["group"] == "tricky_negative" and auto[r["id"]] == "block"]
    assert not blocked, f"tricky negatives decided block: {blocked}"


def test_semantic_stage_earns_its_cost(table: list[Row], auto: dict[str, str],
                                       lexicon_only: dict[str, str]) -> None:
    """auto (the embedding stage: since issue 9 the copy classifier, before it the curated-phrase
    semantic stage) must send to a person copy the lexicon misses (measured +7) and add no false
    positive."""
    gained = [r["id"] for r in table if r["expect"] != "pass" and auto[r["id"]] in FLAGGED
              and lexicon_only[r["id"]] not in FLAGGED]
    added_fp = [r["id"] for r in table if r["expect"] == "pass" and auto[r["id"]] in FLAGGED
                and lexicon_only[r["id"]] not in FLAGGED]
    assert len(gained) >= 5, f"semantic stage adds only {gained} over lexicon-only (measured 7)"
    assert not added_fp, f"semantic stage flags expected-pass items: {added_fp}"


@pytest.mark.shared_data
def test_catalog_review_and_block_shares_lexicon_only(shared_data_dir: Path) -> None:
    path = shared_data_dir / "netflix-titles" / "netflix_titles.csv"
    if not path.is_file():
        pytest.skip(f"the Netflix catalog is not in {shared_data_dir} (set CLEARANCE_SHARED_DATA)")
    screener = Screener.from_settings(Settings(semantic="off"), policy=load_policy(None))
    items = []
    for row in read_rows(path, ("show_id", "rating", "description"), []):
        try:
            items.append(screener.text_item(row.values["description"],
                                            name=row.values["show_id"],
                                            rating=row.values["rating"] or None))
        except ContentError:
            continue
    assert len(items) > 8000, f"only {len(items)} descriptions read from {path}"
    outcomes: dict[str, list[str]] = {"review": [], "block": []}
    for i in range(0, len(items), 64):
        batch = items[i:i + 64]
        for item, res in zip(batch, screener.screen_many(batch), strict=True):
            if res.decision.outcome in outcomes:
                outcomes[res.decision.outcome].append(item.name)
    review = len(outcomes["review"]) / len(items)
    block = len(outcomes["block"]) / len(items)
    assert review <= 0.03, f"review share {review:.2%} > 3% goal: {outcomes['review']}"
    assert block <= 0.003, f"block share {block:.2%} > 0.3% goal: {outcomes['block']}"


def _gate_half(show_id: str) -> bool:
    """The catalog half the copy classifier never trained on (``bench/train_copy.py``)."""
    return hashlib.sha256(show_id.encode("utf-8")).digest()[0] % 2 == 1


@pytest.mark.shared_data
def test_catalog_gate_half_shares_with_the_classifier(shared_data_dir: Path) -> None:
    """The default screen (lexicons and the copy classifier) on the half of the catalog the
    classifier never saw, against the product goals."""
    path = shared_data_dir / "netflix-titles" / "netflix_titles.csv"
    if not path.is_file():
        pytest.skip(f"the Netflix catalog is not in {shared_data_dir} (set CLEARANCE_SHARED_DATA)")
    screener = Screener.from_settings(Settings(), policy=load_policy(None))
    items = []
    for row in read_rows(path, ("show_id", "rating", "description"), []):
        if not _gate_half(row.values["show_id"]):
            continue
        try:
            items.append(screener.text_item(row.values["description"],
                                            name=row.values["show_id"],
                                            rating=row.values["rating"] or None))
        except ContentError:
            continue
    assert len(items) > 4000, f"only {len(items)} gate-half descriptions read from {path}"
    outcomes: dict[str, list[str]] = {"review": [], "block": []}
    for i in range(0, len(items), 64):
        batch = items[i:i + 64]
        for item, res in zip(batch, screener.screen_many(batch), strict=True):
            if res.decision.outcome in outcomes:
                outcomes[res.decision.outcome].append(item.name)
    review = len(outcomes["review"]) / len(items)
    block = len(outcomes["block"]) / len(items)
    assert review <= 0.03, f"review share {review:.2%} > 3% goal: {outcomes['review']}"
    assert block <= 0.003, f"block share {block:.2%} > 0.3% goal: {outcomes['block']}"
