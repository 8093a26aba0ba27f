"""Out-of-range numbers are 422 naming the field, never 500 (issue 10, item 11), in the API and
the UI, on SQLite and PostgreSQL.

Reproduced first: ``/api/items?offset=9223372036854775808`` and ``/queue?offset=...`` (SQLite's
driver overflows), ``older_than_hours=1e308`` and ``inf`` (``timedelta`` overflows),
``/api/audit?since=2**63``, and ids of 20 digits (PostgreSQL refuses to compare them with an
``integer`` key) all answered 500. The class of test: every integer or float field of every route
(path, query, form and JSON body) must have an upper bound (:mod:`clearance.service.params`), and
every route that takes one is sent the probe's values and must answer below 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import annotated_types
import pytest
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute, iter_route_contexts

from api_world import World, world
from clearance.service.params import MAX_ID, parse_hours, parse_id

HUGE = [str(2**63), "12345678901234567890", str(2**31), "-" + str(2**63)]
HUGE_FLOATS = ["1e308", "inf", "-inf", "nan", "1e400"]


@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[World]:
    with world(tmp_path, database_url) as built:
        yield built


def _routes(w: World) -> list[tuple[str, str, Any]]:
    out = []
    for ctx in iter_route_contexts(w.app.routes):
        if isinstance(ctx.original_route, APIRoute):
            out.extend((m, ctx.path or "", ctx) for m in sorted(ctx.methods or ()))
    assert len(out) > 40
    return out


def _numeric(annotation: Any) -> bool:
    text = str(annotation)
    return annotation in (int, float) or bool(re.search(r"\b(int|float)\b", text))


def _has_upper_bound(metadata: list[Any]) -> bool:
    return any(isinstance(m, annotated_types.Le | annotated_types.Lt) for m in metadata)


def _unbounded_schema_numbers(schema: Any, where: str) -> list[str]:
    """Paths of integer/number nodes without a maximum in a JSON schema."""
    found: list[str] = []
    if isinstance(schema, dict):
        if schema.get("type") in ("integer", "number") and not (
                "maximum" in schema or "exclusiveMaximum" in schema):
            found.append(where)
        for key, value in schema.items():
            found.extend(_unbounded_schema_numbers(value, f"{where}.{key}"))
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            found.extend(_unbounded_schema_numbers(value, f"{where}[{i}]"))
    return found


def test_every_number_a_route_takes_has_an_upper_bound(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        unbounded = []
        for method, path, ctx in _routes(w):
            for param in get_flat_params(ctx.dependant):
                if _numeric(param.field_info.annotation) and not _has_upper_bound(
                        param.field_info.metadata):
                    unbounded.append(f"{method} {path} {param.name}")
            body = ctx.original_route.body_field
            if body is not None and hasattr(body.field_info.annotation, "model_json_schema"):
                schema = body.field_info.annotation.model_json_schema()
                unbounded += [f"{method} {path} body{p}"
                              for p in _unbounded_schema_numbers(schema, "")]
    assert unbounded == []


def _filled(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def _numeric_params(ctx: Any) -> tuple[list[str], list[str]]:
    """The names of a route's numeric path parameters and of its numeric query parameters."""
    path_names = [p.name for p in ctx.dependant.path_params
                  if _numeric(p.field_info.annotation)]
    query_names = [p.alias for p in get_flat_params(ctx.dependant)
                   if _numeric(p.field_info.annotation) and p.name not in path_names]
    return path_names, query_names


