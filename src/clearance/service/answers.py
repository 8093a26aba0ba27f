"""JSON answers built once: what the busiest routes return instead of a model for FastAPI to
validate and serialise.

A route declared with ``response_model=`` (so ``/openapi.json`` still describes the answer) that
returns a :class:`~starlette.responses.Response` is sent as it is: FastAPI neither validates it
against the model nor serialises it a second time. The routes that do this
(:mod:`clearance.service.api_items`: the queue page, an item, claim, claim-next, release and
decision) build their answers as JSON-ready mappings (:mod:`clearance.service.item_rows`) that
are exactly what the model gives in JSON mode — ``tests/test_item_rows.py`` validates them
against the models and compares them with the ORM views' — and encode them with orjson, in the
worker thread that read them. ``bench/bench_load.py`` measured the model path (building the
models, FastAPI's response check and pydantic's serialiser calling back into Python for every
timestamp) at about a tenth of the server's CPU per request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import orjson
from starlette.responses import Response

_UTC: Final = dt.UTC
_ZERO: Final = dt.timedelta(0)


def iso_utc(at: dt.datetime) -> str:
    """``at`` in UTC as ISO 8601 with ``+00:00``, as the response models write timestamps
    (:data:`clearance.service.models_public.UtcTime`): SQLite hands stored timestamps back
    naive (they are UTC), PostgreSQL aware in the connection's time zone."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=_UTC)
    elif at.utcoffset() != _ZERO:
        at = at.astimezone(_UTC)
    return at.isoformat()


def encode(content: Any) -> bytes:
    """``content`` (JSON-ready: str, int, float, bool, None, lists and str-keyed mappings) as
    compact UTF-8 JSON."""
    return orjson.dumps(content)


def json_answer(body: bytes, status_code: int = 200) -> Response:
    """An ``application/json`` response of ``body`` (:func:`encode`'s)."""
    return Response(body, status_code=status_code, media_type="application/json")
