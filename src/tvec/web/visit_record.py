"""The visit's later steps: the dose plan as shown, recording what was given, the summary."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tvec.domain.errors import DomainError
from tvec.domain.status import VisitRecordStatus
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas import clinic as s
from tvec.services import vials, visits
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, validate
from tvec.web.templating import render
from tvec.web.visit_common import ITEM, in_row, visit_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])


@router.get("/chart/{patient_id}/visit/{visit_id}", response_class=HTMLResponse)
def plan_page(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, visit_id: int
) -> HTMLResponse:
    visit, patient = visit_of(ctx, user, patient_id, visit_id)
    return render(
        request,
        "visit_plan.html",
        user,
        nav="patients",
        patient=patient,
        visit=visit,
        today=ctx.today(),
    )


def _record_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    visit_id: int,
    values: dict[str, Any],
    errors: FormErrors | None,
    status: int = 200,
) -> HTMLResponse:
    user.require(Action.RECORD_ADMINISTRATION)  # the record form is of no use to anyone else
    visit, patient = visit_of(ctx, user, patient_id, visit_id)
    if visit.status is not VisitRecordStatus.PLANNED:
        return RedirectResponse(f"/chart/{patient_id}/visit/{visit_id}/summary", status_code=303)  # type: ignore[return-value]
    lots = sorted(
        vials.list_lots(ctx, user),
        key=lambda lot: (lot.pfu_per_ml != visit.plan.concentration_pfu_per_ml, lot.expiry_date),
    )
    if errors is not None:
        names = ["administered_at", "override_reason"]
        names += [f"{kind}-{i.lesion_id}" for i in visit.plan.injections for kind in KINDS]
        errors = errors.placed(names)
    return render(
        request,
        "visit_record.html",
        user,
        status,
        nav="patients",
        patient=patient,
        visit=visit,
        lots=lots,
        values=values,
        errors=errors,
        idempotency_key=values.get("idempotency_key") or secrets.token_urlsafe(16),
    )


KINDS = ("volume", "lot")


@router.get("/chart/{patient_id}/visit/{visit_id}/record", response_class=HTMLResponse)
def record_form(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, visit_id: int
) -> HTMLResponse:
    user.require(Action.RECORD_ADMINISTRATION)
    visit = visits.get_visit(ctx, user, visit_id)
    now = (
        datetime.now(UTC).replace(second=0, microsecond=0)
        if ctx.today() == datetime.now(UTC).date()
        else ctx.clock()
    )
    values: dict[str, Any] = {"administered_at": now.strftime("%Y-%m-%dT%H:%M")}
    for i in visit.plan.injections:
        values[f"volume-{i.lesion_id}"] = str(i.volume_ml)
    return _record_page(request, ctx, user, patient_id, visit_id, values, None)


@router.post("/chart/{patient_id}/visit/{visit_id}/record", response_model=None)
async def record_save(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, visit_id: int
) -> Any:
    form = await form_data(request)
    user.require(Action.RECORD_ADMINISTRATION)
    visit, _patient = visit_of(ctx, user, patient_id, visit_id)
    targets = [
        i.lesion_id for i in visit.plan.injections if form.get(f"volume-{i.lesion_id}", "").strip()
    ]
    try:
        check_csrf(request, form)
        if not targets:
            raise FormErrors({}, "Enter the volume given to at least one lesion.")
        data = validate(
            s.AdministrationIn,
            {
                "version": form.get("version"),
                "override_reason": form.get("override_reason") or None,
                "administered_at": _local(form.get("administered_at", "")),
                "items": [
                    {
                        "target": t,
                        "volume_ml": form.get(f"volume-{t}"),
                        "vial_lot": form.get(f"lot-{t}"),
                    }
                    for t in targets
                ],
            },
        )
        visits.record_administration(ctx, user, visit_id, data, form.get("idempotency_key") or None)
    except FormErrors as errors:
        return _record_page(
            request, ctx, user, patient_id, visit_id, form, _rename(errors, targets), errors.status
        )
    except DomainError as exc:
        return _record_page(
            request, ctx, user, patient_id, visit_id, form, _record_error(exc, targets), 422
        )
    return RedirectResponse(f"/chart/{patient_id}/visit/{visit_id}/summary", status_code=303)


def _local(text: str) -> str:
    """A datetime-local value is the clinic's wall time; tvec stores instants in UTC."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).isoformat() if text else text
    except ValueError:
        return text


def _rename(errors: FormErrors, targets: list[str]) -> FormErrors:
    fields = {}
    for name, message in errors.fields.items():
        match = re.fullmatch(r"items\.(\d+)\.(volume_ml|vial_lot|target)", name)
        if match and int(match.group(1)) < len(targets):
            kind = "volume" if match.group(2) != "vial_lot" else "lot"
            fields[f"{kind}-{targets[int(match.group(1))]}"] = message
        else:
            fields[name] = message
    renamed = FormErrors(fields, errors.general)
    renamed.status = errors.status
    return renamed


def _record_error(exc: DomainError, targets: list[str]) -> FormErrors:
    field = str(exc.fields.get("field") or "")
    match = ITEM.search(str(exc))
    if match and int(match.group(1)) < len(targets):
        kind = "lot" if field == "vial_lot" else "volume"
        return FormErrors({f"{kind}-{targets[int(match.group(1))]}": in_row(exc)})
    if exc.code in ("dose-too-early", "permission-denied"):
        return FormErrors({"override_reason": str(exc)}, str(exc))
    return FormErrors({}, str(exc))


@router.get("/chart/{patient_id}/visit/{visit_id}/summary", response_class=HTMLResponse)
def summary(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, visit_id: int
) -> HTMLResponse:
    visit, patient = visit_of(ctx, user, patient_id, visit_id)
    lots = {lot.id: lot.lot for lot in vials.list_lots(ctx, user)}
    given = [
        (a, lots.get(a.vial_lot_id, "?")) for a in visits.list_administrations(ctx, user, visit_id)
    ]
    total = sum((a.volume_ml for a, _ in given), 0)
    return render(
        request,
        "visit_summary.html",
        user,
        nav="patients",
        patient=patient,
        visit=visit,
        administrations=given,
        total=total,
    )
