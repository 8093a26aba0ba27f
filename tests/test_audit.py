"""The audit chain: appends link, the database refuses edits, and an edit that gets past the
triggers (dropped by someone with DDL rights) is still found by ``verify`` and the CLI."""

from __future__ import annotations

import io
import itertools
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text
from sqlalchemy.engine.interfaces import CacheStats
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from clearance.cli.main import cli
from clearance.errors import AuditError, RegistryError
from clearance.review import audit
from clearance.review.audit import Subject
from clearance.storage import make_engine, session_scope, upgrade
from clearance.storage.review_models import GENESIS_HASH

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _note(i: int, body: str | None = None) -> audit.Commented:
    return audit.Commented(subject=Subject.item(i), comment_id=i, body=body or f"note {i} ß")


def _record_some(engine: Engine, n: int = 5) -> None:
    with session_scope(engine) as session:
        for i in range(1, n + 1):
            audit.record(session, _note(i), actor="user:alice")


def _drop_triggers(engine: Engine) -> None:
    """What an attacker with DDL rights would do before editing the log."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))


def _cli_verify(database_url: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["audit", "verify"],
                                env={"CLEARANCE_DATABASE_URL": database_url})
    return result.exit_code, result.output


def test_chain_links_each_event_to_the_previous(engine: Engine) -> None:
    _record_some(engine, 4)
    with session_scope(engine) as session:
        events = list(audit.iter_events(session))
        report = audit.verify(session)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in events}) == 4
    assert report.ok and report.checked == 4
    # the stored hash is the documented formula over the canonical JSON
    e = events[1]
    assert e.hash == audit.event_hash(e.prev_hash, e.seq, e.at, e.type, e.actor, e.subject,
                                      e.data)
    assert e.data == '{"body":"note 2 ß","comment_id":2}'
    assert e.type == "comment" and e.subject == "item:2"
    assert audit.subject_of(e) == Subject("item", "2")
    assert audit.subject_of(e).number == 2


def test_record_refuses_what_is_not_a_typed_event(engine: Engine) -> None:
    with session_scope(engine) as session:
        with pytest.raises(AuditError, match="not an audit event type"):
            audit.record(session, "comment", actor="system")  # type: ignore[arg-type]
        with pytest.raises(AuditError, match="needs an actor"):
            audit.record(session, _note(1), actor="")
    with pytest.raises(AuditError, match="is about a item, not user:alice"):
        audit.Commented(subject=Subject.user("alice"), comment_id=1, body="x")
    with pytest.raises(AuditError, match="base class"):
        audit.AuditEvent(subject=Subject.item(1))
    with pytest.raises(AuditError, match="expected kind:id"):
        Subject.parse("item12")
    with pytest.raises(AuditError, match="subject id"):
        Subject("item", "")
    with session_scope(engine) as session:
        assert audit.verify(session).checked == 0


def test_a_second_event_type_with_a_taken_name_is_refused() -> None:
    with pytest.raises(RegistryError, match="'comment' is already taken"):
        class Again(audit.AuditEvent):
            name = "comment"
            subject_kind = "item"
    with pytest.raises(RegistryError, match="needs a name"):
        class Nameless(audit.AuditEvent):
            subject_kind = "item"
    assert audit.event_names().count("comment") == 1


#: Every event type with the subject and data that the string-typed API stored for the same
#: change: typed events keep stored rows byte-identical, so old chains verify and exports keep
#: their shape.
_STORED_AS: list[tuple[audit.AuditEvent, str, dict[str, object]]] = [
    (audit.Submitted(subject=Subject.item(3), version_id=7, asset_id=2, title_id="t1",
                     kind="key_art", locale="fr-FR", channel="web", sha256="ab", team_id=None),
     "item:3", {"version_id": 7, "asset_id": 2, "title_id": "t1", "kind": "key_art",
                "locale": "fr-FR", "channel": "web", "sha256": "ab", "team_id": None}),
    (audit.Screened(subject=Subject.item(3), decision="block", policy_version="default@3",
                    labels=("minor.known",), rules=("known_minor",), risk=2.9, needs_two=True,
                    state="queued"),
     "item:3", {"decision": "block", "policy_version": "default@3", "labels": ["minor.known"],
                "rules": ["known_minor"], "risk": 2.9, "needs_two": True, "state": "queued"}),
    (audit.Claimed(subject=Subject.item(3), lease_expires_at="2026-01-01T00:00:00.000000Z"),
     "item:3", {"lease_expires_at": "2026-01-01T00:00:00.000000Z"}),
    (audit.Claimed(subject=Subject.item(3), lease_expires_at="x", renewed=True),
     "item:3", {"lease_expires_at": "x", "renewed": True}),
    (audit.Released(subject=Subject.item(3), reason="released"), "item:3",
     {"reason": "released"}),
    (audit.Released(subject=Subject.item(3), reason="lease expired", held_by=None), "item:3",
     {"reason": "lease expired", "held_by": None}),
    (audit.Revealed(subject=Subject.item(3), version_id=7), "item:3", {"version_id": 7}),
    (audit.Reviewed(subject=Subject.item(3), review_id=1, outcome="reject", reason="",
                    step="first", final=False),
     "item:3", {"review_id": 1, "outcome": "reject", "reason": "", "step": "first",
                "final": False}),
    (audit.Decided(subject=Subject.item(3), outcome="reject", state="rejected",
                   reviewers=("bob", "carol"), screening_decision="block", reason="r"),
     "item:3", {"outcome": "reject", "state": "rejected", "reviewers": ["bob", "carol"],
                "screening_decision": "block", "reason": "r"}),
    (audit.Overridden(subject=Subject.item(3), screening_decision="block", outcome="approve",
                      reviewers=("carol",), reasons=("art, not a child",)),
     "item:3", {"screening_decision": "block", "outcome": "approve", "reviewers": ["carol"],
                "reasons": ["art, not a child"]}),
    (audit.Commented(subject=Subject.item(3), comment_id=4, body="b"), "item:3",
     {"comment_id": 4, "body": "b"}),
    (audit.UserCreated(subject=Subject.user("alice"), role="reviewer", team_id="mkt",
                       display_name="Alice", has_password=True),
     "user:alice", {"role": "reviewer", "team_id": "mkt", "display_name": "Alice",
                    "has_password": True}),
    (audit.RoleChanged(subject=Subject.user("alice"), old="reviewer", new="admin"),
     "user:alice", {"from": "reviewer", "to": "admin"}),
    (audit.UserUpdated(subject=Subject.user("alice"), changed="password"), "user:alice",
     {"changed": "password"}),
    (audit.UserUpdated(subject=Subject.user("alice"), changed="active", value=False),
     "user:alice", {"changed": "active", "active": False}),
    (audit.UserUpdated(subject=Subject.user("alice"), changed="blur_images", value=True),
     "user:alice", {"changed": "blur_images", "blur_images": True}),
    (audit.TokenIssued(subject=Subject.token(5), user="alice", token_name="ci",
                       prefix="clr_abcdefgh", expires_at=None),
     "token:5", {"user": "alice", "name": "ci", "prefix": "clr_abcdefgh", "expires_at": None}),
    (audit.TokenRevoked(subject=Subject.token(5), user="alice", token_name="ci",
                        prefix="clr_abcdefgh"),
     "token:5", {"user": "alice", "name": "ci", "prefix": "clr_abcdefgh"}),
    (audit.WebhookSubscribed(subject=Subject.webhook(1), url="https://x.test/h",
                             events=("decision",)),
     "webhook:1", {"url": "https://x.test/h", "events": ["decision"]}),
    (audit.WebhookUnsubscribed(subject=Subject.webhook(1), url="https://x.test/h"),
     "webhook:1", {"url": "https://x.test/h"}),
]


def test_every_event_type_of_the_string_api_has_a_stored_shape_case() -> None:
    string_api = {"submission", "screening", "claim", "release", "reveal", "review", "decision",
                  "override", "comment", "user.create", "user.role", "user.update",
                  "token.issue", "token.revoke", "webhook.subscribe", "webhook.unsubscribe"}
    assert {type(e).name for e, _, _ in _STORED_AS} == string_api
    assert string_api <= set(audit.event_names())


@pytest.mark.parametrize(("event", "subject", "data"), _STORED_AS,
                         ids=[f"{e.name}-{i}" for i, (e, _, _) in enumerate(_STORED_AS)])
def test_typed_events_store_what_the_string_api_stored(engine: Engine, event: audit.AuditEvent,
                                                       subject: str, data: dict[str, object]
                                                       ) -> None:
    with session_scope(engine) as session:
        audit.record(session, event, actor="system")
    with session_scope(engine) as session:
        [row] = audit.iter_events(session)
        assert audit.verify(session).ok
    assert (row.type, row.subject) == (event.name, subject)
    assert row.data == audit.canonical(data)
    assert audit.subject_of(row) == event.subject and str(event.subject) == subject


def test_record_rolls_back_with_its_transaction(engine: Engine) -> None:
    _record_some(engine, 2)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        audit.record(session, _note(9), actor="system")
        raise RuntimeError("the change failed")
    with session_scope(engine) as session:
        assert audit.verify(session).checked == 2
        audit.record(session, _note(9), actor="system")  # the chain goes on from event 2
    with session_scope(engine) as session:
        assert audit.verify(session).checked == 3


def test_update_and_delete_are_refused_by_the_trigger(engine: Engine) -> None:
    _record_some(engine, 2)
    with pytest.raises(DBAPIError, match=r"append-only \(UPDATE refused\)"), \
            engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET data = '{}' WHERE seq = 1"))
    with pytest.raises(DBAPIError, match=r"append-only \(DELETE refused\)"), \
            engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    with session_scope(engine) as session:
        assert audit.verify(session).ok


def test_edit_past_the_dropped_triggers_is_named(engine: Engine, database_url: str) -> None:
    _record_some(engine, 5)
    assert _cli_verify(database_url) == (0, "5 events, chain intact\n")
    _drop_triggers(engine)
    with engine.begin() as connection:
        changed = connection.execute(text("UPDATE audit_events SET data = :d WHERE seq = 3"),
                                     {"d": '{"body":"nothing to see","comment_id":3}'})
        assert changed.rowcount == 1
    with session_scope(engine) as session:
        report = audit.verify(session)
    assert not report.ok
    assert report.broken_seq == 3 and report.checked == 2
    assert report.problem is not None and "event 3" in report.problem
    assert "item:3" in report.problem and "altered" in report.problem
    code, output = _cli_verify(database_url)
    assert code == 1
    assert "audit chain broken at event 3:" in output


def test_recomputed_hash_still_breaks_the_next_link(engine: Engine) -> None:
    """A forger who also rewrites the edited row's hash breaks its successor's link instead."""
    _record_some(engine, 4)
    _drop_triggers(engine)
    with session_scope(engine) as session:
        e = next(ev for ev in audit.iter_events(session) if ev.seq == 2)
        forged_data = '{"body":"forged","comment_id":2}'
        forged = audit.event_hash(e.prev_hash, e.seq, e.at, e.type, e.actor, e.subject,
                                  forged_data)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET data = :d, hash = :h WHERE seq = 2"),
                           {"d": forged_data, "h": forged})
    with session_scope(engine) as session:
        report = audit.verify(session)
    assert report.broken_seq == 3
    assert report.problem is not None and "does not link" in report.problem


def test_deleted_event_is_named(engine: Engine, database_url: str) -> None:
    _record_some(engine, 5)
    _drop_triggers(engine)
    with engine.begin() as connection:
        assert connection.execute(text("DELETE FROM audit_events WHERE seq = 2")).rowcount == 1
    with session_scope(engine) as session:
        report = audit.verify(session)
    assert report.broken_seq == 2 and report.checked == 1
    assert report.problem is not None and "event 2 is missing" in report.problem
    code, output = _cli_verify(database_url)
    assert code == 1
    assert "audit chain broken at event 2: event 2 is missing" in output


def test_export_writes_json_lines(engine: Engine, database_url: str, tmp_path: Path) -> None:
    _record_some(engine, 3)
    out = io.StringIO()
    with session_scope(engine) as session:
        assert audit.export_jsonl(session, out, since=1) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["seq"] for e in lines] == [2, 3]
    assert set(lines[0]) == {"seq", "at", "type", "actor", "subject", "data", "prev_hash",
                             "hash"}
    assert lines[0]["data"] == {"body": "note 2 ß", "comment_id": 2}
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", lines[0]["at"])

    target = tmp_path / "audit.jsonl"
    result = CliRunner().invoke(cli, ["audit", "export", "-o", str(target)],
                                env={"CLEARANCE_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    assert [e["seq"] for e in exported] == [1, 2, 3]
    # an exported chain can be re-verified offline from its own fields
    prev = GENESIS_HASH
    for e in exported:
        assert e["prev_hash"] == prev
        prev = e["hash"]

    stdout = CliRunner().invoke(cli, ["audit", "export", "--since", "2"],
                                env={"CLEARANCE_DATABASE_URL": database_url})
    assert stdout.exit_code == 0
    assert [json.loads(x)["seq"] for x in stdout.stdout.splitlines()] == [3]


@pytest.mark.postgres
def test_concurrent_appends_never_fork_the_chain(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = make_engine(postgres_url, poolclass=NullPool)
    threads, per_thread = 8, 10
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with session_scope(engine) as session:
                    audit.record(session, audit.Claimed(subject=Subject.item(i),
                                                        lease_expires_at=f"w{worker}"),
                                 actor=f"user:r{worker}")
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=append, args=(w,)) for w in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(60)
    assert not errors
    with session_scope(engine) as session:
        events = list(audit.iter_events(session))
        report = audit.verify(session)
    engine.dispose()
    assert [e.seq for e in events] == list(range(1, threads * per_thread + 1))
    assert len({e.prev_hash for e in events}) == len(events)  # no two share a predecessor
    assert report.ok and report.checked == threads * per_thread


@pytest.mark.postgres
def test_the_lock_is_taken_at_the_commit_not_at_record(postgres_url: str) -> None:
    """A transaction that records an event and then works for seconds does not hold the audit
    lock meanwhile: another transaction's record-and-commit goes through at once, and the slow
    one's event is appended at its own commit, after it."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url, poolclass=NullPool)
    recorded, finished = threading.Event(), threading.Event()

    def slow() -> None:
        with session_scope(engine) as session:
            audit.record(session, _note(1), actor="user:uploader")
            recorded.set()
            finished.wait(4.0)  # the rest of the request's work
        finished.set()

    worker = threading.Thread(target=slow)
    worker.start()
    try:
        assert recorded.wait(30)
        started = time.monotonic()
        with session_scope(engine) as session:
            audit.record(session, audit.Claimed(subject=Subject.item(2), lease_expires_at="x"),
                         actor="user:reviewer")
        waited = time.monotonic() - started
        slow_still_open = not finished.is_set()
    finally:
        finished.set()
        worker.join(30)
    with session_scope(engine) as session:
        rows = list(audit.iter_events(session))
        assert audit.verify(session).ok
    engine.dispose()
    assert slow_still_open and waited < 1.0, f"the second append waited {waited:.2f} s"
    assert [(r.seq, r.type) for r in rows] == [(1, "claim"), (2, "comment")]
    assert rows[0].at < rows[1].at  # ``at`` is the append time, so it rises with seq


