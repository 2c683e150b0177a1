"""Request and response shapes of the clinic records, shared by the API, the web app and services.

They check form (types, ranges, known codes). Clinical rules are checked once, in the domain.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from tvec.domain.adverse_event import Criterion, Relatedness
from tvec.domain.dose_plan import DosePlan
from tvec.domain.percent import shown_pct, shown_share
from tvec.domain.plan_json import plan_to_json
from tvec.domain.roles import Role
from tvec.domain.rules import CourseEndReason, DistantSite, Site
from tvec.domain.status import RecordStatus

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, newlines kept
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def one_line(value: str) -> str:
    """Text of one line: no control characters (NUL, tab, line breaks, escape, ...)."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters (such as NUL, tab or line breaks)")
    return value


_CONTROL_BUT_GS = re.compile(r"[\x00-\x1c\x1e\x1f\x7f]")  # GS (\x1d) kept: a GS1 scan's


def scanned_text(value: str) -> str:
    """A scanner's text: the GS1 group separator allowed, other control characters not."""
    if _CONTROL_BUT_GS.search(value.strip()):
        raise ValueError("must not contain control characters (such as NUL)")
    return value


def free_text(value: str) -> str:
    """Free text: tabs and line breaks allowed, other control characters (NUL, ...) not."""
    if _CONTROL_BUT_LAYOUT.search(value):
        raise ValueError("must not contain control characters (such as NUL)")
    return value


def _calendar_day(value: Any) -> Any:
    """A date is written YYYY-MM-DD: a number (0, a timestamp) is not taken for one."""
    if isinstance(value, bool | int | float | Decimal):
        raise ValueError("must be a valid date written YYYY-MM-DD, not a number")
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value.strip()):
        raise ValueError("must be a valid date written YYYY-MM-DD")
    return value


def _not_a_number(value: Any) -> Any:
    if isinstance(value, bool | int | float | Decimal):
        raise ValueError("must be a date and time (ISO 8601), not a number")
    return value


# Every text a request carries is one of these: one line without control characters (names,
# codes, terms, filters), or free text (reasons) without control characters but tab and newline.
Line = Annotated[str, AfterValidator(one_line)]
Line40 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    AfterValidator(one_line),
]
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(one_line),
]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=2000),
    AfterValidator(free_text),
]
# A date in a request: YYYY-MM-DD only (no numbers); its plausible window is checked by the
# services against the settings (tvec.services.plausible).
IsoDate = Annotated[date, BeforeValidator(_calendar_day)]
Instant = Annotated[datetime, BeforeValidator(_not_a_number)]
Cm = Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]
# a lesion's name or a cluster id: what a nurse writes on the chart, and an administration target
LesionName = Line40
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


# A person's name as the clinic writes it: one line, 1-100 characters, spaces at the ends dropped.
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(one_line),
]
# An optional name or note in a request: "" (or spaces) means none and is stored as null.
OptionalName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(one_line)
]
Allergies = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(free_text)
]


class PatientIn(Strict):
    mrn: Line40 = Field(title="MRN")
    given_name: PersonName = Field(title="Given name")
    family_name: PersonName = Field(title="Family name")
    preferred_name: OptionalName | None = Field(
        default=None, title="Preferred name", description="The name the patient goes by, if any."
    )
    birth_date: IsoDate = Field(title="Date of birth")
    sex: Sex = Field(title="Sex")
    allergies: Allergies | None = Field(
        default=None,
        title="Allergies",
        description="Known allergies, free text; shown as a red alert on every patient screen. "
        "Absent or empty: none recorded.",
    )


class PatientCorrection(Strict):
    version: Version
    reason: Reason
    mrn: Line40 | None = Field(default=None, title="MRN")
    given_name: PersonName | None = Field(default=None, title="Given name")
    family_name: PersonName | None = Field(default=None, title="Family name")
    preferred_name: OptionalName | None = Field(
        default=None, title="Preferred name", description="An empty text removes it."
    )
    birth_date: IsoDate | None = Field(default=None, title="Date of birth")
    sex: Sex | None = Field(default=None, title="Sex")
    allergies: Allergies | None = Field(
        default=None, title="Allergies", description="An empty text removes them."
    )


class DiagnosisIn(Strict):
    stage: Stage
    recurrent_after_surgery: bool
    unresectable: bool
    diagnosed_on: IsoDate
    distant_sites: list[DistantSite] | None = Field(
        default=None,
        description="Sites of bone, brain, lung or other visceral disease ([] when there is "
        "none); absent or null: not recorded. The EU indication excludes such disease.",
    )
    version: Version | None = Field(
        default=None, description="Required when correcting a diagnosis."
    )
    reason: Reason | None = Field(default=None, description="Required when correcting a diagnosis.")


