"""The centre's safety page, and one adverse event's safety report as a download.

The page shows the centre's adverse events by term and worst grade per patient next to OPTiM's
published rates (`tvec.services.safety_tables`, rendered as the outcomes report's safety tables);
the download is the event's de-identified, E2B(R3)-shaped XML (`tvec.services.safety_report`).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from tvec.http.error_pages import answer_with_pages
from tvec.http.files import file_response
from tvec.http.session import Ctx
from tvec.reports.safety import published_table, term_table
from tvec.services import safety_report, safety_tables
from tvec.web.deps import PageUser
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])


@router.get("/safety", response_class=HTMLResponse)
def safety_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    found = safety_tables.centre_safety(ctx, user)
    data = safety_tables.safety_data(found)
    return render(
        request,
        "safety.html",
        user,
        nav="safety",
        found=found,
        terms=term_table(data),
        published=published_table(data),
    )


@router.get("/safety/events/{event_id}/report.xml")
def safety_report_xml(event_id: int, ctx: Ctx, user: PageUser) -> Response:
    return _download(safety_report.safety_report_file(ctx, user, event_id, "xml"))


@router.get("/safety/events/{event_id}/report.pdf")
def safety_report_pdf(event_id: int, ctx: Ctx, user: PageUser) -> Response:
    return _download(safety_report.safety_report_file(ctx, user, event_id, "pdf"))


def _download(found: safety_report.SafetyReportFile) -> Response:
    return file_response(found.content, found.media_type, found.filename)
