"""How the review team is doing, over a window of days: what a lead looks at on ``/metrics``
(``GET /api/metrics``).

* **Throughput**: final human decisions per day (approved, rejected, changes requested; screening
  passes and superseded rounds are not decisions), by outcome, and reviews given.
* **Time to decision**: from an item's queueing (its round's screening) to its final decision,
  median, 90th percentile and mean, for every decision in the window and by screening decision.
* **Queue age**: the open items now (queued and claimed; quarantined ones are nobody's to see):
  how many, the oldest, the median age, how many are due soon or overdue against their
  service-level target (:mod:`clearance.review.service_levels`), awaiting a senior, and in age
  buckets.
* **Reviewer agreement**: the two-person rounds closed in the window (a second review given), and
  how many second reviews differed from the first (the round then closes without a decision and
  starts over); per senior, how often their second review differed.
* **Overrides**: final approvals of what screening blocked, each with its reviewers and reasons.
* **Reason codes**: the reviews given in the window per outcome, by preset reason code
  (:mod:`clearance.review.reason_codes`; every review is one reviewer's decision, so both reviews
  of a two-person round count), every preset code of the outcome listed, and the reviews given
  without a code.
* **Per reviewer**: reviews, first and second reviews of two-person rounds, and overrides.

Everything is read from the review tables (items, reviews); nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearance.review import reason_codes, service_levels
from clearance.review.access import Actor, require_role
from clearance.review.items import OPEN_STATES, not_quarantined, utcnow
from clearance.storage.db import as_utc
from clearance.storage.review_models import OUTCOMES, Review, ReviewItem, User

#: The final states a person decided (``passed`` is screening's, ``superseded`` a re-screening's).
DECIDED_STATES: Final = ("approved", "rejected", "changes_requested")
#: Queue-age buckets: (label, upper bound in hours; ``None`` for the last).
AGE_BUCKETS: Final[tuple[tuple[str, float | None], ...]] = (
    ("under 1 h", 1), ("1–4 h", 4), ("4–24 h", 24), ("1–3 d", 72), ("over 3 d", None))
#: The longest window one report covers (days).
MAX_DAYS: Final = 366


@dataclass(frozen=True, slots=True)
class Durations:
    """Summary of durations, in hours."""

    count: int
    median_hours: float | None
    p90_hours: float | None
    mean_hours: float | None

    @classmethod
    def of(cls, hours: Sequence[float]) -> Durations:
        if not hours:
            return cls(0, None, None, None)
        ordered = sorted(hours)
        p90 = ordered[min(len(ordered) - 1, max(0, round(0.9 * len(ordered)) - 1))]
        return cls(len(ordered), round(statistics.median(ordered), 3), round(p90, 3),
                   round(statistics.fmean(ordered), 3))


@dataclass(frozen=True, slots=True)
class DayCount:
    day: str
    decisions: int
    by_outcome: dict[str, int]


@dataclass(frozen=True, slots=True)
class QueueAge:
    open: int
    claimed: int
    awaiting_senior: int
    oldest_hours: float | None
    median_hours: float | None
    due_soon: int
    overdue: int
    buckets: list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class Agreement:
    """Two-person rounds whose second review was given in the window."""

    rounds: int
    agreed: int
    differed: int

    @property
    def agreement_rate(self) -> float | None:
        return round(self.agreed / self.rounds, 4) if self.rounds else None


@dataclass(frozen=True, slots=True)
class Override:
    item_id: int
    decided_at: dt.datetime
    reviewers: list[str]
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class ReasonCodeCount:
    """Reviews given in the window with ``outcome`` and reason code ``code`` (``None``: given
    without one). ``label`` is the preset code's; a code no longer preset keeps its name."""

    outcome: str
    code: str | None
    label: str
    reviews: int


@dataclass
class ReviewerStats:
    username: str
    reviews: int = 0
    first_reviews: int = 0
    second_reviews: int = 0
    #: Their second reviews that differed from the first.
    differed_as_second: int = 0
    overrides: int = 0


