"""The copy classifier (``minor.sexualised``): shipped files, windows, staging and the decisions
it leads to. Sentences here are restrained catalog register, as the training corpus is."""

from __future__ import annotations

import sys
from importlib import resources as pkg_resources
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from clearance.content.text import make_copy
from clearance.detectors.lexicon import load_data
from clearance.detectors.models import Model, ModelShelf
from clearance.detectors.resources import Resources
from clearance.detectors.sexualised import (
    CLASSIFIER,
    ENCODER,
    SexualisedMinorDetector,
    load_classifier,
    windows,
)
from clearance.findings import Finding, Label, TextSpan
from clearance.policy.loader import load_policy
from clearance.screening import Screener
from clearance.settings import Settings
from script_files import load_script

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def shelf() -> ModelShelf:
    return ModelShelf()


@pytest.fixture(scope="module")
def detector(shelf: ModelShelf) -> SexualisedMinorDetector:
    return SexualisedMinorDetector(resources=Resources(models=shelf))


@pytest.fixture(scope="module")
def screener(shelf: ModelShelf) -> Screener:
    return Screener.from_settings(Settings(), policy=load_policy(None), models=shelf)


def test_shipped_files_are_small_consistent_and_restrained() -> None:
    data = pkg_resources.files("clearance.detectors").joinpath("data")
    for name in ("copy_classifier.npz", "copy_classifier.yaml"):
        size = len(data.joinpath(name).read_bytes())
        assert size < 1_500_000, f"{name} is {size:,} bytes"
    clf = load_classifier()
    meta = load_data("copy_classifier.yaml")
    assert clf.coef.shape == clf.mean.shape == clf.scale.shape == (384 + 2,)  # e5 + 2 cues
    assert clf.exemplars.shape == (len(meta["exemplars"]), 384)
    assert 0.0 < clf.review < clf.review_plain < clf.block < 1.0 and 0.0 < clf.weak_minor < 1.0
    assert np.allclose(np.linalg.norm(clf.exemplars, axis=1), 1.0, atol=1e-2)
    # reasons are short adult-framing sentences of the corpus, never about a minor
    assert all(len(e["text"].split()) <= 24 for e in meta["exemplars"])


def test_shipped_model_keeps_its_validation_floors() -> None:
    """The out-of-fold figures the trainer wrote beside the model (by kind, full screen): a
    retrained model that reads worse does not ship. Measured for 2026.12.2: recall 64/93 =
    0.688 at 58/6371 = 0.0091 of negatives flagged; for 2026.12.3, whose corpus added 64
    positives of six harder kinds (each held out of its fold), 96/157 = 0.611 at 64/6459 =
    0.0099 (the 93 older positives: 63/93); for 2026.12.4 (Spanish and German lexicon terms as
    cues) 104/157 = 0.662 at 66/6459 = 0.0102; 2026.12.5 (ordinal and possessive ages) 103/157
    at 67/6459."""
    by_kind = load_data("copy_classifier.yaml")["validation"]["by_kind"]
    assert by_kind["positives"] >= 157
    assert by_kind["recall"] >= 0.64, by_kind
    assert by_kind["negatives_flagged"] <= 0.011, by_kind


@pytest.mark.parametrize(("p", "score"), [("review", 0.5), ("block", 0.8)])
def test_score_maps_thresholds_to_fixed_policy_numbers(p: str, score: float) -> None:
    clf = load_classifier()
    assert clf.score(getattr(clf, p)) == pytest.approx(score)
    probs = np.linspace(0, 1, 101)
    scores = [clf.score(float(x)) for x in probs]
    assert scores == sorted(scores) and min(scores) >= 0.0 and max(scores) <= 1.0


def test_windows_are_the_minor_sentence_and_its_neighbours() -> None:
    copy = make_copy("A storm hits the coast. Lily, 9, lives by the sea. Her mother fishes. "
                     "The town holds a festival.", max_bytes=10_000)
    minor = Finding(Label.MINOR_MENTIONED, 0.95, TextSpan(24, 31, "Lily, 9", 1), "minor-mention",
                    "2", (("age", 9), ("age_band", None), ("group", "child"), ("term", "lily, 9")))
    got = [(w.first, w.last) for w in windows(copy, [minor])]
    assert got == [(0, 1), (1, 1), (1, 2)]
    assert windows(copy, []) == []


