"""The billing office's prior authorizations: request one for a course, resubmit or appeal it,
and read a course's requests with the packet's content.

A request is evaluated against the payer's policy when it is made (unknown policy, or one not in
effect on the service date: refused naming the field, nothing written), saved with the chart's
facts and its Da Vinci PAS Bundle, and delivered to the payer's side at once
(`tvec.services.payer_review.receive`), which approves it automatically when every criterion is
met. Every change of status is a new version of the request, audited with who, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tvec.domain.coverage import CoverageDecision, ReviewType
from tvec.domain.errors import NotFound
from tvec.domain.identity import shown_name
from tvec.domain.prior_auth import Answer, RequestStatus, check_answer
from tvec.interop.fhir import pas
from tvec.persistence import records as r
from tvec.persistence.prior_auth_repositories import PriorAuthRequest
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.coverage import CoverageAnswersIn
from tvec.schemas.prior_auth import AnswerIn, PriorAuthIn
from tvec.services import coverage
from tvec.services import prior_auth_facts as pf
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre
from tvec.services.coverage_chart import LesionLine, chart_lesions
from tvec.services.permissions import Action
from tvec.services.plausible import near_today

ADMINISTRATION_CODE = ("96405", "Intralesional injection, up to and including 7 lesions")
DRUG_CODE = ("J9325", "Injection, talimogene laherparepvec, per 1 million plaque forming units")


@dataclass(frozen=True)
class Packet:
    """What the prior-authorization packet (PDF) and the course's page show of a request."""

    request: PriorAuthRequest
    patient: r.Patient
    patient_name: str
    clinic_name: str
    prescriber_name: str
    payer_name: str
    policy_title: str
    decision: CoverageDecision
    lesions: list[LesionLine]
    visits: list[pf.PlannedVisit]
    window_end: date


def submit_request(
    ctx: Context, actor: Actor, course_id: int, asked: PriorAuthIn
) -> PriorAuthRequest:
    """Evaluate, save and send a request for the course's treatment from `service_date` for the
    policy's initial authorization length; the payer's side answers at once when it can."""
    actor.require(Action.REQUEST_PRIOR_AUTH)
    from tvec.services.payer_review import receive  # the payer's intake: one module each side

    policy = pf.policy_in_effect(asked.policy_id, asked.service_date)
    near_today(ctx, actor, "Prior authorization", "service_date", asked.service_date)
    checked = coverage.evaluate_course(ctx, actor, course_id, policy.id, _answers(asked))
    facts = pf.facts_json(checked.facts)
    with ctx.uow() as uow:
        course = course_in_centre(uow, actor, course_id)
        lesions = list(chart_lesions(uow, course.patient_id))
        decision = pf.evaluated(policy, facts)
        end = pf.window_end(asked.service_date, pf.window_months(decision))
        visits = pf.planned_visits(uow, course, policy, asked.service_date, end)
        payer = uow.payers.by_name(policy.payer) or uow.payers.add(
            by=actor.user_id, name=policy.payer, office_centre_id=None
        )
        saved = uow.prior_auth_requests.add(
            by=actor.user_id,
            centre_id=actor.centre_id,
            course_id=course.id,
            payer_id=payer.id,
            policy_id=policy.id,
            policy_version=policy.version,
            service_date=asked.service_date,
            review_type=asked.review_type,
            units_requested=sum((v.units for v in visits), Decimal(0)),
            status=RequestStatus.SUBMITTED.value,
            facts=facts,
            bundle={},
            submitted_by=actor.user_id,
            submitted_at=uow.now,
        )
        bundle = pas.build_bundle(
            _pas_request(uow, saved, course, policy.shown_title, lesions, visits, end)
        )
        saved = uow.prior_auth_requests.update(
            saved.id,
            expected_version=saved.version,
            by=actor.user_id,
            action="attach-bundle",
            read=saved,
            bundle=bundle,
        )
        saved = receive(uow, actor, saved, facts)
        uow.commit()
        return saved


