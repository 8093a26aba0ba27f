"""The dependencies every route is built from: the service state, one database session per
request, and who is asking.

* :data:`SessionDep` — a session in :func:`~clearance.storage.session_scope`: the request is one
  transaction, committed before the response is sent (``scope="function"``), so a failed commit
  is the client's error response, not a lost write after a 200.
* :data:`ActorDep` — the caller, from ``Authorization: Bearer clr_...`` (an API token) or else the
  signed session cookie of the web UI; neither is :class:`~clearance.errors.Unauthenticated`.
  Refused tokens are limited per address (10 in 15 minutes, then 429: :func:`token_actor`).
  A cookie is sent by the browser on its own, so for a cookie-authenticated POST, PUT, PATCH or
  DELETE the CSRF token of the session must come back too, as the ``X-CSRF-Token`` header or a
  ``csrf`` form field (403 otherwise). A bearer token is never sent by a browser on its own, so
  token calls need no CSRF token.
* :func:`transaction` and :func:`early_actor` — for a route that works mostly outside the
  database (an upload is screened for seconds): the caller is authenticated in a short
  transaction that ends before the route runs (:data:`EarlySubmitterDep`), and the route opens
  short slot-guarded transactions of its own around its database steps only.
* :func:`in_transaction` and :func:`reading` — the busiest routes' database work, run in one
  piece on the event loop's own thread while no other request of the process has a transaction
  open, in a worker thread otherwise (see :func:`_inline`).
* :func:`require` — the caller, with at least a role (:class:`~clearance.errors.Forbidden`
  naming the role otherwise); :data:`ReviewerDep`, :data:`SeniorDep` and :data:`AdminDep` are
  the usual ones.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Final, TypeVar

import anyio
from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from clearance.errors import Forbidden, StorageError, TooManyAttempts, Unauthenticated
from clearance.events import use_bus
from clearance.review import access, throttle
from clearance.review.access import Actor
from clearance.service.state import ServiceState
from clearance.storage.db import describe_db_error, session_scope
from clearance.storage.review_models import ApiToken, UserSession

T = TypeVar("T")

UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER: Final = "X-CSRF-Token"
CSRF_FIELD: Final = "csrf"
_FORM_TYPES: Final = ("application/x-www-form-urlencoded", "multipart/form-data")


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.clearance
    return state


async def _state(request: Request) -> ServiceState:
    """:func:`get_state` as a dependency: async, because FastAPI runs a plain function
    dependency in a worker thread — a second trip there for every request of every route."""
    return get_state(request)


StateDep = Annotated[ServiceState, Depends(_state)]


#: At most this many requests hold a database transaction at once. FastAPI runs a request's sync
#: dependencies, its route and its response validation as separate trips into AnyIO's thread
#: pool (40 threads) while the request's one transaction stays open. When every thread was
#: blocked in PostgreSQL on a lock (the audit chain's) held by a request that was waiting for a
#: thread to finish, nothing moved again: ``bench/bench_load.py`` hung the server that way at 50
#: clients. Waiting for a slot happens in the event loop, holding no thread, and there are fewer
#: slots than threads, so a request holding a transaction always finds a thread to finish on.
#:
#: Eight, not twenty: each slot is a worker thread that competes for the GIL (and a PostgreSQL
#: backend for the cores). With twenty, the load benchmark at 200 req/s offered (2 workers on 2
#: cores, 50 clients) had p95 441-561 ms in four runs; with ten 244-284, eight 188 and 429 (that
#: run's machine was a third slower), six 146-442 (median 183), four 368-378 -- the same work,
#: queued in the event loop instead of switching among threads.
DB_SLOTS: Final = 8


def _slots(request: Request) -> anyio.Semaphore:
    slots: anyio.Semaphore | None = getattr(request.app.state, "db_slots", None)
    if slots is None:  # created in the event loop, on first use
        slots = request.app.state.db_slots = anyio.Semaphore(DB_SLOTS)
    return slots


_HOLDS_SLOT: Final = "clearance_db_slot"


@asynccontextmanager
async def db_slot(request: Request) -> AsyncIterator[None]:
    """One of :data:`DB_SLOTS` for this request; a request already holding one (a transaction
    of its own is open, e.g. its :data:`SessionDep`) uses it again rather than wait for a second
    one, which could wait forever once every slot is held that way."""
    if request.scope.get(_HOLDS_SLOT):
        yield
        return
    async with _slots(request):
        request.scope[_HOLDS_SLOT] = True
        try:
            yield
        finally:
            request.scope[_HOLDS_SLOT] = False


def _finish(session: Session, commit: bool) -> None:
    """Commit (or roll back) and close in one trip to a worker thread."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


