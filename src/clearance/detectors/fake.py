"""Test doubles: a detector that returns the findings it was built with, and finders that return
the regions and faces they were built with.

Tests that need a Screener's decision on particular findings, without a model in the way, build
one with a :class:`FakeDetector` instead of patching a real detector::

    screener = Screener([FakeDetector([finding])], policy, max_text_bytes=10_000)

It implements the whole :class:`~clearance.detectors.base.Detector` contract, so the contract
test runs it like any other. It is not in :func:`~clearance.detectors.registry.default_registry`:
a test registers it when it asks (``registry.register(FakeDetector)``). Findings given to it keep
the detector name and version they were made with; those it makes itself (its examples, and
:meth:`FakeDetector.finding`) carry ``fake`` and its version.

:class:`FakeRegions` and :class:`FakeFaces` replace the models behind the per-picture analysis
(``Resources(regions=FakeRegions(...), faces=FakeFaces(...))``): the exposure mapping and the
face-overlap rule are tested on constructed regions, never on sensitive pictures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar, Self

from clearance.content.picture import Picture
from clearance.content.text import make_copy
from clearance.detectors.analysis import FaceBox
from clearance.detectors.base import ContentKind, Detector, Example, Item
from clearance.detectors.regions import Region
from clearance.findings import (
    Attr,
    AttrValue,
    Emits,
    Evidence,
    Finding,
    ImageBox,
    Label,
    TextSpan,
)
from clearance.settings import Settings

if TYPE_CHECKING:
    from clearance.detectors.analysis import PictureAnalysis
    from clearance.detectors.resources import Resources


class FakeDetector(Detector):
    """Returns ``findings`` for every item it accepts, or ``by_item[item.name]`` when given."""

    name: ClassVar[str] = "fake"
    version: ClassVar[str] = "1"
    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"text", "image"})
    #: What the findings it makes itself carry (those it is given are returned as they are).
    emits: ClassVar[Emits] = {
        Label.MINOR_MENTIONED: {"age": Attr(int, nullable=True),
                                "group": Attr(str, values=frozenset({"child", "teen", "minor"}))},
        Label.SUGGESTIVE_TEXT: {"category": Attr(str), "framing": Attr(bool),
                                "source": Attr(str, values=frozenset({"lexicon", "semantic"}))},
    }

    def __init__(self, findings: Sequence[Finding] = (), *,
                 by_item: Mapping[str, Sequence[Finding]] | None = None,
                 resources: Resources | None = None) -> None:
        super().__init__(resources)
        self.findings = tuple(findings)
        self.by_item = {k: tuple(v) for k, v in (by_item or {}).items()}
        self.seen: list[Item] = []  # the items it was asked about, in order

    @classmethod
    def finding(cls, label: str, score: float = 0.9, *,
                evidence: Evidence | None = None,
                **attributes: AttrValue) -> Finding:
        """A finding as this detector would make it (text-span evidence by default)."""
        return Finding(label, score, evidence or TextSpan(0, 1, "x", 0), cls.name, cls.version,
                       tuple(attributes.items()))

    def detect(self, item: Item, analysis: PictureAnalysis | None = None) -> Sequence[Finding]:
        self.seen.append(item)
        if self.by_item:
            return self.by_item.get(item.name, ())
        return self.findings

    @classmethod
    def from_settings(cls, settings: Settings, resources: Resources) -> Self:
        """The fake as a registry builds it: it answers its own examples (the item named
        ``fake:both`` gets a child's age and sexualising framing; anything else nothing)."""
        return cls(by_item={"fake:both": _example_findings()}, resources=resources)

    @classmethod
    def examples(cls) -> Sequence[Example]:
        copy = make_copy("Amy, 11, twerks.", max_bytes=1000)
        both = frozenset({Label.MINOR_MENTIONED, Label.SUGGESTIVE_TEXT})
        return (Example(Item("text", copy, name="fake:both"), expect=both),
                Example(Item("text", copy, name="fake:none"), forbid=both))


def _example_findings() -> tuple[Finding, ...]:
    return (
        FakeDetector.finding(Label.MINOR_MENTIONED, 0.95, evidence=TextSpan(0, 7, "Amy, 11", 0),
                             age=11, group="child"),
        FakeDetector.finding(Label.SUGGESTIVE_TEXT, 0.8, evidence=TextSpan(9, 15, "twerks", 0),
                             category="sexualised_dance", framing=True, source="lexicon"),
    )


class FakeRegions:
    """A region finder that returns ``regions`` for every picture, and counts its calls."""

    def __init__(self, regions: Sequence[Region] = ()) -> None:
        self.regions = tuple(regions)
        self.calls = 0

    def find(self, picture: Picture) -> tuple[Region, ...]:
        self.calls += 1
        return self.regions


class FakeFaces:
    """A face finder that returns ``boxes`` (score 0.9) for every picture and ``crop`` as its
    face-crop score, and counts its calls."""

    model_name: str = "fake faces"

    def __init__(self, boxes: Sequence[ImageBox] = (), *, crop: float = 0.0) -> None:
        self.boxes = tuple(boxes)
        self.crop = crop
        self.calls = 0

    def find(self, analysis: PictureAnalysis) -> tuple[FaceBox, ...]:
        self.calls += 1
        return tuple(FaceBox(b, 0.9) for b in self.boxes)

    def crop_score(self, picture: Picture) -> float:
        return self.crop
