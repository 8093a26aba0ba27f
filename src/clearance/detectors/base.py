"""The detector contract: a small ABC every detector implements.

A detector turns one :class:`Item` into findings. It declares the content ``kinds`` it accepts,
builds itself from settings, loads heavy models lazily and once, and offers ``examples()`` —
pairs of an item and the labels it must (or must not) produce — that the shared contract test
runs for every registered detector.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Self

from clearance.content.picture import DepictedPerson, Picture
from clearance.content.text import Copy, make_copy
from clearance.findings import Finding
from clearance.settings import Settings

ContentKind = Literal["text", "image"]
CONTENT_KINDS: tuple[ContentKind, ...] = ("text", "image")


@dataclass(frozen=True, slots=True)
class Item:
    """One thing to screen: copy (``copy``) or an image (``image``), and the title metadata that
    goes with it (``rating``; ``depicted``: the people the catalog says appear in it)."""

    kind: ContentKind
    copy: Copy | None = None
    rating: str | None = None
    title_id: str | None = None
    name: str = ""
    image: Picture | None = None
    depicted: tuple[DepictedPerson, ...] = ()


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
    version: ClassVar[str]
    kinds: ClassVar[frozenset[ContentKind]]
    #: The labels this detector can emit (documented in ``docs/labels.md``).
    labels: ClassVar[tuple[str, ...]]

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> Self: ...

    @classmethod
    def is_available(cls) -> bool:
        """Whether the detector's optional dependencies are installed."""
        return True

    def accepts(self, item: Item) -> bool:
        return item.kind in self.kinds

    @abstractmethod
    def detect(self, item: Item) -> Sequence[Finding]: ...

    def detect_many(self, items: Sequence[Item]) -> list[Sequence[Finding]]:
        """Screen many items; detectors with batched models override this."""
        return [self.detect(i) for i in items]

    @classmethod
    @abstractmethod
    def examples(cls) -> Sequence[Example]: ...


class CopyDetector(Detector):
    """A detector that reads copy only and needs no settings: implement :meth:`scan`."""

    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"text"})

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls()

    def detect(self, item: Item) -> Sequence[Finding]:
        return () if item.copy is None else self.scan(item.copy)

    @abstractmethod
    def scan(self, copy: Copy) -> Sequence[Finding]: ...


class ImageDetector(Detector):
    """A detector that reads images only and needs no settings: implement :meth:`scan`."""

    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"image"})

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls()

    def detect(self, item: Item) -> Sequence[Finding]:
        return () if item.image is None else self.scan(item.image)

    @abstractmethod
    def scan(self, picture: Picture) -> Sequence[Finding]: ...


def example_item(text: str, **kwargs: str | None) -> Item:
    """A text item for ``examples()``."""
    return Item("text", make_copy(text, max_bytes=100_000), **kwargs)  # type: ignore[arg-type]