def test_a_neighbour_is_read_alone_with_the_cues_of_the_pair() -> None:
    text = "Maya, 11, lives with her aunt in Lyon. She dances for the men at the bar."
    copy = make_copy(text, max_bytes=10_000)
    minor = Finding(Label.MINOR_MENTIONED, 0.95, TextSpan(0, 8, "Maya, 11", 0), "minor-mention",
                    "3", (("age", 11), ("age_band", None), ("group", "child"),
                          ("term", "maya, 11")))
    got = {(w.first, w.last): w for w in windows(copy, [minor])}
    assert set(got) == {(0, 0), (0, 1)}
    pair = got[(0, 1)]
    # the model reads the second sentence alone: a plain opening does not dilute it
    assert pair.text(copy) == "She dances for the men at the bar."
    assert pair.context(copy) == text
    assert got[(0, 0)].text(copy) == "Maya, 11, lives with her aunt in Lyon."


def test_each_sentence_is_embedded_once(shelf: ModelShelf) -> None:
    class Counting:
        def __init__(self) -> None:
            self.texts: list[str] = []

        def embed(self, texts: list[str]) -> np.ndarray:
            self.texts.extend(texts)
            return np.zeros((len(texts), 384), dtype=np.float32)

    counting = Counting()
    models = ModelShelf()
    models.get(Model(ENCODER.key, lambda _t: counting))
    det = SexualisedMinorDetector(resources=Resources(models=models))
    screener = Screener.from_settings(Settings(semantic="off"))
    # two girls named in neighbouring sentences: the middle sentence is read by four windows
    item = screener.text_item("Lily, 9, and Rose, 10, live by the sea. Lily, 9, paints boats. "
                              "Rose, 10, sings at the harbour festival for the fishermen.")
    det.detect_many([item])
    assert counting.texts and len(counting.texts) == len(set(counting.texts))


def test_copy_without_a_minor_embeds_nothing() -> None:
    det = SexualisedMinorDetector(resources=Resources(models=ModelShelf()))
    item = Screener.from_settings(Settings(semantic="off")).text_item(
        "A widow seduces the young architect who has moved in next door.")
    assert det.candidates(item.copy) == []  # type: ignore[arg-type]
    assert det.detect(item) == []
    assert ENCODER.key not in det.resources.models.loaded()
    assert CLASSIFIER.key not in det.resources.models.loaded()


def test_off_embeds_nothing() -> None:
    det = SexualisedMinorDetector(False)
    item = Screener.from_settings(Settings(semantic="off")).text_item(
        "Jade, 12, wants the older men at the club to notice her body.")
    assert det.candidates(item.copy) == []  # type: ignore[arg-type]


def test_a_finding_spans_its_window_and_gives_reasons(screener: Screener) -> None:
    text = "Jade, 12, lives in Leeds. She wants the older men at the club to notice her body."
    result = screener.screen_text(text)
    found = [f for f in result.findings if f.label == Label.MINOR_SEXUALISED]
    assert found, result.findings
    f = found[0]
    assert isinstance(f.evidence, TextSpan)
    assert text[f.evidence.start:f.evidence.end] == f.evidence.text
    assert f.attr("group") == "child" and f.attr("age") == 12
    nearest = str(f.attr("nearest")).split(" | ")
    assert len(nearest) == 3 and all(nearest)
    assert result.decision.outcome in ("review", "block")


@pytest.mark.parametrize("text", [
    "Eleven-year-old Amy starts to rebel against her conservative family’s traditions when she "
    "becomes fascinated with a free-spirited dance crew.",
    "A retired detective returns to Oslo for one last case.",
    "Lily, 9, builds a raft to explore the island in the middle of the lake.",
    "A shy sixth-grader joins the school choir and makes new friends.",
    "This documentary follows investigators who rescue children from a trafficking ring.",
    "A divorced father of three kids tries online dating in his forties.",
])
def test_benign_copy_passes(screener: Screener, text: str) -> None:
    result = screener.screen_text(text)
    assert result.decision.outcome == "pass", result.decision.reasons


def test_the_catalog_split_is_the_same_for_training_and_the_gate() -> None:
    def load(name: str) -> ModuleType:
        sys.path.insert(0, str(BENCH))
        try:
            return load_script(name, BENCH / f"{name}.py")
        finally:
            sys.path.remove(str(BENCH))
            sys.modules.pop(name, None)

    train, quality = load("train_copy"), load("quality")
    ids = [f"s{i}" for i in range(1, 400)]
    assert [train.catalog_half(i) for i in ids] == [quality.catalog_half(i) for i in ids]
    assert {train.catalog_half(i) for i in ids} == {"train", "gate"}