def test_events_of_one_transaction_are_appended_together_at_its_commit(engine: Engine) -> None:
    with session_scope(engine) as session:
        audit.record(session, _note(1), actor="system")
        audit.record(session, _note(2), actor="system")
        assert list(audit.iter_events(session)) == []  # not yet: at the commit
    with session_scope(engine) as session:
        audit.record(session, _note(3), actor="system")
        session.commit()  # a session used for two transactions appends at each commit
        audit.record(session, _note(4), actor="system")
        session.rollback()
        audit.record(session, _note(5), actor="system")
    with session_scope(engine) as session:
        assert [r.subject for r in audit.iter_events(session)] == [
            "item:1", "item:2", "item:3", "item:5"]
        assert audit.verify(session).ok


def test_every_event_type_is_documented() -> None:
    doc = (DOCS / "audit.md").read_text("utf-8")
    for event_type in audit.event_types():
        assert f"| `{event_type.name}` | `{event_type.subject_kind}:" in doc, \
            f"{event_type.name} ({event_type.__name__}) missing from docs/audit.md's table"


def test_the_documented_offline_check_accepts_an_export(engine: Engine, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    """docs/audit.md's Python snippet re-verifies an export with nothing but the formula."""
    _record_some(engine, 3)
    with session_scope(engine) as session, (tmp_path / "audit.jsonl").open("w") as out:
        audit.export_jsonl(session, out)
        head = audit.verify(session)
    assert head.ok
    doc = (DOCS / "audit.md").read_text("utf-8")
    snippet = re.search(r"```python\n(.*?)```", doc, re.S)
    assert snippet is not None
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet.group(1), "docs/audit.md", "exec"), {})
    assert capsys.readouterr().out.startswith("intact; head ")


