"""How the web app shows an error: a redirect to the login page, or a readable error page.

The status of each error comes from the API's one table (`tvec.api.errors`), whose handlers hand
web routes' errors to `page` through `tvec.http.error_pages`; `install` registers it.
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from tvec.http.error_pages import register_error_page
from tvec.web.deps import LoginRequired, PasswordChangeFirst, back_to, optional_actor
from tvec.web.templating import render

HEADINGS = {
    403: "Not allowed for your role",
    404: "Not found",
    409: "Changed meanwhile",
    500: "Something went wrong",
}


def page(request: Request, status: int, message: str) -> Response:
    """A login redirect for 401, else a readable error page.

    The error page still shows who is logged in, and their menu (best effort: without the user
    if the session cannot be read).
    """
    if status == 401:
        return RedirectResponse(f"/login?next={back_to(request)}", status_code=303)
    ctx = getattr(request.app.state, "ctx", None)
    actor = optional_actor(ctx, request) if ctx is not None else None
    return render(
        request,
        "error.html",
        actor,
        status,
        code=status,
        heading=HEADINGS.get(status, "Cannot do that"),
        message=re.sub(r"^(body|path|query)\.", "", message),  # "path.patient_id: ..."
    )


async def to_login(_request: Request, exc: Exception) -> RedirectResponse:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?next={exc.next_url}", status_code=303)


async def to_change_password(_request: Request, _exc: Exception) -> RedirectResponse:
    """A user whose password an admin reset is sent to change it, whatever page they asked for."""
    return RedirectResponse("/account/password", status_code=303)


def install(app: FastAPI) -> None:
    """Errors on web routes become pages; a page that needs a login redirects to it."""
    register_error_page(app, page)
    app.add_exception_handler(LoginRequired, to_login)
    app.add_exception_handler(PasswordChangeFirst, to_change_password)
