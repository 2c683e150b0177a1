"""The web app's part of the served application: its pages, static files and error pages."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tvec.web import (
    account,
    admin,
    adverse_events,
    alert_card,
    billing,
    claims,
    coverage,
    deidentified,
    errors,
    exposures,
    follow_up,
    holds,
    office,
    oncologist,
    oncologist_course,
    pages,
    patient_details,
    patient_list,
    payer_review,
    pharmacy,
    pharmacy_board,
    pharmacy_forecast,
    pharmacy_stock,
    prior_auth,
    research,
    safety,
    staff_programme,
    storage,
    visit_correct,
    visit_measure,
    visit_record,
    visit_summary,
)
from tvec.web.templating import HERE

STATIC = str(HERE / "static")


def install(app: FastAPI) -> None:
    """Add the pages (after the API's routes, which keep their paths) and the static files."""
    for module in (
        pages,
        patient_list,
        patient_details,
        follow_up,
        oncologist,
        oncologist_course,
        holds,
        adverse_events,
        alert_card,
        exposures,
        visit_measure,
        visit_correct,
        visit_record,
        visit_summary,
        office,
        pharmacy,
        pharmacy_board,
        storage,
        pharmacy_stock,
        pharmacy_forecast,
        billing,
        claims,
        prior_auth,
        payer_review,
        coverage,
        deidentified,
        research,
        safety,
        admin,
        staff_programme,
        account,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)
