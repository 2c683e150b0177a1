"""I/O shapes of the safety programme: training records, attestations, requirement status."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from tvec.schemas.clinic import MAX_ID, Line40, Strict


class TrainingIn(Strict):
    user_id: int = Field(ge=1, le=MAX_ID, description="The staff member who completed it.")
    course: Line40 = Field(description="The programme's training code (`tvec rules`).")
    completed_on: date
    expires_on: date | None = Field(
        default=None, description="Required: a record without an expiry date is refused."
    )


class TrainingOut(BaseModel):
    id: int
    user_id: int
    user_name: str
    course: str
    course_title: str
    completed_on: date
    expires_on: date
    recorded_by: int
    recorded_at: datetime
    current: bool
    expiring_soon: bool


class AttestationIn(Strict):
    cleared: bool = Field(
        description="True: I am not pregnant and not immunocompromised, so I may prepare and "
        "give IMLYGIC. False: I may not."
    )


class AttestationOut(BaseModel):
    user_id: int
    cleared: bool | None  # None: never attested
    attested_on: date | None
    due_on: date | None  # a new attestation is due on this day
    current: bool  # cleared and not yet due
    statement: str
    source: str
    renewal: str  # how often, and why


class RequirementOut(BaseModel):
    id: str
    subject: str
    needs: str
    applies: str
    enforcement: str
    status: str  # met, missing, not applicable
    who_acts: str
    to_do: str
    source: str
    tvec_rule: bool


class ProgrammeStatusOut(BaseModel):
    region: str
    title: str
    blocks: bool
    requirements: list[RequirementOut]
