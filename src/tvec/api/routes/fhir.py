"""FHIR R4 (mCODE): `Patient/{id}/$everything`, the Bulk Data `$export` and `POST /fhir`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from tvec.api.deps import Act, Id
from tvec.domain.errors import InvalidInput
from tvec.interop.fhir.outcome import issue, operation_outcome
from tvec.services import fhir_bulk, fhir_export

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


# ---- FHIR Bulk Data `$export` (system level: the actor's centre) -----------------------------
# The files are built during the kick-off request and kept in the database (tvec.services.
# fhir_bulk; docs/adr/0008-fhir-bulk-export.md): the status is complete at once, never 202.

FHIR_NDJSON = "application/fhir+ndjson"
OUTCOME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"resourceType": {"type": "string"}, "issue": {"type": "array"}},
    "required": ["resourceType", "issue"],
}
BAD_EXPORT_REQUEST: dict[str, Any] = {
    "description": "A FHIR OperationOutcome: `Prefer: respond-async` missing, or `_type` or "
    "`_outputFormat` not accepted, or `_since` given (`issue[0].expression` names it)",
    "content": {"application/json": {"schema": OUTCOME_SCHEMA}},
}
Job = Annotated[str, Path(min_length=1, max_length=100, description="The export's token")]


def _refused(field: str, diagnostics: str) -> JSONResponse:
    body = operation_outcome(issue(diagnostics, field))
    return JSONResponse(body, status_code=400, media_type=FHIR_JSON)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get(
    "/fhir/$export",
    summary="FHIR Bulk Data kick-off: the centre's records as NDJSON files (answered at once)",
    description="Needs `Prefer: respond-async`. Nurses and oncologists get the identified "
    "records, researchers the de-identified form. Answers 202 with the status URL in "
    "`Content-Location`; the files are ready when it answers.",
    status_code=202,
    response_class=JSONResponse,
    responses={
        202: {
            "description": "Accepted: the status URL is in `Content-Location`",
            "headers": {"Content-Location": {"schema": {"type": "string"}}},
            "content": {FHIR_JSON: {"schema": OUTCOME_SCHEMA}},
        },
        400: BAD_EXPORT_REQUEST,
    },
)
async def export_kick_off(
    request: Request,
    act: Act,
    prefer: Annotated[str | None, Header(description="Must be respond-async")] = None,
    types: Annotated[
        str | None, Query(alias="_type", description="Resource types, comma separated")
    ] = None,
    output_format: Annotated[
        str | None, Query(alias="_outputFormat", description="application/fhir+ndjson")
    ] = None,
) -> Any:
    if "respond-async" not in (prefer or "").lower():
        return _refused("Prefer", "the Prefer header must be respond-async for $export")
    if "_since" in request.query_params:
        return _refused("_since", "_since is not supported: tvec exports every current record")
    try:
        token = await act(fhir_bulk.kick_off, types, output_format, str(request.url))
    except InvalidInput as exc:
        return _refused(exc.field, str(exc))
    body = operation_outcome(issue("the export is ready", None, "information", "informational"))
    headers = {"Content-Location": f"{_base(request)}/fhir/$export-status/{token}"}
    return JSONResponse(body, status_code=202, media_type=FHIR_JSON, headers=headers)


@router.get(
    "/fhir/$export-status/{job}",
    summary="FHIR Bulk Data status: the manifest of a finished export",
    response_class=JSONResponse,
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def export_status(job: Job, request: Request, act: Act) -> Any:
    found = await act(fhir_bulk.export_status, job)
    base = f"{_base(request)}/fhir/$export-file/{job}"
    manifest: dict[str, Any] = {
        "transactionTime": found.requested_at.isoformat(),
        "request": found.request,
        "requiresAccessToken": True,
        "output": [
            {"type": f.resource_type, "url": f"{base}/{f.resource_type}.ndjson", "count": f.count}
            for f in found.files
        ],
        "error": [],
        "extension": {"urn:tvec:deidentified": found.deidentified},
    }
    return JSONResponse(manifest)


@router.delete(
    "/fhir/$export-status/{job}",
    summary="FHIR Bulk Data: delete an export and its files",
    status_code=202,
    response_class=JSONResponse,
    responses={202: {"content": {FHIR_JSON: {"schema": OUTCOME_SCHEMA}}}},
)
async def export_delete(job: Job, act: Act) -> Any:
    await act(fhir_bulk.delete_export, job)
    body = operation_outcome(issue("the export is deleted", None, "information", "informational"))
    return JSONResponse(body, status_code=202, media_type=FHIR_JSON)


@router.get(
    "/fhir/$export-file/{job}/{resource_type}.ndjson",
    summary="FHIR Bulk Data file: one resource type of an export, one resource per line",
    response_class=Response,
    responses={200: {"content": {FHIR_NDJSON: {"schema": {"type": "string"}}}}},
)
async def export_file(
    job: Job,
    resource_type: Annotated[str, Path(max_length=64, description="A resource type")],
    act: Act,
) -> Response:
    content = await act(fhir_bulk.export_file, job, resource_type)
    return Response(content, media_type=FHIR_NDJSON)


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
