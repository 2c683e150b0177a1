"""The browser session cookie, and the service context every request is served with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from tvec.services.context import Context

COOKIE = "tvec_session"


def set_session_cookie(response: Response, ctx: Context, raw: str) -> None:
    """The browser session cookie for a login token: HttpOnly, SameSite=Lax, expiring with it."""
    response.set_cookie(
        COOKIE,
        raw,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.cookie_secure,
        max_age=int(ctx.settings.session_hours * 3600),
    )


def clear_session_cookie(response: Response) -> None:
    """Tell the browser to forget the session cookie (on logout)."""
    response.delete_cookie(COOKIE)


def session_cookie(request: Request) -> str:
    """The session cookie's token, or "" when there is none."""
    return request.cookies.get(COOKIE, "")


async def context(request: Request) -> Context:
    # async: a plain attribute read, so FastAPI need not hop to a worker thread for it
    ctx: Context = request.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(context)]
