"""``clearance serve``: run the review service (API and UI) with uvicorn."""

from __future__ import annotations

import ipaddress
import os

import click

from clearance.cli.common import err_console, handle_errors
from clearance.errors import ConfigurationError
from clearance.settings import SECRET_RECIPE, Settings, get_settings


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine: ``localhost`` or an address in
    127.0.0.0/8 or ``::1``. Anything else (``0.0.0.0``, ``::``, a LAN address, a name) is
    treated as reachable from the network."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings, host: str) -> None:
    """Refuse to serve sessions that could be forged: no or a weak secret outside development
    (:meth:`Settings.require_secret`), and on any non-loopback address -- even in development
    -- anything but a real, strong secret (the development key is public: it is in the source;
    a placeholder such as ``change-me`` counts as no secret)."""
    settings.require_secret()
    if is_loopback(host):
        return
    if not settings.has_real_secret:
        raise ConfigurationError(
            f"refusing to serve on {host} with the development-only session key (it is public): "
            f"set CLEARANCE_SECRET_KEY to a real secret, generated with {SECRET_RECIPE}, or "
            "listen on 127.0.0.1")
    try:
        settings.require_secret(is_strict=True)
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"refusing to serve on {host}, reachable from the network: {exc.message}") from exc


@click.command()
@click.option("--host", help="Address to listen on (default CLEARANCE_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port to listen on (default CLEARANCE_PORT, 8000).")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]),
              default="info", show_default=True, help="uvicorn's log level.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (about one per core; default 2 with a PostgreSQL "
                   "database, 1 with the embedded SQLite one). Background batch jobs are "
                   "stored in the database: any worker reports them, exactly one runs each.")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="One line per request: method, path (never the query), status, ms.")
@handle_errors
def serve(host: str | None, port: int | None, log_level: str, workers: int | None,
          access_log: bool) -> None:
    """Run the review service: the JSON API under /api, the review UI, /healthz.

    Outside development (CLEARANCE_ENVIRONMENT) it refuses to start without a real
    CLEARANCE_SECRET_KEY (at least 32 bytes of random text), which signs the UI's session
    cookies; placeholders such as change-me count as no secret. On any address other than
    loopback it needs that real secret even in development. The embedded SQLite database is
    migrated first; a PostgreSQL database must be at the current schema already (clearance db
    upgrade). Screening models load on the first upload, not at start. Behind a TLS-terminating
    proxy, run with CLEARANCE_ENVIRONMENT=production so cookies are Secure.
    """
    import uvicorn

    from clearance.service import create_app
    from clearance.service.server import DEFAULT_WORKERS, serve_options

    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = get_settings(**overrides)
    check_bind(settings, settings.host)  # refuse before anything is opened or bound
    if workers is None:  # the production default (docs/cli.md); one process on SQLite
        workers = 1 if settings.resolved_database_url.startswith("sqlite") else DEFAULT_WORKERS
    options = serve_options(log_level, access_log=access_log)
    where = (f"Clearance review service on http://{settings.host}:{settings.port} "
             f"({settings.environment}"
             + (f", {workers} workers" if workers > 1 else "") + "); Ctrl+C stops it")
    if workers > 1:
        from clearance.service.server import run_workers
        from clearance.storage import ready_engine

        with ready_engine(settings.resolved_database_url):
            pass  # migrate SQLite / refuse an out-of-date database once, before the workers
        err_console.print(where)
        # each worker builds its app from the same environment (create_app() reads it)
        run_workers("clearance.service.app:create_app", host=settings.host,
                    port=settings.port, workers=workers, **options)
        return
    from clearance.service.server import WORKERS_ENV

    os.environ[WORKERS_ENV] = "1"  # a lone process: CLEARANCE_DB_WORK=auto keeps threads
    app = create_app(settings)
    err_console.print(where)
    uvicorn.run(app, host=settings.host, port=settings.port, **options)
