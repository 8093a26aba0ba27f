"""One log line per request: method, path, status and milliseconds (``GET /api/items 200 3.2
ms``), on the ``clearance.access`` logger.

uvicorn's own access log is turned off by ``clearance serve``: it prints the query string, and a
query can carry a secret (``/items/7/content?reveal=<grant>``). This line has the path only, with
anything unprintable percent-encoded (a request cannot forge log lines), never a header or a
query. It is a plain ASGI middleware: a clock read and, when the logger is enabled, one record
per request (``--no-access-log`` turns it off).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Final
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOGGER: Final = "clearance.access"
#: Characters kept as they are in a logged path (the rest are percent-encoded).
_SAFE: Final = "/-._~:@!$&'()*+,;="


def shown_path(scope: Scope) -> str:
    """The request's path as logged: no query string, unprintable characters encoded."""
    return quote(str(scope.get("path", "")), safe=_SAFE)[:300]


class RequestLog:
    """ASGI middleware logging each HTTP request once it is answered (or fails: status 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.log.info("%s %s %d %.1f ms", scope.get("method", "?"), shown_path(scope),
                          status, 1000 * (time.perf_counter() - started))


def log_config(level: str, *, access_log: bool = True) -> dict[str, Any]:
    """uvicorn's logging configuration for ``clearance serve`` (every worker gets it): uvicorn's
    own lines as before, Clearance's log, and the request lines at ``info`` (off with
    ``access_log=False``), each line with its time."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG, "disable_existing_loggers": False}
    config["formatters"] = {**LOGGING_CONFIG["formatters"], "clearance": {
        "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}, "access_line": {
        "format": "%(asctime)s %(message)s"}}
    config["handlers"] = {**LOGGING_CONFIG["handlers"],
                          "clearance": {"class": "logging.StreamHandler",
                                        "formatter": "clearance", "stream": "ext://sys.stderr"},
                          "access_line": {"class": "logging.StreamHandler",
                                          "formatter": "access_line",
                                          "stream": "ext://sys.stderr"}}
    config["loggers"] = {**LOGGING_CONFIG["loggers"],
                         "clearance": {"handlers": ["clearance"], "level": level.upper(),
                                       "propagate": False},
                         ACCESS_LOGGER: {"handlers": ["access_line"],
                                         "level": "INFO" if access_log and level.lower() in
                                         ("info", "debug") else "WARNING",
                                         "propagate": False}}
    return config
