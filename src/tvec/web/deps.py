"""Web sessions: the logged-in actor from the session cookie, and CSRF-checked forms."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request

from tvec.domain.errors import NotAuthenticated
from tvec.http.session import Ctx, session_cookie
from tvec.services import auth
from tvec.services.context import Actor, Context
from tvec.web.forms import FormExpired


class LoginRequired(Exception):
    """Raised by page dependencies; answered with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


# Paths that only take a POST, and the page their form is on: after logging in again the user
# is sent back to that page (a GET of the POST path would be a 405).
FORM_PAGES = (("/visit/measure", "/visit"), ("/visit/plan", "/visit"), ("/admin/users", "/admin"))


def back_to(request: Request) -> str:
    """Where to send the user after logging in: this page, or the page the form is on."""
    path = request.url.path
    if request.method != "GET":
        path = next(
            (path.removesuffix(post) + page for post, page in FORM_PAGES if path.endswith(post)),
            path,
        )
    return quote(path)


def session_token(request: Request) -> str:
    token = session_cookie(request)
    if not token:
        raise LoginRequired(back_to(request))
    return token


def page_actor(ctx: Ctx, request: Request) -> Actor:
    try:
        return auth.authenticate(ctx, session_token(request))
    except NotAuthenticated:
        raise LoginRequired(back_to(request)) from None


def optional_actor(ctx: Context, request: Request) -> Actor | None:
    """The logged-in actor if the session cookie is valid, else None (never raises)."""
    token = session_cookie(request)
    if not token:
        return None
    try:
        return auth.authenticate(ctx, token)
    except Exception:  # best effort: a page without the user is better than no page
        return None


def csrf_token(session: str) -> str:
    """A per-session form token: a cross-site page cannot read it, so it cannot forge a POST."""
    return hmac.new(session.encode(), b"tvec-form", hashlib.sha256).hexdigest()[:32]


def csrf_ok(request: Request, submitted: str | None) -> bool:
    session = session_cookie(request)
    return bool(session) and hmac.compare_digest(csrf_token(session), submitted or "")


def check_csrf(request: Request, form: dict[str, Any]) -> None:
    """A form whose CSRF value is not this session's is shown again (403), with what was typed."""
    if not csrf_ok(request, form.get("csrf")):
        raise FormExpired()


async def form_data(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items()}


PageUser = Annotated[Actor, Depends(page_actor)]
