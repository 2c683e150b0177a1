"""Web sessions: the logged-in actor from the session cookie, and CSRF tokens for forms."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from tvec.api.deps import COOKIE, Ctx
from tvec.domain.errors import NotAuthenticated
from tvec.services import auth
from tvec.services.context import Actor


class LoginRequired(Exception):
    """Raised by page dependencies; answered with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def session_token(request: Request) -> str:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired(quote(request.url.path))
    return token


def page_actor(ctx: Ctx, request: Request) -> Actor:
    try:
        return auth.authenticate(ctx, session_token(request))
    except NotAuthenticated:
        raise LoginRequired(quote(request.url.path)) from None


def csrf_token(session: str) -> str:
    """A per-session form token: a cross-site page cannot read it, so it cannot forge a POST."""
    return hmac.new(session.encode(), b"tvec-form", hashlib.sha256).hexdigest()[:32]


def csrf_ok(request: Request, submitted: str | None) -> bool:
    session = request.cookies.get(COOKIE, "")
    return bool(session) and hmac.compare_digest(csrf_token(session), submitted or "")


PageUser = Annotated[Actor, Depends(page_actor)]
