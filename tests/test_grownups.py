"""The learned grown-up reading (issue 9): ``clearance.detectors.grownups``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

pytest.importorskip("wordllama")

from clearance.detectors.grownups import GrownUpReader, load_model, words_of
from clearance.detectors.sexualised import StageEncoder

SEED = Path(__file__).resolve().parent.parent / "bench" / "data" / "grownups" / "seed.yaml"


@pytest.fixture(scope="module")
def reader() -> GrownUpReader:
    return GrownUpReader(StageEncoder())


@pytest.mark.parametrize("text", [
    # seed words, in the copy's own forms
    "The fathers at the school gate watch her.", "Her husbands", "a notary", "the regulars",
    "les pères de famille", "le locataire", "le moniteur", "los señores", "el jurado",
    "Die Väter in der ersten Reihe", "ein Modefotograf", "der Lkw-Fahrer", "ältere Herren",
    # never in the seed in any language (probe list): the model alone. Spanish is its weakest
    # language (2 of 16 probe words read at the shipped threshold)
    "the headmistress", "the innkeeper", "le maître-nageur", "le pharmacien", "los notarios",
    "die Tanzlehrerin", "der Kranfahrer", "die Polizistin", "der Skilehrer",
])
def test_grown_ups_are_read(reader: GrownUpReader, text: str) -> None:
    assert reader.names(text), reader.scores(text)


@pytest.mark.parametrize("text", [
    "", "   ", "Maya, 11, lives with her mother and her sister in Lyon.",
    "A schoolgirl and her parents", "Eleven and already irresistible.",
    "une fillette de dix ans et ses parents", "la petite fille et sa grand-mère",
    "una niña con su madre y su abuelo", "los niños y sus padres",
    "Ein Mädchen und ihre Eltern", "der Junge und seine Großmutter",
])
def test_children_and_own_family_are_not(reader: GrownUpReader, text: str) -> None:
    assert not reader.names(text), reader.scores(text)


def test_compound_tail_is_read() -> None:
    assert words_of("Der Lkw-Fahrer, der Lkw-Fahrer.") == ["Der", "Lkw-Fahrer", "Fahrer",
                                                     "der"]


def test_cache_does_not_change_answers() -> None:
    texts = ["The teacher and the girl", "le notaire", "a kettle and a dog", "der Kranfahrer",
             "una niña", "the teacher again"] * 2
    fresh = [GrownUpReader(StageEncoder()).scores(t) for t in texts]
    shared = GrownUpReader(StageEncoder(), cache_size=3)  # forces the cache to be cleared
    cached = [shared.scores(t) for t in texts]
    assert [[w for w, _ in s] for s in fresh] == [[w for w, _ in s] for s in cached]
    for a, b in zip(fresh, cached, strict=True):
        assert [p for _, p in a] == pytest.approx([p for _, p in b], abs=1e-6)
    assert len(shared._cache) <= 3 + 5


def test_model_file() -> None:
    model = load_model()
    assert model.version
    assert model.coef.shape == (256,) and model.mean.shape == (256,)
    assert 0.5 < model.threshold < 1.0
    assert "teacher" in model.known and "mother" not in model.known


def test_seed_is_well_formed() -> None:
    rows = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    assert all(set(r) == {"word", "lang", "label", "category"} for r in rows)
    assert {r["lang"] for r in rows} == {"en", "fr", "es", "de"}
    assert {r["label"] for r in rows} == {"adult", "other"}
    assert all(isinstance(r["word"], str) and r["word"].strip() == r["word"] and r["word"]
               for r in rows)
    dup = [k for k, n in Counter((r["word"], r["lang"]) for r in rows).items() if n > 1]
    assert not dup
    labels = Counter(r["label"] for r in rows)
    assert labels["adult"] >= 400 and labels["other"] >= 1500
