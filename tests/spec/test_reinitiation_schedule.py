"""Re-initiation as the label states it (USPI §2.2 Table 1 and dosing; SmPC §4.2).

- The second visit of a course is the second dose, 3 weeks (21 days) after the first at the
  earliest; it is never a re-initiation. Later visits are 2 weeks (14 days) after the previous one.
- Re-initiation is for new lesions after a complete response: a course started as a
  re-initiation gives every visit, the first included, at 10^8 PFU/mL every 14 days.
"""

from datetime import date, timedelta

import pytest

from tvec.domain.errors import CourseRuleBroken, DoseTooEarly
from tvec.domain.rules import LabelRules, VisitKind
from tvec.domain.schedule import Course, VisitStatus, course_calendar, next_kind, record_dose
from tvec.knowledge import load_label

START = date(2026, 1, 5)
LABELS = [load_label("us"), load_label("eu")]

# visit 2 of an ordinary course: days after the first dose -> accepted as `second`?   Table 1
SECOND_VISIT = [
    (20, False),  # one day short of 3 weeks
    (21, True),  # 3 weeks: the earliest
    (22, True),
]

# a later visit: days after the previous dose -> accepted?                            Table 1
LATER_VISIT = [
    (13, False),
    (14, True),  # 2 weeks: the earliest
    (15, True),
]


def ordinary(*offsets: int) -> Course:
    course = Course(START)
    for offset in offsets:
        course = record_dose(LABELS[0], course, START + timedelta(offset))
    return course


def reinitiation_course(*offsets: int) -> Course:
    course = Course(START, reinitiation=True)
    for offset in offsets:
        course = record_dose(LABELS[0], course, START + timedelta(offset))
    return course


@pytest.mark.parametrize("label", LABELS, ids=lambda label: label.variant)
@pytest.mark.parametrize(("day", "accepted"), SECOND_VISIT)
def test_the_second_visit_is_3_weeks_after_the_first_at_the_earliest(
    label: LabelRules, day: int, accepted: bool
) -> None:
    course = record_dose(label, Course(START), START)
    if accepted:
        second = record_dose(label, course, START + timedelta(day)).doses[-1]
        assert (second.kind, second.number) == (VisitKind.SECOND, 2)
    else:
        with pytest.raises(DoseTooEarly, match="earliest 2026-01-26"):
            record_dose(label, course, START + timedelta(day))


@pytest.mark.parametrize("day", [14, 20, 21, 28])
def test_the_second_visit_is_never_a_reinitiation(day: int) -> None:
    course = ordinary(0)
    with pytest.raises(CourseRuleBroken) as refused:
        record_dose(LABELS[0], course, START + timedelta(day), reinitiation=True)
    assert str(refused.value).startswith(
        "visit 2: a re-initiation is only possible after a complete response; the second visit of"
        " a course is the second dose, at the earliest 21 days after the first [USPI §2.2 Table 1"
    )
    assert refused.value.fields == {"field": "reinitiation"}


def test_the_issue_case_is_refused_and_the_course_is_unchanged() -> None:
    """`--given 2026-01-05 --given 2026-01-19 --reinitiated 2026-01-19`: 14 days, as a restart."""
    course = ordinary(0)
    with pytest.raises(CourseRuleBroken, match="visit 2: a re-initiation is only possible"):
        record_dose(LABELS[0], course, date(2026, 1, 19), reinitiation=True)
    assert len(course.doses) == 1


@pytest.mark.parametrize(("day", "accepted"), LATER_VISIT)
def test_a_later_visit_is_2_weeks_after_the_previous_at_the_earliest(
    day: int, accepted: bool
) -> None:
    course = ordinary(0, 21)
    when = START + timedelta(21 + day)
    if accepted:
        assert record_dose(LABELS[0], course, when).doses[-1].kind is VisitKind.SUBSEQUENT
    else:
        with pytest.raises(DoseTooEarly, match="visit 3"):
            record_dose(LABELS[0], course, when)


@pytest.mark.parametrize(("day", "accepted"), LATER_VISIT)
def test_within_a_course_a_reinitiation_may_follow_the_second_visit_2_weeks_on(
    day: int, accepted: bool
) -> None:
    course = ordinary(0, 21)
    when = START + timedelta(21 + day)
    if accepted:
        third = record_dose(LABELS[0], course, when, reinitiation=True).doses[-1]
        assert third.kind is VisitKind.REINITIATION
    else:
        with pytest.raises(DoseTooEarly, match="visit 3"):
            record_dose(LABELS[0], course, when, reinitiation=True)


def test_a_reinitiation_course_starts_at_10_8_and_keeps_14_day_steps() -> None:
    visits = course_calendar(LABELS[0], Course(START, reinitiation=True))
    assert visits[0].kind is VisitKind.REINITIATION
    assert (visits[0].date, visits[0].status) == (START, VisitStatus.NEXT)
    assert {v.kind for v in visits} == {VisitKind.REINITIATION}
    assert {v.concentration_pfu_per_ml for v in visits} == {10**8}  # never the 10^6 strength
    assert [(v.date - START).days for v in visits[:4]] == [0, 14, 28, 42]


@pytest.mark.parametrize(("day", "accepted"), LATER_VISIT)
def test_in_a_reinitiation_course_the_second_visit_is_2_weeks_after_the_first(
    day: int, accepted: bool
) -> None:
    course = reinitiation_course(0)
    assert course.doses[0].kind is VisitKind.REINITIATION
    if accepted:
        second = record_dose(LABELS[0], course, START + timedelta(day)).doses[-1]
        assert (second.kind, second.number) == (VisitKind.REINITIATION, 2)
    else:
        with pytest.raises(DoseTooEarly, match="visit 2: dose on 2026-01-18"):
            record_dose(LABELS[0], course, START + timedelta(day))


def test_a_reinitiation_course_accepts_each_visit_marked_as_a_reinitiation() -> None:
    course = Course(START, reinitiation=True)
    course = record_dose(LABELS[0], course, START, reinitiation=True)
    course = record_dose(LABELS[0], course, START + timedelta(14), reinitiation=True)
    assert [d.kind for d in course.doses] == [VisitKind.REINITIATION] * 2
    assert next_kind(course) is VisitKind.REINITIATION


@pytest.mark.parametrize("label", LABELS, ids=lambda label: label.variant)
def test_the_reinitiation_condition_is_label_data_with_its_source(label: LabelRules) -> None:
    rule = label.reinitiation
    assert (rule.after_best_response, rule.criteria, rule.new_lesions_required) == (
        "CR",
        "modified-who",
        True,
    )
    assert "10^8" in rule.description
    assert "every 2 weeks" in rule.description
    assert rule.source.startswith(("USPI §2.2", "SmPC §4.2"))
    assert "seed" not in rule.source
