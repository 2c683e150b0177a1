"""The oncologist's decisions on a course: an early dose pre-authorised for its next visit, and
the review at its review point (continue; ending is `POST /courses/{id}/end`)."""

from __future__ import annotations

from fastapi import APIRouter

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.schemas import oncologist as o
from tvec.services import decisions

router = APIRouter(tags=["courses and visits"])


@router.post(
    "/courses/{course_id}/early-doses",
    response_model=o.EarlyDoseOut,
    status_code=201,
    summary="Pre-authorise an early dose of the course's next visit, with the oncologist's "
    "reason (used once, by that visit, as its override reason; again before then: replaced)",
)
async def pre_authorise(course_id: Id, body: o.EarlyDoseIn, act: Act) -> o.EarlyDoseOut:
    return o.EarlyDoseOut.model_validate(
        await act(decisions.pre_authorise_early_dose, course_id, body)
    )


@router.get(
    "/courses/{course_id}/early-doses",
    response_model=Page[o.EarlyDoseOut],
    summary="The course's pre-authorised early doses",
)
async def early_doses(
    course_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[o.EarlyDoseOut]:
    found = await act(decisions.list_early_doses, course_id)
    return paged(found, limit, offset, o.EarlyDoseOut.model_validate)


@router.post(
    "/courses/{course_id}/reviews",
    response_model=o.CourseReviewOut,
    status_code=201,
    summary="Continue the course at its review point (6 months, then every 6), with a note",
)
async def review(course_id: Id, body: o.CourseReviewIn, act: Act) -> o.CourseReviewOut:
    return o.CourseReviewOut.model_validate(await act(decisions.review_course, course_id, body))


@router.get(
    "/courses/{course_id}/reviews",
    response_model=Page[o.CourseReviewOut],
    summary="The course's reviews",
)
async def reviews(
    course_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[o.CourseReviewOut]:
    found = await act(decisions.list_reviews, course_id)
    return paged(found, limit, offset, o.CourseReviewOut.model_validate)
