"""The researcher's outcomes report page: the centre's de-identified report, and its downloads.

The report is built by `tvec.services.research_report` (researchers only, the actor's centre)
and its content rendered by `tvec.reports`, the same as ``tvec report --database`` writes; the
page shows it under the app's header, with links to download it as a PDF (the report page
printed), as one HTML page and its tables as CSV files in a zip.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from tvec.http.error_pages import answer_with_pages
from tvec.http.files import file_response
from tvec.http.session import Ctx
from tvec.reports import render_body
from tvec.services import research_report
from tvec.web.deps import PageUser
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

PAGE = "/research/outcomes-report"


@router.get(PAGE, response_class=HTMLResponse)
def report_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    found = research_report.centre_report(ctx, user)
    body = None if found.report is None else render_body(found.report)
    return render(
        request,
        "research_report.html",
        user,
        nav="report",
        found=found,
        body=body,
        downloads={
            fmt: f"{PAGE}.{research_report.SUFFIXES[fmt]}" for fmt in research_report.FORMATS
        },
    )


@router.get(f"{PAGE}.pdf")
def report_pdf(ctx: Ctx, user: PageUser) -> Response:
    file = research_report.report_file(ctx, user, "pdf")
    return file_response(file.content, file.media_type, file.filename)


@router.get(f"{PAGE}.html")
def report_html(ctx: Ctx, user: PageUser) -> Response:
    file = research_report.report_file(ctx, user, "html")
    return file_response(file.content, file.media_type, file.filename)


@router.get(f"{PAGE}.zip")
def report_csv(ctx: Ctx, user: PageUser) -> Response:
    file = research_report.report_file(ctx, user, "csv")
    return file_response(file.content, file.media_type, file.filename)
