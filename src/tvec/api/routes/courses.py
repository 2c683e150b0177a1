"""Courses, the visit calendar, visit planning and the administration record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from tvec.api.deps import Ctx, User
from tvec.schemas import clinic as s
from tvec.services import courses, visits

router = APIRouter(tags=["courses and visits"])
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        description="Repeat the same key to retry safely: the dose is recorded once.",
    ),
]


@router.get("/patients/{patient_id}/courses", response_model=list[s.CourseOut])
def list_courses(patient_id: int, ctx: Ctx, user: User) -> list[s.CourseOut]:
    return [s.CourseOut.model_validate(c) for c in courses.list_courses(ctx, user, patient_id)]


@router.post(
    "/patients/{patient_id}/courses",
    response_model=s.CourseOut,
    status_code=201,
    summary="Start a course (refused on a contraindication or missing screening)",
)
def start(patient_id: int, body: s.CourseIn, ctx: Ctx, user: User) -> s.CourseOut:
    return s.CourseOut.model_validate(courses.start_course(ctx, user, patient_id, body))


@router.get("/courses/{course_id}", response_model=s.CourseOut)
def get_course(course_id: int, ctx: Ctx, user: User) -> s.CourseOut:
    return s.CourseOut.model_validate(courses.get_course(ctx, user, course_id))


@router.post(
    "/courses/{course_id}/end", response_model=s.CourseOut, summary="End a course, with its reason"
)
def end(course_id: int, body: s.CourseEnd, ctx: Ctx, user: User) -> s.CourseOut:
    return s.CourseOut.model_validate(courses.end_treatment(ctx, user, course_id, body))


@router.get("/courses/{course_id}/calendar", response_model=list[s.CalendarVisitOut])
def calendar(course_id: int, ctx: Ctx, user: User) -> list[s.CalendarVisitOut]:
    return [s.CalendarVisitOut.model_validate(v) for v in courses.calendar(ctx, user, course_id)]


@router.get("/courses/{course_id}/visits", response_model=list[s.VisitOut])
def list_visits(course_id: int, ctx: Ctx, user: User) -> list[s.VisitOut]:
    return [s.VisitOut.model_validate(v) for v in visits.list_visits(ctx, user, course_id)]


@router.post(
    "/courses/{course_id}/visits",
    response_model=s.VisitOut,
    status_code=201,
    summary="Plan the next visit's dose from the latest measurements",
)
def plan(course_id: int, body: s.PlanIn, ctx: Ctx, user: User) -> s.VisitOut:
    return s.VisitOut.model_validate(
        visits.plan_next_visit(ctx, user, course_id, reinitiation=body.reinitiation)
    )


@router.get("/visits/{visit_id}", response_model=s.VisitOut)
def get_visit(visit_id: int, ctx: Ctx, user: User) -> s.VisitOut:
    return s.VisitOut.model_validate(visits.get_visit(ctx, user, visit_id))


@router.get("/visits/{visit_id}/administrations", response_model=list[s.AdministrationOut])
def administrations(visit_id: int, ctx: Ctx, user: User) -> list[s.AdministrationOut]:
    return [
        s.AdministrationOut.model_validate(a)
        for a in visits.list_administrations(ctx, user, visit_id)
    ]


@router.post(
    "/visits/{visit_id}/administrations",
    response_model=s.AdministrationRecordOut,
    status_code=201,
    summary="Record what was injected (idempotent with Idempotency-Key)",
)
def administer(
    visit_id: int,
    body: s.AdministrationIn,
    ctx: Ctx,
    user: User,
    response: Response,
    key: IdempotencyKey = None,
) -> s.AdministrationRecordOut:
    result, replayed = visits.record_administration(ctx, user, visit_id, body, key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return s.AdministrationRecordOut.model_validate(result)
