"""The web app's part of the served application: its pages, static files and error pages."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tvec.web import (
    account,
    admin,
    deidentified,
    errors,
    office,
    pages,
    research,
    visit_measure,
    visit_record,
)
from tvec.web.templating import HERE

STATIC = str(HERE / "static")


def install(app: FastAPI) -> None:
    """Add the pages (after the API's routes, which keep their paths) and the static files."""
    for module in (
        pages,
        visit_measure,
        visit_record,
        office,
        deidentified,
        research,
        admin,
        account,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)
