"""The one table from error types to HTTP statuses, and the handlers that apply it.

Error bodies are `{"detail": "...", "code": "...", "field": "..."}`: one line naming the field by
its label and the rule in the clinic's words, with its unit and what to do
(`tvec.schemas.messages`); `field` keeps the field's name for programs. Nothing a client sends
can produce a 500 through these paths. An unexpected failure is logged as one line, method,
path, status and a new error id, without the exception's text or traceback (which may carry
request data identifying a patient), and answered with a 500 that gives the error id
(`"code": "internal"`, `"error_id": "..."`). `CatchUnexpected` answers it inside the
application, so it never reaches the server, which would log the traceback and drop the
connection.

On the web app's routes the same status is shown as a page instead, by the renderer the web app
registers (`tvec.web.errors`, through `tvec.http.error_pages`); this module never imports `web`.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvec.domain import errors as e
from tvec.domain.prior_auth import MalformedBundle
from tvec.http.error_pages import error_page
from tvec.knowledge import KnowledgeError
from tvec.persistence.db import DatabaseBusy
from tvec.schemas import messages
from tvec.schemas.clinic import ErrorOut

log = logging.getLogger("tvec.api")

STATUS: list[tuple[type[Exception], int]] = [
    (e.NotAuthenticated, 401),
    (MalformedBundle, 400),  # a prior-authorization Bundle that cannot be read
    (e.TooManyAttempts, 429),
    (e.PermissionDenied, 403),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.CourseHeld, 409),  # the course's state (a hold in force) forbids the dose
    (e.InvalidInput, 422),
    (e.RouteNotPermitted, 422),
    (e.DoseTooEarly, 422),
    (e.CourseRuleBroken, 422),
    (KnowledgeError, 422),
    (e.DomainError, 422),
]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in, or the session expired"},
    403: {"description": "The user's role may not do this"},
    404: {"description": "No such record in the user's centre"},
    409: {
        "description": "Stale version, duplicate, a replay that does not match, or the course "
        "is on hold (`code` course-held: no dose can be planned or given)"
    },
    422: {"description": "A field breaks a rule; `field` names it"},
}


ERROR_RESPONSES_WITH_MODEL: dict[int | str, dict[str, Any]] = {
    status: {**about, "model": ErrorOut} for status, about in ERROR_RESPONSES.items()
}

# Where they occur, not on every route: 429 on the login only (tvec.services.login_limits), 413
# on every operation that takes a body (tvec.http.limits.BodyLimit, before the route runs).
TOO_MANY_LOGINS: dict[str, Any] = {
    "description": "Too many failed logins for this account or from this address: refused, "
    "whatever the password, for the seconds in `Retry-After`",
    "model": ErrorOut,
    "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
}
TOO_LARGE: dict[str, Any] = {
    "description": "The request body is larger than the server takes (TVEC_MAX_BODY_BYTES); "
    "refused before it is read",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


# What the framework itself may answer on any operation, before tvec's code runs: a body it cannot
# read (not UTF-8, a broken form) and a method the path does not take. Their body is
# `{"detail": "..."}` only.
FRAMEWORK_ERROR: dict[str, Any] = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FRAMEWORK_RESPONSES: dict[str, dict[str, Any]] = {
    "400": {
        "description": "The request could not be read (a body that is not UTF-8 text, a "
        "malformed form or multipart body)",
        "content": {"application/json": {"schema": FRAMEWORK_ERROR}},
    },
    "405": {
        "description": "This path does not take this method; `Allow` names those it takes",
        "headers": {
            "Allow": {"description": "the methods of this path", "schema": {"type": "string"}}
        },
        "content": {"application/json": {"schema": FRAMEWORK_ERROR}},
    },
}


def document_body_limit(app: FastAPI) -> None:
    """The OpenAPI names 413 on every operation with a request body, and 400 and 405
    (FRAMEWORK_RESPONSES) on every operation."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict):
                    continue
                responses = operation.setdefault("responses", {})
                for status, about in FRAMEWORK_RESPONSES.items():
                    responses.setdefault(status, about)
                if "requestBody" in operation:
                    responses.setdefault("413", TOO_LARGE)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def status_for(exc: Exception) -> int:
    return next(status for kind, status in STATUS if isinstance(exc, kind))


