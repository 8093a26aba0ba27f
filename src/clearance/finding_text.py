"""How a finding's attributes read to a person, beside its evidence: the review UI's findings
table and the HTML report show the same details (age, age band, category, cues, a model's
probability; what the evidence line already says left out) and a model's closest examples
(``nearest``, the copy classifier's reason) as a list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

#: Attributes shown apart (``nearest``) or by the evidence line (an image box's words).
_SHOWN_ELSEWHERE: Final = frozenset({"text", "nearest"})


def _attr_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list | tuple):
        return ", ".join(_attr_text(v) for v in value)
    return str(value)


def finding_details(finding: Mapping[str, Any]) -> tuple[tuple[tuple[str, str], ...],
                                                          tuple[str, ...]]:
    """The attributes a reviewer reads beside the evidence (age, age band, category, cues, the
    model's probability, ...; empty ones left out) and the ``nearest`` examples, split."""
    attrs = finding.get("attributes") or {}
    if not isinstance(attrs, Mapping):
        return (), ()
    ev = finding.get("evidence")
    ev = ev if isinstance(ev, Mapping) else {}

    def said_already(k: str, v: Any) -> bool:  # by the evidence line: a fact, or the span
        if ev.get("kind") == "fact":  # its value, under its own name or another
            return str(v) == str(ev.get("value"))
        return ev.get("kind") == "text_span" and str(v).casefold() == str(
            ev.get("text", "")).casefold()

    details = tuple((str(k).replace("_", " "), _attr_text(v)) for k, v in attrs.items()
                    if k not in _SHOWN_ELSEWHERE and v is not None and v != "" and v != []
                    and not said_already(str(k), v))
    near = attrs.get("nearest")
    nearest = tuple(n.strip() for n in str(near).split(" | ") if n.strip()) if near else ()
    return details, nearest
