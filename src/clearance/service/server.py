"""Running the service under uvicorn, in one process or several.

Why not plain ``uvicorn --workers N``: with several workers uvicorn binds the listening socket
itself, with protocol number 0, and asyncio sets ``TCP_NODELAY`` only on accepted sockets whose
protocol is ``IPPROTO_TCP``. Without it, Nagle's algorithm holds the second write of every
response until the client's delayed ACK, about 40 ms later: a keep-alive request measured 1.2 ms
with one worker and 44 ms with two (a bare ASGI app, this machine). :class:`NoDelayConfig` sets
``TCP_NODELAY`` on the listening socket, which the sockets it accepts inherit on Linux (0.97 ms
with two workers).
"""

from __future__ import annotations

import importlib.util
import socket
from typing import Any, Final

import uvicorn
from uvicorn.supervisors import Multiprocess

#: ``clearance serve``'s worker processes by default: one per core of a two-core machine
#: (``bench/bench_load.py`` measured one and two; ``docs/cli.md``).
DEFAULT_WORKERS: Final = 2
#: How long a worker may leave its supervisor's ping unanswered before it is replaced.
HEALTHCHECK_SECONDS: Final = 60


def serve_options(log_level: str = "info", *, access_log: bool = True) -> dict[str, Any]:
    """uvicorn's options as ``clearance serve`` runs it (and ``bench/bench_load.py``, which
    measures what production runs): uvloop's event loop and httptools' HTTP parser (both
    dependencies; asyncio's loop and h11 where they cannot be imported), the request lines of
    :mod:`clearance.service.request_log` instead of uvicorn's access log, the client address
    from a proxy's ``X-Forwarded-For`` (when ``FORWARDED_ALLOW_IPS`` trusts it) and no
    ``Server`` header.

    uvicorn's supervisor replaces a worker that does not answer its ping within
    ``timeout_worker_healthcheck`` seconds (5 by default), starting ones included: on a busy
    two-core machine a worker importing the app took longer than that and was killed and
    restarted again and again (``bench/bench_load.py``'s server did not come up), and a worker
    busy under load can miss it too. A worker silent for :data:`HEALTHCHECK_SECONDS` is hung;
    it is replaced then."""
    from clearance.service.request_log import log_config

    return {"loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
            "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
            "log_level": log_level, "access_log": False,
            "log_config": log_config(log_level, access_log=access_log),
            "proxy_headers": True, "server_header": False,
            "timeout_worker_healthcheck": HEALTHCHECK_SECONDS}


class NoDelayConfig(uvicorn.Config):
    """uvicorn's configuration, with ``TCP_NODELAY`` on the socket it binds for its workers."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def run_workers(app: str, *, host: str, port: int, workers: int, factory: bool = True,
                **options: Any) -> None:
    """Serve the ASGI app at import path ``app`` (a factory by default) with ``workers``
    processes sharing one listening socket; returns when they stop."""
    config = NoDelayConfig(app, host=host, port=port, workers=workers, factory=factory,
                           **options)
    sock = config.bind_socket()
    Multiprocess(config, sockets=[sock]).run()
