"""``match.withdrawn``: the item is a near-copy of content in a hash bank.

The detector hashes the item — PDQ of a picture, vPDQ (one PDQ per second) of a video — and looks
the hashes up in the bank index the Screener was handed (:class:`BankLookup`, in its
:class:`~clearance.detectors.resources.Resources`; no index is global). It emits one finding per
banked entry matched in a ``rejected``, ``withdrawn`` or ``takedown`` bank, at the entry's closest
distance, naming the bank, the banked version (when the entry is a catalog version), the distance
and the dihedral ``transform`` when a mirrored or rotated variant matched. A catalog version never
matches itself (its ``VersionRef``). A match in a **negative** bank (known-good look-alikes) is not
a finding of its own: it marks the other matches at the same or a greater distance
``suppressed``, which the default policy sends to review instead of blocking.

The score is ``1 - distance / 64`` (floored at 0): 1.0 for an exact copy, about 0.5 at the default
distance of 31. Closer is surer; the bank's own distance decides whether it is a match at all.

For a catalog version, the hashes computed here are stored (the index's ``remember``) so that
banking it later needs no hashing inside the rejecting or withdrawing transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Final, Protocol

import numpy as np

from clearance.bank import hashing
from clearance.detectors.base import ContentKind, Detector, Example, Item
from clearance.detectors.extras import Availability
from clearance.findings import Attr, Emits, Fact, Finding, Label

if TYPE_CHECKING:
    from clearance.bank.hashing import PerceptualHash
    from clearance.bank.index import Match
    from clearance.detectors.analysis import PictureAnalysis

BANK_REASONS: Final = frozenset({"rejected", "withdrawn", "takedown"})


class BankLookup(Protocol):
    """What the detector needs of a bank index (:class:`clearance.bank.index.BankIndex`)."""

    def match(self, hashes: Sequence[PerceptualHash], *,
              exclude_version: int | None = None) -> list[Match]: ...

    def remember(self, sha256: str, hashes: Sequence[PerceptualHash]) -> None: ...

    def current_revision(self) -> int:
        """The bank revision a lookup now would see (every bank change raises it)."""
        ...


class WithdrawnMatchDetector(Detector):
    name: ClassVar[str] = "hash-bank"
    version: ClassVar[str] = "pdq-0.2.8+vpdq-0.2.5/1"
    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"image", "video"})
    emits: ClassVar[Emits] = {Label.MATCH_WITHDRAWN: {
        "bank": Attr(str, doc="the bank matched (rejected, withdrawn, or one you created)"),
        "bank_reason": Attr(str, values=BANK_REASONS, doc="why the bank holds what it holds"),
        "entry_id": Attr(int, doc="the bank entry matched"),
        "version_id": Attr(int, nullable=True,
                           doc="the banked catalog version (null for a file banked by hand)"),
        "banked": Attr(str, doc="the banked content: TITLE/KIND/LOCALE/CHANNEL/vN or a file"),
        "distance": Attr(int, doc="Hamming distance of the closest hash pair (0-256)"),
        "transform": Attr(str, values=frozenset({*hashing.VARIANTS, "trimmed"}),
                          doc="the variant of the banked picture that matched (a rotation, "
                              "mirror or crop)"),
        "quality": Attr(int, doc="PDQ quality of the banked hash (0-100)"),
        "frame": Attr(int, doc="the item's video frame that matched (0 for a picture)"),
        "suppressed": Attr(bool, doc="a known-good look-alike (negative bank) matched as "
                                     "close or closer"),
    }}

    @classmethod
    def is_available(cls) -> Availability:
        return hashing.availability()

    @property
    def bank(self) -> BankLookup | None:
        bank: BankLookup | None = self.resources.bank
        return bank

    def hashes(self, item: Item) -> list[PerceptualHash]:
        """The item's lookup hashes (a picture's own PDQ; a video's frames)."""
        if item.video is not None:
            return hashing.vpdq_file(item.video.path, name=item.name or item.video.name)
        if item.image is None:
            return []
        if item.version is not None and self.bank is not None:
            # a catalog version: store what banking it later needs (so no hashing happens in
            # the transaction that rejects or withdraws it)
            stored = hashing.bank_hashes(item.image.pixels)
            self.bank.remember(item.version.sha256, stored)
            first = [h for h in stored if h.variant in (0, hashing.TRIMMED_VARIANT)]
            return first
        return hashing.query_hashes(item.image.pixels)

    def input_key(self, item: Item) -> str:
        """The bank's revision (a version banked, removed, a bank's distance changed) and the
        catalog version (which never matches itself)."""
        bank = self.bank
        revision = "none" if bank is None else str(bank.current_revision())
        own = item.version.version_id if item.version is not None else "none"
        return f"bank={revision};version={own}"

    def detect(self, item: Item, analysis: PictureAnalysis | None = None) -> Sequence[Finding]:
        if item.image is None and item.video is None:
            return ()
        bank = self.bank
        if bank is None:
            return ()
        hashes = self.hashes(item)
        if item.video is not None and item.version is not None:
            bank.remember(item.version.sha256, hashes)
        exclude = item.version.version_id if item.version is not None else None
        return findings_for(bank.match(hashes, exclude_version=exclude), self.name,
                            self.version)

    @classmethod
    def examples(cls) -> Sequence[Example]:
        # Without a bank in the Screener's resources nothing is banked, so nothing matches:
        # the matching itself is tested against real banks in tests/test_bank_*.py.
        from clearance.content.picture import picture_of

        rng = np.random.default_rng(7)
        pixels = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
        return [Example(Item("image", name="noise.png", image=picture_of(pixels, "noise.png")),
                        forbid=frozenset({Label.MATCH_WITHDRAWN}))]


def score_of(distance: int) -> float:
    return max(0.0, min(1.0, 1.0 - distance / 64.0))


def findings_for(matches: Sequence[Match], detector: str, version: str) -> list[Finding]:
    """``match.withdrawn`` findings for the non-negative matches, marked ``suppressed`` where a
    negative bank matched at the same or a smaller distance."""
    negative = [m.distance for m in matches if m.is_negative]
    closest_negative = min(negative) if negative else None
    out = []
    for m in matches:
        if m.is_negative or m.bank_reason not in BANK_REASONS:
            continue
        suppressed = closest_negative is not None and closest_negative <= m.distance
        out.append(Finding(
            label=Label.MATCH_WITHDRAWN, score=score_of(m.distance),
            evidence=Fact("banked_version", m.label), detector=detector,
            detector_version=version,
            attributes=(("bank", m.bank), ("bank_reason", m.bank_reason),
                        ("entry_id", m.entry_id), ("version_id", m.version_id),
                        ("banked", m.label), ("distance", m.distance),
                        ("transform", m.transform), ("quality", m.quality),
                        ("frame", m.query_frame), ("suppressed", suppressed))))
    return out
