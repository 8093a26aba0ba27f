"""The review queue on SQLite and PostgreSQL: submission, visibility, ordering and filters, claims
and leases, the two-person rule, overrides, outcomes, comments, reveals and what is audited."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clearance import events
from clearance.errors import Forbidden, InputError, NotFound, ReviewConflict
from clearance.events import EventBus
from clearance.findings import Fact, Finding
from clearance.policy.engine import Decision, FiredRule, Sourced
from clearance.review import queue
from clearance.review.access import Actor
from clearance.review.audit import verify
from clearance.review.queue import QueueFilter
from clearance.screening import ScreenResult
from clearance.storage import session_scope
from clearance.storage.models import Asset, AssetVersion, Credit, Person, Title
from clearance.storage.review_models import (
    AuditEvent,
    Comment,
    Review,
    ReviewItem,
    Team,
    User,
    WebhookDelivery,
    WebhookSubscription,
)

LEASE = 600
T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def result(decision: str, *labels: tuple[str, float], rule: str | None = None) -> ScreenResult:
    """A screening result with constructed findings (and the rule that fired on them)."""
    findings = tuple(Finding(lbl, s, Fact(lbl, str(s)), "fake", "1") for lbl, s in labels)
    fired = ((FiredRule(rule, "a rule", decision,  # type: ignore[arg-type]
                        tuple(Sourced("this", f) for f in findings)),)
             if rule is not None else ())
    outcome: Any = decision
    return ScreenResult("x", "image", Decision(outcome, "default@3", fired), findings)


MINOR = result("block", ("minor.apparent", 0.8), ("exposure.belly.exposed", 0.7),
               rule="minor_exposed")
SUGGESTIVE = result("review", ("suggestive.text", 0.6), rule="suggestive_copy")
BLOCK = result("block", ("exposure.belly.exposed", 0.9), rule="exposure_block")
PASS = result("pass")


class World:
    """Users, a title with assets, and helpers to submit and act, each in its own transaction
    (as the API does)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.n_versions = 0
        #: The domain event bus decisions go through (None: a fresh one with the built-ins).
        self.bus: EventBus | None = None
        with session_scope(engine) as s:
            s.add_all([Team(id="studio", name="Studio"), Team(id="other", name="Other")])
            s.add(Title(id="t1", original_title="Night Garden", type="movie", rating="PG-13"))
            s.add(Title(id="t2", original_title="Day Field", type="movie", rating="R"))
            s.flush()
            kid = Person(name="Ann Young", date_of_birth=dt.date(2010, 6, 1))
            s.add(kid)
            s.flush()
            s.add(Credit(title_id="t1", person_id=kid.id, role="cast", character="Ivy"))
        self.sub = self.user("sub", "submitter", "studio")
        self.outsider = self.user("out", "submitter", "other")
        self.alice = self.user("alice", "reviewer")
        self.bob = self.user("bob", "reviewer")
        self.sen = self.user("sen", "senior_reviewer")
        self.sen2 = self.user("sen2", "senior_reviewer")
        self.admin = self.user("root", "admin")

    def user(self, name: str, role: str, team: str | None = None) -> Actor:
        with session_scope(self.engine) as s:
            u = User(username=name, display_name=name.title(), role=role, team_id=team)
            s.add(u)
            s.flush()
            return Actor(u.id, name, role, team, "session")

    def version(self, title: str = "t1", kind: str = "key_art", locale: str = "en",
                channel: str = "web", shoot: dt.date | None = None) -> int:
        self.n_versions += 1
        with session_scope(self.engine) as s:
            asset = s.scalar(select(Asset).where(Asset.title_id == title, Asset.kind == kind,
                                                 Asset.locale == locale,
                                                 Asset.channel == channel))
            if asset is None:
                asset = Asset(title_id=title, kind=kind, locale=locale, channel=channel)
                s.add(asset)
                s.flush()
            v = AssetVersion(asset_id=asset.id, content_sha256=f"{self.n_versions:064x}",
                             content_type="image/png", size_bytes=10, created_by="sub",
                             shoot_date=shoot)
            s.add(v)
            s.flush()
            return v.id

    def submit(self, res: ScreenResult, *, actor: Actor | None = None, **where: Any) -> int:
        version_id = self.version(**where)
        who = actor or self.sub
        with session_scope(self.engine) as s:
            version = s.get(AssetVersion, version_id)
            assert version is not None
            return queue.submit_result(s, who, version, res, team_id=who.team_id)[0].id

    def claim(self, actor: Actor, item_id: int | None = None, now: dt.datetime = T0) -> int:
        with session_scope(self.engine) as s:
            return queue.claim(s, actor, item_id, lease_seconds=LEASE, now=now).id

    def decide(self, actor: Actor, item_id: int, outcome: str, now: dt.datetime = T0,
               **kw: str) -> ReviewItem:
        with session_scope(self.engine, bus=self.bus) as s:
            return queue.decide(s, actor, item_id, outcome, now=now, **kw)

    def review(self, actor: Actor, item_id: int, outcome: str, **kw: str) -> ReviewItem:
        self.claim(actor, item_id)
        return self.decide(actor, item_id, outcome, **kw)

    def item(self, item_id: int) -> ReviewItem:
        with Session(self.engine) as s:
            item = s.get(ReviewItem, item_id)
            assert item is not None
            item.reviews, item.screening  # noqa: B018 - load before the session closes
            return item

    def events(self, item_id: int | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        with Session(self.engine) as s:
            q = select(AuditEvent).order_by(AuditEvent.seq)
            if item_id is not None:
                q = q.where(AuditEvent.subject == f"item:{item_id}")
            return [(e.type, e.actor, json.loads(e.data)) for e in s.scalars(q)]


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    yield World(engine)
    with Session(engine) as s:
        assert verify(s).ok


# -- submission ----------------------------------------------------------------------------

def test_submit_records_risk_rules_state_and_audits(world: World) -> None:
    item_id = world.submit(MINOR)
    item = world.item(item_id)
    assert item.state == "queued"
    assert item.risk == pytest.approx(2.8)
    assert item.rules == ["minor_exposed", "exposure.belly.exposed", "minor.apparent"]
    assert item.needs_two is True
    assert item.policy_version == "default@3"
    assert item.submitted_by == world.sub.user_id and item.team_id == "studio"
    assert item.reasons[0]["rule"] == "minor_exposed"
    events = world.events(item_id)
    assert [e[0] for e in events] == ["submission", "screening"]
    assert events[0][1] == "user:sub"
    assert events[1][2]["decision"] == "block" and events[1][2]["needs_two"] is True


def test_a_version_is_queued_once_per_decision_and_a_changed_decision_opens_a_round(
        world: World) -> None:
    version_id = world.version()
    with session_scope(world.engine) as s:
        version = s.get(AssetVersion, version_id)
        assert version is not None
        first, created = queue.submit_result(s, world.sub, version, SUGGESTIVE, team_id="studio")
        assert created and first.round == 1
        again, created = queue.submit_result(s, world.sub, version,
                                             result("review", ("suggestive.text", 0.9),
                                                    rule="other"), team_id="studio")
        assert not created and again.id == first.id  # same decision: not queued twice
        second, created = queue.submit_result(s, world.sub, version, BLOCK, team_id="studio")
        assert created and second.round == 2 and second.screening_decision == "block"
        assert first.state == "superseded" and second.state == "queued"
        assert second.screening_id != first.screening_id
    assert [e[0] for e in world.events()] == ["submission", "screening", "submission",
                                               "screening", "round"]
    round_event = world.events()[-1][2]
    assert round_event["previous_item_id"] == first.id and round_event["round"] == 2
    assert round_event["previous_state"] == "superseded"
    with Session(world.engine) as s:
        assert [i.id for i in queue.list_queue(s, world.alice)] == [second.id]


def test_a_decided_round_is_kept_when_a_new_screening_opens_the_next(world: World) -> None:
    item_id = world.submit(SUGGESTIVE)
    world.claim(world.alice, item_id)
    world.decide(world.alice, item_id, "approve")
    with session_scope(world.engine) as s:
        item = s.get(ReviewItem, item_id)
        assert item is not None
        nxt, created = queue.submit_result(s, world.sub, item.version, BLOCK, team_id="studio")
        assert created and nxt.round == 2
        assert item.state == "approved"  # the decided round stays as it was decided


def test_passed_screening_is_recorded_but_never_queued(world: World) -> None:
    item_id = world.submit(PASS)
    item = world.item(item_id)
    assert item.state == "passed" and item.risk == 0.0 and item.decided_at is not None
    with Session(world.engine) as s:
        assert queue.list_queue(s, world.alice) == []
        with pytest.raises(NotFound):
            queue.claim(s, world.alice, lease_seconds=LEASE)
        with pytest.raises(ReviewConflict, match="passed"):
            queue.claim(s, world.alice, item_id, lease_seconds=LEASE)


def test_submit_refuses_a_screening_of_another_version(world: World) -> None:
    a, b = world.version(), world.version(kind="still")
    with session_scope(world.engine) as s:
        va, vb = s.get(AssetVersion, a), s.get(AssetVersion, b)
        assert va is not None and vb is not None
        item, _ = queue.submit_result(s, world.sub, va, SUGGESTIVE, team_id="studio")
        with pytest.raises(InputError, match=r"is of version \d+, not \d+"):
            queue.submit(s, world.sub, vb, item.screening, team_id="studio")


def test_submit_accepts_a_screen_result_object(world: World) -> None:
    f = Finding("suggestive.text", 0.55, Fact("term", "x"), "fake", "1")
    decision = Decision("review", "default@3",
                        (FiredRule("suggestive_copy", "why", "review", (Sourced("this", f),)),))
    res = ScreenResult("x", "text", decision, (f,))
    version_id = world.version()
    with session_scope(world.engine) as s:
        version = s.get(AssetVersion, version_id)
        assert version is not None
        item, _ = queue.submit_result(s, world.sub, version, res, team_id="studio")
        assert item.rules == ["suggestive_copy", "suggestive.text"]
        assert item.risk == pytest.approx(1.55) and not item.needs_two
        assert item.reasons[0]["outcome"] == "review"


# -- visibility ----------------------------------------------------------------------------

def test_submitters_see_only_their_team(world: World) -> None:
    mine = world.submit(SUGGESTIVE)
    theirs = world.submit(BLOCK, actor=world.outsider, kind="still")
    with Session(world.engine) as s:
        assert queue.get_item(s, world.sub, mine).id == mine
        with pytest.raises(NotFound):
            queue.get_item(s, world.sub, theirs)
        with pytest.raises(NotFound):
            queue.get_item(s, world.alice, 999_999)
        assert [i.id for i in queue.list_submitted(s, world.sub)] == [mine]
        assert [i.id for i in queue.list_submitted(s, world.outsider)] == [theirs]
        assert queue.get_item(s, world.alice, theirs).id == theirs
        with pytest.raises(Forbidden):
            queue.list_queue(s, world.sub)
        with pytest.raises(Forbidden):
            queue.claim(s, world.sub, mine, lease_seconds=LEASE)
        with pytest.raises(NotFound):
            queue.add_comment(s, world.sub, theirs, "hello")
        with pytest.raises(Forbidden):
            queue.record_reveal(s, world.sub, mine)


# -- ordering and filters ------------------------------------------------------------------

def test_queue_order_is_risk_then_age_then_id(world: World) -> None:
    low = world.submit(result("review", ("suggestive.text", 0.3)), kind="tagline")
    high = world.submit(BLOCK, kind="still")
    mid = world.submit(SUGGESTIVE, kind="synopsis")
    tie = world.submit(result("review", ("suggestive.text", 0.3)), kind="thumbnail")
    with Session(world.engine) as s:
        assert [i.id for i in queue.list_queue(s, world.alice)] == [high, mid, low, tie]
        assert [i.id for i in queue.list_queue(s, world.alice, limit=2, offset=1)] == [mid, low]


def test_filters(world: World) -> None:
    a = world.submit(MINOR)
    b = world.submit(SUGGESTIVE, title="t2", locale="fr")
    c = world.submit(BLOCK, kind="still", locale="fr")

    def ids(**kw: Any) -> set[int]:
        with Session(world.engine) as s:
            return {i.id for i in queue.list_queue(s, world.alice, QueueFilter(**kw),
                                                   now=T0 + dt.timedelta(days=3650))}

    assert ids(rule="minor.apparent") == {a}
    assert ids(rule="exposure.belly.exposed") == {a, c}
    assert ids(rule="suggestive_copy") == {b}
    assert ids(rule="minor") == set()  # whole elements only
    assert ids(rule="minor_apparent") == set()  # "_" is not a wildcard
    assert ids(title_id="t2") == {b}
    assert ids(locale="fr") == {b, c}
    assert ids(title_id="t1", locale="fr") == {c}
    assert ids(older_than_hours=1) == {a, b, c}
    world.review(world.alice, b, "reject")
    assert ids() == {a, c}
    assert ids(state="rejected") == {b}
    assert ids(state="all") == {a, b, c}
    with pytest.raises(InputError):
        ids(state="nonsense")
    with Session(world.engine) as s:
        assert queue.list_queue(s, world.alice, QueueFilter(older_than_hours=1)) == []


# -- claims and leases ---------------------------------------------------------------------

def test_claim_next_follows_queue_order_and_skips_held_items(world: World) -> None:
    low = world.submit(SUGGESTIVE, kind="tagline")
    high = world.submit(BLOCK, kind="still")
    assert world.claim(world.alice) == high
    assert world.claim(world.bob) == low
    with pytest.raises(NotFound):
        world.claim(world.sen)
    item = world.item(high)
    assert item.state == "claimed" and item.claimed_by == world.alice.user_id
    assert item.lease_expires_at is not None
    assert item.lease_expires_at.replace(tzinfo=dt.UTC) == T0 + dt.timedelta(seconds=LEASE)
    assert world.events(high)[-1][:2] == ("claim", "user:alice")


def test_a_held_item_cannot_be_claimed_by_another(world: World) -> None:
    item_id = world.submit(SUGGESTIVE)
    world.claim(world.alice, item_id)
    with pytest.raises(ReviewConflict, match="claimed by alice"):
        world.claim(world.bob, item_id)
    world.claim(world.alice, item_id)  # renewing one's own lease is fine
    assert world.item(item_id).claimed_by == world.alice.user_id


def test_lease_expiry_lets_another_reviewer_take_over(world: World) -> None:
    item_id = world.submit(SUGGESTIVE)
    world.claim(world.alice, item_id)
    later = T0 + dt.timedelta(seconds=LEASE + 1)
    assert world.claim(world.bob, now=later) == item_id
    with pytest.raises(ReviewConflict, match="claim item"):
        world.decide(world.alice, item_id, "approve", now=later)
    types = [e[0] for e in world.events(item_id)]
    assert types[-2:] == ["release", "claim"]
    assert world.events(item_id)[-2][2] == {"reason": "lease expired", "held_by": "alice"}


def test_decide_after_own_lease_lapsed_is_refused(world: World) -> None:
    item_id = world.submit(SUGGESTIVE)
    world.claim(world.alice, item_id)
    with pytest.raises(ReviewConflict, match="expired"):
        world.decide(world.alice, item_id, "approve", now=T0 + dt.timedelta(seconds=LEASE))


def test_expire_leases_and_release(world: World) -> None:
    a = world.submit(SUGGESTIVE)
    b = world.submit(BLOCK, kind="still")
    world.claim(world.alice, a)
    world.claim(world.bob, b, now=T0 + dt.timedelta(seconds=100))
    with session_scope(world.engine) as s:
        assert queue.expire_leases(s, now=T0 + dt.timedelta(seconds=LEASE + 50)) == 1
    assert world.item(a).state == "queued" and world.item(a).claimed_by is None
    assert world.item(b).state == "claimed"
    assert world.events(a)[-1] == ("release", "system",
                                   {"reason": "lease expired", "held_by": "alice"})
    with session_scope(world.engine) as s, pytest.raises(ReviewConflict, match="do not hold"):
        queue.release(s, world.alice, b)
    with session_scope(world.engine) as s:
        assert queue.release(s, world.bob, b).state == "queued"
    assert world.events(b)[-1] == ("release", "user:bob", {"reason": "released"})


def test_conditional_update_refuses_a_stale_claim(world: World) -> None:
    """A session that read the item before someone else claimed it still cannot take it: the
    UPDATE's WHERE clause, not the Python check on the stale object, decides."""
    item_id = world.submit(SUGGESTIVE)
    stale = Session(world.engine, expire_on_commit=False)
    try:
        seen = stale.get(ReviewItem, item_id)
        assert seen is not None and seen.state == "queued"
        stale.commit()  # ends the read transaction; the object keeps its (soon stale) state
        world.claim(world.alice, item_id)
        assert seen.state == "queued"
        with pytest.raises(ReviewConflict, match="claimed by alice"):
            queue.claim(stale, world.bob, item_id, lease_seconds=LEASE, now=T0)
        stale.rollback()
    finally:
        stale.close()
    assert world.item(item_id).claimed_by == world.alice.user_id


def test_own_submission_cannot_be_claimed_or_decided(world: World) -> None:
    item_id = world.submit(SUGGESTIVE, actor=world.alice)
    with pytest.raises(ReviewConflict, match="own submission"):
        world.claim(world.alice, item_id)
    with pytest.raises(NotFound):
        world.claim(world.alice)  # claim-next skips it
    assert world.claim(world.bob) == item_id


# -- outcomes ------------------------------------------------------------------------------

def test_single_review_decides_and_announces(world: World) -> None:
    with session_scope(world.engine) as s:
        s.add(WebhookSubscription(url="http://127.0.0.1:9/hook", secret="s", events=["decision"]))
    item_id = world.submit(SUGGESTIVE)
    with pytest.raises(ReviewConflict, match="claim item"):
        world.decide(world.alice, item_id, "approve")
    item = world.review(world.alice, item_id, "approve", reason="fine in context")
    assert item.state == "approved" and item.decided_at is not None and item.claimed_by is None
    assert [e[0] for e in world.events(item_id)][-3:] == ["claim", "review", "decision"]
    assert world.events(item_id)[-1][2]["reviewers"] == ["alice"]
    with Session(world.engine) as s:
        (delivery,) = s.scalars(select(WebhookDelivery)).all()
        data = json.loads(delivery.payload)["data"]
    assert data["item_id"] == item_id and data["outcome"] == "approve"
    assert data["title_id"] == "t1" and data["reviewers"] == ["alice"]
    assert data["asset"] == {"kind": "key_art", "locale": "en", "channel": "web"}
    assert data["screening_decision"] == "review" and data["policy_version"] == "default@3"
    with pytest.raises(ReviewConflict, match="approved"):
        world.claim(world.bob, item_id)


@pytest.mark.parametrize(("outcome", "state"), [("reject", "rejected"),
                                                ("request_changes", "changes_requested")])
def test_other_outcomes(world: World, outcome: str, state: str) -> None:
    item_id = world.submit(SUGGESTIVE)
    item = world.review(world.alice, item_id, outcome, comment="crop the tagline")
    assert item.state == state
    assert world.events(item_id)[-1][0] == "comment"
    with Session(world.engine) as s:
        (comment,) = s.scalars(select(Comment)).all()
        assert comment.body == "crop the tagline"


def test_decisions_raise_domain_events_after_commit(world: World) -> None:
    world.bus = EventBus()
    got: list[events.DomainEvent] = []
    world.bus.subscribe(events.VersionEvent, got.append)
    approved = world.submit(SUGGESTIVE)
    world.review(world.alice, approved, "approve")
    rejected = world.submit(SUGGESTIVE)
    world.review(world.bob, rejected, "reject", reason="too suggestive")
    two = world.submit(MINOR)
    world.review(world.sen, two, "reject", reason="a child, exposed")
    assert len(got) == 3  # a two-person round's first review decides nothing
    world.review(world.sen2, two, "reject", reason="agreed")
    decided = [e for e in got if isinstance(e, events.VersionDecided)]
    assert [(e.item_id, e.outcome, e.reviewers) for e in decided] == [
        (approved, "approve", ("alice",)), (rejected, "reject", ("bob",)),
        (two, "reject", ("sen", "sen2"))]
    assert [type(e).__name__ for e in got] == ["VersionDecided", "VersionDecided",
                                               "VersionRejected", "VersionDecided",
                                               "VersionRejected"]
    first = decided[0]
    assert first.at == T0 and first.title_id == "t1"
    assert first.screening_decision == "review" and first.policy_version == "default@3"
    with Session(world.engine) as s:
        item = s.get_one(ReviewItem, approved)
        assert (first.version_id, first.asset_id) == (item.version_id, item.version.asset_id)
    rejection = got[2]
    assert isinstance(rejection, events.VersionRejected)
    assert (rejection.item_id, rejection.reason) == (rejected, "too suggestive")


def test_a_failing_subscriber_does_not_break_the_decision(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    with session_scope(world.engine) as s:
        s.add(WebhookSubscription(url="http://127.0.0.1:9/hook", secret="s", events=["decision"]))
    world.bus = EventBus()

    def bank(event: events.VersionRejected) -> None:
        raise RuntimeError("the hash bank is down")

    world.bus.subscribe(events.VersionRejected, bank)
    item_id = world.submit(SUGGESTIVE)
    with caplog.at_level(logging.ERROR, logger="clearance.events"):
        item = world.review(world.alice, item_id, "reject", reason="no")
    assert item.state == "rejected" and "the hash bank is down" in caplog.text
    assert world.item(item_id).state == "rejected"
    assert world.events(item_id)[-1][0] == "decision"
    with Session(world.engine) as s:
        assert len(s.scalars(select(WebhookDelivery)).all()) == 1  # the outbox still wrote


def test_the_outbox_is_atomic_with_the_decision(world: World) -> None:
    """An in-transaction subscriber that fails takes the decision down with it: no decision
    without its deliveries (and the other way round)."""
    with session_scope(world.engine) as s:
        s.add(WebhookSubscription(url="http://127.0.0.1:9/hook", secret="s", events=["decision"]))
    world.bus = EventBus()

    def broken_outbox(session: Session, event: events.VersionDecided) -> None:
        raise RuntimeError("the outbox table is full")

    world.bus.subscribe_in_transaction(events.VersionDecided, broken_outbox)
    item_id = world.submit(SUGGESTIVE)
    world.claim(world.alice, item_id)
    with pytest.raises(RuntimeError, match="outbox"):
        world.decide(world.alice, item_id, "approve")
    assert world.item(item_id).state == "claimed"
    assert [e[0] for e in world.events(item_id)][-1] == "claim"
    with Session(world.engine) as s:
        assert s.scalars(select(WebhookDelivery)).all() == []
    world.bus = None  # the built-in outbox alone: the decision and its delivery, together
    world.decide(world.alice, item_id, "approve")
    with Session(world.engine) as s:
        assert len(s.scalars(select(WebhookDelivery)).all()) == 1


def test_request_changes_needs_a_comment_and_outcomes_are_checked(world: World) -> None:
    item_id = world.submit(SUGGESTIVE)
    world.claim(world.alice, item_id)
    with pytest.raises(InputError, match="comment"):
        world.decide(world.alice, item_id, "request_changes")
    with pytest.raises(InputError, match="outcome"):
        world.decide(world.alice, item_id, "maybe")
    assert world.item(item_id).state == "claimed"


# -- overrides -----------------------------------------------------------------------------

def test_approving_a_block_needs_a_senior_and_a_reason(world: World) -> None:
    item_id = world.submit(BLOCK)
    world.claim(world.alice, item_id)
    with pytest.raises(ReviewConflict, match="senior"):
        world.decide(world.alice, item_id, "approve", reason="looks fine")
    world.decide(world.alice, item_id, "reject")  # rejecting a block needs no senior
    assert world.item(item_id).state == "rejected"

    other = world.submit(BLOCK, kind="still")
    world.claim(world.sen, other)
    with pytest.raises(ReviewConflict, match="reason"):
        world.decide(world.sen, other, "approve", reason="   ")
    item = world.decide(world.sen, other, "approve", reason="belly of a cartoon turnip")
    assert item.state == "approved"
    events = world.events(other)
    assert [e[0] for e in events][-3:] == ["review", "decision", "override"]
    assert events[-1][2]["reasons"] == ["belly of a cartoon turnip"]
    assert events[-1][1] == "user:sen"


# -- the two-person rule -------------------------------------------------------------------

def test_two_person_rule_concurring_senior_second_review(world: World) -> None:
    item_id = world.submit(result("review", ("minor.apparent", 0.6)))
    item = world.review(world.alice, item_id, "reject", reason="apparent child")
    assert item.state == "queued" and item.decided_at is None
    with Session(world.engine) as s:
        assert queue.awaiting_senior(queue.get_item(s, world.alice, item_id))
    # a non-senior can neither claim it by id nor get it from claim-next
    with pytest.raises(ReviewConflict, match="senior"):
        world.claim(world.bob, item_id)
    with pytest.raises(NotFound):
        world.claim(world.bob)
    with pytest.raises(ReviewConflict, match="first review"):
        world.claim(world.alice, item_id)
    assert world.claim(world.sen) == item_id
    item = world.decide(world.sen, item_id, "reject")
    assert item.state == "rejected"
    with Session(world.engine) as s:
        reviews = s.scalars(select(Review).where(Review.item_id == item_id)
                            .order_by(Review.id)).all()
        assert [(r.outcome, r.final) for r in reviews] == [("reject", False), ("reject", True)]
    types = [e[0] for e in world.events(item_id)]
    assert types.count("review") == 2 and types[-1] == "decision"
    assert world.events(item_id)[-1][2]["reviewers"] == ["alice", "sen"]


def test_two_person_rule_disagreement_starts_a_new_round(world: World) -> None:
    item_id = world.submit(MINOR)
    world.review(world.alice, item_id, "reject")
    item = world.review(world.sen, item_id, "request_changes", comment="recrop")
    assert item.state == "queued" and not item.reviews[-1].final
    with Session(world.engine) as s:
        assert not queue.awaiting_senior(queue.get_item(s, world.bob, item_id))
    # a new round: anyone may give its first review, a senior (other than them) the second
    world.review(world.bob, item_id, "reject")
    with pytest.raises(ReviewConflict):
        world.claim(world.alice, item_id)
    item = world.review(world.sen2, item_id, "reject")
    assert item.state == "rejected"
    assert [r.final for r in world.item(item_id).reviews] == [False, False, False, True]
    assert world.events(item_id)[-1][2]["reviewers"] == ["bob", "sen2"]


def test_two_person_rule_senior_first_review_still_needs_a_second_senior(world: World) -> None:
    item_id = world.submit(MINOR)
    world.review(world.sen, item_id, "reject")
    assert world.item(item_id).state == "queued"
    with pytest.raises(ReviewConflict, match="first review"):
        world.claim(world.sen, item_id)
    with Session(world.engine) as s:
        with pytest.raises(NotFound):
            queue.claim(s, world.sen, lease_seconds=LEASE, now=T0)
        assert queue.claim(s, world.sen2, lease_seconds=LEASE, now=T0).id == item_id


def test_two_person_override_of_a_block_needs_two_seniors_with_reasons(world: World) -> None:
    item_id = world.submit(MINOR)
    world.claim(world.alice, item_id)
    with pytest.raises(ReviewConflict, match="senior"):
        world.decide(world.alice, item_id, "approve", reason="adult actor")
    with session_scope(world.engine) as s:
        queue.release(s, world.alice, item_id)
    world.review(world.sen, item_id, "approve", reason="cast member is 24 (see cast)")
    world.claim(world.sen2, item_id)
    with pytest.raises(ReviewConflict, match="reason"):
        world.decide(world.sen2, item_id, "approve")
    item = world.decide(world.sen2, item_id, "approve", reason="agree, adult")
    assert item.state == "approved"
    override = world.events(item_id)[-1]
    assert override[0] == "override"
    assert override[2]["reviewers"] == ["sen", "sen2"]
    assert override[2]["reasons"] == ["cast member is 24 (see cast)", "agree, adult"]


# -- comments, reveals, context ------------------------------------------------------------

def test_comments_and_reveals_are_audited(world: World) -> None:
    item_id = world.submit(SUGGESTIVE)
    with session_scope(world.engine) as s:
        queue.add_comment(s, world.alice, item_id, "which market is this for?")
        queue.add_comment(s, world.sub, item_id, "  France only  ")
        with pytest.raises(InputError):
            queue.add_comment(s, world.sub, item_id, "   ")
        queue.record_reveal(s, world.alice, item_id)
    events = world.events(item_id)[-3:]
    assert [(e[0], e[1]) for e in events] == [("comment", "user:alice"), ("comment", "user:sub"),
                                               ("reveal", "user:alice")]
    assert events[1][2]["body"] == "France only"


def test_item_context(world: World) -> None:
    first = world.submit(SUGGESTIVE, shoot=dt.date(2024, 5, 31))
    world.review(world.alice, first, "request_changes", comment="too suggestive")
    second = world.submit(MINOR, shoot=dt.date(2024, 6, 1))
    synopsis = world.submit(SUGGESTIVE, kind="synopsis")
    with Session(world.engine) as s:
        ctx = queue.item_context(s, world.bob, second)
        sub_ctx = queue.item_context(s, world.sub, second)
    assert ctx["title"] == {"id": "t1", "name": "Night Garden", "rating": "PG-13"}
    (ann,) = ctx["cast"]
    assert ann["name"] == "Ann Young" and ann["age_at_shoot"] == 14
    assert ann["age_now"] >= 14
    assert [h["state"] for h in ctx["history"]] == ["changes_requested", "queued"]
    assert ctx["history"][0]["reviews"][0]["reviewer"] == "alice"
    assert ctx["history"][1]["current"] is True
    assert [(o["kind"], o["item_id"], o["state"]) for o in ctx["other_assets"]] == [
        ("synopsis", synopsis, "queued")]
    assert sub_ctx["history"][0]["reviews"][0]["reviewer"] is None
    assert ctx["comments"] == []
    with Session(world.engine) as s:
        assert queue.item_context(s, world.bob, first)["comments"][0]["body"] == "too suggestive"


def test_docs_describe_every_state_outcome_and_filter() -> None:
    from pathlib import Path

    from clearance.storage.review_models import ITEM_STATES, OUTCOMES

    text = (Path(__file__).resolve().parents[1] / "docs" / "review.md").read_text("utf-8")
    for word in (*ITEM_STATES, *OUTCOMES, "rule", "title", "locale", "older_than_hours",
                 "CLEARANCE_REVIEW_LEASE_SECONDS"):
        assert f"`{word}`" in text, f"docs/review.md does not mention `{word}`"
