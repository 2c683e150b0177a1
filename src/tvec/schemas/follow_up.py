"""Request and response shapes of follow-up: death, last known alive, baseline ECOG and prior
systemic therapies. Codes (cause of death, therapy category) are checked against the knowledge
data by the domain (`tvec rules` lists them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from tvec.schemas.clinic import IsoDate, Line40, Out, Reason, StatusText, Strict, Text, Version

Code = Annotated[Line40, Field(description="A code from `tvec rules` (follow-up section).")]
Ecog = Annotated[int, Field(ge=0, le=4, description="ECOG performance status 0-4 (Oken 1982).")]
LineOfTherapy = Annotated[
    int, Field(ge=1, le=20, description="Line of systemic therapy for advanced disease, 1 or more.")
]


class FollowUpIn(Strict):
    """The whole follow-up record: a field left out is not recorded (or no longer recorded)."""

    died_on: IsoDate | None = None
    death_cause: Code | None = Field(
        default=None, description="melanoma, treatment-related, other or unknown."
    )
    last_known_alive_on: IsoDate | None = None
    ecog: Ecog | None = None
    ecog_assessed_on: IsoDate | None = None
    version: Version | None = Field(
        default=None, description="Required when a follow-up record is on file."
    )
    reason: Reason | None = Field(
        default=None,
        description="Required when a recorded death, ECOG status or its date is changed or "
        "removed, or the last known alive date is moved earlier (a correction).",
    )


class FollowUpOut(Out):
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


class PriorTherapyIn(Strict):
    category: Code = Field(
        description="anti-pd-1, anti-ctla-4, braf-mek, chemotherapy, cytokine or other."
    )
    agent: Text | None = Field(default=None, description="The drug(s), as written in the chart.")
    line: LineOfTherapy
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None


class PriorTherapyCorrection(Strict):
    version: Version
    reason: Reason
    category: Code | None = None
    agent: Text | None = None
    line: LineOfTherapy | None = None
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None
    status: StatusText | None = Field(
        default=None, description="entered-in-error removes it from every count; active restores."
    )


class PriorTherapyOut(Out):
    id: int
    patient_id: int
    category: str
    agent: str | None
    line: int
    started_on: date | None
    ended_on: date | None
    status: str
    recorded_by: int
    recorded_at: datetime
    version: int
