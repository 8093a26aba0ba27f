"""``minor.known``: the catalog says a person under 18 appears in the asset.

The facts come from the catalog, not from pixels: :class:`~.DepictedPerson` values
on ``Item.depicted`` (the cast the catalog links to the asset version, or ``clearance screen
--depicts``), each with their age on the shoot or creation date when their date of birth is known.
A person whose age is 0-17 gives one finding with score 1.0 (the catalog is taken as true), a
:class:`~clearance.findings.Fact` ``person = <name>`` as evidence, and the attributes ``person_id``,
``name``, ``age`` and ``group`` (``child`` for 12 or under, ``teen`` for 13-17: the same groups
as ``minor.mentioned``, so policy rules can treat both alike).

A person whose age is unknown gives **no** finding: ``minor.known`` must mean known, and a policy
rule on it must be able to trust it. Such a face is still read for apparent age
(``minor.apparent``), and a catalog without dates of birth is a data-quality problem for the
catalog, not a finding on the asset. Ages below 0 (a shoot date before the date of birth: bad
data) are ignored for the same reason.

Both content kinds are accepted: ``depicted`` describes the asset version whatever its kind, and
the screener fills it only where the catalog says people appear.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from clearance.content.picture import DepictedPerson
from clearance.content.text import make_copy
from clearance.detectors.base import ContentKind, Detector, Example, Item
from clearance.findings import Attr, Emits, Fact, Finding, Label

if TYPE_CHECKING:
    from clearance.detectors.analysis import PictureAnalysis

ADULT_AGE = 18
CHILD_MAX_AGE = 12


def is_known_minor(person: DepictedPerson) -> bool:
    return person.age is not None and 0 <= person.age < ADULT_AGE


class KnownMinorDetector(Detector):
    """One ``minor.known`` finding per depicted person known to be under 18."""

    name: ClassVar[str] = "known-minor"
    version: ClassVar[str] = "1"
    kinds: ClassVar[frozenset[ContentKind]] = frozenset({"image", "text"})
    emits: ClassVar[Emits] = {Label.MINOR_KNOWN: {
        "person_id": Attr(int, nullable=True, doc="the catalog's person (null for --depicts)"),
        "name": Attr(str), "age": Attr(int, doc="age on the shoot or creation date"),
        "group": Attr(str, values=frozenset({"child", "teen"})),
    }}

    def input_key(self, item: Item) -> str:
        """The depicted people known to be minors (id, name, age): what the findings say."""
        return json.dumps([[p.person_id, p.name, p.age] for p in item.depicted
                           if is_known_minor(p)], ensure_ascii=False, separators=(",", ":"))

    def detect(self, item: Item, analysis: PictureAnalysis | None = None) -> Sequence[Finding]:
        return tuple(self._finding(p) for p in item.depicted if is_known_minor(p))

    def _finding(self, person: DepictedPerson) -> Finding:
        age = int(person.age) if person.age is not None else -1
        return Finding(
            label=Label.MINOR_KNOWN,
            score=1.0,
            evidence=Fact("person", person.name),
            detector=self.name,
            detector_version=self.version,
            attributes=(("person_id", person.person_id), ("name", person.name), ("age", age),
                        ("group", "child" if age <= CHILD_MAX_AGE else "teen")),
        )

    @classmethod
    def examples(cls) -> Sequence[Example]:
        copy = make_copy("A dance crew enters a contest.", max_bytes=1000)
        known = frozenset({Label.MINOR_KNOWN})
        return (
            Example(Item("text", copy, depicted=(DepictedPerson("Amy", 11, 1),)), expect=known),
            Example(Item("text", copy, depicted=(DepictedPerson("Mariam", 34, 2),)),
                    forbid=known),
            Example(Item("text", copy, depicted=(DepictedPerson("Unknown", None, 3),)),
                    forbid=known),
            Example(Item("text", copy), forbid=known),
        )
