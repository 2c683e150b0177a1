"""Request and response shapes of the clinic records, shared by the API, the web app and services.

They check form (types, ranges, known codes). Clinical rules are checked once, in the domain.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from tvec.domain.dose_plan import DosePlan
from tvec.domain.plan_json import plan_to_json
from tvec.domain.roles import Role
from tvec.domain.rules import CourseEndReason, Site
from tvec.domain.status import RecordStatus

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Cm = Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]
Ml = Annotated[Decimal, Field(gt=0, le=10, max_digits=5, decimal_places=2)]
# a correction may mark a record entered in error, or active again
StatusText = Annotated[str, Field(pattern=f"^({'|'.join(RecordStatus)})$")]
Version = Annotated[
    int, Field(ge=1, le=2**31 - 1, description="The version you read; a stale one gets 409.")
]
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns on every supported database
RecordId = Annotated[int, Field(ge=1, le=MAX_ID, description="A record id")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Stage(StrEnum):
    IIIB = "IIIB"
    IIIC = "IIIC"
    IVM1A = "IVM1a"
    IVM1B = "IVM1b"
    IVM1C = "IVM1c"


class Method(StrEnum):
    CALIPER = "caliper"
    RULER = "ruler"
    ULTRASOUND = "ultrasound"
    PHOTO = "photo"


# ---- requests -------------------------------------------------------------------------------


class PatientIn(Strict):
    mrn: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    birth_date: date
    sex: Sex


class PatientCorrection(Strict):
    version: Version
    reason: Reason
    mrn: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None
    birth_date: date | None = None
    sex: Sex | None = None


class DiagnosisIn(Strict):
    stage: Stage
    recurrent_after_surgery: bool
    unresectable: bool
    diagnosed_on: date
    version: Version | None = Field(
        default=None, description="Required when correcting a diagnosis."
    )
    reason: Reason | None = Field(default=None, description="Required when correcting a diagnosis.")


class ScreeningIn(Strict):
    screened_on: date
    immunocompromised: bool
    pregnant: bool
    answered_by: Text


class LesionIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    site: Site
    location: Text
    first_seen: date
    injectable: bool = True
    cluster: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None


class LesionCorrection(Strict):
    version: Version
    reason: Reason
    location: Text | None = None
    injectable: bool | None = None
    cluster: str | None = None
    status: StatusText | None = None


class MeasurementItem(Strict):
    lesion_id: RecordId
    longest_cm: Cm
    perpendicular_cm: Cm


class MeasurementsIn(Strict):
    measured_on: date
    method: Method
    items: Annotated[list[MeasurementItem], Field(min_length=1, max_length=100)]


class MeasurementCorrection(Strict):
    version: Version
    reason: Reason
    longest_cm: Cm | None = None
    perpendicular_cm: Cm | None = None
    status: StatusText | None = None


class CourseIn(Strict):
    label_variant: Annotated[str, Field(pattern="^(us|eu)$")] = "us"
    start_date: date


class CourseEnd(Strict):
    version: Version
    end_date: date
    end_reason: CourseEndReason


class PlanIn(Strict):
    reinitiation: bool = Field(False, description="A restart after a complete response.")


class AdministrationItem(Strict):
    target: Annotated[
        str, Field(min_length=1, max_length=40, description="Lesion or cluster id in the plan.")
    ]
    volume_ml: Ml
    vial_lot: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class AdministrationIn(Strict):
    version: Version
    administered_at: datetime
    items: Annotated[list[AdministrationItem], Field(min_length=1, max_length=50)]
    override_reason: Reason | None = Field(
        default=None, description="An oncologist's reason for a dose earlier than its interval."
    )


class VialLotIn(Strict):
    lot: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    pfu_per_ml: Annotated[int, Field(description="10^6 or 10^8 (the label's strengths).")]
    expiry_date: date


class AdverseEventIn(Strict):
    term: Text
    grade: Annotated[int, Field(ge=1, le=5, description="CTCAE grade 1-5")]
    serious: bool
    related: bool
    onset: date
    resolved_on: date | None = None
    action_taken: Text
    course_id: RecordId | None = None


class AdverseEventUpdate(Strict):
    version: Version
    reason: Reason
    grade: Annotated[int, Field(ge=1, le=5)] | None = None
    serious: bool | None = None
    related: bool | None = None
    resolved_on: date | None = None
    action_taken: Text | None = None
    status: StatusText | None = None


class UserIn(Strict):
    username: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=3, max_length=80, pattern=r"^[a-z0-9._-]+$"
        ),
    ]
    full_name: Text
    role: Role
    password: Annotated[str, StringConstraints(min_length=10, max_length=200)]


class LoginIn(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


# ---- responses ------------------------------------------------------------------------------

T = TypeVar("T")
Day = date  # for models whose field is itself called `date`


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class PatientOut(Out):
    id: int
    mrn: str
    birth_date: date
    sex: str
    version: int


class DiagnosisOut(Out):
    id: int
    patient_id: int
    stage: str
    recurrent_after_surgery: bool
    unresectable: bool
    diagnosed_on: date
    version: int


class ScreeningOut(Out):
    id: int
    patient_id: int
    screened_on: date
    immunocompromised: bool
    pregnant: bool
    answered_by: str
    recorded_by: int
    recorded_at: datetime


class LesionOut(Out):
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


class MeasurementOut(Out):
    id: int
    lesion_id: int
    measured_on: date
    longest_cm: Decimal
    perpendicular_cm: Decimal
    method: str
    status: str
    version: int


class CourseOut(Out):
    id: int
    patient_id: int
    label_variant: str
    start_date: date
    end_date: date | None
    end_reason: str | None
    version: int


class VisitOut(Out):
    id: int
    course_id: int
    number: int
    kind: str
    earliest_date: date
    status: str
    plan: dict[str, Any]
    planned_on: date
    administered_on: date | None
    override_reason: str | None
    version: int

    @field_validator("plan", mode="before")
    @classmethod
    def plan_as_stored(cls, plan: Any) -> Any:
        """A visit's typed dose plan as the JSON it was stored and shown as."""
        return plan_to_json(plan) if isinstance(plan, DosePlan) else plan


