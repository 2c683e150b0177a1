"""Course holds on the web: the chart's holds section, the oncologist's "Put on hold" and
"Release hold" forms, and the hard stop the visit steps show while a hold is in force.

The forms are validated by the API's schemas (`tvec.schemas.holds`) and saved by the API's
services (`tvec.services.holds`): only an oncologist may place or release a hold (a nurse gets
403, also for the form). A refusal shows the form again on its own page, with what was typed and
the message next to its field, and writes nothing. Planning and giving a held course's dose are
refused by the domain rule (`tvec.domain.holds`) whatever a page shows; the stop shown on the
visit steps (`_hold_stop.html`) says so before the nurse tries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError, NotFound
from tvec.domain.holds import until_text
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.persistence import records as r
from tvec.schemas.holds import HoldIn, HoldRelease
from tvec.services import courses, holds, patients
from tvec.services.chart import Chart
from tvec.services.context import Actor
from tvec.services.holds import HoldLine
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf
from tvec.web.forms import FormErrors, validate
from tvec.web.notices import with_notice
from tvec.web.oncologist import refusal
from tvec.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

PLACE_FIELDS = ["reason", "ends_on"]
RELEASE_FIELDS = ["reason"]


@dataclass(frozen=True)
class HoldPanel:
    """What the chart shows of the open course's holds."""

    course: r.Course | None  # the open course (None: nothing to hold)
    lines: tuple[HoldLine, ...]  # its holds, released ones too, oldest first

    @property
    def held(self) -> HoldLine | None:
        """The hold in force today (the longest, when several are)."""
        found = [line for line in self.lines if line.in_force]
        return max(found, key=lambda line: line.hold.ends_on or date.max) if found else None


def hold_panel(request: Request, user: Actor, c: Chart) -> HoldPanel:
    """The chart's holds section (called by chart.html, so the chart's route needs no change)."""
    course = c.course if c.course is not None and c.course.end_date is None else None
    if course is None:
        return HoldPanel(None, ())
    lines = holds.list_holds(request.app.state.ctx, user, course.id)
    return HoldPanel(course, tuple(lines))


def patient_hold(request: Request, user: Actor, patient_id: int) -> r.CourseHold | None:
    """The hold in force today on the patient's open course (the visit steps' hard stop)."""
    return holds.held_today(request.app.state.ctx, user, patient_id)


templates.env.globals["hold_panel"] = hold_panel
templates.env.globals["patient_hold"] = patient_hold
templates.env.filters["hold_until"] = until_text


def _course(ctx: Ctx, user: Actor, patient_id: int, course_id: int) -> r.Course:
    course = courses.get_course(ctx, user, course_id)
    if course.patient_id != patient_id:
        raise NotFound("course", course_id)
    return course


def _page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    course_id: int,
    *,
    hold: r.CourseHold | None = None,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The hold form (place, or release `hold`), alone on its page."""
    course = _course(ctx, user, patient_id, course_id)
    return render(
        request,
        "hold.html",
        user,
        status,
        nav="patients",
        patient=patients.get_patient(ctx, user, patient_id),
        course=course,
        hold=hold,
        values=values or {},
        errors=errors,
        today=ctx.today(user),
    )


def _hold_of(ctx: Ctx, user: Actor, course_id: int, hold_id: int) -> r.CourseHold:
    for line in holds.list_holds(ctx, user, course_id):
        if line.hold.id == hold_id:
            return line.hold
    raise NotFound("hold", hold_id)


@router.get("/chart/{patient_id}/course/{course_id}/hold", response_class=HTMLResponse)
def hold_form(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int
) -> HTMLResponse:
    user.require(Action.HOLD_COURSE)
    return _page(request, ctx, user, patient_id, course_id)


@router.post("/chart/{patient_id}/course/{course_id}/hold", response_model=None)
async def hold_save(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.HOLD_COURSE)
    try:
        check_csrf(request, form)
        _course(ctx, user, patient_id, course_id)
        body = {"reason": form.get("reason", ""), "ends_on": form.get("ends_on") or None}
        holds.place_hold(ctx, user, course_id, validate(HoldIn, body))
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, PLACE_FIELDS, {"course_id": "", "starts_on": "ends_on"})
        return _page(
            request,
            ctx,
            user,
            patient_id,
            course_id,
            values=form,
            errors=errors,
            status=errors.status,
        )
    return RedirectResponse(with_notice(f"/chart/{patient_id}", "hold-placed"), status_code=303)


@router.get(
    "/chart/{patient_id}/course/{course_id}/holds/{hold_id}/release",
    response_class=HTMLResponse,
)
def release_form(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int, hold_id: int
) -> HTMLResponse:
    user.require(Action.HOLD_COURSE)
    _course(ctx, user, patient_id, course_id)
    hold = _hold_of(ctx, user, course_id, hold_id)
    return _page(request, ctx, user, patient_id, course_id, hold=hold)


@router.post("/chart/{patient_id}/course/{course_id}/holds/{hold_id}/release", response_model=None)
async def release_save(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int, hold_id: int
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.HOLD_COURSE)
    _course(ctx, user, patient_id, course_id)
    hold = _hold_of(ctx, user, course_id, hold_id)
    try:
        check_csrf(request, form)
        body = {"reason": form.get("reason", ""), "version": form.get("version", "")}
        holds.release_hold(ctx, user, course_id, hold_id, validate(HoldRelease, body))
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, RELEASE_FIELDS, {"version": ""})
        return _page(
            request,
            ctx,
            user,
            patient_id,
            course_id,
            hold=hold,
            values=form,
            errors=errors,
            status=errors.status,
        )
    return RedirectResponse(with_notice(f"/chart/{patient_id}", "hold-released"), status_code=303)
