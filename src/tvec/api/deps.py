"""Request dependencies of the API: the login token (bearer or cookie), and `Act`, which
runs a use case as the logged-in user."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Path, Query
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from tvec.domain.errors import NotAuthenticated
from tvec.http.session import COOKIE, context
from tvec.http.session import Ctx as Ctx  # re-exported for the routes
from tvec.schemas.clinic import MAX_ID, Line
from tvec.schemas.clinic import Page as Page
from tvec.services import auth
from tvec.services.context import Actor, Context

bearer = HTTPBearer(auto_error=False, description="Token from POST /auth/login")
cookie = APIKeyCookie(name=COOKIE, auto_error=False, description="Browser session from /auth/login")


async def token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    session: Annotated[str | None, Depends(cookie)],
) -> str:
    if credentials is not None and credentials.scheme.lower() == "bearer":
        return credentials.credentials
    if session:
        return session
    raise NotAuthenticated("log in first: send a bearer token or the session cookie")


P = ParamSpec("P")
R = TypeVar("R")


class Acting:
    """Runs a use case as the logged-in user: checking the token and the service call together,
    in one hop to a worker thread.

    Route functions are `async` and `await act(service_function, *args)`; the service gets the
    context and the actor first, as every service does. One hop instead of three (a sync
    dependency, a sync endpoint and FastAPI's check of a sync endpoint's answer each take one)
    saves about a millisecond of CPU per request: `benchmarks/api_load.py`.
    """

    def __init__(self, ctx: Context, raw: str) -> None:
        self.ctx, self._raw = ctx, raw

    async def __call__(
        self,
        use_case: Callable[Concatenate[Context, Actor, P], R],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        return await run_in_threadpool(self._run, use_case, args, kwargs)

    def _run(
        self,
        use_case: Callable[..., R],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> R:
        return use_case(self.ctx, auth.authenticate(self.ctx, self._raw), *args, **kwargs)


async def acting(
    ctx: Annotated[Context, Depends(context)], raw: Annotated[str, Depends(token)]
) -> Acting:
    return Acting(ctx, raw)


Act = Annotated[Acting, Depends(acting)]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip")]
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="Record id")]
CriteriaName = Annotated[
    Line, Query(min_length=1, max_length=40, description="Response criteria: modified-who or who.")
]

T = TypeVar("T")


def paged(rows: Sequence[Any], limit: int, offset: int, convert: Callable[[Any], T]) -> Page[T]:
    """One page of a list that a service returned whole.

    Lists per patient, course or visit are short (tens of rows), so the page is cut here; the
    centre-wide lists (patients, research, audit) page in the database instead.
    """
    return Page(
        items=[convert(row) for row in rows[offset : offset + limit]],
        total=len(rows),
        limit=limit,
        offset=offset,
    )
