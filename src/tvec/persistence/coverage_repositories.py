"""The coverage check's table: the billing office's answers per course and payer policy."""

from __future__ import annotations

from tvec.persistence import models as m
from tvec.persistence import records as r
from tvec.persistence.repository import Repository


class CoverageAnswersRepository(Repository[m.CoverageAnswersRow, r.CoverageAnswers]):
    row, record, entity = m.CoverageAnswersRow, r.CoverageAnswers, "coverage-answers"

    def for_course(self, course_id: int, policy_id: str) -> r.CoverageAnswers | None:
        """The answers for this course and policy, if any were recorded."""
        a = m.CoverageAnswersRow
        return self._first(self._select().where(a.course_id == course_id, a.policy_id == policy_id))