ItemCode = Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(one_line)]


class ScreeningIn(Strict):
    screened_on: IsoDate
    answers: Annotated[dict[ItemCode, bool], Field(max_length=40)] = Field(
        description="Each item of the label's contraindication list (see `tvec rules`) answered "
        "yes (true) or no (false): immunodeficiency, leukaemia, lymphoma, hiv-aids, "
        "immunosuppressive-therapy, pregnancy."
    )
    answered_by: Text
    correction_reason: Reason | None = Field(
        default=None,
        description="Required when an answer differs from a screening of the same day.",
    )


class LesionIn(Strict):
    name: LesionName
    site: Site
    location: Text
    first_seen: IsoDate
    injectable: bool = True
    cluster: LesionName | None = None


class LesionCorrection(Strict):
    version: Version
    reason: Reason
    location: Text | None = None
    injectable: bool | None = None
    cluster: LesionName | None = None
    status: StatusText | None = None


class MeasurementItem(Strict):
    lesion_id: RecordId
    longest_cm: Cm
    perpendicular_cm: Cm


class MeasurementsIn(Strict):
    measured_on: IsoDate
    method: Method
    items: Annotated[list[MeasurementItem], Field(min_length=1, max_length=100)]


class MeasurementCorrection(Strict):
    version: Version
    reason: Reason
    longest_cm: Cm | None = None
    perpendicular_cm: Cm | None = None
    status: StatusText | None = None


class NewLesionMeasured(Strict):
    """A lesion first seen at this visit, with its sizes (first seen: the visit's date)."""

    name: LesionName
    site: Site
    location: Text
    injectable: bool = True
    cluster: LesionName | None = None
    longest_cm: Cm
    perpendicular_cm: Cm


class VisitMeasurementsIn(Strict):
    """The measure step of a visit: the sizes of lesions on file and the new lesions, saved
    together or not at all (`services.lesions.record_visit_measurements`)."""

    measured_on: IsoDate
    method: Method
    items: Annotated[list[MeasurementItem], Field(max_length=100)] = []
    new_lesions: Annotated[list[NewLesionMeasured], Field(max_length=50)] = []


class CourseIn(Strict):
    label_variant: Annotated[str, Field(pattern="^(us|eu)$")] = "us"
    start_date: IsoDate
    off_label_reason: Reason | None = Field(
        default=None,
        description="An oncologist's reason to treat a patient outside the label's indication.",
    )
    reinitiation: bool = Field(
        False,
        description="Re-initiate treatment (oncologist only): every visit at 10^8 PFU/mL every "
        "14 days, new lesions first; needs the earlier course's complete response.",
    )


class CourseEnd(Strict):
    version: Version
    end_date: IsoDate
    end_reason: CourseEndReason


class PlanIn(Strict):
    reinitiation: bool = Field(
        False,
        description="Mark this visit as a restart after a complete response: from the third "
        "visit of a course on, never the second (every visit of a re-initiation course is one).",
    )
    stale_reason: Reason | None = Field(
        default=None,
        description="Required when an active injectable lesion was not measured today (the "
        "centre's today): the nurse's reason, of at least 3 words, to plan from older "
        "measurements; kept with the visit. Without it such a plan is refused with code "
        "`stale-measurements` (tvec's rule; the label does not say how recent sizes must be).",
    )


ScannedText = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(scanned_text)
]


class AdministrationItem(Strict):
    target: Annotated[
        Line, Field(min_length=1, max_length=40, description="Lesion or cluster id in the plan.")
    ]
    volume_ml: Ml
    vial_lot: Line40
    vial_id: RecordId | None = Field(
        default=None,
        description="The thawed vial the dose was drawn from (scanned or picked), when known: "
        "its draw, the dose given and the leftover discarded are recorded against it.",
    )
    vial_serial: ScannedText | None = Field(
        default=None,
        description="Instead of `vial_id`: the vial's serial number as typed, or the carton's "
        "GS1 DataMatrix text as the scanner gives it; it names the centre's thawed vial of that "
        "serial. Give `vial_id` or `vial_serial`, not both.",
    )


class SecondCheckIn(Strict):
    """A second staff member's check of a dose: their own username and password (never kept)."""

    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


SecondCheck = Annotated[
    SecondCheckIn | None,
    Field(
        description="A second nurse, oncologist or pharmacist of the centre, not the person "
        "recording: required when the centre requires a second check of every dose."
    ),
]


class AdministrationIn(Strict):
    version: Version
    administered_at: Instant
    items: Annotated[list[AdministrationItem], Field(min_length=1, max_length=50)]
    override_reason: Reason | None = Field(
        default=None, description="An oncologist's reason for a dose earlier than its interval."
    )
    second_check: SecondCheck = None
    leftover_reason: Annotated[
        str,
        Field(
            pattern="^(unused|expired|excursion|breakage|contamination)$",
            description="Why what is left of each vial named in `items` is discarded.",
        ),
    ] = "unused"


