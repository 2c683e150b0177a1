"""FHIR R4 (mCODE) export: `GET /fhir/Patient/{id}/$everything`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tvec.api.deps import Act, Id
from tvec.services import fhir_export

router = APIRouter(tags=["fhir"])

FHIR_JSON = "application/fhir+json"


@router.get(
    "/fhir/Patient/{patient_id}/$everything",
    summary="One patient's records as an mCODE Bundle (FHIR R4)",
    response_class=JSONResponse,
    responses={200: {"content": {FHIR_JSON: {"schema": {"type": "object"}}}}},
)
async def everything(patient_id: Id, act: Act) -> Any:
    bundle = await act(fhir_export.patient_everything, patient_id)
    return JSONResponse(bundle, media_type=FHIR_JSON)


@router.post(
    "/fhir",
    summary="Import a transaction Bundle of mCODE resources (FHIR R4), all or nothing",
    response_class=JSONResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {FHIR_JSON: {"schema": {"type": "object"}}},
        }
    },
    description=(
        "Loads the resources into the caller's centre in one transaction and answers a "
        "transaction-response Bundle (201 per record written, 200 per record already on file). "
        "Any problem and nothing is written: 422 with an OperationOutcome "
        "(application/fhir+json), one issue per problem, its path in `expression`."
    ),
    responses={200: {"content": {FHIR_JSON: {"schema": {"type": "object"}}}}},
)
async def transaction(request: Request, act: Act) -> Any:
    from tvec.services import fhir_import

    body = await request.body()
    try:
        result = await act(fhir_import.import_body, body)
    except fhir_import.ImportRefused as exc:
        outcome = fhir_import.operation_outcome(exc.problems)
        return JSONResponse(outcome, status_code=422, media_type=FHIR_JSON)
    return JSONResponse(fhir_import.transaction_response(result), media_type=FHIR_JSON)
