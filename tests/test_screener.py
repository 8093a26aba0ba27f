"""The Screener with test doubles: decisions on given findings, the catalog identity an item
carries, the per-picture analysis built once per item, and detectors whose extra is missing."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from clearance.content.picture import Picture, picture_of
from clearance.detectors.base import ContentKind, Item, VersionRef
from clearance.detectors.exposure import ExposureDetector
from clearance.detectors.extras import Availability
from clearance.detectors.faces import FaceDetector
from clearance.detectors.fake import FakeDetector, FakeFaces, FakeRegions
from clearance.detectors.regions import Region
from clearance.detectors.registry import DetectorRegistry
from clearance.detectors.resources import Resources
from clearance.errors import DetectorUnavailable
from clearance.findings import ImageBox, Label
from clearance.policy.loader import load_policy
from clearance.screening import Screener
from clearance.settings import Settings

POLICY = load_policy()


def _picture(seed: int = 0) -> Picture:
    return picture_of(np.full((120, 160, 3), seed, np.uint8), f"card-{seed}.png")


def test_a_screener_decides_on_what_its_detectors_find() -> None:
    child = FakeDetector.finding(Label.MINOR_MENTIONED, 0.95, age=11, group="child")
    framing = FakeDetector.finding(Label.SUGGESTIVE_TEXT, 0.8, category="sexualised_dance",
                                   framing=True, source="lexicon")
    fake = FakeDetector(by_item={"synopsis": [child, framing], "tagline": [child]})
    screener = Screener([fake], POLICY, max_text_bytes=10_000)
    version = VersionRef(version_id=7, asset_id=3, title_id=1, sha256="ab" * 32, number=2)
    items = [screener.text_item("Amy, 11, twerks.", name="synopsis", version=version),
             screener.text_item("Amy, 11.", name="tagline")]
    synopsis, tagline = screener.screen_many(items)
    assert (synopsis.decision.outcome, tagline.decision.outcome) == ("block", "pass")
    assert synopsis.decision.rule_names[0] == "child-sexualised-copy"
    assert [it.version for it in fake.seen] == [version, None]
    assert synopsis.source is not None and synopsis.source.version == version
    assert screener.versions == {"fake": "1"}


def test_an_image_item_carries_its_version() -> None:
    screener = Screener([], POLICY, max_text_bytes=10_000)
    version = VersionRef(1, 2, 3, "00" * 32, 1)
    item = screener.image_item(_picture(), version=version)
    assert item.version == version and item.kind == "image"


def test_the_picture_analysis_is_built_once_per_item_and_shared() -> None:
    """Face, exposure and (through the face boxes) age read one analysis per picture: the
    region finder and the face finder each run once per item, whichever detector asks first."""
    regions = FakeRegions([Region("BELLY_COVERED", 0.9, ImageBox(0, 60, 40, 40))])
    faces = FakeFaces([ImageBox(10, 10, 30, 30)])
    resources = Resources(regions=regions, faces=faces)
    detectors = [FaceDetector(resources), ExposureDetector(resources),
                 FaceDetector(resources)]
    screener = Screener(detectors, POLICY, max_text_bytes=10_000, resources=resources)
    items = [screener.image_item(_picture(n)) for n in range(3)]
    results = screener.screen_many(items)
    assert (regions.calls, faces.calls) == (3, 3)
    for r in results:
        assert sorted(f.label for f in r.findings) == [
            "exposure.belly.covered", "face", "face"]
        assert {f.attr("model") for f in r.findings if f.label == "face"} == {"fake faces"}
    # nothing outlives an item: the next screening of the same picture finds again
    screener.screen_many(items[:1])
    assert (regions.calls, faces.calls) == (4, 4)


class _NeedsImagesExtra(FakeDetector):
    name: ClassVar[str] = "needs-images"
    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"image"})

    @classmethod
    def is_available(cls) -> Availability:
        return Availability(("nudenet", "dlib"), "images")


def test_a_missing_extra_is_named_when_its_detector_is_needed() -> None:
    reg = DetectorRegistry()
    reg.register(FakeDetector)
    reg.register(_NeedsImagesExtra)
    screener = Screener.from_settings(Settings(semantic="off"), policy=POLICY, registry=reg)
    assert [d.name for d in screener.detectors] == ["fake"]
    assert [m.detector.name for m in screener.missing] == ["needs-images"]
    # copy does not need it
    assert screener.screen_many([screener.text_item("A family drama.")])[0].decision
    with pytest.raises(DetectorUnavailable) as info:
        screener.screen_many([screener.image_item(_picture())])
    assert info.value.exit_code == 6
    assert str(info.value) == (
        "cannot screen image: the 'needs-images' detector needs nudenet, dlib "
        "(install the 'images' extra: pip install 'clearance[images]')")


def test_every_built_in_detector_is_available_in_the_development_install() -> None:
    screener = Screener.from_settings(Settings())
    assert screener.missing == ()
    assert {"minor-sexualised", "evasion"} <= set(screener.versions)
    assert "suggestive-semantic" in Screener.from_settings(Settings(semantic="always")).versions


def test_availability_reads_well() -> None:
    ok = Availability()
    assert ok and ok.reason("x") == "the 'x' detector is available"
    missing = Availability.of("text-models", ("surely_not_installed_pkg",),
                              otherwise="or set CLEARANCE_SEMANTIC=off")
    assert not missing and missing.extra == "text-models"
    assert missing.reason("suggestive-semantic") == (
        "the 'suggestive-semantic' detector needs surely_not_installed_pkg (install the "
        "'text-models' extra: pip install 'clearance[text-models]'), or set "
        "CLEARANCE_SEMANTIC=off")


def test_items_and_versions_are_frozen_values() -> None:
    version = VersionRef(1, 2, 3, "00" * 32, 1)
    with pytest.raises(AttributeError):
        version.number = 2  # type: ignore[misc]
    assert Item("text", version=version) == Item("text", version=VersionRef(1, 2, 3, "00" * 32, 1))


def test_every_detector_uses_the_screeners_resources() -> None:
    """One model shelf per Screener: no detector (nor the copy detectors OCR, the copy
    classifier and the evasion detector run inside) builds a private one, which would load a
    model twice."""
    screener = Screener.from_settings(Settings(semantic="always"))
    inner = []
    for det in screener.detectors:
        assert det.resources is screener.resources, det.name
        inner += list(getattr(det, "copy_detectors", ()))
        inner += [m for m in (getattr(det, "_minors", None), getattr(det, "_lexicon", None))
                  if m is not None]
    assert len(inner) == 7  # OCR 2, classifier 2, evasion 2, semantic stage 1
    assert all(d.resources is screener.resources for d in inner)
