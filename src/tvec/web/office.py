"""The office pages: vial lots (the billing office is tvec.web.billing)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tvec.domain.administration import lot_expired
from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.knowledge import available_labels, load_label
from tvec.schemas import clinic as s
from tvec.services import (
    vials,
)
from tvec.services.permissions import Action, allowed
from tvec.web.deps import (
    PageUser,
    check_csrf,
    form_data,
)
from tvec.web.forms import FormErrors, from_domain, validate
from tvec.web.templating import render

# Errors on these routes are answered as pages, not JSON (tvec.web.errors).
MAX_OFFSET = 1_000_000

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])


@router.get("/vials", response_class=HTMLResponse)
def vial_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    return _vials(request, ctx, user, None, {}, "")


def _vials(
    request: Request,
    ctx: Ctx,
    user: Any,
    errors: FormErrors | None,
    values: dict[str, Any],
    notice: str,
    status: int = 200,
) -> HTMLResponse:
    rows = [
        (
            lot.lot,
            f"{lot.pfu_per_ml:,} PFU/mL",
            lot.expiry_date.isoformat(),
            "expired"
            if lot_expired(lot.expiry_date, ctx.today(user))
            else "expires soon"
            if lot.expiry_date < ctx.today(user) + timedelta(days=30)
            else "",
        )
        for lot in vials.list_lots(ctx, user)
    ]
    strengths = {st.pfu_per_ml: st for v in available_labels() for st in load_label(v).strengths}
    return render(
        request,
        "office.html",
        user,
        status,
        nav="vials",
        title="Vial lots",
        headers=["Lot", "Strength", "Expiry", ""],
        rows=rows,
        errors=errors.placed(("lot", "pfu_per_ml", "expiry_date")) if errors else None,
        values=values,
        notice=notice,
        strengths=list(strengths.values()),
        form="lot" if allowed(user.role, Action.MANAGE_VIALS) else None,
    )


@router.post("/vials", response_model=None)
async def vial_add(request: Request, ctx: Ctx, user: PageUser) -> Any:
    form = await form_data(request)
    user.require(Action.MANAGE_VIALS)
    try:
        check_csrf(request, form)
        vials.add_lot(
            ctx,
            user,
            validate(s.VialLotIn, {k: form.get(k) for k in ("lot", "pfu_per_ml", "expiry_date")}),
        )
    except (FormErrors, DomainError) as exc:
        errors = (
            exc
            if isinstance(exc, FormErrors)
            else from_domain(exc, {"lot": "lot", "pfu_per_ml": "pfu_per_ml"})
        )
        return _vials(request, ctx, user, errors, form, "", errors.status)
    return _vials(request, ctx, user, None, {}, f"Lot {form.get('lot')} added.")
