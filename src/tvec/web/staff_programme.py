"""The safety programme's pages: the admin's staff training records (`/admin/trainings`), each
staff member's own attestation (`/attestation`), and the chart's programme panel (which
requirements of the course's programme are met, which missing, and who must act).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tvec.domain import programme as p
from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas.programme import AttestationIn, ProgrammeStatusOut, TrainingIn
from tvec.services import auth, programme, staff_safety
from tvec.services.chart import Chart
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.services.programme_views import status_out
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, blank_to_none, from_domain, validate
from tvec.web.templating import render, templates

TRAINING_FIELDS = ("user_id", "course", "completed_on", "expires_on")

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])


def programme_panel(request: Request, user: Actor, c: Chart) -> ProgrammeStatusOut | None:
    """The chart's programme section for the open course (called by chart.html)."""
    course = c.course if c.course is not None and c.course.end_date is None else None
    if course is None:
        return None
    return status_out(*programme.course_status(request.app.state.ctx, user, course.id))


def dose_warnings(request: Request, user: Actor, course_id: int) -> list[Any]:
    """The missing dose requirements that only warn, for the record step's review (the dose is
    recorded anyway; the blocking ones refuse it)."""
    _programme, check = programme.course_status(request.app.state.ctx, user, course_id)
    dose = {p.Moment.EVERY_DOSE, p.Moment.FIRST_DOSE}
    return [o.requirement for o in check.warnings if o.requirement.applies in dose]


templates.env.globals["programme_panel"] = programme_panel
templates.env.globals["programme_dose_warnings"] = dose_warnings


@router.get("/admin/trainings", response_class=HTMLResponse)
def trainings_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    return _trainings(request, ctx, user, None, {}, "")


@router.post("/admin/trainings", response_model=None)
async def record_training(request: Request, ctx: Ctx, user: PageUser) -> Any:
    form = await form_data(request)
    user.require(Action.RECORD_TRAINING)
    try:
        check_csrf(request, form)
        data = blank_to_none({k: form.get(k) for k in TRAINING_FIELDS})
        saved = staff_safety.record_training(ctx, user, validate(TrainingIn, data))
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, _FIELDS)
        return _trainings(request, ctx, user, errors, form, "", errors.status)
    notice = f"Training recorded; it expires on {saved.expires_on.isoformat()}."
    return _trainings(request, ctx, user, None, {}, notice)


_FIELDS = {name: name for name in TRAINING_FIELDS}


def _trainings(
    request: Request,
    ctx: Ctx,
    user: Actor,
    errors: FormErrors | None,
    values: dict[str, Any],
    notice: str,
    status: int = 200,
) -> HTMLResponse:
    user.require(Action.RECORD_TRAINING)
    return render(
        request,
        "staff_trainings.html",
        user,
        status,
        nav="trainings",
        rows=staff_safety.list_trainings(ctx, user),
        staff=[u for u in auth.list_users(ctx, user) if u.role in _CLINICAL and u.active],
        courses=staff_safety.training_courses(),
        programmes=staff_safety.programmes(),
        errors=errors.placed(TRAINING_FIELDS) if errors else None,
        values=values,
        notice=notice,
    )


_CLINICAL = {r.value for r in staff_safety.CLINICAL_STAFF}


@router.get("/attestation", response_class=HTMLResponse)
def attestation_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    return _attestation(request, ctx, user, "")


@router.post("/attestation", response_model=None)
async def attest(request: Request, ctx: Ctx, user: PageUser) -> Any:
    form = await form_data(request)
    user.require(Action.ATTEST)
    check_csrf(request, form)
    cleared = form.get("cleared") == "yes"
    staff_safety.attest(ctx, user, AttestationIn(cleared=cleared))
    notice = (
        "Attestation recorded: you may prepare and give IMLYGIC."
        if cleared
        else "Attestation recorded: you may not prepare or give IMLYGIC; doses you give or "
        "check are refused until you attest again."
    )
    return _attestation(request, ctx, user, notice)


def _attestation(request: Request, ctx: Ctx, user: Actor, notice: str) -> HTMLResponse:
    return render(
        request,
        "staff_attestation.html",
        user,
        nav="attestation",
        state=staff_safety.my_attestation(ctx, user),
        notice=notice,
    )
