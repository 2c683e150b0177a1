"""A course's record refuses what could not have happened: doses out of order, a re-initiation with
nothing to re-initiate, an end before the last dose or a second end. Each refusal names the visit or
the date, so the nurse sees which entry to correct."""

from datetime import date, timedelta

import pytest

from tvec.domain.errors import CourseRuleBroken
from tvec.domain.rules import CourseEndReason
from tvec.domain.schedule import Course, end_course, record_dose
from tvec.knowledge import load_label

US = load_label("us")
START = date(2026, 1, 5)
SECOND = START + timedelta(days=21)


def make_course(*days: date) -> Course:
    course = Course(START)
    for day in days:
        course = record_dose(US, course, day)
    return course


def test_a_first_dose_cannot_be_a_re_initiation() -> None:
    with pytest.raises(CourseRuleBroken) as refused:
        record_dose(US, Course(START), START, reinitiation=True)
    assert str(refused.value) == "visit 1: a re-initiation needs an earlier dose in the course"
    assert refused.value.code == "course-rule"


@pytest.mark.parametrize("day", [SECOND, SECOND - timedelta(days=1)], ids=["same day", "before"])
def test_a_dose_on_or_before_the_previous_one_is_refused(day: date) -> None:
    course = make_course(START, SECOND)
    with pytest.raises(
        CourseRuleBroken, match=rf"^visit 3: {day.isoformat()} is not after the previous dose$"
    ):
        record_dose(US, course, day, override_reason="entered twice")


def test_a_course_ends_once() -> None:
    ended = end_course(US, make_course(START), SECOND, CourseEndReason.NO_INJECTABLE_LESIONS)
    with pytest.raises(CourseRuleBroken, match=r"^the course already ended on 2026-01-26$"):
        end_course(US, ended, SECOND + timedelta(days=1), CourseEndReason.NO_INJECTABLE_LESIONS)
    assert ended.end is not None
    assert ended.end.on == SECOND  # the first end stands


def test_a_course_cannot_end_before_its_last_dose() -> None:
    course = make_course(START, SECOND)
    with pytest.raises(CourseRuleBroken, match=r"^end date 2026-01-25 is before the last dose$"):
        end_course(US, course, SECOND - timedelta(days=1), CourseEndReason.NO_INJECTABLE_LESIONS)
    on_the_day = end_course(US, course, SECOND, CourseEndReason.NO_INJECTABLE_LESIONS)
    assert on_the_day.end is not None  # ending on the day of the last dose is allowed


def test_a_course_cannot_end_before_it_starts() -> None:
    with pytest.raises(
        CourseRuleBroken, match=r"^end date 2026-01-04 is before the course start 2026-01-05$"
    ):
        end_course(
            US, Course(START), START - timedelta(days=1), CourseEndReason.NO_INJECTABLE_LESIONS
        )
