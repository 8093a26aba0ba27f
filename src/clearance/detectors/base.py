"""The detector contract: a small ABC every detector implements.

A detector turns one :class:`Item` into findings. It declares the content ``kinds`` it accepts
and, per label, the attributes its findings carry (``emits``: the policy loader checks every
``where`` against these, and the contract test checks every finding). It is built by
:meth:`Detector.from_settings` from the settings *and* the Screener's
:class:`~clearance.detectors.resources.Resources` — the models it loads lazily and once, the
shared face finder, later a hash-bank index or a team lexicon — instead of building those itself.
Image detectors receive the picture's shared :class:`~clearance.detectors.analysis.PictureAnalysis`
(body regions, faces) from the Screener. Each detector offers ``examples()`` — pairs of an item and
the labels it must (or must not) produce — that the shared contract test runs for every registered
detector.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal, Self

from clearance.content.picture import DepictedPerson, Picture
from clearance.content.text import Copy, make_copy
from clearance.content.video import Video
from clearance.detectors.extras import Availability
from clearance.findings import Emits, Finding
from clearance.settings import Settings

if TYPE_CHECKING:
    from clearance.detectors.analysis import PictureAnalysis
    from clearance.detectors.resources import Resources
    from clearance.detectors.team_words import TeamWords

ContentKind = Literal["text", "image", "video"]
CONTENT_KINDS: tuple[ContentKind, ...] = ("text", "image", "video")


@dataclass(frozen=True, slots=True)
class VersionRef:
    """The catalog identity of the asset version an item is: its id, its asset's and title's, its
    content's SHA-256 and its number (per asset, 1-based: "key_art v2"). Items screened outside
    the catalog (a file, ``--text``) have none."""

    version_id: int
    asset_id: int
    title_id: str
    sha256: str
    number: int


@dataclass(frozen=True, slots=True)
class Item:
    """One thing to screen: copy (``copy``), an image (``image``) or a video (``video``: a trailer
    or clip, read by the hash bank's detector), and the title metadata that goes with it
    (``rating``; ``depicted``: the people the catalog says appear in it; ``version``: the catalog
    version it is, when it is one)."""

    kind: ContentKind
    copy: Copy | None = None
    rating: str | None = None
    title_id: str | None = None
    name: str = ""
    image: Picture | None = None
    depicted: tuple[DepictedPerson, ...] = ()
    version: VersionRef | None = None
    video: Video | None = None
    #: The word list of the team the copy belongs to, as it is now (the team-lexicon detector's
    #: input; ``None`` outside the catalog or for a team without one).
    team_words: TeamWords | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """A contract-test example: ``item`` must produce every label in ``expect`` and none in
    ``forbid``."""

    item: Item
    expect: frozenset[str] = field(default=frozenset())
    forbid: frozenset[str] = field(default=frozenset())


class Detector(ABC):
    """Base class of every detector."""

    #: Stable name, stored with every finding (never derived from the class name).
    name: ClassVar[str]
    #: Stored with every finding as ``detector_version``: it names everything that changes the
    #: findings (models, lexicon and calibration versions), so a screening record's detector
    #: versions say when screening again could give another answer.
    version: ClassVar[str]
    kinds: ClassVar[frozenset[ContentKind]]
    #: Label -> the attributes its findings carry, with their types (documented in
    #: ``docs/labels.md``; checked against every policy ``where`` and every finding).
    emits: ClassVar[Emits]

    def __init__(self, resources: Resources | None = None) -> None:
        """``resources`` are the Screener's (models, face finder, ...), shared by all its
        detectors; a detector built on its own gets a private set (its own models: fine for a
        script or a test, wasteful for many detectors)."""
        if resources is None:
            from clearance.detectors.resources import Resources

            resources = Resources()
        self.resources = resources

    @classmethod
    def from_settings(cls, settings: Settings, resources: Resources) -> Self:
        """The detector as the Screener builds it. Detectors with settings of their own
        override this."""
        return cls(resources)

    @classmethod
    def is_available(cls) -> Availability:
        """Whether the detector's optional packages are installed; when not, which are missing
        and which extra installs them (truthy when available)."""
        return Availability()

    def accepts(self, item: Item) -> bool:
        return item.kind in self.kinds

    def input_key(self, item: Item) -> str:
        """Every input besides the content and :attr:`version` that this detector's findings on
        ``item`` depend on, as a string (``""`` for a detector that reads the content alone):
        the title's rating, the people the catalog says are depicted, the hash bank's revision,
        a setting. The findings cache (:mod:`clearance.screening.cache`) keys stored findings by
        the content's SHA-256, ``name@version`` and this, and reuses them only when all three
        are equal, so a detector that reads something more must say so here. It must not read
        the content itself: the planner asks it about items that carry none."""
        return ""

    @abstractmethod
    def detect(self, item: Item, analysis: PictureAnalysis | None = None) -> Sequence[Finding]:
        """The findings on one item. ``analysis`` is the Screener's shared analysis of the
        item's picture (image items); a detector used on its own makes one when it needs it."""

    def detect_many(self, items: Sequence[Item],
                    analyses: Sequence[PictureAnalysis | None] | None = None,
                    ) -> list[Sequence[Finding]]:
        """Screen many items (``analyses[n]`` for ``items[n]``); detectors with batched models
        override this."""
        shared = analyses if analyses is not None else [None] * len(items)
        return [self.detect(i, a) for i, a in zip(items, shared, strict=True)]

    @classmethod
    @abstractmethod
    def examples(cls) -> Sequence[Example]: ...


class CopyDetector(Detector):
    """A detector that reads copy only: implement :meth:`scan`."""

    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"text"})

    def detect(self, item: Item, analysis: PictureAnalysis | None = None) -> Sequence[Finding]:
        return () if item.copy is None else self.scan(item.copy)

    @abstractmethod
    def scan(self, copy: Copy) -> Sequence[Finding]: ...


class ImageDetector(Detector):
    """A detector that reads images: implement :meth:`scan`, which gets the picture's shared
    analysis."""

    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"image"})

    def detect(self, item: Item, analysis: PictureAnalysis | None = None) -> Sequence[Finding]:
        if item.image is None:
            return ()
        if analysis is None or analysis.picture is not item.image:
            analysis = self.resources.analyse(item.image)
        return self.scan(analysis)

    @abstractmethod
    def scan(self, analysis: PictureAnalysis) -> Sequence[Finding]:
        """The findings on ``analysis.picture``."""


def example_item(text: str, **kwargs: str | None) -> Item:
    """A text item for ``examples()``."""
    return Item("text", make_copy(text, max_bytes=100_000), **kwargs)  # type: ignore[arg-type]
