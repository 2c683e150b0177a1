"""Login, logout, who am I, and (for admins) users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from tvec.api.deps import Act, Ctx, Limit, Offset, Page, paged, token
from tvec.http.session import clear_session_cookie, set_session_cookie
from tvec.schemas.clinic import ErrorOut, LoginIn, TokenOut, UserIn, UserOut
from tvec.services import auth

router = APIRouter(tags=["auth and users"])
# Login needs no session, so it is answered without the logged-in error responses.
public = APIRouter(tags=["auth and users"])


@public.post(
    "/auth/login",
    responses={
        401: {"description": "Unknown user or wrong password", "model": ErrorOut},
        422: {"description": "A field breaks a rule; `field` names it", "model": ErrorOut},
    },
    response_model=TokenOut,
    summary="Log in: bearer token and session cookie",
)
def login(body: LoginIn, response: Response, ctx: Ctx) -> TokenOut:
    raw, session, user = auth.login(ctx, body.username, body.password)
    set_session_cookie(response, ctx, raw)
    return TokenOut(
        access_token=raw, expires_at=session.expires_at, user=UserOut.model_validate(user)
    )


@router.post("/auth/logout", status_code=204, summary="End this session or token")
def logout(ctx: Ctx, raw: Annotated[str, Depends(token)], response: Response) -> None:
    auth.logout(ctx, raw)
    clear_session_cookie(response)


@router.get("/auth/me", response_model=UserOut, summary="Who am I: the logged-in user and role")
async def me(act: Act) -> UserOut:
    return UserOut.model_validate(await act(auth.me))


@router.get(
    "/users", response_model=Page[UserOut], summary="List the centre's staff users (admins)"
)
async def users(act: Act, limit: Limit = 50, offset: Offset = 0) -> Page[UserOut]:
    return paged(await act(auth.list_users), limit, offset, UserOut.model_validate)


@router.post(
    "/users",
    response_model=UserOut,
    status_code=201,
    summary="Create a staff user with a role (admins)",
)
async def create_user(body: UserIn, act: Act) -> UserOut:
    return UserOut.model_validate(await act(auth.create_user, body))
