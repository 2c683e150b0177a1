"""Login, logout, who am I, and (for admins) users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from tvec.api.deps import Act, Ctx, Id, Limit, Offset, Page, paged, token
from tvec.api.errors import TOO_MANY_LOGINS
from tvec.http.limits import client_address
from tvec.http.session import clear_session_cookie, set_session_cookie
from tvec.schemas.clinic import (
    ChangePasswordIn,
    ErrorOut,
    LoginIn,
    ResetPasswordIn,
    SessionsEndedOut,
    TokenOut,
    UserIn,
    UserOut,
)
from tvec.services import auth, login_limits

router = APIRouter(tags=["auth and users"])
# Login needs no session, so it is answered without the logged-in error responses.
public = APIRouter(tags=["auth and users"])


@public.post(
    "/auth/login",
    responses={
        401: {"description": "Unknown user or wrong password", "model": ErrorOut},
        429: TOO_MANY_LOGINS,
        422: {"description": "A field breaks a rule; `field` names it", "model": ErrorOut},
    },
    response_model=TokenOut,
    summary="Log in: bearer token and session cookie",
)
def login(body: LoginIn, request: Request, response: Response, ctx: Ctx) -> TokenOut:
    address = client_address(request, ctx.settings)
    raw, session, user = login_limits.login(ctx, body.username, body.password, address)
    set_session_cookie(response, ctx, raw, request)
    return TokenOut(
        access_token=raw,
        expires_at=session.expires_at,
        user=UserOut.model_validate(user),
        password_change_required=user.must_change_password,
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


@router.post(
    "/auth/change-password",
    status_code=204,
    summary="Change one's own password (the current one and a new one); other sessions end",
)
def change_password(ctx: Ctx, raw: Annotated[str, Depends(token)], body: ChangePasswordIn) -> None:
    # Not `Act`: a login whose password an admin reset may do this, and nothing else
    auth.change_password(ctx, raw, body.current_password, body.new_password)


@router.post(
    "/users/{user_id}/disable",
    response_model=UserOut,
    summary="Disable a user of the centre: their sessions end at once (admins)",
)
async def disable_user(user_id: Id, act: Act) -> UserOut:
    return UserOut.model_validate(await act(auth.disable_user, user_id))


@router.post(
    "/users/{user_id}/enable", response_model=UserOut, summary="Enable a disabled user (admins)"
)
async def enable_user(user_id: Id, act: Act) -> UserOut:
    return UserOut.model_validate(await act(auth.enable_user, user_id))


@router.post(
    "/users/{user_id}/reset-password",
    response_model=UserOut,
    summary="Set a temporary password, to be changed at the next login (admins)",
)
async def reset_password(user_id: Id, body: ResetPasswordIn, act: Act) -> UserOut:
    return UserOut.model_validate(await act(auth.reset_password, user_id, body.password))


@router.post(
    "/users/{user_id}/revoke-sessions",
    response_model=SessionsEndedOut,
    summary="End every session of a user (admins; or the user themself)",
)
async def revoke_sessions(user_id: Id, act: Act) -> SessionsEndedOut:
    return SessionsEndedOut(sessions_ended=await act(auth.revoke_sessions, user_id))
