"""Request dependencies: the service context and the logged-in actor (bearer token or cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from tvec.domain.errors import NotAuthenticated
from tvec.services import auth
from tvec.services.context import Actor, Context

COOKIE = "tvec_session"
bearer = HTTPBearer(auto_error=False, description="Token from POST /auth/login")
cookie = APIKeyCookie(name=COOKIE, auto_error=False, description="Browser session from /auth/login")


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    session: Annotated[str | None, Depends(cookie)],
) -> str:
    if credentials is not None and credentials.scheme.lower() == "bearer":
        return credentials.credentials
    if session:
        return session
    raise NotAuthenticated("log in first: send a bearer token or the session cookie")


def actor(ctx: Annotated[Context, Depends(context)], raw: Annotated[str, Depends(token)]) -> Actor:
    return auth.authenticate(ctx, raw)


Ctx = Annotated[Context, Depends(context)]
User = Annotated[Actor, Depends(actor)]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip")]
