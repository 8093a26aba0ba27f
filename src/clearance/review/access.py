"""Who is asking and what they may do: users, roles, passwords, API tokens and UI sessions.

* A **role** is one of :data:`~clearance.storage.review_models.ROLES`, ranked by
  :data:`ROLE_RANK` (submitter < reviewer < senior_reviewer < admin); each includes what the
  lower ones may do. :func:`require_role` is the one permission check and raises
  :class:`~clearance.errors.Forbidden` naming the role that was needed. ``legal`` is outside
  the ranking: it alone may ``require_role(actor, "legal")`` (the quarantine, the legal
  reporting path), no other role includes it, and elsewhere it may do what a submitter without
  a team may (next to nothing).
* An :class:`Actor` is an authenticated user as the rest of the review code sees them: a frozen
  value that says how they came in (UI session, API token, command line) and the name they are
  recorded under in the audit log.
* **Passwords** are stored as argon2id hashes (argon2-cffi's defaults, RFC 9106 low-memory
  profile) and rehashed on login when those parameters change. A failed login never says whether
  the user exists: unknown user, wrong password, no password and a deactivated account all get
  the same message, and an unknown user still costs one hash verification.
* An **API token** is ``clr_`` + 43 URL-safe random characters, shown once; only its SHA-256 is
  stored (a token is high-entropy, so a slow hash buys nothing and would make every API call
  slow). Tokens can expire and be revoked.
* A **UI session** is a row in ``user_sessions`` (:func:`start_session`) and a signed,
  timestamped cookie (itsdangerous, salt ``clearance-session``) holding the session's random
  secret and its CSRF token; only the secret's SHA-256 is stored. A cookie is honoured only
  while its row is live, so logging out (:func:`end_session`), a password change and a
  deactivation (:func:`end_sessions`: every session of the user) end sessions at once, and
  reactivating a user does not bring theirs back. (A signed cookie alone, as before, stayed
  valid for its whole age through all three.)

Every change (user created, role changed, password or preference changed, token issued or
revoked) is recorded with :func:`clearance.review.audit.record` in the same transaction. The
``by`` argument of the mutating functions is the audit actor name (:attr:`Actor.audit_name`,
or :data:`SYSTEM` for the command line).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from clearance.errors import Forbidden, InputError, NotFound, Unauthenticated
from clearance.identifiers import check_identifier
from clearance.review import audit
from clearance.review.audit_events import AssetTeamSet, SessionsEnded, SessionStarted
from clearance.storage.db import as_utc
from clearance.storage.models import Asset
from clearance.storage.review_models import ROLES, ApiToken, Team, User, UserSession

#: Role -> power; a role may do everything a lower-ranked role may.
ROLE_RANK: Final[dict[str, int]] = {"submitter": 0, "reviewer": 1, "senior_reviewer": 2,
                                     "admin": 3, "legal": 0}
#: The role that alone sees quarantined content; no other role includes it.
LEGAL: Final = "legal"
#: The audit actor name for changes made outside any user's session (command line, demo).
SYSTEM: Final = "system"
#: The name of the UI session cookie.
SESSION_COOKIE: Final = "clearance_session"
#: itsdangerous salt: a cookie signed for another purpose with the same key is not a session.
SESSION_SALT: Final = "clearance-session"
#: API token secrets start with this, so they are recognisable (and greppable in leaks).
TOKEN_PREFIX: Final = "clr_"
#: How many characters of the secret are kept to tell tokens apart in lists.
TOKEN_PREFIX_CHARS: Final = 12
#: ``last_used_at`` is written at most this often, so API calls do not all write a row.
LAST_USED_RESOLUTION: Final = dt.timedelta(minutes=1)
MIN_PASSWORD_LENGTH: Final = 10
VIAS: Final = ("session", "token", "cli")
#: The one message for every failed password login (never says whether the user exists).
LOGIN_FAILED: Final = "wrong username or password"

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_TEAM_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_HASHER: Final = PasswordHasher()


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated user, as the review code and the audit log see them."""

    user_id: int
    username: str
    role: str
    team_id: str | None
    via: Literal["session", "token", "cli"]
    token_id: int | None = None

    @property
    def audit_name(self) -> str:
        """``user:alice``, or ``token:alice/3`` when acting through API token 3."""
        if self.via == "token" and self.token_id is not None:
            return f"token:{self.username}/{self.token_id}"
        return f"user:{self.username}"

    def at_least(self, role: str) -> bool:
        """Whether this actor's role is ``role`` or a more powerful one."""
        if _check_role(role) == LEGAL:
            return self.role == LEGAL
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_senior(self) -> bool:
        """Senior reviewers and admins: second reviews, overrides, the audit view."""
        return self.at_least("senior_reviewer")


