"""Pharmacy (vial lots), billing, research (de-identified), the audit log, and health."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy import text

from tvec.api.deps import Act, Ctx, Id, Limit, Offset, Page, paged
from tvec.schemas import clinic as s
from tvec.schemas.clinic import MAX_ID
from tvec.services import billing_office, outcomes, vials

router = APIRouter()
public = APIRouter()  # no login: no 401/403 responses to document


@public.get("/health", response_model=s.HealthOut, tags=["health"], summary="Liveness (no login)")
def health(ctx: Ctx) -> s.HealthOut:
    with ctx.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return s.HealthOut(status="ok", database=ctx.engine.dialect.name)


@router.get(
    "/vial-lots",
    response_model=Page[s.VialLotOut],
    tags=["pharmacy"],
    summary="List vial lots (pharmacy)",
)
async def lots(act: Act, limit: Limit = 50, offset: Offset = 0) -> Page[s.VialLotOut]:
    return paged(await act(vials.list_lots), limit, offset, s.VialLotOut.model_validate)


@router.post(
    "/vial-lots",
    response_model=s.VialLotOut,
    status_code=201,
    tags=["pharmacy"],
    summary="Receive a vial lot (pharmacists)",
)
async def add_lot(body: s.VialLotIn, act: Act) -> s.VialLotOut:
    return s.VialLotOut.model_validate(await act(vials.add_lot, body))


@router.get(
    "/billing/lines",
    response_model=Page[s.BillingLineOut],
    tags=["billing"],
    summary="Billing lines (J9325 units, JW/JZ) for administrations in a date range",
    description=(
        "The lines of doses given from `since` to `until` (both included), newest first; "
        "optionally of one patient (`patient_id`) and one kind of line (`status`: "
        "`administered`, or `discarded`, the JW line). The billing page and its CSV show the "
        "same lines. `until` before `since` or an unknown `status` is refused (422)."
    ),
)
async def billing(
    act: Act,
    since: Annotated[date, Query(description="First service date (YYYY-MM-DD)")],
    until: Annotated[date, Query(description="Last service date (YYYY-MM-DD)")],
    patient_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="One patient")] = None,
    status: Annotated[
        Literal["administered", "discarded"] | None, Query(description="The kind of line")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[s.BillingLineOut]:
    wanted = billing_office.BillingFilter(since, until, patient_id, status)
    report = await act(billing_office.billing_report, wanted, limit, offset)
    return Page(
        items=[s.BillingLineOut.model_validate(o.line, from_attributes=True) for o in report.lines],
        total=report.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/research/patients",
    response_model=s.Page[s.DeidentifiedPatientOut],
    tags=["research"],
    summary="De-identified patients and outcomes (researchers)",
)
async def research(
    act: Act, limit: Limit = 50, offset: Offset = 0
) -> s.Page[s.DeidentifiedPatientOut]:
    items, total = await act(outcomes.deidentified_patients, limit, offset)
    return s.Page(
        items=[s.DeidentifiedPatientOut.model_validate(p, from_attributes=True) for p in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/audit",
    response_model=s.Page[s.AuditEntryOut],
    tags=["audit"],
    summary="The centre's audit log: who changed which record, when and why (no record values)",
)
async def audit(
    act: Act,
    limit: Limit = 50,
    offset: Offset = 0,
    entity: Annotated[s.Line | None, Query(max_length=40)] = None,
) -> s.Page[s.AuditEntryOut]:
    items, total = await act(outcomes.audit_log, limit, offset, entity)
    return s.Page(
        items=[s.AuditEntryOut.model_validate(a) for a in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/audit/{entity}/{entity_id}",
    response_model=Page[s.AuditOut],
    tags=["audit"],
    summary="One record's history, values before and after (for those who may read the record)",
)
async def record_history(
    entity: Annotated[s.Line, Path(max_length=40)],
    entity_id: Id,
    act: Act,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[s.AuditOut]:
    return paged(
        await act(outcomes.record_history, entity, entity_id),
        limit,
        offset,
        s.AuditOut.model_validate,
    )
