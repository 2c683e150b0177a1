"""The patient alert card, education and accidental-exposure tables' named queries."""

from __future__ import annotations

from collections.abc import Collection

from tvec.persistence import models as m
from tvec.persistence import safety_records as sr
from tvec.persistence.repository import Repository


class AlertCardRepository(Repository[m.AlertCardRow, sr.AlertCard]):
    row, record, entity = m.AlertCardRow, sr.AlertCard, "alert-card"

    def for_course(self, course_id: int) -> sr.AlertCard | None:
        return self._first(self._select().where(m.AlertCardRow.course_id == course_id))

    def for_courses(self, course_ids: Collection[int]) -> list[sr.AlertCard]:
        if not course_ids:
            return []
        a = m.AlertCardRow
        return self._all(self._select().where(a.course_id.in_(sorted(course_ids))).order_by(a.id))


class EducationRepository(Repository[m.EducationRow, sr.Education]):
    row, record, entity = m.EducationRow, sr.Education, "education"

    def for_patient(self, patient_id: int) -> list[sr.Education]:
        """The patient's education records, oldest first."""
        e = m.EducationRow
        return self._all(
            self._select().where(e.patient_id == patient_id).order_by(e.given_at, e.id)
        )


class ExposureRepository(Repository[m.ExposureRow, sr.Exposure]):
    row, record, entity = m.ExposureRow, sr.Exposure, "exposure"

    def in_centre(self, centre_id: int) -> list[sr.Exposure]:
        """The centre's exposures, newest first."""
        x = m.ExposureRow
        return self._all(
            self._select().where(x.centre_id == centre_id).order_by(x.occurred_at.desc(), x.id)
        )

    def open_in_centre(self, centre_id: int) -> list[sr.Exposure]:
        """The centre's exposures whose follow-up is not closed, the earliest due first."""
        x = m.ExposureRow
        return self._all(
            self._select()
            .where(x.centre_id == centre_id, x.follow_up_closed_at.is_(None))
            .order_by(x.follow_up_due, x.id)
        )
