"""The service's OpenAPI document (``/openapi.json``): every answer each operation can give.

FastAPI describes what a route returns when it succeeds and, with ``responses=``, what else
it was told. The service's other answers come from layers a route never sees: authentication
(401, or 429 past the token limit), roles and CSRF (403), the request body cap (413), FastAPI's
own validation (422) and body parsing (400), and a database that is down (503); and every one of
them is ``application/problem+json`` (:mod:`clearance.service.problems`), not the
``application/json`` FastAPI writes by default. A client generating code or tests from the
document (schemathesis, issue 10) found 18 undocumented statuses and 17 undocumented content
types. :func:`document` adds them to every operation, once, for the routes of today and those
added later; ``tests/test_api_contract.py`` runs schemathesis against a real ``clearance serve``
to keep it true.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from clearance.service.problems import PROBLEM_JSON

_PROBLEM_REF: Final = {"$ref": "#/components/schemas/Problem"}
_RETRY_AFTER: Final = {"Retry-After": {"description": "seconds to wait before trying again",
                                       "schema": {"type": "integer", "minimum": 0}}}
_WWW_AUTHENTICATE: Final = {"WWW-Authenticate": {"description": "how to authenticate",
                                                 "schema": {"type": "string"}}}

#: status -> (description, response headers): what any /api operation may answer.
API_ERRORS: Final[Mapping[int, tuple[str, Mapping[str, Any]]]] = {
    400: ("the body cannot be parsed (malformed JSON or form data)", {}),
    401: ("no, unknown, revoked or expired credentials; an ended session", _WWW_AUTHENTICATE),
    403: ("the caller's role may not do this; a missing or wrong CSRF token; another team's "
          "asset", {}),
    404: ("no such route or object, or one the caller may not see", {}),
    409: ("the review rules or the object's state refuse it now", {}),
    413: ("the request body is over the route's cap", {}),
    422: ("a field is missing, of the wrong type or out of range (each named in `errors`), or "
          "the content cannot be used", {}),
    429: ("too many refused bearer tokens from this address", _RETRY_AFTER),
    503: ("the database or blob store is unavailable, or a detector's model is missing", {}),
}
#: What ``/healthz`` may answer besides 200: it needs no credentials and takes no input.
HEALTH_ERRORS: Final = (413, 503)


def _problem(description: str, headers: Mapping[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": f"{description} (problem+json)",
                              "content": {PROBLEM_JSON: {"schema": dict(_PROBLEM_REF)}}}
    if headers:
        answer["headers"] = copy.deepcopy(dict(headers))
    return answer


def _form_fields(schema: dict[str, Any]) -> None:
    """Form bodies as a form can send them: FastAPI writes an optional field as ``anyOf: [T,
    null]``, but a form has no null (the field is left out), and a client that sends the text
    ``null`` for a date is refused; a required list of files needs at least one."""
    for name, body in schema.get("components", {}).get("schemas", {}).items():
        if not name.startswith("Body_"):
            continue
        required = set(body.get("required", ()))
        for field, spec in body.get("properties", {}).items():
            options = spec.get("anyOf")
            if isinstance(options, list):
                kept = [o for o in options if o.get("type") != "null"]
                if len(kept) == 1 and len(kept) < len(options):
                    del spec["anyOf"]
                    spec.update(kept[0])
            if spec.get("type") == "array" and field in required:
                spec.setdefault("minItems", 1)


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (a generated OpenAPI document) with every error answer of every operation
    described as problem+json, and the service-wide ones added where missing; form bodies as a
    form sends them (:func:`_form_fields`)."""
    _form_fields(schema)
    for path, operations in schema.get("paths", {}).items():
        statuses = API_ERRORS if path.startswith("/api/") else {
            s: API_ERRORS[s] for s in HEALTH_ERRORS}
        for operation in operations.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for key, answer in responses.items():  # a route's own errors are problems too
                if key[:1] in ("4", "5"):
                    answer["content"] = {PROBLEM_JSON: {"schema": dict(_PROBLEM_REF)}}
            for status, (description, headers) in statuses.items():
                key = str(status)
                if key in responses:
                    own = responses[key].get("description") or description
                    responses[key] = _problem(own.removesuffix(" (problem+json)"), headers)
                else:
                    responses[key] = _problem(description, headers)
    return schema


def install(app: FastAPI) -> None:
    """Serve :func:`complete`'s document at ``app.openapi_url`` (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes))
        return app.openapi_schema

    setattr(app, "openapi", openapi)  # noqa: B010 (FastAPI's documented way to replace it)

