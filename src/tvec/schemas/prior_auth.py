"""Requests and answers of prior authorization (API bodies and web forms share them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class PriorAuthIn(BaseModel):
    """What the billing office adds to the chart's facts to request an authorization."""

    model_config = ConfigDict(extra="forbid")
    policy_id: Word
    service_date: date = Field(description="The first day of service the request asks for.")
    review_type: str = Field(
        default="standard",
        pattern="^(standard|non-formulary-exception)$",
        description="The payer's review: standard, or non-formulary exception.",
    )
    prescriber_specialty: Word | None = None
    prior_therapies: Annotated[list[Word], Field(max_length=20)] | None = None
    documents: Annotated[list[Word], Field(max_length=20)] = []


class AnswerIn(BaseModel):
    """A change of a request's status: the payer's pend / approve / deny, the clinic's resubmit
    (after a pend) or appeal (after a denial)."""

    model_config = ConfigDict(extra="forbid")
    status: str = Field(pattern="^(submitted|pended|approved|denied|appealed)$")
    version: int = Field(ge=1, le=2**31 - 1)
    note: Text | None = Field(
        default=None,
        description="Pended: what is asked for; denied: the reason; appealed: the grounds; "
        "submitted again: what was sent.",
    )
    authorization_number: Word | None = None
    window_start: date | None = None
    window_end: date | None = None
    units_authorized: Decimal | None = Field(default=None, ge=0, le=1_000_000, decimal_places=2)


class PriorAuthOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    course_id: int
    policy_id: str
    policy_version: str
    service_date: date
    review_type: str
    units_requested: Decimal
    status: str
    note: str | None = Field(description="What was asked, why denied, or the appeal's grounds")
    authorization_number: str | None
    window_start: date | None
    window_end: date | None
    units_authorized: Decimal | None
    decided_automatically: bool = Field(
        description="Approved on receipt because every criterion of the policy was met"
    )
    version: int


class UsageOut(BaseModel):
    authorization_number: str
    window_start: date
    window_end: date
    units_authorized: Decimal
    units_used: Decimal
    units_left: Decimal
    percent_used: int
    discarded_units_count: bool


class CourseAuthorizationsOut(BaseModel):
    requests: list[PriorAuthOut]
    usage: list[UsageOut]


class CriterionOut(BaseModel):
    id: str
    text: str
    met: bool | None
    reason: str
    source: str


class ReviewOut(BaseModel):
    request: PriorAuthOut
    clinic: str
    policy_title: str
    decision: str = Field(description="meets, does-not-meet or needs-documentation")
    criteria: list[CriterionOut]
    missing_documents: list[str]
    facts: dict[str, Any]