def _check_role(role: str) -> str:
    if role not in ROLE_RANK:
        raise InputError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    return role


def require_role(actor: Actor, role: str) -> None:
    """Raise :class:`Forbidden` unless ``actor`` has ``role`` or a more powerful one."""
    if not actor.at_least(role):
        raise Forbidden(f"this needs the {role} role or higher (user {actor.username!r} has "
                        f"the {actor.role} role)")


# -- passwords -----------------------------------------------------------------------------

def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted; parameters encoded in the hash)."""
    return _HASHER.hash(password)


def check_password_strength(password: str) -> None:
    """Refuse short passwords and ones made of a single class of characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    classes = {
        "lower" if c.islower() else "upper" if c.isupper() else "digit" if c.isdigit()
        else "other"
        for c in password
    }
    if len(classes) < 2:
        raise InputError("password too simple: mix letters with digits, capitals or symbols")


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown users, so they cost the same time as real ones."""
    return hash_password(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# -- users and teams -----------------------------------------------------------------------

def ensure_team(session: Session, team_id: str, name: str | None = None) -> Team:
    """The team ``team_id``, created (named ``name`` or its id) if it does not exist yet."""
    check_identifier(team_id, "team id")
    if not _TEAM_ID.fullmatch(team_id):
        raise InputError(f"invalid team id {team_id!r}: use lowercase letters, digits, . _ - "
                         "(at most 64 characters)")
    team = session.get(Team, team_id)
    if team is None:
        team = Team(id=team_id, name=(name or team_id).strip() or team_id)
        session.add(team)
        session.flush()
    return team


def set_asset_team(session: Session, by: str, asset_id: int, team_id: str | None) -> Asset:
    """Give an asset to a team, whose submitters (only) may then add versions to it, or to none
    (``None``: only reviewers and admins may). The team must exist. Audits ``asset.team`` when
    it changes."""
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFound(f"no asset {asset_id}")
    if team_id is not None and session.get(Team, team_id) is None:
        raise InputError(f"no team {team_id!r} (a team exists once a user belongs to it)")
    if asset.team_id != team_id:
        previous, asset.team_id = asset.team_id, team_id
        session.flush()
        audit.record(session, AssetTeamSet(subject=audit.Subject("asset", str(asset.id)),
                                           team_id=team_id, previous=previous), actor=by)
    return asset


def create_user(session: Session, by: str, username: str, *, role: str,
                team_id: str | None = None, password: str | None = None,
                display_name: str | None = None) -> User:
    """Create a user (and their team if new). ``password`` None makes a token-only user.

    Raises :class:`InputError` for a malformed username, an unknown role, a weak password or a
    username already taken. Audits ``user.create`` (never the password).
    """
    check_identifier(username, "username")
    if not _USERNAME.fullmatch(username):
        raise InputError(f"invalid username {username!r}: 2-64 characters, lowercase letters, "
                         "digits, . _ - (starting with a letter or digit)")
    _check_role(role)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InputError(f"user {username!r} already exists")
    if password is not None:
        check_password_strength(password)
    if team_id is not None:
        ensure_team(session, team_id)
    user = User(username=username, display_name=(display_name or "").strip() or username,
                password_hash=hash_password(password) if password is not None else None,
                role=role, team_id=team_id, active=True, blur_images=True)
    session.add(user)
    session.flush()
    audit.record(session, audit.UserCreated(
        subject=audit.Subject.user(username), role=role, team_id=team_id,
        display_name=user.display_name, has_password=password is not None), actor=by)
    return user


def get_user(session: Session, username: str) -> User:
    """The user ``username``; :class:`NotFound` if there is none."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def set_role(session: Session, by: str, username: str, role: str) -> User:
    """Change a user's role; audits ``user.role`` with the old and new role."""
    _check_role(role)
    user = get_user(session, username)
    if user.role != role:
        old, user.role = user.role, role
        session.flush()
        audit.record(session, audit.RoleChanged(subject=audit.Subject.user(username), old=old,
                                                new=role), actor=by)
    return user


def set_password(session: Session, by: str, username: str, password: str) -> None:
    """Set a user's password (strength checked); audits ``user.update``. Every UI session of
    the user ends (whoever knew the old password is logged out)."""
    check_password_strength(password)
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    session.flush()
    audit.record(session, audit.UserUpdated(subject=audit.Subject.user(username),
                                            changed="password"), actor=by)
    end_sessions(session, by, user, "password")


