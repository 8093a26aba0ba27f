"""Users, roles, passwords, API tokens and session cookies (:mod:`clearance.review.access`), on
SQLite and PostgreSQL, and the audit events they write."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Any

import pytest
from argon2 import PasswordHasher
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import Engine, select, text

from clearance.errors import Forbidden, InputError, NotFound, Unauthenticated
from clearance.review import access, audit
from clearance.storage import session_scope
from clearance.storage.review_models import (
    REVIEW_TABLES,
    ROLES,
    ApiToken,
    AuditEvent,
    Team,
    User,
)

PASSWORD = "Correct-horse-9"
SECRET = "test-secret-key"


def _actor(role: str, **kw: Any) -> access.Actor:
    fields: dict[str, Any] = {"user_id": 1, "username": "alice", "role": role, "team_id": None,
                              "via": "session"} | kw
    return access.Actor(**fields)


def _user(engine: Engine, username: str = "alice", role: str = "reviewer",
          password: str | None = PASSWORD, team_id: str | None = None) -> User:
    with session_scope(engine) as session:
        return access.create_user(session, access.SYSTEM, username, role=role, team_id=team_id,
                                  password=password)


def _events(engine: Engine, type_: str | None = None) -> list[AuditEvent]:
    with session_scope(engine) as session:
        return list(audit.iter_events(session, type_=type_))


def _chain_ok(engine: Engine) -> None:
    with session_scope(engine) as session:
        report = audit.verify(session)
    assert report.ok, report.problem


# -- roles (no database) --------------------------------------------------------------------

def test_role_rank_orders_the_roles() -> None:
    assert access.ROLE_RANK == {"submitter": 0, "reviewer": 1, "senior_reviewer": 2, "admin": 3,
                                "legal": 0}
    assert set(access.ROLE_RANK) == set(ROLES)


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [("submitter", "reviewer", False), ("reviewer", "reviewer", True),
     ("reviewer", "senior_reviewer", False), ("senior_reviewer", "reviewer", True),
     ("admin", "senior_reviewer", True), ("senior_reviewer", "admin", False),
     ("submitter", "submitter", True),
     # legal stands apart: only legal is legal, and legal is no reviewer
     ("legal", "legal", True), ("admin", "legal", False), ("senior_reviewer", "legal", False),
     ("submitter", "legal", False), ("legal", "reviewer", False), ("legal", "submitter", True)],
)
def test_require_role(role: str, needed: str, allowed: bool) -> None:
    actor = _actor(role)
    assert actor.at_least(needed) is allowed
    if allowed:
        access.require_role(actor, needed)
    else:
        # it says whose role it is, so a user named like a role ("reviewer") reads clearly
        with pytest.raises(Forbidden, match=rf"needs the {needed} role or higher \(user "
                           rf"'alice' has the {role} role\)"):
            access.require_role(actor, needed)


def test_is_senior_and_audit_names() -> None:
    assert not _actor("reviewer").is_senior
    assert _actor("senior_reviewer").is_senior and _actor("admin").is_senior
    assert _actor("reviewer").audit_name == "user:alice"
    assert _actor("reviewer", via="token", token_id=3).audit_name == "token:alice/3"
    assert _actor("reviewer", via="cli").audit_name == "user:alice"


def test_unknown_role_in_a_check_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown role 'boss'"):
        _actor("reviewer").at_least("boss")


# -- passwords (no database) -----------------------------------------------------------------

def test_hash_password_is_salted_argon2id() -> None:
    first, second = access.hash_password(PASSWORD), access.hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and first != second
    assert PASSWORD not in first
    assert PasswordHasher().verify(first, PASSWORD)


@pytest.mark.parametrize(
    ("password", "problem"),
    [("Short-1", "too short"), ("abcdefghijkl", "too simple"), ("123456789012", "too simple"),
     ("", "too short")],
)
def test_weak_passwords_are_refused(password: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        access.check_password_strength(password)


@pytest.mark.parametrize("password", ["correct horse battery", "abcdefghi1", PASSWORD])
def test_reasonable_passwords_pass(password: str) -> None:
    access.check_password_strength(password)


# -- users ----------------------------------------------------------------------------------

def test_create_user_with_team_is_audited(engine: Engine) -> None:
    _user(engine, "sam", role="submitter", team_id="marketing-fr")
    with session_scope(engine) as session:
        user = access.get_user(session, "sam")
        assert (user.role, user.team_id, user.active, user.blur_images) == (
            "submitter", "marketing-fr", True, True)
        assert user.display_name == "sam"
        assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
        assert session.get(Team, "marketing-fr") is not None
    [event] = _events(engine, "user.create")
    assert (event.actor, event.subject) == ("system", "user:sam")
    assert PASSWORD not in event.data
    assert '"has_password":true' in event.data and '"team_id":"marketing-fr"' in event.data
    _chain_ok(engine)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [({"username": "Alice"}, "invalid username"), ({"username": "a b"}, "invalid username"),
     ({"username": "x"}, "invalid username"), ({"role": "boss"}, "unknown role"),
     ({"password": "short"}, "too short"), ({"team_id": "Bad Team"}, "invalid team id"),
     ({"username": "alice"}, "already exists")],
)
def test_create_user_refusals(engine: Engine, kwargs: dict[str, Any], problem: str) -> None:
    _user(engine, "alice")
    args: dict[str, Any] = {"username": "bob", "role": "reviewer", "password": PASSWORD} | kwargs
    username = args.pop("username")
    with pytest.raises(InputError, match=problem), session_scope(engine) as session:
        access.create_user(session, "system", username, **args)
    with session_scope(engine) as session:
        assert [u.username for u in access.list_users(session)] == ["alice"]
    assert len(_events(engine, "user.create")) == 1


def test_get_user_unknown_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound, match="no user 'ghost'"), session_scope(engine) as session:
        access.get_user(session, "ghost")


def test_set_role_is_audited_once(engine: Engine) -> None:
    _user(engine, "alice", role="reviewer")
    with session_scope(engine) as session:
        assert access.set_role(session, "user:root", "alice", "senior_reviewer").role == (
            "senior_reviewer")
        access.set_role(session, "user:root", "alice", "senior_reviewer")  # no change, no event
    [event] = _events(engine, "user.role")
    assert (event.actor, event.subject) == ("user:root", "user:alice")
    assert event.data == '{"from":"reviewer","to":"senior_reviewer"}'
    with pytest.raises(InputError, match="unknown role"), session_scope(engine) as session:
        access.set_role(session, "system", "alice", "superuser")
    with pytest.raises(NotFound), session_scope(engine) as session:
        access.set_role(session, "system", "ghost", "admin")


def test_set_password_and_blur_preference(engine: Engine) -> None:
    _user(engine, "alice")
    with session_scope(engine) as session:
        access.set_password(session, "system", "alice", "New-password-42")
    with session_scope(engine) as session:
        actor = access.login(session, "alice", "New-password-42")
        with pytest.raises(Unauthenticated):
            access.login(session, "alice", PASSWORD)
        access.set_blur_preference(session, actor, False)
        assert access.get_user(session, "alice").blur_images is False
    events = _events(engine, "user.update")
    assert [e.data for e in events] == ['{"changed":"password"}',
                                        '{"blur_images":false,"changed":"blur_images"}']
    assert events[1].actor == "user:alice"
    assert "New-password-42" not in events[0].data


# -- login ----------------------------------------------------------------------------------

def test_login_returns_a_session_actor(engine: Engine) -> None:
    _user(engine, "alice", role="senior_reviewer", team_id="qa")
    with session_scope(engine) as session:
        actor = access.login(session, "alice", PASSWORD)
    assert (actor.username, actor.role, actor.team_id, actor.via) == (
        "alice", "senior_reviewer", "qa", "session")


def test_failed_logins_all_say_the_same(engine: Engine) -> None:
    _user(engine, "alice")
    _user(engine, "robot", password=None)
    _user(engine, "gone")
    with session_scope(engine) as session:
        access.set_active(session, "system", "gone", False)
    messages = set()
    for username, password in [("alice", "Wrong-password-1"), ("nobody", PASSWORD),
                               ("robot", PASSWORD), ("gone", PASSWORD), ("alice", "")]:
        with pytest.raises(Unauthenticated) as caught, session_scope(engine) as session:
            access.login(session, username, password)
        messages.add(caught.value.message)
    assert messages == {access.LOGIN_FAILED}


def test_login_rehashes_a_hash_with_old_parameters(engine: Engine) -> None:
    _user(engine, "alice")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with session_scope(engine) as session:
        access.get_user(session, "alice").password_hash = weak
    with session_scope(engine) as session:
        access.login(session, "alice", PASSWORD)
    with session_scope(engine) as session:
        stored = access.get_user(session, "alice").password_hash
    assert stored is not None and stored != weak
    assert not PasswordHasher().check_needs_rehash(stored)
    with session_scope(engine) as session:
        assert access.login(session, "alice", PASSWORD).username == "alice"


def test_deactivated_user_is_refused_everywhere(engine: Engine) -> None:
    _user(engine, "alice")
    with session_scope(engine) as session:
        _, secret = access.issue_token(session, "system", "alice")
        cookie, _ = access.start_session(session, SECRET, access.get_user(session, "alice"),
                                         max_age=60)
        access.set_active(session, "system", "alice", False)
    with session_scope(engine) as session:
        with pytest.raises(Unauthenticated, match="user deactivated"):
            access.authenticate_token(session, secret)
        with pytest.raises(Unauthenticated, match="session ended"):
            access.actor_from_session(session, SECRET, cookie, 60)
        with pytest.raises(InputError, match="deactivated"):
            access.issue_token(session, "system", "alice")
    with session_scope(engine) as session:
        access.set_active(session, "system", "alice", True)
        assert access.authenticate_token(session, secret).username == "alice"
        with pytest.raises(Unauthenticated, match="session ended"):  # not brought back
            access.actor_from_session(session, SECRET, cookie, 60)
    assert [e.data for e in _events(engine, "user.update")] == [
        '{"active":false,"changed":"active"}', '{"active":true,"changed":"active"}']


# -- API tokens -----------------------------------------------------------------------------

def _dump_review_tables(engine: Engine) -> str:
    """Every value of every review table, as text (to look for a secret anywhere)."""
    parts: list[str] = []
    with engine.connect() as connection:
        for table in REVIEW_TABLES:
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_token_secret_is_shown_once_and_only_its_hash_stored(engine: Engine) -> None:
    _user(engine, "alice")
    with session_scope(engine) as session:
        token, secret = access.issue_token(session, "user:root", "alice", "ci upload",
                                           expires_days=30)
        token_id = token.id
    assert secret.startswith("clr_") and len(secret) >= 40
    assert secret.replace("-", "").replace("_", "").isalnum()
    with session_scope(engine) as session:
        row = session.get(ApiToken, token_id)
        assert row is not None
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert row.prefix == secret[:12] and row.name == "ci upload"
        assert row.expires_at is not None
    dump = _dump_review_tables(engine)
    assert row.token_hash in dump  # the dump does see the token row...
    assert secret not in dump and secret[12:] not in dump  # ...but never the secret
    [event] = _events(engine, "token.issue")
    assert (event.actor, event.subject) == ("user:root", f"token:{token_id}")
    assert '"name":"ci upload"' in event.data and '"user":"alice"' in event.data


def test_authenticate_token_and_last_used(engine: Engine) -> None:
    _user(engine, "alice", role="admin")
    start = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    with session_scope(engine) as session:
        token, secret = access.issue_token(session, "system", "alice", now=start)
    with session_scope(engine) as session:
        actor = access.authenticate_token(session, secret, now=start)
        assert (actor.via, actor.token_id, actor.role) == ("token", token.id, "admin")
        assert actor.audit_name == f"token:alice/{token.id}"
        access.authenticate_token(session, secret, now=start + dt.timedelta(seconds=30))

    def last_used() -> dt.datetime:
        with session_scope(engine) as session:
            row = session.get(ApiToken, token.id)
            assert row is not None and row.last_used_at is not None
            return row.last_used_at.replace(tzinfo=dt.UTC)

    assert last_used() == start  # the use 30 s later did not write
    with session_scope(engine) as session:
        access.authenticate_token(session, secret, now=start + dt.timedelta(minutes=2))
    assert last_used() == start + dt.timedelta(minutes=2)


@pytest.mark.parametrize("secret", ["", "clr_", "clr_not-a-real-token", "Bearer clr_x", "abc"])
def test_unknown_tokens_are_refused(engine: Engine, secret: str) -> None:
    _user(engine, "alice")
    with session_scope(engine) as session:
        access.issue_token(session, "system", "alice")
    with pytest.raises(Unauthenticated, match="invalid API token"), \
            session_scope(engine) as session:
        access.authenticate_token(session, secret)


def test_revoked_token_is_refused_and_revocation_audited(engine: Engine) -> None:
    _user(engine, "alice")
    with session_scope(engine) as session:
        token, secret = access.issue_token(session, "system", "alice")
        other, other_secret = access.issue_token(session, "system", "alice", "second")
    with session_scope(engine) as session:
        access.revoke_token(session, "user:root", token.id)
        access.revoke_token(session, "user:root", token.id)  # again: nothing changes
    with session_scope(engine) as session:
        with pytest.raises(Unauthenticated, match="revoked"):
            access.authenticate_token(session, secret)
        assert access.authenticate_token(session, other_secret).token_id == other.id
        assert access.count_active_tokens(session, token.user_id) == 1
        assert [t.id for t in access.list_tokens(session, "alice")] == [token.id, other.id]
    [event] = _events(engine, "token.revoke")
    assert (event.actor, event.subject) == ("user:root", f"token:{token.id}")
    with pytest.raises(NotFound, match="no API token 999"), session_scope(engine) as session:
        access.revoke_token(session, "system", 999)


def test_expired_token_is_refused(engine: Engine) -> None:
    _user(engine, "alice")
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    with session_scope(engine) as session:
        _, secret = access.issue_token(session, "system", "alice", expires_days=1, now=start)
    with session_scope(engine) as session:
        access.authenticate_token(session, secret, now=start + dt.timedelta(hours=23))
        with pytest.raises(Unauthenticated, match="expired"):
            access.authenticate_token(session, secret, now=start + dt.timedelta(days=1))


@pytest.mark.parametrize(("name", "days", "problem"),
                         [("", None, "token name"), ("x" * 101, None, "token name"),
                          ("cli", 0, "must be positive")])
def test_issue_token_refusals(engine: Engine, name: str, days: int | None, problem: str) -> None:
    _user(engine, "alice")
    with pytest.raises(InputError, match=problem), session_scope(engine) as session:
        access.issue_token(session, "system", "alice", name, days)
    with pytest.raises(NotFound), session_scope(engine) as session:
        access.issue_token(session, "system", "ghost")


# -- session cookies ------------------------------------------------------------------------

class _HourAgoSigner(TimestampSigner):
    """Signs as if an hour ago (to make an expired cookie without waiting)."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 3600