class AdministrationOut(Out):
    id: int
    visit_id: int
    target: str
    lesion_id: int | None
    volume_ml: Decimal
    pfu_per_ml: int
    vial_lot_id: int
    administered_by: int
    administered_at: datetime


class AdministrationRecordOut(BaseModel):
    visit: VisitOut
    administrations: list[AdministrationOut]


class VialLotOut(Out):
    id: int
    lot: str
    pfu_per_ml: int
    expiry_date: date


class AdverseEventOut(Out):
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


class UserOut(Out):
    id: int
    username: str
    full_name: str
    role: str
    active: bool


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


class AuditOut(Out):
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


class BillingLineOut(BaseModel):
    visit_id: int
    patient_id: int
    mrn: str
    service_date: date
    hcpcs: str
    units: Decimal
    modifier: str | None
    what: str
    ndc: str


class DeidentifiedPatientOut(BaseModel):
    pseudonym: str
    sex: str
    age_at_start: int | None
    stage: str | None
    label_variant: str | None
    doses: int
    best_overall_response: str | None
    durable_response: str | None
    time_to_response_days: int | None
    serious_adverse_events: int


class CalendarVisitOut(Out):
    number: int
    kind: str
    date: Day
    earliest: Day
    concentration_pfu_per_ml: int
    status: str
    override_reason: str | None


class AssessmentOut(Out):
    date: Day
    day: int
    spd_cm2: Decimal
    change_from_baseline_pct: Decimal | None
    change_from_nadir_pct: Decimal | None
    category: str | None
    new_lesion_ids: list[str]
    confirmed: bool
    counted: bool


class LesionGroupOut(Out):
    group: str
    lesions: int
    shrank_at_least_pct: Decimal
    shrank_count: int
    shrank_share: Decimal | None
    resolved_count: int
    resolved_share: Decimal | None


class ResponseOut(Out):
    criteria: str
    start: date
    baseline_date: date
    baseline_spd_cm2: Decimal
    assessments: list[AssessmentOut]
    best_overall_response: str
    time_to_response_days: int | None
    duration_of_response_days: int | None
    response_ongoing: bool | None
    durable_response: str
    lesion_summary: list[LesionGroupOut]


class ErrorOut(BaseModel):
    detail: str = Field(description="One line naming the field and the rule broken.")
    code: str
    field: str | None = None


class HealthOut(BaseModel):
    status: str
    database: str
