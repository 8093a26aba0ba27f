"""Storage: the SQL schema (SQLAlchemy 2 + Alembic) and the content-addressed blob store.

Use :func:`make_engine` and :func:`session_scope` for database work, :func:`upgrade` to bring a
database to the current schema, and a :class:`BlobStore` (:class:`LocalBlobStore` by default)
for asset version content. Everything that fails here raises
:class:`~clearance.errors.StorageError`.
"""

from clearance.storage import (  # noqa: F401  (register their tables with the metadata)
    bank_models,
    console_models,
    incident_models,
    job_models,
    monitor_models,
    quarantine_models,
    rescreen_models,
    review_models,
    screening_models,
)
from clearance.storage.blobs import BlobStore, LocalBlobStore, sha256_hex
from clearance.storage.db import (
    as_utc,
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    ready_engine,
    session_scope,
    upgrade,
)

__all__ = [
    "BlobStore",
    "LocalBlobStore",
    "as_utc",
    "current_revision",
    "ensure_schema",
    "head_revision",
    "make_engine",
    "ready_engine",
    "session_scope",
    "sha256_hex",
    "upgrade",
]