class AdministrationCorrectionIn(Strict):
    """A corrected version of one recorded dose (same lesion and day), with the reason."""

    reason: Reason
    volume_ml: Ml
    vial_lot: Line40
    administered_at: Instant
    second_check: SecondCheck = None


class VialLotIn(Strict):
    lot: Line40
    pfu_per_ml: Annotated[int, Field(description="10^6 or 10^8 (the label's strengths).")]
    expiry_date: IsoDate


def _related_answer(value: Any) -> Any:
    """Related to IMLYGIC: "yes", "no" or "unknown"; true/false (the earlier API) mean yes/no."""
    if isinstance(value, bool):
        return Relatedness.YES if value else Relatedness.NO
    return value


RelatedAnswer = Annotated[
    Relatedness,
    BeforeValidator(_related_answer),
    Field(description='Related to IMLYGIC: "yes", "no" or "unknown" (true/false: yes/no).'),
]
Criteria = Annotated[
    list[Criterion],
    Field(
        max_length=6,
        description="ICH E2A seriousness criteria met (grade 5 adds results-in-death).",
    ),
]


class AdverseEventIn(Strict):
    term: Annotated[Line, Field(description='A CTCAE v5.0 term, or "other" with other_specify')]
    other_specify: Text | None = None
    grade: Annotated[int, Field(ge=1, le=5, description="CTCAE grade 1-5")]
    related: RelatedAnswer | None = None  # required: None is refused naming `related`
    criteria: Criteria = []
    serious: bool | None = Field(
        default=None,
        description="Optional: derived from the grade and the criteria; when given it must "
        "agree with them.",
    )
    suspected_herpetic: bool = False
    onset: IsoDate
    aware_on: IsoDate | None = Field(
        default=None, description="The day the centre learnt of the event (default: today)."
    )
    resolved_on: IsoDate | None = None
    action_taken: Text
    course_id: RecordId | None = None
    visit_id: RecordId | None = None
    vial_lot_id: RecordId | None = Field(
        default=None, description="The lot suspected, when related is yes or unknown."
    )
    hold_next_dose: bool = Field(
        default=False,
        description="Hold the course's next dose: puts the open course on hold, linked to this "
        "event, until an oncologist releases it (or until `hold_until`).",
    )
    hold_until: IsoDate | None = Field(
        default=None, description="With `hold_next_dose`: the last day held (inclusive)."
    )


class AdverseEventUpdate(Strict):
    """A new version of the event: only the fields given change; the reason is kept."""

    version: Version
    reason: Reason
    grade: Annotated[int, Field(ge=1, le=5)] | None = None
    related: RelatedAnswer | None = None
    criteria: Criteria | None = None
    serious: bool | None = None
    suspected_herpetic: bool | None = None
    resolved_on: IsoDate | None = None
    action_taken: Text | None = None
    visit_id: RecordId | None = None
    vial_lot_id: RecordId | None = None
    status: StatusText | None = None


class SafetyReportSubmit(Strict):
    """A report made: the day it was sent (who and when are recorded from the session)."""

    version: Version
    submitted_on: IsoDate


NewPassword = Annotated[str, StringConstraints(max_length=200)]


class UserIn(Strict):
    username: Annotated[
        Line,
        StringConstraints(
            strip_whitespace=True, min_length=3, max_length=80, pattern=r"^[a-z0-9._-]+$"
        ),
    ]
    full_name: Text
    role: Role
    # the rules (length, not blank, not the username, not common): tvec.domain.passwords
    password: NewPassword


class ResetPasswordIn(Strict):
    """A temporary password that its owner must change at the next login."""

    password: NewPassword


class ChangePasswordIn(Strict):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new_password: NewPassword


class LoginIn(Strict):
    username: Annotated[Line, StringConstraints(min_length=1, max_length=80)]
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
    given_name: str = Field(description='"" for a patient registered before names were recorded')
    family_name: str = Field(description='"" for a patient registered before names were recorded')
    preferred_name: str | None
    birth_date: date
    sex: str
    allergies: str | None
    version: int


class DiagnosisOut(Out):
    id: int
    patient_id: int
    stage: str
    recurrent_after_surgery: bool
    unresectable: bool
    diagnosed_on: date
    distant_sites: list[str] | None = None
    version: int


