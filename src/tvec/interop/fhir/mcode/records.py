"""What the export needs of one patient's records: plain frozen values, prepared by a service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class PatientRecord:
    id: int
    centre_id: int
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str  # female, male, other, unknown (FHIR administrative gender)


@dataclass(frozen=True)
class DiagnosisRecord:
    id: int
    stage: str  # AJCC stage as recorded: IIIB, IIIC, IVM1a, ...
    diagnosed_on: date


@dataclass(frozen=True)
class LesionRecord:
    id: int
    name: str
    site: str  # cutaneous, subcutaneous, nodal, visceral
    location: str
    first_seen: date


@dataclass(frozen=True)
class MeasurementRecord:
    id: int
    lesion_id: int
    measured_on: date
    longest_cm: Decimal
    perpendicular_cm: Decimal
    method: str  # caliper, ruler, ultrasound, photo


@dataclass(frozen=True)
class CourseRecord:
    id: int
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class LotRecord:
    id: int
    lot: str
    pfu_per_ml: int
    expiry_date: date


@dataclass(frozen=True)
class StaffRecord:
    id: int
    full_name: str


@dataclass(frozen=True)
class AdministrationRecord:
    id: int
    course_id: int
    lesion_id: int | None  # None: a target that is not one recorded lesion
    target: str
    volume_ml: Decimal
    lot_id: int
    performer_id: int
    administered_at: datetime


@dataclass(frozen=True)
class AdverseEventRecord:
    id: int
    term: str  # CTCAE v5.0 term
    grade: int
    serious: bool
    onset: date


@dataclass(frozen=True)
class DiseaseStatusRecord:
    assessed_on: date
    category: str  # CR, PR, SD, PD, NE
    label: str  # the text every screen shows: "PR (confirmed onset)"
    criteria: str  # the criteria's title


@dataclass(frozen=True)
class PatientRecords:
    patient: PatientRecord
    diagnosis: DiagnosisRecord | None
    lesions: tuple[LesionRecord, ...]
    measurements: tuple[MeasurementRecord, ...]
    courses: tuple[CourseRecord, ...]
    lots: tuple[LotRecord, ...]
    staff: tuple[StaffRecord, ...]
    administrations: tuple[AdministrationRecord, ...]
    adverse_events: tuple[AdverseEventRecord, ...]
    disease_status: tuple[DiseaseStatusRecord, ...]
