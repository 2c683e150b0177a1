"""Courses, the visit calendar, visit planning and the administration record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.api.routes.administrations import SECOND_CHECK_LOCKED
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


@router.get(
    "/patients/{patient_id}/courses",
    response_model=Page[s.CourseOut],
    summary="List a patient's treatment courses",
)
async def list_courses(
    patient_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.CourseOut]:
    return paged(
        await act(courses.list_courses, patient_id), limit, offset, s.CourseOut.model_validate
    )


@router.post(
    "/patients/{patient_id}/courses",
    response_model=s.CourseOut,
    status_code=201,
    summary="Start a course (refused on a contraindication, without a screening, or outside "
    "the indication without an oncologist's off-label reason)",
)
async def start(patient_id: Id, body: s.CourseIn, act: Act) -> s.CourseOut:
    return s.CourseOut.model_validate(await act(courses.start_course, patient_id, body))


@router.get("/courses/{course_id}", response_model=s.CourseOut, summary="One treatment course")
async def get_course(course_id: Id, act: Act) -> s.CourseOut:
    return s.CourseOut.model_validate(await act(courses.get_course, course_id))


@router.post(
    "/courses/{course_id}/end", response_model=s.CourseOut, summary="End a course, with its reason"
)
async def end(course_id: Id, body: s.CourseEnd, act: Act) -> s.CourseOut:
    return s.CourseOut.model_validate(await act(courses.end_treatment, course_id, body))


@router.get(
    "/courses/{course_id}/calendar",
    response_model=Page[s.CalendarVisitOut],
    summary="The course's visit calendar: given, due and overdue visits",
)
async def calendar(
    course_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.CalendarVisitOut]:
    return paged(
        await act(courses.calendar, course_id), limit, offset, s.CalendarVisitOut.model_validate
    )


@router.get(
    "/courses/{course_id}/visits",
    response_model=Page[s.VisitOut],
    summary="List a course's visits with their stored dose plans",
)
async def list_visits(
    course_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.VisitOut]:
    return paged(await act(visits.list_visits, course_id), limit, offset, s.VisitOut.model_validate)


@router.post(
    "/courses/{course_id}/visits",
    response_model=s.VisitOut,
    status_code=201,
    summary="Plan the next visit's dose from the latest measurements (each injectable lesion "
    "measured today, or a `stale_reason`)",
)
async def plan(course_id: Id, body: s.PlanIn, act: Act) -> s.VisitOut:
    visit = await act(
        visits.plan_next_visit,
        course_id,
        reinitiation=body.reinitiation,
        stale_reason=body.stale_reason,
    )
    return s.VisitOut.model_validate(visit)


@router.get(
    "/visits/{visit_id}",
    response_model=s.VisitOut,
    summary="One visit with the dose plan as it was shown",
)
async def get_visit(visit_id: Id, act: Act) -> s.VisitOut:
    return s.VisitOut.model_validate(await act(visits.get_visit, visit_id))


@router.get(
    "/visits/{visit_id}/administrations",
    response_model=Page[s.AdministrationOut],
    summary="What was injected at a visit, per lesion, with vial lots",
)
async def administrations(
    visit_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.AdministrationOut]:
    return paged(
        await act(visits.list_administrations, visit_id),
        limit,
        offset,
        s.AdministrationOut.model_validate,
    )


@router.post(
    "/visits/{visit_id}/administrations",
    response_model=s.AdministrationRecordOut,
    status_code=201,
    responses=SECOND_CHECK_LOCKED,  # the second checker's password, behind the login limits
    summary="Record what was injected (idempotent with Idempotency-Key)",
)
async def administer(
    visit_id: Id,
    body: s.AdministrationIn,
    act: Act,
    response: Response,
    key: IdempotencyKey = None,
) -> s.AdministrationRecordOut:
    result, replayed = await act(visits.record_administration, visit_id, body, key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return s.AdministrationRecordOut.model_validate(result)