def _answers(asked: PriorAuthIn) -> CoverageAnswersIn:
    """The office's answers, as the coverage check takes them."""
    return CoverageAnswersIn(
        review_type=ReviewType(asked.review_type),
        service_date=asked.service_date,
        prescriber_specialty=asked.prescriber_specialty,
        prior_therapies=asked.prior_therapies,
        documents=list(asked.documents),
    )


def _pas_request(
    uow: UnitOfWork,
    req: PriorAuthRequest,
    course: r.Course,
    policy_title: str,
    lesions: list[LesionLine],
    visits: list[pf.PlannedVisit],
    end: date,
) -> pas.PasRequest:
    patient = uow.patients.get(course.patient_id)
    prescriber = uow.users.get(course.started_by)
    payer = uow.payers.get(req.payer_id)
    drug_units = sum((v.units for v in visits), Decimal(0))
    return pas.PasRequest(
        request_id=req.id,
        created=req.submitted_at,
        service_start=req.service_date,
        service_end=end,
        patient_id=patient.id,
        given_name=patient.given_name,
        family_name=patient.family_name,
        birth_date=patient.birth_date,
        sex=patient.sex,
        mrn=patient.mrn,
        clinic_id=req.centre_id,
        clinic_name=uow.centres.get(req.centre_id).name,
        prescriber_id=prescriber.id,
        prescriber_name=prescriber.full_name,
        prescriber_specialty=req.facts.get("prescriber_specialty"),
        payer_name=payer.name,
        policy_id=req.policy_id,
        policy_title=policy_title,
        lines=(
            pas.ServiceLine(DRUG_CODE[0], pas.HCPCS, DRUG_CODE[1], drug_units),
            pas.ServiceLine(
                ADMINISTRATION_CODE[0], pas.CPT, ADMINISTRATION_CODE[1], Decimal(len(visits))
            ),
        ),
        lesions=tuple(
            pas.LesionEvidence(les.name, les.site, les.longest_cm, les.measured_on)
            for les in lesions
        ),
        facts=req.facts,
    )


def answer_as_clinic(
    ctx: Context, actor: Actor, request_id: int, given: AnswerIn
) -> PriorAuthRequest:
    """The clinic's answer: submitted again (what the payer asked for was sent) or appealed."""
    actor.require(Action.REQUEST_PRIOR_AUTH)
    with ctx.uow() as uow:
        req = request_in_centre(uow, actor, request_id)
        if given.status not in (RequestStatus.SUBMITTED, RequestStatus.APPEALED):
            from tvec.domain.errors import InvalidInput

            raise InvalidInput(
                "Prior authorization", "status", "may only be submitted again or appealed here"
            )
        saved = record_answer(uow, actor, req, given, automatic=False)
        uow.commit()
        return saved


def record_answer(
    uow: UnitOfWork, actor: Actor, req: PriorAuthRequest, given: AnswerIn, *, automatic: bool
) -> PriorAuthRequest:
    """A checked change of status, as a new audited version of the request."""
    answer = Answer(
        RequestStatus(given.status),
        given.note,
        given.authorization_number,
        given.window_start,
        given.window_end,
        given.units_authorized,
    )
    check_answer(RequestStatus(req.status), answer)
    payer_answer = answer.status in (
        RequestStatus.PENDED,
        RequestStatus.APPROVED,
        RequestStatus.DENIED,
    )
    approved = answer.status is RequestStatus.APPROVED
    return uow.prior_auth_requests.update(
        req.id,
        expected_version=given.version,
        by=actor.user_id,
        action=f"{answer.status}-automatically" if automatic else str(answer.status),
        reason=answer.note,
        read=req,
        status=answer.status.value,
        note=answer.note,
        authorization_number=answer.authorization_number if approved else None,
        window_start=answer.window_start if approved else None,
        window_end=answer.window_end if approved else None,
        units_authorized=answer.units_authorized if approved else None,
        decided_automatically=automatic,
        answered_by=None if automatic or not payer_answer else actor.user_id,
        answered_at=uow.now if payer_answer else req.answered_at,
    )


