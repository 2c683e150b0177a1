"""Adverse events on the web: record one (CTCAE term picker with its grade descriptions, related
yes / no / unknown, ICH E2A seriousness criteria, visit and lot), open one from the chart to see
its reports and history, update or resolve it (a new version with a reason), and mark a report
submitted. Forms are validated by the API's schemas and saved by the same services; a refusal
shows the form again with the message beside its field and writes nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas import clinic as s
from tvec.services import adverse_event_view, adverse_events, patients, safety_reports
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, blank_to_none, from_domain, validate
from tvec.web.notices import notice_text, with_notice
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

NEW_FIELDS = (
    "term",
    "other_specify",
    "grade",
    "related",
    "criteria",
    "suspected_herpetic",
    "onset",
    "aware_on",
    "resolved_on",
    "action_taken",
    "visit_id",
    "vial_lot_id",
)
HOLD_FIELDS = ("hold_next_dose", "hold_until")
UPDATE_FIELDS = (
    "version",
    "reason",
    "grade",
    "related",
    "criteria",
    "suspected_herpetic",
    "resolved_on",
    "action_taken",
    "vial_lot_id",
)
CHECKBOXES = ("suspected_herpetic", "hold_next_dose")


async def _posted(
    request: Request, names: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's values for the schema (blanks as None, checkboxes as booleans, the criteria
    ticked as a list) and the form as typed, to show again."""
    form = await form_data(request)
    check_csrf(request, form)
    ticked = [str(v) for v in (await request.form()).getlist("criteria")]
    data = blank_to_none({k: form.get(k) for k in names if k not in ("criteria", *CHECKBOXES)})
    data.update({k: form.get(k) == "true" for k in CHECKBOXES if k in names})
    data["criteria"] = ticked
    return data, {**form, "criteria": ",".join(ticked)}


def _errors(exc: FormErrors | DomainError, fields: tuple[str, ...]) -> FormErrors:
    found = exc if isinstance(exc, FormErrors) else from_domain(exc, {f: f for f in fields})
    return found.placed(fields)


@router.get("/chart/{patient_id}/adverse-events/new", response_class=HTMLResponse)
def ae_form(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> HTMLResponse:
    user.require(Action.RECORD_ADVERSE_EVENT)  # no form for a role that may not save it
    today = _today(ctx, user)
    return _new_page(request, ctx, user, patient_id, {"onset": today, "aware_on": today})


def _today(ctx: Ctx, user: Actor) -> str:
    return ctx.today(user).isoformat()


def _new_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    values: dict[str, Any],
    errors: FormErrors | None = None,
) -> HTMLResponse:
    patient = patients.get_patient(ctx, user, patient_id)
    choices = adverse_event_view.form_choices(ctx, user, patient_id)
    return render(
        request,
        "adverse_event.html",
        user,
        errors.status if errors else 200,
        patient=patient,
        choices=choices,
        values=values,
        errors=errors,
        today=_today(ctx, user),
    )


@router.post("/chart/{patient_id}/adverse-events/new", response_model=None)
async def ae_save(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Any:
    user.require(Action.RECORD_ADVERSE_EVENT)
    patients.get_patient(ctx, user, patient_id)
    values: dict[str, str] = dict(await form_data(request))
    try:
        data, values = await _posted(request, NEW_FIELDS + HOLD_FIELDS)
        event = validate(s.AdverseEventIn, data)
        adverse_events.record_adverse_event(ctx, user, patient_id, event)
    except (FormErrors, DomainError) as exc:
        errors = _errors(exc, NEW_FIELDS + HOLD_FIELDS)
        return _new_page(request, ctx, user, patient_id, values, errors)
    return RedirectResponse(
        with_notice(f"/chart/{patient_id}", "adverse-event-recorded"), status_code=303
    )


def _event_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    event_id: int,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    page = adverse_event_view.event_page(ctx, user, event_id)
    e = page.event
    shown = values or {
        "grade": str(e.grade),
        "related": e.related or "",
        "criteria": ",".join(c.value for c in e.criteria),
        "suspected_herpetic": "true" if e.suspected_herpetic else "",
        "resolved_on": e.resolved_on.isoformat() if e.resolved_on else "",
        "action_taken": e.action_taken,
        "vial_lot_id": str(e.vial_lot_id or ""),
    }
    return render(
        request,
        "adverse_event_detail.html",
        user,
        errors.status if errors else 200,
        page=page,
        patient=page.patient,
        values=shown,
        errors=errors,
        today=_today(ctx, user),
        notice=notice,
    )


@router.get("/adverse-events/{event_id}", response_class=HTMLResponse)
def ae_detail(
    request: Request, ctx: Ctx, user: PageUser, event_id: int, notice: str = ""
) -> HTMLResponse:
    # a code of the fixed table only (tvec.web.notices)
    return _event_page(request, ctx, user, event_id, notice=notice_text(notice))


@router.post("/adverse-events/{event_id}/update", response_model=None)
async def ae_update(request: Request, ctx: Ctx, user: PageUser, event_id: int) -> Any:
    user.require(Action.RECORD_ADVERSE_EVENT)
    values: dict[str, str] = dict(await form_data(request))
    try:
        data, values = await _posted(request, UPDATE_FIELDS)
        # a blank field keeps its value, but "related" (must be answered), the resolution and
        # the lot (blank: not resolved, no lot)
        kept = ("related", "resolved_on", "vial_lot_id")
        data = {k: v for k, v in data.items() if v is not None or k in kept}
        fix = validate(s.AdverseEventUpdate, data)
        event = adverse_events.update_adverse_event(ctx, user, event_id, fix)
    except (FormErrors, DomainError) as exc:
        return _event_page(request, ctx, user, event_id, values, _errors(exc, UPDATE_FIELDS))
    return RedirectResponse(
        with_notice(f"/adverse-events/{event.id}", "adverse-event-updated"), status_code=303
    )


@router.post("/safety-reports/{report_id}/mark-submitted", response_model=None)
async def report_submit(request: Request, ctx: Ctx, user: PageUser, report_id: int) -> Response:
    """Mark a report submitted, from the event's page or the worklist (back to where it was)."""
    user.require(Action.SUBMIT_SAFETY_REPORT)
    form = await form_data(request)
    back = "/" if form.get("back") == "worklist" else None
    try:
        check_csrf(request, form)
        body = validate(s.SafetyReportSubmit, blank_to_none({k: form.get(k) for k in SUBMIT}))
        done = safety_reports.submit_report(ctx, user, report_id, body.version, body.submitted_on)
    except (FormErrors, DomainError) as exc:
        event_id = safety_reports.event_of_report(ctx, user, report_id)
        errors = _errors(exc, ())
        return _event_page(request, ctx, user, event_id, None, errors)
    url = back or f"/adverse-events/{done.adverse_event_id}"
    return RedirectResponse(with_notice(url, "safety-report-submitted"), status_code=303)


SUBMIT = ("version", "submitted_on")
