"""Shared pieces of the vendor importers: reading JSON, typed field access with precise errors,
the mapping entries, and turning vendor boxes into pixel boxes.

Every problem with a response is an :class:`~clearance.errors.InputError` whose message starts
with the ``source`` (the file name) and says what was expected where, e.g.
``faces.json: AWS Rekognition response: FaceDetails[1].BoundingBox.Width: expected a number,
got a string ('wide')``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from clearance.errors import InputError, Problem
from clearance.findings import (
    Attr,
    AttrValue,
    Fact,
    Finding,
    ImageBox,
    Label,
    Schema,
    is_known_label,
)

Json = Any
Attributes = tuple[tuple[str, AttrValue], ...]

#: The overall-content categories a ``suggestive.image`` finding from a vendor carries.
Category = Literal[
    "explicit", "non_explicit_nudity", "suggestive", "swimwear_underwear", "revealing_clothes",
    "kissing",
]
State = Literal["exposed", "covered"]

UNKNOWN_VERSION: Final = "unknown"


@dataclass(frozen=True, slots=True)
class LabelMap:
    """How one vendor label maps onto our taxonomy.

    ``category``: the label yields a ``suggestive.image`` finding with this ``category``.
    ``region``/``state``: the label yields ``exposure.<region>.<state>``. ``partial`` marks a
    vendor label for a *partly* exposed region, mapped to ``covered`` with ``partial: true``.
    """

    category: Category | None = None
    region: str | None = None
    state: State | None = None
    partial: bool = False

    @property
    def exposure_label(self) -> str | None:
        if self.region is None or self.state is None:
            return None
        return f"exposure.{self.region}.{self.state}"


def mapped_emits(maps: Iterable[LabelMap], common: Schema) -> dict[str, Schema]:
    """What a mapping table's findings carry (:meth:`mapped_findings`): ``suggestive.image`` with
    its ``category``, ``exposure.<region>.<state>`` with ``region``, ``state`` and ``partial``;
    each with the vendor's ``common`` attributes."""
    table = list(maps)
    out: dict[str, Schema] = {}
    categories = frozenset(m.category for m in table if m.category is not None)
    if categories:
        out[Label.SUGGESTIVE_IMAGE] = {"category": Attr(str, values=categories), **common}
    regions = frozenset(m.region for m in table if m.region is not None)
    exposure: Schema = {
        "region": Attr(str, values=regions),
        "state": Attr(str, values=frozenset(get_args(State))),
        "partial": Attr(bool, doc="a vendor label for a partly exposed region"),
        **common,
    }
    for m in table:
        if m.exposure_label is not None:
            out[m.exposure_label] = exposure
    return out


def load_json(data: bytes | str | Mapping[str, Json] | list[Json], source: str) -> Json:
    """Parse ``data`` (UTF-8 bytes, a string, or already-parsed JSON) or raise ``InputError``."""
    if isinstance(data, Mapping | list):
        return data
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: not a vendor response: the file is not UTF-8 JSON text "
                             f"(byte {exc.start} cannot be decoded)") from exc
    elif isinstance(data, str):
        text = data
    else:
        raise InputError(f"{source}: not a vendor response: expected JSON bytes, text or a "
                         f"parsed object, got {describe(data)}")
    if not text.strip():
        raise InputError(f"{source}: not a vendor response: the file is empty")

    def refuse_constant(name: str) -> Json:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as exc:
        problem = Problem(exc.msg, file=source, line=exc.lineno,
                          hint=f"column {exc.colno}; save the response body exactly as returned")
        raise InputError(f"{source}: not a vendor response: invalid JSON ({exc.msg} at line "
                         f"{exc.lineno}, column {exc.colno})", problems=[problem]) from exc
    except ValueError as exc:
        raise InputError(f"{source}: not a vendor response: invalid JSON ({exc})") from exc
    except RecursionError as exc:  # [[[[...]]]] deeper than the parser's stack
        raise InputError(f"{source}: not a vendor response: JSON nested too deeply") from exc


def describe(value: object) -> str:
    """A short, safe description of a JSON value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, Mapping):
        keys = ", ".join(sorted(str(k) for k in value)[:8])
        return f"an object with keys {keys}" if keys else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__


@dataclass(frozen=True, slots=True)
class Reader:
    """Typed access to one response; every failure names the source, vendor and field path."""

    source: str
    vendor: str

    def error(self, path: str, expected: str, got: object) -> InputError:
        return InputError(f"{self.source}: {self.vendor} response: {path}: expected {expected}, "
                          f"got {describe(got)}")

    def problem(self, message: str) -> InputError:
        return InputError(f"{self.source}: {self.vendor} response: {message}")

    def obj(self, value: object, path: str) -> Mapping[str, Json]:
        if not isinstance(value, Mapping):
            raise self.error(path, "an object", value)
        return value

    def array(self, value: object, path: str) -> list[Json]:
        if not isinstance(value, list):
            raise self.error(path, "a list", value)
        return value

    def text(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            raise self.error(path, "a string", value)
        return value

    def number(self, value: object, path: str, *, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(path, f"a number from {low:g} to {high:g}", value)
        number = float(value)
        if not math.isfinite(number) or not low <= number <= high:
            raise self.error(path, f"a number from {low:g} to {high:g}", value)
        return number

    def opt_array(self, parent: Mapping[str, Json], key: str, path: str) -> list[Json]:
        value = parent.get(key)
        return [] if value is None else self.array(value, f"{path}{key}")

    def opt_text(self, parent: Mapping[str, Json], key: str, path: str) -> str | None:
        value = parent.get(key)
        return None if value is None else self.text(value, f"{path}{key}")


def clip_box(x0: float, y0: float, x1: float, y1: float, width: int, height: int) -> ImageBox:
    """A pixel box clipped to the image; at least one pixel wide and high (never dropped)."""
    left = min(max(round(x0), 0), width - 1)
    top = min(max(round(y0), 0), height - 1)
    right = min(max(round(x1), left + 1), width)
    bottom = min(max(round(y1), top + 1), height)
    return ImageBox(left, top, right - left, bottom - top)


def check_size(width: int, height: int, source: str) -> None:
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InputError(f"{source}: the image {name} must be a positive number of pixels, "
                             f"got {value!r}")


def vendor_fact(label: str) -> Fact:
    """Evidence for a whole-image vendor label (the vendors give no box)."""
    return Fact(name="vendor_label", value=label)


def finding(label: str, score: float, evidence: Fact | ImageBox, detector: str, version: str,
            attributes: Attributes) -> Finding:
    """A finding with a known label and a score rounded into [0, 1]."""
    if not is_known_label(label):  # pragma: no cover - the tables only hold known labels
        raise ValueError(f"vendor mapping produced an unknown label {label!r}")
    return Finding(label, min(max(round(score, 4), 0.0), 1.0), evidence, detector, version,
                   attributes)


def mapped_findings(m: LabelMap, score: float, vendor_label: str, detector: str, version: str,
                    attributes: Attributes) -> list[Finding]:
    """The ``suggestive.image`` and/or ``exposure.*`` findings of one mapped vendor label."""
    out: list[Finding] = []
    evidence = vendor_fact(vendor_label)
    if m.category is not None:
        out.append(finding(Label.SUGGESTIVE_IMAGE, score, evidence, detector, version,
                           (("category", m.category), *attributes)))
    exposure = m.exposure_label
    if exposure is not None:
        extra: Attributes = (("region", m.region), ("state", m.state))
        if m.partial:
            extra += (("partial", True),)
        out.append(finding(exposure, score, evidence, detector, version, extra + attributes))
    return out
