"""The visit's later steps: the dose plan as shown, and recording what was given, reviewed first.

Recording is three moves on one form: the nurse types what was given; "Review" shows exactly
what will be saved (lesion, body location, mL, lot, strength, time with the centre's zone),
checked by the same rules as saving and with nothing written (`visits.review_administration`);
"Confirm and save" commits it (with the second staff member's check where the centre requires
it), "Back to edit" returns to the form with what was typed. Only the confirm writes, once, under
the form's idempotency key. A typed time is the centre's wall time (`tvec.domain.zones`).
The summary and corrections are `tvec.web.visit_summary`'s.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tvec.domain.administration import lots_to_offer
from tvec.domain.errors import DomainError
from tvec.domain.status import VisitRecordStatus
from tvec.domain.zones import from_wall_time, shown, wall_time_text
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas import clinic as s
from tvec.services import second_check, vial_events, vials, visits
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.body_diagram import plan_diagram
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, validate
from tvec.web.notices import with_notice
from tvec.web.pharmacy_board import REASONS
from tvec.web.templating import render
from tvec.web.visit_common import ITEM, in_row, lesion_locations, visit_of

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
        today=ctx.today(user),
        locations=lesion_locations(ctx, user, patient_id),
        body=plan_diagram(ctx, user, patient_id, visit.plan),  # tvec.web.body_diagram
    )


KINDS = ("volume", "lot", "vial", "serial")
VIAL_FIELD = re.compile(r"items\.(\d+)\.(vial_id|vial_serial)")
EDIT, REVIEW, CONFIRM = "edit", "review", "confirm"  # the form's `step` button
CHECKER = ("checker_username", "checker_password")  # never typed back into a page


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
    lots = lots_to_offer(
        vials.list_lots(ctx, user), visit.plan.concentration_pfu_per_ml, ctx.today(user)
    )
    if errors is not None:
        names = ["administered_at", "override_reason", "leftover_reason"]
        names.append("authorization_override_reason")
        names += [f"{kind}-{i.lesion_id}" for i in visit.plan.injections for kind in KINDS]
        errors = errors.placed(names)
    zone = second_check.centre_settings(ctx, user).time_zone
    return render(
        request,
        "visit_record.html",
        user,
        status,
        nav="patients",
        patient=patient,
        visit=visit,
        lots=lots,
        values={k: v for k, v in values.items() if k not in CHECKER},
        errors=errors,
        idempotency_key=values.get("idempotency_key") or secrets.token_urlsafe(16),
        locations=target_locations(ctx, user, patient_id, visit.plan),
        zone=zone,
        thawed=[
            v
            for v in vial_events.pharmacy_board(ctx, user).thawed
            if v.pfu_per_ml == visit.plan.concentration_pfu_per_ml
        ],
        reasons=REASONS,
    )


def target_locations(ctx: Ctx, user: Actor, patient_id: int, plan: Any) -> dict[str, str]:
    """Each planned target's body location; a cluster's are its lesions' locations."""
    known = lesion_locations(ctx, user, patient_id)
    found = {}
    for i in plan.injections:
        parts = dict.fromkeys(known[x] for x in i.lesion_ids if known.get(x))
        found[i.lesion_id] = ", ".join(parts) or known.get(i.lesion_id, "")
    return found


@router.get("/chart/{patient_id}/visit/{visit_id}/record", response_class=HTMLResponse)
def record_form(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, visit_id: int
) -> HTMLResponse:
    user.require(Action.RECORD_ADMINISTRATION)
    visit = visits.get_visit(ctx, user, visit_id)
    zone = second_check.centre_settings(ctx, user).time_zone
    # now as the centre's wall clock shows it: the app's clock, never the server's local time
    values: dict[str, Any] = {"administered_at": wall_time_text(ctx.clock(), zone)}
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
    step = form.get("step") or REVIEW  # only an explicit confirm saves
    if step == EDIT:  # back to the form, with what was typed
        return _record_page(request, ctx, user, patient_id, visit_id, form, None)
    targets = [
        i.lesion_id for i in visit.plan.injections if form.get(f"volume-{i.lesion_id}", "").strip()
    ]
    zone = second_check.centre_settings(ctx, user).time_zone
    try:
        check_csrf(request, form)
        if not targets:
            raise FormErrors({}, "Enter the volume given to at least one lesion.")
        data = validate(s.AdministrationIn, _request(form, targets, zone, step == CONFIRM))
        if step != CONFIRM:
            saved = visits.review_administration(ctx, user, visit_id, data)
            return _review_page(request, ctx, user, patient_id, visit, form, saved, zone, None)
        visits.record_administration(ctx, user, visit_id, data, form.get("idempotency_key") or None)
    except FormErrors as errors:
        return _record_page(
            request, ctx, user, patient_id, visit_id, form, _rename(errors, targets), errors.status
        )
    except DomainError as exc:
        if str(exc.fields.get("field")) == "second_check":  # the check failed: review it again
            said = f"Second check {getattr(exc, 'rule', exc)}"  # without the record's name
            return _review_again(request, ctx, user, patient_id, visit, form, zone, said)
        return _record_page(
            request, ctx, user, patient_id, visit_id, form, _record_error(exc, targets), 422
        )
    summary = f"/chart/{patient_id}/visit/{visit_id}/summary"
    return RedirectResponse(with_notice(summary, "dose-recorded"), status_code=303)


