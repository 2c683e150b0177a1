"""The claims page of the billing office: visits ready to bill with their claim lines and the
edits each fails, the export of the chosen visits as one batch (ASC X12 837P and CSV), and the
batches exported, with their files as they were sent. The work is `tvec.services.claims`, which
the API's `/claims/...` routes call too."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.files import file_response
from tvec.http.session import Ctx
from tvec.knowledge.claim_codes import load_claim_codes
from tvec.services import claims
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])


@router.get("/billing/claims", response_class=HTMLResponse)
def claims_page(request: Request, ctx: Ctx, user: PageUser, exported: int = 0) -> HTMLResponse:
    user.require(Action.READ_BILLING)
    return _page(request, ctx, user, exported=exported)


@router.post("/billing/claims/export", response_model=None)
async def claims_export(request: Request, ctx: Ctx, user: PageUser) -> Any:
    posted = await request.form()
    form = await form_data(request)
    user.require(Action.EXPORT_CLAIMS)
    chosen = [int(str(v)) for v in posted.getlist("visit") if str(v).isdigit()]
    try:
        check_csrf(request, form)
        batch = claims.export_batch(ctx, user, chosen)
    except (FormErrors, DomainError) as exc:
        message = exc.general if isinstance(exc, FormErrors) else str(exc)
        return _page(request, ctx, user, error=message or "The batch was not exported.")
    return RedirectResponse(f"/billing/claims?exported={batch.id}", status_code=303)


@router.get("/billing/claims/batches/{batch_id}.x12", response_model=None)
def batch_x12(ctx: Ctx, user: PageUser, batch_id: int) -> Response:
    batch = claims.batch(ctx, user, batch_id)
    return file_response(
        batch.x12, "application/edi-x12", f"claims-{batch.control_number}.837p.x12"
    )


@router.get("/billing/claims/batches/{batch_id}.csv", response_model=None)
def batch_csv(ctx: Ctx, user: PageUser, batch_id: int) -> Response:
    batch = claims.batch(ctx, user, batch_id)
    return file_response(batch.csv, "text/csv; charset=utf-8", f"claims-{batch.control_number}.csv")


def _page(
    request: Request, ctx: Ctx, user: Any, *, exported: int = 0, error: str | None = None
) -> HTMLResponse:
    previews = claims.ready_to_bill(ctx, user)
    sent = claims.batches(ctx, user)
    codes = load_claim_codes("us")
    places = {p.code: p.name for p in codes.places_of_service}
    return render(
        request,
        "claims.html",
        user,
        422 if error else 200,
        nav="billing",
        previews=previews,
        ready_count=sum(1 for p in previews if p.ready),
        batches=sent,
        just_exported=next((b for b in sent if b.id == exported), None),
        places=places,
        error=error,
    )
