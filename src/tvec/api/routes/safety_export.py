"""Safety exports: the centre's safety table (JSON) and one adverse event's safety report."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from tvec.api.deps import Act, Id
from tvec.http.files import file_response
from tvec.schemas.safety_table import SafetyTableOut
from tvec.services import safety_report, safety_tables

router = APIRouter(tags=["safety"])


@router.get(
    "/safety/table",
    response_model=SafetyTableOut,
    summary="Adverse events by term and worst grade per patient, next to OPTiM's rates",
)
async def table(act: Act) -> SafetyTableOut:
    found = await act(safety_tables.centre_safety)
    trial = (found.trial_name, found.trial.adverse_reactions.source)
    return SafetyTableOut.of_table(
        found.centre_name, found.table, found.compared, trial, found.note
    )


@router.get(
    "/adverse-events/{event_id}/safety-report",
    response_class=Response,
    summary="One adverse event as a de-identified safety report: E2B(R3)-shaped XML or CIOMS PDF",
    responses={
        200: {
            "description": "xml: simplified XML whose element names follow ICH E2B(R3), not an "
            "HL7 ICSR message and not validated against the ICH schemas; pdf: the same case laid "
            "out after the CIOMS I form",
            "content": {
                "application/xml": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def report(
    event_id: Id,
    act: Act,
    format: Annotated[Literal["xml", "pdf"], Query(description="xml (default) or pdf")] = "xml",
) -> Response:
    found = await act(safety_report.safety_report_file, event_id, format)
    return file_response(found.content, found.media_type, found.filename)
