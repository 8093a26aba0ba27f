"""Service-level targets: how long an item may wait for its final decision.

A target is set per screening decision (``CLEARANCE_REVIEW_TARGET_HOURS``: a screening ``block``
4 hours, a ``review`` 24 hours by default). An open item's age counts from when it was queued
(``created_at``: its round's screening); it is **due** at ``created_at + target``, **due soon**
in the last quarter of its target, and **overdue** after it. The queue shows each row's age
against its target and can list overdue items alone; the metrics page counts them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import ColumnElement, and_, false, or_

from clearance.storage.db import as_utc
from clearance.storage.review_models import ReviewItem

#: The default targets (hours) per screening decision.
DEFAULT_TARGET_HOURS: Final[dict[str, float]] = {"block": 4.0, "review": 24.0}
#: An item is "due soon" once this share of its target has passed.
DUE_SOON_SHARE: Final = 0.75

Status = Literal["ok", "due_soon", "overdue"]


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    """Where one open item stands against its target."""

    age: dt.timedelta
    target: dt.timedelta | None
    status: Status

    @property
    def remaining(self) -> dt.timedelta | None:
        """Time left before the target (negative once overdue); ``None`` without a target."""
        return None if self.target is None else self.target - self.age

    @property
    def label(self) -> str:
        """``due in 3 h``, ``overdue by 40 min`` or ``""`` without a target."""
        left = self.remaining
        if left is None:
            return ""
        if left.total_seconds() < 0:
            return f"overdue by {span(-left)}"
        return f"due in {span(left)}"


def span(delta: dt.timedelta) -> str:
    """A short human duration: ``45 min``, ``3 h``, ``2 d 4 h``."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min" if seconds >= 60 else "<1 min"
    hours = seconds // 3600
    if hours < 48:
        return f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def target_of(targets: Mapping[str, float], decision: str) -> dt.timedelta | None:
    hours = targets.get(decision)
    return None if hours is None else dt.timedelta(hours=hours)


def level(item: ReviewItem, targets: Mapping[str, float], now: dt.datetime) -> ServiceLevel:
    """``item``'s age against the target of its screening decision."""
    age = now - as_utc(item.created_at)
    target = target_of(targets, item.screening_decision)
    status: Status = "ok"
    if target is not None:
        if age > target:
            status = "overdue"
        elif age >= target * DUE_SOON_SHARE:
            status = "due_soon"
    return ServiceLevel(age, target, status)


def overdue_condition(targets: Mapping[str, float], now: dt.datetime) -> ColumnElement[bool]:
    """Items queued longer ago than their decision's target (for the queue's filter)."""
    parts = [and_(ReviewItem.screening_decision == decision,
                  ReviewItem.created_at < now - dt.timedelta(hours=hours))
             for decision, hours in sorted(targets.items())]
    return or_(*parts) if parts else false()
