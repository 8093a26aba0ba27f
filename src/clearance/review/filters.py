"""The queue's filters as SQL conditions, shared by listing
(:func:`clearance.review.queue.list_queue`) and claim-next (:func:`clearance.review.claims.claim`),
so "the next item" is the next one of the list a reviewer is looking at."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, cast, select

from clearance.errors import InputError
from clearance.review import service_levels
from clearance.review.items import OPEN_STATES
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.review_models import ITEM_STATES, ReviewItem


@dataclass(frozen=True)
class QueueFilter:
    """Queue filters. ``state``: ``open`` (queued and claimed), ``all``, or one item state.
    ``overdue``: only items past their service-level target (``targets``: hours per screening
    decision, :mod:`clearance.review.service_levels`). ``routed``: see
    :func:`clearance.review.routing.filter_conditions`."""

    rule: str | None = None
    title_id: str | None = None
    locale: str | None = None
    older_than_hours: float | None = None
    state: str = "open"
    overdue: bool = False
    targets: Mapping[str, float] | None = None
    #: ``mine``, ``assigned``, ``escalated``, ``unrouted`` or a team id, applied with ``routes``
    #: by :func:`clearance.review.routing.filter_conditions` (it needs the asker).
    routed: str | None = None
    routes: tuple[Any, ...] = ()


def rule_condition(rule: str) -> ColumnElement[bool]:
    """Items whose ``rules`` (a JSON list of strings) hold exactly ``rule``, quotes included."""
    needle = json.dumps(rule).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(ReviewItem.rules, String).like(f"%{needle}%", escape="\\")


def conditions(flt: QueueFilter, now: dt.datetime, *, states: bool = True
               ) -> list[ColumnElement[bool]]:
    """``flt`` as SQL conditions; ``states=False`` leaves the state out (claim-next decides
    what is claimable itself)."""
    where: list[ColumnElement[bool]] = []
    if not states:
        pass
    elif flt.state == "open":
        where.append(ReviewItem.state.in_(OPEN_STATES))
    elif flt.state in ITEM_STATES:
        where.append(ReviewItem.state == flt.state)
    elif flt.state != "all":
        raise InputError(f"unknown state filter {flt.state!r} "
                         f"(open, all, {', '.join(ITEM_STATES)})")
    if flt.rule:
        where.append(rule_condition(flt.rule))
    if flt.title_id or flt.locale:
        versions = select(AssetVersion.id).join(Asset, Asset.id == AssetVersion.asset_id)
        if flt.title_id:
            versions = versions.where(Asset.title_id == flt.title_id)
        if flt.locale:
            versions = versions.where(Asset.locale == flt.locale)
        where.append(ReviewItem.version_id.in_(versions))
    if flt.older_than_hours is not None:
        if flt.older_than_hours < 0:
            raise InputError("older_than_hours must not be negative")
        where.append(ReviewItem.created_at < now - dt.timedelta(hours=flt.older_than_hours))
    if flt.overdue:
        targets = flt.targets if flt.targets is not None else service_levels.DEFAULT_TARGET_HOURS
        where.append(service_levels.overdue_condition(targets, now))
    return where
