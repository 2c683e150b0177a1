"""The patient's follow-up page: death, last known alive, baseline ECOG and prior systemic
therapies, recorded by the oncologist or the nurse through `tvec.services.follow_up` (the same
service as the API's). A refused form is shown again with what was typed and the message beside
its field; nothing is written."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.knowledge.follow_up import load_follow_up
from tvec.schemas.follow_up import FollowUpIn, PriorTherapyCorrection, PriorTherapyIn
from tvec.services import follow_up, patients
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, blank_to_none, from_domain, validate
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

FOLLOW_UP_FIELDS = (
    "last_known_alive_on",
    "ecog",
    "ecog_assessed_on",
    "died_on",
    "death_cause",
    "reason",
)
THERAPY_FIELDS = ("category", "agent", "line", "started_on", "ended_on")


def _record_values(found: Any) -> dict[str, str]:
    if found is None:
        return {}
    values = {name: getattr(found, name) for name in FOLLOW_UP_FIELDS if name != "reason"}
    shown = {k: "" if v is None else str(v) for k, v in values.items()}
    return shown | {"version": str(found.version)}


def _page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    therapy_values: dict[str, str] | None = None,
    therapy_errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    patient = patients.get_patient(ctx, user, patient_id)
    chart = follow_up.get_follow_up(ctx, user, patient_id)
    return render(
        request,
        "follow_up.html",
        user,
        status,
        nav="patients",
        patient=patient,
        chart=chart,
        book=load_follow_up(),
        values=values if values is not None else _record_values(chart.follow_up),
        errors=errors,
        therapy_values=therapy_values or {},
        therapy_errors=therapy_errors,
    )


@router.get("/chart/{patient_id}/follow-up", response_class=HTMLResponse)
def follow_up_page(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> HTMLResponse:
    return _page(request, ctx, user, patient_id)


@router.post("/chart/{patient_id}/follow-up", response_model=None)
async def follow_up_save(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Response:
    form = await form_data(request)
    user.require(Action.RECORD_FOLLOW_UP)
    try:
        check_csrf(request, form)
        data = blank_to_none({k: form.get(k, "") for k in (*FOLLOW_UP_FIELDS, "version")})
        follow_up.record_follow_up(ctx, user, patient_id, validate(FollowUpIn, data))
    except (FormErrors, DomainError) as exc:
        fields = {f: f for f in FOLLOW_UP_FIELDS}
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, fields)
        placed = errors.placed(FOLLOW_UP_FIELDS)
        return _page(request, ctx, user, patient_id, form, placed, status=errors.status)
    return RedirectResponse(f"/chart/{patient_id}/follow-up", status_code=303)


@router.post("/chart/{patient_id}/prior-therapies", response_model=None)
async def therapy_add(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Response:
    form = await form_data(request)
    user.require(Action.RECORD_FOLLOW_UP)
    try:
        check_csrf(request, form)
        data = blank_to_none({k: form.get(k, "") for k in THERAPY_FIELDS})
        follow_up.add_prior_therapy(ctx, user, patient_id, validate(PriorTherapyIn, data))
    except (FormErrors, DomainError) as exc:
        fields = {f: f for f in THERAPY_FIELDS}
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, fields)
        placed = errors.placed(THERAPY_FIELDS)
        return _page(
            request,
            ctx,
            user,
            patient_id,
            therapy_values=form,
            therapy_errors=placed,
            status=errors.status,
        )
    return RedirectResponse(f"/chart/{patient_id}/follow-up", status_code=303)


@router.post("/chart/{patient_id}/prior-therapies/{therapy_id}/error", response_model=None)
async def therapy_in_error(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, therapy_id: int
) -> Response:
    form = await form_data(request)
    user.require(Action.RECORD_FOLLOW_UP)
    try:
        check_csrf(request, form)
        fix = validate(
            PriorTherapyCorrection,
            {
                "version": form.get("version", ""),
                "reason": form.get("reason", ""),
                "status": "entered-in-error",
            },
        )
        follow_up.correct_prior_therapy(ctx, user, therapy_id, fix)
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc)
        placed = errors.placed(())
        return _page(request, ctx, user, patient_id, therapy_errors=placed, status=errors.status)
    return RedirectResponse(f"/chart/{patient_id}/follow-up", status_code=303)
