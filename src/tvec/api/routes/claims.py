"""Claims (billing office): visits ready to bill with their lines and edits; export a batch as
an ASC X12 837P file and a CSV; the batches exported, and their files as sent."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.http.files import file_response
from tvec.schemas import claims as s
from tvec.services import claims

router = APIRouter(tags=["claims"])


@router.get(
    "/claims/ready",
    response_model=Page[s.ClaimPreviewOut],
    summary="Visits ready to bill: claim lines and the edits each fails (billing office)",
    description=(
        "Every given visit of the centre not yet on an exported claim, oldest first: J9325 with "
        "JW/JZ and the NDC, 96405/96406, 76942; the diagnosis codes, place of service and "
        "authorization number; `findings` lists the edits that stop its export."
    ),
)
async def ready(act: Act, limit: Limit = 50, offset: Offset = 0) -> Page[s.ClaimPreviewOut]:
    return paged(await act(claims.ready_to_bill), limit, offset, s.preview_out)


@router.post(
    "/claims/batches",
    response_model=s.BatchOut,
    status_code=201,
    summary="Export the visits' claims as one batch (837P and CSV)",
    description=(
        "Refused whole (422, `code` claim-edits) when any visit fails an edit: nothing is "
        "written. An exported batch never changes."
    ),
)
async def export(body: s.ExportIn, act: Act) -> s.BatchOut:
    batch = await act(claims.export_batch, body.visit_ids)
    return s.BatchOut.model_validate(batch, from_attributes=True)


@router.get("/claims/batches", response_model=Page[s.BatchOut], summary="Exported batches")
async def batches(act: Act, limit: Limit = 50, offset: Offset = 0) -> Page[s.BatchOut]:
    found = await act(claims.batches)
    return paged(found, limit, offset, lambda b: s.BatchOut.model_validate(b, from_attributes=True))


@router.get(
    "/claims/batches/{batch_id}/837p",
    response_class=Response,
    responses={200: {"content": {"application/edi-x12": {"schema": {"type": "string"}}}}},
    summary="The batch's ASC X12 837P 5010 file, as exported",
)
async def batch_837p(batch_id: Id, act: Act) -> Response:
    batch = await act(claims.batch, batch_id)
    name = f"claims-{batch.control_number}.837p.x12"
    return file_response(batch.x12, "application/edi-x12", name)


@router.get(
    "/claims/batches/{batch_id}/csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    summary="The batch's claims as CSV (one row per service line), as exported",
)
async def batch_csv(batch_id: Id, act: Act) -> Response:
    batch = await act(claims.batch, batch_id)
    name = f"claims-{batch.control_number}.csv"
    return file_response(batch.csv, "text/csv; charset=utf-8", name)
