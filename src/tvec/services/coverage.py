"""Coverage from a patient's record: a course checked against a payer policy, as Da Vinci DTR does.

The chart fills what it holds (the diagnosis: melanoma, stage, unresectable, recurrent after
surgery; the active lesions with their sites and latest sizes; for a re-authorization, the
response evidence from the response engine and the course's adverse events). What it cannot hold
(review type, re-authorization, prescriber specialty, prior therapies, the documents on file, and
a diagnosis fact when no diagnosis is recorded) the billing office answers; the answers are kept
with the course, one row per policy, each change a new version, audited. The evaluation itself is
`tvec.domain.coverage.evaluate`, the same as `tvec coverage check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tvec.domain.coverage import (
    CoverageDecision,
    CoverageFacts,
    DiagnosisFacts,
    evaluate,
)
from tvec.domain.errors import Conflict
from tvec.domain.identity import shown_name
from tvec.domain.policy import Policy
from tvec.domain.reauthorization_draft import ReauthorizationDraft, draft_reauthorization
from tvec.knowledge import load_policies, load_policy
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.coverage import CoverageAnswersIn, answers_from
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre
from tvec.services.coverage_chart import (
    LesionLine,
    chart_diagnosis,
    chart_lesions,
    course_evidence,
    lesion_facts,
)
from tvec.services.permissions import Action

# The facts a policy's criteria read (`Criterion.reads`), as the form names them.
FACT_LABELS = {
    "diagnosis.cancer": "Diagnosis",
    "diagnosis.stage": "Stage",
    "diagnosis.unresectable": "Unresectable",
    "diagnosis.recurrent_after_surgery": "Recurrent after initial surgery",
    "lesions": "Lesions",
    "prescriber_specialty": "Prescriber's specialty",
    "prior_therapies": "Prior therapies",
    "response": "Response to therapy",
}


@dataclass(frozen=True)
class CourseCoverage:
    """A course checked against one policy: the facts and where each came from, the decision,
    and for a re-authorization the drafted request."""

    course_id: int
    patient_id: int
    patient_name: str
    course_start: date
    policy: Policy
    facts: CoverageFacts
    diagnosis_from_chart: bool
    lesions: tuple[LesionLine, ...]
    answers: CoverageAnswersIn
    answers_version: int | None  # None: nothing answered yet
    answered_at: datetime | None
    decision: CoverageDecision
    draft: ReauthorizationDraft | None

    @property
    def questions(self) -> tuple[str, ...]:
        """What is still not known: the facts of criteria not known, and the missing documents."""
        facts = [FACT_LABELS[c.reads] for c in self.decision.criteria if c.met is None]
        return (*facts, *(d.text for d in self.decision.missing_documents))


@dataclass(frozen=True)
class CourseChoice:
    course_id: int
    patient_id: int
    patient_name: str
    mrn: str
    start_date: date
    ended: bool


def policies() -> list[Policy]:
    """The policies on file, the real ones first."""
    return list(load_policies().values())


def courses_to_check(ctx: Context, actor: Actor) -> list[CourseChoice]:
    """The centre's courses, open ones first, newest first: what the office may check."""
    actor.require(Action.CHECK_COVERAGE)
    with ctx.uow(readonly=True) as uow:
        patients = {p.id: p for p in uow.patients.in_centre(actor.centre_id)}
        courses = uow.courses.for_patients(list(patients))
    choices = [
        CourseChoice(
            c.id,
            c.patient_id,
            _name(patients[c.patient_id]),
            patients[c.patient_id].mrn,
            c.start_date,
            c.end_date is not None,
        )
        for c in courses
    ]
    choices.sort(key=lambda c: (c.ended, -c.start_date.toordinal(), -c.course_id))
    return choices


def evaluate_course(
    ctx: Context,
    actor: Actor,
    course_id: int,
    policy_id: str,
    answers: CoverageAnswersIn | None = None,
) -> CourseCoverage:
    """The course against the policy, with the chart's facts and the answers given (or, if none
    are given, the answers kept with the course). Reads only: nothing is saved."""
    actor.require(Action.CHECK_COVERAGE)
    policy = load_policy(policy_id)
    with ctx.uow(readonly=True) as uow:
        return _checked(ctx, actor, uow, course_id, policy, answers)


