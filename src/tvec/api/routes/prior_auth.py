"""Prior authorization: the billing office's requests (with the packet PDF and the PAS Bundle),
the units left of each approved window, and the payer reviewer's intake and answers.

`POST /payer/bundles` takes a Da Vinci PAS request Bundle (JSON); one that cannot be read is
answered 400 with `field` the path of the wrong element.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.domain.prior_auth import MalformedBundle
from tvec.http.files import file_response
from tvec.persistence.prior_auth_repositories import PriorAuthRequest
from tvec.reports.prior_auth_packet import packet_pdf
from tvec.schemas.clinic import ErrorOut
from tvec.schemas.prior_auth import (
    AnswerIn,
    CourseAuthorizationsOut,
    CriterionOut,
    PriorAuthIn,
    PriorAuthOut,
    ReviewOut,
    UsageOut,
)
from tvec.services import authorization_windows as aw
from tvec.services import payer_review, prior_auth
from tvec.services.payer_review import Review

router = APIRouter(tags=["prior authorization"])
MALFORMED: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "The Bundle cannot be read; `field` is the element's path",
        "model": ErrorOut,
    }
}


def out(req: PriorAuthRequest) -> PriorAuthOut:
    return PriorAuthOut.model_validate(req)


def usage_out(u: aw.Usage) -> UsageOut:
    a = u.authorization
    return UsageOut(
        authorization_number=a.number,
        window_start=a.window_start,
        window_end=a.window_end,
        units_authorized=a.units_authorized,
        units_used=u.units_used,
        units_left=u.units_left,
        percent_used=u.percent_used,
        discarded_units_count=u.discarded_count,
    )


@router.post(
    "/courses/{course_id}/prior-authorizations",
    response_model=PriorAuthOut,
    status_code=201,
    summary="Request prior authorization for the course under a payer policy (billing office, "
    "oncologist); approved at once when every criterion is met",
)
async def submit(course_id: Id, body: PriorAuthIn, act: Act) -> PriorAuthOut:
    return out(await act(prior_auth.submit_request, course_id, body))


@router.get(
    "/courses/{course_id}/prior-authorizations",
    response_model=CourseAuthorizationsOut,
    summary="The course's requests and, per approved window, the units used and left",
)
async def course_authorizations(course_id: Id, act: Act) -> CourseAuthorizationsOut:
    requests = await act(prior_auth.course_requests, course_id)
    usage = await act(aw.course_usage, course_id)
    return CourseAuthorizationsOut(
        requests=[out(q) for q in requests], usage=[usage_out(u) for u in usage]
    )


@router.post(
    "/prior-authorizations/{request_id}/answers",
    response_model=PriorAuthOut,
    summary="The clinic's answer: submitted again after a pend, or appealed after a denial",
)
async def clinic_answer(request_id: Id, body: AnswerIn, act: Act) -> PriorAuthOut:
    return out(await act(prior_auth.answer_as_clinic, request_id, body))


@router.get(
    "/prior-authorizations/{request_id}/bundle",
    summary="The request's Da Vinci PAS Bundle (FHIR R4 JSON)",
)
async def bundle(request_id: Id, act: Act) -> dict[str, Any]:
    return await act(prior_auth.bundle_of, request_id)


@router.get(
    "/prior-authorizations/{request_id}/packet.pdf",
    response_class=Response,
    summary="The request's packet as a PDF: cover letter, criteria and evidence, lesions, "
    "planned schedule and units",
    responses={200: {"content": {"application/pdf": {"schema": {"type": "string"}}}}},
)
async def packet(request_id: Id, act: Act) -> Response:
    content = await act(prior_auth.packet, request_id)
    return file_response(
        packet_pdf(content), "application/pdf", f"prior-authorization-{request_id}.pdf"
    )


def review_out(found: Review) -> ReviewOut:
    return ReviewOut(
        request=out(found.request),
        clinic=found.clinic_name,
        policy_title=found.policy_title,
        decision=str(found.decision.decision),
        criteria=[CriterionOut.model_validate(asdict(c)) for c in found.decision.criteria],
        missing_documents=[d.id for d in found.decision.missing_documents],
        facts=found.facts,
    )


@router.post(
    "/payer/bundles",
    response_model=PriorAuthOut,
    responses=MALFORMED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/fhir+json": {"schema": {"type": "object"}}},
        }
    },
    summary="Receive a PAS request Bundle (payer reviewer): evaluated against the payer's "
    "policy, approved automatically when every criterion is met",
)
async def receive(request: Request, act: Act) -> PriorAuthOut:
    try:
        data = json.loads(await request.body())
    except ValueError:
        raise MalformedBundle("(body)", "is not JSON") from None
    return out(await act(payer_review.receive_bundle, data))


@router.get(
    "/payer/requests",
    response_model=Page[PriorAuthOut],
    summary="The requests addressed to the reviewer's payer, newest first",
)
async def inbox(act: Act, limit: Limit = 50, offset: Offset = 0) -> Page[PriorAuthOut]:
    return paged(await act(payer_review.inbox), limit, offset, out)


@router.get(
    "/payer/requests/{request_id}",
    response_model=ReviewOut,
    summary="A request with the evaluation of its Bundle's facts against the payer's policy",
)
async def review(request_id: Id, act: Act) -> ReviewOut:
    return review_out(await act(payer_review.review, request_id))


@router.post(
    "/payer/requests/{request_id}/decision",
    response_model=PriorAuthOut,
    summary="Approve (number, window, units), pend (what is asked) or deny (the reason)",
)
async def decide(request_id: Id, body: AnswerIn, act: Act) -> PriorAuthOut:
    return out(await act(payer_review.decide, request_id, body))
