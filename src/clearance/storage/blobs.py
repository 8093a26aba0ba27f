"""Content-addressed blob store: asset version content, keyed by its SHA-256.

The database stores only the hash (``asset_versions.content_sha256``); the bytes live in a
:class:`BlobStore`. Putting the same bytes twice stores them once and returns the same key, so
versions are naturally deduplicated and a hash always means the same content.

:class:`LocalBlobStore` keeps blobs in a folder as ``root/ab/cd/<sha256>`` and writes each one
atomically (temporary file in the same folder, then rename), so a crashed process never leaves a
partial blob under its final name. ``fsync=True`` also flushes each blob to disk before the
rename, for durability across power loss (it costs a few milliseconds per blob, which matters
for bulk imports of thousands of small texts).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

from clearance.errors import InputError, NotFound, StorageError

_SHA256_RE: Final = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(data: bytes) -> str:
    """The key a blob store gives ``data``."""
    return hashlib.sha256(data).hexdigest()


@runtime_checkable
class BlobStore(Protocol):
    """Where asset version content lives, addressed by SHA-256 (lowercase hex)."""

    def put(self, data: bytes) -> str:
        """Store ``data`` (idempotent) and return its SHA-256."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; :class:`NotFound` if there are none."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether bytes are stored under ``sha256``."""
        ...

    def remove(self, sha256: str) -> bool:
        """Forget the bytes stored under ``sha256`` (quarantined content leaves the store);
        whether there were any."""
        ...


def _check_key(sha256: str) -> str:
    if not _SHA256_RE.match(sha256):
        raise InputError(f"not a SHA-256 key: {sha256!r} (expected 64 lowercase hex digits)")
    return sha256


class LocalBlobStore:
    """Blobs in a local folder, ``root/ab/cd/<sha256>``; the folder is created on first put."""

    def __init__(self, root: Path | str, *, fsync: bool = False) -> None:
        self.root = Path(root)
        self.fsync = fsync

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    def path_for(self, sha256: str) -> Path:
        key = _check_key(sha256)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = sha256_hex(data)
        target = self.path_for(key)
        if target.is_file():
            return key
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    if self.fsync:
                        handle.flush()
                        os.fsync(handle.fileno())
                os.replace(tmp_name, target)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(
                f"cannot write blob {key} under {self.root}: {exc.strerror or exc}"
            ) from exc
        return key

    def get(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"no blob {sha256} in {self.root}") from exc
        except OSError as exc:
            raise StorageError(f"cannot read blob {sha256}: {exc.strerror or exc}") from exc

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def remove(self, sha256: str) -> bool:
        try:
            self.path_for(sha256).unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StorageError(f"cannot remove blob {sha256}: {exc.strerror or exc}") from exc
        return True
