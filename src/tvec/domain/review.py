"""Review points of a treatment course: when the oncologist decides to continue or end it.

The label asks that treatment continue for at least `min_months` (6) months unless other
treatment is required or no injectable lesions remain; at that point the oncologist reviews the
course. The label does not say when to review a course that continues: tvec's ruling
(docs/clinical-choices.md) is that the review comes back every `min_months` months from the
course's start (6, 12, 18 months, ...), until the course ends.

A review point is answered by a "continue" decision recorded for it; the course's next review
point is the first one after every point so answered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tvec.domain.calendar import add_months


@dataclass(frozen=True)
class ReviewPoint:
    months: int  # from the course's start: 6, 12, 18, ...
    on: date


def review_point(start: date, min_months: int, number: int) -> ReviewPoint:
    """The `number`-th review point (1: at `min_months` months) of a course started on `start`."""
    months = min_months * number
    return ReviewPoint(months, add_months(start, months))


def next_review_point(start: date, min_months: int, answered: Iterable[date]) -> ReviewPoint:
    """The first review point of the course after every review point already answered."""
    last = max(answered, default=None)
    number = 1
    while last is not None and review_point(start, min_months, number).on <= last:
        number += 1
    return review_point(start, min_months, number)