def test_session_cookie_round_trip(engine: Engine) -> None:
    user = _user(engine, "alice", password=None)
    with session_scope(engine) as session:
        value, csrf = access.start_session(session, SECRET, user, max_age=60)
        other, other_csrf = access.start_session(session, SECRET, user, max_age=60)
    sid, read_csrf = access.read_session_cookie(SECRET, value, 60)
    assert read_csrf == csrf and len(csrf) >= 24 and csrf not in ("", value)
    assert other_csrf != csrf and access.read_session_cookie(SECRET, other, 60)[0] != sid
    # only the secret's hash is stored
    assert sid not in _dump_review_tables(engine)
    assert hashlib.sha256(sid.encode()).hexdigest() in _dump_review_tables(engine)


def _flip(value: str, index: int) -> str:
    return value[:index] + ("A" if value[index] != "A" else "B") + value[index + 1:]


@pytest.mark.parametrize(
    "make",
    [
        lambda v: _flip(v, 3),  # payload edited
        lambda v: _flip(v, len(v) - 2),  # signature edited
        lambda v: v + "x",
        lambda v: "",
        lambda v: "not.a.cookie",
        lambda v: URLSafeTimedSerializer("other-key", salt=access.SESSION_SALT).dumps(
            {"sid": "s", "csrf": "c"}),
        lambda v: URLSafeTimedSerializer(SECRET, salt="password-reset").dumps(
            {"sid": "s", "csrf": "c"}),
        lambda v: URLSafeTimedSerializer(SECRET, salt=access.SESSION_SALT).dumps(["s", "c"]),
        lambda v: URLSafeTimedSerializer(SECRET, salt=access.SESSION_SALT).dumps(
            {"sid": 42, "csrf": "c"}),
        lambda v: URLSafeTimedSerializer(SECRET, salt=access.SESSION_SALT).dumps(
            {"uid": 42, "csrf": "c"}),  # the signed-cookie-only sessions of before
    ],
    ids=["payload", "signature", "appended", "empty", "garbage", "other-key", "other-salt",
         "not-a-dict", "sid-not-str", "old-format"],
)
def test_tampered_session_cookie_is_invalid(make: Any) -> None:
    value = URLSafeTimedSerializer(SECRET, salt=access.SESSION_SALT).dumps(
        {"sid": "secret-of-a-session", "csrf": "c"})
    with pytest.raises(Unauthenticated, match=r"^invalid session$"):
        access.read_session_cookie(SECRET, make(value), 60)