class ScreeningOut(Out):
    id: int
    patient_id: int
    screened_on: date
    immunocompromised: bool
    pregnant: bool
    answers: dict[str, bool] | None = Field(
        default=None, description="Item by item; null on screenings recorded before."
    )
    answered_by: str
    recorded_by: int
    recorded_at: datetime
    correction_reason: str | None = None


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
    off_label_reason: str | None = None
    reinitiation: bool = False
    reinitiation_after: date | None = None
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
    measured_on: date | None = Field(
        default=None, description="The oldest date of the measurements the plan used."
    )
    measurement_dates: dict[str, date] | None = Field(
        default=None, description="Each planned lesion's measurement date the plan used."
    )
    stale_reason: str | None = Field(
        default=None, description="Why the plan used measurements not from its day."
    )

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
    checked_by: int | None = None
    revision: int = 1
    status: str = "active"
    supersedes_id: int | None = None
    correction_reason: str | None = None
    corrected_by: int | None = None
    corrected_at: datetime | None = None
    vial_id: int | None = None


class CentreSettingsIn(Strict):
    time_zone: Annotated[
        str,
        StringConstraints(min_length=1, max_length=64),
        Field(description='An IANA time zone name, e.g. "America/New_York".'),
    ]
    require_second_check: bool


class CentreSettingsOut(Out):
    id: int
    name: str
    time_zone: str
    require_second_check: bool


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
    other_specify: str | None
    grade: int
    serious: bool
    related: str | None  # "yes" / "no" / "unknown"; null: not answered yet
    criteria: list[str]
    expected: bool
    suspected_herpetic: bool
    onset: date
    aware_on: date | None
    resolved_on: date | None
    action_taken: str
    visit_id: int | None
    vial_lot_id: int | None
    status: str
    version: int

    @field_validator("criteria", mode="before")
    @classmethod
    def _sorted(cls, value: Any) -> Any:
        return sorted(str(c) for c in value)


class SafetyReportOut(Out):
    id: int
    adverse_event_id: int
    kind: str  # expedited-7-day, expedited-15-day, follow-up, manufacturer-herpetic
    due_on: date | None  # null: no deadline (report promptly)
    submitted_on: date | None
    submitted_by: int | None
    submitted_at: datetime | None
    withdrawn_reason: str | None
    version: int


class OpenReportOut(Out):
    report_id: int
    version: int
    patient_id: int
    event_id: int
    term: str
    grade: int
    kind: str
    what: str
    due_on: date | None
    days_left: int | None
    urgent: bool
    source: str


class UserOut(Out):
    id: int
    username: str
    full_name: str
    role: str
    active: bool
    must_change_password: bool


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut
    # true after an admin reset the password: the token may only change it (or log out)
    password_change_required: bool = False


class SessionsEndedOut(BaseModel):
    sessions_ended: int


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


class AuditEntryOut(Out):
    """An entry of the centre's audit log as its admin sees it: who, when, which record, what
    and why, without the record's values (those who may read the record see them in its
    history)."""

    id: int
    at: datetime
    user_id: int | None
    action: str
    entity: str
    entity_id: int
    entity_version: int | None
    reason: str | None
    seq: int


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


def _shown_pct(value: object) -> object:
    return shown_pct(value) if isinstance(value, Decimal | float) else value


def _shown_share(value: object) -> object:
    return shown_share(value) if isinstance(value, Decimal | float) else value


# A percent change as a JSON number: one decimal, rounded towards zero so that it never reads
# across a response threshold (tvec.domain.percent); a share: three decimals, to the nearest.
ShownPct = Annotated[
    float,
    BeforeValidator(_shown_pct),
    Field(
        description="Percent change, one decimal place, rounded towards zero so that it never "
        "reads across a threshold (-49.96 is -49.9, not -50.0)."
    ),
]
ShownShare = Annotated[
    float,
    BeforeValidator(_shown_share),
    Field(description="Share of the group, 0 to 1, three decimal places (rounded to nearest)."),
]


class AssessmentOut(Out):
    date: Day
    day: int
    spd_cm2: Decimal
    change_from_baseline_pct: ShownPct | None
    change_from_nadir_pct: ShownPct | None
    category: str | None
    label: str = Field(
        description='What the screens show, e.g. "PR (unconfirmed, confirm on or after '
        '2026-03-02)" or "PR (confirmed onset)".'
    )
    new_lesion_ids: list[str]
    confirmed: bool
    counted: bool
    confirmation: str | None = Field(
        description="A counted CR/PR only: confirmed, pending or not-confirmed."
    )
    confirm_on_or_after: Day | None = Field(
        description="While pending: the assessment date plus the criteria's confirmation interval."
    )


class LesionGroupOut(Out):
    group: str
    lesions: int
    shrank_at_least_pct: float = Field(description="The criteria's lesion-level threshold, %.")
    shrank_count: int
    shrank_share: ShownShare | None
    resolved_count: int
    resolved_share: ShownShare | None


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