_OPEN: Final = "clearance_open_transactions"


def _open_transactions(request: Request) -> int:
    """How many :func:`transaction` blocks of this process are open now."""
    count: int = getattr(request.app.state, _OPEN, 0)
    return count


def _count_open(request: Request, step: int) -> None:
    setattr(request.app.state, _OPEN, _open_transactions(request) + step)


@asynccontextmanager
async def transaction(request: Request, state: ServiceState) -> AsyncIterator[Session]:
    """One transaction within one of :data:`DB_SLOTS` (as :func:`~clearance.storage.session_scope`:
    committed when the block succeeds, rolled back when it raises). Blocking calls on the
    session belong in :func:`~starlette.concurrency.run_in_threadpool`."""
    async with db_slot(request):
        _count_open(request, 1)
        try:
            async with _transaction(state) as session:
                yield session
        finally:
            _count_open(request, -1)


@asynccontextmanager
async def _transaction(state: ServiceState) -> AsyncIterator[Session]:
    session = _session(state)
    try:
        yield session
    except SQLAlchemyError as exc:
        await run_in_threadpool(_finish, session, False)
        raise StorageError(f"database error: {describe_db_error(exc)}") from exc
    except BaseException:
        await run_in_threadpool(_finish, session, False)
        raise
    try:
        await run_in_threadpool(_finish, session, True)
    except SQLAlchemyError as exc:
        raise StorageError(f"database error: {describe_db_error(exc)}") from exc


def _session(state: ServiceState) -> Session:
    """A request's session, its domain events going through the service's bus."""
    session = Session(state.engine, expire_on_commit=False)
    use_bus(session, state.bus)
    return session


def _in_transaction(state: ServiceState, work: Callable[..., T], args: tuple[Any, ...]) -> T:
    with session_scope(state.engine, bus=state.bus) as session:
        return work(session, *args)


def _inline(request: Request) -> bool:
    """Whether a request's database work may run on the event loop's own thread now: when no
    other request of this process has a transaction open (:func:`transaction`, which every
    :data:`SessionDep` is). The work then holds the loop until it has committed.

    Why: with the work in AnyIO's worker threads, up to :data:`DB_SLOTS` threads and the loop
    compete for the GIL and the cores, a request's work is a hop to a thread and back, and
    ``bench/bench_load.py`` at 200 req/s offered had p95 56-398 ms (median 140, goal met in 2
    of 5 runs); run on the loop, one request's work at a time per process and no hop, 28-254
    ms (median 81, met in 5 of 7), the kernel's share of the server's CPU 5-7 % instead of 10 %
    (fewer thread switches). Interleaved runs, same code; this machine's speed varies a lot.
    A lone process waits idle on the loop while the database answers, so ``settings.db_work``
    (:attr:`ServiceState.work_on_loop`) keeps threads there by default.

    Why not always: a transaction open across awaits (a :data:`SessionDep` route's, committed
    by the loop after the route) may hold a row lock or the SQLite write lock; work on the
    loop that waited for that lock would block the very loop that must commit it. Work in
    the background threads (jobs, webhooks, lease sweeps) and sync routes that open their own
    transactions (``/healthz``) never needs the loop to finish, so work on the loop only waits
    for it. The pool has connections beyond :data:`DB_SLOTS` for those."""
    return get_state(request).work_on_loop and _open_transactions(request) == 0


async def in_transaction(request: Request, state: ServiceState, work: Callable[..., T],
                         *args: Any) -> T:
    """``work(session, *args)`` in one transaction, committed when it returns, all of it in
    one piece: on the event loop when :func:`_inline`, else in **one** trip to a worker thread
    (within one of :data:`DB_SLOTS`): what the busiest routes do instead of a session
    dependency, a sync route and a sync response check (a trip each, and two more for the
    commit and the close)."""
    if _inline(request):
        return _in_transaction(state, work, args)
    async with db_slot(request):
        return await run_in_threadpool(_in_transaction, state, work, args)