def test_expired_session_cookie_is_refused() -> None:
    old = URLSafeTimedSerializer(SECRET, salt=access.SESSION_SALT, signer=_HourAgoSigner).dumps(
        {"sid": "s", "csrf": "c"})
    assert access.read_session_cookie(SECRET, old, 7200) == ("s", "c")
    with pytest.raises(Unauthenticated, match="session expired, log in again"):
        access.read_session_cookie(SECRET, old, 1800)


def test_actor_from_session(engine: Engine) -> None:
    user = _user(engine, "alice", role="submitter", team_id="acme")
    with session_scope(engine) as session:
        value, _ = access.start_session(session, SECRET, user, max_age=60)
    with session_scope(engine) as session:
        actor = access.actor_from_session(session, SECRET, value, 60)
        assert (actor.username, actor.role, actor.team_id, actor.via) == (
            "alice", "submitter", "acme", "session")
        # validly signed, but no session was ever started with it
        ghost = URLSafeTimedSerializer(SECRET, salt=access.SESSION_SALT).dumps(
            {"sid": "never-started", "csrf": "c"})
        with pytest.raises(Unauthenticated, match="invalid session"):
            access.actor_from_session(session, SECRET, ghost, 60)
        # the row's own expiry counts even when the cookie's signature is younger
        later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61)
        with pytest.raises(Unauthenticated, match="session expired"):
            access.actor_from_session(session, SECRET, value, 3600, now=later)


# -- the audit trail of it all --------------------------------------------------------------

def test_every_change_is_in_an_intact_audit_chain(engine: Engine) -> None:
    _user(engine, "root", role="admin")
    with session_scope(engine) as session:
        root = access.login(session, "root", PASSWORD)
        access.create_user(session, root.audit_name, "bob", role="reviewer", team_id=None,
                           password=None)
        access.set_role(session, root.audit_name, "bob", "senior_reviewer")
        token, _ = access.issue_token(session, root.audit_name, "bob")
        access.revoke_token(session, root.audit_name, token.id)
    with session_scope(engine) as session:
        rows = session.execute(select(AuditEvent.type, AuditEvent.actor, AuditEvent.subject)
                               .order_by(AuditEvent.seq)).all()
    assert [tuple(r) for r in rows] == [
        ("user.create", "system", "user:root"),
        ("user.create", "user:root", "user:bob"),
        ("user.role", "user:root", "user:bob"),
        ("token.issue", "user:root", f"token:{token.id}"),
        ("token.revoke", "user:root", f"token:{token.id}"),
    ]
    _chain_ok(engine)
