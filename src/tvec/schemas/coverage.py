"""A patient's coverage facts as JSON (`tvec coverage check FILE`, `POST /coverage/check`).

Strict: a field the facts do not have is refused, a value of the wrong type is refused (not
converted), numbers are read exactly and a key given twice is refused; each refusal is one line
naming the field. A fact left out or given as `null` is "not known": the evaluation asks for it.

    {"service_date": "2026-12-06", "review_type": "standard", "reauthorization": false,
     "diagnosis": {"cancer": "melanoma", "stage": "IIIC", "unresectable": true,
                   "recurrent_after_surgery": true},
     "lesions": [{"id": "L1", "site": "cutaneous", "longest_cm": 2.1, "injectable": true}],
     "prescriber_specialty": "oncology", "prior_therapies": ["pembrolizumab"],
     "documents": ["office-notes", "history", "physical-exam"],
     "response": {"best_response": "PR", "confirmed_responses": 1, "new_lesions": [],
                  "spd_trend": [{"date": "2026-06-01", "spd_cm2": 10.0, "category": null}],
                  "adverse_events": [{"term": "fatigue", "grade": 1, "serious": false,
                                      "onset": "2026-06-02"}]}}
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
)

from tvec.domain.coverage import (
    CoverageDecision,
    CoverageFacts,
    DiagnosisFacts,
    LesionFacts,
    ReviewType,
)
from tvec.domain.errors import InvalidInput
from tvec.domain.reauthorization import AdverseEventFact, ResponseEvidence, SpdPoint
from tvec.domain.reauthorization_draft import ReauthorizationDraft
from tvec.domain.response import Category
from tvec.schemas.dose_plan import read_json
from tvec.schemas.refusals import rule_of

WHERE = "Coverage facts"
Word = Annotated[
    str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=80)
]


def _iso_date(value: Any) -> Any:
    """A date written YYYY-MM-DD in JSON (a `date` given by Python code is taken as it is)."""
    if type(value) is date:
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date written YYYY-MM-DD") from None


def _exact(value: Any) -> Any:
    return Decimal(value) if type(value) is int else value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Cm = Annotated[
    Decimal, Strict(), BeforeValidator(_exact), Field(ge=0, le=100, max_digits=6, decimal_places=2)
]
Cm2 = Annotated[Decimal, Strict(), BeforeValidator(_exact), Field(ge=0, le=100_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiagnosisIn(_In):
    cancer: Word | None = None
    stage: Word | None = None
    unresectable: StrictBool | None = None
    recurrent_after_surgery: StrictBool | None = None


class LesionIn(_In):
    id: Word
    site: Word
    longest_cm: Cm | None = None
    injectable: StrictBool


class SpdPointIn(_In):
    date: IsoDate
    spd_cm2: Cm2
    category: Category | None  # null at baseline


class AdverseEventIn(_In):
    term: Word
    grade: Annotated[StrictInt, Field(ge=1, le=5)]
    serious: StrictBool
    onset: IsoDate


class ResponseIn(_In):
    best_response: Category
    spd_trend: list[SpdPointIn]
    confirmed_responses: Annotated[StrictInt, Field(ge=0)]
    new_lesions: list[Word]
    adverse_events: list[AdverseEventIn]


class CoverageFactsIn(_In):
    service_date: IsoDate
    review_type: ReviewType = ReviewType.STANDARD
    reauthorization: StrictBool = False
    diagnosis: DiagnosisIn = DiagnosisIn()
    lesions: list[LesionIn] | None = None
    prescriber_specialty: Word | None = None
    prior_therapies: list[Word] | None = None
    documents: list[Word] = []
    response: ResponseIn | None = None

    def to_domain(self) -> CoverageFacts:
        d = self.diagnosis
        return CoverageFacts(
            service_date=self.service_date,
            review_type=self.review_type,
            reauthorization=self.reauthorization,
            diagnosis=DiagnosisFacts(d.cancer, d.stage, d.unresectable, d.recurrent_after_surgery),
            lesions=None
            if self.lesions is None
            else tuple(LesionFacts(x.id, x.site, x.longest_cm, x.injectable) for x in self.lesions),
            prescriber_specialty=self.prescriber_specialty,
            prior_therapies=None if self.prior_therapies is None else tuple(self.prior_therapies),
            documents=tuple(self.documents),
            response=None if self.response is None else _evidence(self.response),
        )


def _evidence(r: ResponseIn) -> ResponseEvidence:
    return ResponseEvidence(
        best_response=r.best_response,
        spd_trend=tuple(SpdPoint(p.date, p.spd_cm2, p.category) for p in r.spd_trend),
        confirmed_responses=r.confirmed_responses,
        new_lesions=tuple(r.new_lesions),
        adverse_events=tuple(
            AdverseEventFact(a.term, a.grade, a.serious, a.onset) for a in r.adverse_events
        ),
    )


def parse_coverage_facts(text: str) -> CoverageFacts:
    """JSON text → the facts; the first fault is one `InvalidInput` naming the field."""
    return facts_from(read_json(text))


def facts_from(raw: Any) -> CoverageFacts:
    try:
        return CoverageFactsIn.model_validate(raw).to_domain()
    except ValidationError as exc:
        raise refusal(WHERE, exc) from None


def refusal(where: str, exc: ValidationError) -> InvalidInput:
    """The first fault of a validation, naming the field as the JSON names it."""
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or "(top level)"
    rule = rule_of(error)
    if error["type"] == "value_error":
        rule = str(error["msg"]).removeprefix("Value error, ")
    return InvalidInput(where, field, rule, label=field)


class CriterionOut(BaseModel):
    id: str
    text: str
    reads: str = Field(description="The chart fact the criterion reads")
    met: bool | None = Field(description="true met, false not met, null not known (ask for it)")
    reason: str
    source: str = Field(description="Where in the policy the criterion is written")


class DocumentOut(BaseModel):
    id: str
    text: str
    source: str


class AuthorizationOut(BaseModel):
    review_type: ReviewType
    initial_months: int
    reauthorization_months: int
    months: int = Field(description="What this request may be approved for")
    source: str


class DraftOut(BaseModel):
    supports_continuation: bool | None
    continued_response_met: bool | None
    conclusion: str
    text: str


class CoverageDecisionOut(BaseModel):
    policy: str
    policy_version: str
    policy_title: str
    example_policy: bool
    service_date: date
    reauthorization: bool
    decision: str = Field(description="meets, does-not-meet or needs-documentation")
    criteria: list[CriterionOut]
    missing_documents: list[str] = Field(description="Ids of the documents still to attach")
    missing_document_details: list[DocumentOut]
    authorization: AuthorizationOut
    reauthorization_draft: DraftOut | None = None

    @classmethod
    def of(
        cls, d: CoverageDecision, draft: ReauthorizationDraft | None = None
    ) -> CoverageDecisionOut:
        a = d.authorization
        return cls(
            policy=d.policy_id,
            policy_version=d.policy_version,
            policy_title=d.policy_title,
            example_policy=d.example,
            service_date=d.service_date,
            reauthorization=d.reauthorization,
            decision=d.decision.value,
            criteria=[CriterionOut(**vars(c)) for c in d.criteria],
            missing_documents=[doc.id for doc in d.missing_documents],
            missing_document_details=[
                DocumentOut(id=doc.id, text=doc.text, source=doc.source)
                for doc in d.missing_documents
            ],
            authorization=AuthorizationOut(
                review_type=a.review_type,
                initial_months=a.initial_months,
                reauthorization_months=a.reauthorization_months,
                months=a.months,
                source=a.source,
            ),
            reauthorization_draft=None
            if draft is None
            else DraftOut(
                supports_continuation=draft.supports_continuation,
                continued_response_met=draft.continued_response_met,
                conclusion=draft.conclusion,
                text=draft.text,
            ),
        )


class CoverageAnswersIn(_In):
    """What the billing office answers for a course's coverage check: the facts the chart does not
    hold. A diagnosis fact here is used only while the chart has no diagnosis recorded."""

    review_type: ReviewType = ReviewType.STANDARD
    reauthorization: StrictBool = False
    service_date: IsoDate | None = None  # the date the request is for; None: today
    prescriber_specialty: Word | None = None
    prior_therapies: list[Word] | None = None
    documents: list[Word] = []
    cancer: Word | None = None
    stage: Word | None = None
    unresectable: StrictBool | None = None
    recurrent_after_surgery: StrictBool | None = None


class CoverageAnswersBody(CoverageAnswersIn):
    """The answers as the API receives them, with the version of the answers read (if any)."""

    version: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)] | None = None


def answers_from(raw: Any) -> CoverageAnswersIn:
    """Stored or typed answers; the first fault is one `InvalidInput` naming the field."""
    try:
        return CoverageAnswersIn.model_validate(raw)
    except ValidationError as exc:
        raise refusal("Coverage answers", exc) from None


class ChartLesionOut(BaseModel):
    name: str
    site: str
    location: str
    injectable: bool
    longest_cm: Decimal | None
    measured_on: date | None


class CourseCoverageOut(BaseModel):
    """A course checked against a payer policy: the chart's facts, the answers kept, what is
    still asked, and the decision (with the drafted request for a re-authorization)."""

    course_id: int
    patient_id: int
    diagnosis_from_chart: bool = Field(description="false: no diagnosis recorded, answers used")
    lesions: list[ChartLesionOut] = Field(description="Active lesions, latest size each")
    answers: CoverageAnswersIn
    answers_version: int | None = Field(description="null: nothing answered yet")
    questions: list[str] = Field(description="What is still not known, in the clinic's words")
    coverage: CoverageDecisionOut
