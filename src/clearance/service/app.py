"""The review service: one FastAPI app serving the JSON API (``/api``), the review UI and its
static files, and ``/healthz``.

:func:`create_app` builds everything from :class:`~clearance.settings.Settings`: the database
engine (the embedded SQLite database migrated, any other refused unless it is at the current
schema revision), the blob store, the session secret (refused outside
development unless ``CLEARANCE_SECRET_KEY`` is set), the background job runner and, lazily on
first use, the screening models. While the app runs (its lifespan) a
:class:`~clearance.review.webhooks.WebhookWorker` thread delivers decision webhooks and a
:class:`~clearance.service.jobs.JobRunner` thread runs stored background jobs; when it starts,
the jobs that a dead process left running are marked ``interrupted`` (with ``--workers N`` every
worker process does this, and a job whose process is alive is left alone).

FastAPI's interactive ``/docs`` page loads its scripts from a CDN, which a review tool holding
pre-release artwork should not do; it is off. The OpenAPI description stays at
``/openapi.json``, and ``docs/api.md`` describes every route.
"""

from __future__ import annotations

import functools
import gc
import logging
import multiprocessing
import os
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearance import __version__
from clearance.errors import ConfigurationError
from clearance.quarantine import Vault, seal_all
from clearance.review import throttle
from clearance.review.queue import expire_leases
from clearance.review.webhooks import WebhookWorker
from clearance.screening import Screener
from clearance.service.api import router as api_router
from clearance.service.intake import run_batch_step
from clearance.service.jobs import JobRunner, Periodic
from clearance.service.limits import DEFAULT_CAP, FORM_OVERHEAD, BodyLimit
from clearance.service.models_public import Health
from clearance.service.openapi import install as install_openapi
from clearance.service.problems import http_error
from clearance.service.problems import install as install_problems
from clearance.service.request_log import RequestLog
from clearance.service.server import WORKERS_ENV
from clearance.service.state import ServiceState
from clearance.settings import Settings, get_settings
from clearance.storage import LocalBlobStore, ensure_schema, make_engine, session_scope
from clearance.storage.db import SQLITE_BEGIN, ping_when_idle

if TYPE_CHECKING:
    from clearance.bank.index import BankIndex

log = logging.getLogger("clearance.service")

