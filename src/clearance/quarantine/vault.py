"""Quarantined bytes, kept apart and encrypted at rest.

The vault is a folder of its own (``<data_dir>/quarantine``), not the blob store: files named by
random ids (not by the content's hash, which would say what they hold), each the Fernet token
(AES-128-CBC and HMAC-SHA256, from ``cryptography``) of the content. The key is
``CLEARANCE_QUARANTINE_KEY`` (required in production, refused when weak:
:func:`clearance.settings.quarantine_key_problem`). In development and test, with no key set,
the vault makes one in ``<data_dir>/quarantine/vault.key`` (mode 0600) and says so in the log:
a key next to the data protects nothing on a stolen disk, which is why production refuses it.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Final

from cryptography.fernet import Fernet, InvalidToken

from clearance.errors import NotFound, StorageError
from clearance.settings import Settings

log = logging.getLogger("clearance.quarantine")

#: The folder under ``data_dir``.
VAULT_DIR: Final = "quarantine"
#: The development key file's name inside it.
DEV_KEY_FILE: Final = "vault.key"


class Vault:
    """Encrypted files in ``root``."""

    def __init__(self, root: Path, key: str | bytes) -> None:
        self.root = root
        self._fernet = Fernet(key)

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        """The vault in ``data_dir``, with ``CLEARANCE_QUARANTINE_KEY`` (or, outside
        production, a key file made there)."""
        root = settings.data_dir / VAULT_DIR
        key = settings.require_quarantine_key()
        if key is None:
            key = _development_key(root)
        return cls(root, key)

    def seal(self, data: bytes) -> str:
        """Encrypt and store ``data``; the name to open it by."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = secrets.token_hex(16)
        token = self._fernet.encrypt(data)
        path = self.root / f"{name}.bin"
        tmp = self.root / f".{name}.tmp"
        try:
            with open(tmp, "xb") as out:
                out.write(token)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"cannot write to the quarantine vault: {exc.strerror}") from exc
        return name

    def open(self, name: str) -> bytes:
        """The content stored as ``name``; :class:`NotFound`, or :class:`StorageError` when
        the key is not the one it was sealed with."""
        if not name.isalnum():
            raise NotFound(f"no quarantined file {name!r}")
        try:
            token = (self.root / f"{name}.bin").read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"no quarantined file {name!r}") from exc
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise StorageError("a quarantined file cannot be decrypted with "
                               "CLEARANCE_QUARANTINE_KEY (not the key it was sealed with)"
                               ) from exc


def _development_key(root: Path) -> str:
    path = root / DEV_KEY_FILE
    if not path.exists():
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(Fernet.generate_key().decode())
        log.warning("CLEARANCE_QUARANTINE_KEY is not set: quarantined content is encrypted with "
                    "a key kept beside it (%s); set a key of your own in production", path)
    return path.read_text().strip()
