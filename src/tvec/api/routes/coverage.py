"""Coverage: a course checked against a payer policy (chart facts filled, the rest answered), the
office's answers kept with the course, the re-authorization draft, and a check of facts as JSON.

The evaluation is the one `tvec coverage check` runs (`tvec.domain.coverage`); an unknown policy,
bad facts or a policy not in effect on the service date answer 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from tvec.api.deps import Act, Id
from tvec.schemas.coverage import (
    ChartLesionOut,
    CourseCoverageOut,
    CoverageAnswersBody,
    CoverageAnswersIn,
    CoverageDecisionOut,
    parse_coverage_facts,
)
from tvec.services import coverage
from tvec.services.coverage import CourseCoverage

router = APIRouter(tags=["coverage"])

PolicyId = Annotated[
    str, Query(min_length=1, max_length=40, description="Payer policy id, e.g. 5.01.562")
]


def course_coverage_out(c: CourseCoverage) -> CourseCoverageOut:
    return CourseCoverageOut(
        course_id=c.course_id,
        patient_id=c.patient_id,
        diagnosis_from_chart=c.diagnosis_from_chart,
        lesions=[ChartLesionOut(**vars(x)) for x in c.lesions],
        answers=c.answers,
        answers_version=c.answers_version,
        questions=list(c.questions),
        coverage=CoverageDecisionOut.of(c.decision, c.draft),
    )


@router.get(
    "/courses/{course_id}/coverage",
    response_model=CourseCoverageOut,
    summary="Check the course against a payer policy (billing office, oncologist): the chart's "
    "facts, the answers kept, what is still asked, and the decision",
)
async def check_course(course_id: Id, policy: PolicyId, act: Act) -> CourseCoverageOut:
    return course_coverage_out(await act(coverage.evaluate_course, course_id, policy))


@router.put(
    "/courses/{course_id}/coverage/answers",
    response_model=CourseCoverageOut,
    summary="Keep the office's answers for the course and policy (audited; `version` is the one "
    "read, a stale one is 409), then check with them",
)
async def answer(
    course_id: Id, policy: PolicyId, body: CoverageAnswersBody, act: Act
) -> CourseCoverageOut:
    answers = CoverageAnswersIn.model_validate(body.model_dump(mode="json", exclude={"version"}))
    found = await act(coverage.record_answers, course_id, policy, answers, body.version)
    return course_coverage_out(found)


@router.get(
    "/courses/{course_id}/reauthorization",
    response_model=CourseCoverageOut,
    summary="Draft the re-authorization request from the course's response so far: continued "
    "positive clinical response met or not, with the evidence",
)
async def reauthorization(course_id: Id, policy: PolicyId, act: Act) -> CourseCoverageOut:
    return course_coverage_out(await act(coverage.reauthorization_draft, course_id, policy))


@router.post(
    "/coverage/check",
    response_model=CoverageDecisionOut,
    summary="Check a patient's facts (JSON, as `tvec coverage check` reads them) against a policy",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def check_facts(policy: PolicyId, request: Request, act: Act) -> CoverageDecisionOut:
    facts = parse_coverage_facts((await request.body()).decode("utf-8", errors="replace"))
    decision, draft = await act(coverage.check_facts, policy, facts)
    return CoverageDecisionOut.of(decision, draft)
