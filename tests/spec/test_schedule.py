"""The course calendar as USPI Table 1 states it: initial, +21 days, then every 14 days, ≥ 6 months."""

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvec.domain.calendar import add_months
from tvec.domain.errors import CourseRuleBroken, DoseTooEarly
from tvec.domain.rules import CourseEndReason, VisitKind
from tvec.domain.schedule import Course, VisitStatus, course_calendar, end_course, record_dose
from tvec.knowledge import load_label

US = load_label("us")
START = date(2026, 1, 5)

# visit number -> (kind, days after the first dose, strength PFU/mL)       planned calendar, Table 1
PLANNED = [
    (1, VisitKind.INITIAL, 0, 10**6),
    (2, VisitKind.SECOND, 21, 10**8),
    (3, VisitKind.SUBSEQUENT, 35, 10**8),
    (4, VisitKind.SUBSEQUENT, 49, 10**8),
    (5, VisitKind.SUBSEQUENT, 63, 10**8),
]


def course_with(*days: date, **kwargs: object) -> Course:
    course = Course(START)
    for day in days:
        course = record_dose(US, course, day, **kwargs)  # type: ignore[arg-type]
    return course


@pytest.mark.parametrize(("number", "kind", "offset", "pfu"), PLANNED)
def test_the_planned_calendar_follows_the_label(
    number: int, kind: VisitKind, offset: int, pfu: int
) -> None:
    visit = course_calendar(US, Course(START))[number - 1]
    assert (visit.kind, visit.date, visit.concentration_pfu_per_ml) == (
        kind,
        START + timedelta(offset),
        pfu,
    )


@settings(max_examples=100, deadline=None)
@given(start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_the_calendar_covers_at_least_6_months_and_keeps_14_day_steps(start: date) -> None:
    visits = course_calendar(US, Course(start))
    assert visits[-1].date >= add_months(start, 6)
    assert visits[-2].date < add_months(start, 6)
    assert all((b.date - a.date).days == 14 for a, b in pairwise(visits[1:]))
    assert [v.concentration_pfu_per_ml for v in visits].count(10**6) == 1


def test_the_next_due_date_counts_from_the_dose_actually_given() -> None:
    course = course_with(START, START + timedelta(days=24))  # second dose 3 days late
    visits = course_calendar(US, course)
    assert [v.status for v in visits[:3]] == [
        VisitStatus.GIVEN,
        VisitStatus.GIVEN,
        VisitStatus.NEXT,
    ]
    assert visits[2].date == START + timedelta(days=24 + 14)


def test_a_dose_before_its_interval_is_refused() -> None:
    course = course_with(START)
    with pytest.raises(
        DoseTooEarly, match=r"visit 2: dose on 2026-01-25 .*\(earliest 2026-01-26\)"
    ):
        record_dose(US, course, START + timedelta(days=20))


def test_an_early_dose_with_a_reason_is_accepted_and_the_reason_kept() -> None:
    course = course_with(START)
    course = record_dose(
        US, course, START + timedelta(days=19), override_reason="patient travelling"
    )
    given = course_calendar(US, course)[1]
    assert (given.status, given.override_reason, given.earliest) == (
        VisitStatus.GIVEN,
        "patient travelling",
        START + timedelta(days=21),
    )


def test_a_blank_override_reason_does_not_count() -> None:
    with pytest.raises(DoseTooEarly):
        record_dose(US, course_with(START), START + timedelta(days=3), override_reason="   ")


def test_the_first_dose_must_be_on_the_start_date() -> None:
    with pytest.raises(CourseRuleBroken, match="first dose must be on the course start date"):
        record_dose(US, Course(START), START + timedelta(days=1))


def test_reinitiation_after_a_complete_response_stays_at_10_8_every_14_days() -> None:
    days = [START, START + timedelta(21), START + timedelta(35)]
    course = course_with(*days)
    restart = START + timedelta(days=200)  # new lesions after a complete response
    course = record_dose(US, course, restart, reinitiation=True)
    visits = course_calendar(US, course)
    assert visits[3].kind is VisitKind.REINITIATION
    assert visits[3].concentration_pfu_per_ml == 10**8
    assert visits[4].date == restart + timedelta(days=14)
    assert all(v.concentration_pfu_per_ml == 10**8 for v in visits[1:])


def test_a_course_cannot_end_as_completed_before_6_months() -> None:
    course = course_with(START)
    with pytest.raises(CourseRuleBroken, match="cannot end a course before 2026-07-05"):
        end_course(US, course, date(2026, 7, 4), CourseEndReason.COMPLETED)
    ended = end_course(US, course, date(2026, 7, 5), CourseEndReason.COMPLETED)
    assert ended.end is not None


@pytest.mark.parametrize(
    "reason", [CourseEndReason.NO_INJECTABLE_LESIONS, CourseEndReason.OTHER_TREATMENT_REQUIRED]
)
def test_the_label_exceptions_may_end_a_course_early(reason: CourseEndReason) -> None:
    course = end_course(US, course_with(START), START + timedelta(days=30), reason)
    assert course.end is not None
    assert course.end.reason is reason
    assert course_calendar(US, course)[-1].status is VisitStatus.GIVEN  # nothing more planned


def test_no_dose_after_the_course_ended() -> None:
    course = end_course(
        US, course_with(START), START + timedelta(1), CourseEndReason.OTHER_TREATMENT_REQUIRED
    )
    with pytest.raises(CourseRuleBroken, match="the course ended on 2026-01-06"):
        record_dose(US, course, START + timedelta(days=21))


def test_months_are_calendar_months() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 5), 12) == date(2027, 1, 5)
