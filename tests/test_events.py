"""Domain events on SQLite and PostgreSQL: delivered after the commit and never after a rollback
(nor from a rolled-back savepoint), in-transaction handlers writing in the change's own
transaction, a failing subscriber that leaves the change alone, and the docs listing every
event type. (Decisions raising them, and their webhooks: test_queue.py.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clearance import events
from clearance.errors import RegistryError
from clearance.events import EventBus, VersionEvent, VersionRejected, VersionWithdrawn
from clearance.review import audit
from clearance.review.audit import Subject
from clearance.storage import session_scope
from clearance.storage.review_models import AuditEvent, Team

DOCS = Path(__file__).resolve().parents[1] / "docs"
AT = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def withdrawn(version_id: int) -> VersionWithdrawn:
    return VersionWithdrawn(version_id=version_id, asset_id=1, title_id="t1", at=AT,
                            reason="backlash", by="user:ada")


def rejected(version_id: int) -> VersionRejected:
    return VersionRejected(version_id=version_id, asset_id=1, title_id="t1", at=AT, item_id=9,
                           reason="")


class Seen:
    """An after-commit subscriber that records what it got and whether the change was visible
    to another connection by then (it must be: the handler runs after the commit)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.got: list[events.DomainEvent] = []
        self.teams_visible: list[int] = []

    def __call__(self, event: events.DomainEvent) -> None:
        with Session(self.engine) as other:
            self.teams_visible.append(other.scalar(select(func.count(Team.id))) or 0)
        self.got.append(event)


def test_after_commit_handlers_run_once_the_change_is_committed(engine: Engine) -> None:
    bus = EventBus()
    seen = Seen(engine)
    bus.subscribe(VersionWithdrawn, seen)
    with session_scope(engine, bus=bus) as session:
        session.add(Team(id="studio", name="Studio"))
        events.emit(session, withdrawn(1))
        session.flush()
        assert seen.got == []  # nothing before the commit
    assert seen.got == [withdrawn(1)]
    assert seen.teams_visible == [1]


def test_nothing_is_delivered_when_the_transaction_rolls_back(engine: Engine) -> None:
    bus = EventBus()
    after: list[events.DomainEvent] = []
    during: list[events.DomainEvent] = []
    bus.subscribe(VersionEvent, after.append)
    bus.subscribe_in_transaction(VersionEvent, lambda _s, e: during.append(e))
    with pytest.raises(RuntimeError), session_scope(engine, bus=bus) as session:
        events.emit(session, withdrawn(1))
        raise RuntimeError("the change failed")
    assert after == [] and during == []
    with session_scope(engine, bus=bus) as session:  # the same bus goes on working
        events.emit(session, withdrawn(2))
    assert after == during == [withdrawn(2)]


def test_a_rolled_back_savepoint_drops_its_events_and_audit_records(engine: Engine) -> None:
    bus = EventBus()
    got: list[events.DomainEvent] = []
    bus.subscribe(VersionEvent, got.append)

    def note(i: int) -> audit.Commented:
        return audit.Commented(subject=Subject.item(i), comment_id=i, body=f"n{i}")

    with session_scope(engine, bus=bus) as session:
        events.emit(session, withdrawn(1))
        audit.record(session, note(1), actor="system")
        with pytest.raises(RuntimeError), session.begin_nested():
            events.emit(session, withdrawn(2))
            audit.record(session, note(2), actor="system")
            with session.begin_nested():  # committed, but inside the one that rolls back
                events.emit(session, withdrawn(3))
                audit.record(session, note(3), actor="system")
            raise RuntimeError("this part failed")
        with session.begin_nested():
            events.emit(session, withdrawn(4))
            audit.record(session, note(4), actor="system")
    assert [e.version_id for e in got if isinstance(e, VersionWithdrawn)] == [1, 4]
    with session_scope(engine) as session:
        rows = list(audit.iter_events(session))
        assert audit.verify(session).ok
    assert [r.subject for r in rows] == ["item:1", "item:4"]


