"""Frozen records of the patient alert card, education and accidental-exposure tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class AlertCard:
    id: int
    patient_id: int
    course_id: int
    first_dose_on: date
    issued_by: int
    issued_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    version: int


@dataclass(frozen=True)
class Education:
    id: int
    patient_id: int
    course_id: int | None
    recipient: str  # "patient" or "caregiver"
    caregiver_name: str | None
    caregiver_relation: str | None
    topics: list[str]
    given_by: int
    given_at: datetime
    note: str | None


@dataclass(frozen=True)
class Exposure:
    id: int
    centre_id: int
    patient_id: int | None
    exposed: str  # "staff" or "close-contact"
    staff_user_id: int | None
    contact_relation: str | None
    kind: str
    occurred_at: datetime
    actions: list[str]
    action_note: str | None
    recorded_by: int
    recorded_at: datetime
    follow_up_due: date
    follow_up_closed_at: datetime | None
    follow_up_closed_by: int | None
    follow_up_outcome: str | None
    version: int

    @property
    def open(self) -> bool:
        return self.follow_up_closed_at is None
