"""``clearance serve``: run the review service (API and UI) with uvicorn."""

from __future__ import annotations

import click

from clearance.cli.common import err_console, handle_errors
from clearance.errors import ConfigurationError
from clearance.settings import Settings, get_settings

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def check_bind(settings: Settings, host: str) -> None:
    """Refuse a missing secret outside development, and the development key (public: it is in
    the source) on anything but a loopback address."""
    settings.require_secret()
    if settings.environment == "development" and not settings.secret_key and host not in LOOPBACK:
        raise ConfigurationError(
            f"refusing to serve on {host} with the development-only session key: set "
            "CLEARANCE_SECRET_KEY (and CLEARANCE_ENVIRONMENT=production), or listen on "
            "127.0.0.1")


@click.command()
@click.option("--host", help="Address to listen on (default CLEARANCE_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port to listen on (default CLEARANCE_PORT, 8000).")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]),
              default="info", show_default=True, help="uvicorn's log level.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (about one per core). Background batch jobs are stored "
                   "in the database: any worker reports them, exactly one runs each.")
@handle_errors
def serve(host: str | None, port: int | None, log_level: str, workers: int) -> None:
    """Run the review service: the JSON API under /api, the review UI, /healthz.

    Outside development (CLEARANCE_ENVIRONMENT) it refuses to start without a real
    CLEARANCE_SECRET_KEY, which signs the UI's session cookies; in development without one it
    listens only on a loopback address. The embedded SQLite database is migrated first; a
    PostgreSQL database must be at the current schema already (clearance db upgrade).
    Screening models load on the first upload, not at start. Behind a TLS-terminating proxy,
    run with CLEARANCE_ENVIRONMENT=production so cookies are Secure.
    """
    import uvicorn

    from clearance.service import create_app

    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = get_settings(**overrides)
    check_bind(settings, settings.host)  # refuse before anything is opened or bound
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
                    port=settings.port, workers=workers, log_level=log_level,
                    proxy_headers=True, server_header=False)
        return
    app = create_app(settings)
    err_console.print(where)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level,
                proxy_headers=True, server_header=False)