@dataclass(frozen=True, slots=True)
class Metrics:
    since: dt.datetime
    until: dt.datetime
    days: float
    decisions: int
    by_outcome: dict[str, int]
    reviews: int
    per_day: list[DayCount]
    time_to_decision: Durations
    time_by_screening: dict[str, Durations]
    queue: QueueAge
    agreement: Agreement
    overrides: list[Override]
    reviewers: list[ReviewerStats] = field(default_factory=list)
    reason_codes: list[ReasonCodeCount] = field(default_factory=list)


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def compute(session: Session, actor: Actor, *, days: float = 7.0,
            targets: Mapping[str, float] = service_levels.DEFAULT_TARGET_HOURS,
            now: dt.datetime | None = None) -> Metrics:
    """The metrics of the last ``days`` days (senior reviewers and admins)."""
    require_role(actor, "senior_reviewer")
    now = now or utcnow()
    days = min(max(days, 1 / 24), MAX_DAYS)
    since = now - dt.timedelta(days=days)
    names = dict(session.execute(select(User.id, User.username)).all())

    decided = session.execute(
        select(ReviewItem.id, ReviewItem.created_at, ReviewItem.decided_at, ReviewItem.state,
               ReviewItem.screening_decision)
        .where(ReviewItem.state.in_(DECIDED_STATES), ReviewItem.decided_at >= since,
               not_quarantined())).all()
    by_outcome: Counter[str] = Counter()
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    waits: list[float] = []
    waits_by: dict[str, list[float]] = defaultdict(list)
    for _id, created, decided_at, state, screening in decided:
        assert decided_at is not None
        by_outcome[state] += 1
        per_day[as_utc(decided_at).date().isoformat()][state] += 1
        wait = max(0.0, _hours(as_utc(decided_at) - as_utc(created)))
        waits.append(wait)
        waits_by[screening].append(wait)
    day_rows = []
    start = since.date()
    for n in range((now.date() - start).days + 1):
        day = (start + dt.timedelta(days=n)).isoformat()
        counts = per_day.get(day, Counter())
        day_rows.append(DayCount(day, sum(counts.values()), dict(sorted(counts.items()))))

    queue = _queue_age(session, targets, now)
    agreement, reviewers, review_count = _reviews(session, since, names)
    overrides = _overrides(session, since, names)
    for o in overrides:
        for name in o.reviewers:
            reviewers.setdefault(name, ReviewerStats(name)).overrides += 1
    return Metrics(
        since=since, until=now, days=days, decisions=len(decided),
        by_outcome=dict(sorted(by_outcome.items())), reviews=review_count, per_day=day_rows,
        time_to_decision=Durations.of(waits),
        time_by_screening={k: Durations.of(v) for k, v in sorted(waits_by.items())},
        queue=queue, agreement=agreement, overrides=overrides,
        reviewers=sorted(reviewers.values(), key=lambda r: (-r.reviews, r.username)),
        reason_codes=_reason_codes(session, since))


def _reason_codes(session: Session, since: dt.datetime) -> list[ReasonCodeCount]:
    """Per outcome (in :data:`OUTCOMES`' order): its preset codes, most used first (a tie in the
    preset order), then codes no longer preset that reviews in the window still carry, then the
    reviews without a code."""
    counts: dict[tuple[str, str | None], int] = {
        (outcome, code): n for outcome, code, n in session.execute(
            select(Review.outcome, Review.reason_code, func.count(Review.id))
            .join(ReviewItem, ReviewItem.id == Review.item_id)
            .where(Review.created_at >= since, not_quarantined())
            .group_by(Review.outcome, Review.reason_code))}
    out: list[ReasonCodeCount] = []
    for outcome in OUTCOMES:
        preset = reason_codes.for_outcome(outcome)
        rows = sorted(((counts.get((outcome, c.code), 0), i, c) for i, c in enumerate(preset)),
                      key=lambda row: (-row[0], row[1]))
        out.extend(ReasonCodeCount(outcome, c.code, c.label, n) for n, _i, c in rows)
        known = {c.code for c in preset}
        retired = sorted((code, n) for (o, code), n in counts.items()
                         if o == outcome and code is not None and code not in known)
        out.extend(ReasonCodeCount(outcome, code, code, n) for code, n in retired)
        out.append(ReasonCodeCount(outcome, None, "no reason code", counts.get((outcome, None), 0)))
    return out


