"""``clearance users`` through click on a SQLite file: messages, exit codes, audit, tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clearance.cli.main import cli  # import main first: it registers the command groups
from clearance.errors import Unauthenticated
from clearance.review import access, audit
from clearance.storage import make_engine, session_scope

PASSWORD = "Correct-horse-9"


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    return f"sqlite:///{tmp_path / 'clearance.db'}"


def _run(db_url: str, *args: str, input: str | None = None) -> Result:
    env = {"CLEARANCE_DATABASE_URL": db_url, "USER": "ops", "LOGNAME": "ops"}
    result = CliRunner(env=env).invoke(cli, ["users", *args], input=input,
                                       catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_create_with_password_stdin_and_login(db_url: str) -> None:
    result = _run(db_url, "create", "alice", "--role", "reviewer", "--team", "qa",
                  "--display-name", "Alice A.", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == "created alice (reviewer, team qa)\n"
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            actor = access.login(session, "alice", PASSWORD)
            assert (actor.role, actor.team_id) == ("reviewer", "qa")
            assert access.get_user(session, "alice").display_name == "Alice A."
            [event] = audit.iter_events(session, type_="user.create")
            assert event.actor == "cli:ops"
    finally:
        engine.dispose()


def test_create_prompts_twice_for_the_password(db_url: str) -> None:
    mismatch = _run(db_url, "create", "bob", "--role", "admin",
                    input=f"{PASSWORD}\nsomething-else-1\n{PASSWORD}\n{PASSWORD}\n")
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output
    assert PASSWORD not in mismatch.output  # hidden input is not echoed


def test_create_token_only_user_and_duplicates(db_url: str) -> None:
    assert _run(db_url, "create", "robot", "--role", "submitter", "--team", "ci",
                "--no-password").exit_code == 0
    again = _run(db_url, "create", "robot", "--role", "submitter", "--no-password")
    assert again.exit_code == 3
    assert "error: user 'robot' already exists" in again.stderr
    both = _run(db_url, "create", "x1", "--role", "admin", "--no-password", "--password-stdin")
    assert both.exit_code == 3 and "contradict" in both.stderr


def test_weak_password_is_refused(db_url: str) -> None:
    result = _run(db_url, "create", "alice", "--role", "reviewer", "--password-stdin",
                  input="short\n")
    assert result.exit_code == 3
    assert "password too short" in result.stderr
    assert "alice" not in _run(db_url, "list").stdout


@pytest.mark.parametrize(
    "args",
    [("create", "carol", "--role", "boss", "--no-password"), ("set-role", "alice", "boss")],
    ids=["create", "set-role"],
)
def test_bad_role_is_a_clear_usage_error(db_url: str, args: tuple[str, ...]) -> None:
    _run(db_url, "create", "alice", "--role", "reviewer", "--no-password")
    result = _run(db_url, *args)
    assert result.exit_code == 2
    assert "'boss' is not one of 'submitter', 'reviewer', 'senior_reviewer', 'admin'" in (
        result.stderr)


def test_set_role_and_list(db_url: str) -> None:
    _run(db_url, "create", "alice", "--role", "reviewer", "--no-password")
    result = _run(db_url, "set-role", "alice", "senior_reviewer")
    assert result.exit_code == 0 and result.stdout == "alice is now senior_reviewer\n"
    listing = _run(db_url, "list")
    assert listing.exit_code == 0
    [row] = [line for line in listing.stdout.splitlines() if "alice" in line]
    assert "senior_reviewer" in row
    missing = _run(db_url, "set-role", "ghost", "admin")
    assert missing.exit_code == 5 and "no user 'ghost'" in missing.stderr


def test_set_password(db_url: str) -> None:
    _run(db_url, "create", "alice", "--role", "reviewer", "--no-password")
    result = _run(db_url, "set-password", "alice", "--password-stdin", input="Brand-new-pass-7\n")
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            assert access.login(session, "alice", "Brand-new-pass-7").username == "alice"
    finally:
        engine.dispose()
    empty = _run(db_url, "set-password", "alice", "--password-stdin", input="\n")
    assert empty.exit_code == 3 and "no password on standard input" in empty.stderr


def test_token_prints_a_secret_that_authenticates_until_revoked(db_url: str) -> None:
    _run(db_url, "create", "alice", "--role", "admin", "--no-password")
    result = _run(db_url, "token", "alice", "--name", "deploy", "--expires-days", "7")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("clr_") and "\n" not in secret  # stdout is only the secret
    assert "not shown again" in result.stderr and "token 1 (deploy)" in result.stderr
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            actor = access.authenticate_token(session, secret)
            assert (actor.username, actor.role, actor.token_id) == ("alice", "admin", 1)
        listing = _run(db_url, "tokens", "alice")
        assert "deploy" in listing.stdout and secret[:12] in listing.stdout
        assert secret not in listing.stdout
        revoked = _run(db_url, "revoke-token", "1")
        assert revoked.exit_code == 0 and revoked.stdout == "token 1 revoked\n"
        with session_scope(engine) as session:
            with pytest.raises(Unauthenticated, match="revoked"):
                access.authenticate_token(session, secret)
            assert [e.type for e in audit.iter_events(session)] == [
                "user.create", "token.issue", "token.revoke"]
            assert audit.verify(session).ok
    finally:
        engine.dispose()
    assert _run(db_url, "revoke-token", "99").exit_code == 5
    assert _run(db_url, "token", "alice", "--expires-days", "0").exit_code == 2


def test_deactivate_and_activate(db_url: str) -> None:
    _run(db_url, "create", "alice", "--role", "reviewer", "--password-stdin",
         input=PASSWORD + "\n")
    assert _run(db_url, "deactivate", "alice").stdout == "alice deactivated\n"
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session, pytest.raises(Unauthenticated):
            access.login(session, "alice", PASSWORD)
        token = _run(db_url, "token", "alice")
        assert token.exit_code == 3 and "deactivated" in token.stderr
        assert _run(db_url, "activate", "alice").exit_code == 0
        with session_scope(engine) as session:
            assert access.login(session, "alice", PASSWORD).username == "alice"
    finally:
        engine.dispose()