def test_the_commit_trigger_takes_the_lock_class_of_this_module() -> None:
    """Migration 0012's trigger appends on PostgreSQL; it must serialise on the same advisory
    lock class as the rest of this module documents."""
    migration = (Path(audit.__file__).parents[1] / "storage" / "migrations" / "versions"
                 / "0012_audit_pending.py").read_text("utf-8")
    assert f"pg_advisory_xact_lock({audit._PG_LOCK_CLASS}, hashtext(current_schema()))" \
        in migration


@pytest.mark.postgres
def test_the_database_hashes_awkward_text_exactly_as_python_does(postgres_url: str) -> None:
    """The trigger hashes JSON that Python escaped: quotes, backslashes, newlines, control
    characters and non-ASCII in the actor, subject and data must give the hash that
    ``audit.verify`` recomputes, and the pending table is empty after the commit."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url, poolclass=NullPool)
    odd = 'é "quoted" \\ back\nline\ttab \x01 ☃ 😀'
    with session_scope(engine) as session:
        audit.record(session, audit.Commented(subject=Subject.item(7), comment_id=1, body=odd),
                     actor='user:zoë "z"')
        audit.record(session, _note(8), actor="system")
    with session_scope(engine) as session:
        rows = list(audit.iter_events(session))
        report = audit.verify(session)
        pending = session.execute(text("SELECT count(*) FROM audit_pending")).scalar()
    engine.dispose()
    assert [r.subject for r in rows] == ["item:7", "item:8"]
    assert json.loads(rows[0].data)["body"] == odd and rows[0].actor == 'user:zoë "z"'
    assert report.ok and report.checked == 2, report
    assert pending == 0


@pytest.mark.parametrize("count", [1, 3, 8, 9, 30])
def test_a_transactions_events_keep_their_order_however_many(engine: Engine,
                                                             count: int) -> None:
    """On PostgreSQL up to eight pending events go in as one multi-row ``INSERT``, more as a
    batch; either way the chain holds them in the order they were recorded."""
    with session_scope(engine) as session:
        for n in range(1, count + 1):
            audit.record(session, _note(n), actor="system")
    with session_scope(engine) as session:
        assert [r.subject for r in audit.iter_events(session)] == [
            f"item:{n}" for n in range(1, count + 1)]
        assert audit.verify(session).ok


@pytest.mark.postgres
def test_the_pending_insert_is_compiled_once(postgres_url: str) -> None:
    """The pending events' ``INSERT`` comes from SQLAlchemy's compiled cache after its first
    use (a multi-row ``insert().values([...])`` has no cache key: it was compiled again for
    every transaction that recorded an event)."""
    from sqlalchemy import event
    from sqlalchemy.engine.default import DefaultExecutionContext

    upgrade(postgres_url)
    engine = make_engine(postgres_url, poolclass=NullPool)
    hits: list[object] = []

    def note(_conn: Any, _cursor: Any, statement: str, _params: Any,
             context: DefaultExecutionContext, _many: bool) -> None:
        if statement.startswith("INSERT INTO audit_pending"):
            hits.append(context.cache_hit)

    event.listen(engine, "before_cursor_execute", note)
    try:
        for n in range(3):
            with session_scope(engine) as session:
                audit.record(session, _note(n), actor="system")
                audit.record(session, _note(n + 10), actor="system")
    finally:
        event.remove(engine, "before_cursor_execute", note)
        engine.dispose()
    assert len(hits) == 3 and hits[1:] == [CacheStats.CACHE_HIT] * 2, hits
