"""Correcting a measurement saved at this visit: a new version with the nurse's reason.

The measure step links here ("Correct") for each lesion measured today, since a second
measurement of the same day is refused. The page shows the measurement's history from the audit
log (each version with who, when and why): the original is never overwritten out of sight. The
correction itself is `services.lesions.correct_measurement`, the same call as the API's
`PATCH /measurements/{id}`, with its rule that a reason is at least a few words.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tvec.domain.errors import DomainError, NotFound
from tvec.domain.freshness import MIN_REASON_WORDS
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas import clinic as s
from tvec.services import lesions, outcomes, patients
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, blank_to_none, validate
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

FIELDS = ("longest_cm", "perpendicular_cm", "reason")


def _measurement_of(ctx: Ctx, user: Actor, patient_id: int, measurement_id: int) -> tuple[Any, Any]:
    """The measurement and its lesion, or NotFound when it is not one of this patient's."""
    found = next(
        (m for m in lesions.list_measurements(ctx, user, patient_id) if m.id == measurement_id),
        None,
    )
    if found is None:
        raise NotFound("measurement", measurement_id)
    lesion = next(
        les for les in lesions.list_lesions(ctx, user, patient_id) if les.id == found.lesion_id
    )
    return found, lesion


def _refusal(exc: DomainError) -> FormErrors:
    """A refusal next to its field ("lesion L1: " left out: the page is about L1)."""
    field = str(exc.fields.get("field") or "")
    if field == "reason":
        return FormErrors({field: f"Give a reason of at least {MIN_REASON_WORDS} words."})
    if field in FIELDS:
        return FormErrors({field: str(exc).split(": ", 1)[-1]})
    return FormErrors({}, str(exc))


def _history(ctx: Ctx, user: Actor, measurement_id: int) -> list[dict[str, Any]]:
    """Each version of the measurement from the audit log, oldest first."""
    rows = []
    for entry in outcomes.record_history(ctx, user, "measurement", measurement_id):
        after = entry.after or {}
        rows.append(
            {
                "version": entry.entity_version,
                "action": "saved" if entry.action == "create" else "corrected",
                "at": entry.at.strftime("%Y-%m-%d %H:%M UTC"),
                "sizes": f"{after.get('longest_cm')} × {after.get('perpendicular_cm')} cm",
                "reason": entry.reason or "",
            }
        )
    return rows


def _page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    measurement_id: int,
    values: dict[str, Any] | None,
    errors: FormErrors | None,
    status: int = 200,
) -> HTMLResponse:
    user.require(Action.RECORD_LESIONS)
    measurement, lesion = _measurement_of(ctx, user, patient_id, measurement_id)
    if errors is not None:
        errors = errors.placed(FIELDS)
    shown = values or {
        "longest_cm": format(measurement.longest_cm.normalize(), "f"),
        "perpendicular_cm": format(measurement.perpendicular_cm.normalize(), "f"),
    }
    return render(
        request,
        "visit_correct.html",
        user,
        status,
        nav="patients",
        patient=patients.get_patient(ctx, user, patient_id),
        measurement=measurement,
        lesion=lesion,
        values=shown,
        errors=errors,
        history=_history(ctx, user, measurement_id),
        reason_words=MIN_REASON_WORDS,
    )


@router.get(
    "/chart/{patient_id}/visit/measurements/{measurement_id}/correct",
    response_class=HTMLResponse,
)
def correct_form(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, measurement_id: int
) -> HTMLResponse:
    return _page(request, ctx, user, patient_id, measurement_id, None, None)


@router.post("/chart/{patient_id}/visit/measurements/{measurement_id}/correct", response_model=None)
async def correct_save(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, measurement_id: int
) -> Any:
    form = await form_data(request)
    user.require(Action.RECORD_LESIONS)
    try:
        check_csrf(request, form)
        measurement, _lesion = _measurement_of(ctx, user, patient_id, measurement_id)
        fix = validate(
            s.MeasurementCorrection,
            {
                "version": form.get("version") or measurement.version,
                **blank_to_none({k: form.get(k) for k in FIELDS}),
            },
        )
        try:
            lesions.correct_measurement(ctx, user, measurement_id, fix)
        except DomainError as exc:
            raise _refusal(exc) from None
    except FormErrors as errors:
        return _page(request, ctx, user, patient_id, measurement_id, form, errors, errors.status)
    return RedirectResponse(f"/chart/{patient_id}/visit", status_code=303)
