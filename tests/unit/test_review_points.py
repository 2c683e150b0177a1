"""Review points of a course (tvec.domain.review): at 6 months, then every 6 after a "continue"."""

from __future__ import annotations

from datetime import date

import pytest

from tvec.domain.review import ReviewPoint, next_review_point

START = date(2026, 8, 31)


@pytest.mark.parametrize(
    ("answered", "expected"),
    [
        ((), ReviewPoint(6, date(2027, 2, 28))),  # calendar months, clamped to the month's end
        ((date(2027, 2, 28),), ReviewPoint(12, date(2027, 8, 31))),
        ((date(2027, 2, 28), date(2027, 8, 31)), ReviewPoint(18, date(2028, 2, 29))),
    ],
)
def test_the_next_review_point_follows_the_last_one_answered(
    answered: tuple[date, ...], expected: ReviewPoint
) -> None:
    assert next_review_point(START, 6, answered) == expected