def set_active(session: Session, by: str, username: str, active: bool) -> User:
    """(De)activate a user: a deactivated user cannot log in or use tokens or sessions, and
    their sessions end (activating them again does not bring those back)."""
    user = get_user(session, username)
    if user.active != active:
        user.active = active
        session.flush()
        audit.record(session, audit.UserUpdated(subject=audit.Subject.user(username),
                                                changed="active", value=active), actor=by)
    if not active:
        end_sessions(session, by, user, "deactivated")
    return user


def set_blur_preference(session: Session, actor: Actor, blur: bool) -> None:
    """The actor's own wellness preference: images blurred until revealed, or not."""
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound(f"no user {actor.username!r}")
    if user.blur_images != blur:
        user.blur_images = blur
        session.flush()
        audit.record(session, audit.UserUpdated(subject=audit.Subject.user(user.username),
                                                changed="blur_images", value=blur),
                     actor=actor.audit_name)


def actor_for(user: User, via: str, token_id: int | None = None) -> Actor:
    """The :class:`Actor` for ``user`` authenticated ``via`` session, token or cli."""
    if via not in VIAS:
        raise InputError(f"unknown authentication method {via!r} (one of {', '.join(VIAS)})")
    return Actor(user_id=user.id, username=user.username, role=user.role, team_id=user.team_id,
                 via=cast(Literal["session", "token", "cli"], via), token_id=token_id)


