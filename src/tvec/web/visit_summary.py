"""The visit summary (printable) and correcting a recorded dose from it.

The summary lists every version of the visit's doses: the current ones, and any a correction
replaced, marked so and kept beside their correction (the reason, who corrected, when). It names
who gave each dose and who checked it, in full; the times in the centre's zone, named; the next
due date from the course calendar (`services.courses.calendar`); and the vials thawed, the mL
discarded and the billing units, by the same domain functions as the plan and the billing page
(`services.administrations.dose_use`). It prints on A4 or Letter without the app's controls.

A correction ("Correct" beside a current dose) is a form with the reason, then a review of the
change (nothing written: `correct_administration(review=True)`), then "Confirm and save" (with
the second check where the centre requires it), or "Back to edit" with what was typed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tvec.domain.errors import DomainError
from tvec.domain.schedule import VisitStatus
from tvec.domain.zones import from_wall_time, shown, wall_time_text
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas import clinic as s
from tvec.services import administrations, courses, second_check, vials
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, validate
from tvec.web.notices import notice_text, with_notice
from tvec.web.templating import render
from tvec.web.visit_common import in_row, visit_of
from tvec.web.visit_record import target_locations

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

CORRECTION_FIELDS = ("volume_ml", "vial_lot", "administered_at", "reason")


@router.get("/chart/{patient_id}/visit/{visit_id}/summary", response_class=HTMLResponse)
def summary(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, visit_id: int, notice: str = ""
) -> HTMLResponse:
    visit, patient = visit_of(ctx, user, patient_id, visit_id)
    zone = second_check.centre_settings(ctx, user).time_zone
    history = _by_dose(administrations.administration_history(ctx, user, visit_id))
    names = administrations.staff_names(ctx, user)
    lots = {lot.id: lot.lot for lot in vials.list_lots(ctx, user)}
    locations = target_locations(ctx, user, patient_id, visit.plan)
    rows = [_row(a, names, lots, locations, zone) for a in history]
    use = administrations.dose_use(ctx, user, visit_id)
    return render(
        request,
        "visit_summary.html",
        user,
        nav="patients",
        patient=patient,
        visit=visit,
        rows=rows,
        corrected=any(a.status != "active" for a in history),
        use=use,
        zone=zone,
        next_due=_next_due(ctx, user, visit.course_id),
        notice=notice_text(notice),
    )


def _by_dose(history: list[Any]) -> list[Any]:
    """Each dose's versions together (the first recorded, then its corrections), in the order
    the doses were first recorded."""
    by_id = {a.id: a for a in history}

    def first(a: Any) -> int:
        while a.supersedes_id in by_id:
            a = by_id[a.supersedes_id]
        return int(a.id)

    return sorted(history, key=lambda a: (first(a), a.revision))


def _row(
    a: Any, names: dict[int, str], lots: dict[int, str], locations: dict[str, str], zone: str
) -> dict[str, Any]:
    """One version of one dose as the summary shows it."""
    return {
        "id": a.id,
        "target": a.target,
        "location": locations.get(a.target, ""),
        "volume_ml": a.volume_ml,
        "pfu_per_ml": a.pfu_per_ml,
        "lot": lots.get(a.vial_lot_id, "?"),
        "given_at": shown(a.administered_at, zone),
        "given_by": names.get(a.administered_by, "?"),
        "checked_by": names.get(a.checked_by, "?") if a.checked_by else "",
        "current": a.status == "active",
        "revision": a.revision,
        "reason": a.correction_reason,
        "corrected": (
            f"{names.get(a.corrected_by, '?')}, {shown(a.corrected_at, zone)}"
            if a.corrected_by
            else ""
        ),
    }


def _next_due(ctx: Ctx, user: Actor, course_id: int) -> Any:
    """The course calendar's next visit (its due and earliest dates), or None."""
    try:
        calendar = courses.calendar(ctx, user, course_id)
    except DomainError:
        return None
    return next((v for v in calendar if v.status is VisitStatus.NEXT), None)


# ---- correcting a recorded dose ------------------------------------------------------------


def _correct_url(patient_id: int, visit_id: int, dose_id: int) -> str:
    return f"/chart/{patient_id}/visit/{visit_id}/doses/{dose_id}/correct"


