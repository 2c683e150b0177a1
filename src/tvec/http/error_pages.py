"""Errors on the web app's routes are answered with a page, everywhere else with JSON.

The API's exception handlers (`tvec.api.errors`) hold the one table from error types to HTTP
statuses. The web app marks its routes and registers how a status is shown as a page
(`tvec.web.errors`). This module is where the two meet, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request, Response

ErrorPage = Callable[[Request, int, str], Response]
"""Renders (request, HTTP status, one-line message) as the response a browser is shown."""


def answer_with_pages(request: Request) -> None:
    """Router dependency of the web pages: an error on this request is answered as a page."""
    request.state.web = True


def register_error_page(app: FastAPI, page: ErrorPage) -> None:
    app.state.error_page = page


def error_page(request: Request) -> ErrorPage | None:
    """The page renderer when this request is a web page's, else None (answer with JSON)."""
    if not getattr(request.state, "web", False):
        return None
    page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    return page
