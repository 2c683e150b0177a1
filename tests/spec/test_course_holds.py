"""When a course is held, as a table: a hold is in force from its first day until it is released,
or until its last day (inclusive) when it has one; a held course's dose cannot be planned or
given, and the refusal names the hold's reason and until when. tvec's rule (no source sets it):
see docs/clinical-choices.md, "Course holds".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from tvec.domain.errors import CourseHeld
from tvec.domain.holds import check_not_held, hold_in_force, in_force, until_text

D = date(2026, 6, 1)
RELEASED = datetime(2026, 6, 3, 9, tzinfo=UTC)


@dataclass(frozen=True)
class H:
    hold_reason: str
    starts_on: date
    ends_on: date | None = None
    released_at: datetime | None = None


def day(n: int) -> date:
    return date(2026, 6, n)


@pytest.mark.parametrize(
    ("hold", "on", "held"),
    [
        (H("cellulitis", day(1)), day(1), True),  # from its first day
        (H("cellulitis", day(2)), day(1), False),  # not before it
        (H("cellulitis", day(1)), day(30), True),  # no last day: until released
        (H("cellulitis", day(1), day(14)), day(14), True),  # its last day is held
        (H("cellulitis", day(1), day(14)), day(15), False),  # the day after is not
        (H("cellulitis", day(1), None, RELEASED), day(2), False),  # released: not held
        (H("cellulitis", day(1), day(14), RELEASED), day(10), False),
    ],
)
def test_when_a_hold_is_in_force(hold: H, on: date, held: bool) -> None:
    assert in_force(hold, on) is held


def test_the_longest_hold_in_force_is_the_one_shown() -> None:
    short, open_ended = H("fever", day(1), day(3)), H("cellulitis", day(1))
    assert hold_in_force([short, open_ended], day(2)) is open_ended
    assert hold_in_force([short, H("rash", day(1), day(9))], day(2)) == H("rash", day(1), day(9))
    assert hold_in_force([short], day(4)) is None
    assert hold_in_force([], day(4)) is None


@pytest.mark.parametrize(
    ("hold", "text"),
    [(H("x", day(1)), "until released"), (H("x", day(1), day(14)), "until 2026-06-14")],
)
def test_until_in_words(hold: H, text: str) -> None:
    assert until_text(hold) == text


def test_a_held_course_is_refused_with_the_reason_and_until_when() -> None:
    with pytest.raises(CourseHeld) as raised:
        check_not_held([H("cellulitis, grade 3", day(1), day(14))], day(2), "planned")
    error = raised.value
    assert (error.reason, error.until, error.code) == (
        "cellulitis, grade 3",
        "2026-06-14",
        "course-held",
    )
    assert str(error) == (
        "The course is on hold until 2026-06-14 (or until released): cellulitis, grade 3. "
        "No dose can be planned while it is held."
    )
    with pytest.raises(
        CourseHeld, match=r"until an oncologist releases it: fever\. No dose can be given"
    ):
        check_not_held([H("fever", day(1))], day(2), "given")


def test_a_course_without_a_hold_in_force_passes() -> None:
    check_not_held([H("fever", day(1), day(1)), H("rash", day(5))], day(2), "planned")
    check_not_held([], day(2), "given")
