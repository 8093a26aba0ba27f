"""The detector contract, once, for every registered detector (python-threatexchange's
``SignalTypeAutoTest``): the built-in ones, the optional semantic stage and the ``FakeDetector``.

Each detector runs its own ``examples()`` as the Screener would build it (``from_settings`` with
one shared :class:`Resources`, image items with the picture's shared analysis), and every finding
must carry the detector's name and version, a declared label with declared, well-typed
attributes, well-formed evidence, and survive the trip through a screening record
(``to_dict(precise=True)`` / ``from_dict``) unchanged, as must a decision over them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.detectors.base import Detector, Item
from clearance.detectors.fake import FakeDetector
from clearance.detectors.lexicon import (
    MINOR_TERMS_VERSION,
    SUGGESTIVE_CATEGORIES,
    SUGGESTIVE_LEXICON_VERSION,
    load_data,
)
from clearance.detectors.registry import DetectorRegistry, default_registry
from clearance.detectors.resources import Resources
from clearance.detectors.semantic import EXAMPLES_VERSION, SemanticSuggestiveDetector
from clearance.detectors.sexualised import CLASSIFIER_VERSION, SexualisedMinorDetector
from clearance.detectors.vocabulary import builtin_vocabulary
from clearance.findings import Finding, ImageBox, TextSpan
from clearance.policy.engine import Decision, evaluate
from clearance.policy.loader import load_policy
from clearance.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"
POLICY = load_policy()


def registry() -> DetectorRegistry:
    """Every detector there is: the built-in ones, the semantic stage, the copy classifier and
    the test double."""
    reg = default_registry()
    reg.register(SemanticSuggestiveDetector)
    reg.register(SexualisedMinorDetector)
    reg.register(FakeDetector)
    return reg


DETECTORS = list(registry())


@pytest.fixture(scope="module")
def resources() -> Resources:
    return Resources.from_settings(Settings())


@pytest.mark.parametrize("cls", DETECTORS, ids=lambda c: c.name)
def test_detector_contract(cls: type[Detector], resources: Resources) -> None:
    available = cls.is_available()
    assert available, available.reason(cls.name)
    det = cls.from_settings(Settings(), resources)
    examples = cls.examples()
    assert examples, f"{cls.name} has no examples"
    for ex in examples:
        assert ex.item.kind in cls.kinds
        analysis = resources.analyse(ex.item.image) if ex.item.image is not None else None
        findings = list(det.detect(ex.item, analysis))
        labels = {f.label for f in findings}
        assert ex.expect <= labels, (cls.name, ex.item.name, labels)
        assert not (ex.forbid & labels), (cls.name, ex.item.name, labels)
        for f in findings:
            assert f.detector == cls.name
            assert f.detector_version == cls.version
            assert 0.0 <= f.score <= 1.0
            _check_declared(cls, f)
            _check_evidence(ex.item, f)
            assert Finding.from_dict(f.to_dict(precise=True)) == f
        decision = evaluate(findings, POLICY)
        assert Decision.from_dict(decision.to_dict(precise=True)) == decision


def _check_declared(cls: type[Detector], f: Finding) -> None:
    assert f.label in cls.emits, f"{cls.name} emitted undeclared {f.label}"
    schema = cls.emits[f.label]
    keys = [k for k, _ in f.attributes]
    assert len(keys) == len(set(keys)), f"{cls.name}: an attribute twice in {keys}"
    for key, value in f.attributes:
        assert key in schema, f"{cls.name}: {f.label} carries undeclared attribute {key!r}"
        assert schema[key].holds(value), \
            f"{cls.name}: {f.label}.{key} = {value!r} is not {schema[key]}"


def _check_evidence(item: Item, f: Finding) -> None:
    ev = f.evidence
    if isinstance(ev, TextSpan) and item.copy is not None:
        # evidence offsets point into the original text
        assert item.copy.text[ev.start:ev.end] == ev.text
    if isinstance(ev, ImageBox) and item.image is not None:
        width, height = item.image.original_size or (item.image.width, item.image.height)
        assert 0 <= ev.x <= ev.x + ev.width <= width
        assert 0 <= ev.y <= ev.y + ev.height <= height


@pytest.mark.parametrize("cls", DETECTORS, ids=lambda c: c.name)
def test_a_detector_says_nothing_about_content_it_does_not_read(
        cls: type[Detector], resources: Resources) -> None:
    det = cls.from_settings(Settings(), resources)
    for kind in cls.kinds:
        assert not det.detect(Item(kind, name="empty"))


def test_the_registry_is_the_documented_set() -> None:
    assert sorted(d.name for d in default_registry()) == [
        "apparent-age", "evasion", "exposure", "face", "hash-bank", "known-minor", "language",
        "minor-mention", "ocr", "rating", "suggestive-image", "suggestive-lexicon",
        "team-lexicon"]
    assert "fake" not in default_registry().names()


def test_versions_name_the_data_files_they_read() -> None:
    """A word list, calibration or exemplar file is part of its detector's version: a change to
    one without the other fails here."""
    assert load_data("minor_terms.yaml")["version"] == MINOR_TERMS_VERSION
    lexicon = load_data("suggestive_lexicon.yaml")
    assert lexicon["version"] == SUGGESTIVE_LEXICON_VERSION
    assert {c: bool(spec.get("framing", True)) for c, spec in lexicon["categories"].items()} \
        == SUGGESTIVE_CATEGORIES
    examples = load_data("semantic_examples.yaml")
    assert examples["version"] == EXAMPLES_VERSION
    assert set(examples["positive"]) <= set(SUGGESTIVE_CATEGORIES)
    classifier = load_data("copy_classifier.yaml")
    assert classifier["version"] == CLASSIFIER_VERSION
    assert classifier["thresholds"]["review"] < classifier["thresholds"]["block"]
    groups = {spec["group"] for lang in ("en", "fr", "es", "de")
              for spec in load_data("minor_terms.yaml")[lang].values()}
    assert groups == {"child", "teen", "minor"}


def _section(text: str, label: str) -> str:
    start = text.index(f"### `{label}`")
    end = text.find("\n### ", start + 1)
    return text[start:end if end >= 0 else len(text)]


@pytest.mark.parametrize("label", builtin_vocabulary().labels)
def test_every_declared_attribute_is_documented(label: str) -> None:
    """docs/labels.md has a section per label listing each attribute with its type."""
    vocab = builtin_vocabulary()
    text = (DOCS / "labels.md").read_text(encoding="utf-8")
    family = "exposure.<region>.<state>" if label.startswith("exposure.") else label
    section = _section(text.split("## Attributes", 1)[1], family)
    for name, attr in vocab.attributes[label].items():
        row = next((line for line in section.splitlines() if line.startswith(f"| `{name}` |")),
                   None)
        assert row is not None, f"{name!r} of {label} is not in docs/labels.md"
        kind = {str: "string", int: "integer", float: "number", bool: "boolean"}[attr.type]
        assert kind in row, f"{name!r} of {label}: the docs should say {kind}"
