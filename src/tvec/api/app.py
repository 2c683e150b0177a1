"""The REST API as a FastAPI application: its routes, error handlers and OpenAPI description.

The app that is served adds the web pages to it (`tvec.app.create_app`); this package never
imports `tvec.web`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from tvec import __version__
from tvec.api import docs, errors
from tvec.api.routes import (
    administrations,
    adverse_event_reports,
    auth,
    claims,
    cold_chain,
    courses,
    coverage,
    fhir,
    follow_up,
    holds,
    office,
    oncologist,
    patients,
    pharmacy,
    pharmacy_stock,
    prior_auth,
    programme,
    research,
    safety,
    safety_export,
)
from tvec.config import api_threads_in_use
from tvec.services.context import Context

DESCRIPTION = (
    "Clinic records for intralesional T-VEC therapy: patients, lesions, courses, visit dose plans, "
    "administrations and adverse events. Log in with `POST /auth/login`, then send the token as "
    "`Authorization: Bearer ...`. **tvec supports, and does not replace, clinical judgement.**"
)


def create_api(ctx: Context) -> FastAPI:
    """The API's routes on a new app that serves requests with `ctx`."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The thread pool that runs the blocking database work (see api_threads_in_use)
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = api_threads_in_use(ctx.settings)
        yield

    app = FastAPI(
        title="tvec",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # /docs is served offline by tvec.api.docs
        redoc_url=None,  # ReDoc only comes from a CDN
    )
    app.state.ctx = ctx
    errors.install(app)
    app.include_router(office.public)
    app.include_router(auth.public)
    routers = (
        auth,
        patients,
        courses,
        holds,
        administrations,
        oncologist,
        office,
        pharmacy,
        cold_chain,
        pharmacy_stock,
        claims,
        prior_auth,
        safety,
        programme,
        coverage,
        fhir,
        adverse_event_reports,
        safety_export,
        follow_up,
    )
    for module in (*routers, research):
        app.include_router(module.router, responses=errors.ERROR_RESPONSES_WITH_MODEL)
    errors.document_body_limit(app)
    docs.install(app)
    return app
