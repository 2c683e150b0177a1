"""The oncologist's screens, part 2: start a course, end it with its reason, pre-authorise an
early dose for its next visit, and the review at its review point (continue or end).

As in `tvec.web.oncologist`: the API's schemas validate the forms, the API's services save them,
a refusal shows the form again with the message next to its field and writes nothing, and the
permission table decides who may open a form (a nurse gets 403). Whether a course is within the
label's indication, may re-initiate treatment, may end early or may be reviewed is the services'
call; these screens show their refusal in plain words.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from tvec.domain.errors import DomainError, NotFound
from tvec.domain.rules import CourseEndReason
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.knowledge import available_labels, load_label
from tvec.schemas import clinic as s
from tvec.schemas import oncologist as o
from tvec.services import courses, decisions, patients
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf
from tvec.web.forms import FormErrors, validate
from tvec.web.oncologist import done, refusal
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

LABEL_NAMES = {"us": "US label (USPI)", "eu": "EU label (SmPC)"}
END_REASONS = {
    CourseEndReason.NO_INJECTABLE_LESIONS: "no injectable lesions remain",
    CourseEndReason.OTHER_TREATMENT_REQUIRED: "other treatment is required",
    CourseEndReason.COMPLETED: "course completed",
}


def _patient_course(ctx: Ctx, user: Actor, patient_id: int, course_id: int) -> Any:
    """The course, if it is this patient's (and the patient is in the user's centre)."""
    course = courses.get_course(ctx, user, course_id)
    if course.patient_id != patient_id:
        raise NotFound("course", course_id)
    return course


# ---- start a course -----------------------------------------------------------------------

START_FIELDS = ["label_variant", "start_date", "off_label_reason", "reinitiation"]


def _start_form(
    request: Request,
    ctx: Ctx,
    user: Actor,
    pid: int,
    values: dict[str, Any],
    errors: Any,
    status: int = 200,
) -> HTMLResponse:
    earlier = courses.list_courses(ctx, user, pid)
    labels = [(v, LABEL_NAMES.get(v, v), load_label(v).course.source) for v in available_labels()]
    return render(
        request,
        "course_new.html",
        user,
        status,
        nav="patients",
        patient=patients.get_patient(ctx, user, pid),
        labels=labels,
        may_reinitiate=any(c.end_date is not None for c in earlier),
        values=values,
        errors=errors,
    )


@router.get("/chart/{patient_id}/course/new", response_class=HTMLResponse)
def start_form(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> HTMLResponse:
    user.require(Action.START_COURSE)
    values = {"label_variant": "us", "start_date": ctx.today(user).isoformat()}
    return _start_form(request, ctx, user, patient_id, values, None)


@router.post("/chart/{patient_id}/course/new", response_model=None)
async def start_save(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.START_COURSE)
    try:
        check_csrf(request, form)
        data = {
            "label_variant": form.get("label_variant", ""),
            "start_date": form.get("start_date", ""),
            "off_label_reason": form.get("off_label_reason", "").strip() or None,
            "reinitiation": form.get("reinitiation") == "true",
        }
        courses.start_course(ctx, user, patient_id, validate(s.CourseIn, data))
    except (FormErrors, DomainError) as exc:
        field_map = {"diagnosis": "", "screening": "", "reinitiation": "reinitiation"}
        errors = refusal(exc, START_FIELDS, field_map)
        return _start_form(request, ctx, user, patient_id, form, errors, errors.status)
    return done(patient_id, "course")


# ---- end a course -------------------------------------------------------------------------

END_FIELDS = ["end_date", "end_reason"]


def _end_form(
    request: Request,
    ctx: Ctx,
    user: Actor,
    pid: int,
    cid: int,
    values: dict[str, Any],
    errors: Any,
    status: int = 200,
) -> HTMLResponse:
    course = _patient_course(ctx, user, pid, cid)
    return render(
        request,
        "course_end.html",
        user,
        status,
        nav="patients",
        patient=patients.get_patient(ctx, user, pid),
        course=course,
        rule=load_label(course.label_variant).course,
        reasons=END_REASONS,
        values=values,
        errors=errors,
    )


@router.get("/chart/{patient_id}/course/{course_id}/end", response_class=HTMLResponse)
def end_form(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int
) -> HTMLResponse:
    user.require(Action.START_COURSE)
    values = {"end_date": ctx.today(user).isoformat()}
    return _end_form(request, ctx, user, patient_id, course_id, values, None)


@router.post("/chart/{patient_id}/course/{course_id}/end", response_model=None)
async def end_save(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.START_COURSE)
    try:
        check_csrf(request, form)
        course = _patient_course(ctx, user, patient_id, course_id)
        data = {
            "version": str(course.version),
            "end_date": form.get("end_date", ""),
            "end_reason": form.get("end_reason", ""),
        }
        courses.end_treatment(ctx, user, course_id, validate(s.CourseEnd, data))
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, END_FIELDS, {"": "end_reason"})
        return _end_form(request, ctx, user, patient_id, course_id, form, errors, errors.status)
    return done(patient_id, "ended")


# ---- pre-authorise an early dose ----------------------------------------------------------


def _course_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    name: str,
    pid: int,
    cid: int,
    values: dict[str, Any],
    errors: Any,
    status: int = 200,
) -> HTMLResponse:
    _patient_course(ctx, user, pid, cid)
    found = decisions.decisions(ctx, user, cid)
    calendar = courses.calendar(ctx, user, cid)
    upcoming = next((v for v in calendar if v.number == found.next_visit_number), None)
    return render(
        request,
        name,
        user,
        status,
        nav="patients",
        patient=patients.get_patient(ctx, user, pid),
        d=found,
        upcoming=upcoming,
        reasons=END_REASONS,
        values=values,
        errors=errors,
    )


@router.get("/chart/{patient_id}/course/{course_id}/early-dose", response_class=HTMLResponse)
def early_form(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int
) -> HTMLResponse:
    user.require(Action.OVERRIDE)
    return _course_page(request, ctx, user, "early_dose.html", patient_id, course_id, {}, None)


@router.post("/chart/{patient_id}/course/{course_id}/early-dose", response_model=None)
async def early_save(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.OVERRIDE)
    try:
        check_csrf(request, form)
        _patient_course(ctx, user, patient_id, course_id)
        body = validate(o.EarlyDoseIn, {"reason": form.get("reason", "")})
        decisions.pre_authorise_early_dose(ctx, user, course_id, body)
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, ["reason"], {"course": "reason"})
        page = "early_dose.html"
        return _course_page(
            request, ctx, user, page, patient_id, course_id, form, errors, errors.status
        )
    return done(patient_id, "early-dose")


# ---- the review: continue or end ----------------------------------------------------------


@router.get("/chart/{patient_id}/course/{course_id}/review", response_class=HTMLResponse)
def review_form(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int
) -> HTMLResponse:
    user.require(Action.START_COURSE)
    values = {"end_date": ctx.today(user).isoformat()}
    return _course_page(
        request, ctx, user, "course_review.html", patient_id, course_id, values, None
    )


@router.post("/chart/{patient_id}/course/{course_id}/review", response_model=None)
async def review_save(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.START_COURSE)
    try:
        check_csrf(request, form)
        _patient_course(ctx, user, patient_id, course_id)
        body = validate(o.CourseReviewIn, {"decision": "continue", "note": form.get("note", "")})
        decisions.review_course(ctx, user, course_id, body)
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, ["note"], {"course": "note"})
        page = "course_review.html"
        values = {"end_date": ctx.today(user).isoformat(), **form}
        return _course_page(
            request, ctx, user, page, patient_id, course_id, values, errors, errors.status
        )
    return done(patient_id, "continued")
