"""The re-initiation condition as the label states it (USPI §2.2; SmPC §4.2): re-initiate when new
lesions appear after a complete response.

What counts, case by case: the earlier course's best overall response under the modified WHO
criteria (OPTiM; a response counts once an assessment at least 4 weeks later confirms it) must be
CR, and a lesion must have been first seen after the first CR assessment.
"""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tvec.domain.errors import CourseRuleBroken
from tvec.domain.reinitiation import complete_response_date
from tvec.domain.response import Measurement, ResponseAssessment, assess_response
from tvec.domain.rules import Site
from tvec.knowledge import load_criteria, load_label

RULE = load_label("us").reinitiation
CRITERIA = load_criteria(RULE.criteria)
START = date(2026, 1, 5)


def course(*visits: tuple[int, str]) -> ResponseAssessment:
    """One 2 × 1.5 cm lesion: baseline, then (day, size) with "0" for gone (0 × 0)."""
    rows = [(0, "2"), *visits]
    return assess_response(
        CRITERIA,
        START,
        [
            Measurement(
                START + timedelta(day),
                "L1",
                Decimal(size),
                Decimal(size) * Decimal("0.75"),
                Site.CUTANEOUS,
                True,
            )
            for day, size in rows
        ],
    )


CONFIRMED_CR = course((35, "0"), (63, "0"))  # gone, and still gone 4 weeks later
CR_ON = START + timedelta(35)

# earlier course -> allowed? (and why not)                                   USPI §2.2 re-initiation
CASES = [
    pytest.param(CONFIRMED_CR, True, "", id="confirmed complete response"),
    pytest.param(
        course((35, "0"), (62, "0")), False, "is SD", id="CR seen 27 days apart: not confirmed"
    ),
    pytest.param(course((35, "0.8"), (63, "0.8")), False, "is PR", id="partial response"),
    pytest.param(course((35, "1.9")), False, "is SD", id="stable disease"),
]


@pytest.mark.parametrize(("assessed", "allowed", "why"), CASES)
def test_only_a_complete_response_of_the_earlier_course_allows_a_reinitiation(
    assessed: ResponseAssessment, allowed: bool, why: str
) -> None:
    new_lesion = [START + timedelta(120)]
    if allowed:
        assert complete_response_date(RULE, assessed, new_lesion, "the course") == CR_ON
    else:
        with pytest.raises(CourseRuleBroken) as refused:
            complete_response_date(RULE, assessed, new_lesion, "the course")
        assert str(refused.value).startswith(
            "a re-initiation needs a complete response of the earlier course; the best overall"
            f" response of the course {why} [USPI §2.2"
        )
        assert refused.value.fields == {"field": "reinitiation"}


# first seen, days after the first CR assessment -> a new lesion?
NEW_LESION = [(-10, False), (0, False), (1, True)]


@pytest.mark.parametrize(("offset", "new"), NEW_LESION)
def test_a_lesion_is_new_when_first_seen_after_the_complete_response(
    offset: int, new: bool
) -> None:
    seen = [START - timedelta(10), CR_ON + timedelta(offset)]
    if new:
        assert complete_response_date(RULE, CONFIRMED_CR, seen, "the course") == CR_ON
    else:
        with pytest.raises(
            CourseRuleBroken,
            match="no lesion on record was first seen after the complete response of 2026-02-09",
        ):
            complete_response_date(RULE, CONFIRMED_CR, seen, "the course")


def test_a_label_that_needs_no_new_lesions_allows_it_on_the_response_alone() -> None:
    rule = replace(RULE, new_lesions_required=False)
    assert complete_response_date(rule, CONFIRMED_CR, [], "the course") == CR_ON
