"""Running the service under uvicorn, in one process or several.

Why not plain ``uvicorn --workers N``: with several workers uvicorn binds the listening socket
itself, with protocol number 0, and asyncio sets ``TCP_NODELAY`` only on accepted sockets whose
protocol is ``IPPROTO_TCP``. Without it, Nagle's algorithm holds the second write of every
response until the client's delayed ACK, about 40 ms later: a keep-alive request measured 1.2 ms
with one worker and 44 ms with two (a bare ASGI app, this machine). :class:`NoDelayConfig` sets
``TCP_NODELAY`` on the listening socket, which the sockets it accepts inherit on Linux (0.97 ms
with two workers).

Why each worker listens on a socket of its own: when the workers shared one listening socket,
whichever worker was awake to accept took a new connection, and a keep-alive connection stays
where it landed. In one of three runs of ``bench/bench_load.py`` its 50 clients ended up 44 on
one worker and 19 on the other (connections counted in ``/proc``; CPU 26 s against 12 s): one
core saturated while the other idled. With ``SO_REUSEPORT`` (Linux) each worker binds its own
listening socket to the same address and the kernel spreads connections across them by a hash
of their addresses, which bounds the skew (25 ± 3.5 of 50 on two workers). The supervisor's
socket is only bound, never listened on, so no connection waits there; it reserves the address
and fails early when it is taken. A worker that dies drops the connections still waiting in its
own backlog (their clients see a reset); the others keep serving. On the load benchmark the
difference is within its run-to-run noise (three interleaved pairs: p95 at 200 req/s 259/397/392
ms against 363/488/519; two more: 145/389 against 88/252).
"""

from __future__ import annotations

import importlib.util
import os
import socket
from typing import Any, Final

import uvicorn
from uvicorn.supervisors import Multiprocess

#: ``clearance serve``'s worker processes by default: one per core of a two-core machine
#: (``bench/bench_load.py`` measured one and two; ``docs/cli.md``).
DEFAULT_WORKERS: Final = 2
#: httptools' protocol, each response in one write (:mod:`clearance.service.one_write`).
ONE_WRITE_HTTP: Final = "clearance.service.one_write:OneWriteHttpToolsProtocol"
#: How long a worker may leave its supervisor's ping unanswered before it is replaced.
HEALTHCHECK_SECONDS: Final = 60


def serve_options(log_level: str = "info", *, access_log: bool = True) -> dict[str, Any]:
    """uvicorn's options as ``clearance serve`` runs it (and ``bench/bench_load.py``, which
    measures what production runs): uvloop's event loop and httptools' HTTP parser (both
    dependencies; asyncio's loop and h11 where they cannot be imported), each response in one
    write (:data:`ONE_WRITE_HTTP`), the request lines of
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
            "http": ONE_WRITE_HTTP if importlib.util.find_spec("httptools") else "h11",
            "log_level": log_level, "access_log": False,
            "log_config": log_config(log_level, access_log=access_log),
            "proxy_headers": True, "server_header": False,
            "timeout_worker_healthcheck": HEALTHCHECK_SECONDS}


#: Whether each worker can listen on a socket of its own at the shared address (Linux).
SPREAD_CONNECTIONS: Final = hasattr(socket, "SO_REUSEPORT")


def worker_listener(family: int, address: Any) -> socket.socket:
    """A listening socket of a worker's own at ``address`` (``SO_REUSEPORT``; ``TCP_NODELAY``,
    which the sockets it accepts inherit)."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


class SpreadSocket(socket.socket):
    """The supervisor's bound socket; a worker process receives it (pickled, as uvicorn hands
    its sockets to the processes it spawns) as :func:`worker_listener` at the same address."""

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return worker_listener, (self.family, self.getsockname())


class NoDelayConfig(uvicorn.Config):
    """uvicorn's configuration, with ``TCP_NODELAY`` on the socket it binds for its workers
    and, where the platform has ``SO_REUSEPORT``, a listening socket per worker."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not SPREAD_CONNECTIONS:
            return sock
        # set after the bind: the workers' binds check the flag when they happen
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        return SpreadSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())


#: The number of worker processes ``clearance serve`` started, in each worker's environment: how
#: ``CLEARANCE_DB_WORK=auto`` knows it runs in a worker of several
#: (:func:`clearance.service.app.work_on_loop`) without guessing from how it was started.
WORKERS_ENV = "CLEARANCE_SERVE_WORKERS"


def run_workers(app: str, *, host: str, port: int, workers: int, factory: bool = True,
                **options: Any) -> None:
    """Serve the ASGI app at import path ``app`` (a factory by default) with ``workers``
    processes on one address, each on a listening socket of its own where the platform allows
    (:class:`NoDelayConfig`); returns when they stop. The workers find their number in
    :data:`WORKERS_ENV`."""
    os.environ[WORKERS_ENV] = str(workers)
    config = NoDelayConfig(app, host=host, port=port, workers=workers, factory=factory,
                           **options)
    sock = config.bind_socket()
    Multiprocess(config, sockets=[sock]).run()