def _queue_age(session: Session, targets: Mapping[str, float], now: dt.datetime) -> QueueAge:
    rows = session.execute(
        select(ReviewItem.created_at, ReviewItem.screening_decision, ReviewItem.state,
               ReviewItem.needs_two, ReviewItem.id)
        .where(ReviewItem.state.in_(OPEN_STATES), not_quarantined())).all()
    ages = [max(0.0, _hours(now - as_utc(created))) for created, *_ in rows]
    due_soon = overdue = 0
    for (_created, screening, *_), age in zip(rows, ages, strict=True):
        target = targets.get(screening)
        if target is None:
            continue
        if age > target:
            overdue += 1
        elif age >= target * service_levels.DUE_SOON_SHARE:
            due_soon += 1
    awaiting = 0
    two = [item_id for _c, _s, _st, needs_two, item_id in rows if needs_two]
    if two:
        counts = Counter(session.scalars(select(Review.item_id).where(Review.item_id.in_(two))))
        awaiting = sum(1 for item_id in two if counts[item_id] % 2 == 1)
    buckets: list[tuple[str, int]] = []
    lower = 0.0
    for label, upper in AGE_BUCKETS:
        buckets.append((label, sum(1 for a in ages if a >= lower and (upper is None or a < upper))))
        lower = upper or lower
    return QueueAge(
        open=len(rows), claimed=sum(1 for r in rows if r[2] == "claimed"),
        awaiting_senior=awaiting, oldest_hours=round(max(ages), 3) if ages else None,
        median_hours=round(statistics.median(ages), 3) if ages else None,
        due_soon=due_soon, overdue=overdue, buckets=buckets)


def _reviews(session: Session, since: dt.datetime, names: Mapping[int, str]
             ) -> tuple[Agreement, dict[str, ReviewerStats], int]:
    """Reviews given in the window, per reviewer, and the two-person rounds they closed. Rounds
    are consecutive pairs of an item's reviews (as :func:`clearance.review.items.open_review`
    reads them), so every review of an item reviewed in the window is read to pair them."""
    recent = select(Review.item_id).where(Review.created_at >= since)
    rows = session.execute(
        select(Review.item_id, Review.reviewer_id, Review.outcome, Review.created_at,
               ReviewItem.needs_two)
        .join(ReviewItem, ReviewItem.id == Review.item_id)
        .where(Review.item_id.in_(recent), not_quarantined())
        .order_by(Review.item_id, Review.id)).all()
    stats: dict[str, ReviewerStats] = {}
    by_item: dict[int, list[tuple[int, str, dt.datetime]]] = defaultdict(list)
    two: dict[int, bool] = {}
    count = 0
    for item_id, reviewer_id, outcome, created, needs_two in rows:
        by_item[item_id].append((reviewer_id, outcome, as_utc(created)))
        two[item_id] = needs_two
        if as_utc(created) >= since:
            count += 1
            name = names.get(reviewer_id, f"user {reviewer_id}")
            stats.setdefault(name, ReviewerStats(name)).reviews += 1
    rounds = agreed = 0
    for item_id, reviews in by_item.items():
        if not two[item_id]:
            continue
        for i, (reviewer_id, _outcome, created) in enumerate(reviews):
            name = names.get(reviewer_id, f"user {reviewer_id}")
            if created < since:
                continue
            who = stats.setdefault(name, ReviewerStats(name))
            if i % 2 == 0:
                who.first_reviews += 1
                continue
            who.second_reviews += 1
            rounds += 1
            if reviews[i - 1][1] == reviews[i][1]:
                agreed += 1
            else:
                who.differed_as_second += 1
    return Agreement(rounds, agreed, rounds - agreed), stats, count


def _overrides(session: Session, since: dt.datetime, names: Mapping[int, str]
               ) -> list[Override]:
    items = session.execute(
        select(ReviewItem.id, ReviewItem.decided_at, ReviewItem.needs_two)
        .where(ReviewItem.state == "approved", ReviewItem.screening_decision == "block",
               ReviewItem.decided_at >= since, not_quarantined())
        .order_by(ReviewItem.decided_at.desc())).all()
    if not items:
        return []
    reviews: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for item_id, reviewer_id, outcome, reason in session.execute(
            select(Review.item_id, Review.reviewer_id, Review.outcome, Review.reason)
            .where(Review.item_id.in_([i for i, _d, _n in items])).order_by(Review.id)):
        reviews[item_id].append((reviewer_id, outcome, reason))
    out = []
    for item_id, decided_at, needs_two in items:
        assert decided_at is not None
        got = reviews[item_id]
        # the approvals that made it final: the last review, and its pair under two people
        final = got[-2:] if needs_two else got[-1:]
        out.append(Override(item_id, as_utc(decided_at),
                            [names.get(r[0], f"user {r[0]}") for r in final],
                            [r[2] for r in final]))
    return out
