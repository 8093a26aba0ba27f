"""Plumbing shared by the review UI's pages: templates, who is asking, CSRF and error pages.

The UI is server-rendered HTML over plain forms, authenticated by the signed session cookie of
:mod:`clearance.review.access` (never by API tokens: a browser page is always a session).

Pages are built from the API's own dependencies (:mod:`clearance.service.deps`), so they get the
same transaction, the same database-slot guard (``DB_SLOTS``, which fixed a measured deadlock) and
the same session and CSRF checks:

* **Transactions.** A handler takes ``SessionDep``: the request is one transaction, committed
  before the response is sent and rolled back whole when the handler raises, so a refused action
  changes nothing before its error page is shown.
* **Who is asking.** :data:`PageDep` (:func:`page_viewer`) authenticates the session cookie with
  :func:`~clearance.service.deps.session_actor` and loads the viewer's preferences; with no
  cookie, an expired or an invalid one it raises :class:`LoginRequired`, which :class:`UIRoute`
  turns into a redirect to ``/login?next=<the page>`` rather than the API's 401 problem.
* **CSRF.** Every form carries the session's CSRF token in a hidden ``csrf`` field (the
  ``csrf_field`` template macro), which :func:`~clearance.service.deps.submitted_csrf` reads; a
  POST whose token is missing or wrong is refused with 403 before anything is read or changed.
  The login form, which comes before any session, uses a double-submit cookie instead
  (:data:`LOGIN_CSRF_COOKIE`).
* **Errors.** :class:`UIRoute` renders Clearance errors as an HTML page with the right status
  (404, 403, 409, 422, 503) shown, a sentence saying what it means, the error itself, and the
  way on: back, and the viewer's own navigation when the request had a session
  (:func:`page_viewer` leaves the viewer on ``request.state``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from clearance.errors import (
    AccessError,
    ClearanceError,
    DetectorUnavailable,
    Forbidden,
    InputError,
    NotFound,
    ReviewConflict,
    StorageError,
    Unauthenticated,
)
from clearance.identifiers import escape_invisible
from clearance.review import access, reason_codes
from clearance.service.deps import (
    CsrfDep,
    SessionDep,
    StateDep,
    get_state,
    session_actor,
)
from clearance.service.problems import UNAVAILABLE
from clearance.service.state import ServiceState
from clearance.settings import Settings
from clearance.storage.db import as_utc
from clearance.storage.review_models import User

log = logging.getLogger("clearance.service")

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
#: The login form's CSRF token (double-submit: the form field must equal this cookie).
LOGIN_CSRF_COOKIE: Final = "clearance_login_csrf"
#: How long a login form stays usable (seconds).
LOGIN_FORM_MAX_AGE: Final = 3600

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


class LoginRequired(Exception):
    """No usable session: the page redirects to the login form (with ``next``)."""

    def __init__(self, message: str = "log in to continue") -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Page:
    """Who is looking at a page: the actor, their CSRF token and their display preferences."""

    actor: access.Actor
    csrf: str
    display_name: str
    blur_images: bool

    @property
    def is_reviewer(self) -> bool:
        return self.actor.at_least("reviewer")

    @property
    def is_senior(self) -> bool:
        return self.actor.is_senior


def state_of(request: Request) -> ServiceState:
    return get_state(request)


def settings_of(request: Request) -> Settings:
    return get_state(request).settings


def page_viewer(request: Request, session: SessionDep, state: StateDep,
                csrf: CsrfDep) -> Page:
    """The viewer of a page, from the session cookie only (a page is never an API token's),
    authenticated by :func:`~clearance.service.deps.session_actor` in the request's
    slot-guarded transaction like every API call. No usable session is :class:`LoginRequired`;
    a POST whose ``csrf`` form field is missing or wrong is :class:`Forbidden` before the user
    is even loaded."""
    try:
        actor = session_actor(request, session, state, csrf)
    except Unauthenticated as exc:
        raise LoginRequired(exc.message) from exc
    user = session.get(User, actor.user_id)
    if user is None:  # pragma: no cover - session_actor checked it
        raise LoginRequired()
    page = Page(actor=actor, csrf=request.state.csrf, display_name=user.display_name,
                blur_images=user.blur_images)
    request.state.page = page  # an error page shows the viewer's navigation too
    return page


def optional_viewer(request: Request, session: SessionDep, state: StateDep) -> Page | None:
    """The viewer when there is a usable session, else ``None`` (the login form's GET)."""
    try:
        return page_viewer(request, session, state, None)
    except LoginRequired:
        return None


#: The viewer of a page (see :func:`page_viewer`).
PageDep = Annotated[Page, Depends(page_viewer)]
OptionalPageDep = Annotated[Page | None, Depends(optional_viewer)]


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to; anything else (another host, ``//evil``) becomes ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: See Other, so a reload does not repeat the action."""
    return RedirectResponse(url, status_code=303)


def _ago(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if value is None:
        return ""
    seconds = int(((now or dt.datetime.now(dt.UTC)) - as_utc(value)).total_seconds())
    if seconds < 60:
        return "just now" if seconds >= 0 else "in the future"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return ""  # pragma: no cover


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def shown_escaped(value: object) -> str:
    """``value`` as text with every invisible, control or format character shown as
    ``<U+XXXX>`` (:func:`clearance.identifiers.escape_invisible`), line breaks and tabs kept: a
    right-to-left override in a name must not reverse what a reviewer reads after it."""
    return "\n".join("\t".join(escape_invisible(part) for part in line.split("\t"))
                     for line in str(value).replace("\r\n", "\n").split("\n"))


def _finalize(value: Any) -> Any:
    """Every ``{{ ... }}`` of every page, escaped as :func:`shown_escaped` does: the pages show
    names, titles, reasons and comments written by others, and any of them may hide characters.
    Markup (the macros' own HTML, which has ``__html__``) is left alone."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return shown_escaped(value)
    return value


def _reason_label(code: str) -> str:
    """A preset reason code's label (:mod:`clearance.review.reason_codes`); an unknown code (one
    retired since) as it was stored."""
    found = reason_codes.BY_CODE.get(code)
    return found.label if found else code


templates.env.filters["ago"] = _ago
templates.env.filters["reason_label"] = _reason_label
templates.env.filters["when"] = _when
templates.env.filters["escape_invisible"] = shown_escaped
templates.env.finalize = _finalize


def render(request: Request, name: str, page: Page | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """Render a page template with the viewer (``me``) and the current path in its context."""
    context.update(me=page, path=request.url.path)
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


_STATUS: Final[tuple[tuple[type[Exception], int, str], ...]] = (
    (NotFound, 404, "Not found"),
    (Unauthenticated, 401, "Not logged in"),
    (Forbidden, 403, "Not allowed"),
    (AccessError, 403, "Not allowed"),
    (ReviewConflict, 409, "Cannot do that now"),
    (InputError, 422, "Cannot use that input"),
    (DetectorUnavailable, 503, "Service unavailable"),
)


#: What each status means, in one sentence a reviewer can act on (the error says the rest).
ERROR_SENTENCES: Final[dict[int, str]] = {
    401: "You are not logged in, or your session ended: log in again.",
    403: "Your role does not allow this; nothing was changed.",
    404: "There is nothing at this address, or it is not yours to see.",
    409: "The item's state or the review rules do not allow this right now; nothing was "
         "changed.",
    422: "Part of what was sent cannot be used; nothing was changed.",
    503: "The service cannot do this at the moment; nothing was changed. Try again shortly.",
    500: "Something went wrong on the server; nothing was changed.",
}


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def back_link(request: Request) -> str:
    """Where *Back* goes: the referring page on this site, else home."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc:
        return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    return "/"


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    """The HTML (or, for the page's own fetch calls, problem+json) answer to a refused action:
    the status, a sentence saying what it means, the error, and navigation (back, and the
    viewer's pages when the request had a session)."""
    if _wants_json(request):
        return JSONResponse({"type": "about:blank", "title": title, "status": status,
                             "detail": detail}, status_code=status,
                            media_type="application/problem+json")
    viewer = getattr(request.state, "page", None)
    return render(request, "error.html", viewer if isinstance(viewer, Page) else None,
                  status_code=status, title=title, status=status,
                  sentence=ERROR_SENTENCES.get(status, ERROR_SENTENCES[500]), detail=detail,
                  back=back_link(request))


def login_redirect(request: Request, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"type": "about:blank", "title": "Not logged in", "status": 401,
                             "detail": message}, status_code=401,
                            media_type="application/problem+json")
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = "/login" if request.method != "GET" or here == "/" else \
        f"/login?next={quote(here, safe='')}"
    return redirect(target)


def as_page_error(request: Request, exc: Exception) -> Response | None:
    """The UI's answer to an error raised by a handler, or ``None`` to let it propagate."""
    if isinstance(exc, LoginRequired):
        return login_redirect(request, exc.message)
    if isinstance(exc, RequestValidationError):
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "request"
                           for e in exc.errors())
        return error_page(request, 422, "Cannot use that input",
                          f"missing or invalid field(s): {fields}")
    if isinstance(exc, ClearanceError):
        for kind, status, title in _STATUS:
            if isinstance(exc, kind):
                return error_page(request, status, title, exc.message)
        log.error("%s on a page: %s", type(exc).__name__, exc.rendered())
        if isinstance(exc, StorageError):  # its message names the database: the log's only
            return error_page(request, 503, "Service unavailable", UNAVAILABLE)
        return error_page(request, 500, "Something went wrong",
                          "internal error; the server log has the details")
    return None


class UIRoute(APIRoute):
    """A route whose Clearance errors become HTML pages (or a redirect to the login form)
    instead of the API's problem+json; everything else propagates to the app's handlers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except (LoginRequired, RequestValidationError, ClearanceError) as exc:
                response = as_page_error(request, exc)
                if response is None:  # pragma: no cover - every caught kind is mapped
                    raise
                return response

        return handle


def set_session_cookie(response: Response, settings: Settings, value: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure outside development."""
    response.set_cookie(access.SESSION_COOKIE, value, max_age=settings.session_max_age,
                        httponly=True, samesite="lax", path="/",
                        secure=settings.environment != "development")


def query_params(request: Request, *names: str) -> Mapping[str, str]:
    """The non-empty query parameters among ``names`` (to refill filter forms)."""
    return {n: request.query_params[n] for n in names if request.query_params.get(n)}