def test_the_probes_numbers_are_422_everywhere(w: World) -> None:
    """Every route with a numeric path or query field, as an admin (past every role check) with
    a bearer token and as the UI (session cookie), sent each of the probe's numbers."""
    from clearance.review import access
    from clearance.storage import session_scope

    with session_scope(w.engine) as s:
        cookie, csrf = access.start_session(s, w.settings.require_secret(),
                                            access.get_user(s, "ada"),
                                            max_age=w.settings.session_max_age)
    answers: list[tuple[str, str, int, str]] = []
    for method, path, ctx in _routes(w):
        path_names, query_names = _numeric_params(ctx)
        if not path_names and not query_names:
            continue
        is_ui = not path.startswith("/api")
        headers = ({"Cookie": f"{access.SESSION_COOKIE}={cookie}", "X-CSRF-Token": csrf}
                   if is_ui else w.auth("ada"))
        data = {"csrf": csrf} if is_ui and method == "POST" else None
        for value in HUGE + (HUGE_FLOATS if query_names else []):
            if path_names:
                url = _filled(path, value if value not in HUGE_FLOATS else "1")
            else:
                url = _filled(path, "1")
            params = {q: value for q in query_names}
            answer = w.client.request(method, url, params=params, headers=headers, data=data,
                                      follow_redirects=False)
            answers.append((method, url, answer.status_code, answer.text[:300]))
    assert len(answers) > 50
    server_errors = [a for a in answers if a[2] >= 500]
    assert server_errors == []


@pytest.mark.parametrize(("url", "field"), [
    ("/api/items?offset=9223372036854775808", "query.offset"),
    ("/api/items?older_than_hours=1e308", "query.older_than_hours"),
    ("/api/items?older_than_hours=inf", "query.older_than_hours"),
    ("/api/items?older_than_hours=nan", "query.older_than_hours"),
    (f"/api/audit?since={2**63}", "query.since"),
    ("/api/items/12345678901234567890", "path.item_id"),
    (f"/api/items/{2**31}", "path.item_id"),
    ("/api/banks/withdrawn/entries?offset=9223372036854775808", "query.offset"),
])
def test_the_probes_cases_in_the_api(w: World, url: str, field: str) -> None:
    answer = w.call("GET", url, "ada")
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in answer.json()["detail"]


@pytest.mark.parametrize(("url", "field"), [
    ("/queue?offset=9223372036854775808", "offset"),
    ("/queue?older=1e308", "older"),
    ("/queue?older=inf", "older"),
    ("/items/12345678901234567890", "item_id"),
    (f"/audit?before={2**63}", "before"),
    (f"/bank?revealed={2**63}", "revealed"),
])
def test_the_probes_cases_in_the_ui(w: World, url: str, field: str) -> None:
    from clearance.review import access
    from clearance.storage import session_scope

    with session_scope(w.engine) as s:
        cookie, _ = access.start_session(s, w.settings.require_secret(),
                                         access.get_user(s, "ada"),
                                         max_age=w.settings.session_max_age)
    answer = w.client.get(url, headers={"Cookie": f"{access.SESSION_COOKIE}={cookie}"})
    assert answer.status_code == 422, answer.text[:500]
    assert field in answer.text


def test_ids_typed_into_forms_and_lists() -> None:
    assert parse_id(" 42 ", "version id") == 42
    for bad in ("", "0", "-1", "x", "²", "١٢", str(MAX_ID + 1), "1" * 30, "1e3"):
        with pytest.raises(Exception, match="version id"):
            parse_id(bad, "version id")
    assert parse_hours("", "older") is None and parse_hours("2.5", "older") == 2.5
    for bad in ("inf", "nan", "1e308", "-1", "x"):
        with pytest.raises(Exception, match="older"):
            parse_hours(bad, "older")


def test_the_probes_numbers_in_bodies_and_forms(w: World) -> None:
    huge = 2**63
    answers = {
        "bank version id": w.call("POST", "/api/banks/withdrawn/entries", "sam",
                                  json={"version_id": huge, "reason": "x"}),
        "withdraw expect": w.call("POST", "/api/versions/1/withdraw-everywhere", "sam",
                                  json={"reason": "x", "expect": [huge]}),
        "token expiry": w.call("POST", "/api/users/alice/tokens", "ada",
                               json={"name": "x", "expires_days": huge}),
        "depicts": w.call("POST", "/api/titles/t1/assets", "alice",
                          data={"kind": "synopsis", "text": "A film.",
                                "depicts": "12345678901234567890"}),
    }
    for what, answer in answers.items():
        assert answer.status_code == 422, (what, answer.text)
    assert "depicts" in answers["depicts"].json()["detail"]
