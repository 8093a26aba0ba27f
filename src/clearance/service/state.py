"""What one running service holds for its whole life: settings, the database engine, the blob
store, the session secret, the background jobs, and the screening models.

The :class:`~clearance.screening.Screener` loads its models on first use (seconds, hundreds of
megabytes), so it is built lazily, once per app, under a lock; screening itself runs under a lock
too, because the detectors share model sessions that were not written to be called from many
request threads at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from clearance.events import EventBus
from clearance.screening import Screener
from clearance.service.callers import CallerCache
from clearance.settings import Settings
from clearance.storage import BlobStore
from clearance.storage.db import SQLITE_BEGIN

if TYPE_CHECKING:
    from clearance.bank.index import BankIndex
    from clearance.quarantine.vault import Vault
    from clearance.service.jobs import JobRunner


@dataclass(frozen=True, slots=True)
class ScreenerIdentity:
    """What a stored screening must match to be today's: the policy (``name@version``) and the
    detectors' ``(name, version)`` pairs."""

    policy: str
    detectors: tuple[tuple[str, str], ...]


@dataclass
class ServiceState:
    settings: Settings
    engine: Engine
    blobs: BlobStore
    #: The key that signs session cookies (``settings.require_secret()``).
    secret: str
    screener_factory: Callable[[], Screener]
    #: This process's background job runner (set by ``create_app``).
    jobs: JobRunner | None = None
    #: The hash bank's index over this database (the screener's, and the bank routes'); ``None``
    #: when the ``bank`` extra is not installed.
    bank: BankIndex | None = None
    #: Where quarantined content is sealed (``create_app``: ``Vault.from_settings``).
    vault: Vault | None = None
    #: The time as the rate limits of logins and tokens see it (a test may move it on).
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    #: Callers authenticated in the last moments (:mod:`clearance.service.callers`).
    callers: CallerCache = field(default_factory=CallerCache)
    #: The bus of every request's session (:mod:`clearance.events`; the built-in subscribers),
    #: built once: a session without one built its own on each write.
    bus: EventBus = field(default_factory=EventBus)
    #: Whether the busiest routes' database work may run on the event loop (``settings.db_work``
    #: resolved by ``create_app``: :func:`clearance.service.deps._inline`).
    work_on_loop: bool = False
    _screener: Screener | None = None
    _build_lock: threading.Lock = field(default_factory=threading.Lock)
    _screen_lock: threading.Lock = field(default_factory=threading.Lock)

    @functools.cached_property
    def read_engine(self) -> Engine:
        """The engine of read-only requests: on PostgreSQL its connections run each statement
        in its own implicit transaction (``AUTOCOMMIT``), which saves the ``BEGIN`` and
        ``COMMIT`` round trips; what they read is what a READ COMMITTED transaction (the
        default) reads anyway -- each statement its own snapshot. On SQLite its transactions
        begin deferred (:data:`~clearance.storage.db.SQLITE_BEGIN`): a read does not take the
        write lock."""
        if self.engine.dialect.name == "sqlite":
            return self.engine.execution_options(**{SQLITE_BEGIN: "deferred"})
        if self.engine.dialect.name != "postgresql":
            return self.engine
        return self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def screener(self) -> Screener:
        """The app's one screener, built on first use."""
        if self._screener is None:
            with self._build_lock:
                if self._screener is None:
                    self._screener = self.screener_factory()
        return self._screener

    def screener_identity(self) -> ScreenerIdentity:
        """The screener's policy and detector versions (building the screener, not its models,
        on first use)."""
        screener = self.screener
        return ScreenerIdentity(screener.policy.ref,
                                tuple((d.name, d.version) for d in screener.detectors))

    @contextmanager
    def screening(self) -> Iterator[Screener]:
        """The screener, held by this thread alone while the block runs."""
        screener = self.screener
        with self._screen_lock:
            yield screener
