"""Dates past the calendar's last day (9999-12-31) are a clear refusal, never a crash.

A course dated 9999-12-25 (entered before dates were checked) has no six-month mark and no next
visit that the calendar can hold: the rules say so (BeyondCalendar, naming the date), and such a
course can still be ended with a reason the label allows before the minimum length.
"""

from __future__ import annotations

from datetime import date

import pytest

from tvec.domain.calendar import add_days, add_months
from tvec.domain.errors import BeyondCalendar, CourseRuleBroken
from tvec.domain.rules import CourseEndReason
from tvec.domain.schedule import Course, course_calendar, end_course, record_dose
from tvec.knowledge import load_label

US = load_label("us")
LATE = date(9999, 12, 25)


def test_days_and_months_within_the_calendar_are_plain_arithmetic() -> None:
    assert add_days(date(2026, 12, 25), 7) == date(2027, 1, 1)
    assert add_days(date(9999, 12, 24), 7) == date(9999, 12, 31)
    assert add_months(date(9999, 6, 30), 6) == date(9999, 12, 30)


@pytest.mark.parametrize(
    ("compute", "words"),
    [
        (lambda: add_days(LATE, 7), "7 days after 9999-12-25 is beyond the calendar"),
        (lambda: add_months(LATE, 6), "6 months after 9999-12-25 is beyond the calendar"),
    ],
    ids=["days", "months"],
)
def test_a_date_past_9999_12_31_is_refused_naming_it(compute: object, words: str) -> None:
    with pytest.raises(BeyondCalendar, match=words):
        compute()  # type: ignore[operator]


def test_the_calendar_of_a_course_dated_9999_is_refused_not_a_crash() -> None:
    with pytest.raises(BeyondCalendar):
        course_calendar(US, Course(LATE))
    given = record_dose(US, Course(LATE), LATE)
    with pytest.raises(BeyondCalendar):
        course_calendar(US, given)


def test_a_course_dated_9999_can_be_ended_with_an_early_end_reason_only() -> None:
    ended = end_course(US, Course(LATE), LATE, CourseEndReason.OTHER_TREATMENT_REQUIRED)
    assert ended.end is not None
    assert ended.end.on == LATE
    with pytest.raises(CourseRuleBroken, match="before 9999-12-31"):
        end_course(US, Course(LATE), LATE, CourseEndReason.COMPLETED)