def login(session: Session, username: str, password: str) -> Actor:
    """Check a username and password; the actor (``via="session"``) or :class:`Unauthenticated`.

    The message is the same whether the user is unknown, has no password, is deactivated or
    typed the wrong password. A hash made with older parameters is replaced on success.
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.password_hash is None:
        _verify(_dummy_hash(), password)
        raise Unauthenticated(LOGIN_FAILED)
    if not _verify(user.password_hash, password) or not user.active:
        raise Unauthenticated(LOGIN_FAILED)
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return actor_for(user, "session")


# -- API tokens ----------------------------------------------------------------------------

def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def token_hash(secret: str) -> str:
    """What is stored for a token: the SHA-256 (hex) of its secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(session: Session, by: str, username: str, name: str = "cli",
                expires_days: int | None = None, *,
                now: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """A new API token for ``username``: the row and the secret (shown once, never stored).

    Audits ``token.issue`` with the token's name, prefix and expiry (never the secret).
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("token name must be 1-100 characters")
    if expires_days is not None and expires_days <= 0:
        raise InputError(f"expires_days must be positive, not {expires_days}")
    user = get_user(session, username)
    if not user.active:
        raise InputError(f"user {username!r} is deactivated; activate them first")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    created = _now(now)
    expires = created + dt.timedelta(days=expires_days) if expires_days is not None else None
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(secret),
                     prefix=secret[:TOKEN_PREFIX_CHARS], created_at=created, expires_at=expires)
    session.add(token)
    session.flush()
    audit.record(session, audit.TokenIssued(
        subject=audit.Subject.token(token.id), user=username, token_name=name,
        prefix=token.prefix, expires_at=expires.isoformat() if expires is not None else None),
        actor=by)
    return token, secret


def list_tokens(session: Session, username: str | None = None) -> list[ApiToken]:
    """Tokens (all, or one user's), oldest first; secrets are not stored, so never included."""
    query = select(ApiToken).order_by(ApiToken.id)
    if username is not None:
        query = query.where(ApiToken.user_id == get_user(session, username).id)
    return list(session.scalars(query))


def revoke_token(session: Session, by: str, token_id: int, *,
                 now: dt.datetime | None = None) -> None:
    """Revoke a token (:class:`NotFound` if absent); revoking twice changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no API token {token_id}")
    if token.revoked_at is not None:
        return
    token.revoked_at = _now(now)
    session.flush()
    audit.record(session, audit.TokenRevoked(
        subject=audit.Subject.token(token.id), user=token.user.username, token_name=token.name,
        prefix=token.prefix), actor=by)


#: A token by its hash, with its user (read on every authentication: one statement, built once).
_TOKEN_BY_HASH: Final = (select(ApiToken)
                         .where(ApiToken.token_hash == bindparam("token_hash"))
                         .options(joinedload(ApiToken.user, innerjoin=True)))


def authenticate_token(session: Session, secret: str, *,
                       now: dt.datetime | None = None) -> Actor:
    """The actor (``via="token"``) for an API token secret, or :class:`Unauthenticated` if the
    token is unknown, revoked or expired or its user deactivated."""
    if not secret.startswith(TOKEN_PREFIX):
        raise Unauthenticated("invalid API token")
    token = session.scalar(_TOKEN_BY_HASH, {"token_hash": token_hash(secret)})
    if token is None:
        raise Unauthenticated("invalid API token")
    at = _now(now)
    if token.revoked_at is not None:
        raise Unauthenticated("API token revoked")
    if token.expires_at is not None and as_utc(token.expires_at) <= at:
        raise Unauthenticated("API token expired")
    if not token.user.active:
        raise Unauthenticated("user deactivated")
    if token.last_used_at is None or at - as_utc(token.last_used_at) >= LAST_USED_RESOLUTION:
        token.last_used_at = at
        session.flush()
    return actor_for(token.user, "token", token.id)


def count_active_tokens(session: Session, user_id: int) -> int:
    """How many unrevoked tokens a user has (expired ones included)."""
    return session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))) or 0


# -- UI sessions ---------------------------------------------------------------------------

def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SESSION_SALT)


def start_session(session: Session, secret: str, user: User, *, max_age: int,
                  address: str = "", now: dt.datetime | None = None) -> tuple[str, str]:
    """Start a UI session for ``user`` (audited ``session.start``): its row, and the signed
    cookie value carrying the session's secret and its CSRF token. The user's ended and expired
    session rows are forgotten (the audit log keeps their story)."""
    at = _now(now)
    session.execute(delete(UserSession).where(
        UserSession.user_id == user.id,
        or_(UserSession.ended_at.is_not(None), UserSession.expires_at <= at)))
    sid = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=token_hash(sid), created_at=at,
                      expires_at=at + dt.timedelta(seconds=max_age), address=address[:64])
    session.add(row)
    session.flush()
    audit.record(session, SessionStarted(subject=audit.Subject.user(user.username),
                                               session_id=row.id, address=row.address),
                 actor=f"user:{user.username}")
    csrf = secrets.token_urlsafe(24)
    return _serializer(secret).dumps({"sid": sid, "csrf": csrf}), csrf


def read_session_cookie(secret: str, value: str, max_age: int) -> tuple[str, str]:
    """The session secret and CSRF token of a session cookie no older than ``max_age``
    seconds, by its signature alone (whether the session is still live is
    :func:`actor_from_session`'s question)."""
    try:
        payload: Any = _serializer(secret).loads(value, max_age=max_age)
    except SignatureExpired as exc:
        raise Unauthenticated("session expired, log in again") from exc
    except BadData as exc:
        raise Unauthenticated("invalid session") from exc
    if not isinstance(payload, dict):
        raise Unauthenticated("invalid session")
    sid, csrf = payload.get("sid"), payload.get("csrf")
    if not isinstance(sid, str) or not sid or not isinstance(csrf, str) or not csrf:
        raise Unauthenticated("invalid session")
    return sid, csrf


def _live_session(session: Session, secret: str, value: str, max_age: int,
                  now: dt.datetime | None) -> UserSession:
    sid, _csrf = read_session_cookie(secret, value, max_age)
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(sid)))
    if row is None:
        raise Unauthenticated("invalid session")
    if row.ended_at is not None:
        raise Unauthenticated("session ended, log in again")
    if as_utc(row.expires_at) <= _now(now):
        raise Unauthenticated("session expired, log in again")
    return row


def actor_from_session(session: Session, secret: str, value: str, max_age: int, *,
                       now: dt.datetime | None = None) -> Actor:
    """The actor (``via="session"``) of a session cookie whose session is live; an ended,
    expired or unknown session, or a deactivated or deleted user, is 401."""
    row = _live_session(session, secret, value, max_age, now)
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("invalid session")
    return actor_for(user, "session")


def end_session(session: Session, secret: str, value: str, max_age: int, *,
                now: dt.datetime | None = None) -> None:
    """Log out: the cookie's session ends (audited ``session.end``); an already unusable
    cookie changes nothing."""
    try:
        row = _live_session(session, secret, value, max_age, now)
    except Unauthenticated:
        return
    row.ended_at, row.end_reason = _now(now), "logout"
    session.flush()
    user = session.get(User, row.user_id)
    if user is not None:
        audit.record(session, SessionsEnded(subject=audit.Subject.user(user.username),
                                                  reason="logout", sessions=1),
                     actor=f"user:{user.username}")


def end_sessions(session: Session, by: str, user: User,
                 reason: Literal["password", "deactivated"], *,
                 now: dt.datetime | None = None) -> int:
    """End every live UI session of ``user`` at once (audited ``session.end`` when there was
    one); how many ended."""
    at = _now(now)
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.expires_at > at)
        .values(ended_at=at, end_reason=reason)
        .execution_options(synchronize_session=False))
    ended = int(getattr(result, "rowcount", 0) or 0)
    if ended:
        audit.record(session, SessionsEnded(subject=audit.Subject.user(user.username),
                                                  reason=reason, sessions=ended), actor=by)
    return ended
