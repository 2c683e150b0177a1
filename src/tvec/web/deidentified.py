"""The researcher's de-identified patient list."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.services import (
    outcomes,
)
from tvec.web.deps import (
    PageUser,
)
from tvec.web.templating import render

# Errors on these routes are answered as pages, not JSON (tvec.web.errors).
MAX_OFFSET = 1_000_000

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])


@router.get("/research", response_class=HTMLResponse)
def research_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    items, _total = outcomes.deidentified_patients(ctx, user, 200, 0)
    rows = [
        (
            p.pseudonym,
            p.sex,
            p.age_at_start if p.age_at_start is not None else "–",
            p.stage or "–",
            p.doses,
            p.best_overall_response or "–",
            p.durable_response or "–",
            p.time_to_response_days if p.time_to_response_days is not None else "–",
            p.serious_adverse_events,
        )
        for p in items
    ]
    return render(
        request,
        "office.html",
        user,
        nav="research",
        title="De-identified outcomes",
        headers=[
            "Pseudonym",
            "Sex",
            "Age at start",
            "Stage",
            "Doses",
            "Best response",
            "Durable",
            "Days to response",
            "Serious AEs",
        ],
        rows=rows,
        errors=None,
        values={},
        notice="",
        form=None,
    )
