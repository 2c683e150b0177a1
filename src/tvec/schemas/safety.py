"""Request and response shapes of the patient alert card, education and accidental exposures
(shared by the API and the web app). Codes (topics, exposure kinds, actions) are checked against
the knowledge data by the services, so a refusal names the field and lists the known codes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from tvec.schemas.clinic import Instant, Out, RecordId, Strict, Text, Version, free_text, one_line

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    AfterValidator(one_line),
]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(free_text)
]
Relation = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
    AfterValidator(one_line),
]


class CardSize(StrEnum):
    WALLET = "wallet"
    A4 = "a4"


class Recipient(StrEnum):
    PATIENT = "patient"
    CAREGIVER = "caregiver"


class Exposed(StrEnum):
    STAFF = "staff"
    CLOSE_CONTACT = "close-contact"


class AcknowledgementIn(Strict):
    version: Version
    acknowledged_at: Instant | None = Field(
        default=None, description="When the patient acknowledged the card; now when not given."
    )


class AlertCardOut(Out):
    id: int
    patient_id: int
    course_id: int
    first_dose_on: date
    issued_by: int
    issued_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    version: int


class EducationIn(Strict):
    recipient: Recipient
    caregiver_name: Text | None = Field(
        default=None, description="The caregiver's name (kept in this record only)."
    )
    caregiver_relation: Relation | None = Field(
        default=None, description='The caregiver\'s relation to the patient, e.g. "spouse".'
    )
    topics: list[Code] = Field(
        default_factory=list, description="Topic codes from the knowledge data (tvec rules)."
    )
    course_id: RecordId | None = None
    given_at: Instant | None = Field(default=None, description="When; now when not given.")
    note: Note | None = None


class EducationOut(Out):
    id: int
    patient_id: int
    course_id: int | None
    recipient: str
    caregiver_name: str | None
    caregiver_relation: str | None
    topics: list[str]
    given_by: int
    given_at: datetime
    note: str | None


class ExposureIn(Strict):
    exposed: Exposed
    staff_user_id: RecordId | None = Field(
        default=None, description="The exposed staff member (a user of the centre)."
    )
    contact_relation: Relation | None = Field(
        default=None,
        description='The close contact\'s relation to the patient (e.g. "spouse"); no name.',
    )
    patient_id: RecordId | None = Field(
        default=None, description="The patient whose product or injection site it was."
    )
    kind: Code = Field(description="needle-stick, splash-back or site-contact (tvec rules).")
    occurred_at: Instant
    actions: list[Code] = Field(default_factory=list, description="What was done (codes).")
    action_note: Note | None = None


class FollowUpCloseIn(Strict):
    version: Version
    outcome: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=3, max_length=2000),
        AfterValidator(free_text),
    ] = Field(description="What the follow-up found (e.g. no signs of herpetic infection).")


class ExposureOut(Out):
    id: int
    patient_id: int | None
    exposed: str
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


class CentreContactIn(Strict):
    contact_phone: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=3, max_length=40),
        AfterValidator(one_line),
    ]
    contact_address: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=3, max_length=500),
        AfterValidator(free_text),
    ]


class CentreContactOut(Out):
    id: int
    name: str
    contact_phone: str | None
    contact_address: str | None
