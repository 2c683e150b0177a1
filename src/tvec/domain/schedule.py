"""The course calendar: when each dose falls due, which strength it uses, and when a course may end.

Intervals count from the dose actually given before, not from the planned date. A dose earlier than
its interval is refused unless a clinician gives a reason, which stays on the record.

A course started as a re-initiation (after an earlier course's complete response, when new lesions
appear) gives every visit at the label's re-initiation row: 10^8 PFU/mL every 14 days from its
first visit. Within an ordinary course the second visit is always the second dose (3 weeks after
the first at the earliest); a visit may be marked as a re-initiation only after that.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from tvec.domain.calendar import add_days, add_months
from tvec.domain.errors import BeyondCalendar, CourseRuleBroken, DoseTooEarly
from tvec.domain.rules import CourseEndReason, LabelRules, VisitKind

Day = date  # the field `ScheduledVisit.date` shadows the type name inside that class


class VisitStatus(StrEnum):
    GIVEN = "given"
    NEXT = "next"
    PLANNED = "planned"


@dataclass(frozen=True)
class Dose:
    number: int
    day: date
    kind: VisitKind
    override_reason: str | None = None


@dataclass(frozen=True)
class CourseEnd:
    on: date
    reason: CourseEndReason


@dataclass(frozen=True)
class Course:
    start: date  # the first-dose date
    doses: tuple[Dose, ...] = ()
    end: CourseEnd | None = None
    reinitiation: bool = False  # a course that re-initiates treatment after a complete response


@dataclass(frozen=True)
class ScheduledVisit:
    number: int
    kind: VisitKind
    date: Day  # the date given, or the due date for a visit not yet given
    earliest: Day  # the earliest date the label's interval allows
    concentration_pfu_per_ml: int
    status: VisitStatus
    override_reason: str | None = None


def next_kind(course: Course, *, reinitiation: bool = False) -> VisitKind:
    """Initial, second, then subsequent; a re-initiation never goes back to the initial strength.

    Every visit of a re-initiation course is a re-initiation visit, the first one included.
    """
    if course.reinitiation:
        return VisitKind.REINITIATION
    if not course.doses:
        return VisitKind.INITIAL
    if reinitiation:
        return VisitKind.REINITIATION
    return VisitKind.SECOND if len(course.doses) == 1 else VisitKind.SUBSEQUENT


def earliest_date(label: LabelRules, course: Course, kind: VisitKind) -> date:
    if not course.doses:
        return course.start
    interval = label.visit_rule(kind).interval_days or 0
    return add_days(course.doses[-1].day, interval)


def record_dose(
    label: LabelRules,
    course: Course,
    day: date,
    *,
    override_reason: str | None = None,
    reinitiation: bool = False,
) -> Course:
    """Add a dose given on `day`, refusing one the schedule does not allow."""
    number = len(course.doses) + 1
    if course.end is not None:
        raise CourseRuleBroken(f"visit {number}: the course ended on {course.end.on.isoformat()}")
    if not course.doses and day != course.start:
        raise CourseRuleBroken(
            f"visit 1: the first dose must be on the course start date {course.start.isoformat()}"
            f" (got {day.isoformat()})"
        )
    if reinitiation and not course.reinitiation:
        check_reinitiation_within(label, course)
    kind = next_kind(course, reinitiation=reinitiation)
    earliest = earliest_date(label, course, kind)
    reason = (override_reason or "").strip() or None
    if course.doses and day <= course.doses[-1].day:
        raise CourseRuleBroken(f"visit {number}: {day.isoformat()} is not after the previous dose")
    if day < earliest and reason is None:
        source = label.visit_rule(kind).source
        raise DoseTooEarly(number, day.isoformat(), earliest.isoformat(), source)
    dose = Dose(number, day, kind, reason if day < earliest else None)
    return replace(course, doses=(*course.doses, dose))


def check_reinitiation_within(label: LabelRules, course: Course) -> None:
    """Within an ordinary course a visit may re-initiate only after the second visit was given."""
    if not course.doses:
        raise CourseRuleBroken(
            "visit 1: a re-initiation needs an earlier dose in the course", field="reinitiation"
        )
    if len(course.doses) == 1:
        second = label.visit_rule(VisitKind.SECOND)
        raise CourseRuleBroken(
            f"visit 2: a re-initiation is only possible after a complete response; the second"
            f" visit of a course is the second dose, at the earliest {second.interval_days} days"
            f" after the first [{second.source}; {label.reinitiation.source}]",
            field="reinitiation",
        )


def end_course(label: LabelRules, course: Course, on: date, reason: CourseEndReason) -> Course:
    """End the course; before the minimum course length only the label's exceptions may end it."""
    if course.end is not None:
        raise CourseRuleBroken(f"the course already ended on {course.end.on.isoformat()}")
    if on < course.start:
        raise CourseRuleBroken(
            f"end date {on.isoformat()} is before the course start {course.start.isoformat()}",
            field="end_date",
        )
    if course.doses and on < course.doses[-1].day:
        raise CourseRuleBroken(f"end date {on.isoformat()} is before the last dose")
    try:
        minimum = add_months(course.start, label.course.min_months)
    except BeyondCalendar:
        minimum = date.max  # a course starting implausibly late never reaches its minimum
    if on < minimum and reason not in label.course.early_end_reasons:
        allowed = ", ".join(r.value for r in label.course.early_end_reasons)
        raise CourseRuleBroken(
            f"reason {reason.value!r} cannot end a course before {minimum.isoformat()} "
            f"({label.course.min_months} months); allowed earlier: {allowed} "
            f"[{label.course.source}]"
        )
    return replace(course, end=CourseEnd(on, reason))


def course_calendar(label: LabelRules, course: Course) -> tuple[ScheduledVisit, ...]:
    """Doses given, then the projected visits until the course covers its minimum length."""
    visits = [_given(label, course, dose) for dose in course.doses]
    if course.end is not None:
        return tuple(visits)
    horizon = add_months(course.start, label.course.min_months)
    projected = course
    while True:
        kind = next_kind(projected)
        due = earliest_date(label, projected, kind)
        status = VisitStatus.NEXT if projected is course else VisitStatus.PLANNED
        number = len(projected.doses) + 1
        pfu = label.visit_rule(kind).pfu_per_ml
        visits.append(ScheduledVisit(number, kind, due, due, pfu, status))
        if due >= horizon:
            return tuple(visits)
        projected = replace(projected, doses=(*projected.doses, Dose(number, due, kind)))


def _given(label: LabelRules, course: Course, dose: Dose) -> ScheduledVisit:
    before = replace(course, doses=course.doses[: dose.number - 1], end=None)
    earliest = earliest_date(label, before, dose.kind)
    pfu = label.visit_rule(dose.kind).pfu_per_ml
    return ScheduledVisit(
        dose.number, dose.kind, dose.day, earliest, pfu, VisitStatus.GIVEN, dose.override_reason
    )
