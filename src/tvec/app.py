"""The application that is served: the REST API and the web app, on one service context.

This is the one module that puts `tvec.api` and `tvec.web` together; neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from tvec.api.app import create_api
from tvec.bootstrap import build_context
from tvec.config import Settings, check_settings
from tvec.http.limits import BodyLimit
from tvec.http.security import SecurityHeaders
from tvec.web import site


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """The API's routes first, then the web pages and static files, sharing one context.

    Outside development mode, default or insecure settings are refused (InsecureSettings).
    """
    settings = settings or Settings()
    check_settings(settings)
    app = create_api(build_context(settings, clock))
    site.install(app)
    # bodies over the limit are refused (413) before they are read
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        file_bytes=settings.max_logger_file_bytes,
    )
    app.add_middleware(SecurityHeaders)  # added last: outermost, so every answer has them
    return app
