"""Bulk decisions: one outcome for several queue items at once, item by item under the usual rules.

Each item is claimed and decided in a savepoint of its own with
:func:`~clearance.review.claims.claim` and :func:`~clearance.review.decisions.decide`, so every
rule holds as if the reviewer had opened the items one by one (own submissions, claims held by
someone else, overrides that need a senior and a written reason, ``request_changes`` needing a
comment), and an item that is refused is skipped with the reason while the others go ahead.

**The two-person rule is kept**: a bulk decision never completes an item that needs two people.
On such an item it can give the *first* review of a round (the item then waits for a senior, as
after any first review), never the second: an item awaiting its second review is skipped, and the
check is made by :func:`~clearance.review.decisions.decide` under the item's lock
(``second_review_allowed=False``), so a first review that lands meanwhile cannot be completed in
bulk either. The second review is given on the item's own page.

Every item's events are those of a single decision (``claim``, ``review``, ``decision``...); one
``queue.bulk`` event on the reviewer sums the batch up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy.orm import Session

from clearance.content.visible import has_visible_words
from clearance.errors import InputError, NotFound, ReviewConflict
from clearance.review import audit, reason_codes
from clearance.review.access import Actor, require_role
from clearance.review.audit import Subject
from clearance.review.audit_events import BulkDecided
from clearance.review.claims import claim
from clearance.review.decisions import decide
from clearance.review.items import OPEN_STATES, awaiting_senior, get_item, utcnow
from clearance.storage.review_models import OUTCOMES

#: The most items one bulk decision takes.
MAX_BULK: Final = 100

BulkResult = Literal["decided", "first_review", "skipped"]


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What happened to one item of a bulk decision."""

    item_id: int
    result: BulkResult
    #: The item's state afterwards (``None`` when it is not visible to the reviewer).
    state: str | None
    #: Why it was skipped ("" otherwise).
    detail: str = ""


def bulk_decide(session: Session, actor: Actor, item_ids: Sequence[int], outcome: str, *,
                reason: str = "", comment: str = "", lease_seconds: int,
                now: dt.datetime | None = None, reason_code: str | None = None
                ) -> list[BulkOutcome]:
    """Claim and decide each of ``item_ids`` (in the order given, duplicates once) with one
    outcome; returns what happened to each. See the module docstring for the rules."""
    require_role(actor, "reviewer")
    if outcome not in OUTCOMES:
        raise InputError(f"unknown outcome {outcome!r} (one of {', '.join(OUTCOMES)})")
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        raise InputError("select at least one item")
    if len(ids) > MAX_BULK:
        raise InputError(f"a bulk decision takes at most {MAX_BULK} items, not {len(ids)}")
    reason, comment = reason.strip(), comment.strip()
    code = reason_codes.check(reason_code, outcome)
    if outcome == "request_changes" and not has_visible_words(comment):
        raise InputError("request_changes needs a comment telling the submitter what to change "
                         "(in visible words: invisible characters alone do not count)")
    now = now or utcnow()
    results = [_one(session, actor, item_id, outcome, reason, comment, lease_seconds, now, code)
               for item_id in ids]
    audit.record(session, BulkDecided(
        subject=Subject.user(actor.username), outcome=outcome, reason=reason,
        decided=tuple(r.item_id for r in results if r.result == "decided"),
        first_reviews=tuple(r.item_id for r in results if r.result == "first_review"),
        skipped=tuple(r.item_id for r in results if r.result == "skipped")),
        actor=actor.audit_name)
    return results


def _one(session: Session, actor: Actor, item_id: int, outcome: str, reason: str, comment: str,
         lease_seconds: int, now: dt.datetime, code: str | None) -> BulkOutcome:
    state: str | None = None
    try:
        with session.begin_nested():
            item = get_item(session, actor, item_id)
            state = item.state
            if item.state not in OPEN_STATES:
                raise ReviewConflict(f"item {item_id} is {item.state}")
            if awaiting_senior(item):
                raise ReviewConflict(f"item {item_id} awaits the second review of the "
                                     "two-person rule: give it on the item's own page")
            claim(session, actor, item_id, lease_seconds=lease_seconds, now=now)
            decided = decide(session, actor, item_id, outcome, reason=reason, comment=comment,
                             now=now, second_review_allowed=False, reason_code=code)
            return BulkOutcome(item_id, "decided" if decided.decided_at is not None
                               else "first_review", decided.state)
    except NotFound as exc:
        return BulkOutcome(item_id, "skipped", None, exc.message)
    except (ReviewConflict, InputError) as exc:
        return BulkOutcome(item_id, "skipped", state, exc.message)