def _reading(state: ServiceState, work: Callable[..., T], args: tuple[Any, ...]) -> T:
    try:
        with state.read_engine.connect() as db:
            return work(db, *args)
    except SQLAlchemyError as exc:
        raise StorageError(f"database error: {describe_db_error(exc)}") from exc


async def reading(request: Request, state: ServiceState, work: Callable[..., T],
                  *args: Any) -> T:
    """``work(connection, *args)`` for work that only reads, in one trip to a worker thread
    (within one of :data:`DB_SLOTS`), on a bare connection of
    :attr:`ServiceState.read_engine`: no session (its unit of work and commit hooks cost
    ~0.15 ms a read), and on PostgreSQL no ``BEGIN`` and ``COMMIT``, two round trips of the
    three or four a queue page or an item's detail took; on the event loop when
    :func:`_inline`. ``work`` must not write."""
    if _inline(request):
        return _reading(state, work, args)
    async with db_slot(request):
        return await run_in_threadpool(_reading, state, work, args)


async def db_session(request: Request, state: StateDep) -> AsyncIterator[Session]:
    """The request's transaction (:func:`transaction`), held until the route has returned."""
    async with transaction(request, state) as session:
        yield session


SessionDep = Annotated[Session, Depends(db_session, scope="function")]


def client_address(request: Request) -> str:
    """The address the request came from, as the server saw it (behind a reverse proxy, the
    proxy's unless uvicorn is told to trust its ``X-Forwarded-For``: ``FORWARDED_ALLOW_IPS``);
    what the login and token rate limits count per address."""
    client = request.client
    return (client.host if client is not None and client.host else "unknown")[:64]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return secret.strip()


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a cookie-authenticated unsafe request sent back (header or form field);
    the body is read only when it can matter."""
    if request.method not in UNSAFE_METHODS or "authorization" in request.headers:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


CsrfDep = Annotated[str | None, Depends(submitted_csrf)]


def session_actor(request: Request, session: Session, state: ServiceState,
                  csrf: str | None) -> Actor:
    """The caller of a cookie session (the UI's), or :class:`Unauthenticated`. For an unsafe
    method the session's CSRF token must have come back (``csrf``), checked before the user is
    loaded. Sets ``request.state.csrf`` so pages can embed it."""
    cookie, expected = session_actor_checks(request, state, csrf)
    actor = access.actor_from_session(session, state.secret, cookie,
                                      state.settings.session_max_age)
    request.state.csrf = expected
    return actor


def session_actor_checks(request: Request, state: ServiceState, csrf: str | None
                         ) -> tuple[str, str]:
    """What :func:`session_actor` checks before the database: a cookie is there, signed, not
    too old, and (unsafe method) its CSRF token came back. The cookie and its CSRF token."""
    cookie = request.cookies.get(access.SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated("authentication required: send 'Authorization: Bearer <token>' "
                              "or log in")
    max_age = state.settings.session_max_age
    _uid, expected = access.read_session_cookie(state.secret, cookie, max_age)
    if request.method in UNSAFE_METHODS and (
            csrf is None or not hmac.compare_digest(csrf.encode(), expected.encode())):
        raise Forbidden(f"missing or wrong CSRF token: send the session's token as the "
                        f"{CSRF_HEADER} header or the '{CSRF_FIELD}' form field (on a page: "
                        "reload it and retry)")
    return cookie, expected


def token_actor(request: Request, session: Session, state: ServiceState, token: str) -> Actor:
    """The caller of an API token, within the per-address limit on refused tokens
    (:mod:`clearance.review.throttle`): past it, 429 before the token is looked at. A refused
    token is counted and audited in a commit of its own, since the request then fails."""
    address = client_address(request)
    now = state.clock()
    wait = throttle.token_wait(session, address, now=now)
    if not wait.is_allowed:
        raise TooManyAttempts(throttle.retry_message(wait, "API tokens"),
                              retry_after=wait.seconds)
    try:
        return access.authenticate_token(session, token, now=now)
    except Unauthenticated as exc:
        throttle.record_token_failure(session, address, exc.message, now=now)
        session.commit()
        raise


def authenticate(request: Request, session: Session, state: ServiceState,
                 csrf: str | None) -> Actor:
    """Who is asking (see the module docstring): an API token, else the session cookie."""
    token = _bearer(request)
    if token is not None:
        return token_actor(request, session, state, token)
    return session_actor(request, session, state, csrf)


def _cache_key(request: Request) -> tuple[str, str] | None:
    """What the caller cache (:mod:`clearance.service.callers`) knows this request's
    credential by: a token's hash with the address it came from, or the session cookie's."""
    token = _bearer(request)
    if token is not None:
        return access.token_hash(token), client_address(request)
    cookie = request.cookies.get(access.SESSION_COOKIE)
    return (access.token_hash(cookie), "cookie") if cookie else None


def _cached(request: Request, state: ServiceState, csrf: str | None) -> Actor | None:
    """The caller from the cache, with a cookie's signature, age and CSRF token checked as
    :func:`session_actor` checks them (on every request); ``None`` when not cached."""
    key = _cache_key(request)
    if key is None:
        return None
    actor = state.callers.get(key, state.clock())
    if actor is not None and actor.via == "session":
        _cookie, request.state.csrf = session_actor_checks(request, state, csrf)
    return actor


def _authenticate_and_remember(session: Session, request: Request, state: ServiceState,
                               csrf: str | None) -> Actor:
    generation = state.callers.generation  # before the database is read
    actor = authenticate(request, session, state, csrf)
    key = _cache_key(request)
    if key is not None:
        state.callers.put(key, actor, _expiry(session, request, state, actor), state.clock(),
                          generation)
    return actor


def _expiry(session: Session, request: Request, state: ServiceState, actor: Actor
            ) -> dt.datetime | None:
    """The credential's own expiry (of the rows :func:`authenticate` has just read)."""
    if actor.via == "token":
        token = session.get(ApiToken, actor.token_id) if actor.token_id is not None else None
        return token.expires_at if token is not None else None
    sid, _csrf = access.read_session_cookie(state.secret, request.cookies[access.SESSION_COOKIE],
                                            state.settings.session_max_age)
    return session.scalar(select(UserSession.expires_at)
                          .where(UserSession.token_hash == access.token_hash(sid)))


async def current_actor(request: Request, state: StateDep, csrf: CsrfDep) -> Actor:
    """The caller: from the caller cache (:mod:`clearance.service.callers`: no database, no
    worker thread), else authenticated in a short transaction of its own that has ended (and
    given its database slot back) before the route runs."""
    actor = _cached(request, state, csrf)
    if actor is not None:
        return actor
    return await in_transaction(request, state, _authenticate_and_remember, request, state, csrf)


#: Kept for routes whose work is mostly outside the database (an upload is screened for
#: seconds) and that open their own short transactions: the caller is never authenticated in
#: a transaction that is still open when the route runs.
early_actor = current_actor

ActorDep = Annotated[Actor, Depends(current_actor)]


def require(role: str) -> Callable[[Request], Awaitable[Actor]]:
    """A dependency: the caller (:func:`current_actor`), who must have at least ``role``
    (async: the check does no I/O, so it costs no trip into the thread pool). One dependency,
    not four (this one, the caller, the state and the CSRF token): FastAPI's dependency
    solving was ~7% of the service's CPU in ``bench/bench_load.py``."""

    async def dependency(request: Request) -> Actor:
        actor = await current_actor(request, get_state(request), await submitted_csrf(request))
        access.require_role(actor, role)
        return actor

    dependency.__name__ = f"require_{role}"
    return dependency


SubmitterDep = Annotated[Actor, Depends(require("submitter"))]
ReviewerDep = Annotated[Actor, Depends(require("reviewer"))]
SeniorDep = Annotated[Actor, Depends(require("senior_reviewer"))]
AdminDep = Annotated[Actor, Depends(require("admin"))]
#: The legal role, alone (:data:`clearance.review.access.LEGAL`): the quarantine's routes.
LegalDep = Annotated[Actor, Depends(require("legal"))]
#: A submitter authenticated by :func:`early_actor` (the route holds no transaction).
EarlySubmitterDep = Annotated[Actor, Depends(require("submitter"))]
