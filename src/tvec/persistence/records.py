"""Plain, frozen copies of database rows: what repositories hand to services (rows stay here).

A column stored as a plain string or JSON is handed over as the domain's type: statuses and visit
kinds as their enums, a visit's dose plan as the typed `DosePlan` (read back by the one mapping,
`tvec.domain.plan_json`). The stored values are unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tvec.domain.adverse_event import OTHER, Criterion
from tvec.domain.dose_plan import DosePlan
from tvec.domain.plan_json import plan_from_json
from tvec.domain.rules import VisitKind
from tvec.domain.status import RecordStatus, VisitRecordStatus


def _as(record: object, name: str, value: object) -> None:
    """Set a field of a frozen record while it is being built (a column read as its type)."""
    object.__setattr__(record, name, value)


@dataclass(frozen=True)
class Centre:
    id: int
    name: str
    time_zone: str
    require_second_check: bool


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
    must_change_password: bool


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
    given_name: str = ""  # "" only for patients registered before names were recorded
    family_name: str = ""
    preferred_name: str | None = None
    allergies: str | None = None  # free text; shown as a red alert when recorded


@dataclass(frozen=True)
class Diagnosis:
    id: int
    patient_id: int
    stage: str
    recurrent_after_surgery: bool
    unresectable: bool
    diagnosed_on: date
    version: int
    distant_sites: list[str] | None = None  # bone, brain, lung, other-visceral; None not recorded


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
    answers: dict[str, bool] | None = None  # item by item; None on older screenings
    correction_reason: str | None = None  # a same-day screening that changes an answer


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
    status: RecordStatus
    version: int

    def __post_init__(self) -> None:
        _as(self, "status", RecordStatus(self.status))


@dataclass(frozen=True)
class Measurement:
    id: int
    lesion_id: int
    measured_on: date
    longest_cm: Decimal
    perpendicular_cm: Decimal
    method: str
    status: RecordStatus
    recorded_by: int
    recorded_at: datetime
    version: int

    def __post_init__(self) -> None:
        _as(self, "status", RecordStatus(self.status))


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
    off_label_reason: str | None = None  # an oncologist's reason: outside the indication
    reinitiation: bool = False  # re-initiates treatment after an earlier complete response
    reinitiation_after: date | None = None  # the date of that complete response


@dataclass(frozen=True)
class Visit:
    id: int
    course_id: int
    number: int
    kind: VisitKind
    earliest_date: date
    status: VisitRecordStatus
    plan: DosePlan  # stored as its JSON, exactly as it was shown
    planned_on: date
    planned_by: int
    administered_on: date | None
    override_reason: str | None
    override_by: int | None
    version: int
    measured_on: date | None = None  # the oldest date of the measurements the plan used
    measurement_dates: dict[str, str] | None = None  # {lesion: ISO date} the plan used
    stale_reason: str | None = None  # why the plan used measurements not from its day

    def __post_init__(self) -> None:
        _as(self, "kind", VisitKind(self.kind))
        _as(self, "status", VisitRecordStatus(self.status))
        stored: object = self.plan
        if isinstance(stored, Mapping):
            _as(self, "plan", plan_from_json(stored))


@dataclass(frozen=True)
class EarlyDoseAuthorisation:
    id: int
    course_id: int
    visit_number: int  # the course's next visit when it was recorded: that visit only
    override_reason: str  # becomes the visit's override reason when it is given early
    authorised_by: int
    authorised_at: datetime
    used_visit_id: int | None  # the visit it was used for, once given
    version: int


@dataclass(frozen=True)
class CourseReview:
    id: int
    course_id: int
    review_point: date  # the review point (6 months, 12 months, ...) this decision answers
    decision: str  # "continue" (ending the course is the course's own end)
    note: str
    reviewed_by: int
    reviewed_at: datetime


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
class Shipment:
    id: int
    centre_id: int
    received_at: datetime
    received_by: int
    sealed_at: datetime
    container_hours: int
    quarantined: bool
    quarantine_reason: str | None


@dataclass(frozen=True)
class Vial:
    id: int
    centre_id: int
    shipment_id: int
    vial_lot_id: int
    gtin: str
    serial: str
    pfu_per_ml: int
    expiry_date: date
    status: str
    version: int
    location_id: int | None = None


@dataclass(frozen=True)
class StorageLocation:
    id: int
    centre_id: int
    name: str
    kind: str
    created_by: int
    created_at: datetime


@dataclass(frozen=True)
class TemperatureReading:
    id: int
    location_id: int
    at: datetime
    temperature_c: float


@dataclass(frozen=True)
class ExcursionVial:
    id: int
    excursion_id: int
    vial_id: int


@dataclass(frozen=True)
class Excursion:
    id: int
    centre_id: int
    location_id: int
    started_at: datetime
    ended_at: datetime | None
    last_out_at: datetime
    min_c: float
    max_c: float
    readings: int
    band_min_c: float
    band_max_c: float
    band_source: str
    min_duration_minutes: int
    duration_source: str
    found_at: datetime
    version: int


@dataclass(frozen=True)
class ExcursionAcknowledgement:
    id: int
    excursion_id: int
    user_id: int
    at: datetime
    note: str | None


@dataclass(frozen=True)
class VialEvent:
    id: int
    centre_id: int
    vial_id: int
    kind: str
    at: datetime
    recorded_by: int
    recorded_at: datetime
    reason: str | None
    volume_ml: Decimal | None


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
    checked_by: int | None = None
    revision: int = 1
    status: str = "active"  # "superseded" once a correction replaces it
    supersedes_id: int | None = None
    correction_reason: str | None = None
    corrected_by: int | None = None
    corrected_at: datetime | None = None
    vial_id: int | None = None  # the vial it was drawn from, when recorded


@dataclass(frozen=True)
class AdverseEvent:
    id: int
    patient_id: int
    course_id: int | None
    term: str  # a CTCAE v5.0 term, "other" (see other_specify), or free text recorded before 0019
    grade: int
    serious: bool  # derived: tvec.domain.adverse_event.is_serious (a CHECK holds it so)
    onset: date
    resolved_on: date | None
    action_taken: str
    status: RecordStatus
    version: int
    related: str | None = None  # "yes" / "no" / "unknown"; None: not answered yet
    other_specify: str | None = None
    results_in_death: bool = False
    life_threatening: bool = False
    hospitalisation: bool = False
    disability: bool = False
    congenital_anomaly: bool = False
    important_medical_event: bool = False
    expected: bool = False
    suspected_herpetic: bool = False
    aware_on: date | None = None
    visit_id: int | None = None
    vial_lot_id: int | None = None

    def __post_init__(self) -> None:
        _as(self, "status", RecordStatus(self.status))

    @property
    def criteria(self) -> frozenset[Criterion]:
        """The ICH E2A seriousness criteria the event meets."""
        return frozenset(c for c in Criterion if getattr(self, c.column))

    @property
    def shown_term(self) -> str:
        """The term as the clinic reads it: "Other, specify" shows its text."""
        return f"Other: {self.other_specify}" if self.term == OTHER else self.term


@dataclass(frozen=True)
class SafetyReport:
    id: int
    adverse_event_id: int
    kind: str  # tvec.domain.safety_clock.ReportKind
    due_on: date | None  # None: no deadline (report promptly)
    created_at: datetime
    submitted_on: date | None
    submitted_by: int | None
    submitted_at: datetime | None
    withdrawn_reason: str | None
    version: int

    @property
    def open(self) -> bool:
        return self.submitted_on is None and self.withdrawn_reason is None


@dataclass(frozen=True)
class CourseHold:
    id: int
    course_id: int
    hold_reason: str
    starts_on: date
    ends_on: date | None  # the last day held; None: until released
    placed_by: int
    placed_at: datetime
    adverse_event_id: int | None  # the adverse event recorded with "hold the next dose"
    released_at: datetime | None
    released_by: int | None
    release_reason: str | None
    version: int


@dataclass(frozen=True)
class CoverageAnswers:
    """The billing office's answers for one course and payer policy (tvec.schemas.coverage)."""

    id: int
    course_id: int
    policy_id: str
    answers: dict[str, Any]
    recorded_by: int
    recorded_at: datetime
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
    centre_id: int
    seq: int  # the entry's number in its centre's chain
    hash: str


@dataclass(frozen=True)
class IdempotentReply:
    id: int
    user_id: int
    key: str
    request_hash: str
    response: dict[str, Any]
    created_at: datetime
