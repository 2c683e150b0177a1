"""Request and response shapes of the oncologist's decisions: an early dose pre-authorised for a
course's next visit, and the review of a course at its review point (continue; ending is the
course's own end, `clinic.CourseEnd`). Shared by the API and the web app."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from tvec.schemas.clinic import Out, Reason, Strict


class ReviewDecision(StrEnum):
    CONTINUE = "continue"


class EarlyDoseIn(Strict):
    reason: Reason = Field(
        description="The oncologist's reason to give the course's next visit earlier than its "
        "interval (kept with that visit as its override reason when it is given)."
    )


class EarlyDoseOut(Out):
    id: int
    course_id: int
    visit_number: int = Field(description="The visit it allows early: the course's next one.")
    reason: str = Field(validation_alias="override_reason")
    authorised_by: int
    authorised_at: datetime
    used_visit_id: int | None = Field(description="The visit it was used for, once given.")
    version: int


class CourseReviewIn(Strict):
    decision: ReviewDecision = ReviewDecision.CONTINUE
    note: Reason = Field(description="What the oncologist decided on, e.g. the response seen.")


class CourseReviewOut(Out):
    id: int
    course_id: int
    review_point: date = Field(description="The review point this decision answers.")
    decision: str
    note: str
    reviewed_by: int
    reviewed_at: datetime
