"""Whether a new course may re-initiate treatment: the label's condition on the earlier course.

The label re-initiates (at its re-initiation visit row) when new lesions appear after a complete
response. Given the earlier course's response assessment and the dates on which the patient's
lesions were first seen, `complete_response_date` returns the date of that complete response (the
first assessment categorised CR), from which lesions count as new, or refuses with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from tvec.domain.errors import CourseRuleBroken
from tvec.domain.response import Category, ResponseAssessment
from tvec.domain.rules import ReinitiationRule


def refused(rule: ReinitiationRule, why: str) -> CourseRuleBroken:
    """A refusal of a re-initiation, naming the field and the label's source."""
    return CourseRuleBroken(f"a re-initiation needs {why} [{rule.source}]", field="reinitiation")


def complete_response_date(
    rule: ReinitiationRule,
    assessed: ResponseAssessment,
    first_seen: Iterable[date],
    period: str,
) -> date:
    """The date of the earlier course's complete response that allows the re-initiation.

    `period` names the earlier course in the refusal (e.g. "the course from 2026-01-05 to ...").
    """
    best = assessed.best_overall_response
    if best.value != rule.after_best_response:
        raise refused(
            rule,
            f"a complete response of the earlier course; the best overall response of {period}"
            f" is {best.value}",
        )
    cr_on = min(a.date for a in assessed.assessments if a.category is Category.CR)
    if rule.new_lesions_required and not any(day > cr_on for day in first_seen):
        raise refused(
            rule,
            f"new lesions; no lesion on record was first seen after the complete response of"
            f" {cr_on.isoformat()}",
        )
    return cr_on
