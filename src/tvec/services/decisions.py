"""The oncologist's decisions on a course: an early dose pre-authorised, and the course review.

- An early dose: the oncologist records in advance a reason to give the course's next visit (the
  visit after the last one given) earlier than its interval. The nurse's record step
  (`tvec.services.visits`) then uses that reason as the visit's override reason, and the
  schedule's one rule (`tvec.domain.schedule.record_dose`) accepts the early dose with it, exactly
  as if the oncologist had given it at recording time. It allows that visit only, once; recording
  it again before it is used replaces the reason (a new version, audited).
- The review: at each review point (`tvec.domain.review`) the worklist asks "continue or end";
  "continue" is recorded here (who, when, a note) and the worklist stops asking until the next
  review point; "end" is the course's own end with its reason (`tvec.services.courses`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tvec.domain.errors import CourseRuleBroken
from tvec.domain.review import ReviewPoint, next_review_point
from tvec.domain.status import VisitRecordStatus
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.oncologist import CourseReviewIn, EarlyDoseIn
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre
from tvec.services.permissions import Action
from tvec.services.worklist import SIX_MONTH_LOOKAHEAD_DAYS

# A review point may be answered from when the worklist lists it (its look-ahead window).
REVIEW_LOOKAHEAD_DAYS = SIX_MONTH_LOOKAHEAD_DAYS


@dataclass(frozen=True)
class CourseDecisions:
    """What the oncologist's screens show of a course: its next visit and review point."""

    course: r.Course
    next_visit_number: int
    early_dose: r.EarlyDoseAuthorisation | None  # recorded for the next visit, not yet used
    review: ReviewPoint
    reviews: tuple[r.CourseReview, ...]
    today: date

    @property
    def review_open(self) -> bool:
        """The review point may be answered now (it is listed on the worklist)."""
        return self.review.on <= self.today + timedelta(days=REVIEW_LOOKAHEAD_DAYS)


def course_review_point(uow: UnitOfWork, course: r.Course) -> ReviewPoint:
    """The course's next review point not yet answered by a "continue"."""
    answered = [rv.review_point for rv in uow.course_reviews.for_courses([course.id])]
    months = load_label(course.label_variant).course.min_months
    return next_review_point(course.start_date, months, answered)


def _next_visit_number(uow: UnitOfWork, course: r.Course) -> int:
    given = [
        v for v in uow.visits.for_course(course.id) if v.status is VisitRecordStatus.ADMINISTERED
    ]
    return len(given) + 1


def _check_open(course: r.Course) -> None:
    if course.end_date is not None:
        raise CourseRuleBroken(
            f"the course ended on {course.end_date.isoformat()}; nothing more can be decided on it",
            field="course",
        )


def decisions(ctx: Context, actor: Actor, course_id: int) -> CourseDecisions:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        return _decisions(ctx, uow, actor, course_id)


def _decisions(ctx: Context, uow: UnitOfWork, actor: Actor, course_id: int) -> CourseDecisions:
    course = course_in_centre(uow, actor, course_id)
    number = _next_visit_number(uow, course)
    found = uow.early_doses.for_visit(course.id, number)
    return CourseDecisions(
        course=course,
        next_visit_number=number,
        early_dose=found if found is not None and found.used_visit_id is None else None,
        review=course_review_point(uow, course),
        reviews=tuple(uow.course_reviews.for_courses([course.id])),
        today=ctx.today(actor),
    )


def pre_authorise_early_dose(
    ctx: Context, actor: Actor, course_id: int, new: EarlyDoseIn
) -> r.EarlyDoseAuthorisation:
    """Record the oncologist's reason to give the course's next visit early (that visit only)."""
    actor.require(Action.OVERRIDE)
    with ctx.uow() as uow:
        course = course_in_centre(uow, actor, course_id)
        _check_open(course)
        number = _next_visit_number(uow, course)
        if number == 1:
            raise CourseRuleBroken(
                "visit 1 is given on the course's start date: there is no interval to shorten",
                field="reason",
            )
        earlier = uow.early_doses.for_visit(course.id, number)
        values: dict[str, Any] = {
            "override_reason": new.reason,
            "authorised_by": actor.user_id,
            "authorised_at": uow.now,
        }
        if earlier is None:
            result = uow.early_doses.add(
                by=actor.user_id,
                reason=new.reason,
                course_id=course.id,
                visit_number=number,
                used_visit_id=None,
                **values,
            )
        else:  # not used yet (the next visit is not given): a new reason replaces it
            result = uow.early_doses.update(
                earlier.id,
                expected_version=None,
                by=actor.user_id,
                action="replace",
                read=earlier,
                reason=new.reason,
                **values,
            )
        uow.commit()
    return result


def early_dose_for(uow: UnitOfWork, visit: r.Visit) -> r.EarlyDoseAuthorisation | None:
    """The oncologist's pre-authorisation of this visit, if recorded and not used yet."""
    found = uow.early_doses.for_visit(visit.course_id, visit.number)
    return found if found is not None and found.used_visit_id is None else None


def use_early_dose(
    uow: UnitOfWork, authorisation: r.EarlyDoseAuthorisation, visit_id: int, by: int
) -> None:
    """Mark the pre-authorisation used by the visit given early with its reason (audited)."""
    uow.early_doses.update(
        authorisation.id,
        expected_version=authorisation.version,
        by=by,
        action="use",
        read=authorisation,
        used_visit_id=visit_id,
    )


def review_course(
    ctx: Context, actor: Actor, course_id: int, review: CourseReviewIn
) -> r.CourseReview:
    """Record the oncologist's "continue" at the course's next review point (who, when, note).

    The point must be due (listed on the worklist: on or before today plus the look-ahead);
    ending the course instead is `courses.end_treatment`, with its reason."""
    actor.require(Action.START_COURSE)
    with ctx.uow() as uow:
        found = _decisions(ctx, uow, actor, course_id)
        _check_open(found.course)
        if not found.review_open:
            raise CourseRuleBroken(
                f"the course's {found.review.months}-month review is due on "
                f"{found.review.on.isoformat()}; it can be recorded from "
                f"{(found.review.on - timedelta(days=REVIEW_LOOKAHEAD_DAYS)).isoformat()}",
                field="note",
            )
        saved = uow.course_reviews.add(
            by=actor.user_id,
            reason=review.note,
            course_id=found.course.id,
            review_point=found.review.on,
            decision=review.decision.value,
            note=review.note,
            reviewed_by=actor.user_id,
            reviewed_at=uow.now,
        )
        uow.commit()
    return saved


def list_reviews(ctx: Context, actor: Actor, course_id: int) -> list[r.CourseReview]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        course_in_centre(uow, actor, course_id)
        return uow.course_reviews.for_courses([course_id])


def list_early_doses(ctx: Context, actor: Actor, course_id: int) -> list[r.EarlyDoseAuthorisation]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        course_in_centre(uow, actor, course_id)
        return uow.early_doses.for_course(course_id)
