"""What the queue page and the item page share about "the list a reviewer works through": the
filter fields of ``/queue`` read from a query string or a form, the rule filter's choices (the
live policy's rule names and the finding labels, never free text) and each row's service level.

The queue's filters travel with the reviewer: *Claim next* on ``/queue`` posts them, the item it
opens carries them as ``?q=`` and the decision form sends them back, so *then open the next item*
takes the next item of the same filtered list (:func:`clearance.review.claims.claim`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode

from clearance.findings import Label
from clearance.review import service_levels
from clearance.review.access import Actor
from clearance.review.filters import QueueFilter
from clearance.review.items import awaiting_senior
from clearance.service.params import parse_hours
from clearance.service.state import ServiceState
from clearance.settings import Settings
from clearance.storage.db import as_utc
from clearance.storage.review_models import ReviewItem

#: The queue page's filter fields, as named in its query string.
FILTER_FIELDS: Final = ("rule", "title", "locale", "older", "state", "overdue")
#: The most characters of a carried filter query (``?q=``) read back.
MAX_QUERY_CHARS: Final = 2000


def filter_values(params: Mapping[str, str]) -> dict[str, str]:
    """The non-empty filter fields among ``params`` (a query string's or a form's)."""
    return {name: str(params[name]).strip() for name in FILTER_FIELDS
            if str(params.get(name) or "").strip()}


def parse_carried(query: str | None) -> dict[str, str]:
    """The filter fields of a carried query string (``rule=x&state=open``)."""
    if not query:
        return {}
    return filter_values(dict(parse_qsl(query[:MAX_QUERY_CHARS], keep_blank_values=False)))


def carried(values: Mapping[str, str]) -> str:
    """``values`` as the query string the item page carries (``q``)."""
    return urlencode(filter_values(values))


def queue_filter(values: Mapping[str, str], settings: Settings) -> QueueFilter:
    """The :class:`QueueFilter` of the queue page's fields (an unknown state or a bad number of
    hours is :class:`~clearance.errors.InputError`, answered 422)."""
    return QueueFilter(rule=values.get("rule") or None, title_id=values.get("title") or None,
                       locale=values.get("locale") or None,
                       older_than_hours=parse_hours(values.get("older"), "older"),
                       state=values.get("state") or "open",
                       overdue=values.get("overdue") in ("1", "on", "true"),
                       targets=settings.review_target_hours)


@dataclass(frozen=True, slots=True)
class RuleChoices:
    """The rule filter's options: the live policy's rule names, then the finding labels."""

    policy: str
    rules: tuple[str, ...]
    labels: tuple[str, ...]

    def knows(self, value: str) -> bool:
        return value in self.rules or value in self.labels


def rule_choices(state: ServiceState) -> RuleChoices:
    """The live policy's rule names (in the policy's order) and the finding labels."""
    policy = state.screener.policy
    return RuleChoices(policy.ref, tuple(r.name for r in policy.rules), tuple(Label.ALL))


@dataclass(frozen=True, slots=True)
class RowLevel:
    """A queue row's age and service level, as the page shows them."""

    age: str
    label: str
    status: str


def row_level(item: ReviewItem, settings: Settings, now: dt.datetime) -> RowLevel:
    """How long ``item`` has waited and, while it is open, where it stands against its target."""
    lvl = service_levels.level(item, settings.review_target_hours, now)
    is_open = item.state in ("queued", "claimed")
    return RowLevel(service_levels.span(lvl.age), lvl.label if is_open else "",
                    lvl.status if is_open else "ok")


def bulk_selectable(item: ReviewItem, actor: Actor, now: dt.datetime) -> bool:
    """Whether ``item``'s row offers a bulk-decision checkbox to ``actor``: queued, or claimed by
    them (or with a lapsed lease), not their own submission, and not awaiting the second review
    of the two-person rule (given on the item's page only)."""
    if item.submitted_by is not None and item.submitted_by == actor.user_id:
        return False
    if awaiting_senior(item):
        return False
    if item.state == "queued":
        return True
    lease = as_utc(item.lease_expires_at) if item.lease_expires_at else None
    return item.state == "claimed" and (item.claimed_by == actor.user_id
                                        or (lease is not None and lease <= now))
