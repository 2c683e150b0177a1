"""What the chart says for a coverage check: diagnosis, lesions with their latest sizes, and the
response evidence of a course (from the response engine, as the response page computes it).

Read inside the caller's unit of work; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tvec.domain.coverage import DiagnosisFacts, LesionFacts
from tvec.domain.errors import DomainError
from tvec.domain.reauthorization import AdverseEventFact, ResponseEvidence, SpdPoint
from tvec.domain.response import Confirmation, ResponseAssessment, assess_response
from tvec.domain.status import RecordStatus
from tvec.knowledge import load_criteria
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.outcomes import domain_measurement, first_injections, from_first_measurable

CRITERIA = "modified-who"  # the response criteria the clinic's response page uses
CANCER = "melanoma"  # tvec records melanoma diagnoses only (the diagnosis form: melanoma stage)


@dataclass(frozen=True)
class LesionLine:
    """A lesion as the coverage page lists it: its site, and its latest size and date."""

    name: str
    site: str
    location: str
    injectable: bool
    longest_cm: Decimal | None
    measured_on: date | None


def chart_diagnosis(uow: UnitOfWork, patient_id: int) -> DiagnosisFacts | None:
    """The recorded diagnosis, or None when the chart has none."""
    d = uow.diagnoses.for_patient(patient_id)
    if d is None:
        return None
    return DiagnosisFacts(CANCER, d.stage, d.unresectable, d.recurrent_after_surgery)


def chart_lesions(uow: UnitOfWork, patient_id: int) -> tuple[LesionLine, ...]:
    return tuple(
        LesionLine(
            les.name,
            les.site,
            les.location,
            les.injectable,
            None if m is None else m.longest_cm,
            None if m is None else m.measured_on,
        )
        for les, m in uow.lesions.active_with_latest_measurement(patient_id)
    )


def lesion_facts(lines: tuple[LesionLine, ...]) -> tuple[LesionFacts, ...]:
    return tuple(LesionFacts(x.name, x.site, x.longest_cm, x.injectable) for x in lines)


def course_evidence(uow: UnitOfWork, course: r.Course, until: date) -> ResponseEvidence | None:
    """The course's response so far (measurements from its start to `until`), with its adverse
    events; None when the response cannot be assessed (no baseline measured)."""
    assessed = _assess(uow, course, until)
    if assessed is None:
        return None
    events = [
        e
        for e in uow.adverse_events.for_patient(course.patient_id)
        if e.course_id == course.id and e.status is RecordStatus.ACTIVE and e.onset <= until
    ]
    return evidence_of(assessed, events)


def evidence_of(a: ResponseAssessment, events: list[r.AdverseEvent]) -> ResponseEvidence:
    new: list[str] = []
    for assessment in a.assessments:
        new += [i for i in assessment.new_lesion_ids if i not in new]
    return ResponseEvidence(
        best_response=a.best_overall_response,
        spd_trend=tuple(SpdPoint(x.date, x.spd_cm2, x.category) for x in a.assessments),
        confirmed_responses=sum(
            1 for x in a.assessments if x.counted and x.confirmation is Confirmation.CONFIRMED
        ),
        new_lesions=tuple(new),
        adverse_events=tuple(
            AdverseEventFact(e.term, e.grade, e.serious, e.onset)
            for e in sorted(events, key=lambda e: (e.onset, e.id))
        ),
    )


def _assess(uow: UnitOfWork, course: r.Course, until: date) -> ResponseAssessment | None:
    lesions = {
        les.id: les
        for les in uow.lesions.for_patient(course.patient_id)
        if les.status is RecordStatus.ACTIVE
    }
    visits = uow.visits.for_course(course.id)
    injected_on = first_injections(uow.administrations.for_visits([v.id for v in visits]))
    last = min(until, course.end_date) if course.end_date else until
    measurements = [
        domain_measurement(m, lesions[m.lesion_id], lesions[m.lesion_id].name, injected_on)
        for m in from_first_measurable(
            m
            for m in uow.measurements.for_lesions(list(lesions))
            if m.status is RecordStatus.ACTIVE and course.start_date <= m.measured_on <= last
        )
    ]
    try:
        return assess_response(load_criteria(CRITERIA), course.start_date, measurements)
    except DomainError:
        return None
