"""The FastAPI application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from tvec import __version__
from tvec.api import errors
from tvec.api.routes import auth, courses, office, patients
from tvec.bootstrap import build_context
from tvec.config import Settings, api_threads_in_use
from tvec.web import pages, visit
from tvec.web.deps import LoginRequired
from tvec.web.templating import HERE as WEB

STATIC = str(WEB / "static")

DESCRIPTION = (
    "Clinic records for intralesional T-VEC therapy: patients, lesions, courses, visit dose plans, "
    "administrations and adverse events. Log in with `POST /auth/login`, then send the token as "
    "`Authorization: Bearer ...`. **tvec supports, and does not replace, clinical judgement.**"
)


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    ctx = build_context(settings or Settings(), clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The thread pool that runs the blocking database work (see api_threads_in_use)
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = api_threads_in_use(ctx.settings)
        # What is loaded by now (modules, schemas, routes) lives as long as the process. Frozen,
        # it is left out of the garbage collector's full passes, which otherwise walk it all and
        # pause the server for 70-140 ms a few times a minute under load (measured with a
        # gc.callbacks probe during benchmarks/api_load.py).
        gc.collect()
        gc.freeze()
        yield

    app = FastAPI(
        title="tvec",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    errors.install(app)
    app.include_router(office.public)
    app.include_router(auth.public)
    for module in (auth, patients, courses, office):
        app.include_router(module.router, responses=errors.ERROR_RESPONSES_WITH_MODEL)
    app.include_router(pages.router)
    app.include_router(visit.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(LoginRequired, _to_login)
    return app


async def _to_login(_request: Request, exc: Exception) -> RedirectResponse:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?next={exc.next_url}", status_code=303)
