"""The detector registry: refuses duplicate names, unknown content kinds and undeclared or
out-of-taxonomy labels when a detector is registered, not when it is first used."""

from __future__ import annotations

from collections.abc import Iterator

from clearance.detectors.base import CONTENT_KINDS, Detector
from clearance.errors import RegistryError
from clearance.findings import Attr, is_known_label


class DetectorRegistry:
    def __init__(self) -> None:
        self._by_name: dict[str, type[Detector]] = {}

    def register(self, cls: type[Detector]) -> type[Detector]:
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise RegistryError(f"{cls.__qualname__} has no detector name")
        if name in self._by_name:
            raise RegistryError(
                f"a detector named {name!r} is already registered "
                f"({self._by_name[name].__qualname__})"
            )
        unknown = [k for k in getattr(cls, "kinds", ()) if k not in CONTENT_KINDS]
        if unknown or not getattr(cls, "kinds", ()):
            raise RegistryError(
                f"detector {name!r} declares unknown content kinds {unknown or '(none)'}; "
                f"known kinds: {', '.join(CONTENT_KINDS)}"
            )
        emits = getattr(cls, "emits", None)
        if not emits:
            raise RegistryError(f"detector {name!r} declares no labels (emits)")
        bad = [lbl for lbl in emits if not is_known_label(lbl)]
        if bad:
            raise RegistryError(f"detector {name!r} declares labels outside the taxonomy: {bad}")
        for label, schema in emits.items():
            wrong = [a for a, spec in schema.items() if not isinstance(spec, Attr)]
            if wrong:
                raise RegistryError(f"detector {name!r} declares attributes {wrong} of {label} "
                                    "without an Attr (their type)")
        self._by_name[name] = cls
        return cls

    def get(self, name: str) -> type[Detector]:
        try:
            return self._by_name[name]
        except KeyError:
            raise RegistryError(
                f"unknown detector {name!r}; known: {', '.join(sorted(self._by_name))}"
            ) from None

    def __iter__(self) -> Iterator[type[Detector]]:
        return iter(self._by_name.values())

    def names(self) -> list[str]:
        return sorted(self._by_name)


def default_registry() -> DetectorRegistry:
    """A registry holding every built-in detector."""
    from clearance.detectors.age import ApparentAgeDetector
    from clearance.detectors.bank import WithdrawnMatchDetector
    from clearance.detectors.evasion import EvasionDetector
    from clearance.detectors.exposure import ExposureDetector
    from clearance.detectors.faces import FaceDetector
    from clearance.detectors.known_minors import KnownMinorDetector
    from clearance.detectors.language import LanguageDetector
    from clearance.detectors.minors import MinorMentionDetector
    from clearance.detectors.nsfw import SuggestiveImageDetector
    from clearance.detectors.ocr import OcrDetector
    from clearance.detectors.rating import MatureRatingDetector
    from clearance.detectors.suggestive import SuggestiveTextDetector
    from clearance.detectors.team_words import TeamWordsDetector

    reg = DetectorRegistry()
    for cls in (MinorMentionDetector, SuggestiveTextDetector, MatureRatingDetector,
                LanguageDetector, ExposureDetector, SuggestiveImageDetector, OcrDetector,
                FaceDetector, ApparentAgeDetector, KnownMinorDetector, WithdrawnMatchDetector,
                EvasionDetector, TeamWordsDetector):
        reg.register(cls)
    return reg
