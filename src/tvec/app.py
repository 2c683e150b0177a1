"""The application that is served: the REST API and the web app, on one service context.

This is the one module that puts `tvec.api` and `tvec.web` together; neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from tvec.api.app import create_api
from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.web import site


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """The API's routes first, then the web pages and static files, sharing one context."""
    app = create_api(build_context(settings or Settings(), clock))
    site.install(app)
    return app