def _body(detail: str, code: str, field: str | None) -> dict[str, Any]:
    return {"detail": detail, "code": code, "field": field}


async def _domain_error(request: Request, exc: Exception) -> Response:
    field = getattr(exc, "field", None)
    if field is None and isinstance(exc, e.DomainError):
        field = exc.fields.get("field")
    code = getattr(exc, "code", "invalid")
    status = status_for(exc)
    if page := error_page(request):
        return page(request, status, str(exc))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, e.TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(_body(str(exc), code, field), status_code=status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    if first.get("type") == "json_invalid":
        # loc is ("body", <character offset>): name the body, and say where it broke
        offset = first.get("loc", ("body", "?"))[-1]
        detail = f"body: is not valid JSON (broken at character {offset})"
        if page := error_page(request):
            return page(request, 422, detail)
        return JSONResponse(_body(detail, "invalid-json", "body"), status_code=422)
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body",)]
    field = ".".join(loc) or "(request)"
    detail = messages.message(first)  # the field's label and the rule, in the clinic's words
    if page := error_page(request):
        return page(request, 422, detail)
    return JSONResponse(_body(detail, "invalid-request", field), status_code=422)


async def _busy(request: Request, exc: Exception) -> Response:
    # Nothing was written: the request waited its turn as a writer and gave up before starting.
    return _retry_later(request, str(exc))


async def _database_error(request: Request, exc: Exception) -> Response:
    # A connection the database server dropped (restart, failover): the pool has been renewed,
    # and the transaction did not commit, so the client may simply try again.
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return _retry_later(request, "the database connection was reset; try again")
    return await _unexpected(request, exc)


def _retry_later(request: Request, message: str) -> Response:
    if page := error_page(request):
        return page(request, 503, message)
    return JSONResponse(_body(message, "busy", None), status_code=503, headers={"Retry-After": "1"})


async def _unexpected(request: Request, exc: Exception) -> Response:
    return unexpected(request, exc)


def unexpected(request: Request, exc: BaseException) -> Response:
    """Log an unexpected failure as one line with a new error id, and answer 500 with that id."""
    error_id = secrets.token_hex(6)
    log.error(
        "unexpected %s on %s %s: status 500, error id %s",
        type(exc).__name__,
        request.method,
        request.url.path,
        error_id,
    )
    if page := error_page(request):
        message = (
            f"tvec could not finish this. It has been logged as error {error_id}; "
            "give this number when you report it."
        )
        try:
            return page(request, 500, message)
        except Exception as page_exc:  # the page itself failed (say, the database is down)
            log.error("error page failed (%s), error id %s", type(page_exc).__name__, error_id)
            return PlainTextResponse(message, status_code=500)
    body = _body(f"internal error; it has been logged as error {error_id}", "internal", None)
    return JSONResponse({**body, "error_id": error_id}, status_code=500)


class CatchUnexpected:
    """ASGI middleware: an exception no handler answered becomes `unexpected`'s 500 here.

    Starlette hands such an exception to its outermost middleware, which answers 500 and then
    raises it again to the server (uvicorn), which logs the full traceback and closes the
    connection; this middleware sits inside that one and ends the request normally.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            request = Request(scope)
            if started:  # too late for a 500: the response is cut short
                log.error(
                    "unexpected %s on %s %s after the response started, error id %s",
                    type(exc).__name__,
                    request.method,
                    request.url.path,
                    secrets.token_hex(6),
                )
                return
            await unexpected(request, exc)(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(e.DomainError, _domain_error)
    app.add_exception_handler(KnowledgeError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DatabaseBusy, _busy)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(CatchUnexpected)
