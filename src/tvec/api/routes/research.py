"""The centre's outcomes report for researchers, as HTML, PDF or CSV tables (a zip):
``GET /research/report``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from tvec.api.deps import Act
from tvec.http.files import file_response
from tvec.services import research_report

router = APIRouter()

FORMAT_HELP = (
    "html, pdf or csv (the tables as CSV files in a zip); without it, application/pdf or "
    "application/zip in Accept asks for the PDF or the zip"
)


@router.get(
    "/research/report",
    response_class=Response,
    tags=["research"],
    summary="The centre's outcomes report next to OPTiM's figures, HTML, PDF or CSV (researchers)",
    responses={
        200: {
            "description": "The de-identified report of the user's centre",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def report(
    act: Act,
    format: Annotated[Literal["html", "pdf", "csv"] | None, Query(description=FORMAT_HELP)] = None,
    accept: Annotated[str, Header()] = "",
) -> Response:
    chosen = format or (
        "pdf" if "application/pdf" in accept else "csv" if "application/zip" in accept else "html"
    )
    found = await act(research_report.report_file, chosen)
    return file_response(found.content, found.media_type, found.filename, inline=chosen == "html")