def _request(form: dict[str, str], targets: list[str], zone: str, confirm: bool) -> dict[str, Any]:
    """The API's request from the form: the typed time read in the centre's zone."""
    data: dict[str, Any] = {
        "version": form.get("version"),
        "override_reason": form.get("override_reason") or None,
        "authorization_override_reason": form.get("authorization_override_reason") or None,
        "administered_at": _local(form.get("administered_at", ""), zone),
        "items": [
            {
                "target": t,
                "volume_ml": form.get(f"volume-{t}"),
                "vial_lot": form.get(f"lot-{t}"),
                "vial_id": form.get(f"vial-{t}") or None,
                # the carton's scan or the typed serial, read by the service (tvec.interop.gs1)
                "vial_serial": (form.get(f"serial-{t}") or "").strip() or None,
                "ultrasound_guided": form.get(f"us-{t}") == "yes",
            }
            for t in targets
        ],
        "leftover_reason": form.get("leftover_reason") or "unused",
    }
    username = (form.get("checker_username") or "").strip()
    if confirm and username:
        data["second_check"] = {
            "username": username,
            "password": form.get("checker_password") or "",
        }
    return data


def _review_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    visit: Any,
    form: dict[str, str],
    saved: list[Any],
    zone: str,
    error: str | None,
) -> HTMLResponse:
    """Exactly what will be saved, with the typed values kept in hidden fields."""
    centre = second_check.centre_settings(ctx, user)
    lots = {lot.id: lot.lot for lot in vials.list_lots(ctx, user)}
    locations = target_locations(ctx, user, patient_id, visit.plan)
    rows = [
        {
            "target": a.target,
            "location": locations.get(a.target, ""),
            "volume_ml": a.volume_ml,
            "lot": lots.get(a.vial_lot_id, "?"),
            "pfu_per_ml": a.pfu_per_ml,
            "given_at": shown(a.administered_at, zone),
            "vial": _serial(ctx, user, a.vial_id),
            "ultrasound": a.ultrasound_guided,
        }
        for a in saved
    ]
    _visit, patient = visit_of(ctx, user, patient_id, visit.id)
    return render(
        request,
        "visit_record_review.html",
        user,
        422 if error else 200,
        nav="patients",
        patient=patient,
        visit=visit,
        rows=rows,
        total=sum((a.volume_ml for a in saved), 0),
        values={k: v for k, v in form.items() if k not in (*CHECKER, "csrf", "step")},
        zone=zone,
        second_check_required=centre.require_second_check,
        checker_username=form.get("checker_username", ""),
        error=error,
    )


def _serial(ctx: Ctx, user: Actor, vial_id: int | None) -> str | None:
    return None if vial_id is None else vial_events.vial_detail(ctx, user, vial_id).serial


def _review_again(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    visit: Any,
    form: dict[str, str],
    zone: str,
    error: str,
) -> HTMLResponse:
    targets = [i.lesion_id for i in visit.plan.injections if form.get(f"volume-{i.lesion_id}")]
    data = validate(s.AdministrationIn, _request(form, targets, zone, False))
    saved = visits.review_administration(ctx, user, visit.id, data)
    return _review_page(request, ctx, user, patient_id, visit, form, saved, zone, error)


def _local(text: str, zone: str) -> str:
    """A datetime-local value is the clinic's wall time in the centre's zone; tvec stores the
    UTC instant (`tvec.domain.zones`)."""
    try:
        return from_wall_time(datetime.fromisoformat(text), zone).isoformat() if text else text
    except ValueError:
        return text


def _rename(errors: FormErrors, targets: list[str]) -> FormErrors:
    fields = {}
    for name, message in errors.fields.items():
        match = re.fullmatch(r"items\.(\d+)\.(volume_ml|vial_lot|vial_id|vial_serial|target)", name)
        if match and int(match.group(1)) < len(targets):
            kinds = {"vial_lot": "lot", "vial_id": "vial", "vial_serial": "serial"}
            kind = kinds.get(match.group(2), "volume")
            fields[f"{kind}-{targets[int(match.group(1))]}"] = message
        else:
            fields[name] = message
    renamed = FormErrors(fields, errors.general)
    renamed.status = errors.status
    return renamed


def _record_error(exc: DomainError, targets: list[str]) -> FormErrors:
    field = str(exc.fields.get("field") or "")
    vial = VIAL_FIELD.fullmatch(field)
    if vial and int(vial.group(1)) < len(targets):
        kind = "serial" if vial.group(2) == "vial_serial" else "vial"
        return FormErrors({f"{kind}-{targets[int(vial.group(1))]}": str(exc)})
    match = ITEM.search(str(exc))
    if match and int(match.group(1)) < len(targets):
        kind = "lot" if field == "vial_lot" else "volume"
        return FormErrors({f"{kind}-{targets[int(match.group(1))]}": in_row(exc)})
    if exc.code in ("dose-too-early", "permission-denied"):
        return FormErrors({"override_reason": str(exc)}, str(exc))
    if field == "authorization_override_reason":  # a dose outside the approved window
        return FormErrors({field: str(exc)})
    return FormErrors({}, str(exc))
