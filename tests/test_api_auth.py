"""Who may call what: every /api route refuses an anonymous caller (401), role checks refuse
lower roles (403), a cookie session needs its CSRF token for unsafe methods, and every error is
problem+json. The route lists are read from the app itself, so a new route is covered the day
it is added."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from api_world import TestClient, World, world
from clearance.review import access
from clearance.service.problems import PROBLEM_JSON

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as built:
        yield built


def _api_routes(w: World) -> list[tuple[str, str, Any]]:
    """(method, path, route context) of every route under /api, included routers flattened."""
    out = []
    for ctx in iter_route_contexts(w.app.routes):
        path = re.sub(r":\w+}", "}", ctx.path or "")  # /banks/{name:bank} is /banks/{name}
        if isinstance(ctx.original_route, APIRoute) and path.startswith("/api"):
            out.extend((method, path, ctx) for method in sorted(ctx.methods or ()))
    assert len(out) > 20, "the route list is suspiciously short"
    return out


def _filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _role_checks(route: Any) -> set[str]:
    """The roles a route's dependencies require (``require_<role>`` dependencies)."""
    found: set[str] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        name = getattr(dep.call, "__name__", "")
        if name.startswith("require_"):
            found.add(name.removeprefix("require_"))
        stack.extend(dep.dependencies)
    return found


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert set(body) <= {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status
    assert body["type"].startswith("urn:clearance:problem:")
    assert body["title"] and body["detail"]
    return body


def test_every_api_route_refuses_an_anonymous_caller(w: World) -> None:
    for method, path, _ in _api_routes(w):
        r = w.client.request(method, _filled(path))
        body = assert_problem(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer"), (method, path)
        assert "authentication required" in body["detail"]


@pytest.mark.parametrize("header", ["Bearer clr_not-a-real-token", "Bearer nonsense",
                                    "Basic YWxpY2U6cHc=", "Bearer "])
def test_bad_credentials_are_401(w: World, header: str) -> None:
    for method, path, _ in _api_routes(w)[:5]:
        assert_problem(w.client.request(method, _filled(path),
                                        headers={"Authorization": header}), 401)


def test_every_api_route_checks_a_role(w: World) -> None:
    for method, path, route in _api_routes(w):
        assert _role_checks(route), f"{method} {path} has no role check"


def test_a_reviewer_calling_an_admin_route_is_403(w: World) -> None:
    admin_routes = [(m, p) for m, p, r in _api_routes(w) if "admin" in _role_checks(r)]
    assert {("GET", "/api/users"), ("POST", "/api/users"), ("DELETE", "/api/tokens/{token_id}"),
            ("GET", "/api/audit/verify"), ("POST", "/api/webhooks")} <= set(admin_routes)
    for method, path in admin_routes:
        for who in ("rita", "sam"):
            body = assert_problem(w.call(method, _filled(path), who), 403)
            assert "admin role" in body["detail"], (method, path, body)


def test_a_submitter_calling_a_reviewer_route_is_403(w: World) -> None:
    reviewer_routes = [(m, p) for m, p, r in _api_routes(w)
                       if _role_checks(r) & {"reviewer", "senior_reviewer"}]
    assert ("POST", "/api/queue/claim-next") in reviewer_routes
    assert ("GET", "/api/audit") in reviewer_routes
    for method, path in reviewer_routes:
        assert_problem(w.call(method, _filled(path), "alice"), 403)


def test_senior_reads_the_audit_log_but_a_reviewer_does_not(w: World) -> None:
    assert w.call("GET", "/api/audit", "sam").status_code == 200
    assert_problem(w.call("GET", "/api/audit", "rita"), 403)


def test_revoked_token_is_401(w: World) -> None:
    assert w.call("GET", "/api/me", "rita").status_code == 200
    token_id = w.call("GET", "/api/me", "rita").json()["token_id"]
    assert w.call("DELETE", f"/api/tokens/{token_id}", "ada").status_code == 204
    body = assert_problem(w.call("GET", "/api/me", "rita"), 401)
    assert "revoked" in body["detail"]


def _login_cookie(w: World, username: str) -> tuple[str, str]:
    from clearance.storage import session_scope

    with session_scope(w.engine) as s:
        user = access.get_user(s, username)
        return access.start_session(s, w.settings.require_secret(), user,
                                    max_age=w.settings.session_max_age)


def test_cookie_session_needs_csrf_for_unsafe_methods(w: World) -> None:
    item = w.queued_item()
    cookie, csrf = _login_cookie(w, "rita")
    client = TestClient(w.app, cookies={access.SESSION_COOKIE: cookie})
    assert client.get("/api/me").json()["via"] == "session"  # safe: no token needed
    body = assert_problem(client.post(f"/api/items/{item}/comments", json={"body": "hi"}), 403)
    assert "CSRF" in body["detail"]
    assert_problem(client.post(f"/api/items/{item}/comments", json={"body": "hi"},
                               headers={"X-CSRF-Token": "wrong"}), 403)
    ok = client.post(f"/api/items/{item}/comments", json={"body": "hi"},
                     headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text
    # A form post may carry it as the csrf field instead.
    form = client.post("/api/users/alice/tokens", data={"csrf": csrf})
    assert_problem(form, 403)  # rita is no admin: past CSRF, stopped by the role check


def test_a_forged_or_expired_cookie_is_401(w: World) -> None:
    client = TestClient(w.app, cookies={access.SESSION_COOKIE: "forged.value.sig"})
    assert_problem(client.get("/api/me"), 401)


def test_problem_shapes(w: World) -> None:
    assert_problem(w.call("GET", "/api/does-not-exist", "rita"), 404)
    assert_problem(w.call("PATCH", "/api/me", "rita"), 405)
    invalid = assert_problem(w.call("GET", "/api/items", "rita", params={"limit": "x"}), 422)
    assert invalid["errors"][0]["field"] == "query.limit"
    bad_body = assert_problem(w.call("POST", "/api/items/1/decision", "rita",
                                     json={"outcome": "maybe", "extra": 1}), 422)
    assert {e["field"] for e in bad_body["errors"]} == {"body.outcome", "body.extra"}
    assert_problem(w.call("GET", "/api/items/999", "rita"), 404)
    item = w.queued_item()
    assert w.call("POST", f"/api/items/{item}/claim", "rita").status_code == 200
    conflict = assert_problem(w.call("POST", f"/api/items/{item}/claim", "ravi"), 409)
    assert "rita" in conflict["detail"]


def test_unexpected_errors_are_500_without_internals(w: World) -> None:
    def boom() -> None:
        raise RuntimeError("password=hunter2 in /srv/secret/path")

    w.app.add_api_route("/api/boom", boom)
    client = TestClient(w.app, raise_server_exceptions=False)
    body = assert_problem(client.get("/api/boom"), 500)
    assert "hunter2" not in body["detail"] and "secret" not in body["detail"]


def test_healthz_and_openapi_need_no_login_and_docs_ui_is_off(w: World) -> None:
    assert w.client.get("/healthz").json() == {"status": "ok"}
    spec = w.client.get("/openapi.json").json()
    assert "/api/items/{item_id}/decision" in spec["paths"]
    assert w.client.get("/docs").status_code == 404


def test_every_api_route_is_documented(w: World) -> None:
    text = DOCS.read_text(encoding="utf-8")
    for method, path, _ in _api_routes(w):
        assert f"`{method} {path}`" in text, f"{method} {path} missing from docs/api.md"


def test_every_api_route_declares_its_response(w: World) -> None:
    """A response model for every JSON route (so /openapi.json describes what it answers and a
    route cannot leak a field); a route without one answers bytes or nothing, and says so."""
    spec = w.client.get("/openapi.json").json()
    for method, path, ctx in _api_routes(w):
        route = ctx.original_route
        operation = spec["paths"][path][method.lower()]
        if route.response_model is None:
            assert route.status_code == 204 or set(operation["responses"]["200"]["content"]) \
                - {"application/json"}, f"{method} {path} returns an undeclared body"
            continue
        status = str(route.status_code or 200)
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        assert schema.get("$ref") or schema.get("anyOf"), (method, path, schema)
        for code in ("401", "403", "422"):
            assert code in operation["responses"], (method, path, code)
    components = spec["components"]["schemas"]
    assert {"ItemDetail", "ItemPublic", "JobPublic", "UserPublic", "TokenPublic",
            "WebhookPublic", "DeliveryPublic", "AuditEventPublic", "Problem"} <= set(components)
    item = components["ItemPublic"]["properties"]
    assert {"version_number", "round", "screening_id"} <= set(item)


def test_responses_keep_their_documented_fields(w: World) -> None:
    item = w.call("GET", f"/api/items/{w.queued_item()}", "rita").json()
    assert set(item) >= {"id", "state", "outcome", "screening_decision", "policy_version", "risk",
                         "rules", "needs_two", "awaiting_senior", "title_id", "asset",
                         "version_id", "version_number", "round", "screening_id",
                         "content_type", "content_url", "team_id", "submitted_by", "claimed_by",
                         "is_claimed", "lease_expires_at", "created_at", "updated_at",
                         "decided_at", "findings", "reasons", "reviews", "comments", "context"}
    assert item["version_number"] == 1 and item["round"] == 1
    assert item["created_at"].endswith("+00:00")
    me = w.call("GET", "/api/me", "rita").json()
    assert set(me) == {"id", "username", "display_name", "role", "team_id", "via", "token_id",
                       "blur_images"}
    users = w.call("GET", "/api/users", "ada").json()["users"]
    assert set(users[0]) == {"id", "username", "display_name", "role", "team_id", "active",
                             "blur_images", "created_at", "tokens"}
    assert set(users[0]["tokens"][0]) == {"id", "name", "prefix", "created_at", "expires_at",
                                          "last_used_at", "revoked_at"}
