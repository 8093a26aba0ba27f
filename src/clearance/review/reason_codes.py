"""Preset reason codes: the usual reasons for each outcome, picked from a list instead of typed
again on every item, so they can be counted (the metrics page) and searched.

A code goes with a review beside its written reason (``reviews.reason_code``; the ``review``
audit event's ``reason_code``); a code belongs to one outcome and is refused with another. A
code never stands in for a written reason where one is required: an override still needs the
reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from clearance.errors import InputError


@dataclass(frozen=True, slots=True)
class ReasonCode:
    code: str
    outcome: str
    label: str


REASON_CODES: Final[tuple[ReasonCode, ...]] = (
    ReasonCode("adult-cast", "approve", "The people shown are adults (cast ages checked)"),
    ReasonCode("acceptable-in-context", "approve",
               "Acceptable in context for the title's rating and channel"),
    ReasonCode("detector-error", "approve", "The finding is a detector error"),
    ReasonCode("minor-sexualised", "reject",
               "Sexualises a minor, or someone who looks like one"),
    ReasonCode("explicit", "reject", "Nudity or sexual content beyond the channel's standard"),
    ReasonCode("rating-mismatch", "reject", "Not suitable for the title's rating or audience"),
    ReasonCode("withdrawn-material", "reject", "A copy of withdrawn or banked material"),
    ReasonCode("crop-or-replace", "request_changes", "Crop or replace the image"),
    ReasonCode("rewrite-copy", "request_changes", "Rewrite the copy"),
    ReasonCode("age-evidence", "request_changes",
               "Send evidence of the ages of the people shown"),
)
BY_CODE: Final[dict[str, ReasonCode]] = {r.code: r for r in REASON_CODES}


def for_outcome(outcome: str) -> tuple[ReasonCode, ...]:
    return tuple(r for r in REASON_CODES if r.outcome == outcome)


def check(code: str | None, outcome: str) -> str | None:
    """``code`` when it is a preset code of ``outcome``; ``None`` for none; else
    :class:`InputError` naming the codes that fit."""
    if code is None or not code.strip():
        return None
    found = BY_CODE.get(code.strip())
    if found is None or found.outcome != outcome:
        fits = ", ".join(r.code for r in for_outcome(outcome))
        raise InputError(f"reason code {code!r} is not one for {outcome} (one of {fits})")
    return found.code