def test_a_failing_after_commit_handler_is_logged_and_the_change_kept(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    got: list[events.DomainEvent] = []

    def broken(event: VersionRejected) -> None:
        raise OSError("the bank's index is on a full disk")

    bus.subscribe(VersionRejected, broken)
    bus.subscribe(VersionRejected, got.append)  # later subscribers still run
    with caplog.at_level(logging.ERROR, logger="clearance.events"), \
            session_scope(engine, bus=bus) as session:
        session.add(Team(id="studio", name="Studio"))
        events.emit(session, rejected(5))
    assert got == [rejected(5)]
    assert "after-commit handler" in caplog.text and "version.rejected" in caplog.text
    assert "full disk" in caplog.text
    with Session(engine) as session:
        assert session.get(Team, "studio") is not None


def test_in_transaction_handlers_write_with_the_change_and_can_refuse_it(engine: Engine
                                                                          ) -> None:
    bus = EventBus()

    def outbox(session: Session, event: VersionWithdrawn) -> None:
        if event.reason == "refuse":
            raise RegistryError("refused by a subscriber")
        session.add(Team(id=f"v{event.version_id}", name=event.reason))
        # what an in-transaction handler records or emits is handled in the same commit
        audit.record(session, audit.Commented(subject=Subject.item(event.version_id),
                                              comment_id=1, body="x"), actor="system")
        events.emit(session, rejected(event.version_id))

    after: list[events.DomainEvent] = []
    bus.subscribe_in_transaction(VersionWithdrawn, outbox)
    bus.subscribe(VersionEvent, after.append)
    with session_scope(engine, bus=bus) as session:
        events.emit(session, withdrawn(7))
        assert session.get(Team, "v7") is None  # not before the commit
    assert after == [withdrawn(7), rejected(7)]
    with pytest.raises(RegistryError), session_scope(engine, bus=bus) as session:
        session.add(Team(id="kept-out", name="x"))
        events.emit(session, VersionWithdrawn(version_id=8, asset_id=1, title_id="t1", at=AT,
                                              reason="refuse", by="system"))
    with Session(engine) as session:
        assert session.get(Team, "v7") is not None
        assert session.get(Team, "kept-out") is None  # the refusal rolled the change back
        assert [e.subject for e in session.scalars(select(AuditEvent))] == ["item:7"]
    assert after == [withdrawn(7), rejected(7)]


def test_a_session_without_a_bus_gets_one_with_the_builtins(engine: Engine) -> None:
    with session_scope(engine) as session:
        events.emit(session, withdrawn(1))
        bus = events.bus_of(session)
        assert isinstance(bus, EventBus) and bus is events.bus_of(session)
    assert EventBus()._in_transaction  # the webhook outbox
    assert not EventBus(builtins=False)._in_transaction


def test_refusals_are_registry_errors(engine: Engine) -> None:
    bus = EventBus(builtins=False)
    with pytest.raises(RegistryError, match="not a DomainEvent"):
        bus.subscribe(str, print)  # type: ignore[arg-type]
    with pytest.raises(RegistryError, match="not a domain event"), \
            session_scope(engine) as session:
        events.emit(session, "version.rejected")  # type: ignore[arg-type]
    with pytest.raises(RegistryError, match=r"'version\.rejected' is already taken"):
        class Again(VersionEvent):
            name = "version.rejected"
    with pytest.raises(RegistryError, match="needs a name"):
        class Nameless(VersionEvent):
            pass


def _section(doc: str, heading: str) -> str:
    return doc.split(f"### {heading}", 1)[1].split("\n### ", 1)[0]


def test_every_event_type_and_field_is_documented() -> None:
    doc = (DOCS / "events.md").read_text("utf-8")
    documented = set(re.findall(r"^### `(\w+)` \(`([a-z.]+)`\)", doc, re.M))
    common = _section(doc, "Every version event")
    shared = {f.name for f in dataclasses.fields(VersionEvent)}
    for event_type in events.event_types():
        assert (event_type.__name__, event_type.name) in documented, \
            f"{event_type.__name__} ({event_type.name}) missing from docs/events.md"
        own = _section(doc, f"`{event_type.__name__}`")
        for field in dataclasses.fields(event_type):
            where = common if field.name in shared else own
            assert f"| `{field.name}` |" in where, \
                f"{event_type.__name__}.{field.name} undocumented"