def _correction_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    ids: tuple[int, int, int],
    values: dict[str, Any],
    errors: FormErrors | None,
    review: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    user.require(Action.RECORD_ADMINISTRATION)
    patient_id, visit_id, dose_id = ids
    visit, patient = visit_of(ctx, user, patient_id, visit_id)
    dose = administrations.get_administration(ctx, user, dose_id)
    centre = second_check.centre_settings(ctx, user)
    lots = {lot.id: lot for lot in vials.list_lots(ctx, user)}
    if errors is not None:
        errors = errors.placed(CORRECTION_FIELDS)
    names = administrations.staff_names(ctx, user)
    locations = target_locations(ctx, user, patient_id, visit.plan)
    return render(
        request,
        "visit_correct_dose.html",
        user,
        status,
        nav="patients",
        patient=patient,
        visit=visit,
        dose=_row(dose, names, {k: v.lot for k, v in lots.items()}, locations, centre.time_zone),
        dose_current=dose.status == "active" and dose.visit_id == visit.id,
        lots=sorted(lots.values(), key=lambda lot: (lot.pfu_per_ml != dose.pfu_per_ml, lot.lot)),
        values={k: v for k, v in values.items() if k not in ("checker_password", "csrf", "step")},
        errors=errors,
        review=review,
        zone=centre.time_zone,
        second_check_required=centre.require_second_check,
        action=_correct_url(patient_id, visit_id, dose_id),
    )


@router.get(
    "/chart/{patient_id}/visit/{visit_id}/doses/{dose_id}/correct", response_class=HTMLResponse
)
def correction_form(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, visit_id: int, dose_id: int
) -> HTMLResponse:
    user.require(Action.RECORD_ADMINISTRATION)
    dose = administrations.get_administration(ctx, user, dose_id)
    zone = second_check.centre_settings(ctx, user).time_zone
    lot = next((x.lot for x in vials.list_lots(ctx, user) if x.id == dose.vial_lot_id), "")
    values = {
        "volume_ml": str(dose.volume_ml),
        "vial_lot": lot,
        "administered_at": wall_time_text(dose.administered_at, zone),
    }
    return _correction_page(request, ctx, user, (patient_id, visit_id, dose_id), values, None)


@router.post("/chart/{patient_id}/visit/{visit_id}/doses/{dose_id}/correct", response_model=None)
async def correction_save(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, visit_id: int, dose_id: int
) -> Any:
    form = await form_data(request)
    user.require(Action.RECORD_ADMINISTRATION)
    ids = (patient_id, visit_id, dose_id)
    visit_of(ctx, user, patient_id, visit_id)  # the visit is this patient's
    step = form.get("step") or "review"  # only an explicit confirm saves
    if step == "edit":
        return _correction_page(request, ctx, user, ids, form, None)
    zone = second_check.centre_settings(ctx, user).time_zone
    try:
        check_csrf(request, form)
        fix = validate(s.AdministrationCorrectionIn, _correction_request(form, zone, step))
        if administrations.get_administration(ctx, user, dose_id).visit_id != visit_id:
            raise FormErrors({}, "This dose is not one of this visit's.")
        new = administrations.correct_administration(
            ctx, user, dose_id, fix, review=step != "confirm"
        )
    except FormErrors as refused:
        return _correction_page(request, ctx, user, ids, form, refused, None, refused.status)
    except DomainError as exc:
        field = str(exc.fields.get("field") or "")
        if field == "second_check":  # the check failed: the same review, saying why
            fix = validate(s.AdministrationCorrectionIn, _correction_request(form, zone, "review"))
            new = administrations.correct_administration(ctx, user, dose_id, fix, review=True)
            said = FormErrors({}, f"Second check {getattr(exc, 'rule', exc)}")
            return _correction_page(
                request, ctx, user, ids, form, said, _review(new, form, zone), 422
            )
        shown_at = FormErrors({field: in_row(exc)} if field in CORRECTION_FIELDS else {}, str(exc))
        return _correction_page(request, ctx, user, ids, form, shown_at, None, 422)
    if step != "confirm":
        return _correction_page(request, ctx, user, ids, form, None, _review(new, form, zone))
    summary = f"/chart/{patient_id}/visit/{visit_id}/summary"
    return RedirectResponse(with_notice(summary, "dose-corrected"), status_code=303)


def _correction_request(form: dict[str, str], zone: str, step: str) -> dict[str, Any]:
    typed = form.get("administered_at", "")
    try:
        at: Any = (
            from_wall_time(datetime.fromisoformat(typed), zone).isoformat() if typed else typed
        )
    except ValueError:
        at = typed
    data: dict[str, Any] = {
        "reason": form.get("reason", ""),
        "volume_ml": form.get("volume_ml") or None,
        "vial_lot": form.get("vial_lot", ""),
        "administered_at": at,
    }
    username = (form.get("checker_username") or "").strip()
    if step == "confirm" and username:
        data["second_check"] = {
            "username": username,
            "password": form.get("checker_password") or "",
        }
    return data


def _review(new: Any, form: dict[str, str], zone: str) -> dict[str, Any]:
    """The corrected dose exactly as it would be saved."""
    return {
        "volume_ml": new.volume_ml,
        "pfu_per_ml": new.pfu_per_ml,
        "lot": form.get("vial_lot", ""),
        "given_at": shown(new.administered_at, zone),
        "reason": new.correction_reason,
    }
