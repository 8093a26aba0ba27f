"""Reviews and decisions: one reviewer's outcome on a claimed item and, when the rules allow, the
item's final decision; comments and wellness reveals.

* The reviewer must hold a live claim; nobody reviews their own submission.
* ``request_changes`` needs a comment (it goes to the submitter).
* Approving an item whose screening said ``block`` is an **override**: a senior reviewer (or
  admin) only, with a written reason, audited as ``override``.
* **Two-person rule** (any ``minor.*`` finding): reviews come in rounds of two. The first leaves
  the item queued awaiting a senior; a second review by a different senior that concurs makes
  it final; one that disagrees closes the round (both kept) and queues the item for a new round.
* A final decision is audited (``review`` then ``decision``) and raised as domain events
  (:class:`~clearance.events.VersionDecided`, and :class:`~clearance.events.VersionRejected` for
  a rejection); the webhook outbox subscribes in-transaction, so its deliveries commit with it.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Final, Literal

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from clearance import events
from clearance.content.visible import has_visible_words
from clearance.errors import Forbidden, InputError, NotFound, ReviewConflict
from clearance.review import audit, reason_codes
from clearance.review.access import Actor, require_role
from clearance.review.audit import Subject
from clearance.review.audit_events import ReviewStep
from clearance.review.claims import refuse_ineligible
from clearance.review.items import (
    FINAL_STATE,
    FINAL_STATE_OUTCOME,
    get_item,
    is_postgres,
    open_review,
    username_of,
    utcnow,
    visible,
)
from clearance.storage.db import as_utc, core
from clearance.storage.models import AssetVersion
from clearance.storage.review_models import OUTCOMES, Comment, Review, ReviewItem
from clearance.storage.screening_models import Screening

MAX_COMMENT_CHARS: Final = 10_000


def _locked_item(session: Session, actor: Actor, item_id: int) -> ReviewItem:
    """The item if ``actor`` may see it (:class:`NotFound` otherwise), re-read from the database
    with what deciding reads (its reviews, version, asset and screening's policy) in one
    statement (was six; then two, with the reviews selectin-loaded, which cost more Python than
    the rest of the query in ``bench/bench_load.py``'s profile), row-locked on PostgreSQL until
    the transaction ends."""
    query = _deciding_query(actor, is_postgres(session))
    item = session.scalars(query, {"item_id": item_id}).unique().one_or_none()
    if item is None:
        raise NotFound(f"no review item {item_id}")
    return item


@functools.lru_cache(maxsize=512)
def _deciding_query(actor: Actor, postgres: bool) -> Select[ReviewItem]:
    """:func:`_locked_item`'s statement, built once per caller (a statement reused keeps its
    cache key)."""
    query = (select(ReviewItem).where(ReviewItem.id == bindparam("item_id"), visible(actor))
             .options(joinedload(ReviewItem.reviews),
                      joinedload(ReviewItem.version, innerjoin=True)
                      .joinedload(AssetVersion.asset, innerjoin=True),
                      joinedload(ReviewItem.screening, innerjoin=True)
                      .load_only(Screening.policy))
             .execution_options(populate_existing=True))
    return query.with_for_update(of=ReviewItem) if postgres else query


def _confirm_claim(session: Session, actor: Actor, item_id: int, now: dt.datetime) -> None:
    """Re-check the claim in the database with a conditional UPDATE: on a backend without row
    locks a claim that changed since the item was read is refused instead of overwritten. (On
    PostgreSQL the item's row lock, taken before the claim was checked, already rules that
    out.)"""
    if is_postgres(session):
        return
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.state == "claimed",
               ReviewItem.claimed_by == actor.user_id, ReviewItem.lease_expires_at > now)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise ReviewConflict(f"your claim on item {item_id} changed meanwhile; claim it again")


#: A decision's writes as Core statements, built once: the review (its id returned for the
#: audit event) and the item's new state. Through the unit of work (``Session.flush``) the two
#: rows cost ~1.4 ms of Python a decision, ~7 % of the service's CPU under
#: ``bench/bench_load.py`` (a lone client's decision: p50 ~0.7 ms lower this way, 9 interleaved
#: pairs).
_INSERT_REVIEW: Final = insert(Review).returning(Review.id)
_SETTLE_OPEN: Final = (update(ReviewItem).where(ReviewItem.id == bindparam("item_id"))
                       .values(state=bindparam("state"), claimed_by=None,
                               lease_expires_at=None, updated_at=bindparam("now"))
                       .execution_options(synchronize_session=False))
_SETTLE_FINAL: Final = _SETTLE_OPEN.values(decided_at=bindparam("now"))


def _settled(session: Session, item: ReviewItem, review: Review, state: str,
             decided_at: dt.datetime | None, now: dt.datetime) -> None:
    """``item`` and its new ``review`` as :data:`_SETTLE_OPEN` / :data:`_SETTLE_FINAL` and
    :data:`_INSERT_REVIEW` left their rows: the item's attributes set as the database's and the
    review joined to the session as a row already there (nothing for a flush to write again),
    one more of the item's reviews."""
    for key, value in (("state", state), ("claimed_by", None), ("lease_expires_at", None),
                       ("updated_at", now), ("decided_at", decided_at)):
        set_committed_value(item, key, value)
    make_transient_to_detached(review)
    session.add(review)
    set_committed_value(item, "reviews", [*item.reviews, review])


def decide(session: Session, actor: Actor, item_id: int, outcome: str, *, reason: str = "",
           comment: str = "", now: dt.datetime | None = None,
           second_review_allowed: bool = True, reason_code: str | None = None) -> ReviewItem:
    """Record ``actor``'s review of a claimed item and, when the rules allow, the final decision.

    Refused (:class:`ReviewConflict`) unless the actor holds a live claim on it; never one's own
    submission; approving a screening ``block`` needs a senior and a written reason; on a
    two-person item the second review must be a senior's and by someone else. ``request_changes``
    needs a comment (:class:`InputError`). ``second_review_allowed=False`` (a bulk decision)
    refuses the second review of a two-person round, read under the item's lock, so a bulk
    decision never completes an item that needs two people. ``reason_code`` is a preset code of
    the outcome (:mod:`clearance.review.reason_codes`), kept beside the written reason."""
    require_role(actor, "reviewer")
    if outcome not in OUTCOMES:
        raise InputError(f"unknown outcome {outcome!r} (one of {', '.join(OUTCOMES)})")
    reason, comment = reason.strip(), comment.strip()
    code = reason_codes.check(reason_code, outcome)
    if outcome == "request_changes" and not has_visible_words(comment):
        raise InputError("request_changes needs a comment telling the submitter what to change "
                         "(in visible words: invisible characters alone do not count)")
    if comment:
        _check_comment(comment)
    now = now or utcnow()
    item = _locked_item(session, actor, item_id)
    if item.state != "claimed" or item.claimed_by != actor.user_id:
        raise ReviewConflict(f"claim item {item_id} first")
    if item.lease_expires_at is None or as_utc(item.lease_expires_at) <= now:
        raise ReviewConflict(f"your lease on item {item_id} expired; claim it again")
    refuse_ineligible(item, actor)
    if not second_review_allowed and open_review(item) is not None:
        raise ReviewConflict(f"item {item_id} awaits the second review of the two-person rule: "
                             "give it on the item's own page, not in bulk")
    is_override = outcome == "approve" and item.screening_decision == "block"
    if is_override:
        if not actor.is_senior:
            raise ReviewConflict("approving an item that screening blocked is an override: it "
                                 "needs a senior reviewer")
        if not has_visible_words(reason):
            raise ReviewConflict("approving an item that screening blocked is an override: "
                                 "write the reason (in visible words: invisible characters, "
                                 "spaces or punctuation alone do not count)")
    _confirm_claim(session, actor, item_id, now)
    first = open_review(item)
    if not item.needs_two:
        final = True
    elif first is None:
        final = False
    else:
        final = first.outcome == outcome
    state = FINAL_STATE[outcome] if final else "queued"
    values = {"item_id": item.id, "reviewer_id": actor.user_id, "outcome": outcome,
              "reason": reason, "final": final, "created_at": now, "reason_code": code}
    db = core(session)
    review_id = db.execute(_INSERT_REVIEW, values).scalar_one()
    db.execute(_SETTLE_FINAL if final else _SETTLE_OPEN,
               {"item_id": item.id, "state": state, "now": now})
    _settled(session, item, Review(id=review_id, **values), state,
             now if final else item.decided_at, now)
    earlier = [first] if first is not None and item.needs_two else []
    reviewers = [username_of(session, r.reviewer_id) or "" for r in earlier] + [actor.username]
    reasons = (*(r.reason for r in earlier), reason)
    step: ReviewStep = ("single" if not item.needs_two else "first" if first is None
                        else "concurring" if final else "disagreeing")
    who = actor.audit_name
    audit.record(session, audit.Reviewed(subject=Subject.item(item.id), review_id=review_id,
                                         outcome=outcome, reason=reason, step=step,
                                         final=final, reason_code=code), actor=who)
    if final:
        audit.record(session, audit.Decided(
            subject=Subject.item(item.id), outcome=outcome, state=item.state,
            reviewers=tuple(reviewers), screening_decision=item.screening_decision,
            reason=reason), actor=who)
        if is_override:
            audit.record(session, audit.Overridden(
                subject=Subject.item(item.id), screening_decision="block", outcome=outcome,
                reviewers=tuple(reviewers), reasons=reasons),
                actor=who)
    if comment:
        _add_comment(session, actor, item, comment, now)
    if final:
        _announce(session, item, reviewers, reason, now)
    return item


def _announce(session: Session, item: ReviewItem, reviewers: list[str], reason: str,
              now: dt.datetime) -> None:
    """Raise the domain events of a final decision; the webhook outbox is one of their
    in-transaction subscribers, so subscribers' deliveries commit with the decision."""
    version = item.version
    asset = version.asset
    outcome = FINAL_STATE_OUTCOME[item.state]
    at = item.decided_at or now
    events.emit(session, events.VersionDecided(
        version_id=version.id, asset_id=asset.id, title_id=asset.title_id, at=at,
        item_id=item.id, outcome=outcome, screening_decision=item.screening_decision,
        policy_version=item.policy_version, reviewers=tuple(reviewers)))
    if outcome == "reject":
        events.emit(session, events.VersionRejected(
            version_id=version.id, asset_id=asset.id, title_id=asset.title_id, at=at,
            item_id=item.id, reason=reason))


# -- comments and reveals------------------------------------------------------------------

def _check_comment(body: str) -> None:
    if not has_visible_words(body):
        raise InputError("a comment needs some text (visible words)")
    if len(body) > MAX_COMMENT_CHARS:
        raise InputError(f"a comment is at most {MAX_COMMENT_CHARS} characters")


def _add_comment(session: Session, actor: Actor, item: ReviewItem, body: str,
                 now: dt.datetime) -> Comment:
    _check_comment(body)
    row = Comment(item_id=item.id, author_id=actor.user_id, body=body, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, audit.Commented(subject=Subject.item(item.id), comment_id=row.id,
                                          body=body), actor=actor.audit_name)
    return row


def add_comment(session: Session, actor: Actor, item_id: int, body: str) -> Comment:
    """A comment on an item by a reviewer or by a member of the item's team."""
    item = get_item(session, actor, item_id)
    return _add_comment(session, actor, item, body.strip(), utcnow())


def record_reveal(session: Session, actor: Actor, item_id: int,
                  how: Literal["reveal", "preference", "api"] = "reveal") -> None:
    """Audit that ``actor`` (reviewer or above) saw the item's image unblurred (``how``: see
    :class:`~clearance.review.audit_events.Revealed`)."""
    if not actor.at_least("reviewer"):
        raise Forbidden("revealing is recorded for reviewers; this needs the reviewer role")
    item = get_item(session, actor, item_id)
    audit.record(session, audit.Revealed(subject=Subject.item(item.id), version_id=item.version_id,
                                         how=how), actor=actor.audit_name)
