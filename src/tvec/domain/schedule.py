"""The course calendar: when each dose falls due, which strength it uses, and when a course may end.

Intervals count from the dose actually given before, not from the planned date. A dose earlier than
its interval is refused unless a clinician gives a reason, which stays on the record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from tvec.domain.calendar import add_months
from tvec.domain.errors import CourseRuleBroken, DoseTooEarly
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
    """Initial, second, then subsequent; a re-initiation never goes back to the initial strength."""
    if not course.doses:
        return VisitKind.INITIAL
    if reinitiation:
        return VisitKind.REINITIATION
    return VisitKind.SECOND if len(course.doses) == 1 else VisitKind.SUBSEQUENT


def earliest_date(label: LabelRules, course: Course, kind: VisitKind) -> date:
    if not course.doses:
        return course.start
    interval = label.visit_rule(kind).interval_days or 0
    return course.doses[-1].day + timedelta(days=interval)


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
    if reinitiation and not course.doses:
        raise CourseRuleBroken("visit 1: a re-initiation needs an earlier dose in the course")
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


def end_course(label: LabelRules, course: Course, on: date, reason: CourseEndReason) -> Course:
    """End the course; before the minimum course length only the label's exceptions may end it."""
    if course.end is not None:
        raise CourseRuleBroken(f"the course already ended on {course.end.on.isoformat()}")
    if course.doses and on < course.doses[-1].day:
        raise CourseRuleBroken(f"end date {on.isoformat()} is before the last dose")
    minimum = add_months(course.start, label.course.min_months)
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
