"""Records and repositories of follow-up: the patient's follow-up record, prior therapies."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from tvec.domain.status import RecordStatus
from tvec.persistence import follow_up_rows as fr
from tvec.persistence.repository import Repository


@dataclass(frozen=True)
class FollowUp:
    id: int
    patient_id: int
    died_on: date | None
    death_cause: str | None
    last_known_alive_on: date | None
    ecog: int | None
    ecog_assessed_on: date | None
    recorded_by: int
    recorded_at: datetime
    version: int


@dataclass(frozen=True)
class PriorTherapy:
    id: int
    patient_id: int
    category: str
    agent: str | None
    line: int
    started_on: date | None
    ended_on: date | None
    status: RecordStatus
    recorded_by: int
    recorded_at: datetime
    version: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", RecordStatus(self.status))


class FollowUpRepository(Repository[fr.FollowUpRow, FollowUp]):
    row, record, entity = fr.FollowUpRow, FollowUp, "follow-up"

    def for_patient(self, patient_id: int) -> FollowUp | None:
        return self._first(self._select().where(fr.FollowUpRow.patient_id == patient_id))

    def for_patients(self, patient_ids: Collection[int]) -> list[FollowUp]:
        if not patient_ids:
            return []
        f = fr.FollowUpRow
        return self._all(self._select().where(f.patient_id.in_(sorted(patient_ids))))


class PriorTherapyRepository(Repository[fr.PriorTherapyRow, PriorTherapy]):
    row, record, entity = fr.PriorTherapyRow, PriorTherapy, "prior-therapy"

    def for_patient(self, patient_id: int) -> list[PriorTherapy]:
        """The patient's prior therapies (those entered in error too), by line, as recorded."""
        t = fr.PriorTherapyRow
        return self._all(self._select().where(t.patient_id == patient_id).order_by(t.line, t.id))

    def active_for_patients(self, patient_ids: Collection[int]) -> list[PriorTherapy]:
        if not patient_ids:
            return []
        t = fr.PriorTherapyRow
        return self._all(
            self._select()
            .where(t.patient_id.in_(sorted(patient_ids)), t.status == RecordStatus.ACTIVE.value)
            .order_by(t.patient_id, t.line, t.id)
        )
