"""The browser session cookie, and the service context every request is served with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from tvec.config import Settings
from tvec.services.context import Context

COOKIE = "tvec_session"


def set_session_cookie(response: Response, ctx: Context, raw: str, request: Request) -> None:
    """The browser session cookie for a login token: HttpOnly, SameSite=Lax, expiring with it,
    and Secure when served over HTTPS or in production (`cookie_is_secure`)."""
    response.set_cookie(
        COOKIE,
        raw,
        httponly=True,
        samesite="lax",
        secure=cookie_is_secure(ctx.settings, request),
        max_age=int(ctx.settings.session_hours * 3600),
    )


def cookie_is_secure(settings: Settings, request: Request) -> bool:
    """TVEC_COOKIE_SECURE if set; else Secure in production and whenever the request came over
    HTTPS (its own scheme, or X-Forwarded-Proto from a trusted proxy)."""
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    return settings.env == "production" or over_https(settings, request)


def over_https(settings: Settings, request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return settings.trusted_proxy and forwarded == "https"


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
