"""A cap on request bodies, applied before a route reads a byte.

Uploads are spooled to disk by the multipart parser, so without a cap a client could fill the
disk with one request. :class:`BodyLimit` answers 413 (problem+json) at once when the declared
``Content-Length`` is over the route's cap, and for a body sent without one (chunked) reads it
up to the cap first and refuses it there, so the route never sees a body over the cap.
Per-file limits (``CLEARANCE_MAX_UPLOAD_BYTES``) are checked again by the upload routes, which
name the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearance.service.problems import PROBLEM_JSON, problem_body

#: Room for multipart boundaries and the form fields beside a file.
FORM_OVERHEAD: Final = 1_048_576
#: The cap for every request that is not an upload (JSON bodies, UI forms).
DEFAULT_CAP: Final = 1_048_576


class BodyLimit:
    """ASGI middleware; ``cap_for(path)`` gives the largest body allowed on a path."""

    def __init__(self, app: ASGIApp, cap_for: Callable[[str], int]) -> None:
        self.app = app
        self.cap_for = cap_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        cap = self.cap_for(scope["path"])
        length = _content_length(scope)
        if length is not None:
            if length > cap:
                await _refuse(send, length, cap)
                return
            await self.app(scope, receive, send)
            return
        # No Content-Length: read the body (up to the cap) before the app runs.
        chunks: list[bytes] = []
        total = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            body = message.get("body", b"")
            total += len(body)
            if total > cap:
                await _refuse(send, None, cap)
                return
            chunks.append(body)
            more = bool(message.get("more_body", False))
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


async def _refuse(send: Send, length: int | None, cap: int) -> None:
    size = f"{length:,} bytes" if length is not None else "the request body"
    body = json.dumps(problem_body(
        413, f"{size} is over the limit of {cap:,} bytes for this route "
             "(CLEARANCE_MAX_UPLOAD_BYTES per file)")).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