def record_answers(
    ctx: Context,
    actor: Actor,
    course_id: int,
    policy_id: str,
    answers: CoverageAnswersIn,
    version: int | None = None,
) -> CourseCoverage:
    """Keep the office's answers with the course (a new version if some were kept: `version` is
    the one read, required then; a stale or missing one is a Conflict), audited; then the check
    with them. The check runs
    first, so answers it refuses (a service date the policy is not in effect on) are not kept."""
    actor.require(Action.CHECK_COVERAGE)
    policy = load_policy(policy_id)
    with ctx.uow() as uow:
        _checked(ctx, actor, uow, course_id, policy, answers)
        stored = answers.model_dump(mode="json")
        kept = uow.coverage_answers.for_course(course_id, policy.id)
        reason = f"coverage answers for policy {policy.id}"
        if kept is None:
            uow.coverage_answers.add(
                by=actor.user_id,
                reason=reason,
                course_id=course_id,
                policy_id=policy.id,
                answers=stored,
                recorded_by=actor.user_id,
                recorded_at=uow.now,
            )
        else:
            if version is None:
                raise Conflict(
                    f"answers for this course and policy are on file (version {kept.version}); "
                    "give the version you read to change them",
                    field="version",
                )
            uow.coverage_answers.update(
                kept.id,
                expected_version=version,
                by=actor.user_id,
                reason=reason,
                read=kept,
                answers=stored,
                recorded_by=actor.user_id,
                recorded_at=uow.now,
            )
        result = _checked(ctx, actor, uow, course_id, policy, None)
        uow.commit()
    return result


def reauthorization_draft(
    ctx: Context, actor: Actor, course_id: int, policy_id: str
) -> CourseCoverage:
    """The course checked as a re-authorization (whatever the kept answers say), with the
    drafted request built from the response so far."""
    actor.require(Action.CHECK_COVERAGE)
    policy = load_policy(policy_id)
    with ctx.uow(readonly=True) as uow:
        kept = _kept_answers(uow, course_id, policy.id)
        base = kept[0] if kept else CoverageAnswersIn()
        answers = base.model_copy(update={"reauthorization": True})
        return _checked(ctx, actor, uow, course_id, policy, answers)


def _kept_answers(
    uow: UnitOfWork, course_id: int, policy_id: str
) -> tuple[CoverageAnswersIn, r.CoverageAnswers] | None:
    kept = uow.coverage_answers.for_course(course_id, policy_id)
    return None if kept is None else (answers_from(kept.answers), kept)


def _checked(
    ctx: Context,
    actor: Actor,
    uow: UnitOfWork,
    course_id: int,
    policy: Policy,
    answers: CoverageAnswersIn | None,
) -> CourseCoverage:
    course = course_in_centre(uow, actor, course_id)
    patient = uow.patients.get(course.patient_id)
    kept = _kept_answers(uow, course_id, policy.id)
    given = answers if answers is not None else (kept[0] if kept else CoverageAnswersIn())
    service_date = given.service_date or ctx.today(actor)
    diagnosis = chart_diagnosis(uow, patient.id)
    lesions = chart_lesions(uow, patient.id)
    evidence = course_evidence(uow, course, service_date) if given.reauthorization else None
    facts = CoverageFacts(
        service_date=service_date,
        review_type=given.review_type,
        reauthorization=given.reauthorization,
        diagnosis=diagnosis or _answered_diagnosis(given),
        lesions=lesion_facts(lesions),
        prescriber_specialty=given.prescriber_specialty,
        prior_therapies=None if given.prior_therapies is None else tuple(given.prior_therapies),
        documents=tuple(given.documents),
        response=evidence,
    )
    decision = evaluate(policy, facts)
    draft = draft_reauthorization(decision, evidence) if given.reauthorization else None
    return CourseCoverage(
        course_id=course.id,
        patient_id=patient.id,
        patient_name=_name(patient),
        course_start=course.start_date,
        policy=policy,
        facts=facts,
        diagnosis_from_chart=diagnosis is not None,
        lesions=lesions,
        answers=given,
        answers_version=kept[1].version if kept else None,
        answered_at=kept[1].recorded_at if kept else None,
        decision=decision,
        draft=draft,
    )


def _answered_diagnosis(a: CoverageAnswersIn) -> DiagnosisFacts:
    return DiagnosisFacts(a.cancer, a.stage, a.unresectable, a.recurrent_after_surgery)


def _name(p: r.Patient) -> str:
    return shown_name(p.given_name, p.family_name, p.preferred_name)


def check_facts(
    ctx: Context, actor: Actor, policy_id: str, facts: CoverageFacts
) -> tuple[CoverageDecision, ReauthorizationDraft | None]:
    """Facts given whole (as `tvec coverage check` reads them), checked against a policy."""
    actor.require(Action.CHECK_COVERAGE)
    decision = evaluate(load_policy(policy_id), facts)
    draft = draft_reauthorization(decision, facts.response) if facts.reauthorization else None
    return decision, draft


def seed_coverage(ctx: Context, billing: Actor) -> None:
    """Demo data: the answers for policy 5.01.562 of the open course with the longest history
    (its response is the re-authorization's evidence), all but the physical evaluation on file,
    so the page shows a question still open."""
    choices = [c for c in courses_to_check(ctx, billing) if not c.ended]
    if not choices:
        return
    answers = CoverageAnswersIn(
        prescriber_specialty="oncology",
        prior_therapies=["pembrolizumab"],
        documents=["office-notes", "history"],
    )
    oldest = min(choices, key=lambda c: (c.start_date, c.course_id))
    record_answers(ctx, billing, oldest.course_id, "5.01.562", answers)
