"""The one table from error types to HTTP statuses, and the handlers that apply it.

Error bodies are `{"detail": "...", "code": "...", "field": "..."}`: one line naming the field and
the rule. Nothing a client sends can produce a 500 through these paths; an unexpected failure is
logged without request data (which may identify a patient) and answered with a generic 500.

On the web app's routes the same status is shown as a page instead, by the renderer the web app
registers (`tvec.web.errors`, through `tvec.http.error_pages`); this module never imports `web`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError

from tvec.domain import errors as e
from tvec.http.error_pages import error_page
from tvec.knowledge import KnowledgeError
from tvec.persistence.db import DatabaseBusy
from tvec.schemas.clinic import ErrorOut

log = logging.getLogger("tvec.api")

STATUS: list[tuple[type[Exception], int]] = [
    (e.NotAuthenticated, 401),
    (e.PermissionDenied, 403),
    (e.NotFound, 404),
    (e.Conflict, 409),
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
    409: {"description": "Stale version, duplicate, or a replay that does not match"},
    422: {"description": "A field breaks a rule; `field` names it"},
}


ERROR_RESPONSES_WITH_MODEL: dict[int | str, dict[str, Any]] = {
    status: {**about, "model": ErrorOut} for status, about in ERROR_RESPONSES.items()
}


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
    rule = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
    if page := error_page(request):
        return page(request, 422, f"{field}: {rule}")
    return JSONResponse(_body(f"{field}: {rule}", "invalid-request", field), status_code=422)


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


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return JSONResponse(
        _body("internal error; it has been logged", "internal", None), status_code=500
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(e.DomainError, _domain_error)
    app.add_exception_handler(KnowledgeError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DatabaseBusy, _busy)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
