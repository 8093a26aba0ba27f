"""Settings, read from the environment (prefix ``CLEARANCE_``) and an optional ``.env`` file.

Nothing reads the environment at import time: call :func:`get_settings` (or build
:class:`Settings` yourself and pass it down). Every setting is listed in ``docs/settings.md``; a
test checks that.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from clearance.errors import ConfigurationError, Problem

#: The largest text (in bytes, UTF-8) that screening accepts by default.
DEFAULT_MAX_TEXT_BYTES = 1_000_000
#: The largest image file (bytes) that intake accepts by default: 25 MB.
DEFAULT_MAX_IMAGE_BYTES = 25_000_000
#: The most pixels (width x height, read from the header) intake decodes by default: 50 MP.
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000

#: The session key used in development when no real one is set: public (it is in the source), so
#: it is only ever used on a loopback address (see :func:`clearance.cli.serve.check_bind`).
DEVELOPMENT_SECRET: Final = "development-only-secret"
#: Outside development (and on any non-loopback address) a secret needs this many UTF-8 bytes...
MIN_SECRET_BYTES: Final = 32
#: ...at least this many distinct characters...
MIN_SECRET_DISTINCT: Final = 8
#: ...and at least this Shannon entropy per character (bits), estimated from the secret's own
#: character frequencies. ``secrets.token_urlsafe(48)`` scores about 5.3; 32 random hex digits
#: about 3.5 (one in ~7,000 falls under 3.0 and is refused: make another); ``"ab" * 16`` 1.0.
MIN_SECRET_BITS_PER_CHAR: Final = 3.0
#: How to make a good one (quoted in every refusal).
SECRET_RECIPE: Final = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
#: Values found in examples, templates and defaults: never a secret, whatever the environment.
#: Compared casefolded with separators (``-_ .``) removed, so ``Change_Me`` is ``changeme``.
PLACEHOLDER_SECRETS: Final = frozenset({
    "changeme", "changeit", "changethis", "replaceme", "secret", "secretkey", "mysecret",
    "supersecret", "topsecret", "password", "passw0rd", "developmentonlysecret", "development",
    "dev", "test", "testing", "default", "example", "sample", "dummy", "fake", "placeholder",
    "todo", "fixme", "none", "null", "undefined", "empty", "key", "token", "admin", "letmein",
    "s3cr3t", "12345678", "123456789", "1234567890", "qwerty", "abc123", "xxx",
})
#: Fragments that mark a value as a placeholder wherever they appear (``change-me-in-prod...``,
#: Django's ``django-insecure-...``).
_PLACEHOLDER_STEMS: Final = ("changeme", "replaceme", "yoursecret", "placeholder",
                             "developmentonly", "insecure", "notasecret", "notsecret")


def _squashed(value: str) -> str:
    return "".join(ch for ch in value.casefold() if ch not in "-_ .")


def is_placeholder_secret(value: str | None) -> bool:
    """Whether ``value`` is no secret at all: missing, blank, one character repeated, a known
    placeholder (``change-me``, ``secret``, ``password``, the development key...), or a template
    left unfilled (``<your-secret>``, ``${SECRET_KEY}``)."""
    if value is None:
        return True
    stripped = value.strip()
    if not stripped or len(set(stripped)) == 1:
        return True
    if stripped.startswith(("<", "${", "{{", "%(")) or stripped.endswith((">", "}}")):
        return True
    squashed = _squashed(stripped)
    return squashed in PLACEHOLDER_SECRETS or not squashed or len(set(squashed)) == 1 or any(
        stem in squashed for stem in _PLACEHOLDER_STEMS)


def _bits_per_char(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _is_periodic(value: str) -> bool:
    """``value`` is a shorter unit repeated (``"0123456789" * 4``)."""
    n = len(value)
    return any(n % p == 0 and value == value[:p] * (n // p) for p in range(1, n // 2 + 1))


def weak_secret_reason(value: str) -> str | None:
    """Why ``value`` is too weak to sign sessions that a network client could forge, or
    ``None`` when it will do: at least :data:`MIN_SECRET_BYTES` UTF-8 bytes, at least
    :data:`MIN_SECRET_DISTINCT` distinct characters, :data:`MIN_SECRET_BITS_PER_CHAR` bits of
    Shannon entropy per character, not a repeated pattern and not a placeholder."""
    if is_placeholder_secret(value):
        return "it is a placeholder, not a secret"
    size = len(value.encode("utf-8"))
    if size < MIN_SECRET_BYTES:
        return f"it is {size} bytes long; at least {MIN_SECRET_BYTES} are needed"
    if len(set(value)) < MIN_SECRET_DISTINCT:
        return (f"it has {len(set(value))} distinct characters; at least "
                f"{MIN_SECRET_DISTINCT} are needed")
    if _is_periodic(value):
        return "it is a short pattern repeated"
    bits = _bits_per_char(value)
    if bits < MIN_SECRET_BITS_PER_CHAR:
        return (f"it looks too regular ({bits:.1f} bits per character; at least "
                f"{MIN_SECRET_BITS_PER_CHAR:.1f} are needed)")
    return None


#: How to make a quarantine key (a Fernet key: 32 random bytes, URL-safe base64).
QUARANTINE_KEY_RECIPE: Final = ('python -c "from cryptography.fernet import Fernet; '
                                'print(Fernet.generate_key().decode())"')


def quarantine_key_problem(value: str) -> str | None:
    """Why ``value`` cannot be the key that encrypts quarantined content at rest, or ``None``:
    it must be a Fernet key (32 bytes in URL-safe base64, 44 characters) that looks random (at
    least 16 distinct bytes, no repeated pattern), and no placeholder."""
    import base64
    import binascii

    if is_placeholder_secret(value):
        return "it is a placeholder, not a key"
    try:
        raw = base64.urlsafe_b64decode(value.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return "it is not URL-safe base64"
    if len(raw) != 32:
        return f"it decodes to {len(raw)} bytes; a Fernet key is 32"
    if len(set(raw)) < 16 or any(raw == raw[:p] * (32 // p) for p in (1, 2, 4, 8, 16)):
        return "its bytes are not random (too few distinct values, or a repeated pattern)"
    return None


class Settings(BaseSettings):
    """Clearance configuration. See ``docs/settings.md``."""

    model_config = SettingsConfigDict(
        env_prefix="CLEARANCE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(default=Path("data"))
    database_url: str | None = None
    blob_dir: Path | None = None
    policy_file: Path | None = None
    max_text_bytes: int = Field(default=DEFAULT_MAX_TEXT_BYTES, gt=0)
    max_image_bytes: int = Field(default=DEFAULT_MAX_IMAGE_BYTES, gt=0)
    max_image_pixels: int = Field(default=DEFAULT_MAX_IMAGE_PIXELS, gt=0)
    semantic: Literal["auto", "always", "off"] = "auto"
    semantic_threshold: float = Field(default=0.85, ge=0.0, le=1.0)
    semantic_margin: float = Field(default=0.02, ge=0.0, le=1.0)
    face_min_px: int = Field(default=40, ge=16, le=1000)
    secret_key: str | None = None
    #: Encrypts quarantined content at rest (``clearance.quarantine``): a Fernet key. Required in
    #: production; in development and test a key file is made in ``data_dir`` when it is unset.
    quarantine_key: str | None = None
    #: Review service (``clearance serve``).
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65536)
    session_max_age: int = Field(default=8 * 3600, gt=0)
    #: Where the busiest routes' database work runs (``clearance.service.deps._inline``):
    #: ``loop`` on the event loop when it is safe, ``threads`` always in worker threads, ``auto``
    #: the loop in a worker of several (``clearance serve --workers N``, N > 1), threads in a
    #: lone process.
    db_work: Literal["auto", "loop", "threads"] = "auto"
    review_lease_seconds: int = Field(default=15 * 60, gt=0)
    #: Service-level targets: hours an item may wait for its decision, by screening decision
    #: (:mod:`clearance.review.service_levels`). A JSON object in the environment.
    review_target_hours: dict[str, float] = Field(
        default_factory=lambda: {"block": 4.0, "review": 24.0})
    max_upload_bytes: int = Field(default=DEFAULT_MAX_IMAGE_BYTES, gt=0)
    webhook_max_attempts: int = Field(default=6, gt=0)
    webhook_backoff_seconds: float = Field(default=2.0, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    #: Host names and addresses/CIDR networks that outbound requests (webhooks, feeds) may reach
    #: although they are not public (see :mod:`clearance.net`). A JSON list in the environment.
    outbound_allow: list[str] = Field(default_factory=list)
    #: The after-release monitor (``docs/monitor.md``): how long a post's text, author and URL
    #: are kept (then only its scores and the aggregates), the service's own names (a co-signal
    #: for linking common-word titles), and the JetStream stream it consumes.
    monitor_retention_days: int = Field(default=30, gt=0)
    monitor_service_names: list[str] = Field(default_factory=list)
    monitor_nats_url: str = "nats://127.0.0.1:4222"
    monitor_stream: str = Field(default="CLEARANCE_POSTS", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    monitor_subject: str = Field(default="clearance.posts",
                                 pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
    monitor_consumer: str = Field(default="clearance-monitor",
                                  pattern=r"^[A-Za-z0-9_-]{1,64}$")

    #: Catalog-scale screening (``clearance rescreen``): the team whose queue receives the review
    #: items of assets that no team owns (an imported catalog); none: such items have no team
    #: (reviewers see them, no submitter does).
    default_team: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")

    @field_validator("database_url")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        return v.strip() or None if v is not None else None

    @field_validator("review_target_hours")
    @classmethod
    def _check_targets(cls, v: dict[str, float]) -> dict[str, float]:
        for decision, hours in v.items():
            if decision not in ("block", "review"):
                raise ValueError(f"a target is set per screening decision ('block', "
                                 f"'review'), not {decision!r}")
            if not math.isfinite(hours) or hours <= 0:
                raise ValueError(f"the target for {decision!r} must be a positive number of "
                                 f"hours, not {hours!r}")
        return v

    @field_validator("outbound_allow")
    @classmethod
    def _check_allow(cls, v: list[str]) -> list[str]:
        from clearance.net import parse_allow_entry  # net imports settings for its types

        for entry in v:
            parse_allow_entry(entry)  # ValueError names the entry
        return [entry.strip() for entry in v]

    @property
    def resolved_database_url(self) -> str:
        """The database URL; the embedded SQLite file in ``data_dir`` by default."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'clearance.db').resolve()}"

    @property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir if self.blob_dir is not None else self.data_dir / "blobs"

    @property
    def has_real_secret(self) -> bool:
        """Whether ``CLEARANCE_SECRET_KEY`` holds something other than a placeholder (see
        :func:`is_placeholder_secret`); a placeholder counts as no secret at all."""
        return not is_placeholder_secret(self.secret_key)

    def require_quarantine_key(self) -> str | None:
        """The quarantine key, checked (:func:`quarantine_key_problem`) in every environment;
        ``None`` when it is unset outside production (the vault then keeps a key file of its
        own in ``data_dir``). Unset in production, or unusable anywhere, is refused."""
        value = (self.quarantine_key or "").strip()
        if not value:
            if self.environment == "production":
                raise ConfigurationError(
                    "CLEARANCE_QUARANTINE_KEY is not set: in production, quarantined content is "
                    f"encrypted with a key of yours; generate one with {QUARANTINE_KEY_RECIPE}")
            return None
        problem = quarantine_key_problem(value)
        if problem is not None:
            raise ConfigurationError(f"CLEARANCE_QUARANTINE_KEY cannot be used: {problem}; "
                                     f"generate one with {QUARANTINE_KEY_RECIPE}")
        return value

    def require_secret(self, *, is_strict: bool | None = None) -> str:
        """The key that signs sessions.

        A placeholder (``change-me``, ``secret``, blank...) counts as no secret, in every
        environment. In development without a real secret the public :data:`DEVELOPMENT_SECRET`
        is used (serving it beyond loopback is refused by ``check_bind``). Outside development
        -- or with ``is_strict=True``, as for a non-loopback address -- a missing secret is
        refused, and so is a weak one (:func:`weak_secret_reason`).
        """
        strict = self.environment != "development" if is_strict is None else is_strict
        if not self.has_real_secret:
            if not strict:
                return DEVELOPMENT_SECRET
            given = "is not set" if not (self.secret_key or "").strip() else (
                "holds a placeholder value")
            raise ConfigurationError(
                f"CLEARANCE_SECRET_KEY {given}: a real secret is needed outside development "
                f"(environment is {self.environment!r}); generate one with {SECRET_RECIPE}")
        secret = self.secret_key or ""
        if strict:
            reason = weak_secret_reason(secret)
            if reason is not None:
                raise ConfigurationError(
                    f"CLEARANCE_SECRET_KEY is too weak: {reason} (environment is "
                    f"{self.environment!r}); generate one with {SECRET_RECIPE}")
        return secret


