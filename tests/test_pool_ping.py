"""Pooled connections are pinged when they sat unused, not on every checkout
(:func:`clearance.storage.db.ping_when_idle`): a connection the database dropped while it rested
is replaced before anyone uses it; one in steady use is not pinged, so a drop under load costs
that one use (the trade documented in docs/settings.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from clearance.storage import make_engine
from clearance.storage.db import ping_when_idle

pytestmark = pytest.mark.postgres


def _engine(url: str, seconds: float) -> Engine:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, seconds)
    return engine


def _drop_pooled_connection(engine: Engine, admin: Engine) -> int:
    with engine.connect() as c:
        pid = int(c.scalar(text("SELECT pg_backend_pid()")) or 0)
    with admin.connect() as a:  # the pooled connection now rests; the server drops it
        a.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    return pid


def test_a_rested_connection_the_server_dropped_is_replaced_before_use(postgres_url: str
                                                                         ) -> None:
    engine, admin = _engine(postgres_url, 0.0), make_engine(postgres_url)
    try:
        dropped = _drop_pooled_connection(engine, admin)
        with engine.connect() as c:
            assert c.scalar(text("SELECT pg_backend_pid()")) != dropped
    finally:
        engine.dispose()
        admin.dispose()


def test_a_connection_in_steady_use_is_not_pinged(postgres_url: str) -> None:
    engine, admin = _engine(postgres_url, 3600.0), make_engine(postgres_url)
    try:
        _drop_pooled_connection(engine, admin)
        with pytest.raises(OperationalError), engine.connect() as c:
            c.scalar(text("SELECT 1"))
        with engine.connect() as c:  # the failed one was discarded with the pool
            assert c.scalar(text("SELECT 1")) == 1
    finally:
        engine.dispose()
        admin.dispose()
