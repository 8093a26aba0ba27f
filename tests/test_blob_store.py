"""The content-addressed blob store: keys, idempotence, atomic writes, errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from clearance.errors import InputError, NotFound, StorageError
from clearance.storage import BlobStore, LocalBlobStore


@pytest.mark.parametrize("fsync", [False, True])
def test_put_get_exists(tmp_path: Path, fsync: bool) -> None:
    store = LocalBlobStore(tmp_path / "blobs", fsync=fsync)
    assert isinstance(store, BlobStore)
    data = b"Eleven-year-old Amy..."
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.exists(key)
    assert store.get(key) == data
    path = tmp_path / "blobs" / key[:2] / key[2:4] / key
    assert path.read_bytes() == data
    assert store.put(data) == key  # idempotent
    assert sorted(p.name for p in path.parent.iterdir()) == [key]  # no temporary files left
    assert store.put(b"") == hashlib.sha256(b"").hexdigest()


def test_missing_and_malformed_keys(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    missing = hashlib.sha256(b"nothing").hexdigest()
    assert not store.exists(missing)
    with pytest.raises(NotFound, match=missing):
        store.get(missing)
    for bad in ("../../etc/passwd", "ABC", missing.upper()):
        with pytest.raises(InputError, match="not a SHA-256 key"):
            store.get(bad)


def test_write_failure_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot write blob"):
        LocalBlobStore(blocker).put(b"data")


def test_remove(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    key = store.put(b"quarantined bytes")
    assert store.remove(key) is True and not store.exists(key)
    assert store.remove(key) is False  # nothing left to remove
    with pytest.raises(InputError, match="not a SHA-256 key"):
        store.remove("../../etc/passwd")