#: Settings whose values are never repeated in an error (a key, or a URL with a password).
_UNSHOWN: Final = ("secret", "key", "password", "token", "database_url")


def _setting_problem(error: Mapping[str, Any]) -> Problem:
    """One validation error as ``CLEARANCE_PORT: should be a whole number (got 'abc')``: the
    setting named as it is set, pydantic's message in plain words, the value unless secret."""
    loc = [str(p) for p in error.get("loc", ()) if not isinstance(p, int)]
    name = loc[0] if loc else ""
    field = f"CLEARANCE_{name.upper()}" if name else "settings"
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    message = message.replace("Input should be", "should be")
    plain = _PLAIN.get(str(error.get("type")))
    if plain is not None:
        message = plain.format(**(error.get("ctx") or {}))
    value = error.get("input")
    shown = "" if any(word in name for word in _UNSHOWN) or isinstance(value, dict) \
        else f" (got {str(value)[:60]!r})"
    return Problem(f"{message[:1].lower()}{message[1:]}{shown}", field=field)


#: pydantic's messages for the common mistakes, in the words of a settings file.
_PLAIN: Final[dict[str, str]] = {
    "int_parsing": "should be a whole number",
    "float_parsing": "should be a number",
    "bool_parsing": "should be true or false",
    "greater_than": "should be more than {gt}",
    "greater_than_equal": "should be at least {ge}",
    "less_than": "should be less than {lt}",
    "less_than_equal": "should be at most {le}",
}


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides on top. A bad value is a
    :class:`ConfigurationError` naming each setting (``CLEARANCE_PORT: should be a whole
    number (got 'abc')``), never pydantic's own text with its links."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = [_setting_problem(e) for e in exc.errors()]
        if len(problems) == 1:  # the message says it all (and matches what it is about)
            raise ConfigurationError(f"invalid setting {problems[0].rendered()} (environment "
                                     "or .env; see docs/settings.md)") from None
        names = ", ".join(dict.fromkeys(p.field or "" for p in problems))
        raise ConfigurationError(f"invalid settings: {names} (environment or .env; see "
                                 "docs/settings.md)", problems=problems) from None
    except SettingsError as exc:  # a value pydantic-settings cannot even parse (bad JSON)
        found = re.search(r'field "(\w+)"', str(exc))
        field = f"CLEARANCE_{found.group(1).upper()}" if found else "settings"
        raise ConfigurationError(
            f"invalid setting {field}: cannot be read: a list or mapping is written as JSON "
            "(environment or .env; see docs/settings.md)") from None
    except ValueError as exc:
        raise ConfigurationError(f"invalid settings: {exc}") from exc
