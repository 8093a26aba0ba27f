"""Settings, read from the environment (prefix ``CLEARANCE_``) and an optional ``.env`` file.

Nothing reads the environment at import time: call :func:`get_settings` (or build
:class:`Settings` yourself and pass it down). Every setting is listed in ``docs/settings.md``; a
test checks that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from clearance.errors import ConfigurationError

#: The largest text (in bytes, UTF-8) that screening accepts by default.
DEFAULT_MAX_TEXT_BYTES = 1_000_000
#: The largest image file (bytes) that intake accepts by default: 25 MB.
DEFAULT_MAX_IMAGE_BYTES = 25_000_000
#: The most pixels (width x height, read from the header) intake decodes by default: 50 MP.
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000


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
    #: Review service (``clearance serve``).
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65536)
    session_max_age: int = Field(default=8 * 3600, gt=0)
    review_lease_seconds: int = Field(default=15 * 60, gt=0)
    max_upload_bytes: int = Field(default=DEFAULT_MAX_IMAGE_BYTES, gt=0)
    webhook_max_attempts: int = Field(default=6, gt=0)
    webhook_backoff_seconds: float = Field(default=2.0, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        return v.strip() or None if v is not None else None

    @property
    def resolved_database_url(self) -> str:
        """The database URL; the embedded SQLite file in ``data_dir`` by default."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'clearance.db').resolve()}"

    @property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir if self.blob_dir is not None else self.data_dir / "blobs"

    def require_secret(self) -> str:
        """The secret key; outside development a missing or default secret is refused."""
        if self.secret_key and self.secret_key != "change-me":
            return self.secret_key
        if self.environment == "development":
            return "development-only-secret"
        raise ConfigurationError(
            "CLEARANCE_SECRET_KEY must be set to a real secret outside development "
            f"(environment is {self.environment!r})"
        )


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides on top."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigurationError(f"invalid settings: {exc}") from exc