#: How often lapsed claims are put back in the queue (a lapsed claim is claimable anyway; this
#: keeps lists and the audit log truthful about it).
LEASE_SWEEP_SECONDS: Final = 30.0
STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
_UPLOAD_PATH: Final = re.compile(r"^/api/titles/[^/]+/assets/?$|^/api/banks/match/?$")
#: Files banked directly: up to four uploads' worth in one request, as a batch.
_BANK_FILES_PATH: Final = re.compile(r"^/api/banks/[^/]+/files/?$")
#: Security headers on every response (a route or page may set its own instead).
SECURITY_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
     b"script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
     b"frame-ancestors 'none'"),
)


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` where a response has not set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def body_caps(settings: Settings) -> Callable[[str], int]:
    """The request body cap of each path: uploads (and a file matched against the banks) get
    the upload limit, batches (and files banked directly) four times it, everything else
    :data:`DEFAULT_CAP`."""
    upload = settings.max_upload_bytes + FORM_OVERHEAD
    batch = 4 * settings.max_upload_bytes + FORM_OVERHEAD

    def cap_for(path: str) -> int:
        if _UPLOAD_PATH.match(path):
            return upload
        if path.rstrip("/") == "/api/batches" or _BANK_FILES_PATH.match(path):
            return batch
        return DEFAULT_CAP

    return cap_for


def _engine_for(settings: Settings) -> Engine:
    url = settings.resolved_database_url
    kwargs: dict[str, Any] = {}
    if not url.startswith("sqlite"):
        # Request threads (AnyIO's pool holds 40) each hold one connection for a request.
        kwargs.update(pool_size=20, max_overflow=20)
    engine = make_engine(url, **kwargs)
    ping_when_idle(engine)  # not pool_pre_ping: a round trip on every request
    try:
        ensure_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _bank_index(settings: Settings, engine: Engine, screener: Screener | None
                ) -> BankIndex | None:
    """The hash bank's index over this database, kept current by the bank revision (so every
    worker process sees what any of them banked within a second); a given screener's own index
    when it has one; ``None`` without the ``bank`` extra."""
    from clearance.bank.hashing import availability
    from clearance.bank.index import BankIndex

    own = screener.resources.bank if screener is not None else None
    if isinstance(own, BankIndex):
        return own
    return BankIndex.from_settings(settings, engine=engine) if availability() else None


def _include_ui(app: FastAPI) -> None:
    """The review UI's pages and ``/static``. A broken installation (UI present, its static
    files missing) is refused with a clear message rather than serving unstyled pages."""
    from clearance.service import ui

    if not STATIC_DIR.is_dir():
        raise ConfigurationError(f"the review UI's static files are missing ({STATIC_DIR}); "
                                 "reinstall Clearance")
    app.include_router(ui.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(StarletteHTTPException, _page_or_problem)


def _page_or_problem(request: Request, exc: Exception) -> Response:
    """An address no route answers, asked for by a browser (it accepts HTML; not under
    ``/api``): the UI's error page, with its status and a way back, instead of problem+json.
    Everything else, and every other status, is answered as the API answers it."""
    assert isinstance(exc, StarletteHTTPException)  # registered for it only
    from clearance.service.ui_base import error_page

    path = request.url.path
    if (exc.status_code == 404 and "text/html" in request.headers.get("accept", "")
            and not (path == "/api" or path.startswith("/api/"))):
        shown = path if len(path) <= 120 else path[:119] + "…"
        return error_page(request, 404, "Not found", f"no page at {shown}")
    return http_error(request, exc)


def work_on_loop(settings: Settings) -> bool:
    """``settings.db_work`` for this process: ``auto`` is the loop in a worker of several and
    threads in a lone process, where the loop would wait idle for each answer of the database
    with no other worker to run meanwhile. ``clearance serve`` says how many workers it started
    (:data:`~clearance.service.server.WORKERS_ENV`); without that word, a process spawned by
    :mod:`multiprocessing` counts as a worker of several (a launcher that forks, such as
    gunicorn, is not recognised: set ``CLEARANCE_DB_WORK`` there)."""
    if settings.db_work == "auto":
        workers = os.environ.get(WORKERS_ENV, "").strip()
        if workers.isdigit():
            return int(workers) > 1
        return multiprocessing.parent_process() is not None
    return settings.db_work == "loop"


def create_app(settings: Settings | None = None, *, engine: Engine | None = None,
               screener: Screener | None = None, webhook_worker: bool = True) -> FastAPI:
    """The service app. ``engine`` (already migrated) and ``screener`` may be given, e.g. by
    tests sharing them; otherwise they come from ``settings`` (the engine at once, the screener
    on first use). ``webhook_worker=False`` leaves webhook delivery to someone else."""
    settings = settings or get_settings()
    secret = settings.require_secret()
    vault = Vault.from_settings(settings)  # refused in production without a quarantine key
    owns_engine = engine is None
    base_engine = engine if engine is not None else _engine_for(settings)
    # On SQLite every transaction of the service takes the write lock at BEGIN: requests, the
    # job runner and the housekeeping threads write concurrently, and a deferred transaction
    # that read first is refused ("database is locked") rather than made to wait when another
    # holds the lock. (No effect on PostgreSQL.)
    engine = base_engine.execution_options(**{SQLITE_BEGIN: "immediate"})

    bank = _bank_index(settings, base_engine, screener)

    def build_screener() -> Screener:
        if screener is not None:
            return screener
        return Screener.from_settings(settings, bank=bank)

    state = ServiceState(settings=settings, engine=engine,
                         blobs=LocalBlobStore(settings.resolved_blob_dir), secret=secret,
                         screener_factory=build_screener, bank=bank,
                         vault=vault, work_on_loop=work_on_loop(settings))
    runner = state.jobs = JobRunner(engine, functools.partial(run_batch_step, state))

    def sweep_leases() -> None:
        with session_scope(engine) as session:
            expire_leases(session)
            throttle.purge(session)  # authentication events past their month
        if state.vault is not None:  # holds made by the command line's screenings
            seal_all(engine, state.blobs, state.vault)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = WebhookWorker.from_settings(engine, settings) if webhook_worker else None
        sweeper = Periodic("clearance-leases", LEASE_SWEEP_SECONDS, sweep_leases)
        if worker is not None:
            worker.start()
        sweeper.start()
        runner.start()  # marks the jobs of dead processes interrupted first
        # What start-up built (modules, the app, the ORM's mappers: ~230,000 objects) lives as
        # long as the process; frozen, the collector never scans it again. A full collection
        # scanned all of it, ~0.4 s each on the busy two-core machine, every few seconds under
        # bench/bench_load.py (py-spy: ~8 % of the server's Python time at one random frame).
        gc.freeze()
        try:
            yield
        finally:
            runner.stop()
            sweeper.stop()
            if worker is not None:
                worker.stop()
            if owns_engine:
                base_engine.dispose()

    app = FastAPI(title="Clearance review service", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.clearance = state
    install_problems(app)
    app.add_middleware(BodyLimit, cap_for=body_caps(settings))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestLog)  # outermost: times and logs every request, refused ones too

    @app.get("/healthz", tags=["service"])
    def healthz() -> Health:
        """Liveness and database reachability; needs no authentication."""
        with session_scope(engine) as session:
            session.execute(text("SELECT 1"))
        return Health(status="ok")

    app.include_router(api_router)
    _include_ui(app)
    install_openapi(app)
    return app
