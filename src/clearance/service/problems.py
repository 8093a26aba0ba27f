"""Every error the service answers is one ``application/problem+json`` document (RFC 9457)::

    {"type": "urn:clearance:problem:not-found", "title": "Not found", "status": 404,
     "detail": "no review item 12", "errors": [...]}

``errors`` is present only when there is more than one thing to say (the fields of a request
that failed validation, the files of an upload that could not be used). The exception tree of
:mod:`clearance.errors` maps onto statuses here and nowhere else, so a route only ever raises a
Clearance exception: :class:`NotFound` 404, :class:`Unauthenticated` 401 (with
``WWW-Authenticate: Bearer``), :class:`TooManyAttempts` 429 (with ``Retry-After``),
:class:`Forbidden` 403, :class:`ReviewConflict` 409,
:class:`InputError` 422, :class:`UploadTooLarge` 413, :class:`StorageError` 503 (saying only that
the storage is unavailable: the database's own message names its host, port and database, and
goes to the log). FastAPI's own validation errors and Starlette's 404/405 come out in the same
shape, and anything unexpected is a 500 whose body says nothing about the internals (the
traceback goes to the log).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import compile_path

from clearance.errors import (
    AccessError,
    ClearanceError,
    ContentError,
    DetectorUnavailable,
    Forbidden,
    InputError,
    NotFound,
    ReviewConflict,
    StorageError,
    TooManyAttempts,
    Unauthenticated,
    Withheld,
)

log = logging.getLogger("clearance.service")

PROBLEM_JSON: Final = "application/problem+json"
TYPE_PREFIX: Final = "urn:clearance:problem:"

#: What a client is told when the database (or the blob store) cannot be used; the details
#: (host, port, database name, paths) go to the log.
UNAVAILABLE: Final = "the service is unavailable (its storage cannot be reached); the server " \
                     "log has the details"

#: status -> (type slug, title). Every status the service answers with is here.
PROBLEM_TYPES: Final[Mapping[int, tuple[str, str]]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Review conflict"),
    413: ("too-large", "Content too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-input", "Invalid input"),
    429: ("too-many-requests", "Too many attempts"),
    451: ("withheld", "Unavailable for legal reasons"),
    500: ("internal-error", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


class UploadTooLarge(ContentError):
    """An upload (a file, or the whole request body) over ``CLEARANCE_MAX_UPLOAD_BYTES``
    (HTTP 413)."""


def status_for(exc: ClearanceError) -> int:
    """The HTTP status of one Clearance error (subclasses before their bases)."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, TooManyAttempts):
        return 429
    if isinstance(exc, Withheld):
        return 451
    if isinstance(exc, Forbidden | AccessError):
        return 403
    if isinstance(exc, ReviewConflict):
        return 409
    if isinstance(exc, UploadTooLarge):
        return 413
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, StorageError | DetectorUnavailable):
        return 503
    return 500


def problem_body(status: int, detail: str,
                 errors: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    slug, title = PROBLEM_TYPES.get(status, ("error", "Error"))
    body: dict[str, Any] = {"type": TYPE_PREFIX + slug, "title": title, "status": status,
                            "detail": detail}
    if errors:
        body["errors"] = [dict(e) for e in errors]
    return body


def problem(status: int, detail: str, errors: Sequence[Mapping[str, Any]] | None = None,
            headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A problem+json response."""
    all_headers = dict(headers or {})
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", 'Bearer realm="clearance"')
    return JSONResponse(problem_body(status, detail, errors), status_code=status,
                        media_type=PROBLEM_JSON, headers=all_headers)


def _clearance_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ClearanceError)  # registered for ClearanceError only
    status = status_for(exc)
    if status >= 500:
        log.error("%s answered %d: %s", type(exc).__name__, status, exc.rendered())
    if status == 500:
        return problem(500, "internal error; the server log has the details")
    if status == 503 and isinstance(exc, StorageError):
        # the database's message names its host, port and database (and the blob store's its
        # paths): for the log only, never for whoever asked (/healthz is anonymous)
        return problem(503, UNAVAILABLE)
    errors = [{"detail": p.rendered(), **({"field": p.field} if p.field else {})}
              for p in exc.problems]
    headers = ({"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts)
               else None)
    return problem(status, exc.message, errors, headers=headers)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for e in exc.errors():
        # "input" may echo a password or a whole upload back: never include it.
        loc = [str(part) for part in e.get("loc", ())]
        errors.append({"field": ".".join(loc), "detail": str(e.get("msg", "invalid")),
                       "code": str(e.get("type", "invalid"))})
    fields = ", ".join(e["field"] for e in errors)
    return problem(422, f"the request is not valid ({fields})", errors)


def allowed_methods(app: Any, path: str) -> list[str]:
    """The methods ``path`` answers, over every route whose pattern matches it (Starlette's 405
    names only the first route's): a path that some route spells literally (``/api/banks/match``)
    answers that route's methods, not a parameterised one's (``/api/banks/{name}``)."""
    literal: set[str] = set()
    templated: set[str] = set()
    for ctx in iter_route_contexts(app.routes):
        route_path = ctx.path or ""
        if not route_path or not ctx.methods:
            continue
        if route_path == path:
            literal |= set(ctx.methods)
        elif "{" in route_path and compile_path(route_path)[0].match(path):
            templated |= set(ctx.methods)
    methods = literal or templated
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else PROBLEM_TYPES.get(
        exc.status_code, ("", "error"))[1]
    if exc.status_code == 404 and detail == "Not Found":
        detail = "no such resource"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
    return problem(exc.status_code, detail, headers=headers)


def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return problem(500, "internal error; the server log has the details")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""
    app.add_exception_handler(ClearanceError, _clearance_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, _unexpected)
