"""Pharmacy (vial lots), billing, research (de-identified), the audit log, and health."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import text

from tvec.api.deps import Ctx, Limit, Offset, User
from tvec.domain.errors import InvalidInput
from tvec.schemas import clinic as s
from tvec.services import outcomes, vials

router = APIRouter()


@router.get("/health", response_model=s.HealthOut, tags=["health"], summary="Liveness (no login)")
def health(ctx: Ctx) -> s.HealthOut:
    with ctx.sessions() as session:
        session.execute(text("SELECT 1"))
    return s.HealthOut(status="ok", database=ctx.sessions.kw["bind"].dialect.name)


@router.get("/vial-lots", response_model=list[s.VialLotOut], tags=["pharmacy"])
def lots(ctx: Ctx, user: User) -> list[s.VialLotOut]:
    return [s.VialLotOut.model_validate(x) for x in vials.list_lots(ctx, user)]


@router.post("/vial-lots", response_model=s.VialLotOut, status_code=201, tags=["pharmacy"])
def add_lot(body: s.VialLotIn, ctx: Ctx, user: User) -> s.VialLotOut:
    return s.VialLotOut.model_validate(vials.add_lot(ctx, user, body))


@router.get("/billing/lines", response_model=list[s.BillingLineOut], tags=["billing"])
def billing(
    ctx: Ctx, user: User, since: Annotated[date, Query()], until: Annotated[date, Query()]
) -> list[s.BillingLineOut]:
    if until < since:
        raise InvalidInput("query", "until", f"must not be before since ({since})")
    return [
        s.BillingLineOut.model_validate(line, from_attributes=True)
        for line in outcomes.billing_lines(ctx, user, since, until)
    ]


@router.get(
    "/research/patients", response_model=s.Page[s.DeidentifiedPatientOut], tags=["research"]
)
def research(
    ctx: Ctx, user: User, limit: Limit = 50, offset: Offset = 0
) -> s.Page[s.DeidentifiedPatientOut]:
    items, total = outcomes.deidentified_patients(ctx, user, limit, offset)
    return s.Page(
        items=[s.DeidentifiedPatientOut.model_validate(p, from_attributes=True) for p in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/audit", response_model=s.Page[s.AuditOut], tags=["audit"])
def audit(
    ctx: Ctx,
    user: User,
    limit: Limit = 50,
    offset: Offset = 0,
    entity: Annotated[str | None, Query(max_length=40)] = None,
) -> s.Page[s.AuditOut]:
    items, total = outcomes.audit_log(ctx, user, limit, offset, entity)
    return s.Page(
        items=[s.AuditOut.model_validate(a) for a in items], total=total, limit=limit, offset=offset
    )
