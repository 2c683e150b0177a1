"""FHIR R4 (mCODE) export: `GET /fhir/Patient/{id}/$everything`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
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