def request_in_centre(uow: UnitOfWork, actor: Actor, request_id: int) -> PriorAuthRequest:
    found = uow.prior_auth_requests.find(request_id)
    if found is None or not actor.sees(found.centre_id):
        raise NotFound("prior-auth-request", request_id)
    return found


def course_requests(ctx: Context, actor: Actor, course_id: int) -> list[PriorAuthRequest]:
    """The course's requests, oldest first."""
    actor.require(Action.READ_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        course_in_centre(uow, actor, course_id)
        return uow.prior_auth_requests.for_course(course_id)


def centre_requests(ctx: Context, actor: Actor) -> list[PriorAuthRequest]:
    """The centre's requests, newest first."""
    actor.require(Action.READ_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        return uow.prior_auth_requests.in_centre(actor.centre_id)


def get_request(ctx: Context, actor: Actor, request_id: int) -> PriorAuthRequest:
    actor.require(Action.READ_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        return request_in_centre(uow, actor, request_id)


def packet(ctx: Context, actor: Actor, request_id: int) -> Packet:
    """The packet's content: the request, the evaluation as submitted, lesions, visits."""
    actor.require(Action.READ_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        req = request_in_centre(uow, actor, request_id)
        return packet_in(uow, req)


def packet_in(uow: UnitOfWork, req: PriorAuthRequest) -> Packet:
    from tvec.knowledge import load_policy

    course = uow.courses.get(req.course_id)
    patient = uow.patients.get(course.patient_id)
    policy = load_policy(req.policy_id)
    decision = pf.evaluated(policy, req.facts)
    end = pf.window_end(req.service_date, pf.window_months(decision))
    return Packet(
        request=req,
        patient=patient,
        patient_name=shown_name(patient.given_name, patient.family_name, patient.preferred_name),
        clinic_name=uow.centres.get(req.centre_id).name,
        prescriber_name=uow.users.get(course.started_by).full_name,
        payer_name=uow.payers.get(req.payer_id).name,
        policy_title=policy.shown_title,
        decision=decision,
        lesions=list(chart_lesions(uow, patient.id)),
        visits=pf.planned_visits(uow, course, policy, req.service_date, end),
        window_end=end,
    )


def bundle_of(ctx: Context, actor: Actor, request_id: int) -> dict[str, Any]:
    return get_request(ctx, actor, request_id).bundle


@dataclass(frozen=True)
class OpenCourse:
    course_id: int
    patient_name: str
    mrn: str
    start_date: date


def open_courses(ctx: Context, actor: Actor) -> list[OpenCourse]:
    """The centre's open courses, for the billing office to choose one to request for."""
    actor.require(Action.READ_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        patients = {p.id: p for p in uow.patients.in_centre(actor.centre_id)}
        found = [c for c in uow.courses.for_patients(list(patients)) if c.end_date is None]
    return [
        OpenCourse(
            c.id,
            shown_name(
                patients[c.patient_id].given_name,
                patients[c.patient_id].family_name,
                patients[c.patient_id].preferred_name,
            ),
            patients[c.patient_id].mrn,
            c.start_date,
        )
        for c in sorted(found, key=lambda c: c.start_date, reverse=True)
    ]


def course_header(ctx: Context, actor: Actor, course_id: int) -> OpenCourse:
    """The course and its patient as the billing office's pages name them."""
    actor.require(Action.READ_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        course = course_in_centre(uow, actor, course_id)
        p = uow.patients.get(course.patient_id)
    name = shown_name(p.given_name, p.family_name, p.preferred_name)
    return OpenCourse(course.id, name, p.mrn, course.start_date)
