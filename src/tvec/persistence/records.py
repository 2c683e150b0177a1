"""Plain, frozen copies of database rows: what repositories hand to services (rows stay here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Centre:
    id: int
    name: str


@dataclass(frozen=True)
class User:
    id: int
    centre_id: int
    username: str
    full_name: str
    role: str
    password_hash: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class AuthSession:
    id: int
    token_hash: str
    user_id: int
    kind: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Patient:
    id: int
    centre_id: int
    mrn: str
    birth_date: date
    sex: str
    created_at: datetime
    version: int


@dataclass(frozen=True)
class Diagnosis:
    id: int
    patient_id: int
    stage: str
    recurrent_after_surgery: bool
    unresectable: bool
    diagnosed_on: date
    version: int


@dataclass(frozen=True)
class Screening:
    id: int
    patient_id: int
    screened_on: date
    immunocompromised: bool
    pregnant: bool
    answered_by: str
    recorded_by: int
    recorded_at: datetime


@dataclass(frozen=True)
class Lesion:
    id: int
    patient_id: int
    name: str
    site: str
    location: str
    first_seen: date
    injectable: bool
    cluster: str | None
    status: str
    version: int


@dataclass(frozen=True)
class Measurement:
    id: int
    lesion_id: int
    measured_on: date
    longest_cm: Decimal
    perpendicular_cm: Decimal
    method: str
    status: str
    recorded_by: int
    recorded_at: datetime
    version: int


@dataclass(frozen=True)
class Course:
    id: int
    patient_id: int
    label_variant: str
    start_date: date
    end_date: date | None
    end_reason: str | None
    started_by: int
    version: int


@dataclass(frozen=True)
class Visit:
    id: int
    course_id: int
    number: int
    kind: str
    earliest_date: date
    status: str
    plan: dict[str, Any]
    planned_on: date
    planned_by: int
    administered_on: date | None
    override_reason: str | None
    override_by: int | None
    version: int


@dataclass(frozen=True)
class VialLot:
    id: int
    centre_id: int
    lot: str
    pfu_per_ml: int
    expiry_date: date
    created_by: int
    created_at: datetime


@dataclass(frozen=True)
class Administration:
    id: int
    visit_id: int
    target: str
    lesion_id: int | None
    volume_ml: Decimal
    pfu_per_ml: int
    vial_lot_id: int
    administered_by: int
    administered_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class AdverseEvent:
    id: int
    patient_id: int
    course_id: int | None
    term: str
    grade: int
    serious: bool
    related: bool
    onset: date
    resolved_on: date | None
    action_taken: str
    status: str
    version: int


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    user_id: int | None
    action: str
    entity: str
    entity_id: int
    entity_version: int | None
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class IdempotentReply:
    id: int
    user_id: int
    key: str
    request_hash: str
    response: dict[str, Any]
    created_at: datetime
